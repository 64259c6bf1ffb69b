//! From the layout before one object per member: `applied.json`, every member's record (and
//! claims) in one object. Each record moves into its member's object (unless that member
//! already has one: it is newer), the old file is kept as `migrated/applied.json`, and
//! `applied.json` goes. Nothing is lost, and two processes migrating at once do no harm: each
//! member's object is created once, by whichever comes first.
//!
//! Migrating never holds anything up: serve migrates in the background (with at most
//! [`WRITERS`] writes at once) while it answers Slack, poll while it reads statuses, and
//! `apply` migrates only the member it writes. Until a member's object exists, their record in
//! the old file stands for it: [`legacy_record`] reads it (the file is read once per process),
//! and a member's object is created from it the first time it is written.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::{Context, Result};
use serde::Deserialize;

use super::{update_as_stored, Applied};
use crate::presets::UserId;
use crate::store::Store;

/// The old layout's key.
pub const APPLIED_KEY: &str = "applied.json";

/// Where the old file is kept once migrated.
pub const MIGRATED_KEY: &str = "migrated/applied.json";

/// Members migrated at once.
const WRITERS: usize = 16;

#[derive(Deserialize)]
struct AppliedFile {
    #[serde(default)]
    users: BTreeMap<UserId, Applied>,
}

/// The records of `applied.json`, when the store has not been migrated yet.
pub fn legacy_records(store: &dyn Store) -> Result<BTreeMap<UserId, Applied>> {
    match store.get(APPLIED_KEY)? {
        None => Ok(BTreeMap::new()),
        Some(bytes) => Ok(parse(&bytes, &store.location(APPLIED_KEY))?.users),
    }
}

/// The old file's records as this process read them, per store (by its location).
type Memo = Mutex<HashMap<String, Arc<BTreeMap<UserId, Applied>>>>;

fn memo() -> &'static Memo {
    static MEMO: OnceLock<Memo> = OnceLock::new();
    MEMO.get_or_init(Memo::default)
}

/// The old file's records, read once per process and store (empty once migrated).
fn remembered(store: &dyn Store) -> Result<Arc<BTreeMap<UserId, Applied>>> {
    let location = store.location(APPLIED_KEY);
    if let Some(records) = memo().lock().expect("memo lock").get(&location) {
        return Ok(records.clone());
    }
    let records = Arc::new(legacy_records(store)?);
    memo()
        .lock()
        .expect("memo lock")
        .insert(location, records.clone());
    Ok(records)
}

/// A member's record in the old file, for a member who has no object of their own yet.
pub fn legacy_record(store: &dyn Store, user: &UserId) -> Result<Option<Applied>> {
    Ok(remembered(store)?.get(user).cloned())
}

fn parse(bytes: &[u8], location: &str) -> Result<AppliedFile> {
    serde_json::from_slice(bytes).with_context(|| {
        format!(
            "{location} (the applied state of an earlier version) cannot be read, so it is not \
             migrated; fix or remove it"
        )
    })
}

/// Moves `applied.json`, if there is one, into members' objects, at most [`WRITERS`] at
/// once, until `stop` says so (then the old file stays, and the next run goes on). Returns
/// how many records moved (0 when there was nothing to migrate).
pub fn migrate(store: &dyn Store, stop: &(dyn Fn() -> bool + Sync)) -> Result<usize> {
    let Some(bytes) = store.get(APPLIED_KEY)? else {
        return Ok(0);
    };
    let location = store.location(APPLIED_KEY);
    let file = parse(&bytes, &location)?;
    let records: Vec<(&UserId, &Applied)> = file.users.iter().collect();
    log::info!(
        "migrating the records of {} member{} from {location} into one object each, in the \
         background",
        records.len(),
        if records.len() == 1 { "" } else { "s" },
    );
    let done = std::sync::atomic::AtomicUsize::new(0);
    let moved = crate::parallel::map(&records, WRITERS, |(user, applied)| {
        if stop() {
            return Ok(false);
        }
        update_as_stored(store, user, &mut |state| {
            if state.applied.is_some() {
                return Ok(false);
            }
            state.applied = Some((*applied).clone());
            Ok(true)
        })?;
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if n.is_multiple_of(5_000) {
            log::info!("migrated {n} of {} records", records.len());
        }
        Ok::<bool, anyhow::Error>(true)
    });
    let mut all = true;
    for result in moved {
        all &= result.with_context(|| format!("migrating {location}"))?;
    }
    if !all {
        log::info!(
            "stopped migrating {location} after {} of {} records; the next start goes on",
            done.into_inner(),
            records.len()
        );
        return Ok(0);
    }
    store
        .put(MIGRATED_KEY, &bytes, "application/json")
        .with_context(|| format!("keeping a copy of {location}"))?;
    store.delete(APPLIED_KEY)?;
    // Every member has an object now: the old records stand for nobody any more.
    memo()
        .lock()
        .expect("memo lock")
        .insert(location.clone(), Arc::new(BTreeMap::new()));
    log::info!(
        "moved the records of {} member{} from {location} into one object each under {}; the \
         old file is kept as {}",
        records.len(),
        if records.len() == 1 { "" } else { "s" },
        store.location(super::MEMBERS_PREFIX),
        store.location(MIGRATED_KEY)
    );
    Ok(records.len())
}
/// Removes one member's record from the files of earlier versions (`applied.json` not yet
/// migrated, and the copy kept once migrated), leaving every other record as it is.
pub fn forget_legacy(store: &dyn Store, user: &UserId) -> Result<()> {
    for key in [APPLIED_KEY, MIGRATED_KEY] {
        store.update(key, "application/json", &mut |current| {
            let Some(bytes) = current else {
                return Ok(None);
            };
            let mut file: serde_json::Value = serde_json::from_slice(bytes)
                .with_context(|| format!("{} cannot be read", store.location(key)))?;
            let removed = file
                .get_mut("users")
                .and_then(serde_json::Value::as_object_mut)
                .and_then(|users| users.remove(user.as_str()))
                .is_some();
            Ok(removed.then(|| serde_json::to_vec(&file)).transpose()?)
        })?;
    }
    // This process's memory of the old file forgets them too.
    memo()
        .lock()
        .expect("memo lock")
        .remove(&store.location(APPLIED_KEY));
    Ok(())
}
