//! The status pipeline: members' statuses in, their presets put in effect. It owns the loop
//! guard, the queue and the dead-letter queue, the latest wanted status of members the queues
//! had no room for, and the workers that apply through the engine; beside it, parts with one
//! job each: [`retries`] (what to try again, and when), [`lapses`] (statuses that end on their
//! own), [`wishes`] (pauses, disconnects, forgets, reached through [`Pipeline::wish`]), the
//! members [`connected`], the [`presets`] in memory and the [`reconcile`]ing cycle.
//!
//! Who writes what:
//! - the threads that answer Slack (the inbox) offer events ([`Pipeline::take_event`]): they take
//!   the guard, then the queue (inside it), then the wanted statuses;
//! - the workers (`worker-N`) take requests, write Slack and the store, then update the guard,
//!   `applied`, the retries, the lapses and the leaving members;
//! - the tick (`status-tick`, once a second) moves due retries, lapses, rereads and wanted
//!   statuses into the queue, and writes records that waited for the store;
//! - the reconcile (`reconcile`) reads everyone's status and offers what differs.
//!
//! Locks are taken one at a time, except the guard, which is held while the queue (and the
//! wanted statuses) are offered a request: guard → queue → wanted, never the other way.
//! What the app must hear of (a Home to publish, a member to tell) goes out as a [`Notice`].

pub mod connected;
pub mod forgetting;
mod lapses;
pub mod leaving;
pub mod pauses;
pub mod presets;
pub mod queue;
pub mod reconcile;
mod retries;
mod told;
mod wishes;
mod worker;

pub use wishes::Wish;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::apply::{Engine, Records};
use crate::context::Context;
use crate::events::UserEvent;
use crate::presets::UserId;
use crate::serve::answer::Answer;
use crate::serve::metrics::{EventOutcome, Metrics};
use crate::signals::Stop;
use crate::state::{self, Applied};
use presets::PresetCache;

use queue::{Admission, Queue, Request, Wanted};

/// How soon a member claimed by another replica is looked at again.
const CLAIM_RECHECK: Duration = Duration::from_secs(2);

/// What the app hears from the status pipeline: it is worked as an app job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The member's Home tab shows something that changed (a disconnect finished or stalled).
    Home { team: String, user: UserId },
    /// Tell the member, in a direct message from the bot.
    Tell {
        team: String,
        user: UserId,
        text: String,
    },
    /// Remind a disconnected member how to connect again (at most once a day).
    Remind(crate::tokens::Disconnected),
    /// Read the installations again, with an org-wide install's grants (each reconcile).
    Installations,
}

/// Where notices go (the app's job queue, wired at start).
pub type Notify = Box<dyn Fn(Notice) + Send + Sync>;

/// What the loop guard knows of a member: the status applied (or being applied) and, once it
/// is applied, the display name and `avatar_hash` Slack shows for it. An event that matches is
/// the echo of statusinator's own writes, or nothing new; one that differs in name or photo is
/// the member's own hand, and goes to a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint {
    emoji: String,
    name: Option<String>,
    avatar_hash: Option<String>,
    /// The `avatar_hash` Slack showed before statusinator's photo write: the echo of its name
    /// write, written just before the photo, carries it, and may arrive after the photo's.
    earlier_hash: Option<String>,
}

impl Fingerprint {
    /// A status being applied: any event with it is its echo.
    fn status(emoji: String) -> Fingerprint {
        Fingerprint {
            emoji,
            name: None,
            avatar_hash: None,
            earlier_hash: None,
        }
    }

    /// A status applied: what statusinator wrote, else what Slack showed.
    fn applied(applied: &Applied, shown: Option<&crate::slack::Profile>) -> Fingerprint {
        Fingerprint {
            emoji: applied.emoji.clone(),
            name: applied
                .name
                .clone()
                .or_else(|| shown.map(|p| p.display_name.clone())),
            avatar_hash: applied
                .avatar_hash
                .clone()
                .or_else(|| shown.and_then(|p| p.avatar_hash.clone())),
            earlier_hash: shown.and_then(|p| p.avatar_hash.clone()),
        }
    }

    fn matches(&self, request: &Request) -> bool {
        self.emoji == request.emoji
            && self
                .name
                .as_ref()
                .is_none_or(|name| *name == request.profile.display_name)
            && (self
                .avatar_hash
                .as_ref()
                .is_none_or(|hash| Some(hash) == request.profile.avatar_hash.as_ref())
                || (self.earlier_hash.is_some()
                    && self.earlier_hash == request.profile.avatar_hash))
    }
}

/// Where a request came from, for what the wanted statuses keep when the queues are full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arrival {
    /// Slack's event, just now: the newest word on the member.
    Event,
    /// A retry, a held event, a reconcile's read: older than an event kept meanwhile.
    Later,
}

/// The status pipeline's settings.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub queue: usize,
    pub dead_letter: usize,
}

/// The status pipeline (see the module's documentation for who writes what).
pub struct Pipeline {
    /// The shared handles (store, Slack client, tokens, photo maker), lent by serve.
    context: Context,
    engine: Engine,
    /// The engine's records, some of which may wait for the store.
    records: Arc<Records>,
    presets: Arc<PresetCache>,
    metrics: Arc<Metrics>,
    queue: Queue,
    /// The latest status of members the queues had no room for.
    wanted: Wanted,
    /// Per member, the status their presets were last put in effect for, or are about to be:
    /// the loop guard. The app's own writes come back as events with this same status (and,
    /// once applied, the name and photo it wrote).
    guard: Mutex<HashMap<UserId, Fingerprint>>,
    /// What was last applied per member, as far as this process knows.
    applied: Mutex<HashMap<UserId, Applied>>,
    /// Requests to try again, and when.
    retries: retries::Retries,
    /// When members' statuses lapse.
    lapses: lapses::Lapses,
    /// Members to look at again (paused, resumed, leaving).
    rereads: Mutex<Vec<UserId>>,
    /// Members' wishes (pause, disconnect, delete their data), in effect before the store has
    /// them.
    wishes: wishes::Wishes,
    /// Members connected, who get the workspace presets.
    pub connected: connected::Connected,
    notify: Notify,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("queue", &self.queue.depths())
            .field("wanted", &self.wanted.len())
            .finish_non_exhaustive()
    }
}

/// What `/healthz` shows of the pipeline.
#[derive(Debug, Clone, Copy)]
pub struct Depths {
    pub queue: usize,
    pub dead_letter: usize,
    /// Members a worker is busy with.
    pub working: usize,
    pub wanted: usize,
    pub unrecorded: usize,
    pub retrying: usize,
    pub lapsing: usize,
}

impl Pipeline {
    pub fn new(
        context: Context,
        engine: Engine,
        records: Arc<Records>,
        presets: Arc<PresetCache>,
        metrics: Arc<Metrics>,
        limits: Limits,
        notify: Notify,
    ) -> Pipeline {
        Pipeline {
            context,
            engine,
            records,
            presets,
            metrics,
            queue: Queue::new(limits.queue, limits.dead_letter),
            wanted: Wanted::default(),
            guard: Mutex::new(HashMap::new()),
            applied: Mutex::new(HashMap::new()),
            retries: retries::Retries::default(),
            lapses: lapses::Lapses::default(),
            rereads: Mutex::new(Vec::new()),
            wishes: wishes::Wishes::default(),
            connected: connected::Connected::default(),
            notify,
        }
    }

    pub fn depths(&self) -> Depths {
        let (queue, dead_letter) = self.queue.depths();
        Depths {
            queue,
            dead_letter,
            working: self.queue.working(),
            wanted: self.wanted.len(),
            unrecorded: self.records.waiting_members().len(),
            retrying: self.retries.len(),
            lapsing: self.lapses.len(),
        }
    }

    /// A member's status as Slack's event tells it: the loop guard, then the queue. Answers
    /// from memory.
    pub fn take_event(&self, event: UserEvent, retry: bool) -> (EventOutcome, Answer) {
        let ok = Answer::empty(200);
        let Ok(user) = UserId::parse(&event.user) else {
            return (EventOutcome::Ignored, ok);
        };
        if event.is_bot || event.deleted {
            return (EventOutcome::Ignored, ok);
        }
        let request = Request {
            user,
            emoji: event.status_emoji.trim().to_owned(),
            profile: event.profile,
            event_id: event.event_id,
            attempt: 0,
            reread: false,
        };
        if !self.serves(&request.user) {
            // Maybe onboarded since the cache was filled: the next check (at most once a
            // second) tells.
            self.presets.hold(request);
            return (EventOutcome::NotOnboarded, ok);
        }
        let outcome = match self.admit(request, retry, Arrival::Event) {
            Ok(Admission::Queued) => EventOutcome::Queued,
            Ok(Admission::Replaced) => EventOutcome::Replaced,
            Ok(Admission::DeadLettered) => EventOutcome::DeadLettered,
            Ok(Admission::Full) => {
                return (
                    EventOutcome::RejectedFull,
                    Answer::text(503, "busy: the request queue is full"),
                )
            }
            Ok(Admission::Refused) => {
                let mut answer = Answer::text(
                    503,
                    "busy: the request queue and the dead-letter queue are full",
                );
                answer.no_retry = true;
                return (EventOutcome::RejectedNoRetry, answer);
            }
            Err(unchanged) => unchanged,
        };
        (outcome, ok)
    }

    /// Whether statusinator has presets for `user`, from memory: their own, or the workspace's
    /// (for a connected member). The intake, the held events and the app ask alike.
    pub fn serves(&self, user: &UserId) -> bool {
        self.presets.contains(user) || self.gets_workspace_presets(user)
    }

    /// Whether `user` gets the workspace presets: they are connected and `users.json` has some.
    pub fn gets_workspace_presets(&self, user: &UserId) -> bool {
        self.connected.contains(user) && !self.presets.snapshot().sections.is_empty()
    }

    /// The loop guard, then the queue. `Err` when the status is the one already in effect.
    /// A request the queues have no room for is kept as its member's wanted status, so it is
    /// applied as workers free up whatever the answer to Slack was.
    fn admit(
        &self,
        request: Request,
        retry: bool,
        arrival: Arrival,
    ) -> Result<Admission, EventOutcome> {
        let mut guard = self.guard.lock().expect("guard lock");
        if !request.reread
            && guard
                .get(&request.user)
                .is_some_and(|seen| seen.matches(&request))
        {
            return Err(EventOutcome::Unchanged);
        }
        let admission = self.queue.offer(request.clone(), retry);
        if admission.kept() {
            self.wanted.settled_by(&request, retry);
            if !request.reread {
                guard.insert(request.user, Fingerprint::status(request.emoji));
            }
        } else {
            match arrival {
                // The newest word on this member.
                Arrival::Event => self.wanted.keep(request),
                // Older than any event kept meanwhile.
                Arrival::Later => self.wanted.put_back(request),
            }
        }
        Ok(admission)
    }

    /// Takes what the store says was applied for members this process knows nothing about yet,
    /// into the loop guard, and schedules the statuses that lapse later.
    fn learn_applied(&self, recorded: Vec<(UserId, Applied)>) {
        let now = crate::clock::unix_now();
        for chunk in recorded.chunks(10_000) {
            let mut guard = self.guard.lock().expect("guard lock");
            for (user, applied) in chunk {
                guard
                    .entry(user.clone())
                    .or_insert_with(|| Fingerprint::applied(applied, None));
                if let Some(at) = applied.status_expires_at.filter(|at| *at > now) {
                    self.lapses.at(user, at);
                }
            }
        }
    }

    /// Reads everyone's state through the index (a request per 1,000 members) and learns it;
    /// returns what it cost, and the members with a preset of statusinator's on.
    pub fn learn_from_store(&self) -> anyhow::Result<(state::index::Cost, Vec<UserId>)> {
        let mut recorded = Vec::new();
        let mut on = Vec::new();
        let mut paused = std::collections::HashSet::new();
        let cost = state::index::for_each(self.context.store.as_ref(), true, |user, member| {
            if let Some(applied) = &member.applied {
                if crate::apply::preset_on(applied) {
                    on.push(user.clone());
                }
                recorded.push((user.clone(), applied.clone()));
            }
            if member.paused_at.is_some() {
                paused.insert(user.clone());
            }
        })?;
        self.learn_applied(recorded);
        self.wishes.pauses.stored_all(paused);
        Ok((cost, on))
    }

    /// What the loop guard knows of `user` once their status is applied.
    fn fingerprint(&self, user: &UserId, seen: Fingerprint) {
        let mut guard = self.guard.lock().expect("guard lock");
        if guard.get(user).is_none_or(|now| now.emoji == seen.emoji) {
            guard.insert(user.clone(), seen);
        }
    }

    /// Drops the loop guard's note of `user`: their next status is looked at whatever it is.
    fn forget_guard(&self, user: &UserId) {
        self.guard.lock().expect("guard lock").remove(user);
    }

    /// Moves wanted statuses into the queue while it has room.
    fn feed_wanted(&self) {
        while let Some(request) = self.wanted.take_one() {
            let user = request.user.clone();
            let result = self.admit(request, false, Arrival::Later);
            log::debug!("{user}: wanted status offered to the queue: {result:?}");
            match result {
                Ok(admission) if !admission.kept() => break,
                _ => {}
            }
        }
    }

    /// The tick: every second, writes the records that waited for the store, queues due
    /// retries, lapses and rereads, feeds wanted statuses, and queues held events of members
    /// now onboarded (a change to users.json is noticed within a second).
    pub fn tick(&self, stop: &Stop) {
        while !stop.requested() {
            self.records.flush();
            self.retry_due();
            self.restore_lapsed();
            self.feed_wanted();
            if let Err(err) = self.presets.refresh_if_due() {
                log::debug!("could not check users.json for changes: {err:#}");
            }
            // A member whose presets left users.json may have one on: the worker decides, by
            // the one rule every caller has (apply::MemberFacts::gather).
            for user in self.presets.take_gone() {
                self.reread_later(&user);
            }
            match self.presets.next_held(Duration::from_millis(500)) {
                Ok(requests) => {
                    // Members onboarded since, or connected with the workspace's presets; the
                    // others' events are dropped.
                    for request in requests.into_iter().filter(|r| self.serves(&r.user)) {
                        // A full queue keeps it as wanted.
                        let _ = self.admit(request, false, Arrival::Later);
                    }
                }
                Err(err) => {
                    log::warn!("could not check users.json for changes: {err:#}");
                    stop.sleep(presets::CHECK_EVERY);
                }
            }
        }
    }

    /// At a stop: closes the queue, waits until the workers finished it or `deadline`, then
    /// writes what waited for the store and says what is left. Returns the members whose
    /// requests were not finished.
    pub fn drain(&self, deadline: Instant) -> Vec<UserId> {
        self.queue.close();
        let left = self.queue.wait_idle(deadline);
        if self.records.flush() > 0 {
            let unrecorded = self.records.waiting_members();
            let names: Vec<&str> = unrecorded.iter().map(UserId::as_str).collect();
            log::error!(
                "the store is unreachable: what was applied for {} is not recorded; the next \
                 poll reconciles them",
                names.join(", ")
            );
        }
        let wanted = self.wanted.members();
        if !wanted.is_empty() {
            let names: Vec<&str> = wanted.iter().map(UserId::as_str).collect();
            log::warn!(
                "{} member{} still waited for room in the queue ({}); the next reconcile or \
                 poll applies them",
                names.len(),
                if names.len() == 1 { "" } else { "s" },
                names.join(", ")
            );
        }
        left
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, hash: &str) -> Request {
        Request {
            user: UserId::parse("U0ANA0001").unwrap(),
            emoji: ":palm_tree:".into(),
            profile: crate::slack::Profile {
                status_emoji: ":palm_tree:".into(),
                display_name: name.into(),
                avatar_hash: Some(hash.into()),
                ..Default::default()
            },
            event_id: "Ev1".into(),
            attempt: 0,
            reread: false,
        }
    }

    #[test]
    fn the_late_echo_of_the_name_write_is_no_hand_edit() {
        let applied = Applied {
            emoji: ":palm_tree:".into(),
            preset: Some(crate::presets::EmojiKey::parse(":palm_tree:").unwrap()),
            name: Some("Ana (away)".into()),
            picture: Some("U0ANA0001/x.png".into()),
            applied_at: 1,
            avatar_hash: Some("new".into()),
            status_expires_at: None,
        };
        // The event the change answered showed her earlier photo.
        let before = event("Ana", "old");
        let seen = Fingerprint::applied(&applied, Some(&before.profile));
        // The photo write's echo, and the name write's (its photo the earlier one).
        assert!(seen.matches(&event("Ana (away)", "new")));
        assert!(seen.matches(&event("Ana (away)", "old")));
        // A photo of her own set by hand, or a name changed by hand, is news.
        assert!(!seen.matches(&event("Ana (away)", "hers")));
        assert!(!seen.matches(&event("Ana on the beach", "new")));
    }
}
