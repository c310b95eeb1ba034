fn main() {
    for p in std::env::args().skip(1) {
        let bytes = std::fs::read(&p).unwrap();
        let t = std::time::Instant::now();
        match scanstelle::decode::decode(&bytes) {
            Ok(f) => {
                println!(
                    "{p}: {:?} {} pages in {:?}",
                    f.format,
                    f.pages.len(),
                    t.elapsed()
                );
                for (i, pg) in f.pages.iter().enumerate().take(4) {
                    println!(
                        "  {i}: {:?} text={:?}",
                        pg,
                        pg.text
                            .as_deref()
                            .map(|s| s.chars().take(60).collect::<String>())
                    );
                    if std::env::var("DUMP").is_ok() {
                        std::fs::write(
                            format!(
                                "/tmp/probe-{}-{i}.{}",
                                std::path::Path::new(&p)
                                    .file_name()
                                    .unwrap()
                                    .to_string_lossy(),
                                pg.encoding.as_str()
                            ),
                            &pg.bytes,
                        )
                        .unwrap();
                    }
                }
            }
            Err(e) => println!("{p}: ERROR {e}"),
        }
    }
}
