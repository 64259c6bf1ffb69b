//! Code exchanges by client address. Each exchange costs Slack's shared budget for
//! `oauth.v2.access`, so junk redirects must stay bounded; but behind a TLS proxy, or an office's
//! one public address, a whole company connects from one address, and members must not pay for
//! junk. So only failed exchanges count against an address (a burst of them, then one now and
//! then), and an address has no more exchanges under way at once than it may still fail. The
//! total is bounded by Slack's own tier for `oauth.v2.access`, which the client paces, and by
//! the connections waiting to finish (see [`crate::oauth::connecting`]).
//!
//! Written by the threads that answer redirects (begin) and the app workers (end); one lock,
//! held only for the map.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed exchanges one address may have in a burst.
const FAILURES_BURST: f64 = 5.0;
/// How often an address earns another failure.
pub const FAILURE_EVERY: Duration = Duration::from_secs(12);
/// Addresses remembered at most (those that failed nothing lately are forgotten first).
const ADDRESSES: usize = 10_000;

#[derive(Debug)]
struct Address {
    /// Failures it may still have.
    failures: f64,
    at: Instant,
    /// Exchanges under way.
    under_way: u32,
}

impl Address {
    fn refill(&mut self, now: Instant) {
        let earned = now.duration_since(self.at).as_secs_f64() / FAILURE_EVERY.as_secs_f64();
        self.failures = (self.failures + earned).min(FAILURES_BURST);
        self.at = now;
    }

    /// Nothing to remember: no failure spent, nothing under way.
    fn idle(&self) -> bool {
        self.under_way == 0 && self.failures >= FAILURES_BURST
    }
}

/// Code exchanges by client address.
#[derive(Debug, Default)]
pub struct Exchanges {
    addresses: Mutex<HashMap<IpAddr, Address>>,
}

impl Exchanges {
    /// Starts an exchange for `client`; false when every exchange under way there, and this
    /// one, could not all fail within what it may still fail.
    pub fn begin(&self, client: IpAddr) -> bool {
        let now = Instant::now();
        let mut addresses = self.addresses.lock().expect("exchanges lock");
        if addresses.len() >= ADDRESSES && !addresses.contains_key(&client) {
            addresses.retain(|_, address| {
                address.refill(now);
                !address.idle()
            });
            if addresses.len() >= ADDRESSES {
                return false;
            }
        }
        let address = addresses.entry(client).or_insert(Address {
            failures: FAILURES_BURST,
            at: now,
            under_way: 0,
        });
        address.refill(now);
        if f64::from(address.under_way + 1) > address.failures {
            return false;
        }
        address.under_way += 1;
        true
    }

    /// An exchange [`Exchanges::begin`] started is over; `failed` when Slack refused its code
    /// (or it was replayed): that counts against the address.
    pub fn end(&self, client: IpAddr, failed: bool) {
        let now = Instant::now();
        let mut addresses = self.addresses.lock().expect("exchanges lock");
        let Some(address) = addresses.get_mut(&client) else {
            return;
        };
        address.refill(now);
        address.under_way = address.under_way.saturating_sub(1);
        if failed {
            address.failures = (address.failures - 1.0).max(0.0);
        }
        if address.idle() {
            addresses.remove(&client);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_connecting_from_one_address_all_connect_and_junk_gets_a_handful() {
        let exchanges = Exchanges::default();
        let office: IpAddr = "203.0.113.7".parse().unwrap();
        // A thousand members one after another, all from the office's one address.
        for _ in 0..1000 {
            assert!(exchanges.begin(office));
            exchanges.end(office, false);
        }
        // Junk from one address: a handful of exchanges, then none for a while.
        let junk: IpAddr = "198.51.100.9".parse().unwrap();
        let mut spent = 0;
        for _ in 0..100 {
            if exchanges.begin(junk) {
                spent += 1;
                exchanges.end(junk, true);
            }
        }
        assert_eq!(spent, FAILURES_BURST as usize);
        // All at once: no more under way than may fail.
        let burst: IpAddr = "198.51.100.10".parse().unwrap();
        let started = (0..100).filter(|_| exchanges.begin(burst)).count();
        assert_eq!(started, FAILURES_BURST as usize);
        // The office is not held up by either.
        assert!(exchanges.begin(office));
    }
}
