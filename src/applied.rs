//! The applied state: for each member, what statusinator last put into effect. It lives in the
//! store as `applied.json`, is updated after every Slack write (so a run cut off midway leaves it
//! true to what was written), and is what poll and serve compare against so that an unchanged
//! member costs no write and the app's own profile changes never loop.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::presets::{EmojiKey, UserId};
use crate::store::Store;

/// The key of the applied state in the store.
pub const APPLIED_KEY: &str = "applied.json";

/// What statusinator last did for one member.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    /// The status emoji this answers, as Slack reported it (`""` for a cleared status), or the
    /// emoji given to `apply`.
    #[serde(default)]
    pub emoji: String,
    /// The preset that was applied for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
}

/// The whole `applied.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedFile {
    #[serde(rename = "updatedAt", default)]
    pub updated_at: u64,
    #[serde(default)]
    pub users: BTreeMap<UserId, Applied>,
}

impl AppliedFile {
    fn parse(bytes: &[u8], source: &str) -> Result<Self> {
        serde_json::from_slice(bytes).with_context(|| {
            format!("{source} is not a valid applied state; delete it and run poll to rebuild it")
        })
    }
}

/// Reads the applied state; none yet is an empty one.
pub fn load(store: &dyn Store) -> Result<AppliedFile> {
    match store.get(APPLIED_KEY)? {
        None => Ok(AppliedFile::default()),
        Some(bytes) => AppliedFile::parse(&bytes, &store.location(APPLIED_KEY)),
    }
}

/// Reads one member's applied state.
pub fn load_user(store: &dyn Store, user: &UserId) -> Result<Option<Applied>> {
    Ok(load(store)?.users.remove(user))
}

/// Changes one member's applied state, without losing a concurrent writer's change to any
/// member. Writes nothing when `change` changes nothing.
pub fn record(
    store: &dyn Store,
    user: &UserId,
    now: u64,
    change: impl Fn(&mut Applied),
) -> Result<()> {
    let location = store.location(APPLIED_KEY);
    store
        .update(APPLIED_KEY, "application/json", &mut |current| {
            let mut file = match current {
                None => AppliedFile::default(),
                Some(bytes) => AppliedFile::parse(bytes, &location)?,
            };
            let entry = file.users.entry(user.clone()).or_default();
            let before = entry.clone();
            change(entry);
            if *entry == before {
                return Ok(None);
            }
            entry.applied_at = now;
            file.updated_at = now;
            let mut bytes = serde_json::to_vec_pretty(&file)?;
            bytes.push(b'\n');
            Ok(Some(bytes))
        })
        .with_context(|| format!("recording what was applied for {user} in {location}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::LocalStore;

    #[test]
    fn records_of_different_members_from_many_threads_all_land() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().to_path_buf());
        std::thread::scope(|s| {
            for i in 0..8 {
                let store = &store;
                s.spawn(move || {
                    let user = UserId::parse(&format!("U0T{i}")).unwrap();
                    record(store, &user, 100, |a| a.emoji = format!(":e{i}:")).unwrap();
                });
            }
        });
        let file = load(&store).unwrap();
        assert_eq!(file.users.len(), 8);
        assert_eq!(file.users[&UserId::parse("U0T3").unwrap()].emoji, ":e3:");
    }

    #[test]
    fn a_record_that_changes_nothing_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().to_path_buf());
        let user = UserId::parse("U0T1").unwrap();
        record(&store, &user, 100, |a| a.emoji = ":x:".into()).unwrap();
        record(&store, &user, 200, |a| a.emoji = ":x:".into()).unwrap();
        assert_eq!(load(&store).unwrap().updated_at, 100);
    }
}
