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
        .map_err(|err| match (err.fix(), err.code()) {
            (crate::slack::Fix::TokenDead, Some(code)) => ConnectError {
                refused: true,
                error: anyhow!(
                    "Slack refused SLACK_APP_TOKEN ({code}): create an app-level token with \
                     the connections:write scope in the app's Basic Information page (App-Level \
                     Tokens), set it, and restart; trying again every minute meanwhile"
                ),
            },
            (crate::slack::Fix::Setup, Some(code)) => ConnectError {
                refused: true,
                error: anyhow!(
                    "Slack refused to open a Socket Mode connection ({code}): turn Socket Mode \
                     on in the app's settings and give SLACK_APP_TOKEN the connections:write \
                     scope, then restart; trying again every minute meanwhile"
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
    let tcp = match proxy_for(&parsed) {
        Some(proxy) => tunnel(&proxy, &host, port)?,
        None => dial(&host, port)?,
    };
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

/// A TCP connection to `host:port`.
fn dial(host: &str, port: u16) -> Result<TcpStream> {
    let address = (host, port)
        .to_socket_addrs()
        .with_context(|| format!("resolving {host}"))?
        .next()
        .ok_or_else(|| anyhow!("{host} has no address"))?;
    TcpStream::connect_timeout(&address, CONNECT_TIMEOUT)
        .with_context(|| format!("connecting to {host}"))
}

/// The proxy the environment names for a Socket Mode URL, as for the Web API calls:
/// `HTTPS_PROXY` for `wss://` (`http_proxy` for a plain `ws://` one), `ALL_PROXY` else, none for
/// a host `NO_PROXY` lists.
fn proxy_for(url: &url::Url) -> Option<url::Url> {
    let mut as_http = url.clone();
    let scheme = if url.scheme() == "wss" {
        "https"
    } else {
        "http"
    };
    as_http.set_scheme(scheme).ok()?;
    env_proxy::for_url(&as_http).to_url()
}

/// A TCP connection to `host:port` through an HTTP proxy's `CONNECT` tunnel (with the proxy's
/// credentials from its URL, when it has some).
fn tunnel(proxy: &url::Url, host: &str, port: u16) -> Result<TcpStream> {
    let via = proxy.host_str().unwrap_or_default().to_owned();
    if proxy.scheme() != "http" {
        bail!(
            "the proxy {via} is given as {}://: Socket Mode goes through an http:// proxy's \
             CONNECT tunnel; give the proxy as http://host:port",
            proxy.scheme()
        );
    }
    let mut tcp = dial(&via, proxy.port_or_known_default().unwrap_or(8080))
        .with_context(|| format!("reaching the proxy {via}"))?;
    tcp.set_read_timeout(Some(CONNECT_TIMEOUT))?;
    tcp.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let mut request = format!("CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n");
    if !proxy.username().is_empty() {
        use base64::Engine;
        let decode = |part: &str| {
            percent_encoding::percent_decode_str(part)
                .decode_utf8_lossy()
                .into_owned()
        };
        let user = decode(proxy.username());
        let password = decode(proxy.password().unwrap_or_default());
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        request.push_str(&format!("Proxy-Authorization: Basic {credentials}\r\n"));
    }
    request.push_str("\r\n");
    tcp.write_all(request.as_bytes())
        .with_context(|| format!("asking the proxy {via} for a tunnel"))?;
    // The proxy's answer, up to its blank line: nothing of the tunnel is read past it.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 8 * 1024 || tcp.read(&mut byte)? == 0 {
            bail!("the proxy {via} closed the connection instead of opening a tunnel to {host}");
        }
        head.push(byte[0]);
    }
    let status_line = String::from_utf8_lossy(&head);
    let status = status_line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    if !status.starts_with('2') {
        bail!(
            "the proxy {via} refused a tunnel to {host}:{port} (HTTP {status}): allow CONNECT to \
             Slack's Socket Mode hosts, or list them in NO_PROXY"
        );
    }
    tcp.set_read_timeout(None)?;
    Ok(tcp)
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
