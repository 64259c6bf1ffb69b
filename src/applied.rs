//! The applied state: for each member, what statusinator last put into effect. It lives in the
//! store as `applied.json`, is updated after every Slack write (so a run cut off midway leaves it
//! true to what was written), and is what poll and serve compare against so that an unchanged
//! member costs no write and the app's own profile changes never loop.
//!
//! It also holds claims: a process about to write a member's profile first claims the member
//! here (a conditional write, so only one claim wins), and releases the claim with its last
//! record. Another replica of `serve` that meanwhile gets the echo of those writes sees the claim
//! and writes nothing.

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

/// The whole `applied.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedFile {
    #[serde(rename = "updatedAt", default)]
    pub updated_at: u64,
    #[serde(default)]
    pub users: BTreeMap<UserId, Applied>,
    /// Members being written right now, and by whom.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub claims: BTreeMap<UserId, Claim>,
}

impl AppliedFile {
    fn parse(bytes: &[u8], source: &str) -> Result<Self> {
        serde_json::from_slice(bytes).with_context(|| {
            format!("{source} is not a valid applied state; delete it and run poll to rebuild it")
        })
    }

    fn to_json(&self) -> Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

/// A name for this process in claims: what it is, its process ID and a random part, so that
/// processes on different hosts never share one.
pub fn instance_name(kind: &str) -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{kind}-{}-{}", std::process::id(), &random[..8])
}

/// What a claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claimed {
    /// The member is ours to write until the claim's end; what was applied for them as of the
    /// claim (another process may have recorded since it was last read).
    Ours(Option<Applied>),
    /// Another instance is writing the member.
    Held(Claim),
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
/// member, and with `release` given, drops that instance's claim on the member. Writes nothing
/// when nothing changes.
pub fn record(
    store: &dyn Store,
    user: &UserId,
    now: u64,
    release: Option<&str>,
    change: impl Fn(&mut Applied),
) -> Result<()> {
    update(store, &mut |file| {
        let entry = file.users.entry(user.clone()).or_default();
        let before = entry.clone();
        change(entry);
        let changed = *entry != before;
        if changed {
            entry.applied_at = now;
        }
        let released = release.is_some_and(|by| drop_claim(file, user, by));
        if !(changed || released) {
            return Ok(false);
        }
        file.updated_at = now;
        Ok(true)
    })
    .with_context(|| {
        format!(
            "recording what was applied for {user} in {}",
            store.location(APPLIED_KEY)
        )
    })
}

/// Claims a member for `by` until `now + hold` seconds, unless another instance holds them.
/// Taking the claim is a conditional write: of two instances claiming at once, one wins.
pub fn claim(
    store: &dyn Store,
    user: &UserId,
    by: &str,
    emoji: &str,
    now: u64,
    hold: u64,
) -> Result<Claimed> {
    let mut found = None;
    update(store, &mut |file| {
        if let Some(other) = file.claims.get(user) {
            if other.by != by && other.holds(now) {
                found = Some(Claimed::Held(other.clone()));
                return Ok(false);
            }
        }
        // Lapsed claims of others go with this write.
        file.claims.retain(|_, c| c.holds(now));
        file.claims.insert(
            user.clone(),
            Claim {
                by: by.to_owned(),
                emoji: emoji.to_owned(),
                until: now + hold,
            },
        );
        found = Some(Claimed::Ours(file.users.get(user).cloned()));
        Ok(true)
    })
    .with_context(|| format!("claiming {user} in {}", store.location(APPLIED_KEY)))?;
    Ok(found.expect("the update ran"))
}

/// Drops `by`'s claim on a member (after a failed apply); nothing when it holds none.
pub fn release(store: &dyn Store, user: &UserId, by: &str) -> Result<()> {
    update(store, &mut |file| Ok(drop_claim(file, user, by)))
        .with_context(|| format!("releasing {user} in {}", store.location(APPLIED_KEY)))
}

fn drop_claim(file: &mut AppliedFile, user: &UserId, by: &str) -> bool {
    if file.claims.get(user).is_some_and(|c| c.by == by) {
        file.claims.remove(user);
        true
    } else {
        false
    }
}

/// Changes `applied.json` (created when absent) without losing a concurrent writer's change;
/// `change` says whether it changed anything, and nothing is written when it did not.
fn update(
    store: &dyn Store,
    change: &mut dyn FnMut(&mut AppliedFile) -> Result<bool>,
) -> Result<()> {
    let location = store.location(APPLIED_KEY);
    store.update(APPLIED_KEY, "application/json", &mut |current| {
        let mut file = match current {
            None => AppliedFile::default(),
            Some(bytes) => AppliedFile::parse(bytes, &location)?,
        };
        if change(&mut file)? {
            Ok(Some(file.to_json()?))
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

    #[test]
    fn records_of_different_members_from_many_threads_all_land() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().to_path_buf());
        std::thread::scope(|s| {
            for i in 0..8 {
                let store = &store;
                s.spawn(move || {
                    let user = UserId::parse(&format!("U0T{i}")).unwrap();
                    record(store, &user, 100, None, |a| a.emoji = format!(":e{i}:")).unwrap();
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
        record(&store, &user, 100, None, |a| a.emoji = ":x:".into()).unwrap();
        record(&store, &user, 200, None, |a| a.emoji = ":x:".into()).unwrap();
        assert_eq!(load(&store).unwrap().updated_at, 100);
    }

    #[test]
    fn a_claim_holds_off_others_until_released_or_lapsed() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().to_path_buf());
        let ana = UserId::parse("U0T1").unwrap();
        record(&store, &ana, 10, None, |a| a.emoji = ":x:".into()).unwrap();
        let mine = claim(&store, &ana, "a", ":y:", 100, 120).unwrap();
        assert_eq!(
            mine,
            Claimed::Ours(Some(load(&store).unwrap().users[&ana].clone()))
        );
        // Another instance is held off; the holder may claim again.
        let Claimed::Held(held) = claim(&store, &ana, "b", ":y:", 150, 120).unwrap() else {
            panic!("b got the claim");
        };
        assert_eq!(
            (held.by.as_str(), held.emoji.as_str(), held.until),
            ("a", ":y:", 220)
        );
        assert!(matches!(
            claim(&store, &ana, "a", ":y:", 150, 120).unwrap(),
            Claimed::Ours(_)
        ));
        // The holder's last record releases it; someone else's record does not.
        record(&store, &ana, 160, Some("b"), |a| a.emoji = ":y:".into()).unwrap();
        assert!(load(&store).unwrap().claims.contains_key(&ana));
        record(&store, &ana, 160, Some("a"), |a| a.emoji = ":y:".into()).unwrap();
        assert!(load(&store).unwrap().claims.is_empty());
        // A claim never released lapses, and goes with the next write.
        claim(&store, &ana, "a", ":z:", 200, 120).unwrap();
        assert!(matches!(
            claim(&store, &ana, "b", ":z:", 319, 120).unwrap(),
            Claimed::Held(_)
        ));
        assert!(matches!(
            claim(&store, &ana, "b", ":z:", 320, 120).unwrap(),
            Claimed::Ours(_)
        ));
        release(&store, &ana, "b").unwrap();
        assert!(load(&store).unwrap().claims.is_empty());
    }

    #[test]
    fn of_many_instances_claiming_at_once_exactly_one_wins() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().to_path_buf());
        let ana = UserId::parse("U0T1").unwrap();
        let won: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let (store, ana) = (&store, &ana);
                    s.spawn(move || {
                        let by = format!("i{i}");
                        matches!(
                            claim(store, ana, &by, ":x:", 100, 120).unwrap(),
                            Claimed::Ours(_)
                        )
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(won.iter().filter(|w| **w).count(), 1, "{won:?}");
    }

    #[test]
    fn an_applied_state_without_claims_loads_and_stays_without() {
        let text = br#"{"updatedAt": 5, "users": {"U0T1": {"emoji": ":x:", "appliedAt": 5}}}"#;
        let file = AppliedFile::parse(text, "applied.json").unwrap();
        assert!(file.claims.is_empty());
        assert!(!String::from_utf8(file.to_json().unwrap())
            .unwrap()
            .contains("claims"));
    }
}
