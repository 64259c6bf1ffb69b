//! Records of what was applied: after each write that reached Slack, the member's applied state
//! in the store says so, the plan's last record with the emoji and preset now in effect (and
//! the release of the claim on them). serve keeps the records the store cannot take (it may be
//! away for a while) and writes them, in order, once it answers.
//!
//! Who writes what: any worker records; serve's tick flushes what waits. One lock, over the
//! records waiting, held while they are written so that records stay in order.

use std::sync::{Arc, Mutex};

use anyhow::Result;

use super::{Plan, Write};
use crate::presets::{EmojiKey, UserId};
use crate::state::{self, Applied};
use crate::store::Store;

/// One record: what one step of a plan put into effect.
#[derive(Debug, Clone)]
pub struct Record {
    pub user: UserId,
    pub now: u64,
    /// The write that reached Slack (`None` when nothing needed writing); a photo's picture is
    /// the key it was stored at.
    pub write: Option<Write>,
    /// After a photo write: the `avatar_hash` Slack reported for it.
    pub avatar_hash: Option<String>,
    /// The plan's last step: the emoji and preset now in effect, and when the status lapses.
    pub finish: Option<(String, EmojiKey, Option<u64>)>,
    /// The claim on the member this record releases (the plan's last, when claiming).
    pub release: Option<String>,
    /// With the usual profile put back and the photo set by hand kept as the usual one: that
    /// photo (its key) and its `avatar_hash` are what is in effect now, written or not.
    pub usual_photo: Option<(Option<String>, Option<String>)>,
}

impl Record {
    /// The record of one write of `user`'s (or of none), not the last of its plan.
    pub fn of(user: &UserId, now: u64, write: Option<&Write>) -> Record {
        Record {
            user: user.clone(),
            now,
            write: write.cloned(),
            avatar_hash: None,
            finish: None,
            release: None,
            usual_photo: None,
        }
    }

    /// Writes it into the member's applied state in the store; returns that state.
    fn write_to(&self, store: &dyn Store) -> Result<Applied> {
        state::record(store, &self.user, self.now, self.release.as_deref(), |e| {
            self.apply_to(e)
        })
    }

    fn apply_to(&self, entry: &mut Applied) {
        match &self.write {
            Some(Write::Name { display_name }) => entry.name = Some(display_name.clone()),
            Some(Write::Photo { picture }) => {
                entry.picture = picture.key(&self.user);
                entry.avatar_hash = self.avatar_hash.clone();
            }
            Some(Write::DeletePhoto) => {
                entry.picture = None;
                entry.avatar_hash = self.avatar_hash.clone();
            }
            None => {}
        }
        if let Some((emoji, preset, expires)) = &self.finish {
            entry.emoji = emoji.clone();
            entry.preset = Some(preset.clone());
            entry.status_expires_at = *expires;
        }
        if let Some((picture, avatar_hash)) = &self.usual_photo {
            entry.picture = picture.clone();
            entry.avatar_hash = avatar_hash.clone();
        }
    }
}

/// What `plan` leaves in a member's applied state once all of it is written.
pub fn after(recorded: Option<&Applied>, plan: &Plan) -> Applied {
    let mut entry = recorded.cloned().unwrap_or_default();
    for write in &plan.writes {
        Record::of(&plan.user, 0, Some(write)).apply_to(&mut entry);
    }
    entry.emoji = plan.emoji.clone();
    entry.preset = Some(plan.preset.clone());
    entry.status_expires_at = plan.status_expires_at;
    entry
}

/// Where records go: the store, and with deferral (serve) a line of records waiting for it.
#[derive(Debug)]
pub struct Records {
    store: Arc<dyn Store>,
    /// Records waiting for the store, oldest first (`None`: a store failure is an error).
    deferred: Option<Mutex<Vec<Record>>>,
}

impl Records {
    /// Records written to the store at once; a store failure is an error.
    pub fn new(store: Arc<dyn Store>) -> Records {
        Records {
            store,
            deferred: None,
        }
    }

    /// Records the store cannot take are kept, and written later by [`Records::flush`],
    /// instead of failing (the long-running service: Slack has the change already).
    pub fn deferring(store: Arc<dyn Store>) -> Records {
        Records {
            store,
            deferred: Some(Mutex::new(Vec::new())),
        }
    }

    /// Whether records the store cannot take wait for it (rather than fail).
    pub fn defers(&self) -> bool {
        self.deferred.is_some()
    }

    /// Writes one record; returns the member's applied state as written, or `None` when the
    /// record waits for the store. While any record waits, new ones wait behind it.
    pub fn write(&self, record: Record) -> Result<Option<Applied>> {
        let Some(deferred) = &self.deferred else {
            return record.write_to(self.store.as_ref()).map(Some);
        };
        let mut waiting = deferred.lock().expect("deferred lock");
        flush_locked(self.store.as_ref(), &mut waiting);
        if waiting.is_empty() {
            match record.write_to(self.store.as_ref()) {
                Ok(written) => return Ok(Some(written)),
                Err(err) => log::warn!(
                    "{err:#}; Slack has the change, and it is recorded once the store answers"
                ),
            }
        }
        waiting.push(record);
        Ok(None)
    }

    /// Writes the records kept while the store was unreachable. Returns how many still wait.
    pub fn flush(&self) -> usize {
        match &self.deferred {
            None => 0,
            Some(deferred) => {
                let mut waiting = deferred.lock().expect("deferred lock");
                flush_locked(self.store.as_ref(), &mut waiting);
                waiting.len()
            }
        }
    }

    /// Members whose records still wait.
    pub fn waiting_members(&self) -> Vec<UserId> {
        let mut users: Vec<UserId> = self
            .deferred
            .as_ref()
            .map(|d| {
                d.lock()
                    .expect("deferred lock")
                    .iter()
                    .map(|r| r.user.clone())
                    .collect()
            })
            .unwrap_or_default();
        users.sort_unstable();
        users.dedup();
        users
    }
}

fn flush_locked(store: &dyn Store, waiting: &mut Vec<Record>) {
    let mut done = 0;
    for record in waiting.iter() {
        if record.write_to(store).is_err() {
            break;
        }
        done += 1;
    }
    if done > 0 {
        log::info!(
            "recorded {done} change{} that waited for the store",
            if done == 1 { "" } else { "s" }
        );
    }
    waiting.drain(..done);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::Photo;
    use crate::store::LocalStore;

    fn ana() -> UserId {
        UserId::parse("U0ANA0001").unwrap()
    }

    fn name(display_name: &str) -> Write {
        Write::Name {
            display_name: display_name.to_owned(),
        }
    }

    fn last(write: Write) -> Record {
        Record {
            avatar_hash: Some("h1".into()),
            finish: Some((
                ":palm_tree:".into(),
                EmojiKey::parse(":palm_tree:").unwrap(),
                None,
            )),
            ..Record::of(&ana(), 7, Some(&write))
        }
    }

    #[test]
    fn a_record_returns_the_state_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(LocalStore::new(dir.path().to_path_buf()));
        let records = Records::new(store.clone());
        records
            .write(Record::of(&ana(), 5, Some(&name("Ana (away)"))))
            .unwrap();
        let photo = Write::Photo {
            picture: Photo::Stored("U0ANA0001/beach.png".into()),
        };
        let written = records.write(last(photo)).unwrap().unwrap();
        assert_eq!(written.name.as_deref(), Some("Ana (away)"));
        assert_eq!(written.picture.as_deref(), Some("U0ANA0001/beach.png"));
        assert_eq!(written.avatar_hash.as_deref(), Some("h1"));
        assert_eq!(written.emoji, ":palm_tree:");
        assert_eq!(
            Some(written),
            state::load_user(store.as_ref(), &ana()).unwrap()
        );
    }

    #[test]
    fn records_the_store_cannot_take_wait_in_order_and_land_once_it_answers() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("data");
        let store: Arc<dyn Store> = Arc::new(LocalStore::new(root.clone()));
        let records = Records::deferring(store.clone());
        // The store's folder is a file now: every write fails.
        std::fs::write(&root, b"not a folder").unwrap();
        let first = records.write(Record::of(&ana(), 5, Some(&name("Ana (sick)"))));
        assert!(matches!(first, Ok(None)), "{first:?}");
        let second = records.write(last(name("Ana (away)")));
        assert!(matches!(second, Ok(None)), "{second:?}");
        assert_eq!(records.waiting_members(), vec![ana()]);
        assert_eq!(records.flush(), 2);
        // It answers again: both land, the later one last.
        std::fs::remove_file(&root).unwrap();
        assert_eq!(records.flush(), 0);
        let recorded = state::load_user(store.as_ref(), &ana()).unwrap().unwrap();
        assert_eq!(recorded.name.as_deref(), Some("Ana (away)"));
        assert_eq!(recorded.emoji, ":palm_tree:");
        assert!(records.waiting_members().is_empty());
    }

    #[test]
    fn without_deferral_a_store_failure_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("data");
        std::fs::write(&root, b"not a folder").unwrap();
        let records = Records::new(Arc::new(LocalStore::new(root)));
        let err = records
            .write(Record::of(&ana(), 5, Some(&name("Ana (sick)"))))
            .unwrap_err();
        assert!(format!("{err:#}").contains("U0ANA0001"), "{err:#}");
    }
}
