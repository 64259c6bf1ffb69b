//! Connections being finished. Slack's redirect is answered at once with a page that looks
//! again every second; an app job exchanges the code with Slack and stores the member's token;
//! the page then shows how it ended. The outcome is kept here until the state expires, and in
//! the store too, so a browser that asks another replica is shown it as well.
//!
//! Written by the threads that answer redirects (begin) and the app workers (finish); one
//! lock, held only for the map.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::oauth::STATE_SECONDS;
use crate::store::Store;
use crate::tokens::stored::OUTCOMES_PREFIX;

/// Connections remembered at most (beyond it a redirect is asked to come back in a moment).
const MAX: usize = 10_000;
/// How long an outcome is kept: as long as its state is good.
const KEEP: Duration = Duration::from_secs(STATE_SECONDS);

/// How a connection ended: the page to show, and its HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub status: u16,
    pub page: String,
}

/// What is known here of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// Nothing: another replica may have it.
    Unknown,
    /// Its code is being exchanged.
    Pending,
    Done(Outcome),
}

/// The connections this process is finishing or finished lately, by their state's nonce.
#[derive(Debug, Default)]
pub struct Connecting {
    entries: Mutex<HashMap<String, (Instant, Option<Outcome>)>>,
}

impl Connecting {
    pub fn seen(&self, nonce: &str) -> Seen {
        match self.entries.lock().expect("connecting lock").get(nonce) {
            None => Seen::Unknown,
            Some((_, None)) => Seen::Pending,
            Some((_, Some(outcome))) => Seen::Done(outcome.clone()),
        }
    }

    /// Marks `nonce` as being connected; `false` when there is no room for it now.
    pub fn begin(&self, nonce: &str) -> bool {
        let mut entries = self.entries.lock().expect("connecting lock");
        if entries.len() >= MAX {
            entries.retain(|_, (at, _)| at.elapsed() < KEEP);
            if entries.len() >= MAX {
                return false;
            }
        }
        entries
            .entry(nonce.to_owned())
            .or_insert((Instant::now(), None));
        true
    }

    /// How the connection of `nonce` ended (found here or in the store).
    pub fn finish(&self, nonce: &str, outcome: Outcome) {
        let mut entries = self.entries.lock().expect("connecting lock");
        if entries.len() < MAX || entries.contains_key(nonce) {
            let entry = entries
                .entry(nonce.to_owned())
                .or_insert((Instant::now(), None));
            entry.1 = Some(outcome);
        }
    }
}

fn key(nonce: &str) -> String {
    format!("{OUTCOMES_PREFIX}{nonce}")
}

/// The outcome another replica stored, if any.
pub fn load(store: &dyn Store, nonce: &str) -> anyhow::Result<Option<Outcome>> {
    match store.get(&key(nonce))? {
        Some(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
        None => Ok(None),
    }
}

/// Stores the outcome for other replicas, unless one is there already: a replay worked here
/// never hides how the first exchange ended.
pub fn keep(store: &dyn Store, nonce: &str, outcome: &Outcome) -> anyhow::Result<()> {
    let bytes = serde_json::to_vec(outcome)?;
    store.update(&key(nonce), "application/json", &mut |current| {
        Ok(current.is_none().then(|| bytes.clone()))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_is_pending_then_done() {
        let connecting = Connecting::default();
        assert_eq!(connecting.seen("1.a"), Seen::Unknown);
        assert!(connecting.begin("1.a"));
        assert_eq!(connecting.seen("1.a"), Seen::Pending);
        let outcome = Outcome {
            status: 200,
            page: "ok".into(),
        };
        connecting.finish("1.a", outcome.clone());
        assert_eq!(connecting.seen("1.a"), Seen::Done(outcome));
    }

    #[test]
    fn the_first_outcome_stored_stays() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::LocalStore::new(dir.path().to_path_buf());
        let first = Outcome {
            status: 200,
            page: "connected".into(),
        };
        keep(&store, "1.a", &first).unwrap();
        let replay = Outcome {
            status: 400,
            page: "used already".into(),
        };
        keep(&store, "1.a", &replay).unwrap();
        assert_eq!(load(&store, "1.a").unwrap(), Some(first));
    }
}
