//! Who holds a connection, so that nobody can hold them all. Every accepted connection is
//! registered with its peer's address, when it was last active and whether a request of it is
//! being answered. The listener always accepts; a newcomer finds room because:
//!
//! - one address holds at most `per_peer` connections: past that, that address's own oldest
//!   idle connection is shed (or, when all of its connections are busy, the newcomer is);
//! - past `max` connections in all, the oldest idle connection of any address is shed;
//! - under pressure (more than half of either bound in use), a connection idle for longer than
//!   [`PRESSURE_IDLE`] is shed by [`Registry::shed_idle`], so keep-alive clients and slow
//!   header senders cannot sit on slots they do not use; an address holding at most [`FEW`]
//!   connections (Slack, a member's browser) keeps its own.
//!
//! Shedding asks the connection to close once its current answer is written (hyper's graceful
//! shutdown); a connection that cannot even do that (a client that never reads) is dropped
//! after [`SHED_GRACE`].

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::serve::metrics::Counts;

/// Under pressure, a connection idle this long is shed.
pub const PRESSURE_IDLE: Duration = Duration::from_secs(1);

/// Under pressure, the idle connections of an address holding at most this many are kept.
pub const FEW: usize = 8;

/// A shed connection gets this long to finish the answer it is writing.
pub const SHED_GRACE: Duration = Duration::from_secs(1);

/// One connection's state, shared by its task and the registry.
#[derive(Debug)]
pub struct Connection {
    id: u64,
    peer: IpAddr,
    /// Milliseconds since the registry's start at the last request answered (or the accept).
    last_active: AtomicU64,
    /// A request of it is being answered.
    busy: AtomicBool,
    /// Raised when the registry sheds it.
    pub shed: Notify,
}

impl Connection {
    /// The client's address.
    pub fn peer(&self) -> IpAddr {
        self.peer
    }

    /// A request arrived: the connection is not idle until it is answered.
    pub fn begin(&self) {
        self.busy.store(true, Ordering::Relaxed);
    }

    /// The request was answered at `now_ms` (from [`Registry::now_ms`]).
    pub fn end(&self, now_ms: u64) {
        self.last_active.store(now_ms, Ordering::Relaxed);
        self.busy.store(false, Ordering::Relaxed);
    }

    fn idle_since(&self) -> Option<u64> {
        (!self.busy.load(Ordering::Relaxed)).then(|| self.last_active.load(Ordering::Relaxed))
    }
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    open: HashMap<u64, Arc<Connection>>,
    per_peer: HashMap<IpAddr, usize>,
    /// Connections shed or refused since start, for `/metrics`.
    shed: u64,
    refused: u64,
}

impl Inner {
    fn remove(&mut self, id: u64) -> Option<Arc<Connection>> {
        let connection = self.open.remove(&id)?;
        if let Some(count) = self.per_peer.get_mut(&connection.peer) {
            *count -= 1;
            if *count == 0 {
                self.per_peer.remove(&connection.peer);
            }
        }
        Some(connection)
    }

    /// The idle connection (of `peer`, or of anyone) that was active longest ago.
    fn oldest_idle(&self, peer: Option<IpAddr>) -> Option<u64> {
        self.open
            .values()
            .filter(|c| peer.is_none_or(|p| c.peer == p))
            .filter_map(|c| Some((c.idle_since()?, c.id)))
            .min()
            .map(|(_, id)| id)
    }

    fn shed(&mut self, id: u64) {
        if let Some(connection) = self.remove(id) {
            self.shed += 1;
            connection.shed.notify_one();
        }
    }
}

/// Every open connection.
#[derive(Debug)]
pub struct Registry {
    max: usize,
    per_peer: usize,
    started: Instant,
    inner: Mutex<Inner>,
}

impl Registry {
    pub fn new(max: usize, per_peer: usize) -> Registry {
        Registry {
            max: max.max(1),
            per_peer: per_peer.clamp(1, max.max(1)),
            started: Instant::now(),
            inner: Mutex::new(Inner::default()),
        }
    }

    pub fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("connections lock")
    }

    /// Registers a new connection from `peer`, making room as the module says; `None` when
    /// there is no room to make (every connection of that address, or of everyone, is busy).
    pub fn admit(&self, peer: IpAddr) -> Option<Arc<Connection>> {
        let mut inner = self.lock();
        if inner.per_peer.get(&peer).copied().unwrap_or(0) >= self.per_peer {
            match inner.oldest_idle(Some(peer)) {
                Some(victim) => inner.shed(victim),
                None => {
                    inner.refused += 1;
                    return None;
                }
            }
        }
        if inner.open.len() >= self.max {
            match inner.oldest_idle(None) {
                Some(victim) => inner.shed(victim),
                None => {
                    inner.refused += 1;
                    return None;
                }
            }
        }
        inner.next_id += 1;
        let connection = Arc::new(Connection {
            id: inner.next_id,
            peer,
            last_active: AtomicU64::new(self.now_ms()),
            busy: AtomicBool::new(false),
            shed: Notify::new(),
        });
        inner.open.insert(connection.id, connection.clone());
        *inner.per_peer.entry(peer).or_default() += 1;
        Some(connection)
    }

    /// The connection closed (on its own, or after being shed).
    pub fn closed(&self, connection: &Connection) {
        self.lock().remove(connection.id);
    }

    /// Under pressure, sheds every connection idle for longer than [`PRESSURE_IDLE`]. Returns
    /// how many it shed.
    pub fn shed_idle(&self) -> usize {
        let mut inner = self.lock();
        let busiest_peer = inner.per_peer.values().copied().max().unwrap_or(0);
        let pressed = inner.open.len() * 2 > self.max || busiest_peer * 2 > self.per_peer;
        if !pressed {
            return 0;
        }
        let cutoff = self
            .now_ms()
            .saturating_sub(PRESSURE_IDLE.as_millis() as u64);
        // An address holding only a few connections (Slack, a browser) is left alone: the
        // pressure comes from those holding many, and a fresh client whose request this busy
        // process has not read yet must not be taken for an idle one.
        let idle: Vec<u64> = inner
            .open
            .values()
            .filter(|c| inner.per_peer.get(&c.peer).copied().unwrap_or(0) > FEW)
            .filter(|c| c.idle_since().is_some_and(|since| since < cutoff))
            .map(|c| c.id)
            .collect();
        for id in &idle {
            inner.shed(*id);
        }
        idle.len()
    }

    pub fn counts(&self) -> Counts {
        let inner = self.lock();
        Counts {
            open: inner.open.len(),
            shed: inner.shed,
            refused: inner.refused,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    #[test]
    fn one_address_past_its_cap_loses_its_oldest_idle_connection() {
        let registry = Registry::new(100, 3);
        let first = registry.admit(ip(2)).unwrap();
        let second = registry.admit(ip(2)).unwrap();
        let third = registry.admit(ip(2)).unwrap();
        second.begin();
        // A fourth from the same address sheds the oldest idle one: the first.
        let fourth = registry.admit(ip(2)).unwrap();
        assert_eq!(registry.counts().open, 3);
        assert_eq!(registry.counts().shed, 1);
        // Another address is not touched by any of it.
        let other = registry.admit(ip(1)).unwrap();
        assert_eq!(registry.counts().open, 4);
        // When every connection of the address is busy, the newcomer is refused.
        third.begin();
        fourth.begin();
        assert!(registry.admit(ip(2)).is_none());
        assert_eq!(registry.counts().refused, 1);
        registry.closed(&first);
        registry.closed(&other);
        assert_eq!(registry.counts().open, 3);
    }

    #[test]
    fn past_the_total_the_oldest_idle_of_anyone_goes() {
        let registry = Registry::new(2, 2);
        let a = registry.admit(ip(2)).unwrap();
        let _b = registry.admit(ip(3)).unwrap();
        let _c = registry.admit(ip(4)).unwrap();
        assert_eq!(
            registry.counts(),
            Counts {
                open: 2,
                shed: 1,
                refused: 0
            }
        );
        // `a` was shed: closing it later changes nothing.
        registry.closed(&a);
        assert_eq!(registry.counts().open, 2);
    }

    #[test]
    fn idle_connections_are_shed_only_under_pressure_and_not_an_addresss_few() {
        let registry = Registry::new(40, 40);
        let quiet: Vec<_> = (0..10).map(|_| registry.admit(ip(2)).unwrap()).collect();
        for c in &quiet {
            c.end(0);
        }
        let slack = registry.admit(ip(1)).unwrap();
        std::thread::sleep(PRESSURE_IDLE + Duration::from_millis(50));
        assert_eq!(registry.shed_idle(), 0, "no pressure: idle is fine");
        let more: Vec<_> = (0..10).map(|_| registry.admit(ip(3)).unwrap()).collect();
        for c in &more {
            c.begin();
        }
        // 21 of 40: the idle ones of the address holding many go; Slack's one stays.
        assert_eq!(registry.shed_idle(), 10);
        assert_eq!(registry.counts().open, 11);
        registry.closed(&slack);
        assert_eq!(registry.counts().open, 10);
    }
}
