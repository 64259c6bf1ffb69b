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
//! Every read has a deadline of its own ([`Timed`]): a frame that trickles in a byte at a time
//! never holds the thread, so pings go out, silence is noticed and a stop is heard on time.
//!
//! Slack asks for a refresh every few hours (`disconnect` with `refresh_requested`, or a
//! `warning` before a cut). The replacement is opened beside (`socket-N-next`, one at a time
//! per connection) while the old one is still read and acknowledged; only when the new one has
//! said hello is the old one closed, and it is still read until Slack's close comes. A
//! replacement that fails is tried again after a backoff, the old connection working meanwhile.
//! A connection that breaks, or says nothing for 20 s, is opened again after a capped, jittered
//! backoff.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use crate::events::{self, SlashCommand};
use crate::serve::answer::Answer;
use crate::serve::config::SocketConfig;
use crate::serve::inbox::{Inbound, Inbox};
use crate::serve::metrics::{EventOutcome, Metrics};
use crate::signals::Stop;
use crate::slack::SlackClient;
use crate::tokens::{Token, TokenSource};

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

/// A TCP stream whose reads end at a deadline set before each read: when it passes, a read
/// says `WouldBlock` (tungstenite keeps what part of a frame it has and goes on next time),
/// however slowly bytes keep coming.
#[derive(Debug)]
struct Timed {
    tcp: TcpStream,
    until: Option<Instant>,
    /// The read timeout last set on the socket, to set it only when it changes much.
    timeout: Option<Duration>,
}

impl Timed {
    fn new(tcp: TcpStream) -> Timed {
        Timed {
            tcp,
            until: None,
            timeout: None,
        }
    }
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(until) = self.until {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ErrorKind::WouldBlock.into());
            }
            let left = left.max(Duration::from_millis(1));
            if self
                .timeout
                .is_none_or(|set| set.abs_diff(left) > Duration::from_millis(5))
            {
                self.tcp.set_read_timeout(Some(left))?;
                self.timeout = Some(left);
            }
        }
        self.tcp.read(buf)
    }
}

impl Write for Timed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tcp.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.tcp.flush()
    }
}

type Link = WebSocket<MaybeTlsStream<Timed>>;

/// Reads one message from `link`, waiting no longer than `wait` for it to be whole.
fn read_within(link: &mut Link, wait: Duration) -> tungstenite::Result<Message> {
    let until = Instant::now() + wait;
    match link.get_mut() {
        MaybeTlsStream::Plain(timed) => timed.until = Some(until),
        MaybeTlsStream::Rustls(tls) => tls.get_mut().until = Some(until),
        _ => {}
    }
    link.read()
}

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

/// What to do with one message from Slack.
enum Heard {
    Nothing,
    Ack(String),
    Disconnect(String),
}

/// Why connecting failed.
struct ConnectError {
    /// Slack refused the app token: waiting longer changes nothing soon.
    refused: bool,
    error: anyhow::Error,
}

impl From<anyhow::Error> for ConnectError {
    fn from(error: anyhow::Error) -> ConnectError {
        ConnectError {
            refused: false,
            error,
        }
    }
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

/// Asks Slack for a URL and connects to it, up to Slack's hello.
fn connect(slack: &SlackClient, token: &Token, stop: &Stop) -> Result<Link, ConnectError> {
    let url = slack
        .open_connection(token)
        .map_err(|err| match err.code() {
            Some(
                code @ ("invalid_auth"
                | "not_authed"
                | "not_allowed_token_type"
                | "token_revoked"
                | "missing_scope"
                | "account_inactive"),
            ) => ConnectError {
                refused: true,
                error: anyhow!(
                    "Slack refused SLACK_APP_TOKEN ({code}): create an app-level token with \
                     the connections:write scope in the app's Basic Information page (App-Level \
                     Tokens), set it, and restart; trying again every minute meanwhile"
                ),
            },
            _ => anyhow!("opening a Socket Mode connection failed: {err}").into(),
        })?;
    Ok(open_link(&url, slack.base().scheme() == "http", stop)?)
}

/// Connects to a Socket Mode URL, up to Slack's hello.
fn open_link(url: &str, plain_allowed: bool, stop: &Stop) -> Result<Link> {
    let parsed = url::Url::parse(url).map_err(|_| anyhow!("Slack gave no usable URL"))?;
    match parsed.scheme() {
        "wss" => {}
        "ws" if plain_allowed => {}
        _ => bail!(
            "Slack gave a {}:// URL for Socket Mode, not wss://",
            parsed.scheme()
        ),
    }
    let host = parsed.host_str().unwrap_or_default().to_owned();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let address = (host.as_str(), port)
        .to_socket_addrs()
        .with_context(|| format!("resolving {host}"))?
        .next()
        .ok_or_else(|| anyhow!("{host} has no address"))?;
    let tcp = TcpStream::connect_timeout(&address, CONNECT_TIMEOUT)
        .with_context(|| format!("connecting to {host}"))?;
    tcp.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let _ = tcp.set_nodelay(true);
    let started = Instant::now();
    let mut stream = Timed::new(tcp);
    // The handshake as a whole has the connect deadline, however slowly it trickles.
    stream.until = Some(started + CONNECT_TIMEOUT);
    let (mut link, _) = tungstenite::client_tls_with_config(url, stream, None, None)
        .map_err(|err| anyhow!("the Socket Mode handshake with {host} failed: {err}"))?;
    // Slack says hello first; nothing else is expected before it.
    loop {
        if stop.requested() {
            bail!("stopping");
        }
        if started.elapsed() > CONNECT_TIMEOUT {
            bail!("{host} said no hello within {CONNECT_TIMEOUT:?}");
        }
        match read_within(&mut link, READ_TICK) {
            Ok(Message::Text(text)) => {
                let message: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                match message["type"].as_str() {
                    Some("hello") => break,
                    Some("disconnect") => bail!(
                        "Slack closed the new connection at once ({})",
                        message["reason"].as_str().unwrap_or("no reason")
                    ),
                    _ => {}
                }
            }
            Ok(_) => {}
            Err(err) if timed_out(&err) => {}
            Err(err) => bail!("the Socket Mode connection to {host} broke: {err}"),
        }
    }
    log::info!("Socket Mode: connected to {host}");
    Ok(link)
}

fn timed_out(err: &tungstenite::Error) -> bool {
    matches!(err, tungstenite::Error::Io(io) if matches!(io.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut))
}

/// Closes a connection: envelopes still arriving are acknowledged until Slack's close comes
/// (or `grace` passes).
fn close(inbox: &Inbox, mut link: Link, grace: Duration) {
    let _ = link.close(None);
    let until = Instant::now() + grace;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match read_within(&mut link, left.min(READ_TICK)) {
            Ok(Message::Text(text)) => {
                if let Heard::Ack(ack) = hear(inbox, &text) {
                    let _ = link.send(Message::text(ack));
                }
            }
            Ok(_) => {}
            Err(err) if timed_out(&err) => {}
            Err(_) => break,
        }
    }
}

/// A Socket Mode message, its payload left unparsed (an event's is read once, by the same
/// reader as an HTTP body).
#[derive(serde::Deserialize)]
struct Incoming<'a> {
    #[serde(rename = "type", default)]
    kind: &'a str,
    #[serde(default)]
    envelope_id: Option<&'a str>,
    #[serde(default)]
    reason: Option<&'a str>,
    #[serde(borrow, default)]
    payload: Option<&'a serde_json::value::RawValue>,
    #[serde(default)]
    accepts_response_payload: bool,
    #[serde(default)]
    retry_attempt: Option<u64>,
}

/// The inbox's kind of message for an envelope's payload.
fn inbound(
    kind: &str,
    envelope_id: &str,
    payload: &str,
    retry: bool,
) -> Result<Inbound, events::ParseError> {
    let json = |payload: &str| {
        serde_json::from_str::<Value>(payload)
            .map_err(|err| events::ParseError::new(format!("payload: {err}")))
    };
    match kind {
        "events_api" => {
            let envelope = match events::parse(payload.as_bytes()) {
                Ok(events::Envelope::Other { .. }) | Err(_) => {
                    // Some deliveries carry the inner event alone.
                    let event = json(payload)?;
                    let body = json!({"type": "event_callback", "event_id": envelope_id,
                                      "team_id": event["team"], "event": event});
                    events::parse(body.to_string().as_bytes())?
                }
                Ok(envelope) => envelope,
            };
            Ok(Inbound::Event { envelope, retry })
        }
        "interactive" => Ok(Inbound::Interaction(json(payload)?)),
        _ => {
            let fields = json(payload)?;
            SlashCommand::from_fields(|name| fields[name].as_str().map(str::to_owned))
                .map(Inbound::Command)
                .ok_or_else(|| events::ParseError::new("a slash command without its command"))
        }
    }
}

/// What Slack sent, handed to the inbox; the acknowledgement to send, if any.
fn hear(inbox: &Inbox, text: &str) -> Heard {
    let started = Instant::now();
    let Ok(message) = serde_json::from_str::<Incoming<'_>>(text) else {
        log::warn!("Socket Mode: a message that is not JSON");
        return Heard::Nothing;
    };
    let kind = message.kind;
    if kind == "disconnect" {
        return Heard::Disconnect(message.reason.unwrap_or_default().to_owned());
    }
    let Some(envelope_id) = message.envelope_id else {
        log::debug!("Socket Mode: a {kind} message");
        return Heard::Nothing;
    };
    let label = match kind {
        "events_api" => "events_api",
        "interactive" => "interactive",
        "slash_commands" => "slash_commands",
        _ => {
            log::debug!("Socket Mode: acknowledged a {kind} envelope this version ignores");
            inbox.metrics().event(EventOutcome::Ignored);
            inbox.metrics().envelope("other", EventOutcome::Ignored);
            return Heard::Ack(json!({ "envelope_id": envelope_id }).to_string());
        }
    };
    let payload = message.payload.map_or("null", |p| p.get());
    let retry = message.retry_attempt.unwrap_or(0) > 0;
    let (outcome, answer) = match inbound(kind, envelope_id, payload, retry) {
        Ok(inbound) => inbox.dispatch(inbound),
        Err(err) => {
            log::warn!("Socket Mode: a {kind} envelope was not understood: {err}");
            (EventOutcome::Malformed, Answer::empty(400))
        }
    };
    inbox.metrics().event(outcome);
    inbox.metrics().envelope(label, outcome);
    inbox.ack_took(started.elapsed());
    // Busy: Slack delivers an unacknowledged event again.
    if answer.status == 503 && !answer.no_retry && kind == "events_api" {
        return Heard::Nothing;
    }
    let mut ack = json!({ "envelope_id": envelope_id });
    if message.accepts_response_payload
        && answer.status == 200
        && answer.content_type == "application/json"
    {
        if let Ok(payload) = serde_json::from_slice::<Value>(&answer.body) {
            ack["payload"] = payload;
        }
    }
    Heard::Ack(ack.to_string())
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
