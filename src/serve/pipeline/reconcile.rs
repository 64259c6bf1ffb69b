//! serve's own reconciling cycle. Every `--reconcile-every` (and once shortly after start) it
//! reads every onboarded member's status the way `poll` does ([`crate::statuses`]), and hands each member whose status
//! is not the one applied to the workers as a wanted status. So a deployment that runs only
//! `serve` converges after a crash (acknowledged events lost with the process), a shed burst, or
//! a status that expired without an event; the workers, the loop guard and the claims do the
//! rest exactly as for an event.

use std::time::{Duration, Instant};

use super::queue::Request;
use super::{Arrival, Pipeline};
use crate::signals::Stop;
use crate::statuses::{self, ReadOptions};

/// The first cycle runs this long after start (or after `every`, if that is sooner), so a
/// restart converges soon without holding up the start itself.
const FIRST_CYCLE_AFTER: Duration = Duration::from_secs(10);

/// Members read at once (Slack's tiers still pace the calls).
const CONCURRENCY: usize = 4;

/// Runs cycles every `every` until `stop`.
pub fn run(pipeline: &Pipeline, every: Duration, retention: Duration, stop: &Stop) {
    let mut next = Instant::now() + FIRST_CYCLE_AFTER.min(every);
    loop {
        if stop.sleep(next.saturating_duration_since(Instant::now())) {
            return;
        }
        let started = Instant::now();
        match pipeline.reconcile(retention, stop) {
            Ok(wanted) => log::info!(
                "reconciled: {wanted} member{} to change, in {:.1} s",
                if wanted == 1 { "" } else { "s" },
                started.elapsed().as_secs_f64()
            ),
            Err(err) => log::warn!("reconciling failed ({err:#}); trying again next cycle"),
        }
        next = started + every;
    }
}

impl Pipeline {
    /// One cycle: reads every member's status and queues (as wanted) those whose status is not
    /// the one applied or being applied. Returns how many it handed over.
    fn reconcile(&self, retention: Duration, stop: &Stop) -> anyhow::Result<usize> {
        // Wishes to disconnect left unfinished (a failed step, a process that stopped).
        self.resume_disconnects();
        // The installations, and the workspaces an org-wide install is granted to.
        (self.notify)(super::Notice::Installations);
        // Members to be forgotten left unfinished, finished here (on this thread), under a
        // claimant of its own: this process's workers are others to it.
        let forgetter = crate::state::Claimant::new("serve-forget");
        if let Err(err) = crate::members::forget::finish_pending(&self.context, &forgetter) {
            log::warn!("finishing the members to be forgotten: {err:#}");
        }
        // What is applied, as the store has it (through the index: a request per 1,000
        // members), for members this process has not applied anything to since it started.
        let (cost, preset_on) = self.learn_from_store()?;
        log::debug!("reconcile read the applied state: {cost:?}");
        // Who is connected, again from the token records (the app adds and removes members as
        // they come and go meanwhile).
        if let Err(err) = self
            .connected
            .refill(self.context.store.as_ref(), self.context.tokens.as_ref())
        {
            log::warn!("reading who is connected: {err:#}");
        }
        let table = self.presets.snapshot();
        let mut members: Vec<_> = table.users().cloned().collect();
        if !table.sections.is_empty() {
            members.extend(
                self.connected
                    .users()
                    .into_iter()
                    .filter(|u| !table.contains(u)),
            );
        }
        // A member whose preset is on though their presets are gone is looked at again, as
        // when serve sees them go: their usual profile goes back (one rule for every caller:
        // apply::MemberFacts::gather).
        for user in preset_on.iter().filter(|user| !self.serves(user)) {
            self.reread_later(user);
        }
        let options = ReadOptions {
            concurrency: CONCURRENCY,
            progress: false,
        };
        let (seen, reads) = statuses::read_statuses(
            self.context.store.as_ref(),
            self.context.slack.as_ref(),
            self.context.tokens.as_ref(),
            &members,
            options,
            stop,
        )?;
        // Members Slack says are deactivated are marked (unmarked once back); those gone past
        // the retention period are forgotten.
        let now = crate::clock::unix_now();
        if let Err(err) = crate::members::deactivated::note(self.context.store.as_ref(), &seen)
            .and_then(|()| {
                crate::members::deactivated::forget_due(&self.context, &forgetter, retention, now)
            })
        {
            log::warn!("keeping track of deactivated members: {err:#}");
        }
        for disconnected in reads.disconnected {
            (self.notify)(super::Notice::Remind(disconnected));
        }
        let mut handed = 0;
        for (user, status) in seen {
            let seen = match status {
                Ok(seen) if !seen.deleted => seen,
                Ok(_) => continue,
                Err(reason) => {
                    log::warn!("reconciling {user}: {reason}");
                    continue;
                }
            };
            if self.retries.contains(&user) {
                // A failure's retry is already scheduled; it keeps its own pace.
                continue;
            }
            let request = Request {
                user,
                emoji: seen.status_emoji.trim().to_owned(),
                profile: seen.profile,
                event_id: "reconcile".to_owned(),
                attempt: 0,
                reread: false,
            };
            if self.admit(request, false, Arrival::Later).is_ok() {
                handed += 1;
            }
        }
        Ok(handed)
    }
}
