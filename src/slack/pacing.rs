//! Client-side pacing: one token bucket per Web API method, sized to the method's Slack tier
//! (a minute's budget, refilled evenly), plus the pause Slack demands after a 429. Calls wait here
//! instead of walking into a storm of rate-limit answers.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Method;

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
    /// No call before this instant (Slack's `Retry-After`).
    paused_until: Option<Instant>,
}

/// Per-method pacing shared by every thread of a process.
#[derive(Debug)]
pub struct Pacer {
    enabled: bool,
    buckets: Mutex<HashMap<Method, Bucket>>,
}

impl Pacer {
    pub fn new(enabled: bool) -> Self {
        Pacer {
            enabled,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until `method` may be called, and takes its turn.
    pub fn acquire(&self, method: Method) {
        loop {
            let wait = self.try_acquire(method, Instant::now());
            match wait {
                None => return,
                Some(wait) => std::thread::sleep(wait),
            }
        }
    }

    /// Takes a turn now (`None`) or says how long to wait.
    fn try_acquire(&self, method: Method, now: Instant) -> Option<Duration> {
        let per_minute = f64::from(method.per_minute());
        let mut buckets = self.buckets.lock().expect("pacer lock");
        let bucket = buckets.entry(method).or_insert(Bucket {
            tokens: per_minute,
            last: now,
            paused_until: None,
        });
        if let Some(until) = bucket.paused_until {
            if until > now {
                return Some(until - now);
            }
            bucket.paused_until = None;
        }
        if !self.enabled {
            return None;
        }
        let refill = now.duration_since(bucket.last).as_secs_f64() * per_minute / 60.0;
        bucket.tokens = (bucket.tokens + refill).min(per_minute);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64(
                (1.0 - bucket.tokens) * 60.0 / per_minute,
            ))
        }
    }

    /// Slack said to wait: no call of `method` from any thread before `wait` has passed.
    pub fn pause(&self, method: Method, wait: Duration) {
        let until = Instant::now() + wait;
        let mut buckets = self.buckets.lock().expect("pacer lock");
        let bucket = buckets.entry(method).or_insert(Bucket {
            tokens: 0.0,
            last: Instant::now(),
            paused_until: None,
        });
        bucket.paused_until = Some(bucket.paused_until.map_or(until, |u| u.max(until)));
        bucket.tokens = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minutes_budget_goes_at_once_then_calls_are_spaced() {
        let pacer = Pacer::new(true);
        let start = Instant::now();
        for _ in 0..Method::SetPhoto.per_minute() {
            assert_eq!(pacer.try_acquire(Method::SetPhoto, start), None);
        }
        let wait = pacer.try_acquire(Method::SetPhoto, start).unwrap();
        assert_eq!(wait, Duration::from_secs(3), "tier 2: 20 a minute");
        assert_eq!(pacer.try_acquire(Method::SetPhoto, start + wait), None);
        assert_eq!(
            pacer.try_acquire(Method::ProfileGet, start),
            None,
            "per method"
        );
    }

    #[test]
    fn a_pause_holds_every_caller_of_that_method() {
        let pacer = Pacer::new(false);
        pacer.pause(Method::ProfileSet, Duration::from_secs(30));
        let wait = pacer
            .try_acquire(Method::ProfileSet, Instant::now())
            .unwrap();
        assert!(wait > Duration::from_secs(29), "{wait:?}");
        assert_eq!(pacer.try_acquire(Method::SetPhoto, Instant::now()), None);
    }
}
