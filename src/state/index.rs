//! Reading everyone's state at once (poll's cycle, serve's reconcile) in O(members / 1,000)
//! store requests, although each member has an object of their own.
//!
//! The index is a cache of the members' objects, never the truth: `index/<start>.json.gz` holds,
//! for the members whose ID sorts from `<start>` up to the next shard's start, the state read
//! from their object and that object's version (its ETag on S3). A shard is split when its
//! compressed size passes [`SHARD_BUDGET`] (about 1,000 members), so each write of it stays
//! small. A reader lists the members' objects (1,000 versions a request), reads the shards, and
//! reads a member's own object only where the versions differ (members written since the
//! index was last kept, or not in it yet); then, unless told not to, it writes back the shards
//! that changed. Two readers writing the index at once cannot make it wrong, only stale, and
//! a stale entry is caught by its version the next time.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::ops::Bound;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::{user_of, MemberState, MEMBERS_PREFIX};
use crate::presets::UserId;
use crate::store::Store;

/// Where the index's shards live.
pub const INDEX_PREFIX: &str = "index/";

/// The compressed size past which a shard is split in two.
pub const SHARD_BUDGET: usize = 48 * 1024;

/// The start of the first shard: below every member ID.
const FIRST_START: &str = "0";

/// Members' objects read at once.
const READERS: usize = 16;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Shard {
    members: BTreeMap<UserId, Entry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Entry {
    /// The version of the member's object this was read from.
    version: String,
    state: MemberState,
}

/// What reading everyone cost, for logs and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cost {
    /// Members whose own object was read (not in the index, or changed since).
    pub members_read: usize,
    /// Index shards read and written.
    pub shards_read: usize,
    pub shards_written: usize,
}

fn shard_key(start: &str) -> String {
    format!("{INDEX_PREFIX}{start}.json.gz")
}

fn start_of(key: &str) -> Option<&str> {
    key.strip_prefix(INDEX_PREFIX)?.strip_suffix(".json.gz")
}

fn encode(members: &BTreeMap<UserId, Entry>) -> Vec<u8> {
    #[derive(Serialize)]
    struct Borrowed<'a> {
        members: &'a BTreeMap<UserId, Entry>,
    }
    let json = serde_json::to_vec(&Borrowed { members }).expect("shards serialize");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&json).expect("writing to memory");
    gz.finish().expect("writing to memory")
}

fn decode(bytes: &[u8]) -> Result<Shard> {
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut json)?;
    Ok(serde_json::from_slice(&json)?)
}

/// Encodes `members` as one shard starting at `start`, or as several when one would pass the
/// budget: the first keeps `start`, each other starts at its first member.
fn encode_split(
    start: &str,
    members: BTreeMap<UserId, Entry>,
    out: &mut BTreeMap<String, Vec<u8>>,
) {
    let bytes = encode(&members);
    if bytes.len() <= SHARD_BUDGET || members.len() < 2 {
        out.insert(start.to_owned(), bytes);
        return;
    }
    // Split into as many parts as the size asks for, by count.
    let parts = bytes.len().div_ceil(SHARD_BUDGET * 3 / 4).max(2);
    let per_part = members.len().div_ceil(parts);
    let mut rest = members;
    let mut part_start = start.to_owned();
    while !rest.is_empty() {
        let split_at = rest.keys().nth(per_part).cloned();
        let tail = match &split_at {
            Some(at) => rest.split_off(at),
            None => BTreeMap::new(),
        };
        encode_split(&part_start, rest, out);
        rest = tail;
        if let Some(at) = split_at {
            part_start = at.as_str().to_owned();
        }
    }
}

/// Calls `visit` with the state of every member who has one, reading members' objects only
/// where the index lacks or misses them. With `keep_index`, writes back the shards that
/// changed (a failure to write them is logged, not an error: the index is only a cache).
pub fn for_each(
    store: &dyn Store,
    keep_index: bool,
    mut visit: impl FnMut(&UserId, &MemberState),
) -> Result<Cost> {
    let mut cost = Cost::default();
    // Every member's object and its version, by member ID.
    let listed: BTreeMap<String, (UserId, String)> = store
        .list(MEMBERS_PREFIX)?
        .into_iter()
        .filter_map(|l| {
            let user = user_of(&l.key)?;
            Some((user.as_str().to_owned(), (user, l.version)))
        })
        .collect();
    let mut starts: BTreeSet<String> = store
        .list(INDEX_PREFIX)?
        .iter()
        .filter_map(|l| start_of(&l.key).map(str::to_owned))
        .collect();
    starts.insert(FIRST_START.to_owned());
    let starts: Vec<String> = starts.into_iter().collect();

    for (i, start) in starts.iter().enumerate() {
        let end = starts.get(i + 1);
        let key = shard_key(start);
        let raw = store.get(&key)?;
        if raw.is_some() {
            cost.shards_read += 1;
        }
        let old = match raw.as_deref().map(decode) {
            Some(Ok(shard)) => shard.members,
            Some(Err(err)) => {
                log::warn!(
                    "{} is unreadable ({err}); rebuilding it",
                    store.location(&key)
                );
                BTreeMap::new()
            }
            None => BTreeMap::new(),
        };
        // The members this shard owns: listed, from its start up to the next shard's.
        let upper = match end {
            Some(end) => Bound::Excluded(end.as_str()),
            None => Bound::Unbounded,
        };
        let owned: Vec<(&UserId, &String)> = listed
            .range::<str, _>((Bound::Included(start.as_str()), upper))
            .map(|(_, (user, version))| (user, version))
            .collect();
        let stale: Vec<&UserId> = owned
            .iter()
            .filter(|(user, version)| old.get(*user).map(|e| &e.version) != Some(*version))
            .map(|(user, _)| *user)
            .collect();
        cost.members_read += stale.len();
        let fresh = crate::parallel::map(&stale, READERS, |user| -> Result<Option<Entry>> {
            let key = super::key(user);
            let Some((bytes, version)) = store.get_versioned(&key)? else {
                return Ok(None);
            };
            let state = MemberState::parse(&bytes, &store.location(&key))?;
            // Claims are of the moment: the index keeps none.
            let state = MemberState {
                claim: None,
                ..state
            };
            Ok(Some(Entry { version, state }))
        });
        let mut members: BTreeMap<UserId, Entry> = BTreeMap::new();
        for (user, version) in &owned {
            if let Some(entry) = old.get(*user).filter(|e| &e.version == *version) {
                members.insert((*user).clone(), entry.clone());
            }
        }
        for (user, read) in stale.into_iter().zip(fresh) {
            if let Some(entry) = read? {
                members.insert(user.clone(), entry);
            }
        }
        for (user, entry) in &members {
            visit(user, &entry.state);
        }
        if keep_index {
            let changed = members != old;
            if changed {
                let mut out = BTreeMap::new();
                if !members.is_empty() {
                    encode_split(start, members, &mut out);
                }
                for (part, bytes) in &out {
                    match store.put(&shard_key(part), bytes, "application/gzip") {
                        Ok(()) => cost.shards_written += 1,
                        Err(err) => log::debug!("could not keep the index: {err:#}"),
                    }
                }
                if !out.contains_key(start) && raw.is_some() {
                    let _ = store.delete(&key);
                }
            }
        }
    }
    Ok(cost)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{record, Applied};
    use crate::store::LocalStore;

    fn user(i: usize) -> UserId {
        UserId::parse(&format!("U{i:08}")).unwrap()
    }

    fn everyone(store: &dyn Store) -> (BTreeMap<UserId, String>, Cost) {
        let mut seen = BTreeMap::new();
        let cost = for_each(store, true, |user, state| {
            seen.insert(user.clone(), state.applied.clone().unwrap().emoji);
        })
        .unwrap();
        (seen, cost)
    }

    fn fill(store: &dyn Store, n: usize) {
        let users: Vec<usize> = (0..n).collect();
        crate::parallel::map(&users, 8, |i| {
            record(store, &user(*i), 1, None, |a: &mut Applied| {
                a.emoji = format!(":e{}:", i % 7);
                a.name = Some(format!("Member {i} (on vacation)"));
                a.picture = Some(format!(
                    "{}/1b4e28ba-2fa1-51d2-883f-0016d3cca427.png",
                    user(*i)
                ));
            })
            .unwrap()
        });
    }

    #[test]
    fn once_kept_the_index_spares_reading_each_member_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().to_path_buf());
        fill(&store, 3_000);
        let (first, cost) = everyone(&store);
        assert_eq!(first.len(), 3_000);
        assert_eq!(
            cost.members_read, 3_000,
            "no index yet: every member is read"
        );
        assert!(cost.shards_written >= 2, "{cost:?}");

        let (second, cost) = everyone(&store);
        assert_eq!(second, first);
        assert_eq!(cost.members_read, 0, "{cost:?}");
        assert_eq!(cost.shards_written, 0, "nothing changed: {cost:?}");

        // One member changes: only their object is read, and one shard written.
        record(&store, &user(1234), 2, None, |a| a.emoji = ":new:".into()).unwrap();
        let (third, cost) = everyone(&store);
        assert_eq!(third[&user(1234)], ":new:");
        assert_eq!((cost.members_read, cost.shards_written), (1, 1), "{cost:?}");

        // Every shard stays within its budget, and none is needed per member.
        let shards = store.list(INDEX_PREFIX).unwrap();
        assert!(shards.len() < 3_000 / 200, "{} shards", shards.len());
        for shard in shards {
            let size = store.get(&shard.key).unwrap().unwrap().len();
            assert!(size <= SHARD_BUDGET, "{}: {size} bytes", shard.key);
        }
    }

    #[test]
    fn a_stale_or_broken_index_is_only_a_cache() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().to_path_buf());
        fill(&store, 50);
        let (truth, _) = everyone(&store);
        // A shard turned to garbage, a member gone, one written behind the index's back.
        for shard in store.list(INDEX_PREFIX).unwrap() {
            store
                .put(&shard.key, b"not gzip", "application/gzip")
                .unwrap();
        }
        store.delete(&crate::state::key(&user(7))).unwrap();
        record(&store, &user(8), 3, None, |a| a.emoji = ":later:".into()).unwrap();
        let (seen, cost) = everyone(&store);
        assert_eq!(
            cost.members_read, 49,
            "the broken shard is rebuilt from the members"
        );
        assert!(!seen.contains_key(&user(7)));
        assert_eq!(seen[&user(8)], ":later:");
        assert_eq!(seen.len(), truth.len() - 1);
        let (again, cost) = everyone(&store);
        assert_eq!((again, cost.members_read), (seen, 0));
    }

    #[test]
    fn claims_are_not_indexed() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().to_path_buf());
        fill(&store, 1);
        crate::state::claims::claim(&store, &user(0), "serve-1", ":x:", 10, 120).unwrap();
        for_each(&store, true, |_, state| assert!(state.claim.is_none())).unwrap();
        let shard = store.get(&shard_key(FIRST_START)).unwrap().unwrap();
        assert!(decode(&shard).unwrap().members[&user(0)]
            .state
            .claim
            .is_none());
    }
}
