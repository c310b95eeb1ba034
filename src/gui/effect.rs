//! What [`super::update`] asks the outside world to do: read the store,
//! store a confirmation, load an image. Each runs on a blocking thread (the
//! window never waits for disk) and answers with a message; tests run them
//! in line.

use super::message::{Direction, LoadedPage, Message};
use super::screen::{cases, document, inbox, login, qa, review};
use super::state::PAGE_PIXELS;
use iced::widget::image::Handle;
use scanstelle::desk::{Desk, GrayImage, Undo, Words};
use scanstelle::store::Edit;
use scanstelle::store::blob::Sha256Hex;
use std::path::PathBuf;
use std::sync::Mutex;

/// Something to do outside the window's state.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Read the inbox (this many newest batches of those the filter lists)
    /// and the events after this one.
    Refresh(i64, usize, scanstelle::store::BatchFilter),
    /// Ask whether the station changed the store ([`Message::Changed`] if so).
    Poll,
    /// Load a document.
    LoadDocument(i64),
    /// Load the documents of a batch.
    BatchDocuments(i64),
    /// Load a thumbnail.
    LoadThumb(Sha256Hex),
    /// Load a page image.
    LoadPage(Sha256Hex, String),
    /// Confirm a document with this case and type.
    Confirm(i64, Option<String>, Option<String>),
    /// Take a confirmation back.
    Undo(Undo),
    /// Edit document boundaries (as asked, or to undo or redo an edit).
    Edit(Edit, Direction),
    /// Load the documents of a batch without opening one.
    ListBatch(i64),
    /// Search the register for the review screen.
    RegisterSearch(String),
    /// Search the register for the cases screen.
    CaseSearch(String),
    /// Load what the station holds for a case.
    LoadCase(String),
    /// Put a dropped file into the hot folder.
    Drop(PathBuf),
    /// Ask the sync to try the DMS now.
    SyncNow,
    /// Scan at the desk into a case.
    ScanIntoCase(String, Option<String>, crate::gui::state::Counter),
    /// Look for the scanners SANE finds.
    ListScanners,
    /// Remember the desk scanner chosen for this workplace.
    RememberScanner(String),
    /// Write the letter to a household into a folder.
    WriteLetter(String, PathBuf),
    /// Read the paper originals due today.
    LoadOriginals,
    /// Confirm that a document's original went back (`true`) or its paper
    /// was destroyed.
    ConfirmPaper(i64, bool),
    /// Write the return slip of a batch into a folder.
    WriteSlip(i64, PathBuf),
    /// Correct a filed document: into this case, or to this type, with
    /// this reason.
    CorrectFiled(i64, Option<String>, Option<String>, String),
    /// Record the check of a sampled document (a defect's note, or none).
    QaCheck(i64, Option<String>),
    /// Release a batch.
    QaRelease(i64),
    /// Put a batch's failed pages back in line.
    RetryFailed(i64),
    /// Write a quarantined file decrypted into a folder (administrators).
    ExportQuarantine(i64, PathBuf),
    /// Show the first page of a quarantined file.
    PreviewQuarantine(i64),
    /// Put a quarantined file back into its hot folder to be read again.
    RequeueQuarantine(i64),
    /// Sign in with name and password.
    SignIn(String, String),
    /// Sign in the account mapped to the operating-system user.
    SignInOs,
    /// Make the first admin (name, password, one-time token) and sign in.
    CreateAdmin(String, String, Option<String>),
    /// Record that the person left (`session.locked` or `logout`).
    SignOut(&'static str),
    /// Put the keyboard focus into a text field (by id).
    Focus(&'static str),
    /// Take the keyboard focus from any text field (shortcuts work again).
    Unfocus,
    /// Close the window.
    Exit,
}

/// Id of the review screen's register search field.
pub const SEARCH_FIELD: &str = "register-search";
/// Id of the login screen's name field.
pub const LOGIN_NAME: &str = "login-name";
/// Id of the login screen's password field.
pub const LOGIN_PASSWORD: &str = "login-password";
/// Id of the cases screen's search field.
pub const CASE_FIELD: &str = "case-search";

impl Effect {
    /// Runs the effect against the station (blocking) and returns the
    /// answer; `None` for effects only the window runtime can do.
    pub fn perform(self, desk: &Mutex<Desk>) -> Option<Message> {
        let desk = || {
            desk.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        let text = |e: scanstelle::desk::DeskError| e.to_string();
        Some(match self {
            // A failed look is no news: the next tick reads the inbox anyway.
            Effect::Poll => {
                return desk()
                    .changed()
                    .is_ok_and(|changed| changed)
                    .then_some(Message::Changed);
            }
            Effect::Refresh(after, batches, filter) => Message::Loaded(
                desk()
                    .overview(after, batches, &filter)
                    .map(Box::new)
                    .map_err(text),
            ),
            Effect::LoadDocument(id) => {
                Message::DocumentLoaded(desk().document(id).map(Box::new).map_err(text))
            }
            Effect::BatchDocuments(batch) => Message::Document(document::Message::BatchDocuments(
                desk().documents_of_batch(batch).map_err(text),
            )),
            Effect::LoadThumb(sha) => {
                let img = desk().thumbnail(&sha).map(rgba).map_err(text);
                Message::ThumbLoaded(sha, img)
            }
            Effect::LoadPage(sha, encoding) => Message::PageLoaded(
                desk()
                    .page_image(&sha, &encoding, PAGE_PIXELS)
                    .map(|g| LoadedPage {
                        sha,
                        width: g.width,
                        height: g.height,
                        reduced_by: g.reduced_by,
                        handle: rgba(g),
                    })
                    .map_err(text),
            ),
            Effect::Confirm(id, case, ty) => Message::Review(review::Message::Confirmed(
                desk()
                    .confirm(id, case.as_deref(), ty.as_deref())
                    .map_err(text),
            )),
            Effect::Undo(undo) => {
                Message::Undone(desk().undo(&undo).map(|()| undo.document_id).map_err(text))
            }
            Effect::Edit(edit, direction) => Message::Document(document::Message::Edited(
                direction,
                desk().edit(&edit).map_err(text),
            )),
            Effect::ListBatch(batch) => Message::Document(document::Message::BatchListed(
                desk().documents_of_batch(batch).map_err(text),
            )),
            Effect::RegisterSearch(q) => Message::Review(review::Message::Hits(
                desk().find_cases(&q, 9).map_err(text),
            )),
            Effect::CaseSearch(q) => Message::Cases(cases::Message::Hits(
                desk().find_cases(&q, 50).map_err(text),
            )),
            Effect::LoadCase(bg) => Message::Cases(cases::Message::Loaded(
                desk().case_file(&bg).map(Box::new).map_err(text),
            )),
            Effect::Drop(path) => Message::Dropped(desk().take_dropped(&path).map_err(text)),
            Effect::SyncNow => Message::SyncRequested(desk().sync_now().map_err(text)),
            Effect::RememberScanner(device) => Message::Cases(cases::Message::Remembered(
                desk().remember_scanner(&device).map_err(text),
            )),
            // The scanner runs without the desk: the inbox keeps refreshing.
            Effect::ScanIntoCase(bg, device, pages) => {
                let scan = desk().desk_scan(&bg, device.as_deref());
                Message::Cases(cases::Message::Scanned(
                    scan.and_then(|s| s.run(&pages.0)).map_err(text),
                ))
            }
            Effect::WriteLetter(bg, to) => Message::Cases(cases::Message::LetterWritten(
                desk().write_letter(&bg, &to).map_err(text),
            )),
            Effect::LoadOriginals => {
                Message::Qa(qa::Message::Originals(desk().originals_due().map_err(text)))
            }
            Effect::ConfirmPaper(doc, returned) => Message::Qa(qa::Message::PaperConfirmed(
                desk()
                    .confirm_paper(doc, returned)
                    .map(|()| {
                        if returned {
                            Words {
                                de: format!("Dokument {doc}: Rückgabe des Originals bestätigt"),
                                en: format!("Document {doc}: return of the original confirmed"),
                            }
                        } else {
                            Words {
                                de: format!("Dokument {doc}: Vernichtung des Papiers bestätigt"),
                                en: format!("Document {doc}: destruction of the paper confirmed"),
                            }
                        }
                    })
                    .map_err(text),
            )),
            Effect::WriteSlip(batch, to) => Message::Qa(qa::Message::SlipWritten(
                desk().write_slip(batch, &to).map_err(text),
            )),
            Effect::CorrectFiled(doc, case, ty, reason) => {
                use scanstelle::classify::CorrectionRequest;
                let request = match (&case, &ty) {
                    (Some(c), _) => CorrectionRequest::Case(c),
                    (None, Some(t)) => CorrectionRequest::Type(t),
                    (None, None) => CorrectionRequest::Case(""),
                };
                Message::Document(document::Message::Fixed(
                    doc,
                    desk().correct_filed(doc, &request, &reason).map_err(text),
                ))
            }
            // SANE may take seconds to look: not while holding the desk.
            Effect::ListScanners => {
                let (can, sane) = {
                    let d = desk();
                    (d.can_scan(), d.sane_config())
                };
                Message::Cases(cases::Message::Scanners(if can {
                    scanstelle::intake::scan::list_devices(sane.as_deref())
                        .map_err(|e| scanstelle::desk::DeskError::from(e).to_string())
                } else {
                    Ok(Vec::new())
                }))
            }
            Effect::QaCheck(doc, defect) => Message::Qa(qa::Message::Done(
                desk()
                    .qa_check(doc, defect.as_deref())
                    .map(|()| Words {
                        de: format!("Dokument {doc} geprüft"),
                        en: format!("Document {doc} checked"),
                    })
                    .map_err(text),
            )),
            Effect::QaRelease(batch) => Message::Qa(qa::Message::Done(
                desk()
                    .qa_release(batch)
                    .map(|()| Words {
                        de: format!("Stapel {batch} freigegeben"),
                        en: format!("Batch {batch} released"),
                    })
                    .map_err(text),
            )),
            Effect::RetryFailed(batch) => Message::Inbox(inbox::Message::Retried(
                desk()
                    .retry_failed(batch)
                    .map(|n| Words {
                        de: format!("Stapel {batch}: {n} Seite(n) werden erneut verarbeitet"),
                        en: format!("Batch {batch}: {n} page(s) are processed again"),
                    })
                    .map_err(text),
            )),
            Effect::ExportQuarantine(id, to) => Message::Inbox(inbox::Message::Exported(
                desk().export_quarantined(id, &to).map_err(text),
            )),
            Effect::PreviewQuarantine(id) => Message::Inbox(inbox::Message::Previewed(
                id,
                desk()
                    .quarantine_preview(id)
                    .map(|p| inbox::Preview {
                        format: p.format,
                        pages: p.pages,
                        blank: p.blank,
                        image: Handle::from_bytes(p.thumbnail),
                    })
                    .map_err(text),
            )),
            Effect::RequeueQuarantine(id) => Message::Inbox(inbox::Message::Requeued(
                desk().requeue_quarantined(id).map_err(text),
            )),
            Effect::SignIn(name, password) => Message::Login(login::Message::SignedIn(
                desk().sign_in(&name, &password).map(Some).map_err(text),
            )),
            Effect::SignInOs => {
                Message::Login(login::Message::SignedIn(desk().sign_in_os().map_err(text)))
            }
            Effect::CreateAdmin(name, password, token) => Message::Login(login::Message::SignedIn(
                desk()
                    .create_first_admin(&name, &password, token.as_deref())
                    .map(Some)
                    .map_err(text),
            )),
            Effect::SignOut(why) => {
                if let Err(e) = desk().sign_out(why) {
                    tracing::warn!(fehler = %e, "Abmeldung nicht protokolliert");
                }
                return None;
            }
            Effect::Focus(_) | Effect::Unfocus | Effect::Exit => return None,
        })
    }
}

/// A greyscale image as an image handle.
fn rgba(g: GrayImage) -> Handle {
    let mut px = Vec::with_capacity(g.pixels.len() * 4);
    for v in g.pixels {
        px.extend_from_slice(&[v, v, v, 255]);
    }
    Handle::from_rgba(g.width, g.height, px)
}
