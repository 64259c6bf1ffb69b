//! Token rotation: a connected token that expires (Slack's rotation gives 12 hours) is refreshed
//! before it lapses (within [`REFRESH_WINDOW`] of its end), with `oauth.v2.access`
//! (`grant_type=refresh_token`). Slack's refresh tokens are single use, and two refreshes of one
//! token at once leave one pair dead, so a refresh is claimed in the member's record first (a
//! conditional write: of two processes or replicas, one refreshes, the other waits for its
//! result). A refresh Slack refuses for good marks the member disconnected: nothing retries it.

use std::time::Duration;

use anyhow::{anyhow, Result};

use super::seal::SealKey;
use super::stored::{self, Connection, MemberToken};
use crate::exit::UsageError;
use crate::presets::UserId;
use crate::slack::{ClientCredentials, SlackClient, SlackError};
use crate::state::Claim;
use crate::store::Store;

/// A token is refreshed once it has less than this left.
pub const REFRESH_WINDOW: u64 = 2 * 3600;

/// How long a refresh claim holds (a refresh is one call).
const CLAIM_SECONDS: u64 = 60;

/// How long a process waits for another's refresh before giving up.
const WAIT_FOR_OTHERS: Duration = Duration::from_secs(30);

/// What refreshing needs: the app's credentials and a client to call Slack with.
#[derive(Debug)]
pub struct Refresher {
    pub client: ClientCredentials,
    pub slack: SlackClient,
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
    matches!(
        err.code(),
        Some(
            "invalid_refresh_token"
                | "token_revoked"
                | "invalid_auth"
                | "account_inactive"
                | "not_authed"
        )
    )
}

/// Marks a member disconnected (their token is dead): nothing uses or refreshes it again until
/// they connect again.
pub fn disconnect(store: &dyn Store, user: &UserId, reason: &str, now: u64) -> Result<()> {
    stored::update_member(store, user, &mut |record| {
        if matches!(record.connection, Connection::Disconnected { .. }) {
            return Ok(false);
        }
        record.connection = Connection::Disconnected {
            reason: reason.to_owned(),
            at: now,
        };
        record.refreshing = None;
        Ok(true)
    })?;
    log::warn!("{user} is disconnected ({reason}): they need to connect their profile again");
    Ok(())
}

/// The member's record with a token good for now: refreshed first when due (or waiting for
/// another process's refresh), as `by`.
pub fn fresh(
    store: &dyn Store,
    key: &SealKey,
    refresher: Option<&Refresher>,
    user: &UserId,
    by: &str,
) -> Result<MemberToken> {
    let started = std::time::Instant::now();
    loop {
        let now = crate::unix_now();
        let record = stored::load_member(store, user)?
            .ok_or_else(|| anyhow!("{user} has no connected token any more"))?;
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
        let busy = |r: &MemberToken| {
            r.refreshing
                .as_ref()
                .is_some_and(|c| c.by != by && c.holds(now))
        };
        let mut won = false;
        stored::update_member(store, user, &mut |r| {
            // A conditional write may run this again on newer bytes: decide afresh each time.
            won = false;
            if !due(r, now) || busy(r) {
                return Ok(false);
            }
            r.refreshing = Some(Claim {
                by: by.to_owned(),
                emoji: String::new(),
                until: now + CLAIM_SECONDS,
            });
            won = true;
            Ok(true)
        })?;
        if !won {
            // Someone else is refreshing, or just did: look again shortly.
            if started.elapsed() > WAIT_FOR_OTHERS {
                return Err(anyhow!(
                    "another process has been refreshing the token of {user} for over {} s; \
                     try again",
                    WAIT_FOR_OTHERS.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(250));
            continue;
        }
        return refresh(store, key, refresher, &record, by);
    }
}

/// Refreshes a record this process has claimed.
fn refresh(
    store: &dyn Store,
    key: &SealKey,
    refresher: &Refresher,
    record: &MemberToken,
    by: &str,
) -> Result<MemberToken> {
    let user = &record.user;
    let release = |store: &dyn Store| {
        stored::update_member(store, user, &mut |r| {
            let ours = r.refreshing.as_ref().is_some_and(|c| c.by == by);
            if ours {
                r.refreshing = None;
            }
            Ok(ours)
        })
    };
    let refresh_token = match record.open_refresh(key) {
        Some(Ok(token)) => token,
        Some(Err(err)) => {
            release(store)?;
            return Err(UsageError::new(format!(
                "the refresh token of {user} ({}): {err}",
                store.location(&stored::member_key(user))
            ))
            .into());
        }
        None => {
            release(store)?;
            return Err(anyhow!(
                "{user}'s token cannot be refreshed: no refresh token"
            ));
        }
    };
    match refresher
        .slack
        .oauth_refresh(&refresher.client, &refresh_token)
    {
        Ok(granted) => {
            let now = crate::unix_now();
            let team = record.team.clone();
            let mut updated = None;
            stored::update_member(store, user, &mut |r| {
                let binding = |what| stored::member_binding(&team, user, what);
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
            disconnect(
                store,
                user,
                err.code().unwrap_or("refused"),
                crate::unix_now(),
            )?;
            Err(UsageError::new(format!(
                "{user} is disconnected: Slack refused to refresh their token ({})",
                err.code().unwrap_or("refused")
            ))
            .into())
        }
        Err(err) => {
            release(store)?;
            Err(anyhow!("refreshing the token of {user}: {err}"))
        }
    }
}
