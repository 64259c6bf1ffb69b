//! The app's job queue: bounded, prioritised, with one owner per kind of work. A modal to open
//! goes first, on a lane of its own; a member connecting goes first among the rest. A member's
//! Home is published by at most one worker at a time, at most once every [`HOME_SPACING`], with
//! at most one more publish waiting: a member opening their Home ten thousand times costs a
//! couple of publishes, not ten thousand. A worker never sleeps in Slack's pacing of
//! `views.publish`: when the workspace's budget is spent, its publishes wait in the queue
//! (see [`Jobs::publish_later`]) and the workers take other work, so no member's Home delays
//! another member's connection.
//!
//! Written by the threads that answer Slack, the status workers (through notices) and the app
//! workers (push), and by the app workers (next, done); one lock, held only for the queue.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use super::modal;
use crate::presets::{EmojiKey, UserId};

/// Jobs waiting at most; beyond it new ones are dropped with a warning (the member can click
/// again), so a flood of clicks cannot grow memory.
const MAX_JOBS: usize = 10_000;

/// A member's Home is published at most this often (a publish asked for meanwhile waits).
pub const HOME_SPACING: Duration = Duration::from_secs(10);

/// The app's workers: one that only opens modals (a click's trigger lives 3 s, so it never
/// waits behind anything), and two for the rest.
pub const WORKERS: usize = 3;

/// Which jobs a worker takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Only modals to open.
    Urgent,
    /// Modals to open first, then everything else.
    Any,
}

/// Work for the app's workers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// Open the preset modal with the click's `trigger_id` (Slack honours it for 3 s): empty
    /// for a new preset, filled to edit one.
    OpenForm {
        team: String,
        user: UserId,
        trigger_id: String,
        editing: Option<EmojiKey>,
    },
    /// Store a submitted preset (picture downloaded and checked first), then say so in the
    /// modal.
    Save {
        team: String,
        user: UserId,
        view_id: String,
        filled: modal::Filled,
    },
    /// Take one of a member's presets out of `users.json`.
    Remove {
        team: String,
        user: UserId,
        emoji: EmojiKey,
    },
    /// Pause or resume a member (the flag is stored, then their profile worked again).
    Pause {
        team: Option<String>,
        user: UserId,
        pause: bool,
    },
    /// Switch the workspace presets on or off for a member (stored, then their profile worked
    /// again).
    Workspace {
        team: Option<String>,
        user: UserId,
        on: bool,
    },
    /// Try the fields the member's organization locked again (their Home's Try again).
    TryAgain { team: String, user: UserId },
    /// Publish a member's Home view.
    Publish { team: String, user: UserId },
    /// Store a member's wish to disconnect, then have their usual profile put back.
    Disconnect { team: String, user: UserId },
    /// Tell a member something in a direct message from the bot.
    Tell {
        team: String,
        user: UserId,
        text: String,
    },
    /// Remind a disconnected member how to connect again (at most once a day).
    Remind(crate::tokens::Disconnected),
    /// Tell a member what statusinator keeps about them (`/statusinator data`).
    Data { team: String, user: UserId },
    /// Forget a member who asked to delete their data (the wish stored first).
    Forget { team: String, user: UserId },
    /// Exchange a connecting member's code with Slack and store their token; the page their
    /// browser looks at then shows how it ended. First among the other jobs: a person waits.
    Connect {
        /// The state's nonce (`<expires>.<nonce>`).
        nonce: String,
        code: crate::secret::SecretString,
        /// Who asked (see [`super::exchanges`]).
        client: std::net::IpAddr,
        /// The redirect had no state (an org admin's install from the org's app management
        /// page): only an org-wide install is kept from it, never a member's token.
        org_install_only: bool,
    },
    /// Slack's `tokens_revoked`: forget those tokens.
    TokensRevoked {
        team: String,
        users: Vec<String>,
        bots: Vec<String>,
    },
    /// Slack's `app_uninstalled`: forget the workspace's installation and tokens.
    AppUninstalled { team: String },
    /// Slack's `team_access_granted` / `team_access_revoked`: an organization's grants of its
    /// org-wide install to its workspaces changed.
    TeamAccess {
        org: String,
        granted: bool,
        teams: Vec<String>,
    },
    /// Read the installations again (and an org-wide install's grants): the reconcile's turn.
    CheckInstallations,
}

/// The app's job queue.
#[derive(Debug, Default)]
pub struct Jobs {
    queue: Mutex<Queue>,
    ready: Condvar,
}

#[derive(Debug, Default)]
struct Queue {
    urgent: VecDeque<Job>,
    waiting: VecDeque<Job>,
    /// Members whose Home a worker is publishing now.
    publishing: HashSet<UserId>,
    /// When each member's Home was last published (kept for [`HOME_SPACING`]).
    published: HashMap<UserId, Instant>,
    /// Workspaces whose `views.publish` budget is spent, until when.
    publish_paused: HashMap<String, Instant>,
    /// Saves a worker is at now: their modals say "Saving…" until they are done.
    saving: Vec<Job>,
    /// Stopping: workers finish what waits, then end.
    closed: bool,
    /// Workers still running.
    running: usize,
}

impl Queue {
    fn len(&self) -> usize {
        self.urgent.len() + self.waiting.len()
    }

    /// When a publish of `user`'s Home for `team` may go (`None`: now).
    fn publish_not_before(&self, team: &str, user: &UserId, now: Instant) -> Option<Instant> {
        let spaced = self.published.get(user).map(|at| *at + HOME_SPACING);
        let paused = self.publish_paused.get(team).copied();
        spaced.max(paused).filter(|at| *at > now)
    }

    /// The next job for `lane`: a modal to open first; else the oldest job that is not a
    /// publish of a Home being published now, or published too lately, or of a workspace whose
    /// publish budget is spent.
    fn take(&mut self, lane: Lane) -> Option<Job> {
        if let Some(job) = self.urgent.pop_front() {
            return Some(job);
        }
        match lane {
            Lane::Any => self.take_waiting(),
            Lane::Urgent => None,
        }
    }

    fn take_waiting(&mut self) -> Option<Job> {
        let now = Instant::now();
        self.published.retain(|_, at| *at + HOME_SPACING > now);
        self.publish_paused.retain(|_, until| *until > now);
        let at = self.waiting.iter().position(|job| match job {
            Job::Publish { team, user } => {
                !self.publishing.contains(user)
                    && self.publish_not_before(team, user, now).is_none()
            }
            _ => true,
        })?;
        let job = self.waiting.remove(at)?;
        match &job {
            Job::Publish { user, .. } => {
                self.publishing.insert(user.clone());
            }
            Job::Save { .. } => self.saving.push(job.clone()),
            _ => {}
        }
        Some(job)
    }
}

impl Jobs {
    pub fn push(&self, job: Job) {
        let mut queue = self.queue.lock().expect("jobs lock");
        if matches!(job, Job::Publish { .. }) && queue.waiting.contains(&job) {
            return;
        }
        if queue.len() >= MAX_JOBS {
            log::warn!("the app's job queue is full ({MAX_JOBS}); dropped {job:?}");
            return;
        }
        if matches!(job, Job::OpenForm { .. }) {
            queue.urgent.push_back(job);
        } else if matches!(job, Job::Connect { .. }) {
            queue.waiting.push_front(job);
        } else {
            queue.waiting.push_back(job);
        }
        drop(queue);
        self.ready.notify_all();
    }

    /// The next job for `lane`, waiting at most `wait`.
    pub(super) fn next(&self, lane: Lane, wait: Duration) -> Option<Job> {
        let deadline = Instant::now() + wait;
        let mut queue = self.queue.lock().expect("jobs lock");
        loop {
            if let Some(job) = queue.take(lane) {
                return Some(job);
            }
            let now = Instant::now();
            let left = deadline.saturating_duration_since(now);
            if left.is_zero() || queue.closed {
                return None;
            }
            // A publish held back becomes due on its own: look again then.
            let due = queue
                .waiting
                .iter()
                .filter_map(|job| match job {
                    Job::Publish { team, user } => queue.publish_not_before(team, user, now),
                    _ => None,
                })
                .min()
                .map_or(left, |at| at.saturating_duration_since(now).min(left));
            queue = self
                .ready
                .wait_timeout(queue, due.max(Duration::from_millis(1)))
                .expect("jobs lock")
                .0;
        }
    }

    /// A publish taken when the workspace's `views.publish` budget turned out spent: back at
    /// the head of the line, with that workspace's publishes held back for `wait`.
    pub(super) fn publish_later(&self, job: Job, wait: Duration) {
        let mut queue = self.queue.lock().expect("jobs lock");
        if let Job::Publish { team, user } = &job {
            queue.publishing.remove(user);
            let until = Instant::now() + wait;
            let paused = queue.publish_paused.entry(team.clone()).or_insert(until);
            *paused = (*paused).max(until);
            if !queue.waiting.contains(&job) {
                queue.waiting.push_front(job);
            }
        }
        drop(queue);
        self.ready.notify_all();
    }

    /// A worker finished `job`: a Home it published may be published again.
    pub(super) fn done(&self, job: &Job) {
        let mut queue = self.queue.lock().expect("jobs lock");
        match job {
            Job::Publish { user, .. } => {
                if queue.publishing.remove(user) {
                    queue.published.insert(user.clone(), Instant::now());
                }
                drop(queue);
                self.ready.notify_all();
            }
            Job::Save { .. } => {
                if let Some(at) = queue.saving.iter().position(|saving| saving == job) {
                    queue.saving.remove(at);
                }
            }
            _ => {}
        }
    }

    pub fn len(&self) -> usize {
        self.queue.lock().expect("jobs lock").len()
    }

    /// A worker starts.
    pub(super) fn started(&self) {
        self.queue.lock().expect("jobs lock").running += 1;
    }

    /// Whether a worker should end: stopping, and nothing left for it.
    pub(super) fn finished(&self, lane: Lane) -> bool {
        let mut queue = self.queue.lock().expect("jobs lock");
        let left = match lane {
            Lane::Urgent => !queue.urgent.is_empty(),
            Lane::Any => queue.len() > 0,
        };
        if queue.closed && !left {
            queue.running -= 1;
            drop(queue);
            self.ready.notify_all();
            return true;
        }
        false
    }

    /// Stops taking new work; waits until the workers finished what waits, or `deadline`.
    /// Returns the jobs nobody got to, and the saves still under way at the deadline (the
    /// process ends without them finishing: their modals must not stay on "Saving…").
    pub fn close(&self, deadline: std::time::Instant) -> Vec<Job> {
        let mut queue = self.queue.lock().expect("jobs lock");
        queue.closed = true;
        self.ready.notify_all();
        while queue.running > 0 {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                break;
            }
            queue = self.ready.wait_timeout(queue, left).expect("jobs lock").0;
        }
        let mut left: Vec<Job> = queue.urgent.drain(..).collect();
        left.extend(queue.waiting.drain(..));
        left.append(&mut queue.saving);
        left
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_modal_to_open_goes_first_and_a_home_is_queued_once() {
        let jobs = Jobs::default();
        let ana = UserId::parse("U0ANA0001").unwrap();
        let publish = Job::Publish {
            team: "T1".into(),
            user: ana.clone(),
        };
        jobs.push(publish.clone());
        jobs.push(Job::Remove {
            team: "T1".into(),
            user: ana.clone(),
            emoji: EmojiKey::parse(":x:").unwrap(),
        });
        jobs.push(publish.clone());
        let open = Job::OpenForm {
            team: "T1".into(),
            user: ana,
            trigger_id: "1.2.3".into(),
            editing: None,
        };
        jobs.push(open.clone());
        assert_eq!(jobs.len(), 3);
        let wait = Duration::from_millis(1);
        // The urgent lane takes only modals to open.
        assert_eq!(jobs.next(Lane::Urgent, wait), Some(open));
        assert_eq!(jobs.next(Lane::Urgent, wait), None);
        assert_eq!(jobs.next(Lane::Any, wait), Some(publish.clone()));
        assert!(matches!(
            jobs.next(Lane::Any, wait),
            Some(Job::Remove { .. })
        ));
        assert_eq!(jobs.next(Lane::Any, wait), None);
    }

    #[test]
    fn a_home_is_published_at_most_once_a_spacing_and_a_spent_budget_holds_only_publishes() {
        let jobs = Jobs::default();
        let wait = Duration::from_millis(1);
        let publish = |team: &str, user: &str| Job::Publish {
            team: team.into(),
            user: UserId::parse(user).unwrap(),
        };
        let connect = Job::Connect {
            nonce: "1.n".into(),
            code: crate::secret::SecretString::new("c"),
            client: "203.0.113.7".parse().unwrap(),
            org_install_only: false,
        };
        // Ana's Home, published.
        jobs.push(publish("T1", "U0ANA0001"));
        let first = jobs.next(Lane::Any, wait).unwrap();
        jobs.done(&first);
        // Opened again at once: it waits out the spacing; Ben's goes meanwhile.
        jobs.push(publish("T1", "U0ANA0001"));
        jobs.push(publish("T1", "U0BEN0002"));
        assert_eq!(jobs.next(Lane::Any, wait), Some(publish("T1", "U0BEN0002")));
        assert_eq!(jobs.next(Lane::Any, wait), None, "Ana's waits");
        // The workspace's publish budget is spent: its publishes wait, a connection does not,
        // and another workspace's publishes go.
        jobs.publish_later(publish("T1", "U0BEN0002"), Duration::from_secs(60));
        jobs.push(connect.clone());
        jobs.push(publish("T2", "U0CAT0003"));
        assert_eq!(jobs.next(Lane::Any, wait), Some(connect));
        assert_eq!(jobs.next(Lane::Any, wait), Some(publish("T2", "U0CAT0003")));
        assert_eq!(jobs.next(Lane::Any, wait), None);
        assert_eq!(jobs.len(), 2, "Ana's and Ben's Homes still wait");
    }

    #[test]
    fn a_save_under_way_at_the_deadline_is_handed_back_and_a_finished_one_is_not() {
        let jobs = Jobs::default();
        let save = |view: &str| Job::Save {
            team: "T1".into(),
            user: UserId::parse("U0ANA0001").unwrap(),
            view_id: view.into(),
            filled: modal::Filled {
                emoji: EmojiKey::parse(":house:").unwrap(),
                name: Some("Ana (home)".into()),
                picture: None,
                editing: None,
            },
        };
        jobs.push(save("V1"));
        jobs.push(save("V2"));
        jobs.started();
        let wait = Duration::from_millis(1);
        let first = jobs.next(Lane::Any, wait).unwrap();
        let second = jobs.next(Lane::Any, wait).unwrap();
        jobs.done(&first);
        // The worker is still at the second when the deadline comes.
        let left = jobs.close(std::time::Instant::now());
        assert_eq!(left, [second]);
    }

    #[test]
    fn closing_hands_back_what_nobody_got_to() {
        let jobs = Jobs::default();
        let ana = UserId::parse("U0ANA0001").unwrap();
        jobs.push(Job::Pause {
            team: None,
            user: ana,
            pause: true,
        });
        let left = jobs.close(std::time::Instant::now());
        assert!(matches!(left.as_slice(), [Job::Pause { pause: true, .. }]));
        assert_eq!(
            jobs.next(Lane::Any, Duration::from_secs(5)),
            None,
            "closed: no wait"
        );
    }

    #[test]
    fn a_home_is_published_by_one_worker_with_one_more_waiting() {
        let jobs = Jobs::default();
        let ana = UserId::parse("U0ANA0001").unwrap();
        let publish = Job::Publish {
            team: "T1".into(),
            user: ana,
        };
        let wait = Duration::from_millis(1);
        jobs.push(publish.clone());
        let first = jobs.next(Lane::Any, wait).unwrap();
        // Opened again and again while it is published: one more waits, and no second worker
        // takes it before the first is done.
        for _ in 0..1000 {
            jobs.push(publish.clone());
        }
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs.next(Lane::Any, wait), None);
        jobs.done(&first);
        // Done: the one waiting goes once the spacing is over, not before.
        assert_eq!(jobs.next(Lane::Any, wait), None);
        assert_eq!(jobs.len(), 1);
    }
}
