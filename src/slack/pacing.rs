//! Client-side pacing: per workspace and Web API method (Slack's tiers count per workspace), at
//! most the method's tier of calls in any 60 s window, plus the pause Slack demands after a 429.
//! Calls wait here instead of walking into a storm of rate-limit answers. A call whose
//! workspace is not known (a token from the tokens file) paces in the lane of workspace `""`.
//!
//! A call counts from when its answer arrived, not from when it was sent: Slack counts a call
//! when the request reaches it, somewhere in between, so counting from the answer never lets
//! the next window's first call reach Slack early.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Method;

/// The window Slack's per-minute tiers count over.
const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
struct Lane {
    /// Start times of the calls in the current window, oldest first.
    calls: VecDeque<Instant>,
    /// No call before this instant (Slack's `Retry-After`).
    paused_until: Option<Instant>,
}

/// Per-method pacing shared by every thread of a process.
#[derive(Debug, Default)]
pub struct Pacer {
    lanes: Mutex<HashMap<(String, Method), Lane>>,
}

impl Pacer {
    /// Waits until `method` may be called, and takes its turn; give the turn back to
    /// [`Pacer::finished`] when the answer has arrived.
    pub fn acquire(&self, team: &str, method: Method) -> Instant {
        loop {
            let now = Instant::now();
            match self.try_acquire(team, method, now) {
                None => return now,
                Some(wait) => std::thread::sleep(wait),
            }
        }
    }

    /// How long a call of `method` would wait for its turn now (zero: none), without taking it.
    pub fn wait_for(&self, team: &str, method: Method) -> Duration {
        let now = Instant::now();
        let limit = method.per_minute() as usize;
        let lanes = self.lanes.lock().expect("pacer lock");
        let Some(lane) = lanes.get(&(team.to_owned(), method)) else {
            return Duration::ZERO;
        };
        let paused = lane
            .paused_until
            .map_or(Duration::ZERO, |until| until.saturating_duration_since(now));
        let in_window: Vec<&Instant> = lane
            .calls
            .iter()
            .filter(|t| now.saturating_duration_since(**t) < WINDOW)
            .collect();
        let full = if in_window.len() < limit {
            Duration::ZERO
        } else {
            let oldest = **in_window.iter().min().expect("the window is full");
            (oldest + WINDOW).saturating_duration_since(now)
        };
        paused.max(full)
    }

    /// The call that took its turn at `turn` has been answered: it counts from now.
    pub fn finished(&self, team: &str, method: Method, turn: Instant) {
        let now = Instant::now();
        let mut lanes = self.lanes.lock().expect("pacer lock");
        if let Some(slot) = lanes
            .get_mut(&(team.to_owned(), method))
            .and_then(|lane| lane.calls.iter_mut().find(|t| **t == turn))
        {
            *slot = now.max(turn);
        }
    }

    /// Takes a turn now (`None`) or says how long to wait.
    fn try_acquire(&self, team: &str, method: Method, now: Instant) -> Option<Duration> {
        let limit = method.per_minute() as usize;
        let mut lanes = self.lanes.lock().expect("pacer lock");
        let lane = lanes.entry((team.to_owned(), method)).or_default();
        if let Some(until) = lane.paused_until {
            if until > now {
                return Some(until - now);
            }
            lane.paused_until = None;
        }
        lane.calls
            .retain(|t| now.saturating_duration_since(*t) < WINDOW);
        if lane.calls.len() < limit {
            lane.calls.push_back(now);
            None
        } else {
            let oldest = *lane.calls.iter().min().expect("the window is full");
            Some(
                (oldest + WINDOW)
                    .saturating_duration_since(now)
                    .max(Duration::from_millis(1)),
            )
        }
    }

    /// Slack said to wait: no call of `method` in `team` from any thread before `wait` has
    /// passed.
    pub fn pause(&self, team: &str, method: Method, wait: Duration) {
        let until = Instant::now() + wait;
        let mut lanes = self.lanes.lock().expect("pacer lock");
        let lane = lanes.entry((team.to_owned(), method)).or_default();
        lane.paused_until = Some(lane.paused_until.map_or(until, |u| u.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tiers_calls_fit_in_any_minute_and_no_more() {
        let pacer = Pacer::default();
        let start = Instant::now();
        for i in 0..Method::SetPhoto.per_minute() {
            let at = start + Duration::from_secs(u64::from(i));
            assert_eq!(pacer.try_acquire("T1", Method::SetPhoto, at), None);
        }
        let at = start + Duration::from_secs(30);
        let wait = pacer.try_acquire("T1", Method::SetPhoto, at).unwrap();
        assert_eq!(wait, Duration::from_secs(30), "tier 2: 20 in any 60 s");
        assert_eq!(pacer.try_acquire("T1", Method::SetPhoto, at + wait), None);
        assert_eq!(
            pacer.try_acquire("T1", Method::ProfileGet, at),
            None,
            "per method"
        );
    }

    #[test]
    fn a_call_counts_from_its_answer() {
        let pacer = Pacer::default();
        let start = Instant::now();
        let turns: Vec<Instant> = (0..Method::SetPhoto.per_minute())
            .map(|_| pacer.acquire("T1", Method::SetPhoto))
            .collect();
        std::thread::sleep(Duration::from_millis(20));
        for turn in turns {
            pacer.finished("T1", Method::SetPhoto, turn);
        }
        let wait = pacer.try_acquire("T1", Method::SetPhoto, start).unwrap();
        assert!(wait >= WINDOW + Duration::from_millis(20), "{wait:?}");
    }

    #[test]
    fn a_pause_holds_every_caller_of_that_method() {
        let pacer = Pacer::default();
        pacer.pause("T1", Method::ProfileSet, Duration::from_secs(30));
        let wait = pacer
            .try_acquire("T1", Method::ProfileSet, Instant::now())
            .unwrap();
        assert!(wait > Duration::from_secs(29), "{wait:?}");
        assert_eq!(
            pacer.try_acquire("T1", Method::SetPhoto, Instant::now()),
            None
        );
    }

    #[test]
    fn each_workspace_has_its_own_tiers() {
        let pacer = Pacer::default();
        let now = Instant::now();
        for _ in 0..Method::SetPhoto.per_minute() {
            assert_eq!(pacer.try_acquire("T1", Method::SetPhoto, now), None);
        }
        assert!(pacer.try_acquire("T1", Method::SetPhoto, now).is_some());
        assert_eq!(pacer.try_acquire("T2", Method::SetPhoto, now), None);
        pacer.pause("T2", Method::ProfileSet, Duration::from_secs(5));
        assert_eq!(pacer.try_acquire("T1", Method::ProfileSet, now), None);
    }
}
