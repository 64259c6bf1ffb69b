//! A member's wish to disconnect, made durable: the wish is stored first (a marker,
//! `disconnects/<team_id>/<user_id>`), then their usual name and photo go back with their own
//! token, then their token record is forgotten and the marker with it. A process that stops
//! (or fails) half-way leaves the marker, and any process finishes the wish: serve at start and
//! at each reconcile, poll at each cycle. Until then nothing but the usual profile is written
//! for the member.

use std::collections::BTreeSet;

use anyhow::{Context, Result};

use crate::apply::{self, Engine, Run};
use crate::presets::UserId;
use crate::state;
use crate::store::Store;
use crate::tokens::stored;

/// Where wishes to disconnect wait.
pub const PREFIX: &str = "disconnects/";

fn key(team: &str, user: &UserId) -> String {
    format!("{PREFIX}{team}/{user}")
}

/// Stores a member's wish to disconnect in a workspace (before anything else is done for it).
pub fn wish(store: &dyn Store, team: &str, user: &UserId, now: u64) -> Result<()> {
    store
        .put(&key(team, user), now.to_string().as_bytes(), "text/plain")
        .with_context(|| format!("storing {user}'s wish to disconnect"))
}

/// Every wish waiting to be finished: (workspace, member).
pub fn pending(store: &dyn Store) -> Result<BTreeSet<(String, UserId)>> {
    let mut out = BTreeSet::new();
    for listed in store.list(PREFIX)? {
        let Some((team, user)) = listed
            .key
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split_once('/'))
        else {
            continue;
        };
        match UserId::parse(user) {
            Ok(user) => {
                out.insert((team.to_owned(), user));
            }
            Err(_) => log::warn!(
                "{} is not a wish to disconnect statusinator can read; remove it",
                store.location(&listed.key)
            ),
        }
    }
    Ok(out)
}

/// The wished members, whatever the workspace.
pub fn pending_members(store: &dyn Store) -> Result<BTreeSet<UserId>> {
    Ok(pending(store)?.into_iter().map(|(_, user)| user).collect())
}

/// The last step, once the usual profile is back (or there was none to put back): the token
/// record and the wish are forgotten.
pub fn forget(store: &dyn Store, team: &str, user: &UserId) -> Result<()> {
    stored::forget_member(store, team, user)?;
    store.delete(&key(team, user))?;
    log::info!(
        "{user} disconnected from {team}: their usual profile is back, their token forgotten"
    );
    Ok(())
}

/// What finishing a wish came to.
#[derive(Debug)]
pub enum Finished {
    /// The usual profile is back (or was never changed) and the token is forgotten.
    Done,
    /// Another process is writing the member: left to the next turn.
    Elsewhere,
}

/// Finishes one wish: the member's usual profile back with their own token (as a pause
/// would), then [`forget`].
pub fn finish(store: &dyn Store, engine: &Engine, team: &str, user: &UserId) -> Result<Finished> {
    let member = state::load_state(store, user)?.unwrap_or_default();
    let now = crate::clock::unix_now();
    if let Some(plan) = apply::usual_plan(user, &member, now)? {
        if let Run::Elsewhere(_) = engine.execute_claimed(&plan, now)? {
            return Ok(Finished::Elsewhere);
        }
    }
    forget(store, team, user)?;
    Ok(Finished::Done)
}

/// Finishes every waiting wish (poll's turn); a failure is logged and left for the next turn.
/// Returns how many were finished.
pub fn finish_pending(store: &dyn Store, engine: &Engine) -> Result<usize> {
    let mut done = 0;
    for (team, user) in pending(store)? {
        match finish(store, engine, &team, &user) {
            Ok(Finished::Done) => done += 1,
            Ok(Finished::Elsewhere) => {}
            Err(err) => log::warn!("{user} asked to disconnect, not finished yet: {err:#}"),
        }
    }
    Ok(done)
}
