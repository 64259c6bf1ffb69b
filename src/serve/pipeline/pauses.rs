//! Who is paused, from memory: the pauses and resumes asked for through this process (in
//! effect from the moment the member's click or command is answered, before an app job has
//! stored them), and beneath them the paused members as the store last showed them (read at
//! start and at each reconcile, and whenever a worker reads a member). A worker asks here
//! first, and again before each write of a change, so once a pause is answered no preset is
//! written for that member until they resume; `/statusinator list` answers from here without
//! waiting on the store.
//!
//! Wishes are written by the threads that answer Slack (a click, a command); what the store
//! showed, by the status workers, the app workers and the reconcile. Two locks, each held only
//! to read or write its own set, never both at once. A wish counts for [`REMEMBERED`]: long
//! after it is in the store, which then speaks for it (and for a replica's later word).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::presets::UserId;

/// How long a wish made here overrides the store.
const REMEMBERED: Duration = Duration::from_secs(60);

/// Members' recent pause (`true`) or resume (`false`) wishes, with when they were made.
#[derive(Debug, Default)]
pub struct Pauses {
    wishes: Mutex<HashMap<UserId, (bool, Instant)>>,
    /// Members paused as the store last showed them.
    stored: Mutex<HashSet<UserId>>,
}

impl Pauses {
    /// The member asked to pause (`true`) or resume (`false`), just now.
    pub fn wish(&self, user: &UserId, pause: bool) {
        let mut wishes = self.wishes.lock().expect("pauses lock");
        wishes.retain(|_, (_, at)| at.elapsed() < REMEMBERED);
        wishes.insert(user.clone(), (pause, Instant::now()));
    }

    /// Whether the member is paused, from memory: their recent wish, else what the store last
    /// showed.
    pub fn is_paused(&self, user: &UserId) -> bool {
        self.wished(user)
            .unwrap_or_else(|| self.stored.lock().expect("pauses lock").contains(user))
    }

    /// The store shows the member paused or not.
    pub fn stored_as(&self, user: &UserId, paused: bool) {
        let mut stored = self.stored.lock().expect("pauses lock");
        if paused {
            stored.insert(user.clone());
        } else {
            stored.remove(user);
        }
    }

    /// Everyone the store shows paused, read whole (at start, at a reconcile).
    pub fn stored_all(&self, paused: HashSet<UserId>) {
        *self.stored.lock().expect("pauses lock") = paused;
    }

    /// What the member last asked for here, if recently: `Some(true)` paused.
    pub fn wished(&self, user: &UserId) -> Option<bool> {
        self.wishes
            .lock()
            .expect("pauses lock")
            .get(user)
            .filter(|(_, at)| at.elapsed() < REMEMBERED)
            .map(|(pause, _)| *pause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_wish_counts() {
        let pauses = Pauses::default();
        let ana = UserId::parse("U0ANA0001").unwrap();
        assert_eq!(pauses.wished(&ana), None);
        pauses.wish(&ana, true);
        assert_eq!(pauses.wished(&ana), Some(true));
        pauses.wish(&ana, false);
        assert_eq!(pauses.wished(&ana), Some(false));
        // Beneath the wishes, what the store showed.
        let ben = UserId::parse("U0BEN0002").unwrap();
        assert!(!pauses.is_paused(&ben));
        pauses.stored_all([ben.clone()].into_iter().collect());
        assert!(pauses.is_paused(&ben));
        pauses.stored_as(&ben, false);
        assert!(!pauses.is_paused(&ben));
        assert!(!pauses.is_paused(&ana), "her wish speaks for her");
    }
}
