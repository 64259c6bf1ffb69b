//! Requests to try again, and when: a change that failed for a reason that passes (Slack or
//! the store unreachable after the client's own retries) is tried again on a backoff, then given
//! up to the next reconcile or poll; a member another process is writing is looked at again
//! shortly. The latest status wins: a member has at most one request waiting.
//!
//! Who writes what: the workers schedule; the tick takes what is due; the reconcile asks. One
//! lock, held only for the list.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::queue::Request;
use super::{Arrival, Notice, Pipeline};
use crate::exit::UsageError;
use crate::presets::UserId;

/// The waits before each retry of a change that failed for a reason that passes.
const BACKOFF: [Duration; 6] = [
    Duration::from_secs(5),
    Duration::from_secs(15),
    Duration::from_secs(30),
    Duration::from_secs(60),
    Duration::from_secs(120),
    Duration::from_secs(300),
];

/// Requests waiting to be tried again.
#[derive(Debug, Default)]
pub struct Retries {
    waiting: Mutex<Vec<(Instant, Request)>>,
}

impl Retries {
    /// Works `request` again at `at`, in place of any other waiting request of that member.
    pub fn at(&self, at: Instant, request: Request) {
        let mut waiting = self.waiting.lock().expect("retries lock");
        waiting.retain(|(_, w)| w.user != request.user);
        waiting.push((at, request));
    }

    /// Whether a retry of `user`'s request waits.
    pub fn contains(&self, user: &UserId) -> bool {
        self.waiting
            .lock()
            .expect("retries lock")
            .iter()
            .any(|(_, w)| &w.user == user)
    }

    /// The requests due by `now`, taken out.
    fn take_due(&self, now: Instant) -> Vec<Request> {
        let mut waiting = self.waiting.lock().expect("retries lock");
        let (due, wait): (Vec<_>, Vec<_>) = waiting.drain(..).partition(|(at, _)| *at <= now);
        *waiting = wait;
        due.into_iter().map(|(_, r)| r).collect()
    }

    pub fn len(&self) -> usize {
        self.waiting.lock().expect("retries lock").len()
    }
}

impl Pipeline {
    /// Logs a failure; one that passes (Slack or the store unreachable) is tried again later.
    /// A member whose connection stopped working is reminded how to connect again (an app
    /// job), and not tried again.
    pub(super) fn retry_later(&self, request: &Request, err: &anyhow::Error) {
        if let Some(disconnected) = crate::exit::find::<crate::tokens::Disconnected>(err) {
            log::warn!("{err:#}");
            (self.notify)(Notice::Remind(disconnected.clone()));
            return;
        }
        // Only what a later try can fix is tried again.
        let lasting = err.chain().any(|cause| {
            cause.is::<UsageError>()
                || cause
                    .downcast_ref::<crate::slack::SlackError>()
                    .is_some_and(|slack| {
                        matches!(
                            slack.fix(),
                            crate::slack::Fix::TokenDead | crate::slack::Fix::Setup
                        )
                    })
        });
        match BACKOFF.get(request.attempt as usize) {
            Some(wait) if !lasting => {
                log::warn!(
                    "{err:#}; trying {} again in {} s",
                    request.user,
                    wait.as_secs()
                );
                let mut again = request.clone();
                again.attempt += 1;
                self.retries.at(Instant::now() + *wait, again);
            }
            _ => log::error!("{err:#}"),
        }
    }

    /// Queues the requests whose retry is due, unless a newer status of theirs came since.
    pub(super) fn retry_due(&self) {
        for request in self.retries.take_due(Instant::now()) {
            if self
                .guard
                .lock()
                .expect("guard lock")
                .contains_key(&request.user)
            {
                continue;
            }
            let user = request.user.clone();
            if let Ok(admission) = self.admit(request, false, Arrival::Later) {
                if admission.kept() {
                    log::info!("{user}: trying again");
                }
            }
        }
    }
}
