//! The workers: each takes a member's request off the queue and applies it through the
//! engine (the member's state read first, paused members kept on their usual profile, a claim
//! so no two processes write one member at once); what fails is tried again later, on a
//! backoff, or when the next event comes.

use std::time::Instant;

use super::queue::Request;
use super::{Fingerprint, Pipeline, CLAIM_RECHECK};
use crate::apply::{self, MemberFacts, Run, Target};
use crate::presets::UserId;
use crate::serve::metrics::ApplyOutcome;
use crate::state::{self, Applied};

impl Pipeline {
    /// A worker: takes requests until the queue is closed and empty.
    pub fn work(&self) {
        while let Some(request) = self.queue.take(None) {
            let outcome = self.apply(&request);
            self.metrics.apply(outcome);
            if self.wishes.leaving.contains(&request.user) {
                match outcome {
                    ApplyOutcome::Failed => self.disconnect_stalled(
                        &request.user,
                        "putting your usual name and photo back failed",
                    ),
                    ApplyOutcome::Elsewhere => {}
                    _ => self.finish_disconnect(&request.user),
                }
            }
            self.queue.done(&request.user);
            self.feed_wanted();
        }
    }

    /// Reads the member's profile with their own token, for a request that asks for it.
    fn read_profile(&self, request: &Request) -> anyhow::Result<Request> {
        let user = &request.user;
        let token = self.context.tokens.for_user(user).inspect_err(|_| {
            self.disconnect_stalled(user, "your token could not be used");
        })?;
        let profile = self
            .context
            .slack
            .profile_get(&token, user.as_str())
            .inspect_err(|_| {
                self.disconnect_stalled(user, "Slack did not let statusinator read your profile");
            })?;
        Ok(Request {
            emoji: profile.status_emoji.trim().to_owned(),
            profile,
            reread: false,
            ..request.clone()
        })
    }

    /// Applies one request through the engine.
    fn apply(&self, request: &Request) -> ApplyOutcome {
        // A member being forgotten is written by their forget alone (which puts their usual
        // profile back first): no claim, no write, no record here.
        if self.wishes.forgetting.contains(&request.user) {
            return ApplyOutcome::Paused;
        }
        let fresh;
        let request = if request.reread {
            match self.read_profile(request) {
                Ok(read) => {
                    fresh = read;
                    &fresh
                }
                Err(err) => {
                    let err = err.context(format!("reading the profile of {}", request.user));
                    self.retry_later(request, &err);
                    return ApplyOutcome::Failed;
                }
            }
        } else {
            request
        };
        let user = &request.user;
        if let Err(err) = self.presets.refresh_if_due() {
            log::warn!(
                "could not check users.json for changes ({err:#}); using the presets in memory"
            );
        }
        let table = self.presets.snapshot();
        let own = table.get(user).map(std::borrow::Cow::Owned);
        let connection = self.connected.place(user);
        // Another process (poll, a second serve) may have applied since: its record wins.
        let state = match state::load_state(self.context.store.as_ref(), user) {
            Ok(state) => {
                let paused = state.as_ref().is_some_and(|s| s.paused_at.is_some());
                self.wishes.pauses.stored_as(user, paused);
                state
            }
            Err(err) => {
                log::warn!("{err:#}; using what this process last applied for {user}");
                let applied = self
                    .applied
                    .lock()
                    .expect("applied lock")
                    .get(user)
                    .cloned();
                Some(state::MemberState {
                    applied,
                    ..Default::default()
                })
            }
        };
        let connection = connection.as_ref();
        let Ok(member) = MemberFacts::gather(own, &table.sections, connection, state) else {
            return ApplyOutcome::NotOnboarded;
        };
        let (recorded, usual) = (member.recorded.clone(), member.usual.clone());
        // Paused (as asked here just now, else as stored), disconnecting or being forgotten:
        // only the usual profile, whatever the status.
        let paused = self.wishes.only_usual(user, member.paused);
        let target = if paused {
            Target::Usual
        } else {
            Target::Status(request.emoji.clone())
        };
        if paused && usual.is_none() {
            return ApplyOutcome::Paused;
        }
        let now = crate::clock::unix_now();
        let plan = match member.plan(user, &target, Some(&request.profile), false, now) {
            Ok(Some(plan)) => plan,
            Ok(None) => {
                log::info!(
                    "{user}: no preset for {}, no default, and their profile was never \
                     changed: nothing to do",
                    apply::display_emoji(&request.emoji)
                );
                return ApplyOutcome::NoPreset;
            }
            Err(err) => {
                self.forget(request);
                log::error!("{user}: {err:#}");
                return ApplyOutcome::Failed;
            }
        };
        if plan.changes_nothing(recorded.as_ref()) {
            if let Some(applied) = &recorded {
                self.fingerprint(user, Fingerprint::applied(applied, Some(&request.profile)));
            }
            self.remember(user, recorded);
            return ApplyOutcome::Unchanged;
        }
        // Another replica may be writing this member right now (the echo of its writes reaches
        // this one too): the engine claims the member first.
        log::debug!(
            "{user}: planned {:?} (keep usual: {}, hand edit: {:?}) from the record {:?}",
            plan.writes,
            plan.keep_usual,
            plan.hand_edit,
            recorded
        );
        // A pause answered while this change is written stops it before its next write.
        let go_on = || {
            paused
                || (self.wishes.pauses.wished(user) != Some(true)
                    && !self.wishes.forgetting.contains(user))
        };
        match self
            .engine
            .execute_claimed_while(&plan, crate::clock::unix_now(), &go_on)
        {
            Ok(Run::Done(done)) => {
                let apply::Done {
                    plan,
                    recorded: fresh,
                    written,
                    locked,
                } = *done;
                self.locked(user, &locked);
                if let Some(at) = plan.status_expires_at {
                    self.lapses.at(user, at);
                }
                // What Slack shows now: the name written, and the photo's avatar_hash as read
                // back (in the record as written): the echoes of these writes are no news.
                // (A record that waits for the store leaves the guard at the status alone.)
                if let Some(applied) = &written {
                    self.fingerprint(user, Fingerprint::applied(applied, Some(&request.profile)));
                }
                let applied =
                    written.unwrap_or_else(|| apply::after(fresh.or(recorded).as_ref(), &plan));
                self.remember(user, Some(applied));
                if paused {
                    ApplyOutcome::Paused
                } else if plan.writes.is_empty() {
                    ApplyOutcome::Unchanged
                } else {
                    log::info!(
                        "{user}: {} → preset {} applied (event {})",
                        apply::display_emoji(&request.emoji),
                        plan.preset,
                        request.event_id
                    );
                    ApplyOutcome::Applied
                }
            }
            Ok(Run::Elsewhere(other)) => {
                log::info!(
                    "{user}: {} is applying {} (claimed until {}); looking again in {} s",
                    other.by,
                    apply::display_emoji(&other.emoji),
                    other.until,
                    CLAIM_RECHECK.as_secs()
                );
                self.forget(request);
                self.retries
                    .at(Instant::now() + CLAIM_RECHECK, request.clone());
                ApplyOutcome::Elsewhere
            }
            Err(err) if err.is::<apply::Stopped>() => {
                log::info!("{err:#}");
                self.forget(request);
                // The pause, once stored, has their profile looked at again: their usual one
                // goes back then.
                ApplyOutcome::Paused
            }
            Err(err) => {
                self.forget(request);
                self.retry_later(request, &err);
                ApplyOutcome::Failed
            }
        }
    }

    /// Fields Slack refused as locked: counted, and the member told once (a direct message
    /// and their Home) what was refused and that the rest was applied.
    fn locked(&self, user: &UserId, locked: &[apply::Locked]) {
        for lock in locked {
            self.metrics.locked(lock.field);
        }
        let first: Vec<&apply::Locked> = locked.iter().filter(|l| l.first).collect();
        if first.is_empty() {
            return;
        }
        let Some(team) = self.connected.team(user).flatten() else {
            log::info!("{user} is not connected through the app: nobody to tell of the lock");
            return;
        };
        let what: Vec<String> = first
            .iter()
            .map(|l| format!("your {} (Slack said `{}`)", l.field.label(), l.code))
            .collect();
        let text = format!(
            "Your organization does not let statusinator change {}, so it is left as it is; \
             the rest of your preset is applied. statusinator tries again in a day, or when you \
             press *Try again* on its Home tab.",
            what.join(" or ")
        );
        (self.notify)(super::Notice::Tell {
            team: team.clone(),
            user: user.clone(),
            text,
        });
        (self.notify)(super::Notice::Home {
            team,
            user: user.clone(),
        });
    }

    /// What is applied for a member, as this process now knows it.
    fn remember(&self, user: &UserId, applied: Option<Applied>) {
        if let Some(applied) = applied {
            self.applied
                .lock()
                .expect("applied lock")
                .insert(user.clone(), applied);
        }
    }

    /// A request failed: the next event with that status tries again.
    fn forget(&self, request: &Request) {
        let mut guard = self.guard.lock().expect("guard lock");
        if guard
            .get(&request.user)
            .is_some_and(|seen| seen.emoji == request.emoji)
        {
            guard.remove(&request.user);
        }
    }
}
