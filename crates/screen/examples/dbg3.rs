use guomen_screen::{DEFAULT_NAME_THRESHOLD, Index, Query, synth};
fn main() {
    let entries = synth::entries(1_000_000, 1);
    let e = entries.iter().find(|e| e.id == "S17759").unwrap().clone();
    let index = Index::build(entries, None);
    let mut q = Query::name("ali hassan");
    q.birth_date = e.birth_dates.first().copied();
    let hits = index.screen(&q, DEFAULT_NAME_THRESHOLD);
    println!(
        "{:?}",
        hits.iter()
            .map(|h| (&h.entry_id, h.score))
            .collect::<Vec<_>>()
    );
}
