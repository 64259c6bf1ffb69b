//! Forgetting a member: everything statusinator keeps about them goes, after their usual name
//! and photo are put back. Durable like a disconnect: the wish is stored first
//! (`forgets/<user_id>`), and any process finishes it after a failure or a stop; the wish goes
//! last.
//!
//! The order keeps anything from being half-visible: their presets leave `users.json` first (so
//! nothing applies a preset to them again: serve and poll at most put their usual profile back,
//! by the one rule of `apply::MemberFacts::gather`), then their usual profile goes back with their own
//! token (claimed, as every write), then their connected tokens are revoked with Slack and
//! their records deleted, then their pictures (unless another member's preset names the same
//! key), the copy of their own photo, their state (and its entry in the index), their wishes to
//! disconnect, and their records in the files of earlier versions.

use std::collections::{BTreeSet, HashSet};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::apply::{self, Engine};
use crate::exit::UsageError;
use crate::presets::{UserId, UserPresets};
use crate::state;
use crate::state::{Claimant, Claimed};
use crate::store::{self, Store};
use crate::tokens::stored;

/// Where wishes to be forgotten wait.
pub const PREFIX: &str = "forgets/";

fn key(user: &UserId) -> String {
    format!("{PREFIX}{user}")
}

/// Stores the wish to forget `user` (before anything else is done for it); `by` says who asked.
/// A wish already stored stays as it is (with what an earlier run noted in it).
pub fn wish(store: &dyn Store, user: &UserId, by: &str, now: u64) -> Result<()> {
    let body = serde_json::json!({"at": now, "by": by}).to_string();
    store
        .update(&key(user), "application/json", &mut |current| {
            Ok(current.is_none().then(|| body.clone().into_bytes()))
        })
        .with_context(|| format!("storing the wish to forget {user}"))?;
    Ok(())
}

/// Every member waiting to be forgotten.
pub fn pending(store: &dyn Store) -> Result<BTreeSet<UserId>> {
    let mut out = BTreeSet::new();
    for listed in store.list(PREFIX)? {
        match listed
            .key
            .strip_prefix(PREFIX)
            .map(UserId::parse)
            .and_then(Result::ok)
        {
            Some(user) => {
                out.insert(user);
            }
            None => log::warn!(
                "{} is not a wish to forget a member statusinator can read; remove it",
                store.location(&listed.key)
            ),
        }
    }
    Ok(out)
}

/// What forgetting a member removed (or, on a dry run, would remove). No token, no name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Forgotten {
    pub user: String,
    /// Their usual name and photo were put back (or were in effect already).
    pub usual_profile_back: bool,
    /// Why the usual profile could not be put back, when it could not (no working token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usual_profile_left: Option<String>,
    pub presets: usize,
    /// Store keys deleted: pictures and the copy of their own photo.
    pub pictures: Vec<String>,
    /// Picture keys kept because another member's preset names them too.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pictures_shared: Vec<String>,
    /// Connected tokens revoked with Slack (`auth.revoke`), one per workspace.
    pub tokens_revoked: usize,
    /// Other objects deleted: their state, token records, wishes to disconnect.
    pub records: Vec<String>,
    /// Workspaces whose installation named them as its installer (the bot stays; their name
    /// goes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub installer_of: Vec<String>,
    pub dry_run: bool,
}

impl Forgotten {
    /// For people: what went (or would go), without a token or a name.
    pub fn render(&self) -> String {
        // The heading says whether it happened; each line says what.
        let past = if self.dry_run { "be " } else { "" };
        let mut lines = vec![if self.dry_run {
            format!("dry run, nothing changed: forgetting {} would:", self.user)
        } else {
            format!("forgot {}:", self.user)
        }];
        let did = |what: &str| format!("  - {what}");
        lines.push(match (&self.usual_profile_left, self.usual_profile_back) {
            (Some(why), _) => {
                format!("  - their usual name and photo could not {past}put back: {why}")
            }
            (None, true) => did("put their usual name and photo back"),
            (None, false) => "  - their profile was never changed: nothing to put back".to_owned(),
        });
        lines.push(did(&format!(
            "remove {} preset{} from users.json",
            self.presets,
            plural(self.presets)
        )));
        lines.push(did(&format!(
            "delete {} picture{} (their presets', those made for them and the copy of their own \
             photo)",
            self.pictures.len(),
            plural(self.pictures.len())
        )));
        if !self.pictures_shared.is_empty() {
            lines.push(format!(
                "  - keep {} picture{} another member's preset uses too",
                self.pictures_shared.len(),
                plural(self.pictures_shared.len())
            ));
        }
        lines.push(did(&format!(
            "revoke {} connected token{} with Slack",
            self.tokens_revoked,
            plural(self.tokens_revoked)
        )));
        lines.push(did(&format!(
            "delete {} record{} (their state, token records, wishes to disconnect)",
            self.records.len(),
            plural(self.records.len())
        )));
        lines.join("\n") + "\n"
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// What finishing a wish came to.
#[derive(Debug)]
pub enum Finished {
    Done(Forgotten),
    /// Another process is writing the member: left to the next turn.
    Elsewhere,
}

/// The picture keys a member's presets name.
fn pictures_of(presets: &UserPresets) -> BTreeSet<String> {
    presets
        .values()
        .filter_map(|preset| preset.picture.clone())
        .collect()
}

/// Adds `pictures` to those the wish to forget `user` lists; returns them all.
fn remember_pictures(store: &dyn Store, user: &UserId, pictures: &[String]) -> Result<Vec<String>> {
    let mut all: BTreeSet<String> = pictures.iter().cloned().collect();
    store.update(&key(user), "application/json", &mut |current| {
        let mut wish: serde_json::Value = current
            .and_then(|bytes| serde_json::from_slice(bytes).ok())
            .unwrap_or_else(|| serde_json::json!({}));
        let listed: BTreeSet<String> = wish["pictures"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect();
        all.extend(listed.iter().cloned());
        if listed == all {
            return Ok(None);
        }
        wish["pictures"] = serde_json::json!(all);
        Ok(Some(serde_json::to_vec(&wish)?))
    })?;
    Ok(all.into_iter().collect())
}

/// What forgetting `user` would remove, read only.
pub fn plan(ctx: &crate::context::Context, user: &UserId) -> Result<Forgotten> {
    let store = ctx.store.as_ref();
    let users = store::load_users(store).ok();
    let theirs = users
        .as_ref()
        .and_then(|file| file.users.get(user))
        .cloned()
        .unwrap_or_default();
    let shared: HashSet<String> = users
        .iter()
        .flat_map(|file| file.users.iter())
        .filter(|(other, _)| *other != user)
        .flat_map(|(_, presets)| pictures_of(presets))
        .collect();
    let member = state::load_state(store, user)?.unwrap_or_default();
    let mut pictures: BTreeSet<String> = pictures_of(&theirs);
    pictures.extend(member.usual.as_ref().and_then(|u| u.picture.clone()));
    // The photos workspace presets made of them.
    pictures.extend(crate::workspace::made::of_member(store, user)?);
    let (pictures, pictures_shared): (Vec<String>, Vec<String>) =
        pictures.into_iter().partition(|key| !shared.contains(key));
    let tokens = stored::member_records(store, user)?;
    let mut records = Vec::new();
    if store.exists(&state::key(user))? {
        records.push(state::key(user));
    }
    records.extend(
        tokens
            .iter()
            .map(|record| stored::member_key(&record.team, user)),
    );
    records.extend(
        crate::members::disconnect::pending(store)?
            .into_iter()
            .filter(|(_, leaving)| leaving == user)
            .map(|(team, _)| format!("{}{team}/{user}", crate::members::disconnect::PREFIX)),
    );
    let installer_of = stored::list_installations(store)?
        .into_iter()
        .filter(|i| i.installed_by.as_ref() == Some(user))
        .map(|i| i.team)
        .collect();
    Ok(Forgotten {
        installer_of,
        user: user.to_string(),
        usual_profile_back: member.usual.is_some(),
        usual_profile_left: None,
        presets: theirs.len(),
        pictures,
        pictures_shared,
        tokens_revoked: tokens.len(),
        records,
        dry_run: true,
    })
}

/// Finishes the wish to forget `user` (stored already): every step in the order above, each
/// one done again harmlessly when an earlier attempt got that far.
pub fn finish(
    ctx: &crate::context::Context,
    claimant: &Claimant,
    user: &UserId,
) -> Result<Finished> {
    let store = ctx.store.as_ref();
    let mut done = plan(ctx, user)?;
    done.dry_run = false;
    // The pictures to delete are kept in the wish before their presets go, so a run after a
    // failure still knows them.
    done.pictures = remember_pictures(store, user, &done.pictures)?;

    // 1. Their presets leave users.json: nothing applies a preset to them from now on.
    // users.json is written whole (with the saves pending folded in), so nothing of theirs is
    // left in it, nor in pending.json.
    if done.presets > 0 {
        store::update_users(store, crate::clock::unix_now(), |file| {
            file.users.remove(user);
            Ok(())
        })?;
    }

    // 2. From here on the member is claimed: nobody else writes them (a change being written
    // by serve or poll finishes first, or stops). Their usual profile goes back, with their own
    // token, as a disconnect does.
    if let Claimed::Held(_) = claimant.claim(store, user, "forget", crate::clock::unix_now())? {
        return Ok(Finished::Elsewhere);
    }
    let rest = put_back_and_erase(ctx, user, &mut done);
    if rest.is_err() {
        claimant.release(store, user);
    }
    rest?;
    log::info!("{user} forgotten: their data is gone from the store");
    Ok(Finished::Done(done))
}

/// Steps 2 to 5 of [`finish`], the member claimed (the claim goes with their state).
fn put_back_and_erase(
    ctx: &crate::context::Context,
    user: &UserId,
    done: &mut Forgotten,
) -> Result<()> {
    let store = ctx.store.as_ref();
    let member = state::load_state(store, user)?.unwrap_or_default();
    let now = crate::clock::unix_now();
    if let Some(plan) = apply::usual_plan(user, &member, now)? {
        match Engine::new(ctx).execute(&plan, now) {
            Ok(_) => {}
            // No token that works for them: nothing can change their profile any more, so
            // there is nothing to put back with; the rest goes on.
            Err(err)
                if err.chain().any(|cause| {
                    cause.is::<UsageError>()
                        || cause
                            .downcast_ref::<crate::slack::SlackError>()
                            .is_some_and(crate::tokens::rotation::is_dead)
                }) =>
            {
                log::warn!("{user}'s usual profile cannot be put back: {err:#}");
                done.usual_profile_back = false;
                done.usual_profile_left = Some(crate::redact::error(&err));
            }
            Err(err) => return Err(err),
        }
    }

    // 3. Their connected tokens: revoked with Slack, then their records deleted.
    done.tokens_revoked = ctx.tokens.revoke_all_of(user, &ctx.slack)?;
    stored::forget_all_of(store, user)?;
    // The workspaces they installed the bot in keep it, without their name.
    for team in &done.installer_of {
        if let Some(mut installation) = stored::load_installation(store, team)? {
            if installation.installed_by.as_ref() == Some(user) {
                installation.installed_by = None;
                stored::save_installation(store, &installation)?;
            }
        }
    }

    // 4. Their pictures (not another member's too), the copy of their photo, their state,
    // their wishes to disconnect, and their records in earlier versions' files.
    for picture in &done.pictures {
        store.delete(picture)?;
    }
    for (team, leaving) in crate::members::disconnect::pending(store)? {
        if &leaving == user {
            store.delete(&format!(
                "{}{team}/{user}",
                crate::members::disconnect::PREFIX
            ))?;
        }
    }
    store.delete(&state::key(user))?;
    state::migrate::forget_legacy(store, user)?;
    // The index drops the member's entry once their object is gone.
    state::index::for_each(store, true, |_, _| {})?;

    // 5. The wish goes last.
    store.delete(&key(user))?;
    Ok(())
}

/// Finishes every waiting wish (poll's and serve's turn); a failure is logged and left for
/// the next turn. Returns how many were finished.
pub fn finish_pending(ctx: &crate::context::Context, claimant: &Claimant) -> Result<usize> {
    let mut done = 0;
    for user in pending(ctx.store.as_ref())? {
        match finish(ctx, claimant, &user) {
            Ok(Finished::Done(_)) => done += 1,
            Ok(Finished::Elsewhere) => {}
            Err(err) => log::warn!("{user} is to be forgotten, not finished yet: {err:#}"),
        }
    }
    Ok(done)
}
