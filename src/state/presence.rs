//! Which serve processes run on a store: each writes `processes/<instance>.json` at start and
//! every [`ANNOUNCE_EVERY`] while it runs, and deletes it at a stop. `doctor` counts the living
//! ones (seen within [`LIVES`]) to warn when several replicas share a store with no Redis to
//! share Slack's budget through.

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::store::Store;

/// Where the records live.
pub const PREFIX: &str = "processes/";

/// How often a running serve writes its record.
pub const ANNOUNCE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// A record not written for this long (seconds) is a process gone.
pub const LIVES: u64 = 180;

/// A record older than this (seconds) is deleted by the next serve that announces itself.
const FORGOTTEN_AFTER: u64 = 86_400;

/// One running process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Presence {
    pub instance: String,
    pub started_at: u64,
    pub seen_at: u64,
    /// Whether it paces through Redis.
    pub redis: bool,
}

fn key(instance: &str) -> String {
    format!("{PREFIX}{instance}.json")
}

/// Writes (or renews) this process's record; deletes records of processes long gone.
pub fn announce(store: &dyn Store, presence: &Presence) -> Result<()> {
    let bytes = serde_json::to_vec(presence)?;
    store.put(&key(&presence.instance), &bytes, "application/json")?;
    for gone in read_all(store)?
        .into_iter()
        .filter(|p| presence.seen_at.saturating_sub(p.seen_at) > FORGOTTEN_AFTER)
    {
        store.delete(&key(&gone.instance))?;
    }
    Ok(())
}

/// This process stops: its record goes.
pub fn leave(store: &dyn Store, instance: &str) -> Result<()> {
    store.delete(&key(instance))
}

/// The processes seen within [`LIVES`] of `now`.
pub fn living(store: &dyn Store, now: u64) -> Result<Vec<Presence>> {
    Ok(read_all(store)?
        .into_iter()
        .filter(|p| now.saturating_sub(p.seen_at) <= LIVES)
        .collect())
}

fn read_all(store: &dyn Store) -> Result<Vec<Presence>> {
    let mut all = Vec::new();
    for listed in store.list(PREFIX)? {
        if let Some(bytes) = store.get(&listed.key)? {
            // A record that does not read is no process (a partial write): skipped.
            if let Ok(presence) = serde_json::from_slice::<Presence>(&bytes) {
                all.push(presence);
            }
        }
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn living_processes_are_the_recently_seen() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::LocalStore::new(dir.path().to_path_buf());
        let at = |instance: &str, seen_at: u64| Presence {
            instance: instance.into(),
            started_at: 0,
            seen_at,
            redis: false,
        };
        announce(&store, &at("serve-1", 1_000_000)).unwrap();
        announce(&store, &at("serve-2", 1_000_000 - LIVES - 1)).unwrap();
        let living: Vec<String> = living(&store, 1_000_000)
            .unwrap()
            .into_iter()
            .map(|p| p.instance)
            .collect();
        assert_eq!(living, ["serve-1"]);
        // A day later, the next announce deletes what is long gone.
        announce(
            &store,
            &at("serve-3", 1_000_000 + FORGOTTEN_AFTER + LIVES + 2),
        )
        .unwrap();
        assert_eq!(read_all(&store).unwrap().len(), 1);
        leave(&store, "serve-3").unwrap();
        assert!(read_all(&store).unwrap().is_empty());
    }
}
