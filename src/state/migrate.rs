//! From the layout before one object per member: `applied.json`, every member's record (and
//! claims) in one object. On first use, each record moves into its member's object (unless that
//! member already has one: it is newer), the old file is kept as `migrated/applied.json`, and
//! `applied.json` goes. Nothing is lost, and two processes migrating at once do no harm: each
//! member's object is created once, by whichever comes first.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use serde::Deserialize;

use super::{update, Applied};
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

fn parse(bytes: &[u8], location: &str) -> Result<AppliedFile> {
    serde_json::from_slice(bytes).with_context(|| {
        format!(
            "{location} (the applied state of an earlier version) cannot be read, so it is not \
             migrated; fix or remove it"
        )
    })
}

/// Moves `applied.json`, if there is one, into members' objects. Returns how many records
/// moved (0 when there was nothing to migrate).
pub fn migrate(store: &dyn Store) -> Result<usize> {
    let Some(bytes) = store.get(APPLIED_KEY)? else {
        return Ok(0);
    };
    let location = store.location(APPLIED_KEY);
    let file = parse(&bytes, &location)?;
    let records: Vec<(&UserId, &Applied)> = file.users.iter().collect();
    let moved = crate::parallel::map(&records, WRITERS, |(user, applied)| {
        update(store, user, &mut |state| {
            if state.applied.is_some() {
                return Ok(false);
            }
            state.applied = Some((*applied).clone());
            Ok(true)
        })
    });
    for result in moved {
        result.with_context(|| format!("migrating {location}"))?;
    }
    store
        .put(MIGRATED_KEY, &bytes, "application/json")
        .with_context(|| format!("keeping a copy of {location}"))?;
    store.delete(APPLIED_KEY)?;
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
