//! Upload rate and memory of the sync: a large container (default 256 MiB,
//! `SCANSTELLE_BENCH_MB` to change) built from PDFs in the blob store and
//! delivered over WebDAV (TLS, Basic auth) to a real Apache, against
//! `curl -T` of the same file to the same server. Three interleaved rounds;
//! the median of the per-round ratios is printed, with the peak memory
//! (VmHWM) of building and of delivering. Run with `cargo bench --bench sync`.

#[path = "../tests/common/fixtures.rs"]
mod fixtures;

#[allow(dead_code)]
#[path = "../tests/common/apache.rs"]
mod apache;

use scanstelle::package::xdomea::{Package, PackageDocument};
use scanstelle::store::blob::BlobStore;
use scanstelle::sync::{HttpOptions, HttpTransport, Transport};
use std::process::Command;
use std::time::{Duration, Instant};

/// Peak resident memory of this process so far, in MiB.
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Resets the peak to the current resident size (Linux `clear_refs` 5).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn current_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let Some(server) = apache::Apache::start() else {
        eprintln!("apache2 missing: installer/setup.sh installs it");
        return;
    };
    let mb: u64 = std::env::var("SCANSTELLE_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::open(dir.path().join("blobs"), &fixtures::keys(dir.path())).unwrap();
    // 4 MiB "PDFs" of incompressible bytes (a cheap xorshift).
    let per = 4u64 << 20;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let documents: Vec<PackageDocument> = (0..mb.div_ceil(4))
        .map(|i| {
            let mut bytes = Vec::with_capacity(per as usize);
            bytes.extend_from_slice(b"%PDF-1.7\n");
            while (bytes.len() as u64) < per {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                bytes.extend_from_slice(&state.to_le_bytes());
            }
            PackageDocument {
                object_id: format!("bench-{i}"),
                number: i as u32 + 1,
                id: uuid::Uuid::new_v4(),
                file_id: uuid::Uuid::new_v4(),
                betreff: format!("Kontoauszug {i}"),
                bg: "12345BG0012345".into(),
                type_label: "Kontoauszug".into(),
                received: None,
                pdf: blobs.put(&bytes).unwrap(),
                text: Some("Volltext".repeat(100)),
                note: None,
                originals: Vec::new(),
            }
        })
        .collect();
    let package = Package {
        process_id: uuid::Uuid::new_v4(),
        created: time::OffsetDateTime::now_utc(),
        institution: "Jobcenter".into(),
        unit: "Scanstelle".into(),
        user: "bench".into(),
        location: server.url("eingang"),
        documents,
    };
    let zip = dir.path().join(package.zip_name());
    let base = current_mib();
    reset_peak();
    let t = Instant::now();
    let file = std::io::BufWriter::new(std::fs::File::create(&zip).unwrap());
    package
        .write_zip(&blobs, file)
        .unwrap()
        .into_inner()
        .unwrap()
        .sync_all()
        .unwrap();
    let build = t.elapsed();
    let build_peak = peak_mib();
    let size = std::fs::metadata(&zip).unwrap().len();
    let mib = size as f64 / (1 << 20) as f64;
    println!(
        "container (plain ZIP, the baseline): {mib:.0} MiB in {} documents, built in {:.2} s ({:.0} MiB/s); memory {base:.0} MiB before, peak {build_peak:.0} MiB",
        package.documents.len(),
        build.as_secs_f64(),
        mib / build.as_secs_f64()
    );
    // What the station really spools: the same ZIP, sealed as it is written.
    let name = package.zip_name();
    let spool = dir.path().join("spool");
    std::fs::create_dir_all(&spool).unwrap();
    let sealed_path = spool.join(&name);
    reset_peak();
    let t = Instant::now();
    blobs
        .write_sealed(&sealed_path, name.as_bytes(), |w| {
            let mut b = std::io::BufWriter::with_capacity(1 << 20, w);
            package.write_zip(&blobs, &mut b).unwrap();
            std::io::Write::flush(&mut b)
        })
        .unwrap();
    let sealed_build = t.elapsed();
    println!(
        "container (sealed, as spooled): built in {:.2} s ({:.0} MiB/s), plain/sealed time ratio {:.2}; peak {:.0} MiB",
        sealed_build.as_secs_f64(),
        mib / sealed_build.as_secs_f64(),
        build.as_secs_f64() / sealed_build.as_secs_f64(),
        peak_mib()
    );
    let container =
        scanstelle::sync::Container::sealed(&sealed_path, blobs.seal_key(), name.as_bytes())
            .unwrap();
    assert_eq!(container.len(), size);

    let transport = HttpTransport::webdav(
        &server.url("eingang"),
        &server.url("antworten"),
        HttpOptions {
            user: Some(apache::USER.into()),
            password: Some(apache::PASSWORD.into()),
            ca_file: Some(server.ca.clone()),
            timeout: Duration::from_secs(60),
            min_rate: 1 << 20,
            ..Default::default()
        },
    )
    .unwrap();
    let mut ratios = Vec::new();
    let mut peaks = Vec::new();
    for round in 1..=3 {
        let t = Instant::now();
        let out = Command::new("curl")
            .args(["-sS", "--fail", "-T"])
            .arg(&zip)
            .arg("--cacert")
            .arg(&server.ca)
            .args(["-u", &format!("{}:{}", apache::USER, apache::PASSWORD)])
            .arg(format!("{}curl-{round}.zip", server.url("eingang")))
            .output()
            .expect("curl installed");
        assert!(
            out.status.success(),
            "curl: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let curl = t.elapsed().as_secs_f64();
        reset_peak();
        let t = Instant::now();
        transport.deliver(&name, &container).unwrap();
        let ours = t.elapsed().as_secs_f64();
        peaks.push(peak_mib());
        println!(
            "round {round}: curl -T {:.0} MiB/s, station (PUT + MOVE) {:.0} MiB/s, ratio {:.2}",
            mib / curl,
            mib / ours,
            curl / ours
        );
        ratios.push(curl / ours);
        for e in std::fs::read_dir(&server.inbox).unwrap() {
            let _ = std::fs::remove_file(e.unwrap().path());
        }
    }
    println!(
        "upload rate, station / curl -T (median of 3): {:.2}; peak memory while delivering {:.0} MiB (resident before {base:.0} MiB)",
        fixtures::median(ratios),
        peaks.into_iter().fold(0.0, f64::max)
    );
}
