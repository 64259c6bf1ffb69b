//! poll: one reconciling cycle. Read every onboarded member's status (see
//! [`crate::statuses`]), compare it with what was last applied, and apply only the differences
//! through the apply engine. One member's failure never stops the others.

mod report;

use std::collections::BTreeMap;

use anyhow::Result;

use crate::apply::{self, Engine, MemberFacts, Run, Target, Write};
use crate::parallel;
use crate::presets::UserId;
use crate::progress;
use crate::signals::Stop;
use crate::state;
use crate::statuses::{read_statuses, ReadOptions};
use crate::store;

pub use report::{MemberOutcome, MemberReport, Report, UsualReport, Writes};

/// Options of a poll cycle.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Members read and applied at once.
    pub concurrency: usize,
    /// Read and plan; write nothing.
    pub dry_run: bool,
    /// A progress bar on a terminal.
    pub progress: bool,
    /// How long a deactivated member's data is kept (`ZERO`: for good).
    pub forget_deleted_after: std::time::Duration,
}

/// Runs one cycle. `stop` ends it between members.
pub fn cycle(
    ctx: &crate::context::Context,
    engine: &Engine,
    options: Options,
    stop: &Stop,
) -> Result<Report> {
    let (slack, tokens) = (ctx.slack.as_ref(), ctx.tokens.as_ref());
    let store = ctx.store.as_ref();
    // Forgetting claims members under a claimant of its own: the cycle's writes are others'.
    let forgetter = crate::state::Claimant::new("poll-forget");
    // Members to be forgotten left unfinished (a failure, a process that stopped): finished
    // first, so the cycle never writes them.
    if !options.dry_run {
        if let Err(err) = crate::members::forget::finish_pending(ctx, &forgetter) {
            log::warn!("finishing the members to be forgotten: {err:#}");
        }
    }
    let users = store::require_users(store)?;
    let recorded = state::load_all(store, !options.dry_run)?;
    // With workspace presets, every connected member too (with their workspace).
    let connected = if users.sections.is_empty() {
        BTreeMap::new()
    } else {
        crate::workspace::connected_members(store, tokens)?
    };
    let mut members: Vec<UserId> = users.users.keys().cloned().collect();
    members.extend(
        connected
            .keys()
            .filter(|u| !users.users.contains_key(*u))
            .cloned(),
    );
    // And a member whose preset is on though their presets are gone: their usual profile
    // goes back (one rule for every caller: apply::MemberFacts::gather).
    members.extend(
        recorded
            .iter()
            .filter(|(u, _)| !users.users.contains_key(*u) && !connected.contains_key(*u))
            .filter(|(_, s)| s.applied.as_ref().is_some_and(apply::preset_on))
            .map(|(u, _)| u.clone()),
    );
    members.sort_unstable();
    // Members who asked to disconnect get nothing but their usual profile, after the cycle.
    let leaving = crate::members::disconnect::pending_members(store)?;

    let reading = ReadOptions {
        concurrency: options.concurrency,
        progress: options.progress,
    };
    let (seen, read) = read_statuses(store, slack, tokens, &members, reading, stop)?;
    // Members whose connection stopped working are told how to connect again (once a day).
    if !options.dry_run {
        for disconnected in &read.disconnected {
            tokens.remind(disconnected);
        }
    }

    // Plan every member, then apply those with something to do.
    let mut reports: BTreeMap<UserId, MemberReport> = BTreeMap::new();
    let mut work = Vec::new();
    for user in &members {
        let mut report = MemberReport {
            user: user.clone(),
            status: None,
            preset: None,
            outcome: MemberOutcome::Unchanged,
            writes: Vec::new(),
            error: None,
            usual: None,
        };
        match seen.get(user) {
            None => report.outcome = MemberOutcome::Stopped,
            Some(Err(error)) => {
                report.outcome = MemberOutcome::Failed;
                report.error = Some(error.clone());
            }
            Some(Ok(s)) if s.deleted => report.outcome = MemberOutcome::Deactivated,
            Some(Ok(_)) if leaving.contains(user) => report.outcome = MemberOutcome::Disconnecting,
            Some(Ok(_)) if recorded.get(user).is_some_and(|m| m.paused_at.is_some()) => {
                report.outcome = MemberOutcome::Paused
            }
            Some(Ok(s)) => {
                report.status = Some(s.status_emoji.clone());
                let own = users.users.get(user).map(std::borrow::Cow::Borrowed);
                let connection = connected.get(user);
                let state = recorded.get(user).cloned();
                let Ok(member) = MemberFacts::gather(own, &users.sections, connection, state)
                else {
                    // Nothing of statusinator's for them: nothing to do, as for a status
                    // without a preset.
                    report.outcome = MemberOutcome::NoPreset;
                    reports.insert(user.clone(), report);
                    continue;
                };
                report.usual = member.usual.as_ref().map(|u| UsualReport {
                    name: u.name.clone(),
                    picture: u.picture.clone(),
                });
                let previous = member.recorded.as_ref();
                let target = Target::Status(s.status_emoji.clone());
                let now = crate::clock::unix_now();
                match member.plan(user, &target, Some(&s.profile), false, now) {
                    Ok(None) => report.outcome = MemberOutcome::NoPreset,
                    Ok(Some(plan)) => {
                        report.preset = Some(plan.preset.clone());
                        report.writes = plan.writes.clone();
                        if !plan.writes.is_empty() {
                            report.outcome = MemberOutcome::Applied;
                        }
                        if !plan.changes_nothing(previous) {
                            work.push(plan);
                        }
                    }
                    Err(err) => {
                        report.outcome = MemberOutcome::Failed;
                        report.error = Some(crate::redact::error(&err));
                    }
                }
            }
        }
        reports.insert(user.clone(), report);
    }

    if !options.dry_run {
        let bar = progress::bar(work.len() as u64, "applying", options.progress);
        let results = parallel::map(&work, options.concurrency, |plan| {
            if stop.requested() {
                return None;
            }
            let result = engine.execute_claimed(plan, crate::clock::unix_now());
            bar.inc(1);
            Some(result)
        });
        bar.finish_and_clear();
        if !leaving.is_empty() && !stop.requested() {
            crate::members::disconnect::finish_pending(store, engine)?;
        }
        // Members Slack says are deactivated are marked (and unmarked once back); those gone
        // past the retention period are forgotten.
        if !stop.requested() {
            let now = crate::clock::unix_now();
            if let Err(err) = crate::members::deactivated::note(store, &seen).and_then(|()| {
                crate::members::deactivated::forget_due(
                    ctx,
                    &forgetter,
                    options.forget_deleted_after,
                    now,
                )
            }) {
                log::warn!("keeping track of deactivated members: {err:#}");
            }
        }
        for (plan, result) in work.iter().zip(results) {
            let report = reports
                .get_mut(&plan.user)
                .expect("planned members have reports");
            match result {
                None => {
                    report.outcome = MemberOutcome::Stopped;
                    report.writes.clear();
                }
                Some(Ok(Run::Done(done))) => {
                    // Less what another process wrote since the statuses were read.
                    if done.plan.writes.is_empty() {
                        report.outcome = MemberOutcome::Unchanged;
                    }
                    report.writes = done.plan.writes;
                }
                Some(Ok(Run::Elsewhere(claim))) => {
                    log::info!("{}: {} is writing them; left to it", plan.user, claim.by);
                    report.outcome = MemberOutcome::Elsewhere;
                    report.writes.clear();
                }
                Some(Err(err)) => {
                    log::error!("{err:#}");
                    if let Some(disconnected) =
                        crate::exit::find::<crate::tokens::Disconnected>(&err)
                    {
                        tokens.remind(disconnected);
                    }
                    report.outcome = MemberOutcome::Failed;
                    report.error = Some(crate::redact::error(&err));
                    report.writes.clear();
                }
            }
        }
    }

    let members: Vec<MemberReport> = reports.into_values().collect();
    let mut writes = Writes::default();
    for m in members
        .iter()
        .filter(|m| m.outcome == MemberOutcome::Applied)
    {
        for w in &m.writes {
            match w {
                Write::Name { .. } => writes.profile_set += 1,
                Write::Photo { .. } => writes.set_photo += 1,
                Write::DeletePhoto => writes.delete_photo += 1,
            }
        }
    }
    Ok(Report {
        dry_run: options.dry_run,
        read,
        writes,
        members,
    })
}
