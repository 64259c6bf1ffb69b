//! The stand-in's Socket Mode side (slack-platform.md §5, slack-app-surfaces.md §8): the
//! WebSocket URLs `apps.connections.open` hands out (single-use tickets, at most 10 connections
//! an app, `too_many_websockets` past it), `hello` on connecting, envelopes a test sends to one
//! open connection, the acks that come back, and `disconnect` messages. Every connection's
//! opening, hello and closing is recorded with its time, so tests can tell that a refreshed
//! connection's successor was up before it closed.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tungstenite::Message;

/// What happened to a connection, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moment {
    /// It said hello (the app may now get envelopes on it).
    Hello(usize),
    /// It closed (either side).
    Closed(usize),
}

/// What a test asks a connection's thread to send.
enum Out {
    Text(String),
    /// An envelope: its ID (its sending time is recorded) and text.
    Envelope(String, String),
    /// Cut the TCP connection with no close frame.
    Kill,
    /// A frame written a byte every 100 ms, until the connection is gone.
    Drip(String),
}

struct Unacked {
    id: String,
    first: String,
    attempt: u32,
    payload: Value,
    due: Instant,
}

#[derive(Default)]
struct Hub {
    tickets: HashSet<String>,
    next_id: usize,
    open: HashMap<usize, Sender<Out>>,
    timeline: Vec<(Instant, Moment)>,
    /// Acks by envelope ID: the whole ack message.
    acks: HashMap<String, Value>,
    /// Envelopes sent, by ID: which connection.
    sent: HashMap<String, usize>,
    /// Pings the app sent.
    pings: usize,
    /// Redeliveries of unacknowledged events: (the redelivery's ID, the first one's, attempt).
    redelivered: Vec<(String, String, u32)>,
    /// Events sent and not acknowledged yet, with when Slack would deliver them again.
    unacked: Vec<Unacked>,
    /// When each envelope was written to its connection, and when its ack was read.
    written_at: HashMap<String, Instant>,
    acked_at: HashMap<String, Instant>,
    /// How long the next connections wait before their hello, one each.
    hello_delays: std::collections::VecDeque<Duration>,
    /// Handshakes still to refuse (401), as a failing edge does.
    refusals: usize,
    /// Connections dripping a frame now.
    dripping: HashSet<usize>,
}

/// The Socket Mode server; stops accepting when dropped.
#[derive(Clone)]
pub struct SocketMode {
    /// `ws://127.0.0.1:PORT/link/`.
    pub base: String,
    hub: Arc<(Mutex<Hub>, Condvar)>,
}

const MAX_CONNECTIONS: usize = 10;
/// Slack redelivers an event not acknowledged within this.
pub const ACK_DEADLINE: Duration = Duration::from_secs(3);

/// The first envelope's ID of a redelivery's (`…-r2` → `…`).
fn first_of(id: &str) -> String {
    id.split("-r").next().unwrap_or(id).to_owned()
}

impl SocketMode {
    pub fn start() -> SocketMode {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("ws://{}/link/", listener.local_addr().unwrap());
        let hub: Arc<(Mutex<Hub>, Condvar)> = Arc::default();
        let accepting = hub.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let hub = accepting.clone();
                std::thread::spawn(move || connection(stream, &hub));
            }
        });
        let socket = SocketMode { base, hub };
        let redelivering = socket.clone();
        // The stand-in's behaviour: Slack redelivers unacknowledged envelopes on its clock.
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(100));
            redelivering.redeliver_due();
        });
        socket
    }

    /// A URL for `apps.connections.open`: good for one connection.
    pub fn issue_url(&self) -> String {
        let ticket = format!("{:032x}", fastrand::u128(..));
        self.hub.0.lock().unwrap().tickets.insert(ticket.clone());
        format!("{}?ticket={ticket}&app_id=A0STATUS", self.base)
    }

    /// Connections open now (said hello, not closed), oldest first.
    pub fn open(&self) -> Vec<usize> {
        let hub = self.hub.0.lock().unwrap();
        let mut ids: Vec<usize> = hub.open.keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    pub fn timeline(&self) -> Vec<(Instant, Moment)> {
        self.hub.0.lock().unwrap().timeline.clone()
    }

    /// Pings the app sent so far.
    pub fn pings(&self) -> usize {
        self.hub.0.lock().unwrap().pings
    }

    /// Waits until `count` connections are open; panics after `timeout`.
    pub fn wait_open(&self, count: usize, timeout: Duration) -> Vec<usize> {
        let (lock, changed) = &*self.hub;
        let hub = lock.lock().unwrap();
        let (hub, _) = changed
            .wait_timeout_while(hub, timeout, |h| h.open.len() != count)
            .unwrap();
        assert_eq!(
            hub.open.len(),
            count,
            "Socket Mode connections open: {:?}",
            hub.timeline
        );
        drop(hub);
        self.open()
    }

    fn send_to(&self, connection: usize, out: Out) {
        let hub = self.hub.0.lock().unwrap();
        let sender = hub
            .open
            .get(&connection)
            .unwrap_or_else(|| panic!("connection {connection} is not open"));
        sender.send(out).unwrap();
    }

    /// Sends an envelope on `connection` (else the newest open one); returns its ID.
    pub fn envelope(&self, connection: Option<usize>, kind: &str, payload: Value) -> String {
        self.envelope_retried(connection, kind, payload, 0)
    }

    /// The same, as Slack's `retry_attempt` redelivery.
    pub fn envelope_retried(
        &self,
        connection: Option<usize>,
        kind: &str,
        payload: Value,
        retry_attempt: u32,
    ) -> String {
        let id = format!(
            "{:08x}-{:04x}-4{:03x}",
            fastrand::u32(..),
            fastrand::u16(..),
            fastrand::u16(..0xfff)
        );
        self.resend(connection, kind, payload, retry_attempt, &id);
        id
    }

    /// Sends an envelope with a given ID (a redelivery of one not acked).
    pub fn resend(
        &self,
        connection: Option<usize>,
        kind: &str,
        payload: Value,
        retry_attempt: u32,
        id: &str,
    ) {
        let connection = connection.unwrap_or_else(|| *self.open().last().expect("a connection"));
        let mut envelope = json!({
            "envelope_id": id, "type": kind, "payload": payload,
            "accepts_response_payload": kind != "events_api",
        });
        if kind == "events_api" {
            envelope["retry_attempt"] = retry_attempt.into();
            envelope["retry_reason"] = if retry_attempt > 0 { "timeout" } else { "" }.into();
        }
        self.hub
            .0
            .lock()
            .unwrap()
            .sent
            .insert(id.to_owned(), connection);
        self.send_to(
            connection,
            Out::Envelope(id.to_owned(), envelope.to_string()),
        );
        // Like Slack, an event not acknowledged within 3 s comes again (three times at most,
        // here a second apart rather than minutes), on whichever connection is open.
        if kind == "events_api" && retry_attempt < 3 {
            let due = Instant::now() + ACK_DEADLINE + Duration::from_secs(u64::from(retry_attempt));
            self.hub.0.lock().unwrap().unacked.push(Unacked {
                id: id.to_owned(),
                first: first_of(id),
                attempt: retry_attempt,
                payload: envelope["payload"].clone(),
                due,
            });
        }
    }

    /// Redelivers the events not acknowledged in time (a thread of the stand-in's).
    fn redeliver_due(&self) {
        let due: Vec<Unacked> = {
            let mut hub = self.hub.0.lock().unwrap();
            let now = Instant::now();
            let Hub { unacked, acks, .. } = &mut *hub;
            unacked.retain(|u| !acks.contains_key(&u.id));
            let (due, waiting) = std::mem::take(&mut hub.unacked)
                .into_iter()
                .partition(|u| u.due <= now);
            hub.unacked = waiting;
            due
        };
        for unacked in due {
            let Some(open) = self.open().last().copied() else {
                continue;
            };
            let again = format!("{}-r{}", unacked.first, unacked.attempt + 1);
            self.hub.0.lock().unwrap().redelivered.push((
                again.clone(),
                unacked.first.clone(),
                unacked.attempt + 1,
            ));
            self.resend(
                Some(open),
                "events_api",
                unacked.payload,
                unacked.attempt + 1,
                &again,
            );
        }
    }

    /// Redeliveries of unacknowledged events so far: (redelivery's ID, first ID, attempt).
    pub fn redelivered(&self) -> Vec<(String, String, u32)> {
        self.hub.0.lock().unwrap().redelivered.clone()
    }

    /// Events sent all at once on the newest connection, built beforehand so that only their
    /// sending is timed (no redelivery); returns their IDs.
    pub fn burst(&self, payloads: Vec<Value>) -> Vec<String> {
        let connection = *self.open().last().expect("a connection");
        let built: Vec<(String, String)> = payloads
            .into_iter()
            .enumerate()
            .map(|(i, payload)| {
                let id = format!("burst-{i:06}-{:08x}", fastrand::u32(..));
                let text = json!({"envelope_id": id, "type": "events_api", "payload": payload,
                                  "accepts_response_payload": false, "retry_attempt": 0,
                                  "retry_reason": ""})
                .to_string();
                (id, text)
            })
            .collect();
        let hub = self.hub.0.lock().unwrap();
        let sender = hub.open[&connection].clone();
        drop(hub);
        built
            .into_iter()
            .map(|(id, text)| {
                sender.send(Out::Envelope(id.clone(), text)).unwrap();
                id
            })
            .collect()
    }

    /// When an envelope went out on its connection and when its ack came back.
    pub fn timing(&self, id: &str) -> Option<(Instant, Instant)> {
        let hub = self.hub.0.lock().unwrap();
        Some((*hub.written_at.get(id)?, *hub.acked_at.get(id)?))
    }

    /// The ack of an envelope, waiting at most `timeout`.
    pub fn ack(&self, id: &str, timeout: Duration) -> Option<Value> {
        let (lock, changed) = &*self.hub;
        let hub = lock.lock().unwrap();
        let (hub, _) = changed
            .wait_timeout_while(hub, timeout, |h| !h.acks.contains_key(id))
            .unwrap();
        hub.acks.get(id).cloned()
    }

    /// Sends `{"type":"disconnect","reason":…}` on a connection.
    pub fn disconnect(&self, connection: usize, reason: &str) {
        let message = json!({"type": "disconnect", "reason": reason,
                             "debug_info": {"host": "applink-standin"}});
        self.send_to(connection, Out::Text(message.to_string()));
    }

    /// The next connection waits `delay` between its handshake and its hello.
    pub fn delay_next_hello(&self, delay: Duration) {
        self.hub.0.lock().unwrap().hello_delays.push_back(delay);
    }

    /// The next `count` handshakes are refused.
    pub fn refuse_next(&self, count: usize) {
        self.hub.0.lock().unwrap().refusals += count;
    }

    /// Starts writing an envelope on `connection` one byte every 100 ms (a frame that is never
    /// whole in any reasonable time); waits until its first bytes are out.
    pub fn drip(&self, connection: usize) {
        let text = json!({"envelope_id": "drip", "type": "events_api",
                          "payload": {"padding": "x".repeat(2000)}})
        .to_string();
        self.send_to(connection, Out::Drip(text));
        let (lock, changed) = &*self.hub;
        let hub = lock.lock().unwrap();
        let _ = changed
            .wait_timeout_while(hub, Duration::from_secs(10), |h| {
                !h.dripping.contains(&connection)
            })
            .unwrap();
    }

    /// Cuts a connection with no close frame, as a network failure does.
    pub fn kill(&self, connection: usize) {
        self.send_to(connection, Out::Kill);
    }
}

/// Writes a text frame a byte every 100 ms until the other side is gone.
fn drip(tcp: &mut TcpStream, text: &str, hub: &Arc<(Mutex<Hub>, Condvar)>, id: usize) {
    use std::io::Write;
    let length = u16::try_from(text.len()).unwrap().to_be_bytes();
    let mut frame = vec![0x81, 126, length[0], length[1]];
    frame.extend_from_slice(text.as_bytes());
    for (i, byte) in frame.iter().enumerate() {
        if tcp.write_all(&[*byte]).is_err() {
            break;
        }
        if i == 0 {
            moment(hub, |h| {
                h.dripping.insert(id);
            });
        }
        // The stand-in's behaviour: a frame dripped a byte at a time, as a stalled network.
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn moment(hub: &(Mutex<Hub>, Condvar), update: impl FnOnce(&mut Hub)) {
    let (lock, changed) = hub;
    update(&mut lock.lock().unwrap());
    changed.notify_all();
}

/// One WebSocket connection: checks its ticket, says hello, then relays what the test sends
/// and records what the app answers.
#[allow(clippy::result_large_err)] // the error type is tungstenite's
fn connection(stream: TcpStream, hub: &Arc<(Mutex<Hub>, Condvar)>) {
    let _ = stream.set_nodelay(true);
    let check_ticket = |request: &Request, response: Response| {
        let query = request.uri().query().unwrap_or_default().to_owned();
        let ticket = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "ticket")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let refused = {
            let mut h = hub.0.lock().unwrap();
            let refuse = h.refusals > 0;
            h.refusals = h.refusals.saturating_sub(1);
            refuse
        };
        if !refused && hub.0.lock().unwrap().tickets.remove(&ticket) {
            Ok(response)
        } else {
            let mut refused = ErrorResponse::new(Some("invalid or used ticket".into()));
            *refused.status_mut() = tungstenite::http::StatusCode::UNAUTHORIZED;
            Err(refused)
        }
    };
    let Ok(mut socket) = tungstenite::accept_hdr(stream, check_ticket) else {
        return;
    };
    let (tx, rx): (Sender<Out>, Receiver<Out>) = channel();
    let id = {
        let mut h = hub.0.lock().unwrap();
        h.next_id += 1;
        h.next_id
    };
    let too_many = hub.0.lock().unwrap().open.len() >= MAX_CONNECTIONS;
    if too_many {
        let _ = socket.send(Message::text(
            json!({"type": "disconnect", "reason": "too_many_websockets"}).to_string(),
        ));
        let _ = socket.close(None);
        return;
    }
    let delay = hub.0.lock().unwrap().hello_delays.pop_front();
    if let Some(delay) = delay {
        // The stand-in's behaviour: a hello that takes its time, as configured.
        std::thread::sleep(delay);
    }
    let hello = json!({
        "type": "hello", "num_connections": hub.0.lock().unwrap().open.len() + 1,
        "debug_info": {"host": "applink-standin", "approximate_connection_time": 3600},
        "connection_info": {"app_id": "A0STATUS"}
    });
    // Recorded before it is sent: the app may act on it at once.
    moment(hub, |h| {
        h.open.insert(id, tx);
        h.timeline.push((Instant::now(), Moment::Hello(id)));
    });
    let said = socket.send(Message::text(hello.to_string()));
    // Short reads: what a test sends goes out within a millisecond, and reading keeps up
    // with writing (a burst never fills both directions at once).
    let _ = socket
        .get_ref()
        .set_read_timeout(Some(Duration::from_millis(1)));
    let mut open = said.is_ok();
    while open {
        for out in rx.try_iter().take(256) {
            let sent = match out {
                Out::Text(text) => socket.send(Message::text(text)),
                Out::Envelope(id, text) => {
                    let at = Instant::now();
                    let sent = socket.send(Message::text(text));
                    hub.0.lock().unwrap().written_at.insert(id, at);
                    sent
                }
                Out::Kill => {
                    let _ = socket.get_ref().shutdown(std::net::Shutdown::Both);
                    Ok(())
                }
                Out::Drip(text) => {
                    drip(socket.get_mut(), &text, hub, id);
                    open = false;
                    break;
                }
            };
            if sent.is_err() {
                break;
            }
        }
        loop {
            match socket.read() {
                Ok(Message::Text(text)) => {
                    let at = Instant::now();
                    let ack: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    if let Some(envelope) = ack["envelope_id"].as_str() {
                        let envelope = envelope.to_owned();
                        moment(hub, |h| {
                            h.acked_at.insert(envelope.clone(), at);
                            h.acks.insert(envelope, ack);
                        });
                    }
                }
                Ok(Message::Ping(_)) => moment(hub, |h| h.pings += 1),
                Ok(Message::Close(_)) => {
                    // Answer the close, then the connection ends.
                    let _ = socket.flush();
                    open = false;
                    break;
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(err))
                    if matches!(
                        err.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    break
                }
                Err(_) => {
                    open = false;
                    break;
                }
            }
        }
    }
    moment(hub, |h| {
        h.open.remove(&id);
        h.timeline.push((Instant::now(), Moment::Closed(id)));
    });
}
