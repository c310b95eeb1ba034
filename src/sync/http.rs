//! WebDAV and HTTPS POST transports on `reqwest` (blocking, rustls with
//! the ring provider).
//!
//! TLS trusts the configured CA bundle, or the system's certificates when
//! none is configured, and presents a client certificate when one is
//! configured. Uploads stream the container from disk; a request's time
//! limit grows with the container's size, so a stalled server is given up
//! on without cutting off a large upload on a slow line.

use super::transport::{
    Container, FailureKind, MAX_REPLY_BYTES, Transport, TransportError, read_reply, reply_too_big,
};
use reqwest::StatusCode;
use reqwest::blocking::{Body, Client, RequestBuilder, Response};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How to reach an HTTP(S) DMS.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Basic-auth user.
    pub user: Option<String>,
    /// Basic-auth password.
    pub password: Option<String>,
    /// PEM file with the CA certificates to trust (else the system's).
    pub ca_file: Option<PathBuf>,
    /// PEM file with the client certificate (chain).
    pub client_cert: Option<PathBuf>,
    /// PEM file with the client certificate's private key.
    pub client_key: Option<PathBuf>,
    /// Time limit of a small request; uploads get more per megabyte.
    pub timeout: Duration,
    /// Slowest upload rate still accepted, in bytes per second.
    pub min_rate: u64,
    /// Largest reply read (a receipt, a listing), in bytes.
    pub max_reply: u64,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            user: None,
            password: None,
            ca_file: None,
            client_cert: None,
            client_key: None,
            timeout: Duration::from_secs(60),
            min_rate: 256 * 1024,
            max_reply: MAX_REPLY_BYTES,
        }
    }
}

/// A setting that cannot be used (files, certificates, URLs).
#[derive(Debug, thiserror::Error)]
#[error("DMS-Einstellung: {0}")]
pub struct SetupError(pub String);

fn read_pem(path: &Path, what: &str) -> Result<Vec<u8>, SetupError> {
    std::fs::read(path).map_err(|e| SetupError(format!("{what} {}: {e}", path.display())))
}

/// The rustls client configuration for these options.
fn tls_config(o: &HttpOptions) -> Result<rustls::ClientConfig, SetupError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let mut roots = rustls::RootCertStore::empty();
    match &o.ca_file {
        Some(ca) => {
            let pem = read_pem(ca, "CA-Datei")?;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert =
                    cert.map_err(|e| SetupError(format!("CA-Datei {}: {e}", ca.display())))?;
                roots
                    .add(cert)
                    .map_err(|e| SetupError(format!("CA-Datei {}: {e}", ca.display())))?;
            }
            if roots.is_empty() {
                return Err(SetupError(format!(
                    "CA-Datei {} enthält kein Zertifikat",
                    ca.display()
                )));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                let _ = roots.add(cert);
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SetupError(e.to_string()))?
        .with_root_certificates(roots);
    match (&o.client_cert, &o.client_key) {
        (Some(cert), Some(key)) => {
            let pem = read_pem(cert, "Client-Zertifikat")?;
            let chain = CertificateDer::pem_slice_iter(&pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| SetupError(format!("Client-Zertifikat {}: {e}", cert.display())))?;
            let key_pem = read_pem(key, "Client-Schlüssel")?;
            let key = PrivateKeyDer::from_pem_slice(&key_pem)
                .map_err(|e| SetupError(format!("Client-Schlüssel {}: {e}", key.display())))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| SetupError(format!("Client-Zertifikat: {e}")))
        }
        (None, None) => Ok(builder.with_no_client_auth()),
        _ => Err(SetupError(
            "Client-Zertifikat und -Schlüssel nur zusammen angeben".into(),
        )),
    }
}

/// The shared HTTP client of both transports.
#[derive(Debug, Clone)]
struct Http {
    client: Client,
    options: HttpOptions,
}

impl Http {
    fn new(options: HttpOptions) -> Result<Self, SetupError> {
        let client = Client::builder()
            .tls_backend_preconfigured(tls_config(&options)?)
            .connect_timeout(Duration::from_secs(10))
            .timeout(options.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SetupError(format!("HTTP-Client: {e}")))?;
        Ok(Http { client, options })
    }

    fn auth(&self, r: RequestBuilder) -> RequestBuilder {
        match &self.options.user {
            Some(u) => r.basic_auth(u, self.options.password.as_deref()),
            None => r,
        }
    }

    /// Time limit for an upload of `bytes`.
    fn upload_timeout(&self, bytes: u64) -> Duration {
        self.options.timeout + Duration::from_secs(bytes / self.options.min_rate.max(1))
    }

    /// A streamed upload of `file`, decrypted on the way.
    fn body(file: &Container) -> Result<(Body, u64), TransportError> {
        let r = file.reader().map_err(|e| {
            TransportError::new(FailureKind::Local, format!("Container nicht lesbar: {e}"))
        })?;
        Ok((Body::sized(r, file.len()), file.len()))
    }

    /// Asks the server before an upload (OPTIONS): certificate, password
    /// and availability are checked without sending a large body first,
    /// and their failures keep their words (a streamed upload that fails
    /// reports only that its body could not be sent).
    fn probe(&self, url: &reqwest::Url) -> Result<(), TransportError> {
        let r = self.send(
            "Verbindung",
            self.client.request(reqwest::Method::OPTIONS, url.clone()),
        )?;
        match r.status() {
            s if s.is_success() || s == StatusCode::METHOD_NOT_ALLOWED => Ok(()),
            s => Err(status_error("Verbindung", s)),
        }
    }

    fn send(&self, what: &str, r: RequestBuilder) -> Result<Response, TransportError> {
        let r = self.auth(r);
        r.send().map_err(|e| {
            let kind = FailureKind::Offline;
            let why = if e.is_timeout() {
                "Zeitüberschreitung".to_owned()
            } else if e.is_connect() && root_cause(&e).contains("certificate") {
                format!(
                    "Serverzertifikat nicht vertrauenswürdig, CA-Datei prüfen ({})",
                    root_cause(&e)
                )
            } else if e.is_connect() {
                format!("keine Verbindung ({})", root_cause(&e))
            } else if e.is_body() || root_cause(&e).contains("receiver is gone") {
                format!("Verbindung beim Senden abgebrochen ({})", root_cause(&e))
            } else {
                root_cause(&e)
            };
            TransportError::new(kind, format!("{what}: {why}"))
        })
    }
}

/// The error's words with its causes (reqwest wraps hyper wraps
/// io/rustls), without the URL-carrying outer layer and repetitions.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = e.source();
    while let Some(c) = cur {
        let s = c.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = c.source();
    }
    if parts.is_empty() {
        e.to_string()
    } else {
        parts.join(": ")
    }
}

/// A failure for an HTTP status.
fn status_error(what: &str, status: StatusCode) -> TransportError {
    let kind = if status.is_server_error() {
        FailureKind::Server
    } else {
        FailureKind::Refused
    };
    let hint = match status.as_u16() {
        401 => ": Anmeldung abgelehnt, Benutzer und Passwort prüfen",
        403 => ": keine Berechtigung",
        404 => ": Adresse nicht gefunden",
        503 => ": DMS vorübergehend nicht verfügbar",
        _ => "",
    };
    TransportError::new(kind, format!("{what}: HTTP {status}{hint}"))
}

/// `base` with `name` appended as a path segment.
fn join(base: &reqwest::Url, name: &str) -> reqwest::Url {
    let mut u = base.clone();
    if let Ok(mut seg) = u.path_segments_mut() {
        seg.pop_if_empty().push(name);
    }
    u
}

fn parse_url(url: &str, what: &str) -> Result<reqwest::Url, SetupError> {
    let u = reqwest::Url::parse(url).map_err(|e| SetupError(format!("{what} {url:?}: {e}")))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(SetupError(format!("{what} {url:?}: nur http(s)")));
    }
    Ok(u)
}

/// The body of `r`, at most the configured reply limit (refused by its
/// declared length before it is read, and cut off when it runs past it).
fn bounded(http: &Http, r: Response, what: &str) -> Result<Vec<u8>, TransportError> {
    let limit = http.options.max_reply;
    if let Some(n) = r.content_length().filter(|&n| n > limit) {
        return Err(reply_too_big(Some(n), limit));
    }
    read_reply(r, limit).map_err(|e| {
        TransportError::new(FailureKind::Offline, format!("{what} abgebrochen: {e}"))
    })?
}

fn fetch(http: &Http, url: reqwest::Url) -> Result<Option<Vec<u8>>, TransportError> {
    let r = http.send("Antwort abrufen", http.client.get(url))?;
    match r.status() {
        StatusCode::NOT_FOUND => Ok(None),
        s if s.is_success() => bounded(http, r, "Antwort abrufen").map(Some),
        s => Err(status_error("Antwort abrufen", s)),
    }
}

/// The member names of a WebDAV collection (PROPFIND, depth 1).
fn list(http: &Http, url: &reqwest::Url) -> Result<Vec<String>, TransportError> {
    let method = reqwest::Method::from_bytes(b"PROPFIND").expect("PROPFIND is a valid method");
    let r = http.send(
        "Antworten auflisten",
        http.client
            .request(method, url.clone())
            .header("Depth", "1")
            .header(reqwest::header::CONTENT_TYPE, "application/xml")
            .body(
                "<?xml version=\"1.0\"?><d:propfind xmlns:d=\"DAV:\"><d:prop><d:resourcetype/></d:prop></d:propfind>",
            ),
    )?;
    let status = r.status();
    if !status.is_success() {
        return Err(status_error("Antworten auflisten", status));
    }
    // Decoded as leniently as `Response::text` did before the bound.
    let body = bounded(http, r, "Antworten auflisten")?;
    let body = String::from_utf8_lossy(&body);
    let doc = roxmltree::Document::parse(&body).map_err(|e| {
        TransportError::new(
            FailureKind::Refused,
            format!(
                "Antworten auflisten: keine WebDAV-Antwort ({})",
                crate::package::xml::parse_error_words(&e)
            ),
        )
    })?;
    let own = url.path().trim_end_matches('/');
    Ok(doc
        .descendants()
        .filter(|n| n.tag_name().name() == "href")
        .filter_map(|n| n.text())
        .map(|h| h.trim().trim_end_matches('/'))
        .filter(|h| *h != own && !h.ends_with(own))
        .filter_map(|h| h.rsplit('/').next())
        .map(percent_decode)
        .filter(|n| !n.is_empty() && !n.starts_with('.'))
        .collect())
}

/// `%41` → `A` in a path segment (names we write are plain ASCII anyway).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn delete(http: &Http, url: reqwest::Url) -> Result<(), TransportError> {
    let r = http.send("Antwort löschen", http.client.delete(url))?;
    match r.status() {
        s if s.is_success() || s == StatusCode::NOT_FOUND => Ok(()),
        s => Err(status_error("Antwort löschen", s)),
    }
}

/// Which HTTP exchange mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// PUT under a temporary name, then MOVE into place.
    WebDav,
    /// POST to an import endpoint that answers with a 0629.
    Post,
}

/// An HTTP(S) DMS: WebDAV (PUT under a temporary name, then MOVE into
/// place) or HTTPS POST to an import endpoint that answers with a 0629;
/// either way the replies are read from a reply collection (GET, DELETE,
/// PROPFIND).
#[derive(Debug, Clone)]
pub struct HttpTransport {
    http: Http,
    mode: Mode,
    target: reqwest::Url,
    replies: reqwest::Url,
}

impl HttpTransport {
    /// WebDAV: containers into the collection `inbox`, replies from `replies`.
    pub fn webdav(inbox: &str, replies: &str, options: HttpOptions) -> Result<Self, SetupError> {
        Ok(HttpTransport {
            http: Http::new(options)?,
            mode: Mode::WebDav,
            target: parse_url(inbox, "WebDAV-Adresse")?,
            replies: parse_url(replies, "WebDAV-Antwortadresse")?,
        })
    }

    /// HTTPS POST to `endpoint`, replies from `replies`.
    pub fn post(endpoint: &str, replies: &str, options: HttpOptions) -> Result<Self, SetupError> {
        Ok(HttpTransport {
            http: Http::new(options)?,
            mode: Mode::Post,
            target: parse_url(endpoint, "Import-Adresse")?,
            replies: parse_url(replies, "Antwortadresse")?,
        })
    }

    fn put_and_move(
        &self,
        name: &str,
        file: &Container,
    ) -> Result<Option<Vec<u8>>, TransportError> {
        let tmp = join(&self.target, &format!(".{name}.part"));
        let dest = join(&self.target, name);
        let (body, len) = Http::body(file)?;
        let put = self
            .http
            .client
            .put(tmp.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/zip")
            .timeout(self.http.upload_timeout(len))
            .body(body);
        let r = self.http.send("Hochladen", put)?;
        if !r.status().is_success() {
            return Err(status_error("Hochladen", r.status()));
        }
        let method = reqwest::Method::from_bytes(b"MOVE").expect("MOVE is a valid method");
        let mv = self
            .http
            .client
            .request(method, tmp)
            .header("Destination", dest.as_str())
            .header("Overwrite", "T");
        let r = self.http.send("Umbenennen (MOVE)", mv)?;
        if !r.status().is_success() {
            return Err(status_error("Umbenennen (MOVE)", r.status()));
        }
        Ok(None)
    }

    fn post_file(&self, name: &str, file: &Container) -> Result<Option<Vec<u8>>, TransportError> {
        let (body, len) = Http::body(file)?;
        let post = self
            .http
            .client
            .post(self.target.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/zip")
            .header(
                reqwest::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            )
            .timeout(self.http.upload_timeout(len))
            .body(body);
        let r = self.http.send("Senden (POST)", post)?;
        if !r.status().is_success() {
            return Err(status_error("Senden (POST)", r.status()));
        }
        let answer = bounded(&self.http, r, "Senden (POST): Antwort")?;
        Ok((!answer.is_empty()).then_some(answer))
    }
}

impl Transport for HttpTransport {
    fn location(&self) -> String {
        self.target.to_string()
    }

    fn deliver(&self, name: &str, file: &Container) -> Result<Option<Vec<u8>>, TransportError> {
        self.http.probe(&self.target)?;
        match self.mode {
            Mode::WebDav => self.put_and_move(name, file),
            Mode::Post => self.post_file(name, file),
        }
    }

    fn fetch_reply(&self, name: &str) -> Result<Option<Vec<u8>>, TransportError> {
        fetch(&self.http, join(&self.replies, name))
    }

    fn remove_reply(&self, name: &str) -> Result<(), TransportError> {
        delete(&self.http, join(&self.replies, name))
    }

    fn list_replies(&self) -> Result<Vec<String>, TransportError> {
        list(&self.http, &self.replies)
    }
}
