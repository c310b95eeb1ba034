//! The persisted state machines of batches, source files, pages and documents.
//!
//! Each state is stored as its stable lower-case name. `can_become` lists
//! the allowed transitions; the store refuses anything else, so a crash can
//! never leave a row in a state the pipeline would not resume from.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

macro_rules! persisted_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal, $german:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every state, in pipeline order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// Stable name as stored in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// The German word shown to people.
            pub fn german(self) -> &'static str {
                match self { $($name::$variant => $german,)+ }
            }

            /// Parses a stored name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let s = value.as_str()?;
                $name::parse(s).ok_or_else(|| FromSqlError::Other(
                    format!("unknown {} state {s:?}", stringify!($name)).into()))
            }
        }
    };
}

persisted_enum! {
    /// Where a batch stands in the pipeline.
    BatchState {
        /// Still collecting files (a profile that groups files by time window).
        Open => "open", "offen";
        /// All files taken into the store.
        Ingested => "ingested", "eingelesen";
        /// Pages prepared (deskew, orientation, blank pages, separation).
        Prepared => "prepared", "aufbereitet";
        /// OCR done.
        Recognized => "recognized", "erkannt";
        /// Every document has its case and type.
        Classified => "classified", "zugeordnet";
        /// Handed to the DMS and confirmed.
        Transferred => "transferred", "übertragen";
        /// Local copies destroyed after the DMS confirmed the import.
        Purged => "purged", "gelöscht";
    }
}

impl BatchState {
    /// Whether the pipeline may move a batch from `self` to `next`.
    pub(crate) fn can_become(self, next: BatchState) -> bool {
        use BatchState::*;
        matches!(
            (self, next),
            (Open, Ingested)
                | (Ingested, Prepared)
                | (Prepared, Recognized)
                | (Recognized, Classified)
                | (Classified, Transferred)
                | (Transferred, Purged)
        )
    }
}

persisted_enum! {
    /// Lifecycle of an original scanner file after its pages are in the store.
    SourceState {
        /// Pages committed; the file still lies in the hot folder.
        InHotFolder => "in_hot_folder", "im Eingangsordner";
        /// A copy is in the blob store; the hot-folder file may still exist.
        Archived => "archived", "archiviert";
        /// The hot-folder file is gone; only the blob remains.
        Released => "released", "übernommen";
    }
}

impl SourceState {
    /// Whether a source file may move from `self` to `next`.
    pub(crate) fn can_become(self, next: SourceState) -> bool {
        use SourceState::*;
        matches!((self, next), (InHotFolder, Archived) | (Archived, Released))
    }
}

persisted_enum! {
    /// Where a page stands.
    PageState {
        /// Decoded and stored, untouched.
        Ingested => "ingested", "eingelesen";
        /// Prepared for OCR (orientation, deskew).
        Prepared => "prepared", "aufbereitet";
        /// Blank backside: kept, but not part of a document.
        Blank => "blank", "leer";
        /// Separator sheet: kept, but not part of a document.
        Separator => "separator", "Trennblatt";
        /// OCR text stored.
        Recognized => "recognized", "erkannt";
        /// Taken out of its document by a person: kept, but in no document.
        Removed => "removed", "entfernt";
        /// Preparation, OCR or its PDF failed (reason stored with the page): it stays
        /// in its document, which waits for a person; the other pages go on.
        Failed => "failed", "fehlgeschlagen";
    }
}

impl PageState {
    /// Whether a page may move from `self` to `next`.
    pub(crate) fn can_become(self, next: PageState) -> bool {
        use PageState::*;
        matches!(
            (self, next),
            (Ingested | Separator | Failed, Prepared)
                | (Ingested | Prepared, Blank | Failed)
                | (Recognized, Failed)
                | (Prepared, Separator | Recognized)
                | (Recognized | Failed, Removed)
                | (Removed, Recognized)
                | (Failed, Ingested)
        )
    }
}

persisted_enum! {
    /// Where a document stands.
    DocumentState {
        /// Pages assigned; not yet recognised or classified.
        Open => "open", "offen";
        /// Case and type set automatically with enough confidence.
        Classified => "classified", "zugeordnet";
        /// Waiting for a person in the review queue.
        Review => "review", "zu prüfen";
        /// Confirmed and released for transfer.
        Released => "released", "freigegeben";
        /// Transferred to the DMS and confirmed.
        Transferred => "transferred", "übertragen";
    }
}

impl DocumentState {
    /// Whether a document may move from `self` to `next`.
    pub(crate) fn can_become(self, next: DocumentState) -> bool {
        use DocumentState::*;
        matches!(
            (self, next),
            (Open, Classified | Review)
                | (Classified | Released, Review)
                | (Classified | Review, Released)
                | (Released, Transferred)
        )
    }
}

persisted_enum! {
    /// Where one message to the DMS is (one row of the outbox).
    OutboxState {
        /// Waiting to be sent (the container may be built already).
        Packaged => "packaged", "verpackt";
        /// Delivered to the DMS; no receipt yet.
        Sent => "sent", "gesendet";
        /// The DMS confirmed receipt (0629).
        Received => "received", "empfangen";
        /// The DMS reported its import (0630; refused objects went back to review).
        Imported => "imported", "importiert";
        /// The DMS refused the whole message (0630 without any filed object).
        Rejected => "rejected", "abgelehnt";
        /// Local copies deleted after the retention period; the record stays.
        Purged => "purged", "gelöscht";
    }
}

persisted_enum! {
    /// Where a correction after filing stands.
    CorrectionState {
        /// Its message (0617 or 0610) is on its way to the DMS.
        Pending => "pending", "an das DMS unterwegs";
        /// Marked invalid in the wrong case; the filing into the right one is on its way.
        Invalidated => "invalidated", "in der falschen Akte ungültig, Neuablage unterwegs";
        /// The DMS confirmed every step.
        Done => "done", "berichtigt";
        /// The DMS refused it (its reason is kept); nothing changed there.
        Refused => "refused", "vom DMS abgelehnt";
        /// Marked invalid in the wrong case; the local copies were gone, so
        /// only the DMS can file it into the right one.
        DmsOnly => "dms_only", "ungültig gekennzeichnet, Neuablage nur im DMS";
    }
}

impl CorrectionState {
    /// Whether the station still waits for the DMS on it.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CorrectionState::Pending | CorrectionState::Invalidated
        )
    }
}

impl OutboxState {
    /// Whether the message is still on its way (its documents are locked).
    pub(crate) fn is_active(self) -> bool {
        matches!(
            self,
            OutboxState::Packaged | OutboxState::Sent | OutboxState::Received
        )
    }

    /// Allowed transitions (a resend keeps `sent`; a 0630 may come without a 0629).
    pub(crate) fn can_become(self, next: OutboxState) -> bool {
        use OutboxState::*;
        matches!(
            (self, next),
            (Packaged | Sent, Sent | Received)
                | (Packaged | Sent | Received, Imported | Rejected)
                | (Imported, Purged)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in BatchState::ALL {
            assert_eq!(BatchState::parse(s.as_str()), Some(*s));
        }
        for s in PageState::ALL {
            assert_eq!(PageState::parse(s.as_str()), Some(*s));
        }
        for s in DocumentState::ALL {
            assert_eq!(DocumentState::parse(s.as_str()), Some(*s));
        }
        for s in SourceState::ALL {
            assert_eq!(SourceState::parse(s.as_str()), Some(*s));
        }
        assert_eq!(BatchState::parse("bogus"), None);
    }

    #[test]
    fn batches_only_move_forward_one_step() {
        assert!(BatchState::Open.can_become(BatchState::Ingested));
        assert!(!BatchState::Ingested.can_become(BatchState::Open));
        assert!(!BatchState::Ingested.can_become(BatchState::Transferred));
        assert!(!SourceState::InHotFolder.can_become(SourceState::Released));
    }

    #[test]
    fn a_failed_page_goes_back_where_it_failed_or_out_of_its_document() {
        use PageState::*;
        assert!(Ingested.can_become(Failed) && Prepared.can_become(Failed));
        // A recognised page can still fail to go into its PDF.
        assert!(Recognized.can_become(Failed));
        assert!(Failed.can_become(Ingested) && Failed.can_become(Prepared));
        assert!(Failed.can_become(Removed));
        // A failed page is never recognised without being read again.
        assert!(!Failed.can_become(Recognized));
    }
}
