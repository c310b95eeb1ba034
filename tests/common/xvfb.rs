//! A virtual X server for the window's test and the window's start-up
//! bench (`Xvfb`, installed by `installer/setup.sh`).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// An X server; stopped when dropped.
pub struct Xvfb {
    child: Child,
    /// Its display, as `DISPLAY` names it (`:5`).
    pub display: String,
}

impl Xvfb {
    /// Starts a server on a display number it picks itself (`-displayfd`),
    /// so tests and other X servers on the machine never collide.
    pub fn start(size: (u32, u32)) -> Option<Self> {
        use std::io::BufRead;
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                &format!("{}x{}x24", size.0, size.1),
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let stdout = child.stdout.take()?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = std::io::BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(line) if !line.trim().is_empty() => Some(Xvfb {
                child,
                display: format!(":{}", line.trim()),
            }),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                None
            }
        }
    }

    /// Runs `program` on this display and waits for it.
    pub fn run(&self, program: &str, args: &[&str]) -> std::process::Output {
        Command::new(program)
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"))
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
