//! The `FVDaten.SGOAblegen.0605` message validates against the official
//! xdomea 3.0.0 schema (`../shared/xdomea`, never copied into the project;
//! skipped without it on a developer's machine, a failure under CI), and
//! its ZIP container is laid out as the standard says.

use crate::common;

use common::{schema, validate};
use scanstelle::intake::convert::OfficeKind;
use scanstelle::package::Sender;
use scanstelle::package::xdomea::{Package, PackageDocument, PackageOriginal};
use scanstelle::store::blob::BlobStore;
use std::io::Read;

fn package(blobs: &BlobStore) -> Package {
    let doc = |number: u32, betreff: &str, bg: &str, pdf: &[u8]| PackageDocument {
        object_id: uuid::Uuid::new_v4().to_string(),
        number,
        id: uuid::Uuid::new_v4(),
        file_id: uuid::Uuid::new_v4(),
        betreff: betreff.into(),
        bg: bg.into(),
        type_label: betreff.split(' ').next().unwrap().into(),
        received: Some(time::macros::date!(2026 - 11 - 23)),
        pdf: blobs.put(pdf).unwrap(),
        text: Some(format!("Volltext {number} <&>")),
        note: None,
        originals: Vec::new(),
    };
    let mut letter = doc(
        2,
        "Kontoauszug vom 30.11.2026",
        "12345BG0067890",
        b"%PDF-1.7 second",
    );
    // A born-digital document: its Office file goes with it.
    letter.originals.push(PackageOriginal {
        sha: blobs.put(b"PK\x03\x04 docx bytes").unwrap(),
        file_id: uuid::Uuid::new_v4(),
        kind: OfficeKind::Docx,
        name: "Brief an das Jobcenter & Co.docx".into(),
    });
    Package {
        process_id: uuid::Uuid::new_v4(),
        created: time::OffsetDateTime::now_utc(),
        institution: "Jobcenter Minden-Lübbecke".into(),
        unit: "Scanstelle <Posteingang> & Co".into(),
        user: "scan01".into(),
        location: "\\\\dms\\eingang".into(),
        documents: vec![
            doc(
                1,
                "Arbeitsunfähigkeitsbescheinigung vom 23.11.2026",
                "12345BG0012346",
                b"%PDF-1.7 first",
            ),
            letter,
        ],
    }
}

#[test]
fn the_0605_message_validates_and_its_container_is_laid_out_as_the_standard_says() {
    let Some(xsd) = schema() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let blobs = common::blobs(dir.path());
    let p = package(&blobs);
    let xml = p.message_xml();
    validate(&xsd, &xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert!(xml.contains("<xdomea:IDContainer>12345BG0067890</xdomea:IDContainer>"));
    assert!(xml.contains("<xdomea:NummerImStapel>2</xdomea:NummerImStapel>"));
    assert!(xml.contains("<xdomea:Ablageort>\\\\dms\\eingang</xdomea:Ablageort>"));
    assert!(xml.contains("<xdomea:Posteingangsdatum>2026-11-23</xdomea:Posteingangsdatum>"));
    assert!(xml.contains("<xdomea:Kennzeichen>12345BG0012346</xdomea:Kennzeichen>"));
    assert!(xml.contains("<xdomea:Name>Scanstelle &lt;Posteingang&gt; &amp; Co</xdomea:Name>"));
    assert!(xml.contains("<xdomea:Stapel>1</xdomea:Stapel>"));

    // The validation can fail: a boolean written as `true` is refused.
    let wrong = xml.replace(
        "<xdomea:Importbestaetigung>1</",
        "<xdomea:Importbestaetigung>true</",
    );
    assert!(validate(&xsd, &wrong).is_err());

    // Container: named after the process, flat, the message and the PDFs
    // under exactly the names the message gives them.
    let path = dir.path().join(p.zip_name());
    assert!(p.zip_name().ends_with("_FVDaten.SGOAblegen.0605.zip"));
    p.write_zip(&blobs, std::fs::File::create(&path).unwrap())
        .unwrap();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
    let mut want = vec![p.xml_name()];
    want.extend(p.documents.iter().map(PackageDocument::file_name));
    want.extend(p.documents.iter().map(PackageDocument::text_file_name));
    want.extend(
        p.documents
            .iter()
            .flat_map(|d| d.originals.iter().map(PackageOriginal::file_name)),
    );
    let (mut got_sorted, mut want_sorted) = (names.clone(), want.clone());
    got_sorted.sort();
    want_sorted.sort();
    assert_eq!(got_sorted, want_sorted);
    assert!(names.iter().all(|n| !n.contains('/')), "flat: {names:?}");
    for d in &p.documents {
        assert!(xml.contains(&format!(
            "<xdomea:Dateiname>{}</xdomea:Dateiname>",
            d.file_name()
        )));
        let mut bytes = Vec::new();
        zip.by_name(&d.file_name())
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        assert_eq!(bytes, blobs.get(&d.pdf).unwrap());
        let mut text = String::new();
        zip.by_name(&d.text_file_name())
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(Some(text), d.text);
        // The file as it arrived: a further format of the same version,
        // under its name then, byte for byte.
        for o in &d.originals {
            let format = format!(
                "<code>035</code></xdomea:Name><xdomea:Version>Office Open XML</xdomea:Version>\
                 <xdomea:Primaerdokument><xdomea:Dateiname>{}</xdomea:Dateiname>\
                 <xdomea:DateinameOriginal>Brief an das Jobcenter &amp; Co.docx\
                 </xdomea:DateinameOriginal></xdomea:Primaerdokument>",
                o.file_name()
            );
            assert!(
                xml.split_whitespace()
                    .collect::<String>()
                    .contains(&format.replace(' ', "")),
                "{xml}"
            );
            let mut bytes = Vec::new();
            zip.by_name(&o.file_name())
                .unwrap()
                .read_to_end(&mut bytes)
                .unwrap();
            assert_eq!(bytes, blobs.get(&o.sha).unwrap());
        }
    }
    assert_eq!(p.documents[1].originals.len(), 1);
    let mut inside = String::new();
    zip.by_name(&p.xml_name())
        .unwrap()
        .read_to_string(&mut inside)
        .unwrap();
    assert_eq!(inside, xml);
}

#[test]
fn a_container_is_refused_without_documents_or_with_a_missing_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = common::blobs(dir.path());
    let mut p = package(&blobs);
    let missing = scanstelle::store::blob::Sha256Hex::of(b"not stored");
    p.documents[1].pdf = missing;
    let err = p
        .write_zip(&blobs, std::io::Cursor::new(Vec::new()))
        .unwrap_err();
    assert!(err.to_string().contains("PDF"), "{err}");
    p.documents.clear();
    assert!(
        p.write_zip(&blobs, std::io::Cursor::new(Vec::new()))
            .is_err()
    );
}

#[test]
fn a_classified_batch_becomes_a_valid_package_with_one_process_id_for_life() {
    let dir = tempfile::tempdir().unwrap();
    let (_config, mut station, batches) = common::processed_station(
        dir.path(),
        &["weiterbewilligungsantrag.tif", "arbeitsunfaehigkeit.tif"],
    );
    let home = dir.path().join("home");
    let store = &mut station.store;
    // The sick note waits for review: its batch is refused, in words.
    let err = store.outgoing(batches[1]).unwrap_err().to_string();
    assert!(err.contains("zu prüfen"), "{err}");
    // The application was attached automatically: packaged, and the
    // ProzessID stays the same when it is asked for again.
    let out = store.outgoing(batches[0]).unwrap();
    assert_eq!(store.outgoing(batches[0]).unwrap(), out);
    assert_eq!(out.documents[0].case_bg, "12345BG0012345");
    assert_eq!(
        store.outbox().unwrap()[0].state,
        scanstelle::store::OutboxState::Packaged
    );
    let rules = scanstelle::classify::doctype::TypeRules::builtin();
    let make = || {
        Package::from_outgoing(
            &out,
            &rules,
            &Sender {
                institution: "Jobcenter Minden-Lübbecke".into(),
                unit: "Scanstelle".into(),
                user: "scan01".into(),
                location: "/mnt/dms/eingang".into(),
                ..Default::default()
            },
        )
        .unwrap()
    };
    let (pkg, again) = (make(), make());
    assert_eq!(pkg.zip_name(), again.zip_name());
    assert_eq!(
        pkg.documents[0].file_name(),
        again.documents[0].file_name(),
        "same file names on a resend"
    );
    assert!(
        pkg.documents[0]
            .betreff
            .starts_with("Weiterbewilligungsantrag, eingegangen am "),
        "{}",
        pkg.documents[0].betreff
    );
    let Some(xsd) = schema() else {
        return;
    };
    validate(&xsd, &pkg.message_xml()).unwrap_or_else(|e| panic!("{e}"));
    let blobs = common::blobs(&home);
    let zip = pkg
        .write_zip(&blobs, std::io::Cursor::new(Vec::new()))
        .unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.into_inner())).unwrap();
    let mut pdf = Vec::new();
    archive
        .by_name(&pkg.documents[0].file_name())
        .unwrap()
        .read_to_end(&mut pdf)
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "the document's PDF/A is inside");
}
