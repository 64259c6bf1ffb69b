//! Pauses and resumes members asked for through this process: in effect from the moment the
//! member's click or command is answered, before an app job has stored them. A worker asks
//! here first (then the member's stored state), and again before each write of a change, so
//! once a pause is answered no preset is written for that member until they resume.
//!
//! Written by the threads that answer Slack (a click, a command); read by the status workers.
//! One lock, held only to read or write the map. A wish counts for [`REMEMBERED`]: long after
//! it is in the store, which then speaks for it (and for a replica's later word).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::presets::UserId;

/// How long a wish made here overrides the store.
const REMEMBERED: Duration = Duration::from_secs(60);

/// Members' recent pause (`true`) or resume (`false`) wishes, with when they were made.
#[derive(Debug, Default)]
pub struct Pauses {
    wishes: Mutex<HashMap<UserId, (bool, Instant)>>,
}

impl Pauses {
    /// The member asked to pause (`true`) or resume (`false`), just now.
    pub fn wish(&self, user: &UserId, pause: bool) {
        let mut wishes = self.wishes.lock().expect("pauses lock");
        wishes.retain(|_, (_, at)| at.elapsed() < REMEMBERED);
        wishes.insert(user.clone(), (pause, Instant::now()));
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
    }
}
