//! Members leaving (Disconnect, durable: see [`crate::members::disconnect`]). A member is marked here
//! the moment their click is answered; from then on only their usual profile is written. A
//! status worker puts it back, then their token record and wish are forgotten and their Home
//! says so. When a step fails they are told, once, and the wish stays: the reconcile (and any
//! process after a stop) finishes it.
//!
//! The map is written by the threads that answer clicks and the app workers (mark, cancel),
//! the reconcile (mark) and the status workers (finish, tell); one lock, held only for the map.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{Notice, Pipeline};
use crate::presets::UserId;

/// A member leaving, as this process knows it.
#[derive(Debug, Clone)]
struct Leaver {
    team: String,
    /// They were told that it could not finish yet (told once).
    told: bool,
}

/// The members leaving.
#[derive(Debug, Default)]
pub struct Leaving {
    members: Mutex<HashMap<UserId, Leaver>>,
}

impl Leaving {
    /// Whether the member asked to disconnect: only their usual profile is put in effect.
    pub fn contains(&self, user: &UserId) -> bool {
        self.members
            .lock()
            .expect("leaving lock")
            .contains_key(user)
    }

    /// Marks the member as leaving `team`; `true` when they were not marked yet.
    pub fn mark(&self, team: &str, user: &UserId) -> bool {
        let mut members = self.members.lock().expect("leaving lock");
        let fresh = !members.contains_key(user);
        members.entry(user.clone()).or_insert(Leaver {
            team: team.to_owned(),
            told: false,
        });
        fresh
    }

    /// Unmarks the member (nothing to disconnect, or the wish could not be kept).
    pub fn cancel(&self, user: &UserId) {
        self.members.lock().expect("leaving lock").remove(user);
    }

    /// Unmarks the member once they are gone; their team.
    fn take(&self, user: &UserId) -> Option<String> {
        self.members
            .lock()
            .expect("leaving lock")
            .remove(user)
            .map(|leaver| leaver.team)
    }

    /// The member's team if they were not told yet that it stalls (and now they are).
    fn tell_once(&self, user: &UserId) -> Option<String> {
        let mut members = self.members.lock().expect("leaving lock");
        match members.get_mut(user) {
            Some(leaver) if !leaver.told => {
                leaver.told = true;
                Some(leaver.team.clone())
            }
            _ => None,
        }
    }
}

impl Pipeline {
    /// After a worker put a leaving member's usual profile back (or found nothing to put
    /// back): their token record and wish are forgotten, and their Home shows it.
    pub(super) fn finish_disconnect(&self, user: &UserId) {
        let Some(team) = self.wishes.leaving.take(user) else {
            return;
        };
        if let Err(err) =
            crate::members::disconnect::forget(self.context.store.as_ref(), &team, user)
        {
            log::error!("{user} asked to disconnect; forgetting their token: {err:#}");
            // The wish stays in the store: the reconcile finishes it.
            return;
        }
        self.member_left(user);
        (self.notify)(Notice::Home {
            team,
            user: user.clone(),
        });
    }

    /// A step of a member's disconnect failed: they are told (once a wish) in a direct message
    /// from the bot, and their Home is published again; the wish stays for the reconcile.
    pub fn disconnect_stalled(&self, user: &UserId, why: &str) {
        let Some(team) = self.wishes.leaving.tell_once(user) else {
            return;
        };
        log::warn!("{user}'s disconnect is not finished yet: {why}");
        let text = format!(
            "Disconnecting statusinator is not finished yet: {why}. Your token stays until your \
             usual name and photo are back; statusinator keeps trying and tells your Home tab \
             when it is done."
        );
        (self.notify)(Notice::Tell {
            team: team.clone(),
            user: user.clone(),
            text,
        });
        (self.notify)(Notice::Home {
            team,
            user: user.clone(),
        });
    }

    /// Takes up the wishes to disconnect that wait in the store (left by a process that
    /// stopped, or by a failed step): each member is marked leaving and looked at again.
    pub fn resume_disconnects(&self) {
        let pending = match crate::members::disconnect::pending(self.context.store.as_ref()) {
            Ok(pending) => pending,
            Err(err) => {
                log::warn!("reading the wishes to disconnect: {err:#}");
                return;
            }
        };
        for (team, user) in pending {
            if self.wishes.leaving.mark(&team, &user) {
                log::info!("{user} asked to disconnect from {team}: finishing it");
            }
            self.reread_later(&user);
        }
    }
}
