//! What this process tells the deployment's other processes of, and what it takes in from theirs
//! (through Redis; see [`crate::shared::notices`]): presets saved, pauses stored, members
//! connected or gone. Each change is made in this process's memory first, then told; a change
//! heard from another process goes to the same memory, and is never told again.
//!
//! Written by the app's jobs (its own changes) and the `notices` thread (the others'); each
//! change takes the lock of the part it changes (the presets cache, `connected`, the pauses).

use super::Pipeline;
use crate::presets::UserId;
use crate::shared::notices::Change;

impl Pipeline {
    /// `users.json` changed here (these members' presets, when known): the cache reads it now,
    /// and the others are told.
    pub fn presets_saved(&self, members: &[UserId]) {
        if let Err(err) = self.presets.reload() {
            log::warn!("could not read users.json again: {err:#}");
        }
        self.context.notices.publish(Change::Presets {
            members: members.iter().map(|u| u.as_str().to_owned()).collect(),
        });
    }

    /// A member connected in `team` (of organization `org`) through this process.
    pub fn member_connected(&self, user: &UserId, team: &str, org: Option<&str>) {
        self.connected.add(user, team, org);
        self.context.notices.publish(Change::Connected {
            user: user.as_str().to_owned(),
            team: team.to_owned(),
            org: org.map(str::to_owned),
        });
    }

    /// A member disconnected or was forgotten through this process.
    pub fn member_left(&self, user: &UserId) {
        self.connected.remove(user);
        self.context.notices.publish(Change::Left {
            user: user.as_str().to_owned(),
        });
    }

    /// A member's pause (or resume) is stored now.
    pub(super) fn pause_saved(&self, user: &UserId, paused: bool) {
        self.wishes.pauses.stored_as(user, paused);
        self.context.notices.publish(Change::Paused {
            user: user.as_str().to_owned(),
            paused,
        });
    }

    /// Another process's change (`None`: notices may have been missed; look at the store).
    pub fn heard(&self, change: Option<Change>) {
        let user = |id: &str| UserId::parse(id).ok();
        match change {
            None | Some(Change::Presets { .. }) => self.presets.told_of_change(),
            Some(Change::Paused { user: id, paused }) => {
                if let Some(user) = user(&id) {
                    self.wishes.pauses.stored_as(&user, paused);
                }
            }
            Some(Change::Connected {
                user: id,
                team,
                org,
            }) => {
                if let Some(user) = user(&id) {
                    self.connected.add(&user, &team, org.as_deref());
                }
            }
            Some(Change::Left { user: id }) => {
                if let Some(user) = user(&id) {
                    self.connected.remove(&user);
                }
            }
        }
    }
}
