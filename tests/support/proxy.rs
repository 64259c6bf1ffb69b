//! A loopback TCP proxy that can be cut and restored: a server "lost" and "back" without
//! stopping it (moto keeps its buckets in memory). It can also add a round trip's latency to
//! every exchange, to stand in for a server across a network.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Proxy {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    address: String,
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
        let target = target.to_owned();
        let (c, s, o) = (cut.clone(), stopped.clone(), open.clone());
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
                    std::thread::spawn(move || {
                        let mut buffer = vec![0u8; 64 * 1024];
                        loop {
                            let n = match from.read(&mut buffer) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => n,
                            };
                            if !answers {
                                asked.store(true, Ordering::SeqCst);
                            } else if asked.swap(false, Ordering::SeqCst) && !latency.is_zero() {
                                std::thread::sleep(latency);
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
            cut,
            stopped,
            open,
            thread: Some(thread),
        }
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
