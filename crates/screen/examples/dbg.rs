fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    for p in a.chunks(2) {
        println!(
            "{} ~ {} = {:.3}",
            p[0],
            p[1],
            guomen_screen::compare_names(&p[0], &p[1])
        );
    }
}
