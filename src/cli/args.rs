//! The command line's arguments: every command and option, with the German
//! help texts `--help` shows.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Scanstelle: Posteingang-Scanstation für Jobcenter (SGB II).
#[derive(Debug, Parser)]
#[command(name = "scanstelle", version, about, long_about = None)]
pub(crate) struct Cli {
    /// Konfigurationsdatei (Standard: $XDG_CONFIG_HOME/scanstelle/scanstelle.toml).
    #[arg(long, global = true, env = "SCANSTELLE_CONFIG", value_name = "DATEI")]
    pub(crate) config: Option<PathBuf>,
    /// Stationsverzeichnis mit Datenbank, Ablage und Quarantäne (Standard: $XDG_DATA_HOME/scanstelle).
    #[arg(long, global = true, env = "SCANSTELLE_HOME", value_name = "ORDNER")]
    pub(crate) home: Option<PathBuf>,
    /// Konto, unter dem der Befehl läuft (Passwort als erste Zeile der
    /// Standardeingabe); ohne: das dem Betriebssystemkonto zugeordnete Konto.
    #[arg(long, global = true, env = "SCANSTELLE_USER", value_name = "NAME")]
    pub(crate) user: Option<String>,
    /// Protokoll als JSON-Zeilen (für zentrale Protokollierung).
    #[arg(long = "log-json", global = true)]
    pub(crate) log_json: bool,
    /// Ausführlicheres Protokoll (-v: debug, -vv: trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DbAction {
    /// Prüft die Datenbankdatei und dass jede Datei der Ablage da ist, auf
    /// die sie verweist (Exit-Code 1 bei einem Fehler).
    Check {
        /// Auch jede Datei der Ablage ganz lesen und ihre Prüfsumme vergleichen.
        #[arg(long)]
        full: bool,
    },
    /// Schreibt eine konsistente, verschlüsselte Kopie der Datenbank (auch
    /// während die Station arbeitet; die Ablage `blobs/` wird gesondert gesichert).
    Backup {
        /// Die Zieldatei (darf nicht existieren).
        #[arg(value_name = "DATEI")]
        to: PathBuf,
    },
    /// Spielt eine Sicherung ein, während keine Station läuft: die Sicherung
    /// wird vorher geprüft, die bisherige Datenbank bleibt daneben erhalten.
    Restore {
        /// Die Sicherung.
        #[arg(value_name = "DATEI")]
        from: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum QuarantineAction {
    /// Listet die Einträge (Standard).
    List,
    /// Schreibt eine Datei der Quarantäne entschlüsselt in einen Ordner (protokolliert).
    Export {
        /// Nummer des Eintrags oder Anfang seiner SHA-256.
        which: String,
        /// Zielordner (außerhalb des Stationsverzeichnisses).
        #[arg(long, value_name = "ORDNER")]
        to: PathBuf,
    },
    /// Legt die Datei eines Eintrags wieder in ihren Eingangsordner, um sie erneut einzulesen
    /// (z. B. nach einer Reparatur beim Scanner oder einem höheren Grenzwert).
    Retry {
        /// Nummer des Eintrags oder Anfang seiner SHA-256.
        which: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum OriginalsAction {
    /// Listet die Originale, die jetzt zurückgehen oder vernichtet werden dürfen (Standard).
    List {
        /// Alle Originale, auch erledigte und noch nicht fällige.
        #[arg(long)]
        all: bool,
    },
    /// Hält fest, wo das Papier eines Stapels liegt (Karton, Regal).
    Place {
        /// Nummer des Stapels.
        #[arg(long = "batch", value_name = "N")]
        batch: i64,
        /// Der Ort, z. B. "Regal 3, Karton 12".
        #[arg(long = "ort", value_name = "TEXT")]
        place: String,
    },
    /// Bestätigt, dass Originale an die Person zurückgegangen sind.
    Returned {
        /// Dokumentnummern.
        #[arg(required = true)]
        documents: Vec<i64>,
    },
    /// Bestätigt, dass Papier vernichtet wurde (erst ab dem Vernichtungsdatum; Rolle qs oder admin).
    Destroyed {
        /// Dokumentnummern.
        #[arg(required = true)]
        documents: Vec<i64>,
    },
    /// Schreibt den Rückgabeschein eines Stapels (PDF/A): je Bedarfsgemeinschaft
    /// die Originale, die an sie zurückgehen.
    Slip {
        /// Nummer des Stapels.
        #[arg(long = "batch", value_name = "N")]
        batch: i64,
        /// Ausgabedatei (Standard: rueckgabe-stapel-<N>.pdf).
        #[arg(short, long, value_name = "DATEI")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum QaAction {
    /// Listet die Stapel, die auf ihre Freigabe warten, mit der Stichprobe (Standard).
    List,
    /// Hält fest, dass ein Dokument der Stichprobe mit dem Papier verglichen wurde.
    Check {
        /// Nummer des Dokuments.
        document: i64,
        /// Statt "stimmt überein": was nicht stimmt (hält den Stapel zurück).
        #[arg(long, value_name = "TEXT")]
        defect: Option<String>,
    },
    /// Gibt einen Stapel für das DMS frei (alle Stichproben geprüft, Vier-Augen-Prinzip).
    Release {
        /// Nummer des Stapels.
        batch: i64,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeyAction {
    /// Schützt den Stationsschlüssel mit einer Passphrase (von der Standardeingabe;
    /// eine leere Zeile hebt den Schutz auf). Die alte kommt aus SCANSTELLE_PASSPHRASE.
    Passphrase,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Überwacht die Eingangsordner aller Scannerprofile und liest neue Dateien ein, bis Strg-C.
    Watch {
        /// Nur diese Profile überwachen (mehrfach angebbar).
        #[arg(long = "profile", value_name = "NAME")]
        profiles: Vec<String>,
        /// Nur einlesen, keine Aufbereitung und Texterkennung.
        #[arg(long)]
        intake_only: bool,
        /// Anzahl der Texterkennungs-Threads (Standard: Anzahl der Prozessorkerne).
        #[arg(long, value_name = "N")]
        ocr_threads: Option<usize>,
    },
    /// Liest die angegebenen Dateien ein (Scans als TIFF, JPEG, PNG, PDF; Office-Dateien als DOCX, DOC, ODT, XLSX, XLS, ODS, RTF, TXT; E-Mails als EML oder MSG).
    Ingest {
        /// Die Dateien.
        #[arg(required = true, value_name = "DATEI")]
        files: Vec<PathBuf>,
        /// Scannerprofil, nach dem sie behandelt werden (Standard: das erste Profil mit einem Stapel je Datei).
        #[arg(long, value_name = "NAME")]
        profile: Option<String>,
        /// Originale nach dem sicheren Einlesen löschen (Standard: sie bleiben liegen).
        #[arg(long = "move")]
        remove: bool,
        /// Auch Verknüpfungen (symbolische Links) einlesen: die Datei, auf die sie zeigen.
        #[arg(long)]
        follow_links: bool,
        /// Nur einlesen, keine Aufbereitung und Texterkennung.
        #[arg(long)]
        intake_only: bool,
    },
    /// Bereitet eingelesene Seiten auf, erkennt ihren Text und ordnet die
    /// Dokumente zu (was noch aussteht); mit Dateien liest es diese vorher ein.
    Process {
        /// Anzahl der Texterkennungs-Threads (Standard: Anzahl der Prozessorkerne).
        #[arg(long, value_name = "N")]
        ocr_threads: Option<usize>,
        /// Fallbestand (CSV), der vorher eingelesen wird.
        #[arg(long, value_name = "DATEI.csv")]
        cases: Option<PathBuf>,
        /// Scannerprofil für die Dateien (Standard wie bei `ingest`).
        #[arg(long)]
        profile: Option<String>,
        /// Fehlgeschlagene Seiten vorher wieder einreihen („Erneut versuchen“),
        /// etwa nachdem ein beschädigtes Seitenbild ersetzt wurde.
        #[arg(long)]
        retry: bool,
        /// Dateien, die vorher eingelesen werden (sie bleiben liegen).
        #[arg(value_name = "DATEI")]
        paths: Vec<PathBuf>,
    },
    /// Der Fallbestand: einlesen, suchen, Versionen.
    Cases {
        #[command(subcommand)]
        action: CasesAction,
    },
    /// Rechte der Betroffenen: Auskunft über alles, was die Station zu einer Akte hält.
    Subject {
        #[command(subcommand)]
        action: SubjectAction,
    },
    /// Konten der Station (Rollen scan, qs, admin).
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Das Prüfprotokoll: Verkettung prüfen, Einträge zu einer Akte zeigen.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Listet die Dokumente mit Akte, Dokumenttyp und Sicherheit.
    Documents {
        #[command(subcommand)]
        action: Option<DocumentsAction>,
        /// Eine JSON-Zeile je Dokument.
        #[arg(long)]
        json: bool,
        /// Mit den Gründen, warum ein Dokument geprüft werden muss.
        #[arg(long)]
        explain: bool,
    },
    /// Vergleicht die Dokumente der Station mit einer Wahrheit (truth.json) und
    /// gibt Fehlablagen, Automatisierungsgrad, Typgenauigkeit und Trennfehler aus.
    Eval {
        /// Die Wahrheit (JSON: documents mit source_file, pages, case, doc_type, identifier).
        #[arg(long, value_name = "DATEI")]
        truth: PathBuf,
        /// Ausgabe als JSON.
        #[arg(long = "as-json")]
        as_json: bool,
    },
    /// Volltextsuche über alle erkannten Seiten.
    Search {
        /// Suchwörter (alle müssen vorkommen; Wortanfänge genügen).
        #[arg(required = true, value_name = "WORT")]
        words: Vec<String>,
        /// Höchstens so viele Treffer.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Zeigt Stapel, Seiten und Dokumente je Zustand, die Quarantäne und den Rückstand.
    Status {
        /// Ausgabe als JSON.
        #[arg(long = "as-json")]
        as_json: bool,
    },
    /// Führt die Station mit eingebauten Beispielscans in einem temporären
    /// Stationsverzeichnis vor: im Fenster, oder ohne Bildschirm (bzw. mit
    /// --headless) als Bericht auf der Konsole.
    Demo {
        /// Stationsverzeichnis behalten und den Pfad ausgeben.
        #[arg(long)]
        keep: bool,
        /// Ohne Fenster: verarbeiten, berichten, beenden.
        #[arg(long)]
        headless: bool,
    },
    /// Die Datenbank: prüfen, im laufenden Betrieb sichern, eine Sicherung einspielen.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Listet die Scannerprofile mit ihren Eingangsordnern.
    Profiles,
    /// Ein Übertragungsdurchgang zum DMS: fertige Stapel verpacken (xdomea 0605),
    /// senden, Antworten (0629/0630) lesen, nach der Aufbewahrungsfrist löschen.
    Sync,
    /// Scannt am Arbeitsplatz über SANE (scanimage): jede fertige Seite geht sofort in den
    /// Eingangsordner des Profils; Papierstau oder offene Abdeckung werden in Worten
    /// gemeldet, bis dahin gescannte Seiten bleiben erhalten.
    Scan {
        /// Die Scanner auflisten, die SANE findet.
        #[arg(long)]
        list: bool,
        /// SANE-Gerät (aus `--list`, z. B. fujitsu:fi-7160:12345 oder test).
        #[arg(long, value_name = "GERÄT", required_unless_present = "list")]
        device: Option<String>,
        /// Scannerprofil (Auflösung, Farbe, Duplex, Eingangsordner); Standard: sane-test.
        #[arg(long, value_name = "NAME", default_value = "sane-test")]
        profile: String,
        /// Papier vom Vorlagenglas statt aus dem Einzug.
        #[arg(long)]
        flatbed: bool,
        /// Die Seiten dieser Akte zuordnen (ein Deckblatt geht ihnen im Eingangsordner voraus).
        #[arg(long, value_name = "BG")]
        case: Option<String>,
    },
    /// Die Quarantäne: Dateien, die nicht eingelesen werden konnten (verschlüsselt abgelegt).
    Quarantine {
        #[command(subcommand)]
        action: Option<QuarantineAction>,
    },
    /// Qualitätskontrolle: Stichprobe prüfen, Stapel freigeben (Rolle qs oder admin).
    Qa {
        #[command(subcommand)]
        action: Option<QaAction>,
    },
    /// Der Stationsschlüssel (Verschlüsselung von Datenbank und Ablage).
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
    /// Die Papieroriginale: was zurückgeht, was vernichtet werden darf, was
    /// bleibt (nach den Regeln der Dokumenttypen); Rückgabe und Vernichtung
    /// bestätigen, den Rückgabeschein drucken.
    Originals {
        #[command(subcommand)]
        action: Option<OriginalsAction>,
    },
    /// Zeigt jede Nachricht an das DMS mit Zustand, Versuchen und letztem Fehler.
    Outbox {
        /// Eine JSON-Zeile je Nachricht.
        #[arg(long = "as-json")]
        as_json: bool,
    },
    /// Erzeugt ein Deckblatt (PDF) mit QR-Code, das ein Dokument beginnt und einer Akte zuordnet.
    Coversheet {
        /// BG-Nummer (z. B. 12345BG0012345, 12345 BG 0012345 oder 12345//0012345).
        #[arg(long)]
        bg: String,
        /// Dokumenttyp (z. B. kontoauszug).
        #[arg(long = "typ", value_name = "TYP")]
        doc_type: Option<String>,
        /// Erwartete Seitenzahl des Dokuments (Vollständigkeitsprüfung).
        #[arg(long = "seiten", value_name = "N")]
        pages: Option<u32>,
        /// Ausgabedatei.
        #[arg(short, long, default_value = "deckblatt.pdf", value_name = "DATEI")]
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum DocumentsAction {
    /// Bestätigt (oder berichtigt) Akte und Typ eines Dokuments und gibt es frei;
    /// die Bestätigung lehrt die Typerkennung.
    Confirm {
        /// Dokumentnummer.
        id: i64,
        /// Andere BG-Nummer als die vorgeschlagene.
        #[arg(long)]
        case: Option<String>,
        /// Anderer Dokumenttyp als der vorgeschlagene.
        #[arg(long = "typ", value_name = "TYP")]
        doc_type: Option<String>,
    },
    /// Berichtigt ein Dokument, das das DMS schon abgelegt hat (Rolle qs oder
    /// admin): falsche Akte → im DMS ungültig kennzeichnen (0617) und in die
    /// richtige Akte neu ablegen (0605); falscher Typ → Metadaten im DMS
    /// ändern (0610). Der Grund steht im Prüfprotokoll.
    Correct {
        /// Dokumentnummer.
        id: i64,
        /// Die richtige BG-Nummer.
        #[arg(
            long,
            conflicts_with = "doc_type",
            required_unless_present = "doc_type"
        )]
        case: Option<String>,
        /// Der richtige Dokumenttyp.
        #[arg(long = "typ", value_name = "TYP")]
        doc_type: Option<String>,
        /// Warum (Pflicht; steht im Prüfprotokoll).
        #[arg(long = "grund", value_name = "TEXT")]
        reason: String,
    },
    /// Listet die Berichtigungen nach der Ablage mit ihrem Stand.
    Corrections,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SubjectAction {
    /// Schreibt eine ZIP-Datei mit allen Dokumenten (PDF/A und Text), den
    /// Angaben aus dem Fallbestand und dem Zugriffsprotokoll einer Akte
    /// (Auskunft nach Art. 15 DSGVO); die Auskunft wird protokolliert.
    Export {
        /// BG-Nummer.
        #[arg(long = "case", value_name = "BG")]
        case: String,
        /// Ausgabedatei (Standard: auskunft-<BG>.zip).
        #[arg(short, long, value_name = "DATEI")]
        output: Option<PathBuf>,
    },
    /// Schreibt den Brief an die Bedarfsgemeinschaft (PDF/A): welche Unterlagen
    /// angekommen sind, wo sie gespeichert sind, was mit den Papieren geschieht,
    /// ihre Rechte (Art. 13–21 DSGVO, §§ 83, 84 SGB X). Angaben aus [letter].
    Letter {
        /// BG-Nummer.
        #[arg(long = "case", value_name = "BG")]
        case: String,
        /// Nur Unterlagen, die an oder nach diesem Tag ankamen (JJJJ-MM-TT).
        #[arg(long, value_name = "DATUM")]
        since: Option<String>,
        /// Ausgabedatei (Standard: brief-<BG>.pdf).
        #[arg(short, long, value_name = "DATEI")]
        output: Option<PathBuf>,
        /// Den Brief außerdem in den Eingangsordner legen: die Station liest ihn
        /// ein und gibt ihn mit der nächsten Nachricht in die E-Akte (Typ
        /// „Information an die Betroffenen“).
        #[arg(long)]
        into_station: bool,
    },
    /// Löscht alles, was die Station zu einer Akte hält (Art. 17 DSGVO,
    /// § 84 SGB X): Seitenbilder, PDFs, Texte, Einträge im Fallbestand.
    /// Das Protokoll vermerkt die Löschung. (Auch: `subject purge`.)
    #[command(alias = "purge")]
    Erase {
        /// BG-Nummer.
        #[arg(long = "case", value_name = "BG")]
        case: String,
        /// Ohne diese Bestätigung wird nur gezeigt, was gelöscht würde.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum UserAction {
    /// Legt ein Konto an. Das erste Konto muss ein Administrator sein; danach
    /// legt ein Administrator Konten an (angemeldet mit --user oder über das
    /// Betriebssystemkonto). Passwörter kommen zeilenweise über die
    /// Standardeingabe: erst das des Administrators (bei --user), dann das
    /// neue (nie als Argument).
    Add {
        /// Benutzername.
        name: String,
        /// Rolle: scan, qs oder admin.
        #[arg(long)]
        role: String,
        /// Betriebssystemkonto, das sich ohne Passwort als dieses Konto anmeldet.
        #[arg(long, value_name = "LOGIN")]
        os_user: Option<String>,
        /// Ersteinrichtung einer Station ohne Bildschirm: das Einmal-Token aus
        /// `erstanmeldung.token` im Stationsverzeichnis als erste Zeile der
        /// Standardeingabe (vor dem Passwort).
        #[arg(long)]
        token: bool,
    },
    /// Listet die Konten mit ihren Rollen.
    List,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AuditAction {
    /// Prüft die Hash-Kette des Protokolls: jeder veränderte, entfernte oder
    /// umgestellte Eintrag wird genannt (Exit-Code 1).
    Verify {
        /// Auch mit den Kopien im DMS vergleichen (0623-Container oder
        /// …_Pruefprotokoll.jsonl, Dateien oder Ordner): so zeigt sich auch
        /// eine an der Station neu berechnete Kette.
        #[arg(long = "against-dms", value_name = "PFAD")]
        against: Vec<PathBuf>,
    },
    /// Listet die Datenschutzvorfälle für die Datenschutzbeauftragte: Dokumente,
    /// die in einer falschen Akte lagen, seit wann und wann sie zurückgenommen wurden.
    Incidents,
    /// Zeigt alle Einträge zu einer Akte (für die Datenschutzbeauftragte).
    Show {
        /// BG-Nummer.
        #[arg(long = "case", value_name = "BG")]
        case: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum CasesAction {
    /// Liest den Fallbestand (CSV aus dem Fachverfahren) als neue Version ein.
    Import {
        /// Die CSV-Datei (bg_nummer;kundennummer;nachname;vorname;geburtsdatum;strasse;plz;ort).
        file: PathBuf,
        /// Fehlerhafte Zeilen überspringen statt die Datei abzulehnen.
        #[arg(long)]
        skip_bad: bool,
    },
    /// Sucht im Fallbestand nach BG-Nummer, Kundennummer, Name oder Anschrift.
    Find {
        /// Suchtext.
        #[arg(required = true, value_name = "TEXT")]
        words: Vec<String>,
        /// Höchstens so viele Treffer.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Zeigt alle eingelesenen Versionen des Fallbestands.
    Versions,
}
