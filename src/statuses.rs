//! Reading members' statuses, the shared part of `poll` and serve's reconcile: every onboarded
//! member's status with the plan that finishes first under Slack's tiers (paged `users.list`
//! with each workspace's bot token, `users.profile.get` with each member's own token, or the
//! first then the second), remembering each workspace's size in the store to plan the next.

use std::collections::HashMap;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::parallel;
use crate::presets::UserId;
use crate::progress;
use crate::signals::Stop;
use crate::slack::{Method, SlackClient};
use crate::store::Store;
use crate::tokens::Tokens;

/// Where the reader remembers the workspace's size (without an installation), to plan its
/// reads.
pub const WORKSPACE_KEY: &str = "workspace.json";

/// Members per `users.list` page.
pub const PAGE_SIZE: usize = 200;

/// A rough per-call latency, to compare plans whose calls all fit in one tier window.
const CALL_SECONDS: f64 = 0.1;

/// How the statuses are read.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Members read at once.
    pub concurrency: usize,
    /// A progress bar on a terminal.
    pub progress: bool,
}

/// What was read of one member.
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

/// The reads a cycle made.
#[derive(Debug, Clone, Serialize)]
pub struct Reads {
    pub plan: ReadPlan,
    /// Read calls made (`users.list` pages plus `users.profile.get` calls).
    pub calls: u64,
    /// Members not read because their connection stopped working: whoever reads decides
    /// whether to remind them.
    #[serde(skip)]
    pub disconnected: Vec<crate::tokens::Disconnected>,
}

/// What the reader remembers of the workspace between reads.
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
    options: ReadOptions,
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
                disconnected: Vec::new(),
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
            Err(err) => return Some((Err(err), false)),
        };
        let result = match slack.profile_get(&token, user.as_str()) {
            Ok(profile) => Ok(Seen {
                status_emoji: profile.status_emoji.clone(),
                profile,
                deleted: false,
            }),
            // Slack's word that the member's account is deactivated.
            Err(err) if err.code() == Some("account_inactive") => Ok(Seen {
                status_emoji: String::new(),
                profile: Default::default(),
                deleted: true,
            }),
            Err(err) => Err(anyhow::Error::from(err)),
        };
        bar.inc(1);
        Some((result, true))
    });
    bar.finish_and_clear();
    let mut disconnected = Vec::new();
    for (user, read) in rest.into_iter().zip(read) {
        if let Some((result, called)) = read {
            calls += u64::from(called);
            let result = result.map_err(|err| {
                disconnected
                    .extend(crate::exit::find::<crate::tokens::Disconnected>(&err).cloned());
                err.to_string()
            });
            seen.insert(user.clone(), result);
        }
    }
    Ok((
        seen,
        Reads {
            plan,
            calls,
            disconnected,
        },
    ))
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
