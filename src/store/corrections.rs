//! Corrections after filing: a document the DMS imported into the wrong
//! case or under the wrong type is put right by a person (`qs` or
//! `admin`), with a reason that goes into the audit chain.
//!
//! A correction is one message of the outbox, with the outbox's
//! exactly-once rules: a wrong case is first marked invalid where it lies
//! (`0617`); once the DMS confirms that, the document is filed again into
//! the right case in a new round of its batch (`0605`, the same
//! `FachverfahrenObjektID`), or — when the local copies are gone already —
//! the record says in words that only the DMS can move it. A wrong type is
//! a metadata update (`0610`). Nothing changes at the station before the
//! DMS confirmed the step. A document that lay in another household's case
//! is a data-protection event: the record keeps since when it lay there and
//! when it was withdrawn (`scanstelle audit incidents`).

use super::{CorrectionState, DocumentState, Result, Store, StoreError, Transaction, event, now};
use rusqlite::{OptionalExtension, params};

/// What a correction changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The document belongs in this case (BG-Nummer, normalised).
    Case(String),
    /// The document is of this type (slug).
    Type(String),
}

impl Change {
    fn kind(&self) -> &'static str {
        match self {
            Change::Case(_) => "case",
            Change::Type(_) => "type",
        }
    }

    fn value(&self) -> &str {
        match self {
            Change::Case(v) | Change::Type(v) => v,
        }
    }

    /// The xdomea message that carries it.
    fn message(&self) -> &'static str {
        match self {
            Change::Case(_) => "0617",
            Change::Type(_) => "0610",
        }
    }
}

/// A correction as `audit incidents`, `documents corrections` and the
/// window show it.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrectionRow {
    /// Its number.
    pub id: i64,
    /// The document.
    pub document_id: i64,
    /// The document's station ID (`FachverfahrenObjektID`).
    pub document_uuid: String,
    /// Its type (slug), as the station holds it now.
    pub doc_type: Option<String>,
    /// `true`: the case was wrong; `false`: the type.
    pub wrong_case: bool,
    /// The value before (BG-Nummer or type slug).
    pub old_value: String,
    /// The value after.
    pub new_value: String,
    /// The object in the DMS that was corrected (`IDSGO`).
    pub dms_id: String,
    /// When the DMS confirmed the filing that was wrong.
    pub filed_at: Option<String>,
    /// Why, in the words of the person who corrected it.
    pub reason: String,
    /// Who corrected it.
    pub by_user: String,
    /// When.
    pub created_at: String,
    /// Where it stands.
    pub state: CorrectionState,
    /// When the DMS confirmed the object invalid in the wrong case.
    pub withdrawn_at: Option<String>,
    /// How it ended (or what it waits for), in words.
    pub outcome: Option<String>,
    /// When it was finished.
    pub done_at: Option<String>,
    /// The ProzessID of its message.
    pub process_id: String,
    /// The state of its message, in German.
    pub message_state: String,
}

/// A correction message as the sync packages it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingCorrection {
    /// The outbox row.
    pub outbox_id: i64,
    /// Its ProzessID, for life.
    pub process_id: String,
    /// The object in the DMS (`IDSGO`).
    pub dms_id: String,
    /// What it changes.
    pub change: Change,
    /// When the document's batch arrived (RFC 3339; the subject names the day).
    pub received_at: String,
    /// Who corrected it (the message's `Erstellerkennung`).
    pub by_user: String,
}

const CORRECTION_COLUMNS: &str = "c.id, c.document_id, d.uuid, d.doc_type, c.kind, c.old_value,
    c.new_value, c.dms_id, c.filed_at, c.reason, c.by_user, c.created_at, c.state,
    c.withdrawn_at, c.outcome, c.done_at, o.process_id, o.state";

fn correction_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CorrectionRow> {
    Ok(CorrectionRow {
        id: r.get(0)?,
        document_id: r.get(1)?,
        document_uuid: r.get(2)?,
        doc_type: r.get(3)?,
        wrong_case: r.get::<_, String>(4)? == "case",
        old_value: r.get(5)?,
        new_value: r.get(6)?,
        dms_id: r.get(7)?,
        filed_at: r.get(8)?,
        reason: r.get(9)?,
        by_user: r.get(10)?,
        created_at: r.get(11)?,
        state: r.get(12)?,
        withdrawn_at: r.get(13)?,
        outcome: r.get(14)?,
        done_at: r.get(15)?,
        process_id: r.get(16)?,
        message_state: r
            .get::<_, super::OutboxState>(17)
            .map(super::OutboxState::german)?
            .to_owned(),
    })
}

/// Whether a string is a UUID as xdomea writes them (`IDSGO`).
fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok() && s.len() == 36
}

impl Store {
    /// A person corrects a document the DMS imported: `change` with
    /// `reason` (required). The message goes into the outbox (one
    /// transaction with the record and the audit entries); nothing else
    /// changes before the DMS confirms it. `features` teach the type model
    /// when the type was wrong (empty: nothing to learn, e.g. after purge).
    /// Refused in words for a document not (yet) in the DMS, one with a
    /// correction still on its way, without an account, without a reason,
    /// or when nothing would change.
    pub fn correct_filed(
        &mut self,
        document_id: i64,
        change: &Change,
        reason: &str,
        features: &[String],
    ) -> Result<i64> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Refused(
                "Eine Berichtigung braucht einen Grund (er steht im Prüfprotokoll)".into(),
            ));
        }
        let tx = self.conn.transaction()?;
        let actor: String = tx
            .query_row("SELECT actor FROM temp.session_actor LIMIT 1", [], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| {
                StoreError::Refused(
                    "Berichtigen nur mit Anmeldung (Rolle qs oder admin): wer berichtigt, steht im Protokoll"
                        .into(),
                )
            })?;
        type Doc = (
            DocumentState,
            i64,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let (state, batch, uuid, case, doc_type, learned): Doc = tx
            .query_row(
                "SELECT state, batch_id, uuid, case_bg, doc_type, learned_type
                 FROM documents WHERE id = ?1",
                [document_id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::Refused(format!("Dokument {document_id} gibt es nicht")))?;
        let open: Option<i64> = tx
            .query_row(
                "SELECT id FROM corrections WHERE document_id = ?1
                   AND state IN ('pending', 'invalidated')",
                [document_id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(open) = open {
            return Err(StoreError::Refused(format!(
                "Dokument {document_id}: die Berichtigung {open} ist noch nicht vom DMS bestätigt"
            )));
        }
        if state != DocumentState::Transferred {
            return Err(StoreError::Refused(format!(
                "Dokument {document_id} ist {}, noch nicht im DMS abgelegt: vor der Ablage wird es in „Prüfen“ berichtigt",
                state.german()
            )));
        }
        super::outbox::refuse_in_transfer(&tx, document_id)?;
        let old = match change {
            Change::Case(_) => case.unwrap_or_default(),
            Change::Type(_) => doc_type.unwrap_or_default(),
        };
        if old == change.value() {
            return Err(StoreError::Refused(format!(
                "Dokument {document_id} ist bereits {}: nichts zu berichtigen",
                match change {
                    Change::Case(c) => format!("in der Akte {c}"),
                    Change::Type(t) => format!("vom Typ {t}"),
                }
            )));
        }
        // The filing to correct: the last one the DMS confirmed and that is
        // still valid.
        let (dms_id, pdf, filed_at, filings): (Option<String>, String, Option<String>, i64) = tx
            .query_row(
                "SELECT sd.dms_id, sd.pdf_sha, o.imported_at,
                        (SELECT COUNT(*) FROM sync_documents x JOIN sync_outbox xo
                         ON xo.id = x.outbox_id WHERE x.document_id = sd.document_id
                         AND xo.message = '0605' AND x.error IS NULL)
                 FROM sync_documents sd JOIN sync_outbox o ON o.id = sd.outbox_id
                 WHERE sd.document_id = ?1 AND o.message = '0605' AND sd.error IS NULL
                   AND sd.invalid_at IS NULL AND o.state IN ('imported', 'purged')
                 ORDER BY o.id DESC LIMIT 1",
                [document_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?
            .ok_or_else(|| {
                StoreError::Refused(format!(
                    "Dokument {document_id}: keine vom DMS bestätigte Ablage gefunden"
                ))
            })?;
        // The DMS's own ID; without one, the ID the station gave the
        // object in its first filing (its document ID).
        let dms_id = match dms_id.filter(|d| is_uuid(d)) {
            Some(d) => d,
            None if filings == 1 && is_uuid(&uuid) => uuid.clone(),
            None => {
                return Err(StoreError::Refused(format!(
                    "Dokument {document_id}: das DMS hat für die Ablage keine Kennung genannt; bitte im DMS berichtigen"
                )));
            }
        };
        let round: u32 = tx.query_row(
            "SELECT COALESCE(MAX(round), 0) + 1 FROM sync_outbox WHERE batch_id = ?1",
            [batch],
            |r| r.get(0),
        )?;
        let process_id = uuid::Uuid::new_v4().to_string();
        let at = now();
        tx.execute(
            "INSERT INTO sync_outbox (batch_id, round, process_id, state, message, created_at,
                                      updated_at)
             VALUES (?1, ?2, ?3, 'packaged', ?4, ?5, ?5)",
            params![batch, round, process_id, change.message(), at],
        )?;
        let outbox_id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO sync_documents (outbox_id, document_id, number, pdf_sha)
             VALUES (?1, ?2, 1, ?3)",
            params![outbox_id, document_id, pdf],
        )?;
        tx.execute(
            "INSERT INTO corrections (document_id, outbox_id, kind, old_value, new_value, dms_id,
                                      filed_at, reason, by_user, created_at, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'pending')",
            params![
                document_id,
                outbox_id,
                change.kind(),
                old,
                change.value(),
                dms_id,
                filed_at,
                reason,
                actor,
                at
            ],
        )?;
        let id = tx.last_insert_rowid();
        let what = match change {
            Change::Case(new) => format!("Akte {old} → {new}"),
            Change::Type(new) => format!("Typ {old} → {new}"),
        };
        event(
            &tx,
            "document.corrected",
            Some(batch),
            Some(document_id),
            &format!(
                "Berichtigung {id} nach der Ablage: {what}; Grund: {reason}; {} an das DMS (ProzessID {process_id})",
                change.message()
            ),
        )?;
        if let Change::Case(new) = change {
            event(
                &tx,
                "incident.recorded",
                Some(batch),
                Some(document_id),
                &format!(
                    "Datenschutzvorfall: Dokument {uuid} lag seit {} in der Akte {old} statt {new}; Ungültig-Kennzeichnung angestoßen (Berichtigung {id})",
                    filed_at.as_deref().unwrap_or("unbekannt")
                ),
            )?;
        }
        if let (Change::Type(new), false) = (change, features.is_empty()) {
            if let Some(old) = &learned {
                super::desk::teach(&tx, old, features, -1)?;
            }
            super::desk::teach(&tx, new, features, 1)?;
            tx.execute(
                "UPDATE documents SET learned_type = ?1 WHERE id = ?2",
                params![new, document_id],
            )?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// Every correction after filing, newest first.
    pub fn corrections(&self) -> Result<Vec<CorrectionRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {CORRECTION_COLUMNS} FROM corrections c
             JOIN documents d ON d.id = c.document_id
             JOIN sync_outbox o ON o.id = c.outbox_id ORDER BY c.id DESC"
        ))?;
        let rows = stmt.query_map([], correction_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The corrections of one document, newest first.
    pub fn corrections_of(&self, document_id: i64) -> Result<Vec<CorrectionRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {CORRECTION_COLUMNS} FROM corrections c
             JOIN documents d ON d.id = c.document_id
             JOIN sync_outbox o ON o.id = c.outbox_id
             WHERE c.document_id = ?1 ORDER BY c.id DESC"
        ))?;
        let rows = stmt.query_map([document_id], correction_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The correction message of an outbox row, to package.
    pub(crate) fn outgoing_correction(&self, outbox_id: i64) -> Result<OutgoingCorrection> {
        let (process_id, kind, new_value, dms_id, received_at, by_user): (
            String,
            String,
            String,
            String,
            String,
            String,
        ) = self
            .conn
            .query_row(
                "SELECT o.process_id, c.kind, c.new_value, c.dms_id, b.created_at, c.by_user
                 FROM corrections c JOIN sync_outbox o ON o.id = c.outbox_id
                 JOIN documents d ON d.id = c.document_id JOIN batches b ON b.id = d.batch_id
                 WHERE c.outbox_id = ?1",
                [outbox_id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| {
                StoreError::Refused(format!("Nachricht {outbox_id} ist keine Berichtigung"))
            })?;
        Ok(OutgoingCorrection {
            outbox_id,
            process_id,
            dms_id,
            change: if kind == "case" {
                Change::Case(new_value)
            } else {
                Change::Type(new_value)
            },
            received_at,
            by_user,
        })
    }
}

/// The DMS answered a correction message (`refusal`: its reason): the step
/// takes effect at the station, or the correction ends refused. Part of the
/// transaction that records the 0630.
pub(super) fn answered(tx: &Transaction<'_>, outbox_id: i64, refusal: Option<&str>) -> Result<()> {
    type Row = (i64, i64, i64, String, String, String, CorrectionState);
    let (id, doc, batch, kind, old, new, state): Row = tx.query_row(
        "SELECT c.id, c.document_id, d.batch_id, c.kind, c.old_value, c.new_value, c.state
         FROM corrections c JOIN documents d ON d.id = c.document_id WHERE c.outbox_id = ?1",
        [outbox_id],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        },
    )?;
    if state != CorrectionState::Pending {
        return Ok(());
    }
    let at = now();
    if let Some(why) = refusal {
        tx.execute(
            "UPDATE corrections SET state = 'refused', outcome = ?1, done_at = ?2 WHERE id = ?3",
            params![format!("vom DMS abgelehnt: {why}"), at, id],
        )?;
        event(
            tx,
            "document.correction_refused",
            Some(batch),
            Some(doc),
            &format!("Berichtigung {id} vom DMS abgelehnt: {why}"),
        )?;
        return Ok(());
    }
    if kind == "type" {
        tx.execute(
            "UPDATE documents SET doc_type = ?1, type_confidence = 1.0, updated_at = ?2
             WHERE id = ?3",
            params![new, at, doc],
        )?;
        tx.execute(
            "UPDATE corrections SET state = 'done', outcome = ?1, done_at = ?2 WHERE id = ?3",
            params![format!("Typ im DMS geändert: {old} → {new}"), at, id],
        )?;
        event(
            tx,
            "document.correction_done",
            Some(batch),
            Some(doc),
            &format!("Berichtigung {id}: Typ im DMS geändert ({old} → {new}, 0610 bestätigt)"),
        )?;
        return Ok(());
    }
    // The wrong filing is invalid now.
    tx.execute(
        "UPDATE sync_documents SET invalid_at = ?1
         WHERE document_id = ?2 AND invalid_at IS NULL AND error IS NULL
           AND outbox_id IN (SELECT id FROM sync_outbox WHERE message = '0605')",
        params![at, doc],
    )?;
    let purged: bool = tx.query_row(
        "SELECT b.state = 'purged' FROM batches b WHERE b.id = ?1",
        [batch],
        |r| r.get(0),
    )?;
    if purged {
        let words = format!(
            "In der Akte {old} ungültig gekennzeichnet. Die lokalen Kopien sind schon gelöscht: in die Akte {new} kann es nur im DMS verschoben werden"
        );
        // It belongs to the other household (its Art. 15 export), though
        // not filed there by the station.
        tx.execute(
            "UPDATE documents SET case_bg = ?1, case_status = 'confirmed', updated_at = ?2
             WHERE id = ?3",
            params![new, at, doc],
        )?;
        tx.execute(
            "UPDATE corrections SET state = 'dms_only', withdrawn_at = ?1, outcome = ?2,
                 done_at = ?1 WHERE id = ?3",
            params![at, words, id],
        )?;
        event(
            tx,
            "document.correction_dms_only",
            Some(batch),
            Some(doc),
            &format!("Berichtigung {id}: {words}"),
        )?;
        return Ok(());
    }
    // Filed again into the right case with the next message of its batch.
    tx.execute(
        "UPDATE documents SET case_bg = ?1, case_status = 'confirmed', case_confidence = 1.0,
             state = 'released', dms_error = NULL, updated_at = ?2
         WHERE id = ?3 AND state = 'transferred'",
        params![new, at, doc],
    )?;
    tx.execute(
        "UPDATE batches SET state = 'classified', updated_at = ?1
         WHERE id = ?2 AND state = 'transferred'",
        params![at, batch],
    )?;
    tx.execute(
        "UPDATE corrections SET state = 'invalidated', withdrawn_at = ?1, outcome = ?2
         WHERE id = ?3",
        params![
            at,
            format!("In der Akte {old} ungültig gekennzeichnet; Neuablage in die Akte {new} folgt"),
            id
        ],
    )?;
    event(
        tx,
        "incident.withdrawn",
        Some(batch),
        Some(doc),
        &format!(
            "Berichtigung {id}: in der Akte {old} vom DMS ungültig gekennzeichnet (0617 bestätigt); Neuablage in {new} folgt"
        ),
    )?;
    Ok(())
}

/// A document the DMS filed (0605): a correction that waited for this
/// filing into the right case is done. Part of the 0630's transaction.
pub(super) fn refiled(tx: &Transaction<'_>, doc: i64, dms_id: Option<&str>) -> Result<()> {
    let open: Option<(i64, String, i64)> = tx
        .query_row(
            "SELECT c.id, c.new_value, d.batch_id FROM corrections c
             JOIN documents d ON d.id = c.document_id
             WHERE c.document_id = ?1 AND c.state = 'invalidated'",
            [doc],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((id, case, batch)) = open else {
        return Ok(());
    };
    let at = now();
    let words = format!(
        "In der Akte {case} neu abgelegt{}",
        dms_id
            .map(|d| format!(" (DMS-Kennung {d})"))
            .unwrap_or_default()
    );
    tx.execute(
        "UPDATE corrections SET state = 'done', outcome = ?1, done_at = ?2 WHERE id = ?3",
        params![words, at, id],
    )?;
    event(
        tx,
        "document.correction_done",
        Some(batch),
        Some(doc),
        &format!("Berichtigung {id}: {words}"),
    )?;
    Ok(())
}
