//! Statuses that lapse on their own (`status_expiration`): Slack clears them and may send no
//! event at all, so serve puts the member's `default` preset, or usual profile, back at the
//! moment they lapse. A lapse is scheduled when a status with an end is applied, and again from
//! the store after a restart (each member's state keeps when their status lapses), so it is
//! honoured whatever happened in between.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::sync::Mutex;

use super::queue::Request;
use super::{Arrival, Pipeline};
use crate::presets::UserId;

/// When members' statuses lapse, soonest first. Written by the workers (a status applied) and
/// the start (statuses learnt from the store); taken by the tick. One lock, held only for the
/// heap.
#[derive(Debug, Default)]
pub struct Lapses {
    heap: Mutex<BinaryHeap<Reverse<(u64, UserId)>>>,
}

impl Lapses {
    /// `user`'s status lapses at `when` (unix seconds).
    pub fn at(&self, user: &UserId, when: u64) {
        self.heap
            .lock()
            .expect("lapses lock")
            .push(Reverse((when, user.clone())));
    }

    /// The members whose status has lapsed by `now` (each once).
    pub fn due(&self, now: u64) -> Vec<UserId> {
        let mut heap = self.heap.lock().expect("lapses lock");
        let mut due = Vec::new();
        let mut seen = HashSet::new();
        while heap.peek().is_some_and(|Reverse((at, _))| *at <= now) {
            let Reverse((_, user)) = heap.pop().expect("peeked");
            if seen.insert(user.clone()) {
                due.push(user);
            }
        }
        due
    }

    /// Lapses scheduled (a member may count more than once).
    pub fn len(&self) -> usize {
        self.heap.lock().expect("lapses lock").len()
    }
}

impl Pipeline {
    /// Reads the profile of each member whose status has just lapsed, or who asked to be
    /// looked at again (paused, resumed), and hands it to the workers as an event would.
    pub(super) fn restore_lapsed(&self) {
        for user in self.lapses.due(crate::clock::unix_now()) {
            self.reread_and_admit(&user, "their status lapsed");
        }
        let mut asked: Vec<UserId> =
            std::mem::take(&mut *self.rereads.lock().expect("rereads lock"));
        // Asked twice (a pause that stopped a change, and the pause itself): read once, so no
        // second read races the first one's writes.
        asked.sort_unstable();
        asked.dedup();
        for user in asked {
            self.reread_and_admit(&user, "paused or resumed");
        }
    }

    /// Looks at `user` again soon (reading their profile off the ack path).
    pub fn reread_later(&self, user: &UserId) {
        let mut rereads = self.rereads.lock().expect("rereads lock");
        if !rereads.contains(user) {
            rereads.push(user.clone());
        }
    }

    /// Hands a member to the workers, whose worker reads their profile first (so the profile
    /// it plans from is never older than a write to them still under way).
    fn reread_and_admit(&self, user: &UserId, why: &str) {
        log::info!("{user}: {why}: looking at their profile again");
        let request = Request {
            user: user.clone(),
            emoji: String::new(),
            profile: Default::default(),
            event_id: why.to_owned(),
            attempt: 0,
            reread: true,
        };
        // Not the loop guard's business: the status Slack shows may be the one applied
        // (lapsed, or paused).
        self.forget_guard(user);
        let _ = self.admit(request, false, Arrival::Later);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lapses_come_due_in_order_and_once() {
        let lapses = Lapses::default();
        let ana = UserId::parse("U0ANA0001").unwrap();
        let ben = UserId::parse("U0BEN0002").unwrap();
        lapses.at(&ana, 200);
        lapses.at(&ben, 100);
        lapses.at(&ana, 150);
        assert!(lapses.due(99).is_empty());
        assert_eq!(lapses.due(160), vec![ben.clone(), ana.clone()]);
        assert_eq!(lapses.due(300), vec![ana]);
        assert_eq!(lapses.len(), 0);
    }
}
