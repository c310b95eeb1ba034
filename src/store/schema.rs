//! Versioned schema migrations, applied in order inside one transaction each.
//!
//! `PRAGMA user_version` holds the number of migrations applied. A migration
//! is never edited once released; changes come as a new entry.

/// The migrations, oldest first.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: the station's spine.
    r"
CREATE TABLE batches (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT NOT NULL UNIQUE,
    profile       TEXT NOT NULL,
    state         TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_file_at  TEXT NOT NULL,
    closed_at     TEXT,
    updated_at    TEXT NOT NULL
);
CREATE INDEX batches_state ON batches(state);

CREATE TABLE source_files (
    id            INTEGER PRIMARY KEY,
    batch_id      INTEGER NOT NULL REFERENCES batches(id),
    original_path TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    sha256        TEXT NOT NULL UNIQUE,
    size          INTEGER NOT NULL,
    format        TEXT NOT NULL,
    page_count    INTEGER NOT NULL,
    state         TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX source_files_state ON source_files(state);

CREATE TABLE pages (
    id             INTEGER PRIMARY KEY,
    batch_id       INTEGER NOT NULL REFERENCES batches(id),
    source_file_id INTEGER NOT NULL REFERENCES source_files(id),
    page_index     INTEGER NOT NULL,
    seq            INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    width          INTEGER NOT NULL,
    height         INTEGER NOT NULL,
    dpi_x          REAL,
    dpi_y          REAL,
    colour         TEXT NOT NULL,
    encoding       TEXT NOT NULL,
    origin         TEXT NOT NULL,
    byte_size      INTEGER NOT NULL,
    source_text    TEXT,
    state          TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (source_file_id, page_index),
    UNIQUE (batch_id, seq)
);
CREATE INDEX pages_state ON pages(state);

CREATE TABLE documents (
    id          INTEGER PRIMARY KEY,
    uuid        TEXT NOT NULL UNIQUE,
    batch_id    INTEGER NOT NULL REFERENCES batches(id),
    state       TEXT NOT NULL,
    case_bg     TEXT,
    doc_type    TEXT,
    confidence  REAL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX documents_state ON documents(state);

CREATE TABLE document_pages (
    document_id INTEGER NOT NULL REFERENCES documents(id),
    page_id     INTEGER NOT NULL UNIQUE REFERENCES pages(id),
    position    INTEGER NOT NULL,
    PRIMARY KEY (document_id, position)
);

CREATE TABLE quarantine (
    id            INTEGER PRIMARY KEY,
    original_path TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    reason_code   TEXT NOT NULL,
    reason        TEXT NOT NULL,
    stored_as     TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (sha256, original_path)
);

CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    batch_id    INTEGER,
    document_id INTEGER,
    page_id     INTEGER,
    detail      TEXT NOT NULL
);

CREATE TABLE sync_outbox (
    id          INTEGER PRIMARY KEY,
    batch_id    INTEGER NOT NULL UNIQUE REFERENCES batches(id),
    process_id  TEXT NOT NULL UNIQUE,
    state       TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    updated_at  TEXT NOT NULL
);
",
    // 2: page preparation and OCR.
    r"
CREATE TABLE page_prep (
    page_id      INTEGER PRIMARY KEY REFERENCES pages(id),
    thumb_sha    TEXT NOT NULL,
    ink          REAL NOT NULL,
    blank        INTEGER NOT NULL,
    mean         REAL NOT NULL,
    contrast     REAL NOT NULL,
    flags        TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

CREATE TABLE page_transforms (
    id          INTEGER PRIMARY KEY,
    page_id     INTEGER NOT NULL REFERENCES pages(id),
    step        TEXT NOT NULL,
    params      TEXT NOT NULL,
    sha_before  TEXT NOT NULL,
    sha_after   TEXT,
    at          TEXT NOT NULL
);
CREATE INDEX page_transforms_page ON page_transforms(page_id);

CREATE TABLE page_ocr (
    page_id     INTEGER PRIMARY KEY REFERENCES pages(id),
    text        TEXT NOT NULL,
    words       TEXT NOT NULL,
    mean_conf   REAL NOT NULL,
    languages   TEXT NOT NULL,
    engine      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- Full-text search over OCR text and the text PDFs carried; rowid = page id.
CREATE VIRTUAL TABLE page_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
",
    // 3: barcodes and separation.
    r"
CREATE TABLE page_barcodes (
    id       INTEGER PRIMARY KEY,
    page_id  INTEGER NOT NULL REFERENCES pages(id),
    format   TEXT NOT NULL,
    text     TEXT NOT NULL
);
CREATE INDEX page_barcodes_page ON page_barcodes(page_id);
ALTER TABLE documents ADD COLUMN expected_pages INTEGER;
ALTER TABLE documents ADD COLUMN flags TEXT NOT NULL DEFAULT '';
ALTER TABLE batches ADD COLUMN flags TEXT NOT NULL DEFAULT '';
",
    // 4: orientation and deskew.
    r"
ALTER TABLE page_prep ADD COLUMN rotation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE page_prep ADD COLUMN skew REAL;
ALTER TABLE page_prep ADD COLUMN prepared_sha TEXT;
",
    // 5: the document's PDF/A.
    r"
ALTER TABLE documents ADD COLUMN pdf_sha TEXT;
",
    // 6: archive serial numbers (ASN barcodes).
    r"
ALTER TABLE documents ADD COLUMN asn INTEGER;
",
    // 7: the case register (every imported version kept) and the decisions
    // on case and type.
    r"
CREATE TABLE register_versions (
    id          INTEGER PRIMARY KEY,
    imported_at TEXT NOT NULL,
    source_name TEXT NOT NULL,
    source_sha  TEXT NOT NULL,
    persons     INTEGER NOT NULL,
    cases       INTEGER NOT NULL,
    skipped     INTEGER NOT NULL,
    is_current  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE register_persons (
    version_id   INTEGER NOT NULL REFERENCES register_versions(id),
    bg           TEXT NOT NULL,
    kundennummer TEXT NOT NULL,
    nachname     TEXT NOT NULL,
    vorname      TEXT NOT NULL,
    geburtsdatum TEXT NOT NULL,
    strasse      TEXT NOT NULL,
    plz          TEXT NOT NULL,
    ort          TEXT NOT NULL
);
CREATE INDEX register_persons_version ON register_persons(version_id);
ALTER TABLE documents ADD COLUMN case_status TEXT;
ALTER TABLE documents ADD COLUMN case_confidence REAL;
ALTER TABLE documents ADD COLUMN type_confidence REAL;
ALTER TABLE documents ADD COLUMN decision TEXT;
",
    // 8: the learned document-type model (counts from confirmed documents).
    r"
CREATE TABLE type_model_docs (
    class TEXT PRIMARY KEY,
    docs  INTEGER NOT NULL
);
CREATE TABLE type_model_counts (
    class   TEXT NOT NULL,
    feature TEXT NOT NULL,
    count   INTEGER NOT NULL,
    PRIMARY KEY (class, feature)
) WITHOUT ROWID;
ALTER TABLE documents ADD COLUMN learned_type TEXT;
",
    // 9: what the window asks for several times a second, by index: pages
    // recognised lately (throughput), documents of a batch and of a case.
    r"
CREATE INDEX page_ocr_created ON page_ocr(created_at);
CREATE INDEX documents_batch ON documents(batch_id);
CREATE INDEX documents_case ON documents(case_bg);
CREATE INDEX source_files_batch ON source_files(batch_id);
",
    // 10: the sync. One outbox row per message (a batch's first, and a
    // later one for documents the DMS refused and a person corrected),
    // which documents went in which and what the DMS answered for each, and
    // the last contact with the DMS.
    r"
CREATE TABLE sync_outbox_v10 (
    id              INTEGER PRIMARY KEY,
    batch_id        INTEGER NOT NULL REFERENCES batches(id),
    round           INTEGER NOT NULL DEFAULT 1,
    process_id      TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at TEXT,
    zip_name        TEXT,
    zip_sha         TEXT,
    zip_bytes       INTEGER,
    location        TEXT,
    sent_at         TEXT,
    received_at     TEXT,
    imported_at     TEXT,
    purged_at       TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (batch_id, round)
);
INSERT INTO sync_outbox_v10 (id, batch_id, process_id, state, attempts, last_error,
                             created_at, updated_at)
    SELECT id, batch_id, process_id, state, attempts, last_error, updated_at, updated_at
    FROM sync_outbox;
DROP TABLE sync_outbox;
ALTER TABLE sync_outbox_v10 RENAME TO sync_outbox;
CREATE INDEX sync_outbox_state ON sync_outbox(state);
CREATE TABLE sync_documents (
    outbox_id    INTEGER NOT NULL REFERENCES sync_outbox(id),
    document_id  INTEGER NOT NULL REFERENCES documents(id),
    number       INTEGER NOT NULL,
    pdf_sha      TEXT NOT NULL,
    dms_id       TEXT,
    dms_location TEXT,
    error        TEXT,
    PRIMARY KEY (outbox_id, document_id)
) WITHOUT ROWID;
CREATE INDEX sync_documents_document ON sync_documents(document_id);
INSERT INTO sync_documents (outbox_id, document_id, number, pdf_sha)
    SELECT o.id, d.id, ROW_NUMBER() OVER (PARTITION BY o.id ORDER BY d.id), d.pdf_sha
    FROM sync_outbox o JOIN documents d ON d.batch_id = o.batch_id
    WHERE d.pdf_sha IS NOT NULL;
CREATE TABLE sync_status (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    last_attempt_at TEXT,
    last_contact_at TEXT,
    last_error      TEXT,
    wake            INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sync_status (id) VALUES (1);
ALTER TABLE documents ADD COLUMN dms_error TEXT;
ALTER TABLE source_files ADD COLUMN profile_sha TEXT;
",
    // 11: the audit trail: every event sealed into a SHA-256 chain, the
    // chain's end recorded, sealed entries unchangeable. The entries
    // before are sealed by `audit::seal_existing` where the marker stands.
    r"
ALTER TABLE events ADD COLUMN actor TEXT;
ALTER TABLE events ADD COLUMN hash TEXT;
CREATE TABLE audit_head (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    last_id INTEGER NOT NULL,
    hash    TEXT NOT NULL
);
-- @seal-existing-events
CREATE TRIGGER events_sealed_no_update BEFORE UPDATE ON events WHEN OLD.hash IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'Protokolleinträge sind unveränderlich'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'Protokolleinträge werden nicht gelöscht'); END;
",
    // 12: text deleted from the full-text index is removed from its
    // segments at once (not only marked), so purged OCR text is gone.
    r"
INSERT INTO page_fts (page_fts, rank) VALUES ('secure-delete', 1);
",
    // 13: local accounts with roles; failed logins counted for throttling.
    r"
CREATE TABLE users (
    name         TEXT PRIMARY KEY,
    role         TEXT NOT NULL CHECK (role IN ('scan', 'qs', 'admin')),
    password     TEXT NOT NULL,
    os_user      TEXT UNIQUE,
    disabled     INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at   TEXT NOT NULL
);
",
    // 14: quality control: who was at the station when a batch was
    // scanned, each batch's sample and checks, and its release.
    r"
ALTER TABLE batches ADD COLUMN scanned_by TEXT;
ALTER TABLE batches ADD COLUMN qa_selected_at TEXT;
ALTER TABLE batches ADD COLUMN released_at TEXT;
ALTER TABLE batches ADD COLUMN released_by TEXT;
CREATE TABLE station_operator (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    user  TEXT NOT NULL,
    since TEXT NOT NULL
);
CREATE TABLE qa_state (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seed TEXT NOT NULL
);
CREATE TABLE qa_items (
    document_id INTEGER PRIMARY KEY,
    batch_id    INTEGER NOT NULL REFERENCES batches(id),
    reason      TEXT NOT NULL,
    result      TEXT CHECK (result IN ('ok', 'beanstandet')),
    note        TEXT,
    checked_by  TEXT,
    checked_at  TEXT
);
CREATE INDEX qa_items_batch ON qa_items(batch_id);
",
    // 15: the search index holds numbers also in one piece and words with
    // umlauts spelled out (built anew from the stored texts).
    r"
-- @reindex-search
",
    // 16: a page that failed in preparation or OCR keeps its reason in
    // words (state `failed`); the other pages go on without it.
    r"
ALTER TABLE pages ADD COLUMN failure TEXT;
",
    // 17: a quarantined file put back into its hot folder ("erneut
    // einlesen") ends its entry, which stays for the record (ids are never
    // given twice); quarantined again, the same entry opens again.
    r"
ALTER TABLE quarantine ADD COLUMN requeued_at TEXT;
",
    // 18: corrections after filing. A message of the outbox says which
    // xdomea message it is (0605 filing, 0617 invalidation, 0610 metadata
    // update); a filing the DMS marked invalid keeps its record with the
    // time; each correction keeps who, why, what and how it ended.
    r"
ALTER TABLE sync_outbox ADD COLUMN message TEXT NOT NULL DEFAULT '0605';
ALTER TABLE sync_documents ADD COLUMN invalid_at TEXT;
CREATE TABLE corrections (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL REFERENCES documents(id),
    outbox_id    INTEGER NOT NULL UNIQUE REFERENCES sync_outbox(id),
    kind         TEXT NOT NULL CHECK (kind IN ('case', 'type')),
    old_value    TEXT NOT NULL,
    new_value    TEXT NOT NULL,
    dms_id       TEXT NOT NULL,
    filed_at     TEXT,
    reason       TEXT NOT NULL,
    by_user      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    state        TEXT NOT NULL
                 CHECK (state IN ('pending', 'invalidated', 'done', 'refused', 'dms_only')),
    withdrawn_at TEXT,
    outcome      TEXT,
    done_at      TEXT
);
CREATE INDEX corrections_document ON corrections(document_id);
",
    // 19: the paper originals: where a batch's box is, and each return or
    // destruction a person confirmed (what is due follows from the type's
    // rule and the confirmed import, so it is not stored).
    r"
CREATE TABLE paper_boxes (
    batch_id INTEGER PRIMARY KEY REFERENCES batches(id),
    place    TEXT NOT NULL,
    at       TEXT NOT NULL,
    by_user  TEXT
);
CREATE TABLE paper_done (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id),
    action      TEXT NOT NULL CHECK (action IN ('returned', 'destroyed')),
    at          TEXT NOT NULL,
    by_user     TEXT NOT NULL
);
",
    // 20: the audit chain leaves the station (0623): a message of the
    // outbox need not belong to a batch (rebuilt: SQLite cannot drop a NOT
    // NULL), and each upload records which entries it carried and the
    // chain's head then.
    r"
-- @foreign-keys-off
CREATE TABLE sync_outbox_v20 (
    id              INTEGER PRIMARY KEY,
    batch_id        INTEGER REFERENCES batches(id),
    round           INTEGER NOT NULL DEFAULT 1,
    process_id      TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at TEXT,
    zip_name        TEXT,
    zip_sha         TEXT,
    zip_bytes       INTEGER,
    location        TEXT,
    sent_at         TEXT,
    received_at     TEXT,
    imported_at     TEXT,
    purged_at       TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    message         TEXT NOT NULL DEFAULT '0605',
    UNIQUE (batch_id, round),
    CHECK (batch_id IS NOT NULL OR message = '0623')
);
INSERT INTO sync_outbox_v20 (id, batch_id, round, process_id, state, attempts, last_error,
        next_attempt_at, zip_name, zip_sha, zip_bytes, location, sent_at, received_at,
        imported_at, purged_at, created_at, updated_at, message)
    SELECT id, batch_id, round, process_id, state, attempts, last_error, next_attempt_at,
        zip_name, zip_sha, zip_bytes, location, sent_at, received_at, imported_at, purged_at,
        created_at, updated_at, message
    FROM sync_outbox;
DROP TABLE sync_outbox;
ALTER TABLE sync_outbox_v20 RENAME TO sync_outbox;
CREATE INDEX sync_outbox_state ON sync_outbox(state);
CREATE TABLE audit_uploads (
    outbox_id INTEGER PRIMARY KEY REFERENCES sync_outbox(id),
    first_id  INTEGER NOT NULL,
    last_id   INTEGER NOT NULL,
    head      TEXT NOT NULL
);
",
    // 21: the letters the station wrote by itself: to which household,
    // covering the documents the DMS imported up to when.
    r"
CREATE TABLE auto_letters (
    id        INTEGER PRIMARY KEY,
    case_bg   TEXT NOT NULL,
    through   TEXT NOT NULL,
    documents INTEGER NOT NULL,
    at        TEXT NOT NULL
);
CREATE INDEX auto_letters_case ON auto_letters(case_bg);
",
    // 22: the words of a born-digital page with their boxes (as OCR words
    // are kept): such a page is not read by OCR; and which document of its
    // file a page belongs to, for files that hold several (e-mails).
    r"
ALTER TABLE pages ADD COLUMN source_words TEXT;
ALTER TABLE pages ADD COLUMN part INTEGER NOT NULL DEFAULT 0;
",
    // 23: what this workplace's window remembers (the desk scanner chosen).
    r"
CREATE TABLE workplace (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
",
    // 24: a person's e-mail address from the register's contact data
    // (optional column; empty when the export has none).
    r"
ALTER TABLE register_persons ADD COLUMN email TEXT NOT NULL DEFAULT '';
",
    // 25: a reading the page deadline cut off (its document waits for a
    // person).
    r"
ALTER TABLE page_ocr ADD COLUMN cut_off INTEGER NOT NULL DEFAULT 0;
",
    // 26: rows per state of batches, pages and documents, kept by triggers,
    // so the window's status line does not count 100,000 pages several
    // times a second (`Store::status`; the health check compares them);
    // and a count of persons erased from the register, which with the
    // current version tells the window when its copy of the register is
    // stale (`Store::register_stamp`).
    r"
CREATE TABLE register_changes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO register_changes (id, n) VALUES (1, 0);
CREATE TRIGGER register_persons_deleted AFTER DELETE ON register_persons BEGIN
    UPDATE register_changes SET n = n + 1 WHERE id = 1;
END;
CREATE TABLE state_counts (
    tbl   TEXT NOT NULL,
    state TEXT NOT NULL,
    n     INTEGER NOT NULL,
    PRIMARY KEY (tbl, state)
) WITHOUT ROWID;
INSERT INTO state_counts (tbl, state, n) SELECT 'batches', state, COUNT(*) FROM batches GROUP BY state;
CREATE TRIGGER batches_count_insert AFTER INSERT ON batches BEGIN
    INSERT INTO state_counts (tbl, state, n) VALUES ('batches', NEW.state, 1)
        ON CONFLICT (tbl, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER batches_count_delete AFTER DELETE ON batches BEGIN
    UPDATE state_counts SET n = n - 1 WHERE tbl = 'batches' AND state = OLD.state;
END;
CREATE TRIGGER batches_count_update AFTER UPDATE OF state ON batches
    WHEN OLD.state IS NOT NEW.state BEGIN
    UPDATE state_counts SET n = n - 1 WHERE tbl = 'batches' AND state = OLD.state;
    INSERT INTO state_counts (tbl, state, n) VALUES ('batches', NEW.state, 1)
        ON CONFLICT (tbl, state) DO UPDATE SET n = n + 1;
END;
INSERT INTO state_counts (tbl, state, n) SELECT 'pages', state, COUNT(*) FROM pages GROUP BY state;
CREATE TRIGGER pages_count_insert AFTER INSERT ON pages BEGIN
    INSERT INTO state_counts (tbl, state, n) VALUES ('pages', NEW.state, 1)
        ON CONFLICT (tbl, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER pages_count_delete AFTER DELETE ON pages BEGIN
    UPDATE state_counts SET n = n - 1 WHERE tbl = 'pages' AND state = OLD.state;
END;
CREATE TRIGGER pages_count_update AFTER UPDATE OF state ON pages
    WHEN OLD.state IS NOT NEW.state BEGIN
    UPDATE state_counts SET n = n - 1 WHERE tbl = 'pages' AND state = OLD.state;
    INSERT INTO state_counts (tbl, state, n) VALUES ('pages', NEW.state, 1)
        ON CONFLICT (tbl, state) DO UPDATE SET n = n + 1;
END;
INSERT INTO state_counts (tbl, state, n) SELECT 'documents', state, COUNT(*) FROM documents GROUP BY state;
CREATE TRIGGER documents_count_insert AFTER INSERT ON documents BEGIN
    INSERT INTO state_counts (tbl, state, n) VALUES ('documents', NEW.state, 1)
        ON CONFLICT (tbl, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER documents_count_delete AFTER DELETE ON documents BEGIN
    UPDATE state_counts SET n = n - 1 WHERE tbl = 'documents' AND state = OLD.state;
END;
CREATE TRIGGER documents_count_update AFTER UPDATE OF state ON documents
    WHEN OLD.state IS NOT NEW.state BEGIN
    UPDATE state_counts SET n = n - 1 WHERE tbl = 'documents' AND state = OLD.state;
    INSERT INTO state_counts (tbl, state, n) VALUES ('documents', NEW.state, 1)
        ON CONFLICT (tbl, state) DO UPDATE SET n = n + 1;
END;
",
];

/// Where a migration hands over to Rust code (then goes on with its SQL).
pub(super) const SEAL_MARKER: &str = "-- @seal-existing-events";

/// A migration that rebuilds a table others refer to: it runs with
/// foreign keys off and is checked with `foreign_key_check` before commit
/// (SQLite's own procedure for changing a table's schema).
pub(super) const FOREIGN_KEYS_OFF: &str = "-- @foreign-keys-off";

/// Where a migration builds the search index anew from the stored texts.
pub(super) const REINDEX_MARKER: &str = "-- @reindex-search";
