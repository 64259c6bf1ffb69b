//! Each member's state in the store, one object per member: what statusinator last put into
//! effect for them (so an unchanged member costs no write and the app's own profile changes never
//! loop) and, while a process writes their profile, its claim on them.
//!
//! ```text
//! members/<hh>/<user_id>.json    one member's state; hh = the first two hex digits of the
//!                                SHA-256 of the member ID, so keys spread over 256 prefixes
//! index/<start>.json.gz          for reading everyone at once: see [`index`]
//! ```
//!
//! Writing a member touches only their object (a few hundred bytes, a conditional write), so a
//! change costs the same in a workspace of ten or of 500,000, and two members never contend.
//! Claims work as before: a process about to write a member claims them in their object (one of
//! two claims at once wins), and its last record releases the claim. Fields this version does
//! not know are kept as they are.

pub mod claims;
pub mod index;
pub mod migrate;
pub mod presence;
pub mod wait;

pub use claims::{instance_name, Claimant, Claimed};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::presets::{EmojiKey, UserId};
use crate::store::Store;

use std::collections::HashMap;

/// Where members' objects live.
pub const MEMBERS_PREFIX: &str = "members/";

/// What statusinator last did for one member.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    /// The status emoji this answers, as Slack reported it (`""` for a cleared status), or the
    /// emoji given to `apply`.
    #[serde(default)]
    pub emoji: String,
    /// The preset that was applied for it (`usual`: the member's usual profile).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "recorded_preset"
    )]
    pub preset: Option<EmojiKey>,
    /// The display name statusinator last wrote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The picture (store key) statusinator last set as the photo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// When it was last changed (unix seconds).
    #[serde(rename = "appliedAt", default)]
    pub applied_at: u64,
    /// The `avatar_hash` Slack reported right after statusinator's last photo write: a
    /// different one later means the member changed their photo by hand.
    #[serde(
        rename = "avatarHash",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub avatar_hash: Option<String>,
    /// When the status this answers lapses (unix seconds), if it does: serve puts the usual
    /// profile back then, even when no event comes.
    #[serde(
        rename = "statusExpiresAt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub status_expires_at: Option<u64>,
}

/// Reads a recorded preset key, `usual` included (see [`EmojiKey::from_record`]).
fn recorded_preset<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<EmojiKey>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|key| EmojiKey::from_record(&key).map_err(serde::de::Error::custom))
        .transpose()
}

/// A member's usual display name and photo: what they had before statusinator first changed
/// them (or what they set by hand while a preset was in effect), put back when no preset
/// applies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usual {
    /// Their display name (`""`: none, Slack shows their real name).
    pub name: String,
    /// Their own photo, kept in the store (a picture key); `None` with `custom_photo` false:
    /// Slack's default avatar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    #[serde(rename = "customPhoto", default)]
    pub custom_photo: bool,
    /// Their own photo could not be kept (Slack would not take it back: too large, not a
    /// photo): statusinator leaves their photo alone and changes only the name, until they set
    /// another photo.
    #[serde(
        rename = "photoRefused",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub photo_refused: Option<String>,
    #[serde(rename = "keptAt", default)]
    pub kept_at: u64,
}

/// A process's hold on a member while it writes their profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// The instance holding it.
    pub by: String,
    /// The status it is applying (`""` for a cleared one).
    pub emoji: String,
    /// Until when it holds (unix seconds); a claim its holder never released lapses then.
    pub until: u64,
}

impl Claim {
    pub fn holds(&self, now: u64) -> bool {
        now < self.until
    }
}

/// One member's object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemberState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied: Option<Applied>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<Claim>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usual: Option<Usual>,
    /// Since when the member has paused statusinator (unix seconds): nothing changes their
    /// profile, and their usual one is in effect, until they resume.
    #[serde(rename = "pausedAt", default, skip_serializing_if = "Option::is_none")]
    pub paused_at: Option<u64>,
    /// The member switched the workspace presets off: only their own presets apply.
    #[serde(
        rename = "workspaceOff",
        default,
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub workspace_off: bool,
    /// Profile fields the member's organization does not let statusinator change (`name`,
    /// `photo`), by what Slack said and when.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub locked: std::collections::BTreeMap<Field, Lock>,
    /// Fields of other versions, kept as they are.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl MemberState {
    fn parse(bytes: &[u8], source: &str) -> Result<Self> {
        serde_json::from_slice(bytes).with_context(|| {
            format!("{source} is not a valid member state; delete it and run poll to rebuild it")
        })
    }

    fn to_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(self).expect("member states serialize");
        bytes.push(b'\n');
        bytes
    }
}

/// The key of a member's object.
pub fn key(user: &UserId) -> String {
    let digest = Sha256::digest(user.as_str().as_bytes());
    format!("{MEMBERS_PREFIX}{:02x}/{user}.json", digest[0])
}

/// The member a key of [`key`]'s shape belongs to.
pub fn user_of(key: &str) -> Option<UserId> {
    let name = key.strip_prefix(MEMBERS_PREFIX)?.split_once('/')?.1;
    UserId::parse(name.strip_suffix(".json")?).ok()
}

/// Everyone's state (what was applied, their usual profile), read through the index (see
/// [`index`]); with `keep_index`, the index is brought up to date as a side effect.
pub fn load_all(store: &dyn Store, keep_index: bool) -> Result<HashMap<UserId, MemberState>> {
    let mut out = HashMap::new();
    index::for_each(store, keep_index, |user, state| {
        out.insert(user.clone(), state.clone());
    })?;
    // A store not migrated yet (a dry run migrates nothing): the old file's records count for
    // members without an object of their own.
    for (user, applied) in migrate::legacy_records(store)? {
        out.entry(user).or_insert_with(|| MemberState {
            applied: Some(applied),
            ..MemberState::default()
        });
    }
    Ok(out)
}

/// Brings a store of an earlier layout up to this one (see [`migrate`]), all at once; cheap
/// when there is nothing to do. serve and poll run it beside their work (see
/// [`migrate::migrate`]); members not migrated yet read and write through their old record.
pub fn prepare(store: &dyn Store) -> Result<()> {
    migrate::migrate(store, &|| false).map(|_| ())
}

/// Reads one member's object; a member not migrated yet from the earlier layout reads as
/// their old record.
pub fn load_state(store: &dyn Store, user: &UserId) -> Result<Option<MemberState>> {
    let key = key(user);
    match store.get(&key)? {
        None => Ok(
            migrate::legacy_record(store, user)?.map(|applied| MemberState {
                applied: Some(applied),
                ..MemberState::default()
            }),
        ),
        Some(bytes) => MemberState::parse(&bytes, &store.location(&key)).map(Some),
    }
}

/// Reads what was applied for one member.
pub fn load_user(store: &dyn Store, user: &UserId) -> Result<Option<Applied>> {
    Ok(load_state(store, user)?.and_then(|state| state.applied))
}

/// Reads one member's usual profile, if statusinator kept it.
pub fn load_usual(store: &dyn Store, user: &UserId) -> Result<Option<Usual>> {
    Ok(load_state(store, user)?.and_then(|state| state.usual))
}

/// Keeps a member's usual profile: `replace` for a hand edit, else only when none is kept yet
/// (the first change), so a concurrent keeper never overwrites the older, truer one.
pub fn keep_usual(store: &dyn Store, user: &UserId, usual: &Usual, replace: bool) -> Result<()> {
    update(store, user, &mut |state| {
        if state.usual.is_some() && !replace {
            return Ok(false);
        }
        if state.usual.as_ref() == Some(usual) {
            return Ok(false);
        }
        state.usual = Some(usual.clone());
        Ok(true)
    })
    .with_context(|| format!("keeping the usual profile of {user}"))
}

/// Switches the workspace presets on or off for a member; returns whether it changed anything.
pub fn set_workspace(store: &dyn Store, user: &UserId, on: bool) -> Result<bool> {
    let mut changed = false;
    update(store, user, &mut |state| {
        changed = state.workspace_off == on;
        if changed {
            state.workspace_off = !on;
        }
        Ok(changed)
    })
    .with_context(|| format!("switching the workspace presets of {user}"))?;
    Ok(changed)
}

/// A profile field statusinator writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// The display name (`users.profile.set`).
    Name,
    /// The photo (`users.setPhoto`, `users.deletePhoto`).
    Photo,
}

impl Field {
    /// How a member reads it.
    pub fn label(self) -> &'static str {
        match self {
            Field::Name => "display name",
            Field::Photo => "photo",
        }
    }
}

/// A field Slack refused to change for good (the organization locked it, or an admin's rule):
/// it is not written again until [`LOCK_HOLDS`] has passed or the member asks to try again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    /// What Slack said (`permission_denied`, …).
    pub code: String,
    /// When it last refused (unix seconds).
    pub at: u64,
}

/// How long a locked field is left alone before it is tried again (seconds).
pub const LOCK_HOLDS: u64 = 86_400;

impl Lock {
    /// Whether the field is still left alone at `now`.
    pub fn holds(&self, now: u64) -> bool {
        now < self.at.saturating_add(LOCK_HOLDS)
    }
}

/// Notes that Slack refused to change `field` of `user`'s for good; returns whether the
/// member has not been told of it yet (no lock of that field was known).
pub fn lock(store: &dyn Store, user: &UserId, field: Field, code: &str, now: u64) -> Result<bool> {
    let mut first = false;
    update(store, user, &mut |state| {
        first = !state.locked.contains_key(&field);
        state.locked.insert(
            field,
            Lock {
                code: code.to_owned(),
                at: now,
            },
        );
        Ok(true)
    })
    .with_context(|| format!("noting that {user}'s {} is locked", field.label()))?;
    Ok(first)
}

/// Forgets the member's locked fields (they asked to try again); returns whether there were any.
pub fn unlock(store: &dyn Store, user: &UserId) -> Result<bool> {
    let mut had = false;
    update(store, user, &mut |state| {
        had = !state.locked.is_empty();
        state.locked.clear();
        Ok(had)
    })
    .with_context(|| format!("trying {user}'s locked fields again"))?;
    Ok(had)
}

/// Pauses (`Some(now)`) or resumes (`None`) a member; returns whether it changed anything.
pub fn set_paused(store: &dyn Store, user: &UserId, paused_at: Option<u64>) -> Result<bool> {
    let mut changed = false;
    update(store, user, &mut |state| {
        changed = state.paused_at.is_some() != paused_at.is_some();
        if changed {
            state.paused_at = paused_at;
        }
        Ok(changed)
    })
    .with_context(|| format!("pausing or resuming {user}"))?;
    Ok(changed)
}

/// Changes one member's applied state and, with `release` given, drops that instance's claim
/// on them, without losing a concurrent writer's change. Writes nothing when nothing changes.
/// Returns what is applied for them now, as written.
pub fn record(
    store: &dyn Store,
    user: &UserId,
    now: u64,
    release: Option<&str>,
    change: impl Fn(&mut Applied),
) -> Result<Applied> {
    let mut written = Applied::default();
    update(store, user, &mut |state| {
        let entry = state.applied.get_or_insert_with(Applied::default);
        let before = entry.clone();
        change(entry);
        let changed = *entry != before;
        if changed {
            entry.applied_at = now;
        }
        written = entry.clone();
        let released = release.is_some_and(|by| claims::drop_claim(state, by));
        Ok(changed || released)
    })
    .with_context(|| {
        format!(
            "recording what was applied for {user} in {}",
            store.location(&key(user))
        )
    })?;
    Ok(written)
}

/// Changes a member's object (created when absent, from their record in the earlier layout
/// when they have one) without losing a concurrent writer's change; `change` says whether it
/// changed anything, and nothing is written when it did not.
pub fn update(
    store: &dyn Store,
    user: &UserId,
    change: &mut dyn FnMut(&mut MemberState) -> Result<bool>,
) -> Result<()> {
    let mut legacy = None;
    let mut created = false;
    update_from(store, user, &mut |state, fresh| {
        if fresh {
            if legacy.is_none() {
                legacy = Some(migrate::legacy_record(store, user)?);
            }
            state.applied = legacy.clone().flatten();
            created = state.applied.is_some();
        }
        Ok(change(state)? || created)
    })
}

/// [`update`] as the store has it: an absent object starts empty (for the migration itself).
fn update_as_stored(
    store: &dyn Store,
    user: &UserId,
    change: &mut dyn FnMut(&mut MemberState) -> Result<bool>,
) -> Result<()> {
    update_from(store, user, &mut |state, _| change(state))
}

/// The conditional write beneath [`update`]: `change` is told whether the object is new.
fn update_from(
    store: &dyn Store,
    user: &UserId,
    change: &mut dyn FnMut(&mut MemberState, bool) -> Result<bool>,
) -> Result<()> {
    let key = key(user);
    let location = store.location(&key);
    store.update(&key, "application/json", &mut |current| {
        let fresh = current.is_none();
        let mut state = match current {
            None => MemberState::default(),
            Some(bytes) => MemberState::parse(bytes, &location)?,
        };
        if change(&mut state, fresh)? {
            Ok(Some(state.to_json()))
        } else {
            Ok(None)
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::LocalStore;

    fn store() -> (tempfile::TempDir, LocalStore) {
        crate::store::temp_local()
    }

    #[test]
    fn keys_spread_members_and_name_them() {
        let ana = UserId::parse("U024BE7LH").unwrap();
        let key = key(&ana);
        assert!(key.starts_with("members/"), "{key}");
        assert!(key.ends_with("/U024BE7LH.json"), "{key}");
        assert_eq!(key.len(), "members/xx/U024BE7LH.json".len());
        assert_eq!(user_of(&key), Some(ana));
        assert_eq!(user_of("members/ab/nope.json"), None);
        assert_eq!(user_of("index/0.json.gz"), None);
    }

    #[test]
    fn records_of_different_members_from_many_threads_all_land() {
        let (_dir, store) = store();
        std::thread::scope(|s| {
            for i in 0..8 {
                let store = &store;
                s.spawn(move || {
                    let user = UserId::parse(&format!("U0T{i}")).unwrap();
                    record(store, &user, 100, None, |a| a.emoji = format!(":e{i}:")).unwrap();
                });
            }
        });
        for i in 0..8 {
            let user = UserId::parse(&format!("U0T{i}")).unwrap();
            assert_eq!(
                load_user(&store, &user).unwrap().unwrap().emoji,
                format!(":e{i}:")
            );
        }
    }

    #[test]
    fn a_record_that_changes_nothing_writes_nothing() {
        let (_dir, store) = store();
        let user = UserId::parse("U0T1").unwrap();
        record(&store, &user, 100, None, |a| a.emoji = ":x:".into()).unwrap();
        record(&store, &user, 200, None, |a| a.emoji = ":x:".into()).unwrap();
        assert_eq!(load_user(&store, &user).unwrap().unwrap().applied_at, 100);
    }

    #[test]
    fn a_record_of_the_usual_profile_reads_back_as_the_usual_profile() {
        let (_dir, store) = store();
        let ana = UserId::parse("U0T1").unwrap();
        record(&store, &ana, 5, None, |a| {
            a.preset = Some(EmojiKey::usual())
        })
        .unwrap();
        let preset = load_user(&store, &ana).unwrap().unwrap().preset.unwrap();
        assert!(preset.is_usual(), "{preset:?}");
    }

    #[test]
    fn fields_of_other_versions_are_kept() {
        let (_dir, store) = store();
        let ana = UserId::parse("U0T1").unwrap();
        store
            .put(
                &key(&ana),
                br#"{"applied": {"emoji": ":x:", "appliedAt": 1}, "homeTab": {"since": 7}}"#,
                "application/json",
            )
            .unwrap();
        record(&store, &ana, 5, None, |a| a.emoji = ":y:".into()).unwrap();
        let state = load_state(&store, &ana).unwrap().unwrap();
        assert_eq!(state.other["homeTab"]["since"], 7);
        assert_eq!(state.applied.unwrap().emoji, ":y:");
    }
}
