//! What the client did, counted for logs and metrics.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use super::Method;

/// Counts of what the client did, for logs and metrics.
#[derive(Debug, Default)]
pub struct SlackStats {
    /// Calls by method and outcome (`200`, `429`, `500`, `network`).
    calls: Mutex<BTreeMap<(&'static str, String), u64>>,
    pub(super) rate_limit_waits: AtomicU64,
    pub(super) rate_limit_wait_millis: AtomicU64,
}

impl SlackStats {
    pub(super) fn count(&self, method: Method, status: String) {
        *self
            .calls
            .lock()
            .expect("stats lock")
            .entry((method.name(), status))
            .or_default() += 1;
    }

    /// Calls made, by (method, status).
    pub fn calls(&self) -> BTreeMap<(&'static str, String), u64> {
        self.calls.lock().expect("stats lock").clone()
    }

    /// Total calls of one method.
    pub fn calls_of(&self, method: Method) -> u64 {
        self.calls()
            .iter()
            .filter(|((m, _), _)| *m == method.name())
            .map(|(_, n)| n)
            .sum()
    }

    /// How often, and how long in all, calls waited because Slack said they were rate-limited.
    pub fn rate_limit_waits(&self) -> (u64, Duration) {
        (
            self.rate_limit_waits.load(Ordering::Relaxed),
            Duration::from_millis(self.rate_limit_wait_millis.load(Ordering::Relaxed)),
        )
    }
}
