//! The members connected (through Slack, or in the tokens file) and their workspace: with
//! workspace presets in `users.json`, their events are worked like an onboarded member's, so
//! the answer to Slack needs to know them from memory.
//!
//! Who writes what: `presets-load` fills it at start and the reconcile fills it again each
//! cycle (from the token records); the app's jobs add a member who just connected and take out
//! one who disconnected or was forgotten. The inbox threads and the workers only read. One
//! lock, never held with another.

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;
use std::time::Instant;

use anyhow::Result;

use crate::presets::UserId;
use crate::store::Store;
use crate::tokens::Tokens;
use crate::workspace::Place;

/// A connected member: where (see [`Place`]), and when the app added them (a refill that
/// started before keeps them).
type Entry = (Place, Option<Instant>);

#[derive(Debug, Default)]
pub struct Connected {
    members: RwLock<HashMap<UserId, Entry>>,
}

impl Connected {
    /// Reads every connected member from the token records and puts them in place of the
    /// ones known, keeping members the app added since the read began. Returns how many.
    pub fn refill(&self, store: &dyn Store, tokens: &Tokens) -> Result<usize> {
        let began = Instant::now();
        let listed = crate::workspace::connected_members(store, tokens)?;
        Ok(self.replace(listed, began))
    }

    fn replace(&self, listed: BTreeMap<UserId, Place>, began: Instant) -> usize {
        let mut members = self.members.write().expect("connected lock");
        let added_since: Vec<(UserId, Entry)> = members
            .iter()
            .filter(|(_, (_, added))| added.is_some_and(|at| at >= began))
            .map(|(user, entry)| (user.clone(), entry.clone()))
            .collect();
        *members = listed
            .into_iter()
            .map(|(user, place)| (user, (place, None)))
            .collect();
        members.extend(added_since);
        members.len()
    }

    /// A member who just connected in `team` (of organization `org`, if any).
    pub fn add(&self, user: &UserId, team: &str, org: Option<&str>) {
        let place = Place {
            team: Some(team.to_owned()),
            org: org.map(str::to_owned),
        };
        self.members
            .write()
            .expect("connected lock")
            .insert(user.clone(), (place, Some(Instant::now())));
    }

    /// A member who disconnected or was forgotten.
    pub fn remove(&self, user: &UserId) {
        self.members.write().expect("connected lock").remove(user);
    }

    pub fn contains(&self, user: &UserId) -> bool {
        self.members
            .read()
            .expect("connected lock")
            .contains_key(user)
    }

    /// `None` when the member is not connected; else their workspace, if known.
    pub fn team(&self, user: &UserId) -> Option<Option<String>> {
        self.place(user).map(|place| place.team)
    }

    /// `None` when the member is not connected; else where.
    pub fn place(&self, user: &UserId) -> Option<Place> {
        self.members
            .read()
            .expect("connected lock")
            .get(user)
            .map(|(place, _)| place.clone())
    }

    /// Every connected member.
    pub fn users(&self) -> Vec<UserId> {
        self.members
            .read()
            .expect("connected lock")
            .keys()
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refill_keeps_who_connected_while_it_read() {
        let connected = Connected::default();
        let (ana, ben, cy) = (
            UserId::parse("U1AAA").unwrap(),
            UserId::parse("U2BBB").unwrap(),
            UserId::parse("U3CCC").unwrap(),
        );
        connected.add(&ana, "T0ONE1", None);
        let began = Instant::now();
        connected.add(&cy, "T0ONE1", None);
        let listed = BTreeMap::from([(
            ben.clone(),
            Place {
                team: Some("T0TWO2".to_owned()),
                org: None,
            },
        )]);
        assert_eq!(connected.replace(listed, began), 2);
        assert!(
            !connected.contains(&ana),
            "gone from the records before the read"
        );
        assert_eq!(connected.team(&ben), Some(Some("T0TWO2".to_owned())));
        assert!(
            connected.contains(&cy),
            "connected while the records were read"
        );
        connected.remove(&cy);
        assert_eq!(connected.team(&cy), None);
    }
}
