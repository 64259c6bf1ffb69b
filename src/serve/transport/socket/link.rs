//! One Socket Mode connection: asking Slack for its URL, connecting up to Slack's hello, reads
//! with a deadline of their own, and closing while still acknowledging what arrives.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use super::envelope::{hear, Heard};
use super::{CONNECT_TIMEOUT, READ_TICK, WRITE_TIMEOUT};
use crate::serve::inbox::Inbox;
use crate::signals::Stop;
use crate::slack::SlackClient;
use crate::tokens::Token;

/// A TCP stream whose reads end at a deadline set before each read: when it passes, a read
/// says `WouldBlock` (tungstenite keeps what part of a frame it has and goes on next time),
/// however slowly bytes keep coming.
#[derive(Debug)]
pub(super) struct Timed {
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

pub(super) type Link = WebSocket<MaybeTlsStream<Timed>>;

/// Reads one message from `link`, waiting no longer than `wait` for it to be whole.
pub(super) fn read_within(link: &mut Link, wait: Duration) -> tungstenite::Result<Message> {
    let until = Instant::now() + wait;
    match link.get_mut() {
        MaybeTlsStream::Plain(timed) => timed.until = Some(until),
        MaybeTlsStream::Rustls(tls) => tls.get_mut().until = Some(until),
        _ => {}
    }
    link.read()
}

/// Why connecting failed.
pub(super) struct ConnectError {
    /// Slack refused the app token: waiting longer changes nothing soon.
    pub refused: bool,
    pub error: anyhow::Error,
}

impl From<anyhow::Error> for ConnectError {
    fn from(error: anyhow::Error) -> ConnectError {
        ConnectError {
            refused: false,
            error,
        }
    }
}

/// Asks Slack for a URL and connects to it, up to Slack's hello.
pub(super) fn connect(
    slack: &SlackClient,
    token: &Token,
    stop: &Stop,
) -> Result<Link, ConnectError> {
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

pub(super) fn timed_out(err: &tungstenite::Error) -> bool {
    matches!(err, tungstenite::Error::Io(io) if matches!(io.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut))
}

/// Closes a connection: envelopes still arriving are acknowledged until Slack's close comes
/// (or `grace` passes).
pub(super) fn close(inbox: &Inbox, mut link: Link, grace: Duration) {
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
