//! The request queue and the dead-letter queue, exactly as the design has them:
//!
//! - at most `capacity` requests wait; a new request from a member who already waits replaces
//!   the waiting one (the latest status wins) and takes no new place;
//! - the queue full, a request goes into the dead-letter queue if it is one of Slack's retries,
//!   and is refused otherwise; both full, it is refused for good;
//! - the dead-letter queue drains into the request queue whenever that empties;
//! - workers never work two requests of one member at once.
//!
//! Beside them, [`Wanted`] keeps what the design's answers would forget: the latest status of
//! each member whose request was answered 503 (or found every queue full), so it is applied as
//! workers free up instead of waiting for the next poll.
//!
//! Who writes what: the threads that answer Slack and the tick offer requests (under the
//! status pipeline's guard lock, then the queue's); the workers take and finish them. Each of
//! the queue and the wanted statuses has one lock, held only for its own state.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::presets::UserId;

/// What the service was asked to do for one member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub user: UserId,
    /// Their status emoji (`""` when cleared).
    pub emoji: String,
    /// Their profile as the event (or a read) showed it.
    pub profile: crate::slack::Profile,
    /// The event it came from (for logs).
    pub event_id: String,
    /// Earlier tries that failed for a reason that passes (Slack or the store unreachable).
    pub attempt: u32,
    /// The worker reads the member's profile itself before planning (a lapse, a pause, a
    /// disconnect): read then, it is never older than this process's own writes to them.
    /// `emoji` and `profile` are empty until then.
    pub reread: bool,
}

/// How a request was taken in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Queued: answer 200.
    Queued,
    /// It replaced the same member's waiting request: answer 200.
    Replaced,
    /// The queue was full and it was a retry: kept in the dead-letter queue, answer 200.
    DeadLettered,
    /// The queue was full: answer 503 so that Slack retries.
    Full,
    /// Both queues were full: answer 503 with `X-Slack-No-Retry: 1`.
    Refused,
}

impl Admission {
    /// Whether the request is kept (and Slack gets a 200).
    pub fn kept(self) -> bool {
        matches!(
            self,
            Admission::Queued | Admission::Replaced | Admission::DeadLettered
        )
    }
}

#[derive(Debug, Default)]
struct Inner {
    waiting: VecDeque<Request>,
    dead: VecDeque<Request>,
    /// Members a worker is busy with.
    busy: HashSet<UserId>,
    /// No more requests are taken in; workers finish what waits and stop.
    closed: bool,
}

impl Inner {
    /// Moves dead-letter requests into the request queue once it is empty.
    fn drain_dead_letters(&mut self, capacity: usize) {
        if self.waiting.is_empty() {
            while self.waiting.len() < capacity {
                match self.dead.pop_front() {
                    Some(request) => self.waiting.push_back(request),
                    None => break,
                }
            }
        }
    }
}

/// Both queues, shared by the HTTP side and the workers.
#[derive(Debug)]
pub struct Queue {
    capacity: usize,
    dead_capacity: usize,
    inner: Mutex<Inner>,
    changed: Condvar,
}

impl Queue {
    pub fn new(capacity: usize, dead_capacity: usize) -> Queue {
        Queue {
            capacity,
            dead_capacity,
            inner: Mutex::new(Inner::default()),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("queue lock")
    }

    /// Takes a request in. `retry`: it carries `X-Slack-Retry-Num`.
    pub fn offer(&self, request: Request, retry: bool) -> Admission {
        let mut inner = self.lock();
        if inner.closed {
            return Admission::Full;
        }
        let same = |r: &Request| r.user == request.user;
        let admission = if let Some(waiting) = inner.waiting.iter_mut().find(|r| same(r)) {
            *waiting = request;
            Admission::Replaced
        } else if let Some(waiting) = inner.dead.iter_mut().find(|r| same(r)) {
            *waiting = request;
            Admission::Replaced
        } else if inner.waiting.len() < self.capacity {
            inner.waiting.push_back(request);
            Admission::Queued
        } else if !retry {
            Admission::Full
        } else if inner.dead.len() < self.dead_capacity {
            inner.dead.push_back(request);
            Admission::DeadLettered
        } else {
            Admission::Refused
        };
        drop(inner);
        if admission.kept() {
            self.changed.notify_all();
        }
        admission
    }

    /// The next request whose member no worker is busy with; waits for one. `None` once the
    /// queue is closed and nothing is left, or at `deadline`.
    pub fn take(&self, deadline: Option<Instant>) -> Option<Request> {
        let mut inner = self.lock();
        loop {
            let free = {
                let busy = &inner.busy;
                inner.waiting.iter().position(|r| !busy.contains(&r.user))
            };
            if let Some(i) = free {
                let request = inner.waiting.remove(i).expect("a position in the queue");
                inner.busy.insert(request.user.clone());
                inner.drain_dead_letters(self.capacity);
                return Some(request);
            }
            if inner.closed && inner.waiting.is_empty() && inner.dead.is_empty() {
                return None;
            }
            let wait = match deadline {
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return None;
                    }
                    deadline - now
                }
                None => Duration::from_secs(3600),
            };
            inner = self
                .changed
                .wait_timeout(inner, wait)
                .expect("queue lock")
                .0;
        }
    }

    /// A worker is done with `user`.
    pub fn done(&self, user: &UserId) {
        let mut inner = self.lock();
        inner.busy.remove(user);
        inner.drain_dead_letters(self.capacity);
        drop(inner);
        self.changed.notify_all();
    }

    /// Requests waiting, and waiting in the dead-letter queue.
    pub fn depths(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.waiting.len(), inner.dead.len())
    }

    /// Members a worker is busy with now.
    pub fn working(&self) -> usize {
        self.lock().busy.len()
    }

    /// Takes no more requests; workers finish what waits.
    pub fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }

    /// Waits until nothing waits and no worker is busy, or until `deadline`. Returns the
    /// members still waiting or being worked on.
    pub fn wait_idle(&self, deadline: Instant) -> Vec<UserId> {
        let mut inner = self.lock();
        loop {
            let left: Vec<UserId> = inner
                .busy
                .iter()
                .cloned()
                .chain(inner.waiting.iter().map(|r| r.user.clone()))
                .chain(inner.dead.iter().map(|r| r.user.clone()))
                .collect();
            let now = Instant::now();
            if left.is_empty() || now >= deadline {
                return left;
            }
            inner = self
                .changed
                .wait_timeout(inner, deadline - now)
                .expect("queue lock")
                .0;
        }
    }
}

/// The latest wanted status of members the queues had no room for: one entry per member (the
/// latest wins), so it is bounded by the number of onboarded members.
#[derive(Debug, Default)]
pub struct Wanted {
    by_user: Mutex<HashMap<UserId, Request>>,
}

impl Wanted {
    /// Keeps `request` as its member's latest wanted status.
    pub fn keep(&self, request: Request) {
        self.lock().insert(request.user.clone(), request);
    }

    /// A request of `admitted`'s member was taken into the queues: what was wanted for them is
    /// settled when it was this very event, or when `admitted` is a first delivery (newer than
    /// anything kept). A late retry of an older event leaves the newer wanted status in place.
    pub fn settled_by(&self, admitted: &Request, retry: bool) {
        let mut by_user = self.lock();
        if let Some(kept) = by_user.get(&admitted.user) {
            if !retry || kept.event_id == admitted.event_id {
                by_user.remove(&admitted.user);
            }
        }
    }

    /// Takes one member's wanted status out (any member).
    pub fn take_one(&self) -> Option<Request> {
        let mut by_user = self.lock();
        let user = by_user.keys().next()?.clone();
        by_user.remove(&user)
    }

    /// Puts back a request [`Wanted::take_one`] gave, unless a newer one came meanwhile.
    pub fn put_back(&self, request: Request) {
        self.lock().entry(request.user.clone()).or_insert(request);
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The members waiting, for the log at a stop.
    pub fn members(&self) -> Vec<UserId> {
        let mut users: Vec<UserId> = self.lock().keys().cloned().collect();
        users.sort();
        users
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, Request>> {
        self.by_user.lock().expect("wanted lock")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(user: &str, emoji: &str) -> Request {
        Request {
            user: UserId::parse(user).unwrap(),
            emoji: emoji.into(),
            profile: Default::default(),
            event_id: format!("Ev{user}{emoji}"),
            attempt: 0,
            reread: false,
        }
    }

    fn now() -> Option<Instant> {
        Some(Instant::now())
    }

    #[test]
    fn full_retry_dead_letter_and_no_retry_as_the_design_says() {
        let queue = Queue::new(2, 1);
        assert_eq!(
            queue.offer(request("U0Q1", ":a:"), false),
            Admission::Queued
        );
        assert_eq!(
            queue.offer(request("U0Q2", ":a:"), false),
            Admission::Queued
        );
        assert_eq!(queue.offer(request("U0Q3", ":a:"), false), Admission::Full);
        assert_eq!(
            queue.offer(request("U0Q3", ":a:"), true),
            Admission::DeadLettered
        );
        assert_eq!(
            queue.offer(request("U0Q4", ":a:"), true),
            Admission::Refused
        );
        assert_eq!(queue.offer(request("U0Q4", ":a:"), false), Admission::Full);
        assert_eq!(queue.depths(), (2, 1));
    }

    #[test]
    fn the_latest_status_of_a_waiting_member_wins() {
        let queue = Queue::new(2, 1);
        queue.offer(request("U0Q1", ":a:"), false);
        queue.offer(request("U0Q2", ":a:"), false);
        assert_eq!(
            queue.offer(request("U0Q1", ":b:"), false),
            Admission::Replaced,
            "no new place needed"
        );
        let first = queue.take(now()).unwrap();
        assert_eq!((first.user.as_str(), first.emoji.as_str()), ("U0Q1", ":b:"));
    }

    #[test]
    fn the_dead_letter_queue_drains_when_the_queue_empties() {
        let queue = Queue::new(1, 2);
        queue.offer(request("U0Q1", ":a:"), false);
        queue.offer(request("U0Q2", ":a:"), true);
        queue.offer(request("U0Q3", ":a:"), true);
        assert_eq!(queue.depths(), (1, 2));
        let u1 = queue.take(now()).unwrap();
        assert_eq!(queue.depths(), (1, 1), "U2 moved up as the queue emptied");
        queue.done(&u1.user);
        let u2 = queue.take(now()).unwrap();
        assert_eq!(u2.user.as_str(), "U0Q2");
        assert_eq!(queue.depths(), (1, 0));
        queue.done(&u2.user);
        assert_eq!(queue.take(now()).unwrap().user.as_str(), "U0Q3");
    }

    #[test]
    fn one_member_is_never_worked_twice_at_once() {
        let queue = Queue::new(4, 0);
        queue.offer(request("U0Q1", ":a:"), false);
        let busy = queue.take(now()).unwrap();
        queue.offer(request("U0Q1", ":b:"), false);
        queue.offer(request("U0Q2", ":a:"), false);
        assert_eq!(
            queue.take(now()).unwrap().user.as_str(),
            "U0Q2",
            "U1's next request waits while U1 is busy"
        );
        assert_eq!(queue.take(now()), None);
        queue.done(&busy.user);
        assert_eq!(queue.take(now()).unwrap().emoji, ":b:");
    }

    #[test]
    fn closing_lets_workers_finish_what_waits() {
        let queue = Queue::new(4, 0);
        queue.offer(request("U0Q1", ":a:"), false);
        queue.close();
        assert_eq!(queue.offer(request("U0Q2", ":a:"), false), Admission::Full);
        let last = queue.take(None).unwrap();
        assert_eq!(
            queue.wait_idle(Instant::now()),
            vec![last.user.clone()],
            "still busy"
        );
        queue.done(&last.user);
        assert_eq!(queue.take(None), None);
        assert!(queue.wait_idle(Instant::now()).is_empty());
    }

    #[test]
    fn wanted_keeps_the_latest_and_a_late_retry_does_not_settle_a_newer_one() {
        let wanted = Wanted::default();
        wanted.keep(request("U0W1", ":a:"));
        wanted.keep(request("U0W1", ":b:"));
        assert_eq!(wanted.len(), 1);
        // Slack's retry of the older event is taken in: the newer wanted status stays.
        wanted.settled_by(&request("U0W1", ":a:"), true);
        assert_eq!(wanted.len(), 1);
        // A retry of this very event, or any fresh delivery, settles it.
        wanted.settled_by(&request("U0W1", ":b:"), true);
        assert!(wanted.is_empty());
        wanted.keep(request("U0W1", ":c:"));
        wanted.settled_by(&request("U0W1", ":a:"), false);
        assert!(wanted.is_empty());
        // What is taken out and put back never overwrites a newer status kept meanwhile.
        wanted.keep(request("U0W2", ":a:"));
        let taken = wanted.take_one().unwrap();
        wanted.keep(request("U0W2", ":z:"));
        wanted.put_back(taken);
        assert_eq!(wanted.take_one().unwrap().emoji, ":z:");
    }
}
