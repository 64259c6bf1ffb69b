//! The Slack app members use: the Home tab, the preset modal and `/statusinator`. Requests are
//! answered at once from memory; what takes Slack's or the store's time (opening a modal,
//! downloading a picture, writing `users.json`, publishing a view) is a [`Job`] for the app's
//! own workers, so the status workers and the ack path never wait on it.
//!
//! The member is always the signed payload's own `user.id` (or a command's `user_id`): values a
//! member can type or a view carries only ever name which of their own presets.

pub mod commands;
pub mod disconnect;
pub mod home;
pub mod modal;
pub mod pictures;

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use serde_json::Value;

use super::metrics::EventOutcome;
use super::{Answer, Service};
use crate::events::Interaction;
use crate::presets::{EmojiKey, UserId};

/// Jobs waiting at most; beyond it new ones are dropped with a warning (the member can click
/// again), so a flood of clicks cannot grow memory.
const MAX_JOBS: usize = 10_000;

/// The app's workers: enough that a slow download does not hold up a modal waiting to open.
pub const WORKERS: usize = 2;

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
    /// Publish a member's Home view.
    Publish { team: String, user: UserId },
    /// Store a member's wish to disconnect, then have their usual profile put back.
    Disconnect { team: String, user: UserId },
}

/// The app's job queue: a modal to open goes first, a Home already waiting to be published is
/// not queued twice.
#[derive(Debug, Default)]
pub struct Jobs {
    waiting: Mutex<VecDeque<Job>>,
    ready: Condvar,
}

impl Jobs {
    pub fn push(&self, job: Job) {
        let mut waiting = self.waiting.lock().expect("jobs lock");
        if matches!(job, Job::Publish { .. }) && waiting.contains(&job) {
            return;
        }
        if waiting.len() >= MAX_JOBS {
            log::warn!("the app's job queue is full ({MAX_JOBS}); dropped {job:?}");
            return;
        }
        if matches!(job, Job::OpenForm { .. }) {
            waiting.push_front(job);
        } else {
            waiting.push_back(job);
        }
        drop(waiting);
        self.ready.notify_one();
    }

    /// The next job, waiting at most `wait`.
    fn next(&self, wait: Duration) -> Option<Job> {
        let waiting = self.waiting.lock().expect("jobs lock");
        let (mut waiting, _) = self
            .ready
            .wait_timeout_while(waiting, wait, |w| w.is_empty())
            .expect("jobs lock");
        waiting.pop_front()
    }

    pub fn len(&self) -> usize {
        self.waiting.lock().expect("jobs lock").len()
    }
}

impl Service {
    /// An app worker: runs jobs until the process ends.
    pub(super) fn work_app(&self) {
        loop {
            if let Some(job) = self.jobs.next(Duration::from_secs(1)) {
                self.run_job(job);
            }
        }
    }

    fn run_job(&self, job: Job) {
        match job {
            Job::OpenForm {
                team,
                user,
                trigger_id,
                editing,
            } => self.open_form(&team, &user, &trigger_id, editing),
            Job::Save {
                team,
                user,
                view_id,
                filled,
            } => self.save_preset(&team, &user, &view_id, filled),
            Job::Remove { team, user, emoji } => {
                self.remove_preset(&user, &emoji);
                self.publish_home(&team, &user);
            }
            Job::Pause { team, user, pause } => {
                if let Err(err) = self.set_paused(&user, pause) {
                    log::error!("{err:#}");
                }
                if let Some(team) = team {
                    self.publish_home(&team, &user);
                }
            }
            Job::Publish { team, user } => self.publish_home(&team, &user),
            Job::Disconnect { team, user } => self.store_disconnect(&team, &user),
        }
    }

    /// An interactivity payload: a button on the Home tab or in a modal, a modal submitted.
    pub(super) fn interaction(&self, payload: &Value) -> (EventOutcome, Answer) {
        match Interaction::from_payload(payload) {
            Interaction::Action(action) => self.home_action(action),
            Interaction::Submission(submission) => self.submitted(submission),
            Interaction::Closed => (EventOutcome::Ignored, Answer::empty(200)),
            Interaction::Other(kind) => {
                log::debug!("acknowledged a {kind} interaction this version does not act on");
                (EventOutcome::Ignored, Answer::empty(200))
            }
        }
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
        assert_eq!(jobs.next(wait), Some(open));
        assert_eq!(jobs.next(wait), Some(publish));
        assert!(matches!(jobs.next(wait), Some(Job::Remove { .. })));
        assert_eq!(jobs.next(wait), None);
    }
}
