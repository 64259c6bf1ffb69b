//! Downloads from URLs somebody else typed (a presets file, `POST /onboard`), made safe to
//! follow: a download never reaches a private, loopback, link-local, unique-local or metadata
//! address. The address is checked where the connection is made (every name is resolved by
//! [`PublicOnly`], which drops every address that is not public, and literal addresses are
//! checked before the request), after every redirect (at most [`MAX_REDIRECTS`], never from
//! https to http), and no proxy from the environment is used (it would resolve names for us).
//!
//! A failed download says why (no public address, connection refused, TLS, timeout, an HTTP
//! status, too large), so whoever typed the URL knows what to fix. What is never told apart is
//! what lies on a private network: every address that is not public, reached directly, by a
//! name that resolves only to private addresses, or through a redirect, reads as one refusal,
//! before any connection to it is made, so the messages cannot be used to scan a network.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect::Policy;
use url::{Host, Url};

/// Redirects followed at most.
pub const MAX_REDIRECTS: usize = 3;

/// How long a download may take, and its connection.
const TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether an address is one a download may reach: not loopback, private, link-local (the
/// cloud metadata services live there: 169.254.169.254, fd00:ec2::254), unique-local,
/// shared (CGNAT), unspecified, broadcast, multicast, documentation, benchmarking or reserved.
/// IPv4 inside IPv6 (mapped, compatible, NAT64) is judged as the IPv4 address it carries.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0                                  // "this network"
        || (a == 100 && (64..128).contains(&b))    // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0)          // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19))      // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let segments = ip.segments();
    // IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::/96) carry an IPv4 address.
    if segments[..6] == [0; 6] || segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let v4 = Ipv4Addr::new(
            (segments[6] >> 8) as u8,
            segments[6] as u8,
            (segments[7] >> 8) as u8,
            segments[7] as u8,
        );
        return !ip.is_unspecified() && !ip.is_loopback() && is_public_v4(v4);
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (segments[0] & 0xfe00) == 0xfc00        // unique local fc00::/7 (fd00:ec2::254)
        || (segments[0] & 0xffc0) == 0xfe80        // link-local fe80::/10
        || (segments[0] & 0xffc0) == 0xfec0        // site-local (deprecated) fec0::/10
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
        || (segments[0] == 0x0100 && segments[1..4] == [0, 0, 0])) // discard-only 100::/64
}

/// Resolves names, keeping only public addresses: a name that resolves only to private ones
/// fails to resolve.
#[derive(Debug, Clone, Copy)]
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| is_public(addr.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("{host} {NO_PUBLIC_ADDRESS}").into());
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// Why a download did not give its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// Not a URL a download may reach: not https, or an address that is not public (directly,
    /// through a name, or through a redirect), or not one of Slack's hosts for a profile photo.
    /// All read the same: nothing on a private network can be told apart.
    Refused,
    /// The name does not resolve (to a public address).
    NoAddress,
    /// The server refused the connection.
    ConnectionRefused,
    /// The TLS handshake failed (a certificate not valid for the name, expired, untrusted).
    Tls,
    /// No answer in time.
    Timeout,
    /// Too many redirects, or one from https to http.
    Redirects,
    /// The server answered with this HTTP status.
    Status(u16),
    /// The connection broke off.
    Broken,
    /// Arrived, but larger than the limit.
    TooLarge { limit: u64 },
}

impl FetchError {
    /// What a failed request was, from reqwest's error and its causes.
    fn of(err: &reqwest::Error) -> FetchError {
        let mut causes = Vec::new();
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
        while let Some(cause) = source {
            if let Some(io) = cause.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::ConnectionRefused {
                    return FetchError::ConnectionRefused;
                }
                if io.kind() == std::io::ErrorKind::TimedOut {
                    return FetchError::Timeout;
                }
            }
            causes.push(cause.to_string().to_lowercase());
            source = cause.source();
        }
        let said = |words: &[&str]| causes.iter().any(|c| words.iter().any(|w| c.contains(w)));
        if said(&[NOT_PUBLIC]) {
            FetchError::Refused
        } else if err.is_timeout() {
            FetchError::Timeout
        } else if err.is_redirect() {
            FetchError::Redirects
        } else if said(&[
            NO_PUBLIC_ADDRESS,
            "dns error",
            "failed to lookup",
            "name or service",
        ]) {
            FetchError::NoAddress
        } else if said(&[
            "certificate",
            "tls",
            "handshake",
            "corrupt message",
            "peer sent",
        ]) {
            FetchError::Tls
        } else if said(&["connection refused"]) {
            FetchError::ConnectionRefused
        } else {
            FetchError::Broken
        }
    }
}

/// What the redirect policy and the resolver say, read back by [`FetchError::of`].
const NOT_PUBLIC: &str = "not public";
const NO_PUBLIC_ADDRESS: &str = "has no public address";

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the download failed: ")?;
        match self {
            FetchError::Refused => f.write_str(
                "it must be a public https:// URL (private and local addresses are never \
                 fetched, nor redirects to them); use a public https:// URL of the picture",
            ),
            FetchError::NoAddress => f.write_str(
                "the name does not resolve to a public address (DNS); check the host name",
            ),
            FetchError::ConnectionRefused => f.write_str(
                "the server refused the connection; check the host and port, and that the \
                 server is up",
            ),
            FetchError::Tls => f.write_str(
                "the TLS handshake failed (a certificate that is not valid for the name, \
                 expired or not trusted, or no TLS on that port); check the URL in a browser",
            ),
            FetchError::Timeout => f.write_str(
                "no answer within 30 s (timeout); try again, or use a picture from another host",
            ),
            FetchError::Redirects => f.write_str(
                "too many redirects (at most 3), or one from https:// to http://; use the \
                 picture's own URL",
            ),
            FetchError::Status(status) => write!(
                f,
                "the server answered HTTP {status}; check the URL in a browser"
            ),
            FetchError::Broken => f.write_str("the connection broke off; try again"),
            FetchError::TooLarge { limit } => write!(
                f,
                "it is over the {limit}-byte limit; use a smaller picture"
            ),
        }
    }
}

impl std::error::Error for FetchError {}

/// What a [`Fetcher`] may reach besides public https:// addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Public https:// addresses only (input from the network: `POST /onboard`).
    PublicHttps,
    /// Also a plain `http://` URL on a loopback address when that is the URL the user typed
    /// (a presets file at a terminal); it is fetched with no redirect at all.
    AlsoTypedLoopback,
}

/// Downloads with the rules above.
#[derive(Debug, Clone)]
pub struct Fetcher {
    public: reqwest::blocking::Client,
    /// For typed loopback URLs: no redirects, no custom resolver (the address is checked).
    loopback: Option<reqwest::blocking::Client>,
    /// Only these hosts (members' profile photos: Slack's own image hosts), when set.
    only: Option<SlackImages>,
}

/// Where members' profile photos may come from: Slack's own image hosts over https, and the
/// origin of the configured Slack API (`--slack-api-url`: a proxy or a stand-in the operator
/// already trusts with tokens).
#[derive(Debug, Clone)]
struct SlackImages {
    api_origin: url::Origin,
}

/// Slack's image hosts (avatars.slack-edge.com, ca.slack-edge.com, …).
const SLACK_IMAGE_HOSTS: [&str; 3] = ["slack-edge.com", "slack.com", "slack-gov.com"];

impl SlackImages {
    fn allows(&self, url: &Url) -> bool {
        if url.origin() == self.api_origin {
            return true;
        }
        url.scheme() == "https"
            && url.host_str().is_some_and(|host| {
                SLACK_IMAGE_HOSTS
                    .iter()
                    .any(|slack| host == *slack || host.ends_with(&format!(".{slack}")))
            })
    }
}

fn builder() -> reqwest::blocking::ClientBuilder {
    reqwest::blocking::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .no_proxy()
        .user_agent(concat!("statusinator/", env!("CARGO_PKG_VERSION")))
}

/// Whether a URL (the first or one redirected to) may be fetched by the public client.
fn public_url(url: &Url) -> bool {
    if url.scheme() != "https" {
        return false;
    }
    match url.host() {
        Some(Host::Ipv4(ip)) => is_public(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_public(IpAddr::V6(ip)),
        // Names are checked where they resolve.
        Some(Host::Domain(_)) => true,
        None => false,
    }
}

/// A typed `http(s)://` URL on a loopback address (`localhost`, 127.0.0.0/8, ::1).
fn typed_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

impl Fetcher {
    pub fn new(reach: Reach) -> Result<Fetcher> {
        let redirects = Policy::custom(|attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else if !public_url(attempt.url()) {
                attempt.error("a redirect to an address that is not public")
            } else {
                attempt.follow()
            }
        });
        let public = builder()
            .redirect(redirects)
            .dns_resolver(Arc::new(PublicOnly))
            .build()
            .context("setting up the HTTP client for downloads")?;
        let loopback = match reach {
            Reach::PublicHttps => None,
            Reach::AlsoTypedLoopback => Some(
                builder()
                    .redirect(Policy::none())
                    .build()
                    .context("setting up the HTTP client for downloads")?,
            ),
        };
        Ok(Fetcher {
            public,
            loopback,
            only: None,
        })
    }

    /// A fetcher for members' profile photos: Slack's image hosts only (and the Slack API's
    /// own origin), with no redirect.
    pub fn slack_images(api_base: &Url) -> Result<Fetcher> {
        let direct = builder()
            .redirect(Policy::none())
            .build()
            .context("setting up the HTTP client for profile photos")?;
        let public = builder()
            .redirect(Policy::none())
            .dns_resolver(Arc::new(PublicOnly))
            .build()
            .context("setting up the HTTP client for profile photos")?;
        Ok(Fetcher {
            public,
            loopback: Some(direct),
            only: Some(SlackImages {
                api_origin: api_base.origin(),
            }),
        })
    }

    /// The body of `url`, at most `limit` bytes.
    pub fn get(&self, url: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
        self.fetch(url, limit, None)
    }

    /// The body of a file Slack keeps private (`url_private_download`), with the bot's token
    /// as `Authorization: Bearer`; only from Slack's own hosts, never following a redirect
    /// (Slack redirects a request it refuses to a sign-in page).
    pub fn get_private(
        &self,
        url: &str,
        limit: u64,
        token: &crate::slack::Token,
    ) -> Result<Vec<u8>, FetchError> {
        if self.only.is_none() {
            return Err(FetchError::Refused);
        }
        self.fetch(url, limit, Some(token))
    }

    fn fetch(
        &self,
        url: &str,
        limit: u64,
        token: Option<&crate::slack::Token>,
    ) -> Result<Vec<u8>, FetchError> {
        let url = Url::parse(url).map_err(|_| FetchError::Refused)?;
        let client = if let Some(only) = &self.only {
            if !only.allows(&url) {
                return Err(FetchError::Refused);
            }
            if url.origin() == only.api_origin {
                self.loopback.as_ref().expect("set with only")
            } else {
                &self.public
            }
        } else if public_url(&url) {
            &self.public
        } else {
            match &self.loopback {
                Some(client) if typed_loopback(&url) => client,
                _ => return Err(FetchError::Refused),
            }
        };
        let mut request = client.get(url);
        if let Some(token) = token {
            request = request.bearer_auth(token.secret.expose());
        }
        let response = request.send().map_err(|err| FetchError::of(&err))?;
        if response.status().is_redirection() {
            // A redirect not followed (a typed loopback URL, a profile photo) may point
            // anywhere: it reads as the refusal of a redirect to a private address does.
            return Err(FetchError::Refused);
        }
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        if response.content_length().unwrap_or(0) > limit {
            return Err(FetchError::TooLarge { limit });
        }
        let mut bytes = Vec::new();
        response
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|err| match err.kind() {
                std::io::ErrorKind::TimedOut => FetchError::Timeout,
                _ => FetchError::Broken,
            })?;
        if bytes.len() as u64 > limit {
            return Err(FetchError::TooLarge { limit });
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "0.1.2.3",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fe80::1",
            "fec0::1",
            "fc00::1",
            "fd00:ec2::254",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "100::1",
        ] {
            let ip: IpAddr = private.parse().unwrap();
            assert!(!is_public(ip), "{private} must not be public");
        }
        for public in [
            "1.1.1.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "52.95.110.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            let ip: IpAddr = public.parse().unwrap();
            assert!(is_public(ip), "{public} is public");
        }
    }

    #[test]
    fn urls_to_refuse_before_any_connection() {
        for url in [
            "http://example.com/a.png",
            "https://169.254.169.254/latest/meta-data/",
            "https://[::ffff:a9fe:a9fe]/x",
            "https://10.0.0.1/a.png",
            "https://2130706433/a.png",
            "https://0x7f.1/a.png",
            "ftp://example.com/a.png",
        ] {
            assert!(
                !public_url(&Url::parse(url).unwrap()),
                "{url} must be refused"
            );
        }
        assert!(public_url(
            &Url::parse("https://example.com/a.png").unwrap()
        ));
        assert!(typed_loopback(
            &Url::parse("http://127.0.0.1:8080/a.png").unwrap()
        ));
        assert!(!typed_loopback(
            &Url::parse("http://0.0.0.0:8080/a.png").unwrap()
        ));
    }

    #[test]
    fn each_failure_says_why_and_private_addresses_read_as_one() {
        let fetcher = Fetcher::new(Reach::AlsoTypedLoopback).unwrap();
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        assert_eq!(
            fetcher.get(&format!("http://127.0.0.1:{port}/a.png"), 10),
            Err(FetchError::ConnectionRefused)
        );
        // A plain HTTP server asked for TLS.
        let plain = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = plain.local_addr().unwrap().port();
        let answer = std::thread::spawn(move || {
            use std::io::Write;
            let (mut conn, _) = plain.accept().unwrap();
            let _ = conn.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
        });
        assert_eq!(
            fetcher.get(&format!("https://127.0.0.1:{port}/a.png"), 10),
            Err(FetchError::Tls)
        );
        answer.join().unwrap();
        let public = Fetcher::new(Reach::PublicHttps).unwrap();
        for url in [
            "http://127.0.0.1:1/a.png",
            "https://169.254.169.254/",
            "https://10.1.2.3/a.png",
            "not a url",
        ] {
            assert_eq!(public.get(url, 10), Err(FetchError::Refused), "{url}");
        }
        // A name with no public address: one that does not exist, or one that is private.
        assert_eq!(
            public.get("https://localhost/a.png", 10),
            Err(FetchError::NoAddress)
        );
        assert!(FetchError::Status(404).to_string().contains("HTTP 404"));
    }

    #[test]
    fn profile_photos_come_only_from_slacks_image_hosts_or_the_api_itself() {
        let only = SlackImages {
            api_origin: Url::parse("http://127.0.0.1:4000/api/").unwrap().origin(),
        };
        for ok in [
            "https://avatars.slack-edge.com/2026-01-01/1_original.jpg",
            "https://ca.slack-edge.com/T1-U1-abc-512",
            "http://127.0.0.1:4000/avatars/U1/abc.img",
        ] {
            assert!(only.allows(&Url::parse(ok).unwrap()), "{ok}");
        }
        for refused in [
            "http://avatars.slack-edge.com/x.jpg",
            "https://evil-slack-edge.com/x.jpg",
            "https://slack-edge.com.evil.com/x.jpg",
            "https://secure.gravatar.com/avatar/x.jpg",
            "http://127.0.0.1:4001/avatars/U1/abc.img",
            "https://169.254.169.254/latest/meta-data/",
        ] {
            assert!(!only.allows(&Url::parse(refused).unwrap()), "{refused}");
        }
    }
}
