//! Members Slack says were deactivated (left the workspace). Nothing changes their profile from
//! that moment (their events and `users.list` entries say `deleted`); when Slack first says so,
//! the moment is kept (`deactivated/<user_id>`), and once they have been gone for the retention
//! period an admin sets (`--forget-deleted-after`, 30 days by default; `0` keeps their data),
//! everything kept about them is forgotten (see [`crate::members::forget`]). A member who comes back
//! before then is simply unmarked. The log names what was removed by member ID only.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Result;

use crate::members::forget::{self, Finished};
use crate::presets::UserId;
use crate::state::Claimant;
use crate::store::Store;

/// Where the moments members were deactivated are kept.
pub const PREFIX: &str = "deactivated/";

/// The retention period when none is given.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

fn key(user: &UserId) -> String {
    format!("{PREFIX}{user}")
}

/// Slack says `user` is deactivated: keeps when it first said so. Returns whether this is news.
pub fn seen(store: &dyn Store, user: &UserId, now: u64) -> Result<bool> {
    let mut fresh = false;
    store.update(&key(user), "text/plain", &mut |current| {
        fresh = current.is_none();
        Ok(fresh.then(|| now.to_string().into_bytes()))
    })?;
    if fresh {
        log::info!("{user} was deactivated in Slack: nothing changes their profile any more");
    }
    Ok(fresh)
}

/// Slack says `user` is active (again): the mark goes, if there is one.
pub fn reactivated(store: &dyn Store, user: &UserId) -> Result<()> {
    if store.exists(&key(user))? {
        store.delete(&key(user))?;
        log::info!("{user} is active again in Slack");
    }
    Ok(())
}

/// Every marked member, with when Slack first said they were deactivated.
pub fn marked(store: &dyn Store) -> Result<BTreeMap<UserId, u64>> {
    let mut out = BTreeMap::new();
    for listed in store.list(PREFIX)? {
        let Some(user) = listed
            .key
            .strip_prefix(PREFIX)
            .and_then(|id| UserId::parse(id).ok())
        else {
            continue;
        };
        let at = store
            .get(&listed.key)?
            .and_then(|bytes| String::from_utf8_lossy(&bytes).trim().parse::<u64>().ok())
            .unwrap_or(0);
        out.insert(user, at);
    }
    Ok(out)
}

/// Marks the members a read of statuses saw deactivated, and unmarks the ones it saw active
/// again (poll's cycle, serve's reconcile).
pub fn note(store: &dyn Store, seen: &crate::statuses::Statuses) -> Result<()> {
    let marked = marked(store)?;
    let now = crate::clock::unix_now();
    for (user, read) in seen {
        match read {
            Ok(read) if read.deleted && !marked.contains_key(user) => {
                self::seen(store, user, now)?;
            }
            Ok(read) if !read.deleted && marked.contains_key(user) => {
                reactivated(store, user)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Forgets the members deactivated for longer than `retention` (`ZERO`: never). Returns how
/// many were forgotten; one that cannot be finished now is left for the next turn.
pub fn forget_due(
    ctx: &crate::context::Context,
    claimant: &Claimant,
    retention: Duration,
    now: u64,
) -> Result<usize> {
    if retention.is_zero() {
        return Ok(0);
    }
    let store = ctx.store.as_ref();
    let mut forgotten = 0;
    for (user, at) in marked(store)? {
        if now < at.saturating_add(retention.as_secs()) {
            continue;
        }
        forget::wish(store, &user, "deactivated", now)?;
        match forget::finish(ctx, claimant, &user) {
            Ok(Finished::Done(done)) => {
                store.delete(&key(&user))?;
                log::info!(
                    "{user} was deactivated {} days ago: forgotten ({} presets, {} pictures, {} \
                     tokens revoked, {} records)",
                    now.saturating_sub(at) / 86_400,
                    done.presets,
                    done.pictures.len(),
                    done.tokens_revoked,
                    done.records.len()
                );
                forgotten += 1;
            }
            Ok(Finished::Elsewhere) => {}
            Err(err) => log::warn!("forgetting {user}, deactivated: {err:#}; next time"),
        }
    }
    Ok(forgotten)
}
