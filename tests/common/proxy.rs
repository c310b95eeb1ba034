//! A TCP proxy between the station and a server that misbehaves on
//! request: it passes bytes through, stalls after a number of bytes, cuts
//! the connection after a number of bytes, or slows the upload down. TLS
//! passes through untouched (the proxy never sees plaintext).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// What the proxy does with the next connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Pass everything.
    Pass,
    /// After this many bytes from the client, forward nothing more and keep
    /// the connection open (a server that stalls).
    StallAfter(u64),
    /// After this many bytes from the client, close both sides (a cut line).
    CutAfter(u64),
    /// Forward the client's bytes at about this many bytes per second.
    Throttle(u64),
}

/// The running proxy.
pub struct Proxy {
    /// The port to connect to instead of the server's.
    pub port: u16,
    mode: Arc<std::sync::Mutex<Mode>>,
    stop: Arc<AtomicBool>,
    /// Connections accepted.
    pub connections: Arc<AtomicU64>,
}

impl Proxy {
    /// A proxy on a free local port to `127.0.0.1:target`.
    pub fn start(target: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let mode = Arc::new(std::sync::Mutex::new(Mode::Pass));
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicU64::new(0));
        let (m, s, c) = (mode.clone(), stop.clone(), connections.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        c.fetch_add(1, Ordering::SeqCst);
                        client.set_nonblocking(false).unwrap();
                        let mode = *m.lock().unwrap();
                        let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                            continue;
                        };
                        pipe(client, server, mode, s.clone());
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Proxy {
            port,
            mode,
            stop,
            connections,
        }
    }

    /// Sets the mode for connections made from now on.
    pub fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn pipe(client: TcpStream, server: TcpStream, mode: Mode, stop: Arc<AtomicBool>) {
    let (mut c_read, mut s_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let (mut s_read, mut c_write) = (server, client);
    // Server → client: always passed.
    std::thread::spawn(move || {
        let mut buf = [0u8; 16384];
        while let Ok(n) = s_read.read(&mut buf) {
            if n == 0 || c_write.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = c_write.shutdown(Shutdown::Both);
    });
    // Client → server: as the mode says.
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        let mut sent = 0u64;
        let started = std::time::Instant::now();
        while let Ok(n) = c_read.read(&mut buf) {
            if n == 0 {
                break;
            }
            match mode {
                Mode::StallAfter(limit) if sent + n as u64 > limit => {
                    // Hold the line open, forward nothing.
                    while !stop.load(Ordering::SeqCst) && c_read.read(&mut buf).is_ok_and(|n| n > 0)
                    {
                    }
                    break;
                }
                Mode::CutAfter(limit) if sent + n as u64 > limit => {
                    let _ = c_read.shutdown(Shutdown::Both);
                    let _ = s_write.shutdown(Shutdown::Both);
                    return;
                }
                Mode::Throttle(rate) => {
                    let due = Duration::from_secs_f64((sent + n as u64) as f64 / rate as f64);
                    if let Some(wait) = due.checked_sub(started.elapsed()) {
                        std::thread::sleep(wait);
                    }
                }
                _ => {}
            }
            if s_write.write_all(&buf[..n]).is_err() {
                break;
            }
            sent += n as u64;
        }
        let _ = s_write.shutdown(Shutdown::Write);
    });
}
