//! Token rotation: a connected token that expires (Slack's rotation gives 12 hours) is refreshed
//! before it lapses (within [`REFRESH_WINDOW`] of its end), with `oauth.v2.access`
//! (`grant_type=refresh_token`).
//!
//! Slack's refresh tokens are single use, and two refreshes of one token leave one side with a
//! spent token, so exactly one refresh happens per rotation, across threads, processes and
//! replicas:
//! - a refresh is claimed in the member's record first (a conditional write) under a name of
//!   its own for each attempt, so two threads of one process are two claimants; whoever loses
//!   waits for the winner's result and reads it from the store;
//! - the claim lives as long as its holder works on it (renewed by [`crate::lease`], whatever
//!   Slack's latency or `Retry-After`), and the refresh token is sent only while it holds;
//! - the refresh token sent is the one in the record as of the claim;
//! - an `invalid_refresh_token` is checked against the store before anyone is called
//!   disconnected: when the record holds another refresh token by then, a fresher token is
//!   there, and it is used.

use std::time::Duration;

use anyhow::{anyhow, Result};

use super::seal::{SealKey, Sealed};
use super::stored::{self, Connection, MemberToken};
use crate::exit::UsageError;
use crate::lease;
use crate::presets::UserId;
use crate::slack::{ClientCredentials, SlackClient, SlackError};
use crate::state::Claim;
use crate::store::Store;

/// A token is refreshed once it has less than this left.
pub const REFRESH_WINDOW: u64 = 2 * 3600;

/// How long a process waits for another's refresh before giving up (for now: the token is
/// still good, or the next use tries again).
const WAIT_FOR_OTHERS: Duration = Duration::from_secs(90);

/// What refreshing needs: the app's credentials and a client to call Slack with.
#[derive(Debug)]
pub struct Refresher {
    pub client: ClientCredentials,
    pub slack: std::sync::Arc<SlackClient>,
}

/// Whether a record's token is due for a refresh at `now`.
pub fn due(record: &MemberToken, now: u64) -> bool {
    record.connection == Connection::Connected
        && record.refresh.is_some()
        && record
            .expires_at
            .is_some_and(|at| now + REFRESH_WINDOW >= at)
}

/// Whether Slack's answer means the token (or refresh token) will never work again.
pub fn is_dead(err: &SlackError) -> bool {
    err.fix() == crate::slack::Fix::TokenDead
}

/// Marks a member disconnected in a workspace (their token is dead), but only while the record
/// still holds what was found dead (`still`: the record as it was used): a fresher token stored
/// meanwhile by another thread or process is kept. Returns whether they were marked.
pub fn disconnect(
    store: &dyn Store,
    team: &str,
    user: &UserId,
    reason: &str,
    now: u64,
    still: &dyn Fn(&MemberToken) -> bool,
) -> Result<bool> {
    let mut marked = false;
    stored::update_member(store, team, user, &mut |record| {
        marked = false;
        if matches!(record.connection, Connection::Disconnected { .. }) || !still(record) {
            return Ok(false);
        }
        record.connection = Connection::Disconnected {
            reason: reason.to_owned(),
            at: now,
        };
        record.refreshing = None;
        marked = true;
        Ok(true)
    })?;
    if marked {
        log::warn!("{user} is disconnected ({reason}): they need to connect their profile again");
    }
    Ok(marked)
}

/// The member's record in `team` with a token good for now: refreshed first when due (or
/// waiting for another thread's or process's refresh). `by` names this process in claims.
pub fn fresh(
    store: &dyn Store,
    key: &SealKey,
    refresher: Option<&Refresher>,
    team: &str,
    user: &UserId,
    by: &str,
) -> Result<MemberToken> {
    let started = std::time::Instant::now();
    // A name of this attempt's own: another thread of this process is another claimant.
    let claimant = format!("{by}/{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    loop {
        let now = crate::clock::unix_now();
        let record = stored::load_member(store, team, user)?
            .ok_or_else(|| anyhow!("{user} has no connected token in {team} any more"))?;
        if !due(&record, now) {
            return Ok(record);
        }
        let Some(refresher) = refresher else {
            if record.expires_at.is_some_and(|at| now >= at) {
                return Err(UsageError::new(format!(
                    "the connected token of {user} has expired, and refreshing it needs the \
                     app's SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"
                ))
                .into());
            }
            // Still good for a while; serve (or a command with the credentials) refreshes it.
            return Ok(record);
        };
        let mut claimed = None;
        stored::update_member(store, team, user, &mut |r| {
            // A conditional write may run this again on newer bytes: decide afresh each time.
            claimed = None;
            let busy = r
                .refreshing
                .as_ref()
                .is_some_and(|c| c.by != claimant && c.holds(now));
            if !due(r, now) || busy {
                return Ok(false);
            }
            r.refreshing = Some(Claim {
                by: claimant.clone(),
                emoji: String::new(),
                until: now + lease::HOLD,
            });
            claimed = Some(r.clone());
            Ok(true)
        })?;
        let Some(claimed) = claimed else {
            // Someone else is refreshing, or just did: look again shortly.
            if started.elapsed() > WAIT_FOR_OTHERS {
                return Err(anyhow!(
                    "another process has been refreshing the token of {user} for over {} s; \
                     try again",
                    WAIT_FOR_OTHERS.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
            continue;
        };
        let renew = || renew_claim(store, team, user, &claimant);
        return lease::hold(lease::RENEW_EVERY, renew, |held| {
            refresh(store, key, refresher, &claimed, &claimant, held)
        });
    }
}

/// Extends this claimant's refresh claim; false when it is no longer theirs.
fn renew_claim(store: &dyn Store, team: &str, user: &UserId, claimant: &str) -> Result<bool> {
    let mut ours = false;
    stored::update_member(store, team, user, &mut |r| {
        ours = false;
        let Some(claim) = r.refreshing.as_mut().filter(|c| c.by == claimant) else {
            return Ok(false);
        };
        claim.until = crate::clock::unix_now() + lease::HOLD;
        ours = true;
        Ok(true)
    })?;
    Ok(ours)
}

/// Refreshes `record`, which `claimant` claimed (it is the record as of the claim).
fn refresh(
    store: &dyn Store,
    key: &SealKey,
    refresher: &Refresher,
    record: &MemberToken,
    claimant: &str,
    held: &lease::Lease,
) -> Result<MemberToken> {
    let (team, user) = (record.team.as_str(), &record.user);
    let release = || {
        stored::update_member(store, team, user, &mut |r| {
            let ours = r.refreshing.as_ref().is_some_and(|c| c.by == claimant);
            if ours {
                r.refreshing = None;
            }
            Ok(ours)
        })
    };
    let location = store.location(&stored::member_key(team, user));
    let refresh_token = match record.open_refresh(key) {
        Some(Ok(token)) => token,
        Some(Err(err)) => {
            release()?;
            return Err(UsageError::new(format!(
                "the refresh token of {user} ({location}): {err}"
            ))
            .into());
        }
        None => {
            release()?;
            return Err(anyhow!(
                "{user}'s token cannot be refreshed: no refresh token"
            ));
        }
    };
    let sent: Option<Sealed> = record.refresh.clone();
    let answer = refresher
        .slack
        .oauth_refresh(&refresher.client, &refresh_token, &|| held.held());
    match answer {
        Ok(granted) => {
            let now = crate::clock::unix_now();
            let mut updated = None;
            stored::update_member(store, team, user, &mut |r| {
                updated = None;
                if r.refresh != sent {
                    // Stored by another holder after this one's claim lapsed: theirs stays.
                    updated = Some(r.clone());
                    return Ok(false);
                }
                let binding = |what| stored::member_binding(team, user, what);
                r.access = key.seal(&binding("access"), granted.access.expose().as_bytes());
                if let Some(next) = &granted.refresh {
                    r.refresh = Some(key.seal(&binding("refresh"), next.expose().as_bytes()));
                }
                r.expires_at = granted.expires_in.map(|s| now + s);
                r.refreshing = None;
                updated = Some(r.clone());
                Ok(true)
            })?;
            log::info!("refreshed the connected token of {user}");
            updated.ok_or_else(|| anyhow!("{user}'s record vanished while it was refreshed"))
        }
        Err(err) if is_dead(&err) => {
            let code = err.code().unwrap_or("refused").to_owned();
            // A fresher token may be in the store (another holder refreshed): not dead then.
            let marked = disconnect(store, team, user, &code, crate::clock::unix_now(), &|r| {
                r.refresh == sent
            })?;
            if !marked {
                if let Some(current) = stored::load_member(store, team, user)? {
                    if current.connection == Connection::Connected && current.refresh != sent {
                        release()?;
                        log::info!(
                            "{user}'s refresh token was spent by another process, which \
                             stored a fresh token: using it"
                        );
                        return Ok(current);
                    }
                }
            }
            Err(UsageError::new(format!(
                "{user} is disconnected: Slack refused to refresh their token ({code})"
            ))
            .into())
        }
        Err(err) => {
            release()?;
            Err(anyhow!("refreshing the token of {user}: {err}"))
        }
    }
}
