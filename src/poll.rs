//! poll: one reconciling cycle. Read every onboarded member's status with the plan that finishes
//! first under Slack's tiers, compare it with what was last applied, and apply only the
//! differences through the apply engine. One member's failure never stops the others.

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::apply::{self, Engine, Run, Target, Write};
use crate::parallel;
use crate::presets::{EmojiKey, UserId};
use crate::progress;
use crate::signals::Stop;
use crate::slack::{Method, SlackClient};
use crate::state;
use crate::store::{self, Store};
use crate::tokens::Tokens;

/// Where poll remembers the workspace's size, to plan its reads.
pub const WORKSPACE_KEY: &str = "workspace.json";

/// Members per `users.list` page.
pub const PAGE_SIZE: usize = 200;

/// A rough per-call latency, to compare plans whose calls all fit in one tier window.
const CALL_SECONDS: f64 = 0.1;

/// Options of a poll cycle.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Members read and applied at once.
    pub concurrency: usize,
    /// Read and plan; write nothing.
    pub dry_run: bool,
    /// A progress bar on a terminal.
    pub progress: bool,
}

/// What the cycle saw of one member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub status_emoji: String,
    /// Their profile as Slack showed it.
    pub profile: crate::slack::Profile,
    pub deleted: bool,
}

/// How the statuses were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadPlan {
    /// `users.profile.get` per member, with the member's own token.
    ProfileGet,
    /// Paged `users.list` with the bot token.
    UsersList,
    /// `users.list` pages first, then `users.profile.get` for members not yet seen.
    UsersListThenProfileGet,
    /// No onboarded members: nothing to read.
    Nothing,
}

/// What happened to one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberOutcome {
    /// Their name and/or photo was written (or, on a dry run, would be).
    Applied,
    /// Everything already matched: no write.
    Unchanged,
    /// Their status has no preset and they have no `default`: nothing to do.
    NoPreset,
    /// Their Slack account is deactivated.
    Deactivated,
    /// Reading or applying failed; see `error`.
    Failed,
    /// Not reached: the cycle was stopped (SIGINT/SIGTERM).
    Stopped,
    /// Another process (`serve`) was writing them at that moment, and records what it wrote.
    Elsewhere,
    /// They paused statusinator (`/statusinator pause`): left as they are.
    Paused,
    /// They asked to disconnect: their usual profile goes back and their token is forgotten
    /// (after the cycle's changes).
    Disconnecting,
}

/// One member's line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct MemberReport {
    pub user: UserId,
    /// Their status emoji, as read (`""` when cleared).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<EmojiKey>,
    pub outcome: MemberOutcome,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub writes: Vec<Write>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Their usual profile, as statusinator keeps it (once it changed them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usual: Option<UsualReport>,
}

/// A member's usual name and photo, in a report.
#[derive(Debug, Clone, Serialize)]
pub struct UsualReport {
    pub name: String,
    /// The kept photo's store key; absent: Slack's default avatar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
}

/// The reads a cycle made.
#[derive(Debug, Clone, Serialize)]
pub struct Reads {
    pub plan: ReadPlan,
    /// Read calls made (`users.list` pages plus `users.profile.get` calls).
    pub calls: u64,
}

/// The writes a cycle made, by method.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Writes {
    #[serde(rename = "users.profile.set")]
    pub profile_set: u64,
    #[serde(rename = "users.setPhoto")]
    pub set_photo: u64,
    /// Photos removed to put Slack's default avatar back (listed when there are any).
    #[serde(rename = "users.deletePhoto", skip_serializing_if = "is_zero")]
    pub delete_photo: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What one cycle did.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub dry_run: bool,
    pub read: Reads,
    pub writes: Writes,
    pub members: Vec<MemberReport>,
}

impl Report {
    /// Members whose reading or applying failed.
    pub fn failed(&self) -> usize {
        self.count(MemberOutcome::Failed)
    }

    pub fn count(&self, outcome: MemberOutcome) -> usize {
        self.members.iter().filter(|m| m.outcome == outcome).count()
    }

    /// The report as a person reads it: members that changed or failed, then a summary.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let verb = if self.dry_run { "would set" } else { "set" };
        for m in &self.members {
            match m.outcome {
                MemberOutcome::Applied => {
                    let writes: Vec<String> = m
                        .writes
                        .iter()
                        .map(|w| match w {
                            Write::Name { display_name } => format!("name {display_name:?}"),
                            Write::Photo { picture } => format!("photo {picture}"),
                            Write::DeletePhoto => "no photo (Slack's default)".to_owned(),
                        })
                        .collect();
                    out.push_str(&format!(
                        "{} {} → {}: {verb} {}\n",
                        m.user,
                        apply::display_emoji(m.status.as_deref().unwrap_or_default()),
                        m.preset.as_ref().map(EmojiKey::as_str).unwrap_or("?"),
                        writes.join(", ")
                    ));
                }
                MemberOutcome::Failed => out.push_str(&format!(
                    "{} failed: {}\n",
                    m.user,
                    m.error.as_deref().unwrap_or("unknown error")
                )),
                MemberOutcome::Deactivated => out.push_str(&format!(
                    "{} is deactivated in Slack: skipped (remove their presets with onboard \
                     --replace, or leave them)\n",
                    m.user
                )),
                MemberOutcome::Elsewhere => out.push_str(&format!(
                    "{} was being changed by serve at the same moment: left to it\n",
                    m.user
                )),
                _ => {}
            }
        }
        let plan = match self.read.plan {
            ReadPlan::ProfileGet => "users.profile.get",
            ReadPlan::UsersList => "users.list",
            ReadPlan::UsersListThenProfileGet => "users.list + users.profile.get",
            ReadPlan::Nothing => "no",
        };
        out.push_str(&format!(
            "{} member{} read with {} call{} ({plan}): {} {}, {} unchanged, {} failed{}{}; \
             {} users.profile.set, {} users.setPhoto{}\n",
            self.members.len(),
            plural(self.members.len() as u64),
            self.read.calls,
            plural(self.read.calls),
            self.count(MemberOutcome::Applied),
            if self.dry_run { "to change" } else { "changed" },
            self.count(MemberOutcome::Unchanged),
            self.failed(),
            match self.count(MemberOutcome::NoPreset) {
                0 => String::new(),
                n => format!(", {n} without a preset for their status"),
            },
            match self.count(MemberOutcome::Stopped) {
                0 => String::new(),
                n => format!(", {n} not reached (stopped)"),
            },
            self.writes.profile_set,
            self.writes.set_photo,
            if self.dry_run {
                " (dry run: nothing written)"
            } else {
                ""
            }
        ));
        out
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// What poll remembers of the workspace between cycles.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct Workspace {
    /// Members `users.list` returned (a lower bound when `complete` is false).
    members: usize,
    /// Whether `members` counts a whole walk of `users.list`.
    complete: bool,
}

/// Seconds a plan of `calls` calls takes under a tier of `per_minute`, with `concurrency`.
fn plan_seconds(calls: usize, per_minute: u32, concurrency: usize) -> f64 {
    if calls == 0 {
        return 0.0;
    }
    let windows = calls.div_ceil(per_minute as usize) - 1;
    windows as f64 * 60.0 + calls as f64 * CALL_SECONDS / concurrency.max(1) as f64
}

fn list_seconds(pages: usize) -> f64 {
    plan_seconds(pages, Method::UsersList.per_minute(), 1)
}

fn get_seconds(members: usize, concurrency: usize) -> f64 {
    plan_seconds(members, Method::ProfileGet.per_minute(), concurrency)
}

/// Runs one cycle. `stop` ends it between members.
pub fn cycle(
    engine: &Engine<'_>,
    slack: &SlackClient,
    tokens: &Tokens,
    options: Options,
    stop: &Stop,
) -> Result<Report> {
    let store = engine.store();
    let users = store::require_users(store)?;
    let recorded = state::load_all(store, !options.dry_run)?;
    let members: Vec<UserId> = users.users.keys().cloned().collect();
    // Members who asked to disconnect get nothing but their usual profile, after the cycle.
    let leaving = crate::disconnect::pending_members(store)?;

    let (seen, read) = read_statuses(store, slack, tokens, &members, options, stop)?;

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
                let state = recorded.get(user);
                let previous = state.and_then(|s| s.applied.as_ref());
                let usual = state.and_then(|s| s.usual.as_ref());
                report.usual = usual.map(|u| UsualReport {
                    name: u.name.clone(),
                    picture: u.picture.clone(),
                });
                let facts = apply::Facts {
                    presets: &users.users[user],
                    shown: Some(&s.profile),
                    recorded: previous,
                    usual,
                };
                let target = Target::Status(s.status_emoji.clone());
                match apply::plan(user, &target, facts, false, crate::unix_now()) {
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
            let result = engine.execute_claimed(plan, crate::unix_now());
            bar.inc(1);
            Some(result)
        });
        bar.finish_and_clear();
        if !leaving.is_empty() && !stop.requested() {
            crate::disconnect::finish_pending(engine)?;
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
                Some(Ok(Run::Done { plan: done, .. })) => {
                    // Less what another process wrote since the statuses were read.
                    if done.writes.is_empty() {
                        report.outcome = MemberOutcome::Unchanged;
                    }
                    report.writes = done.writes;
                }
                Some(Ok(Run::Elsewhere(claim))) => {
                    log::info!("{}: {} is writing them; left to it", plan.user, claim.by);
                    report.outcome = MemberOutcome::Elsewhere;
                    report.writes.clear();
                }
                Some(Err(err)) => {
                    log::error!("{err:#}");
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

/// What walking one workspace's `users.list` came to.
enum Walk {
    /// Reading each member on their own is cheaper: not walked.
    Skipped,
    /// Walked `pages` pages; `complete` when to the last.
    Done { complete: bool, pages: u64 },
}

/// Walks one workspace's `users.list` with its bot token while that stays cheaper than reading
/// each member on their own (a whole walk remembered in the store under `key` says in advance
/// how many pages there are), recording the wanted members it lists.
#[allow(clippy::too_many_arguments)]
fn walk_users_list(
    store: &dyn Store,
    slack: &SlackClient,
    bot: &crate::tokens::Token,
    key: &str,
    wanted: &std::collections::HashSet<&str>,
    all_gets: f64,
    stop: &Stop,
    seen: &mut Statuses,
) -> Result<Walk> {
    let workspace: Workspace = match store.get(key)? {
        Some(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
        None => Workspace::default(),
    };
    let known_pages = workspace.members / PAGE_SIZE + 1;
    if list_seconds(known_pages) > all_gets {
        return Ok(Walk::Skipped);
    }
    let mut cursor: Option<String> = None;
    let mut pages = 0usize;
    let mut listed = 0usize;
    let complete = loop {
        if stop.requested() {
            break false;
        }
        match slack.users_list_page(bot, cursor.as_deref()) {
            Ok((page, next)) => {
                pages += 1;
                listed += page.len();
                for member in page {
                    if wanted.contains(member.id.as_str()) {
                        let user = UserId::parse(&member.id).expect("a wanted ID");
                        seen.insert(
                            user,
                            Ok(Seen {
                                status_emoji: member.profile.status_emoji.clone(),
                                profile: member.profile,
                                deleted: member.deleted,
                            }),
                        );
                    }
                }
                match next {
                    None => break true,
                    Some(next) => cursor = Some(next),
                }
                if seen.len() == wanted.len() {
                    break false;
                }
                if list_seconds(pages + 1) > all_gets && !workspace.complete {
                    log::debug!(
                        "users.list: {pages} pages so far; reading the rest with \
                         users.profile.get"
                    );
                    break false;
                }
            }
            Err(err) => {
                log::warn!(
                    "reading statuses with users.list ({}) failed ({err}); reading each member \
                     with users.profile.get instead",
                    bot.source
                );
                break false;
            }
        }
    };
    // Remember an exact count from a whole walk, or a better lower bound.
    let learned = if complete {
        Some(Workspace {
            members: listed,
            complete: true,
        })
    } else if !workspace.complete && listed > workspace.members {
        Some(Workspace {
            members: listed,
            complete: false,
        })
    } else {
        None
    };
    if let Some(learned) = learned.filter(|l| l.members != workspace.members || !workspace.complete)
    {
        let mut bytes = serde_json::to_vec(&learned)?;
        bytes.push(b'\n');
        if let Err(err) = store.put(key, &bytes, "application/json") {
            log::warn!("could not remember the workspace size: {err:#}");
        }
    }
    Ok(Walk::Done {
        complete,
        pages: pages as u64,
    })
}

/// Each member's status as read, or why it could not be read.
pub type Statuses = HashMap<UserId, Result<Seen, String>>;

/// Reads the status of every member with the cheapest plan; a member that could not be read
/// maps to the reason. poll's cycle and serve's reconcile both read this way.
pub fn read_statuses(
    store: &dyn Store,
    slack: &SlackClient,
    tokens: &Tokens,
    members: &[UserId],
    options: Options,
    stop: &Stop,
) -> Result<(Statuses, Reads)> {
    let mut seen = Statuses::new();
    let mut calls = 0u64;
    if members.is_empty() {
        return Ok((
            seen,
            Reads {
                plan: ReadPlan::Nothing,
                calls,
            },
        ));
    }
    let mut plan = ReadPlan::ProfileGet;
    // Each workspace's members with its own bot token: its installation's, else
    // SLACK_BOT_TOKEN.
    let bots: Vec<(crate::tokens::Token, String)> = tokens
        .bots()
        .into_iter()
        .map(|bot| {
            let key = match &bot.team {
                Some(team) => format!("workspaces/{team}.json"),
                None => WORKSPACE_KEY.to_owned(),
            };
            (bot, key)
        })
        .collect();
    if !bots.is_empty() {
        let all_gets = get_seconds(members.len(), options.concurrency);
        let wanted: std::collections::HashSet<&str> = members.iter().map(UserId::as_str).collect();
        let mut every_walk_complete = true;
        let mut walked = false;
        for (bot, key) in &bots {
            match walk_users_list(store, slack, bot, key, &wanted, all_gets, stop, &mut seen)? {
                Walk::Skipped => every_walk_complete = false,
                Walk::Done { complete, pages } => {
                    walked = true;
                    calls += pages;
                    every_walk_complete &= complete;
                }
            }
            if seen.len() == members.len() {
                break;
            }
        }
        if walked {
            plan = ReadPlan::UsersList;
            if every_walk_complete {
                for user in members {
                    seen.entry(user.clone()).or_insert_with(|| {
                        Err(format!(
                            "{user} is not in the workspace (users.list does not list them): \
                             check the member ID, or remove their presets"
                        ))
                    });
                }
            } else if seen.len() < members.len() {
                plan = ReadPlan::UsersListThenProfileGet;
            }
        }
    }

    // Everyone not seen yet: users.profile.get with their own token.
    let rest: Vec<&UserId> = members.iter().filter(|u| !seen.contains_key(*u)).collect();
    let bar = progress::bar(rest.len() as u64, "reading statuses", options.progress);
    let read = parallel::map(&rest, options.concurrency, |user| {
        if stop.requested() {
            return None;
        }
        let token = match tokens.for_user(user) {
            Ok(token) => token,
            Err(err) => return Some((Err(err.to_string()), false)),
        };
        let result = slack
            .profile_get(&token, user.as_str())
            .map_err(|e| e.to_string())
            .map(|profile| Seen {
                status_emoji: profile.status_emoji.clone(),
                profile,
                deleted: false,
            });
        bar.inc(1);
        Some((result, true))
    });
    bar.finish_and_clear();
    for (user, read) in rest.into_iter().zip(read) {
        if let Some((result, called)) = read {
            calls += u64::from(called);
            seen.insert(user.clone(), result);
        }
    }
    Ok((seen, Reads { plan, calls }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_page_beats_fifty_reads_and_ten_reads_beat_twenty_five_pages() {
        assert!(list_seconds(1) < get_seconds(50, 4));
        assert!(get_seconds(10, 4) < list_seconds(25));
        // 1,000 of 5,000: 25 pages (one wait for the second window) beat 1,000 reads (nine).
        assert!(list_seconds(25) < get_seconds(1000, 4));
        assert_eq!(plan_seconds(20, 20, 1), 20.0 * CALL_SECONDS);
        assert_eq!(plan_seconds(21, 20, 1), 60.0 + 21.0 * CALL_SECONDS);
    }
}
