//! Who a request comes from. Behind a TLS proxy every connection comes from the proxy's
//! address, so a request from a configured trusted proxy is taken as from the address its
//! `X-Forwarded-For` names: the last one that is not a trusted proxy itself (each proxy appends
//! the address it heard from, so only the entries the trusted proxies added can be believed).
//! From any other peer, the header is ignored: a client cannot name itself someone else.

use std::net::IpAddr;

use ipnet::IpNet;

/// The client's address: `peer`, or, when `peer` is a trusted proxy, the rightmost address in
/// `forwarded_for` that is not one (the leftmost when all are).
pub fn address(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |address: &IpAddr| trusted.iter().any(|net| net.contains(address));
    if !is_trusted(&peer) {
        return peer;
    }
    let Some(header) = forwarded_for else {
        return peer;
    };
    let mut client = peer;
    for entry in header.rsplit(',') {
        let Ok(address) = entry.trim().parse::<IpAddr>() else {
            // Not an address (garbage, or a proxy's obfuscated name): nothing left to believe.
            break;
        };
        client = address;
        if !is_trusted(&address) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn only_a_trusted_proxy_names_the_client() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()];
        // Straight from a client: the header is the client's own word, and not taken.
        assert_eq!(
            address(ip("203.0.113.7"), Some("198.51.100.1"), &trusted),
            ip("203.0.113.7")
        );
        // Through the proxy: the address it heard from.
        assert_eq!(
            address(ip("10.0.0.2"), Some("198.51.100.1"), &trusted),
            ip("198.51.100.1")
        );
        // A client that sends its own X-Forwarded-For: the proxy appends the real address,
        // which is the one taken.
        assert_eq!(
            address(ip("10.0.0.2"), Some("1.2.3.4, 198.51.100.1"), &trusted),
            ip("198.51.100.1")
        );
        // Two trusted proxies in a row.
        assert_eq!(
            address(ip("::1"), Some("198.51.100.1, 10.0.0.3"), &trusted),
            ip("198.51.100.1")
        );
        // No header, or garbage at the end: the proxy itself.
        assert_eq!(address(ip("10.0.0.2"), None, &trusted), ip("10.0.0.2"));
        assert_eq!(
            address(ip("10.0.0.2"), Some("198.51.100.1, unknown"), &trusted),
            ip("10.0.0.2")
        );
        // No proxy trusted: never the header.
        assert_eq!(
            address(ip("10.0.0.2"), Some("198.51.100.1"), &[]),
            ip("10.0.0.2")
        );
    }
}
