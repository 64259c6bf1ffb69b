//! Members' wishes, in effect from the moment their click or command is answered (an app job
//! stores them after): a pause or resume, a disconnect, a request to delete their data. The
//! app speaks to them through one verb, [`Pipeline::wish`]; the workers ask before each change
//! (and before each write of one) whether only the usual profile may be written.
//!
//! Each kind keeps its own set under its own lock (see [`super::pauses`], [`super::leaving`],
//! [`super::forgetting`]); none is held with another.

use super::{forgetting, leaving, pauses, Pipeline};
use crate::presets::UserId;

/// What a member asked for, or what became of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wish<'a> {
    /// Pause (`true`) or resume (`false`), as just asked.
    Pause(bool),
    /// The store has their pause (or resume) now: it speaks for them from here on.
    PauseSaved(bool),
    /// Disconnect from `team`: only their usual profile is written from now on.
    Disconnect { team: &'a str },
    /// Their disconnect is called off (nothing was connected, or the wish could not be saved).
    DisconnectOff,
    /// Delete their data: only their usual profile is written until they are forgotten.
    Forget,
    /// Their forget is over (done, or the wish could not be saved).
    ForgetOver,
}

/// The wishes of the members this process heard from.
#[derive(Debug, Default)]
pub struct Wishes {
    pub(super) pauses: pauses::Pauses,
    pub(super) leaving: leaving::Leaving,
    pub(super) forgetting: forgetting::Forgetting,
}

impl Wishes {
    /// Whether only the usual profile may be written for `user` now: paused (as asked here
    /// just now, else as `stored`), disconnecting or being forgotten.
    pub(super) fn only_usual(&self, user: &UserId, stored_pause: bool) -> bool {
        self.pauses.wished(user).unwrap_or(stored_pause)
            || self.leaving.contains(user)
            || self.forgetting.contains(user)
    }
}

impl Pipeline {
    /// Takes a member's wish (or what became of it) into effect; answers from memory.
    pub fn wish(&self, user: &UserId, wish: Wish<'_>) {
        let wishes = &self.wishes;
        match wish {
            Wish::Pause(pause) => wishes.pauses.wish(user, pause),
            Wish::PauseSaved(pause) => self.pause_saved(user, pause),
            Wish::Disconnect { team } => {
                wishes.leaving.mark(team, user);
            }
            Wish::DisconnectOff => wishes.leaving.cancel(user),
            Wish::Forget => wishes.forgetting.mark(user),
            Wish::ForgetOver => wishes.forgetting.done(user),
        }
    }

    /// Whether `user` is paused, as far as this process knows (from memory).
    pub fn is_paused(&self, user: &UserId) -> bool {
        self.wishes.pauses.is_paused(user)
    }
}
