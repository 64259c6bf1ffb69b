//! The in-memory presets of `users.json`. Filled right after start, in the background, so the
//! service answers Slack at once even when the file holds 500,000 members (it is streamed, never
//! held whole); events that arrive meanwhile wait and are worked once it is in. Re-read only
//! when the stored file changed, and that is checked at most once a second, so a flood of events
//! from members who are not onboarded costs nothing but that check. While another process's
//! notices are heard through Redis, a notice makes the next check due at once and the store is
//! checked only every [`SAFETY_NET_EVERY`]. The ack path only ever takes a read lock.
//!
//! Who writes what: `presets-load` fills the table once; the tick and the workers swap in a
//! re-read table (under the write lock, held only for the swap); the threads that answer Slack
//! hold events of members not onboarded yet, and the tick takes them back (one lock for the
//! held events, never held with the table's).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::presets::pending::{Pending, PENDING_KEY};
use crate::presets::{PresetTable, UserId, UserPresets};
use crate::shared::notices::Listener;
use crate::store::{self, Store, USERS_KEY};

use super::queue::Request;

/// How often at most the stored `users.json` is checked for a change.
pub const CHECK_EVERY: Duration = Duration::from_secs(1);

/// How often the stored `users.json` is checked while change notices are heard (they say when
/// to look sooner).
pub const SAFETY_NET_EVERY: Duration = Duration::from_secs(30);

/// Events for members not in the cache, kept until the next check (the latest per member).
const PENDING_LIMIT: usize = 1024;

#[derive(Debug)]
struct Checked {
    /// The version of `users.json` the cache holds.
    version: Option<String>,
    /// The version of `presets/pending.json` it holds.
    pending: Option<String>,
    /// The saves `users.json` (as the cache read it, or followed its folds) holds, up to this
    /// number.
    base_through: u64,
    at: Instant,
}

/// The presets, by member.
#[derive(Debug)]
pub struct PresetCache {
    store: std::sync::Arc<dyn Store>,
    users: RwLock<Arc<PresetTable>>,
    checked: Mutex<Checked>,
    pending: Mutex<HashMap<UserId, Request>>,
    pending_changed: Condvar,
    /// `users.json` was read once and is gone now: the presets in memory are kept, and the
    /// alarm shows on `/healthz` and `/metrics` until it is back.
    vanished: AtomicBool,
    /// The first read is done.
    loaded: AtomicBool,
    /// Members whose presets left `users.json` since the tick last looked (written by any
    /// thread that re-reads it, taken by the tick): a preset of theirs may still be on, and
    /// their profile is looked at again so their usual one goes back.
    gone: Mutex<Vec<UserId>>,
    /// Another process said `users.json` changed: the next check is due now (set by the
    /// notices' listener, taken by the check).
    told: AtomicBool,
    /// The other processes' notices are heard: the store is checked only as a safety net.
    hearing: OnceLock<Arc<Listener>>,
    /// The saves pending are many enough to fold (see [`crate::presets::pending::FOLD_AT`]).
    fold_due: AtomicBool,
}

impl PresetCache {
    /// An empty cache; [`PresetCache::load`] fills it.
    pub fn new(store: std::sync::Arc<dyn Store>) -> PresetCache {
        PresetCache {
            store,
            users: RwLock::new(Arc::new(PresetTable::default())),
            checked: Mutex::new(Checked {
                version: None,
                pending: None,
                base_through: 0,
                at: Instant::now(),
            }),
            pending: Mutex::new(HashMap::new()),
            pending_changed: Condvar::new(),
            vanished: AtomicBool::new(false),
            loaded: AtomicBool::new(false),
            gone: Mutex::new(Vec::new()),
            told: AtomicBool::new(false),
            hearing: OnceLock::new(),
            fold_due: AtomicBool::new(false),
        }
    }

    /// The first read of `users.json` (an absent one is empty, with a warning that nobody is
    /// onboarded yet). Returns how many members it has.
    pub fn load(&self) -> Result<usize> {
        let mut checked = self.checked.lock().expect("cache lock");
        let version = self.store.version(USERS_KEY)?;
        let pending = self.store.version(PENDING_KEY)?;
        if version.is_none() && pending.is_none() {
            log::warn!(
                "{}; serving with no members until then",
                store::no_presets_yet(self.store.as_ref())
            );
        }
        let saves = store::read_pending(self.store.as_ref())?;
        let members = self.reread(&mut checked, version, pending, &saves)?;
        self.loaded.store(true, Ordering::Release);
        drop(checked);
        // Events held meanwhile are looked at now.
        self.pending_changed.notify_all();
        Ok(members)
    }

    /// Whether the first read is done.
    pub fn loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// The presets as they are now.
    pub fn snapshot(&self) -> Arc<PresetTable> {
        self.users.read().expect("cache lock").clone()
    }

    pub fn contains(&self, user: &UserId) -> bool {
        self.users.read().expect("cache lock").contains(user)
    }

    pub fn get(&self, user: &UserId) -> Option<UserPresets> {
        self.users.read().expect("cache lock").get(user)
    }

    /// Members onboarded.
    pub fn len(&self) -> usize {
        self.users.read().expect("cache lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `users.json`, once read, has vanished from the store.
    pub fn vanished(&self) -> bool {
        self.vanished.load(Ordering::Relaxed)
    }

    /// Other processes' notices come through `listener`: while it hears them, the store is
    /// checked only every [`SAFETY_NET_EVERY`].
    pub fn hear_through(&self, listener: Arc<Listener>) {
        let _ = self.hearing.set(listener);
    }

    /// Another process changed `users.json` (or notices may have been missed): check it now.
    pub fn told_of_change(&self) {
        self.told.store(true, Ordering::Release);
    }

    /// How often the store is checked now.
    fn check_every(&self) -> Duration {
        if self.hearing.get().is_some_and(|l| l.listening()) {
            SAFETY_NET_EVERY
        } else {
            CHECK_EVERY
        }
    }

    /// Checks whether members' presets changed (`users.json`, or the saves pending since), when
    /// a check is due (a second after the last, or at once after a notice), and takes the change
    /// in. Returns whether anything changed.
    pub fn refresh_if_due(&self) -> Result<bool> {
        if !self.loaded() {
            return Ok(false);
        }
        let mut checked = self.checked.lock().expect("cache lock");
        if !self.told.swap(false, Ordering::AcqRel) && checked.at.elapsed() < self.check_every() {
            return Ok(false);
        }
        self.refresh(&mut checked)
    }

    /// Takes in what changed since the last look (after this process saved presets).
    pub fn reload(&self) -> Result<()> {
        let mut checked = self.checked.lock().expect("cache lock");
        self.refresh(&mut checked)?;
        Ok(())
    }

    fn refresh(&self, checked: &mut Checked) -> Result<bool> {
        checked.at = Instant::now();
        let version = self.store.version(USERS_KEY)?;
        let pending_version = self.store.version(PENDING_KEY)?;
        if version == checked.version && pending_version == checked.pending {
            return Ok(false);
        }
        if version.is_none() && checked.version.is_some() {
            // Gone (deleted by hand, a wrong bucket policy, a restore gone wrong): forgetting
            // every member would stop the service silently. Keep what is in memory and say so.
            if !self.vanished.swap(true, Ordering::Relaxed) {
                log::error!(
                    "{} has vanished from the store: still serving the {} members in memory; \
                     restore it (or onboard again) to pick up changes",
                    self.store.location(USERS_KEY),
                    self.len()
                );
            }
            return Ok(false);
        }
        if self.vanished.swap(false, Ordering::Relaxed) {
            log::info!("{} is back", self.store.location(USERS_KEY));
        }
        let pending = store::read_pending(self.store.as_ref())?;
        if version != checked.version {
            // users.json was written: by a fold of saves this process can follow from
            // pending.json (the last fold's saves, onto the file as the cache holds it), or as
            // a whole (an onboard, a restore): then it is read again.
            let follows = pending
                .folded
                .as_ref()
                .filter(|f| !f.whole && f.from == checked.base_through);
            match follows {
                Some(folded) => {
                    let last = Pending {
                        seq: folded.through,
                        members: folded.members.clone(),
                        sections: folded.sections.clone(),
                        folded: None,
                    };
                    self.apply(&last, checked.base_through);
                    checked.base_through = folded.through;
                    checked.version = version;
                }
                None => {
                    let members = self.reread(checked, version, pending_version, &pending)?;
                    log::info!(
                        "{} changed: {members} member{} onboarded",
                        self.store.location(USERS_KEY),
                        if members == 1 { "" } else { "s" }
                    );
                    return Ok(true);
                }
            }
        }
        let changed = self.apply(&pending, checked.base_through);
        checked.pending = pending_version;
        if !changed.is_empty() {
            log::info!(
                "saved presets of {} member{} taken in",
                changed.len(),
                if changed.len() == 1 { "" } else { "s" }
            );
        }
        Ok(true)
    }

    /// Applies `pending`'s saves above `base_through` to the table (in place when no snapshot
    /// is out); returns the members they changed, noting those who left.
    fn apply(&self, pending: &Pending, base_through: u64) -> Vec<UserId> {
        let mut users = self.users.write().expect("cache lock");
        let table = Arc::make_mut(&mut users);
        // The saves above what users.json holds, whatever the table took in before (applying
        // a save twice is applying it once).
        table.folded_through = base_through;
        let changed = table.apply_pending(pending);
        let gone: Vec<UserId> = changed
            .iter()
            .filter(|u| !table.contains(u))
            .cloned()
            .collect();
        drop(users);
        if !gone.is_empty() {
            self.gone.lock().expect("cache lock").extend(gone);
        }
        self.fold_due.store(pending.fold_due(), Ordering::Relaxed);
        changed
    }

    /// Reads `users.json` into the cache, with `pending`'s saves (just read, at
    /// `pending_version`) applied; returns how many members it has.
    fn reread(
        &self,
        checked: &mut Checked,
        version: Option<String>,
        pending_version: Option<String>,
        pending: &Pending,
    ) -> Result<usize> {
        let users = store::load_preset_table(self.store.as_ref())?;
        let base_through = users.folded_through;
        let before = std::mem::replace(
            &mut *self.users.write().expect("cache lock"),
            Arc::new(users),
        );
        self.apply(pending, base_through);
        if self.loaded() {
            let now = self.snapshot();
            let gone: Vec<UserId> = before
                .users()
                .filter(|u| !now.contains(u))
                .cloned()
                .collect();
            if !gone.is_empty() {
                self.gone.lock().expect("cache lock").extend(gone);
            }
        }
        *checked = Checked {
            version,
            pending: pending_version,
            base_through,
            at: Instant::now(),
        };
        Ok(self.len())
    }

    /// Whether the saves pending are many enough to fold into `users.json` (as last seen).
    pub fn fold_due(&self) -> bool {
        self.fold_due.load(Ordering::Relaxed)
    }

    /// The members whose presets left `users.json` since the last call.
    pub fn take_gone(&self) -> Vec<UserId> {
        std::mem::take(&mut *self.gone.lock().expect("cache lock"))
    }

    /// Where `users.json` is, for messages.
    pub fn location(&self) -> String {
        self.store.location(USERS_KEY)
    }

    /// Keeps an event of a member not in the cache until the next check. Returns whether it
    /// was kept (the oldest are not pushed out: a flood of strangers stays bounded).
    /// Events held until the next check.
    pub fn held(&self) -> usize {
        self.pending.lock().expect("cache lock").len()
    }

    pub fn hold(&self, request: Request) -> bool {
        let mut pending = self.pending.lock().expect("cache lock");
        if pending.len() >= PENDING_LIMIT && !pending.contains_key(&request.user) {
            return false;
        }
        let first = pending.is_empty();
        pending.insert(request.user.clone(), request);
        drop(pending);
        if first {
            self.pending_changed.notify_all();
        }
        true
    }

    /// Waits (at most `wait`) for held events, then for the next check to be due; checks, and
    /// returns every held event (the caller keeps those of members it now acts for). Before
    /// the first read, every held event is kept.
    pub fn next_held(&self, wait: Duration) -> Result<Vec<Request>> {
        if !self.loaded() {
            std::thread::sleep(wait.min(Duration::from_millis(50)));
            return Ok(Vec::new());
        }
        {
            let pending = self.pending.lock().expect("cache lock");
            let (pending, _) = self
                .pending_changed
                .wait_timeout_while(pending, wait, |p| p.is_empty())
                .expect("cache lock");
            if pending.is_empty() {
                return Ok(Vec::new());
            }
        }
        let since = self.checked.lock().expect("cache lock").at.elapsed();
        if since < CHECK_EVERY {
            std::thread::sleep(CHECK_EVERY - since);
        }
        // Held events always get a look at the store (a notice may come after its member's
        // event): at most once a second, as without notices.
        self.told_of_change();
        self.refresh_if_due()?;
        let held: Vec<Request> = self
            .pending
            .lock()
            .expect("cache lock")
            .drain()
            .map(|(_, r)| r)
            .collect();
        Ok(held)
    }
}
