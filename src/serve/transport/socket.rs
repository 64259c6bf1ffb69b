//! Socket Mode: serve opens the connections itself (`apps.connections.open` with the app-level
//! token, then a WebSocket), so Slack needs no public Request URL.
//!
//! Each of the configured connections is kept by its own thread. Every envelope (`events_api`,
//! `interactive`, `slash_commands`) goes to the same inbox as an HTTP request and is
//! acknowledged at once with `{"envelope_id"}`, plus the handler's answer as `payload` where
//! Slack takes one (a command's message, a modal's `response_action`). An event the queues have
//! no room for is left unacknowledged, so Slack delivers it again, as a 503 does over HTTP.
//!
//! Slack asks for a refresh every few hours (`disconnect` with `refresh_requested`, or a
//! `warning` before a cut): the new connection is opened, and says hello, before the old one is
//! closed, so there is no moment without one. A connection that breaks, or stops answering
//! pings for 20 s, is opened again after a capped, jittered backoff.

use std::io::ErrorKind;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use crate::events::{self, SlashCommand};
use crate::serve::inbox::Inbound;
use crate::serve::metrics::EventOutcome;
use crate::serve::{Answer, Service, SocketConfig};
use crate::signals::Stop;
use crate::tokens::{Token, TokenSource};

/// How often serve pings Slack, and how long it waits for any word before calling the
/// connection dead.
const PING_EVERY: Duration = Duration::from_secs(5);
const SILENT_FOR: Duration = Duration::from_secs(20);
/// How long reads wait, so pings and a stop are never late by more than this.
const READ_TICK: Duration = Duration::from_millis(250);
/// Connecting (TCP, TLS, the WebSocket handshake and Slack's hello) must take no longer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a closing connection is read for envelopes still on their way.
const CLOSE_GRACE: Duration = Duration::from_secs(2);
/// Backoff between attempts to connect: doubling from the first to the cap, with jitter.
const BACKOFF_FIRST: Duration = Duration::from_secs(1);
const BACKOFF_CAP: Duration = Duration::from_secs(60);

type Link = WebSocket<MaybeTlsStream<TcpStream>>;

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
    /// Slack asked for a new connection (`refresh_requested`, `warning`): open it first.
    Refresh(Link, &'static str),
    /// Broken (`lost`), silent (`silent`), or closed by Slack (`too_many_websockets`,
    /// `closed`): connect again after a backoff.
    Lost(&'static str, String),
    /// Socket Mode is off in the app's settings (`link_disabled`).
    Disabled,
    /// serve is stopping.
    Stopping(Link),
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

/// Starts the connection keepers; they return once `stop` is raised.
pub fn start(
    service: &'static Service,
    config: &SocketConfig,
    stop: &Stop,
) -> Result<Vec<std::thread::JoinHandle<()>>> {
    let token = Token {
        secret: config.app_token.clone(),
        source: TokenSource::AppToken,
        team: None,
    };
    service
        .socket
        .wanted
        .store(config.connections, Ordering::Relaxed);
    (0..config.connections)
        .map(|i| {
            let (token, stop) = (token.clone(), stop.clone());
            std::thread::Builder::new()
                .name(format!("socket-{i}"))
                .spawn(move || keep(service, i, &token, &stop))
                .context("starting a Socket Mode connection")
        })
        .collect()
}

/// Keeps one connection open until `stop`.
fn keep(service: &'static Service, slot: usize, token: &Token, stop: &Stop) {
    let mut backoff = Backoff::new();
    let mut ready: Option<Link> = None;
    loop {
        if stop.requested() {
            return;
        }
        let link = match ready.take() {
            Some(link) => link,
            None => match connect(service, token, stop) {
                Ok(link) => {
                    backoff.reset();
                    link
                }
                Err(err) => {
                    let wait = if err.refused {
                        // Not a passing failure: said loudly, then tried again only slowly.
                        log::error!("Socket Mode connection {slot}: {:#}", err.error);
                        service.metrics.socket_reconnect("refused");
                        BACKOFF_CAP
                    } else {
                        log::warn!("Socket Mode connection {slot}: {:#}", err.error);
                        backoff.wait()
                    };
                    if stop.sleep(wait) {
                        return;
                    }
                    continue;
                }
            },
        };
        service.socket.open.fetch_add(1, Ordering::Relaxed);
        let ended = run(service, link, stop);
        service.socket.open.fetch_sub(1, Ordering::Relaxed);
        match ended {
            Ended::Refresh(old, reason) => {
                log::info!("Socket Mode connection {slot}: Slack asked for a new one ({reason})");
                service.metrics.socket_reconnect(reason);
                // The new one first: the old one is read until it is closed.
                service.socket.open.fetch_add(1, Ordering::Relaxed);
                let new = connect(service, token, stop);
                service.socket.open.fetch_sub(1, Ordering::Relaxed);
                close(service, old);
                match new {
                    Ok(link) => ready = Some(link),
                    Err(err) => {
                        log::warn!("Socket Mode connection {slot}: {:#}", err.error);
                        if stop.sleep(backoff.wait()) {
                            return;
                        }
                    }
                }
            }
            Ended::Lost(reason, why) => {
                log::warn!("Socket Mode connection {slot} lost ({why}); connecting again");
                service.metrics.socket_reconnect(reason);
                if stop.sleep(backoff.wait()) {
                    return;
                }
            }
            Ended::Disabled => {
                log::error!(
                    "Slack turned Socket Mode off for this app (link_disabled): turn it on again \
                     in the app's settings (Socket Mode), or unset SLACK_APP_TOKEN and give a \
                     Request URL; trying again every minute meanwhile"
                );
                service.metrics.socket_reconnect("link_disabled");
                if stop.sleep(BACKOFF_CAP) {
                    return;
                }
            }
            Ended::Stopping(link) => {
                close(service, link);
                return;
            }
        }
    }
}

/// Asks Slack for a URL and connects to it, up to Slack's hello.
fn connect(service: &Service, token: &Token, stop: &Stop) -> Result<Link, ConnectError> {
    let url = service
        .engine
        .slack()
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
    Ok(open_link(
        &url,
        service.engine.slack().base().scheme() == "http",
        stop,
    )?)
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
    let stream = TcpStream::connect_timeout(&address, CONNECT_TIMEOUT)
        .with_context(|| format!("connecting to {host}"))?;
    stream.set_read_timeout(Some(CONNECT_TIMEOUT))?;
    stream.set_write_timeout(Some(CONNECT_TIMEOUT))?;
    let _ = stream.set_nodelay(true);
    let (mut link, _) = tungstenite::client_tls_with_config(url, stream, None, None)
        .map_err(|err| anyhow!("the Socket Mode handshake with {host} failed: {err}"))?;
    // Slack says hello first; nothing else is expected before it.
    let started = Instant::now();
    loop {
        if stop.requested() || started.elapsed() > CONNECT_TIMEOUT {
            bail!("{host} said no hello within {CONNECT_TIMEOUT:?}");
        }
        match link.read() {
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
            Err(err) => bail!("the Socket Mode connection to {host} broke: {err}"),
        }
    }
    let tcp = match link.get_ref() {
        MaybeTlsStream::Plain(tcp) => tcp,
        MaybeTlsStream::Rustls(tls) => tls.get_ref(),
        _ => bail!("an unexpected kind of stream"),
    };
    tcp.set_read_timeout(Some(READ_TICK))?;
    log::info!("Socket Mode: connected to {host}");
    Ok(link)
}

fn timed_out(err: &tungstenite::Error) -> bool {
    matches!(err, tungstenite::Error::Io(io) if matches!(io.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut))
}

/// Reads a connection, acknowledging every envelope, until it ends.
fn run(service: &Service, mut link: Link, stop: &Stop) -> Ended {
    let mut heard = Instant::now();
    let mut pinged = Instant::now();
    loop {
        if stop.requested() {
            return Ended::Stopping(link);
        }
        if heard.elapsed() > SILENT_FOR {
            return Ended::Lost("silent", format!("no word from Slack for {SILENT_FOR:?}"));
        }
        if pinged.elapsed() >= PING_EVERY {
            pinged = Instant::now();
            if let Err(err) = link.send(Message::Ping(Vec::new().into())) {
                return Ended::Lost("lost", format!("sending a ping failed: {err}"));
            }
        }
        match link.read() {
            Ok(Message::Text(text)) => {
                heard = Instant::now();
                match hear(service, &text) {
                    Heard::Nothing => {}
                    Heard::Ack(ack) => {
                        if let Err(err) = link.send(Message::text(ack)) {
                            return Ended::Lost("lost", format!("acknowledging failed: {err}"));
                        }
                    }
                    Heard::Disconnect(reason) => {
                        return match reason.as_str() {
                            "link_disabled" => Ended::Disabled,
                            "too_many_websockets" => Ended::Lost(
                                "too_many_websockets",
                                "Slack has too many connections for this app (at most 10; \
                                 another serve with the same app token holds some)"
                                    .to_owned(),
                            ),
                            "warning" => Ended::Refresh(link, "warning"),
                            _ => Ended::Refresh(link, "refresh_requested"),
                        }
                    }
                }
            }
            Ok(Message::Close(_)) => return Ended::Lost("closed", "Slack closed it".to_owned()),
            Ok(_) => heard = Instant::now(),
            Err(err) if timed_out(&err) => {}
            Err(err) => return Ended::Lost("lost", err.to_string()),
        }
    }
}

/// Closes a connection: envelopes still arriving are acknowledged until Slack's close comes
/// (or [`CLOSE_GRACE`] passes).
fn close(service: &Service, mut link: Link) {
    let _ = link.close(None);
    let started = Instant::now();
    while started.elapsed() < CLOSE_GRACE {
        match link.read() {
            Ok(Message::Text(text)) => {
                if let Heard::Ack(ack) = hear(service, &text) {
                    let _ = link.send(Message::text(ack));
                }
            }
            Ok(_) => {}
            Err(err) if timed_out(&err) => {}
            Err(_) => break,
        }
    }
}

/// What Slack sent, handed to the inbox; the acknowledgement to send, if any.
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
fn hear(service: &Service, text: &str) -> Heard {
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
            service.metrics.event(EventOutcome::Ignored);
            service.metrics.envelope("other", EventOutcome::Ignored);
            return Heard::Ack(json!({ "envelope_id": envelope_id }).to_string());
        }
    };
    let payload = message.payload.map_or("null", |p| p.get());
    let retry = message.retry_attempt.unwrap_or(0) > 0;
    let (outcome, answer) = match inbound(kind, envelope_id, payload, retry) {
        Ok(inbound) => service.dispatch(inbound),
        Err(err) => {
            log::warn!("Socket Mode: a {kind} envelope was not understood: {err}");
            (EventOutcome::Malformed, Answer::empty(400))
        }
    };
    service.metrics.event(outcome);
    service.metrics.envelope(label, outcome);
    service.ack_took(started.elapsed());
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
