//! A real Apache 2 with mod_dav for the sync tests, started on 127.0.0.1
//! with TLS (a CA and server certificate made by the test with `openssl`)
//! and Basic auth (`htpasswd`). `/eingang/` and `/antworten/` are WebDAV
//! collections; the test's DMS importer works on their directories.
//! `/import` is an HTTPS POST import endpoint (a CGI script) that stores
//! the posted container in the same inbox and answers with a 0629. A flag
//! file makes every request answer 503; `stop`/`resume` take the server
//! away and bring it back on the same port.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// User and password the server accepts.
pub const USER: &str = "scanstelle";
/// The password.
pub const PASSWORD: &str = "geheim-2026";

/// The import endpoint: takes a POSTed container (named by its
/// Content-Disposition), stores it whole (temporary name, rename) and
/// answers with the 0629 for its ProzessID.
const IMPORT_CGI: &str = r#"#!/bin/sh
if [ "$REQUEST_METHOD" != POST ]; then
  printf 'Status: 204 No Content\r\n\r\n'; exit 0
fi
name=$(printf '%s' "$HTTP_CONTENT_DISPOSITION" | sed -n 's/.*filename="\([^"/]*\)".*/\1/p')
case "$name" in
  *_FVDaten.SGOAblegen.0605.zip) ;;
  *) printf 'Status: 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nno container name\n'; exit 0;;
esac
pid=${name%%_*}
tmp="INBOX/.$name.cgi"
head -c "$CONTENT_LENGTH" > "$tmp"
if [ "$(wc -c < "$tmp")" -ne "$CONTENT_LENGTH" ]; then
  rm -f "$tmp"; printf 'Status: 400 Bad Request\r\n\r\n'; exit 0
fi
mv "$tmp" "INBOX/$name"
printf 'Content-Type: application/xml\r\n\r\n'
cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<xdomea:FVDaten.EmpfangBestaetigen.0629 xmlns:xdomea="urn:xoev-de:xdomea:schema:3.0.0">
  <xdomea:Kopf>
    <xdomea:ProzessID>$pid</xdomea:ProzessID>
    <xdomea:Nachrichtentyp><code>0629</code></xdomea:Nachrichtentyp>
    <xdomea:Erstellungszeitpunkt>$(date -u +%Y-%m-%dT%H:%M:%SZ)</xdomea:Erstellungszeitpunkt>
    <xdomea:Absender><xdomea:Taetigkeit>DMS</xdomea:Taetigkeit></xdomea:Absender>
    <xdomea:Empfaenger><xdomea:Organisationseinheit><xdomea:Name>Scanstelle</xdomea:Name></xdomea:Organisationseinheit></xdomea:Empfaenger>
  </xdomea:Kopf>
</xdomea:FVDaten.EmpfangBestaetigen.0629>
EOF
"#;

/// A running Apache.
pub struct Apache {
    /// Its files (config, logs, certificates, document root).
    pub dir: tempfile::TempDir,
    /// Its port.
    pub port: u16,
    /// Directory behind `/eingang/`.
    pub inbox: PathBuf,
    /// Directory behind `/antworten/`.
    pub replies: PathBuf,
    /// The test CA's certificate (PEM).
    pub ca: PathBuf,
    child: Option<Child>,
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Makes a CA and a server certificate for 127.0.0.1 in `dir`.
fn certificates(dir: &Path) {
    run(Command::new("openssl")
        .current_dir(dir)
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
        ])
        .args([
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Scanstelle Test-CA",
        ])
        .args(["-addext", "basicConstraints=critical,CA:TRUE"])
        .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]));
    run(Command::new("openssl")
        .current_dir(dir)
        .args([
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
        ])
        .args(["-out", "server.csr", "-subj", "/CN=localhost"]));
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(Command::new("openssl")
        .current_dir(dir)
        .args([
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
        ])
        .args(["-CAcreateserial", "-out", "server.pem", "-days", "2"])
        .args(["-extfile", "server.ext"]));
}

impl Apache {
    /// The station's WebDAV transport to this server (its CA trusted, the
    /// right password).
    pub fn webdav(&self) -> Box<dyn scanstelle::sync::Transport> {
        Box::new(
            scanstelle::sync::HttpTransport::webdav(
                &self.url("eingang"),
                &self.url("antworten"),
                scanstelle::sync::HttpOptions {
                    user: Some(USER.into()),
                    password: Some(PASSWORD.into()),
                    ca_file: Some(self.ca.clone()),
                    timeout: Duration::from_secs(20),
                    min_rate: 64 * 1024,
                    ..Default::default()
                },
            )
            .unwrap(),
        )
    }

    /// Starts a server; `None` where Apache is not installed (a failure
    /// under CI, whose setup installs it).
    pub fn start() -> Option<Self> {
        if !Path::new("/usr/sbin/apache2").exists() {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but apache2 is not installed (installer/setup.sh installs it)"
            );
            eprintln!("apache2 not installed: WebDAV test skipped");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        certificates(d);
        let www = d.join("www");
        let inbox = www.join("eingang");
        let replies = www.join("antworten");
        std::fs::create_dir_all(&inbox).unwrap();
        std::fs::create_dir_all(&replies).unwrap();
        std::fs::create_dir_all(d.join("lock")).unwrap();
        run(Command::new("htpasswd")
            .args(["-bc"])
            .arg(d.join("htpasswd"))
            .args([USER, PASSWORD]));
        let port = free_port();
        let root = is_root();
        if root {
            // Apache's workers run as www-data: they must reach and write
            // the document root and the lock directory.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
            for p in [&www, &inbox, &replies, &d.join("lock")] {
                run(Command::new("chown").arg("www-data:www-data").arg(p));
            }
            run(Command::new("chmod").arg("0644").arg(d.join("htpasswd")));
        }
        let m = "/usr/lib/apache2/modules";
        let modules = [
            "mpm_event",
            "authn_core",
            "authn_file",
            "authz_core",
            "authz_user",
            "auth_basic",
            "dav",
            "dav_fs",
            "ssl",
            "rewrite",
            "mime",
            "socache_shmcb",
            "cgid",
            "alias",
        ]
        .iter()
        .map(|n| format!("LoadModule {n}_module {m}/mod_{n}.so\n"))
        .collect::<String>();
        let user = if root {
            "User www-data\nGroup www-data\n"
        } else {
            ""
        };
        let p = d.display();
        let conf = format!(
            "{modules}{user}ServerName localhost\nListen 127.0.0.1:{port}\nPidFile {p}/httpd.pid\n\
             ErrorLog {p}/error.log\nLogLevel warn\nLogFormat \"%h %r %>s %b\" short\nCustomLog {p}/access.log short\n\
             DefaultRuntimeDir {p}\nTypesConfig /etc/mime.types\nDavLockDB {p}/lock/davlock\n\
             SSLEngine on\nSSLCertificateFile {p}/server.pem\nSSLCertificateKeyFile {p}/server.key\n\
             SSLSessionCache none\nDocumentRoot {p}/www\nLimitRequestBody 0\n\
             <Directory {p}/www>\n  Dav On\n  AuthType Basic\n  AuthName DMS\n  AuthUserFile {p}/htpasswd\n  Require valid-user\n</Directory>\n\
             ScriptSock {p}/cgisock\nScriptAlias /import {p}/cgi/import.cgi\n\
             <Directory {p}/cgi>\n  Options +ExecCGI\n  AuthType Basic\n  AuthName DMS\n  AuthUserFile {p}/htpasswd\n  Require valid-user\n</Directory>\n\
             RewriteEngine On\nRewriteCond {p}/fail503 -f\nRewriteRule ^ - [R=503,L]\n\
             RewriteCond {p}/fail500 -f\nRewriteRule ^ - [R=500,L]\n"
        );
        std::fs::create_dir_all(d.join("cgi")).unwrap();
        let script = d.join("cgi/import.cgi");
        std::fs::write(
            &script,
            IMPORT_CGI.replace("INBOX", &inbox.display().to_string()),
        )
        .unwrap();
        run(Command::new("chmod").arg("0755").arg(&script));
        std::fs::write(d.join("httpd.conf"), conf).unwrap();
        let mut a = Apache {
            port,
            inbox,
            replies,
            ca: d.join("ca.pem"),
            child: None,
            dir,
        };
        a.resume();
        Some(a)
    }

    /// `https://127.0.0.1:<port>/<path>/`.
    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}/{path}/", self.port)
    }

    /// (Re)starts the server on its port and waits until it answers.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "already running");
        let child = Command::new("/usr/sbin/apache2")
            .arg("-f")
            .arg(self.dir.path().join("httpd.conf"))
            .arg("-DFOREGROUND")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start apache2");
        self.child = Some(child);
        let t = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if t.elapsed() > Duration::from_secs(15) {
                let log =
                    std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default();
                panic!("apache2 did not start on {}: {log}", self.port);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server (graceful: the port is free afterwards).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let t = Instant::now();
            while child.try_wait().ok().flatten().is_none() {
                if t.elapsed() > Duration::from_secs(10) {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            // Wait until nothing listens any more.
            let t = Instant::now();
            while TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && t.elapsed() < Duration::from_secs(10)
            {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    /// Every request answers with this server error (500 or 503) until
    /// called with `None`.
    pub fn fail_with(&self, status: Option<u16>) {
        for code in [500, 503] {
            let flag = self.dir.path().join(format!("fail{code}"));
            if status == Some(code) {
                std::fs::write(flag, "").unwrap();
            } else {
                let _ = std::fs::remove_file(flag);
            }
        }
    }

    /// The access log (request line and status per line).
    pub fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("access.log")).unwrap_or_default()
    }
}

impl Drop for Apache {
    fn drop(&mut self) {
        self.stop();
    }
}
