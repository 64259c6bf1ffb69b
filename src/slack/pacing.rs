//! Client-side pacing: per workspace and Web API method (Slack's tiers count per workspace), at
//! most the method's tier of calls in any 60 s window, plus the pause Slack demands after a 429.
//! Calls wait here instead of walking into a storm of rate-limit answers. A call whose
//! workspace is not known (a token from the tokens file) paces in the lane of workspace `""`.
//!
//! A call counts from when its answer arrived, not from when it was sent: Slack counts a call
//! when the request reaches it, somewhere in between, so counting from the answer never lets
//! the next window's first call reach Slack early.
//!
//! With Redis (`--redis-url`) every process of the deployment takes its turns from one limiter
//! per lane there (see [`crate::shared::limiter`]), and a 429 seen by one pauses all. This
//! process still notes each of its calls in its own lanes: when Redis stops answering it goes on
//! alone at its share of each tier (the tier divided by `--replicas`), counting the calls it
//! made through Redis in the last minute, and when Redis is back it tells the limiter what it
//! sent alone (everything of the last minute, when Redis lost its keys) before taking turns
//! there again.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Method;
use crate::shared::limiter::{Tier, Turn};
use crate::shared::{Link, Shared};

/// The window Slack's per-minute tiers count over.
const WINDOW: Duration = Duration::from_secs(60);

/// The longest a caller sleeps before asking the shared limiter again (so a Redis that stops
/// answering, or comes back, is noticed).
const ASK_AGAIN_WITHIN: Duration = Duration::from_secs(1);

/// A call this process made.
#[derive(Debug, Clone, Copy)]
struct Sent {
    at: Instant,
    /// Its turn came from the shared limiter.
    shared: bool,
}

#[derive(Debug, Default)]
struct Lane {
    /// The calls in the current window, oldest first.
    calls: VecDeque<Sent>,
    /// No call before this instant (Slack's `Retry-After`).
    paused_until: Option<Instant>,
}

impl Lane {
    /// How long a call would wait at `now` with `limit` calls a window (zero: none): the pause,
    /// and the window's oldest call leaving it when the window is full.
    fn wait(&self, now: Instant, limit: usize) -> Duration {
        let paused = self
            .paused_until
            .map_or(Duration::ZERO, |until| until.saturating_duration_since(now));
        let in_window = self
            .calls
            .iter()
            .map(|c| c.at)
            .filter(|t| now.saturating_duration_since(*t) < WINDOW);
        let full = if in_window.clone().count() < limit {
            Duration::ZERO
        } else {
            let oldest = in_window.min().expect("the window is full");
            (oldest + WINDOW).saturating_duration_since(now)
        };
        paused.max(full)
    }

    /// Notes a call made at `now` (its turn from the shared limiter, or not); calls out of the
    /// window are dropped.
    fn push(&mut self, now: Instant, shared: bool) {
        self.calls
            .retain(|c| now.saturating_duration_since(c.at) < WINDOW);
        self.calls.push_back(Sent { at: now, shared });
    }
}

/// Per-method pacing shared by every thread of a process (and through Redis, by every process).
#[derive(Debug, Default)]
pub struct Pacer {
    lanes: Mutex<HashMap<(String, Method), Lane>>,
    shared: Shared,
    /// The link's return this pacer last told the limiter its calls for (see
    /// [`Link::rejoined`]).
    settled: AtomicU64,
    /// This process's calls' names in the shared limiter: `<name>:<n>`.
    name: String,
    next: AtomicU64,
}

/// A call's turn: when it was taken, and its name in the shared limiter when it came from
/// there. Give it back to [`Pacer::finished`].
#[derive(Debug, Clone)]
pub struct Granted {
    at: Instant,
    shared: Option<String>,
}

/// How a lane is named in Redis: `T…:users.setPhoto`.
fn lane_name(team: &str, method: Method) -> String {
    format!("{team}:{}", method.name())
}

/// A method's tier, for the shared limiter.
fn tier(method: Method) -> Tier {
    Tier {
        calls: method.per_minute(),
        window: WINDOW,
    }
}

impl Pacer {
    /// A pacer taking its turns from `shared`'s Redis, when set.
    pub fn new(shared: Shared) -> Pacer {
        Pacer {
            shared,
            name: uuid::Uuid::new_v4().simple().to_string()[..12].to_owned(),
            ..Pacer::default()
        }
    }

    /// The Redis link, when set.
    pub fn link(&self) -> Option<&Arc<Link>> {
        self.shared.link.as_ref()
    }

    /// Waits until `method` may be called, and takes its turn; give the turn back to
    /// [`Pacer::finished`] when the answer has arrived.
    pub fn acquire(&self, team: &str, method: Method) -> Granted {
        loop {
            let now = Instant::now();
            // A call's name in the shared limiter (none is made without Redis).
            let id = self.link().map(|_| {
                let n = self.next.fetch_add(1, Ordering::Relaxed);
                format!("{}:{n}", self.name)
            });
            let wait = match self.shared_turn(team, method, id.as_deref()) {
                Some(Turn::Now) => {
                    self.note(team, method, now);
                    return Granted {
                        at: now,
                        shared: id,
                    };
                }
                Some(Turn::Wait(wait)) => wait.min(ASK_AGAIN_WITHIN),
                None => match self.try_acquire(team, method, now) {
                    None => {
                        return Granted {
                            at: now,
                            shared: None,
                        }
                    }
                    Some(wait) if self.link().is_some() => wait.min(ASK_AGAIN_WITHIN),
                    Some(wait) => wait,
                },
            };
            std::thread::sleep(wait);
        }
    }

    /// How long a call of `method` would wait for its turn now (zero: none), without taking it.
    pub fn wait_for(&self, team: &str, method: Method) -> Duration {
        match self.shared_turn(team, method, None) {
            Some(Turn::Now) => Duration::ZERO,
            Some(Turn::Wait(wait)) => wait,
            None => self.local_wait(team, method, Instant::now()),
        }
    }

    /// The shared limiter's word (taking the turn as `take`, else only looking), after this
    /// process's own pause; `None` when there is no Redis or it is not answering.
    fn shared_turn(&self, team: &str, method: Method, take: Option<&str>) -> Option<Turn> {
        let link = self.link()?;
        // Connected (again) first, so a return of the link is known before the turn is asked;
        // a down link not due for a try answers `None` at once.
        link.run(|_| Ok(()))?;
        let paused = self
            .lanes
            .lock()
            .expect("pacer lock")
            .get(&(team.to_owned(), method))
            .and_then(|lane| lane.paused_until)
            .map(|until| until.saturating_duration_since(Instant::now()))
            .filter(|wait| !wait.is_zero());
        if let Some(wait) = paused {
            return Some(Turn::Wait(wait));
        }
        let (epoch, lost) = link.rejoined();
        if self.settled.load(Ordering::Acquire) != epoch {
            self.settle(link, epoch, lost)?;
        }
        let lane = lane_name(team, method);
        match take {
            Some(id) => link.take(&lane, tier(method), id),
            None => link.peek(&lane, tier(method)),
        }
    }

    /// Tells the limiter, once per return of the link, the calls this process made without it
    /// in the last minute (every call of it, when Redis lost its keys).
    fn settle(&self, link: &Link, epoch: u64, lost: bool) -> Option<()> {
        let now = Instant::now();
        let owed: Vec<(String, Method, Vec<Duration>)> = {
            let lanes = self.lanes.lock().expect("pacer lock");
            lanes
                .iter()
                .filter_map(|((team, method), lane)| {
                    let ages: Vec<Duration> = lane
                        .calls
                        .iter()
                        .filter(|c| (lost || !c.shared) && now.duration_since(c.at) < WINDOW)
                        .map(|c| now.duration_since(c.at))
                        .collect();
                    (!ages.is_empty()).then(|| (team.clone(), *method, ages))
                })
                .collect()
        };
        let id = format!("{}:owed{epoch}", self.name);
        for (team, method, ages) in owed {
            link.owe(&lane_name(&team, method), tier(method), &id, &ages)?;
        }
        self.settled.store(epoch, Ordering::Release);
        Some(())
    }

    /// Notes a call whose turn came from the shared limiter.
    fn note(&self, team: &str, method: Method, now: Instant) {
        let mut lanes = self.lanes.lock().expect("pacer lock");
        lanes
            .entry((team.to_owned(), method))
            .or_default()
            .push(now, true);
    }

    /// The calls a minute this process may make alone: the whole tier without Redis, its share
    /// of it when Redis is set but not answering.
    fn limit(&self, method: Method) -> usize {
        if self.link().is_some() {
            self.shared.share_of(method.per_minute()) as usize
        } else {
            method.per_minute() as usize
        }
    }

    fn local_wait(&self, team: &str, method: Method, now: Instant) -> Duration {
        let limit = self.limit(method);
        let lanes = self.lanes.lock().expect("pacer lock");
        lanes
            .get(&(team.to_owned(), method))
            .map_or(Duration::ZERO, |lane| lane.wait(now, limit))
    }

    /// The call that took its turn as `granted` has been answered: it counts from now.
    pub fn finished(&self, team: &str, method: Method, granted: Granted) {
        let now = Instant::now();
        {
            let mut lanes = self.lanes.lock().expect("pacer lock");
            if let Some(slot) = lanes
                .get_mut(&(team.to_owned(), method))
                .and_then(|lane| lane.calls.iter_mut().find(|c| c.at == granted.at))
            {
                slot.at = now.max(granted.at);
            }
        }
        if let (Some(id), Some(link)) = (granted.shared, self.link()) {
            let _ = link.done(&lane_name(team, method), tier(method), &id);
        }
    }

    /// Takes a turn now (`None`) or says how long to wait, alone.
    fn try_acquire(&self, team: &str, method: Method, now: Instant) -> Option<Duration> {
        let limit = self.limit(method);
        let mut lanes = self.lanes.lock().expect("pacer lock");
        let lane = lanes.entry((team.to_owned(), method)).or_default();
        let wait = lane.wait(now, limit);
        if wait.is_zero() {
            lane.paused_until = None;
            lane.push(now, false);
            None
        } else {
            Some(wait.max(Duration::from_millis(1)))
        }
    }

    /// Slack said to wait: no call of `method` in `team` from any thread (and through Redis,
    /// from any process) before `wait` has passed.
    pub fn pause(&self, team: &str, method: Method, wait: Duration) {
        let until = Instant::now() + wait;
        {
            let mut lanes = self.lanes.lock().expect("pacer lock");
            let lane = lanes.entry((team.to_owned(), method)).or_default();
            lane.paused_until = Some(lane.paused_until.map_or(until, |u| u.max(until)));
        }
        if let Some(link) = self.link() {
            let _ = link.pause(&lane_name(team, method), wait);
        }
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
        let turns: Vec<Granted> = (0..Method::SetPhoto.per_minute())
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
