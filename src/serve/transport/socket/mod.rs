//! Socket Mode: serve opens the connections itself (`apps.connections.open` with the app-level
//! token, then a WebSocket), so Slack needs no public Request URL.
//!
//! Each of the configured connections is kept by its own thread (`socket-N`), which alone reads
//! and writes it. Every envelope (`events_api`, `interactive`, `slash_commands`) goes to the
//! same inbox as an HTTP request and is acknowledged at once with `{"envelope_id"}`, plus the
//! handler's answer as `payload` where Slack takes one (a command's message, a modal's
//! `response_action`). An event the queues have no room for is left unacknowledged, so Slack
//! delivers it again, as a 503 does over HTTP.
//!
//! Every read has a deadline of its own (`link::Timed`): a frame that trickles in a byte at a time
//! never holds the thread, so pings go out, silence is noticed and a stop is heard on time.
//!
//! Slack asks for a refresh every few hours (`disconnect` with `refresh_requested`, or a
//! `warning` before a cut). The replacement is opened beside (`socket-N-next`, one at a time
//! per connection) while the old one is still read and acknowledged; only when the new one has
//! said hello is the old one closed, and it is still read until Slack's close comes. A
//! replacement that fails is tried again after a backoff, the old connection working meanwhile.
//! A connection that breaks, or says nothing for 20 s, is opened again after a capped, jittered
//! backoff.

mod envelope;
mod link;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tungstenite::Message;

use crate::serve::config::SocketConfig;
use crate::serve::inbox::Inbox;
use crate::serve::metrics::Metrics;
use crate::signals::Stop;
use crate::slack::SlackClient;
use crate::tokens::{Token, TokenSource};

use envelope::{hear, Heard};
use link::{close, connect, read_within, timed_out, ConnectError, Link};

/// How often serve pings Slack, and how long it waits for any whole message before calling the
/// connection dead.
const PING_EVERY: Duration = Duration::from_secs(5);
const SILENT_FOR: Duration = Duration::from_secs(20);
/// How long one read waits, so pings and a stop are never late by more than this.
const READ_TICK: Duration = Duration::from_millis(250);
/// The same while a replaced connection is being closed beside: both are read in turn.
const SHORT_TICK: Duration = Duration::from_millis(50);
/// Connecting (TCP, TLS, the WebSocket handshake and Slack's hello) must take no longer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A write that cannot go out for this long means the connection is gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a closing connection is read for envelopes still on their way.
const CLOSE_GRACE: Duration = Duration::from_secs(2);
/// At a stop, how long the last connection is read for envelopes on their way before its
/// thread ends (serve waits for the threads no longer than [`STOP_GRACE`]).
const STOP_CLOSE: Duration = Duration::from_secs(1);
pub const STOP_GRACE: Duration = Duration::from_millis(1500);
/// Backoff between attempts to connect: doubling from the first to the cap, with jitter.
const BACKOFF_FIRST: Duration = Duration::from_secs(1);
const BACKOFF_CAP: Duration = Duration::from_secs(60);

/// Connections open now (said hello), for `/healthz` and `/metrics`.
#[derive(Debug, Default)]
pub struct Gauge {
    pub open: AtomicUsize,
    pub wanted: AtomicUsize,
}

impl Gauge {
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }
}

/// Why a connection ended.
enum Ended {
    /// Broken (`lost`), silent (`silent`), or closed by Slack (`too_many_websockets`,
    /// `closed`): connect again after a backoff.
    Lost(&'static str, String),
    /// Socket Mode is off in the app's settings (`link_disabled`).
    Disabled,
    /// serve is stopping.
    Stopping,
}

/// Capped, jittered exponential backoff.
struct Backoff {
    next: Duration,
}

impl Backoff {
    fn new() -> Backoff {
        Backoff {
            next: BACKOFF_FIRST,
        }
    }

    /// The wait before the next attempt: between half and all of the current step.
    fn wait(&mut self) -> Duration {
        let step = self.next;
        self.next = (self.next * 2).min(BACKOFF_CAP);
        step.mul_f64(0.5 + fastrand::f64() * 0.5)
    }

    fn reset(&mut self) {
        self.next = BACKOFF_FIRST;
    }
}

/// What the connection keepers are given: the inbox to hand envelopes to, the Slack client
/// (for `apps.connections.open`), the gauge they keep, and the metrics.
#[derive(Debug, Clone)]
pub struct Parts {
    pub inbox: Arc<Inbox>,
    pub slack: Arc<SlackClient>,
    pub gauge: Arc<Gauge>,
    pub metrics: Arc<Metrics>,
}

/// Starts the connection keepers; they return once `stop` is raised.
pub fn start(parts: Parts, config: &SocketConfig, stop: &Stop) -> Result<Vec<JoinHandle<()>>> {
    let token = Token {
        secret: config.app_token.clone(),
        source: TokenSource::AppToken,
        team: None,
    };
    parts
        .gauge
        .wanted
        .store(config.connections, Ordering::Relaxed);
    (0..config.connections)
        .map(|i| {
            let (parts, token, stop) = (parts.clone(), token.clone(), stop.clone());
            std::thread::Builder::new()
                .name(format!("socket-{i}"))
                .spawn(move || Keeper::new(parts, i, token, stop).keep())
                .context("starting a Socket Mode connection")
        })
        .collect()
}

/// Waits for the connection keepers to end, at most until `deadline`: a keeper busy with a
/// connection that will not close is left behind (the process ends without it).
pub fn join(keepers: Vec<JoinHandle<()>>, deadline: Instant) {
    for keeper in keepers {
        while !keeper.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if keeper.is_finished() {
            let _ = keeper.join();
        } else {
            log::warn!("a Socket Mode connection did not close in time; leaving it");
        }
    }
}

/// One connection's keeper: its thread owns the connection, the one being replaced while it
/// closes, and the replacement being opened.
struct Keeper {
    parts: Parts,
    slot: usize,
    token: Token,
    stop: Stop,
    backoff: Backoff,
    /// Replaced connections still read until Slack closes them, with when to give up.
    closing: Vec<(Link, Instant)>,
    /// A replacement being opened beside (after `refresh_requested` or `warning`).
    next: Option<JoinHandle<Result<Link, ConnectError>>>,
    /// When to try a failed replacement again.
    retry_next: Option<Instant>,
}

impl Keeper {
    fn new(parts: Parts, slot: usize, token: Token, stop: Stop) -> Keeper {
        Keeper {
            parts,
            slot,
            token,
            stop,
            backoff: Backoff::new(),
            closing: Vec::new(),
            next: None,
            retry_next: None,
        }
    }

    /// Keeps one connection open until the stop.
    fn keep(mut self) {
        loop {
            if self.stop.requested() {
                return;
            }
            let link = match connect(&self.parts.slack, &self.token, &self.stop) {
                Ok(link) => {
                    self.backoff.reset();
                    link
                }
                Err(err) => {
                    let wait = if err.refused {
                        // Not a passing failure: said loudly, then tried again only slowly.
                        log::error!("Socket Mode connection {}: {:#}", self.slot, err.error);
                        self.parts.metrics.socket_reconnect("refused");
                        BACKOFF_CAP
                    } else {
                        log::warn!("Socket Mode connection {}: {:#}", self.slot, err.error);
                        self.backoff.wait()
                    };
                    if self.stop.sleep(wait) {
                        return;
                    }
                    continue;
                }
            };
            self.parts.gauge.open.fetch_add(1, Ordering::Relaxed);
            let ended = self.run(link);
            self.parts.gauge.open.fetch_sub(1, Ordering::Relaxed);
            let slot = self.slot;
            let wait = match ended {
                Ended::Stopping => return,
                Ended::Lost(reason, why) => {
                    log::warn!("Socket Mode connection {slot} lost ({why}); connecting again");
                    self.parts.metrics.socket_reconnect(reason);
                    self.backoff.wait()
                }
                Ended::Disabled => {
                    log::error!(
                        "Slack turned Socket Mode off for this app (link_disabled): turn it on \
                         again in the app's settings (Socket Mode), or unset SLACK_APP_TOKEN \
                         and give a Request URL; trying again every minute meanwhile"
                    );
                    self.parts.metrics.socket_reconnect("link_disabled");
                    BACKOFF_CAP
                }
            };
            if self.stop.sleep(wait) {
                return;
            }
        }
    }

    /// Starts opening a replacement beside, unless one is on its way.
    fn replace(&mut self) {
        if self.next.is_some() {
            return;
        }
        self.retry_next = None;
        let (slack, token, stop) = (
            self.parts.slack.clone(),
            self.token.clone(),
            self.stop.clone(),
        );
        match std::thread::Builder::new()
            .name(format!("socket-{}-next", self.slot))
            .spawn(move || connect(&slack, &token, &stop))
        {
            Ok(handle) => self.next = Some(handle),
            Err(err) => {
                log::warn!("Socket Mode: cannot open a replacement now: {err}");
                self.retry_next = Some(Instant::now() + self.backoff.wait());
            }
        }
    }

    /// The replacement, once it said hello. `wait`: wait for it to be done either way.
    fn replacement(&mut self, wait: bool) -> Option<Link> {
        let handle = self.next.take()?;
        if !wait && !handle.is_finished() {
            self.next = Some(handle);
            return None;
        }
        match handle.join() {
            Ok(Ok(link)) => {
                self.backoff.reset();
                Some(link)
            }
            Ok(Err(err)) => {
                log::warn!(
                    "Socket Mode connection {}: the replacement failed ({:#}); keeping the \
                     current one meanwhile",
                    self.slot,
                    err.error
                );
                self.retry_next = Some(Instant::now() + self.backoff.wait());
                None
            }
            Err(_) => None,
        }
    }

    /// Reads the replaced connections being closed, acknowledging what still comes on them.
    fn read_closing(&mut self) {
        let inbox = &self.parts.inbox;
        self.closing.retain_mut(|(link, until)| {
            if Instant::now() >= *until {
                return false;
            }
            match read_within(link, Duration::from_millis(10)) {
                Ok(Message::Text(text)) => {
                    if let Heard::Ack(ack) = hear(inbox, &text) {
                        let _ = link.send(Message::text(ack));
                    }
                    true
                }
                Ok(_) => true,
                Err(err) if timed_out(&err) => true,
                Err(_) => false,
            }
        });
    }

    /// Reads a connection, acknowledging every envelope, until it ends; a refresh swaps in
    /// the replacement once it said hello.
    fn run(&mut self, mut link: Link) -> Ended {
        let mut heard = Instant::now();
        let mut pinged = Instant::now();
        loop {
            if self.stop.requested() {
                close(&self.parts.inbox, link, STOP_CLOSE);
                return Ended::Stopping;
            }
            self.read_closing();
            if self.retry_next.is_some_and(|at| Instant::now() >= at) {
                self.replace();
            }
            if let Some(new) = self.replacement(false) {
                log::info!("Socket Mode connection {}: replaced", self.slot);
                let _ = link.close(None);
                self.closing.push((link, Instant::now() + CLOSE_GRACE));
                link = new;
                heard = Instant::now();
                pinged = Instant::now();
            }
            let lost = if heard.elapsed() > SILENT_FOR {
                Some((
                    "silent",
                    format!("no whole message from Slack for {SILENT_FOR:?}"),
                ))
            } else if pinged.elapsed() >= PING_EVERY {
                pinged = Instant::now();
                link.send(Message::Ping(Vec::new().into()))
                    .err()
                    .map(|err| ("lost", format!("sending a ping failed: {err}")))
            } else {
                None
            };
            let lost = lost.or_else(|| {
                let tick = if self.closing.is_empty() {
                    READ_TICK
                } else {
                    SHORT_TICK
                };
                match read_within(&mut link, tick) {
                    Ok(Message::Text(text)) => {
                        heard = Instant::now();
                        match hear(&self.parts.inbox, &text) {
                            Heard::Nothing => None,
                            Heard::Ack(ack) => link
                                .send(Message::text(ack))
                                .err()
                                .map(|err| ("lost", format!("acknowledging failed: {err}"))),
                            Heard::Disconnect(reason) => match reason.as_str() {
                                "link_disabled" => Some(("link_disabled", String::new())),
                                "too_many_websockets" => Some((
                                    "too_many_websockets",
                                    "Slack has too many connections for this app (at most \
                                     10; another serve with the same app token holds some)"
                                        .to_owned(),
                                )),
                                other => {
                                    let reason = if other == "warning" {
                                        "warning"
                                    } else {
                                        "refresh_requested"
                                    };
                                    log::info!(
                                        "Socket Mode connection {}: Slack asked for a new one \
                                         ({reason})",
                                        self.slot
                                    );
                                    self.parts.metrics.socket_reconnect(reason);
                                    self.replace();
                                    None
                                }
                            },
                        }
                    }
                    Ok(Message::Close(_)) => Some(("closed", "Slack closed it".to_owned())),
                    Ok(_) => {
                        heard = Instant::now();
                        None
                    }
                    Err(err) if timed_out(&err) => None,
                    Err(err) => Some(("lost", err.to_string())),
                }
            });
            let Some((reason, why)) = lost else {
                continue;
            };
            if reason == "link_disabled" {
                return Ended::Disabled;
            }
            // A replacement on its way takes over at once, with no backoff.
            if self.next.is_some() {
                if let Some(new) = self.replacement(true) {
                    log::info!(
                        "Socket Mode connection {}: {why}; its replacement takes over",
                        self.slot
                    );
                    link = new;
                    heard = Instant::now();
                    pinged = Instant::now();
                    continue;
                }
            }
            return Ended::Lost(reason, why);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_its_cap() {
        let mut backoff = Backoff::new();
        let waits: Vec<Duration> = (0..10).map(|_| backoff.wait()).collect();
        assert!(waits[0] >= Duration::from_millis(500) && waits[0] <= BACKOFF_FIRST);
        assert!(waits[3] >= Duration::from_secs(4) && waits[3] <= Duration::from_secs(8));
        assert!(waits.iter().all(|w| *w <= BACKOFF_CAP));
        assert!(waits[9] >= BACKOFF_CAP / 2);
        backoff.reset();
        assert!(backoff.wait() <= BACKOFF_FIRST);
    }
}
