use guomen_screen::{DEFAULT_NAME_THRESHOLD, Index, Query, synth};
fn main() {
    let entries = synth::entries(1_000_000, 1);
    let picks: Vec<(String, String, Option<guomen_screen::PartialDate>)> = entries
        .iter()
        .filter(|e| e.names[0].is_ascii() && e.names[0].split(' ').count() >= 2)
        .step_by(997)
        .take(300)
        .map(|e| {
            let mut p: Vec<String> = e.names[0].split(' ').map(|x| x.to_owned()).collect();
            let k = e.id.len() % p.len();
            let mut c: Vec<char> = p[k].chars().collect();
            if c.len() >= 3 {
                let j = 1 + (e.id.len() % (c.len() - 2));
                c.swap(j, j + 1);
            }
            p[k] = c.into_iter().collect();
            (p.join(" "), e.id.clone(), e.birth_dates.first().copied())
        })
        .collect();
    let index = Index::build(entries.clone(), None);
    let mut miss = 0;
    for (name, id, b) in &picks {
        let mut q = Query::name(name.clone());
        q.birth_date = *b;
        let hits = index.screen(&q, DEFAULT_NAME_THRESHOLD);
        if !hits.iter().any(|h| &h.entry_id == id) {
            miss += 1;
            if miss < 12 {
                let e = entries.iter().find(|e| &e.id == id).unwrap();
                println!(
                    "MISS {name} -> {id} {:?}; {} hits, top {:?}",
                    e.names,
                    hits.len(),
                    hits.iter()
                        .take(3)
                        .map(|h| (&h.entry_id, h.score, h.name_score, &h.matched_name))
                        .collect::<Vec<_>>()
                );
            }
        }
    }
    println!("missed {miss}/{}", picks.len());
}
