//! A loopback TCP proxy that can be cut and restored: a server "lost" and "back" without
//! stopping it (moto keeps its buckets in memory). It can also add a round trip's latency to
//! every exchange, to stand in for a server across a network, and count the HTTP requests that
//! pass (by method, with their body bytes), to measure what a client costs a server.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Requests that went through, by HTTP method: how many, and their body bytes; and the bytes
/// the server answered with (heads included).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts(pub std::collections::BTreeMap<String, (u64, u64)>, pub u64);

impl Counts {
    pub fn bytes_received(&self) -> u64 {
        self.1
    }

    pub fn requests(&self) -> u64 {
        self.0.values().map(|(n, _)| n).sum()
    }

    pub fn bytes_sent(&self) -> u64 {
        self.0.values().map(|(_, b)| b).sum()
    }
}

/// Reads request heads out of a client's byte stream (keep-alive, bodies framed by
/// `Content-Length`) and counts them.
#[derive(Default)]
struct RequestParser {
    head: Vec<u8>,
    /// Body bytes of the current request still to skip.
    body_left: u64,
}

impl RequestParser {
    fn feed(&mut self, mut bytes: &[u8], counts: &Mutex<Counts>) {
        while !bytes.is_empty() {
            if self.body_left > 0 {
                let skip = (self.body_left as usize).min(bytes.len());
                self.body_left -= skip as u64;
                bytes = &bytes[skip..];
                continue;
            }
            self.head.push(bytes[0]);
            bytes = &bytes[1..];
            if self.head.ends_with(b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.head).into_owned();
                self.head.clear();
                let method = head.split(' ').next().unwrap_or_default().to_owned();
                let length: u64 = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                self.body_left = length;
                let mut counts = counts.lock().unwrap();
                let entry = counts.0.entry(method).or_default();
                entry.0 += 1;
                entry.1 += length;
            }
        }
    }
}

pub struct Proxy {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    address: String,
    counts: Arc<Mutex<Counts>>,
    cut: Arc<AtomicBool>,
    stopped: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    /// Forwards every connection to `target` (`host:port`).
    pub fn start(target: &str) -> Proxy {
        Proxy::with_latency(target, Duration::ZERO)
    }

    /// Forwards every connection to `target`, holding back the first bytes of every answer by
    /// `latency` (an answer is what the server sends after the client sent something).
    pub fn with_latency(target: &str, latency: Duration) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let cut = Arc::new(AtomicBool::new(false));
        let stopped = Arc::new(AtomicBool::new(false));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let counts: Arc<Mutex<Counts>> = Arc::default();
        let target = target.to_owned();
        let (c, s, o, k) = (cut.clone(), stopped.clone(), open.clone(), counts.clone());
        let thread = std::thread::spawn(move || {
            for client in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                if c.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                {
                    let mut open = o.lock().unwrap();
                    open.push(client.try_clone().unwrap());
                    open.push(server.try_clone().unwrap());
                }
                // Set when the client sent something the server has not answered yet.
                let asked = Arc::new(AtomicBool::new(false));
                for (mut from, mut to, answers) in [
                    (
                        client.try_clone().unwrap(),
                        server.try_clone().unwrap(),
                        false,
                    ),
                    (server, client, true),
                ] {
                    let asked = asked.clone();
                    let counts = k.clone();
                    std::thread::spawn(move || {
                        let mut buffer = vec![0u8; 64 * 1024];
                        let mut parser = RequestParser::default();
                        loop {
                            let n = match from.read(&mut buffer) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => n,
                            };
                            if !answers {
                                parser.feed(&buffer[..n], &counts);
                                asked.store(true, Ordering::SeqCst);
                            } else {
                                counts.lock().unwrap().1 += n as u64;
                                if asked.swap(false, Ordering::SeqCst) && !latency.is_zero() {
                                    // The stand-in's behaviour: a slow network, as configured.
                                    std::thread::sleep(latency);
                                }
                            }
                            if to.write_all(&buffer[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(Shutdown::Write);
                    });
                }
            }
        });
        Proxy {
            url: format!("http://{address}"),
            address,
            counts,
            cut,
            stopped,
            open,
            thread: Some(thread),
        }
    }

    /// The requests counted so far.
    pub fn counts(&self) -> Counts {
        self.counts.lock().unwrap().clone()
    }

    /// Starts counting afresh.
    pub fn reset_counts(&self) {
        *self.counts.lock().unwrap() = Counts::default();
    }

    /// Drops every open connection and refuses new ones.
    pub fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    pub fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.cut();
        let _ = TcpStream::connect(&self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
