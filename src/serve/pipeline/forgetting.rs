//! Members being forgotten (they asked to delete their data): from the moment their click or
//! command is answered, only their usual profile is written for them, until everything kept
//! about them is gone (see [`crate::members::forget`]). Written by the threads that answer Slack (mark)
//! and the app workers (done); one lock, held only for the set.

use std::collections::HashSet;
use std::sync::Mutex;

use crate::presets::UserId;

#[derive(Debug, Default)]
pub struct Forgetting {
    members: Mutex<HashSet<UserId>>,
}

impl Forgetting {
    pub fn mark(&self, user: &UserId) {
        self.members
            .lock()
            .expect("forgetting lock")
            .insert(user.clone());
    }

    pub fn contains(&self, user: &UserId) -> bool {
        self.members.lock().expect("forgetting lock").contains(user)
    }

    /// They are forgotten: nothing of them is left to hold back.
    pub fn done(&self, user: &UserId) {
        self.members.lock().expect("forgetting lock").remove(user);
    }
}
