//! Members' presets in the store: `users.json`, and the saves pending since in
//! `presets/pending.json` (see [`crate::presets::pending`]): reading them together, saving a
//! change, and folding the pending saves into `users.json`.

use anyhow::{Context as _, Result};

use super::{Store, USERS_KEY};
use crate::presets::pending::{Entry, Folded, Pending, Save, SectionsEntry, PENDING_KEY};
use crate::presets::{PresetTable, UsersFile};

/// Reads `pending.json` (none: nothing pending).
pub fn read_pending(store: &dyn Store) -> Result<Pending> {
    match store.get(PENDING_KEY)? {
        None => Ok(Pending::default()),
        Some(bytes) => Pending::parse(&bytes, &store.location(PENDING_KEY)),
    }
}

/// Every member's presets: `users.json` with the saves pending since; `None` when there are
/// neither.
fn read_users(store: &dyn Store) -> Result<Option<UsersFile>> {
    let pending = read_pending(store)?;
    let mut file = match store.get(USERS_KEY)? {
        None if pending.is_empty() => return Ok(None),
        None => UsersFile::default(),
        Some(bytes) => UsersFile::from_json(&bytes, &store.location(USERS_KEY))?,
    };
    file.apply_pending(&pending);
    Ok(Some(file))
}

/// Reads every member's presets, which must be there: without any nobody is onboarded, which
/// for `apply` and `poll` means the store is not the one meant, or onboard has not run yet.
pub fn require_users(store: &dyn Store) -> Result<UsersFile> {
    read_users(store)?.ok_or_else(|| super::no_presets_yet(store).into())
}

/// Reads every member's presets; none is an empty file.
pub fn load_users(store: &dyn Store) -> Result<UsersFile> {
    Ok(read_users(store)?.unwrap_or_default())
}

/// Reads `users.json` into the compact form a long-running process keeps, as a stream (the
/// file's bytes are never held whole), without the saves pending since (the caller applies
/// them); an absent file is an empty one.
pub fn load_preset_table(store: &dyn Store) -> Result<PresetTable> {
    match store.reader(USERS_KEY)? {
        None => Ok(PresetTable::default()),
        Some(reader) => PresetTable::from_reader(reader, &store.location(USERS_KEY)),
    }
}

/// Saves `save` into `pending.json` (a concurrent save is kept: the write is conditional, and
/// tried again on the latest). Returns the save's number and whether a fold is due.
pub fn save(store: &dyn Store, save: &Save) -> Result<(u64, bool)> {
    let location = store.location(PENDING_KEY);
    let mut outcome = (0, false);
    store
        .update(PENDING_KEY, "application/json", &mut |current| {
            let mut pending = match current {
                None => Pending::default(),
                Some(bytes) => Pending::parse(bytes, &location)?,
            };
            pending.seq += 1;
            let seq = pending.seq;
            for (user, patch) in &save.members {
                let patch = match pending.members.remove(user) {
                    Some(earlier) => earlier.patch.then(patch.clone()),
                    None => patch.clone(),
                };
                pending.members.insert(user.clone(), Entry { seq, patch });
            }
            if let Some(sections) = &save.sections {
                pending.sections = Some(SectionsEntry {
                    seq,
                    sections: sections.clone(),
                });
            }
            outcome = (seq, pending.fold_due());
            Ok(Some(serde_json::to_vec(&pending)?))
        })
        .with_context(|| format!("saving presets to {location}"))?;
    Ok(outcome)
}

/// Moves the pending saves into `users.json`; returns how many members' saves it moved (0:
/// nothing was pending, or another process folded them first).
pub fn fold(store: &dyn Store, now: u64) -> Result<usize> {
    let pending = read_pending(store)?;
    if pending.is_empty() {
        return Ok(0);
    }
    let moved = pending.members.len();
    let written = write_users(store, now, &pending, false, &mut |_| Ok(()))?;
    if written.is_some() {
        log::info!(
            "folded {moved} member(s)' saved presets into {}",
            store.location(USERS_KEY)
        );
    }
    Ok(if written.is_some() { moved } else { 0 })
}

/// Changes `users.json` without losing a concurrent writer's change: the saves pending are
/// folded in, then `change` runs on the file (again, if someone wrote in between); the file is
/// written with `lastUpdatedAt` bumped. Returns what `change` returned and the new
/// `lastUpdatedAt`. For the admin's whole-file changes (`onboard FILE`); a member's save goes
/// to [`save`].
pub fn update_users<T>(
    store: &dyn Store,
    now: u64,
    mut change: impl FnMut(&mut UsersFile) -> Result<T>,
) -> Result<(T, u64)> {
    let pending = read_pending(store)?;
    let mut outcome = None;
    let written = write_users(store, now, &pending, true, &mut |file| {
        outcome = Some(change(file)?);
        Ok(())
    })?;
    let outcome = outcome.expect("update ran the change at least once");
    Ok((outcome, written.expect("a change is always written")))
}

/// Writes `users.json` with `pending` folded in and `change` made (`whole`: the change is more
/// than the pending saves, so a process that holds the file reads it again), then takes the
/// folded saves out of `pending.json`. Returns the new `lastUpdatedAt`, or `None` when a plain
/// fold found its saves folded already.
fn write_users(
    store: &dyn Store,
    now: u64,
    pending: &Pending,
    whole: bool,
    change: &mut dyn FnMut(&mut UsersFile) -> Result<()>,
) -> Result<Option<u64>> {
    let through = pending.seq;
    let mut from = 0;
    let mut stamp = None;
    let location = store.location(USERS_KEY);
    store
        .update(USERS_KEY, "application/json", &mut |current| {
            let mut file = match current {
                None => UsersFile::default(),
                Some(bytes) => UsersFile::from_json(bytes, &location)?,
            };
            from = file.folded_through;
            if !whole && from >= through {
                // Another fold got there first.
                stamp = None;
                return Ok(None);
            }
            file.apply_pending(pending);
            file.folded_through = file.folded_through.max(through);
            change(&mut file)?;
            file.touch(now);
            stamp = Some(file.last_updated_at);
            Ok(Some(file.to_json()))
        })
        .with_context(|| format!("writing {location}"))?;
    if stamp.is_none() || (through == 0 && !whole) {
        return Ok(stamp);
    }
    // The saves folded leave pending.json; those saved again meanwhile stay.
    store
        .update(PENDING_KEY, "application/json", &mut |current| {
            let Some(bytes) = current else {
                return Ok(None);
            };
            let mut now_pending = Pending::parse(bytes, &store.location(PENDING_KEY))?;
            let mut folded = Folded {
                from,
                through,
                whole,
                ..Folded::default()
            };
            now_pending.members.retain(|user, entry| {
                if entry.seq > through {
                    return true;
                }
                // After a whole write, a process reads users.json again: the fold's saves are
                // not kept (a forgotten member's among them).
                if !whole {
                    folded.members.insert(user.clone(), entry.clone());
                }
                false
            });
            if now_pending
                .sections
                .as_ref()
                .is_some_and(|s| s.seq <= through)
            {
                let sections = now_pending.sections.take();
                if !whole {
                    folded.sections = sections;
                }
            }
            now_pending.folded = Some(folded);
            Ok(Some(serde_json::to_vec(&now_pending)?))
        })
        .with_context(|| {
            format!(
                "clearing the folded presets from {}",
                store.location(PENDING_KEY)
            )
        })?;
    Ok(stamp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::pending::Patch;
    use crate::presets::testing::{emoji, named};
    use crate::presets::UserId;

    fn user(i: usize) -> UserId {
        UserId::parse(&format!("U0SAV{i:04}")).unwrap()
    }

    #[test]
    fn concurrent_saves_and_folds_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::LocalStore::new(dir.path().to_path_buf());
        std::thread::scope(|scope| {
            for t in 0..4 {
                let store = &store;
                scope.spawn(move || {
                    for i in 0..25 {
                        let who = user(t * 100 + i);
                        let patch = Patch::put(emoji(":palm_tree:"), named(&format!("{who}")));
                        save(store, &Save::member(who, patch)).unwrap();
                        if i % 10 == 9 {
                            fold(store, 1).unwrap();
                        }
                    }
                });
            }
        });
        let file = load_users(&store).unwrap();
        assert_eq!(file.users.len(), 100);
        for (who, presets) in &file.users {
            assert_eq!(
                presets[&emoji(":palm_tree:")].name.as_deref(),
                Some(who.as_str())
            );
        }
        fold(&store, 2).unwrap();
        let folded = load_users(&store).unwrap();
        assert_eq!(folded.users, file.users);
        assert!(read_pending(&store).unwrap().members.is_empty());
    }
}
