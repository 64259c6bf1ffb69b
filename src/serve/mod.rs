//! serve: the Events API listener. Slack posts `user_change` / `user_status_changed`; the member's
//! name and photo follow their status within seconds.
//!
//! The ack path (signature, envelope, dedupe, the presets cache, the loop guard, the queue) is
//! all in memory and never waits on Slack or the store. A small pool of workers does the rest
//! through the apply engine, never two at once for one member.

mod app;
mod cache;
mod expiry;
mod inbox;
mod install;
mod lifecycle;
pub mod metrics;
mod onboard_route;
mod pages;
mod pauses;
pub mod queue;
mod reconcile;
mod transport;
mod worker;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::apply::Engine;
use crate::events::{UserEvent, Verifier};
use crate::exit::UsageError;
use crate::presets::UserId;
use crate::secret::SecretString;
use crate::signals::Stop;
use crate::slack::SlackClient;
use crate::state::{self, Applied};
use crate::store::Store;
use crate::tokens::Tokens;

pub use cache::PresetCache;
use metrics::{EventOutcome, Levels, Metrics};
use queue::{Admission, Queue, Request, Wanted};
pub use transport::http::EventRequest;

/// Event IDs remembered to process a redelivery once (Slack redelivers within minutes).
const SEEN_EVENTS: usize = 50_000;

/// When a request failed for a reason that passes (Slack or the store unreachable after the
/// client's own retries), it is tried again after these waits, then given up to the next poll.
const RETRY_LATER: [Duration; 6] = [
    Duration::from_secs(5),
    Duration::from_secs(15),
    Duration::from_secs(30),
    Duration::from_secs(60),
    Duration::from_secs(120),
    Duration::from_secs(300),
];

/// How often serve looks for connected tokens due for a refresh (they are refreshed within two
/// hours of their end, so every few minutes leaves ample room).
const ROTATION_CHECK_EVERY: Duration = Duration::from_secs(600);

/// How soon a member claimed by another replica is looked at again.
const CLAIM_RECHECK: Duration = Duration::from_secs(2);

/// The service's settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// Checks requests to the Request URL; `None` (Socket Mode only): it refuses them all.
    pub signing_secret: Option<SecretString>,
    /// `POST /onboard` is on only with this.
    pub admin_token: Option<SecretString>,
    pub queue_capacity: usize,
    pub dead_letter_capacity: usize,
    pub workers: usize,
    /// How long a stop waits for queued work.
    pub drain_timeout: Duration,
    /// How often serve reads every member's status itself (a poll cycle); `None`: never.
    pub reconcile_every: Option<Duration>,
    /// Connecting members through Slack's OAuth; `None`: off.
    pub oauth: Option<crate::connect::OAuth>,
    /// Connections open at once, in all and from one address.
    pub max_connections: usize,
    pub max_connections_per_peer: usize,
    /// Socket Mode; `None`: Slack posts to the Request URL.
    pub socket: Option<SocketConfig>,
}

/// Socket Mode's settings.
#[derive(Debug, Clone)]
pub struct SocketConfig {
    /// The app-level token (`xapp-…`, `connections:write`).
    pub app_token: SecretString,
    /// Connections kept open (Slack allows 10).
    pub connections: usize,
}

/// An answer to an HTTP request, before it becomes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    /// Shared, not copied: a picture served to many clients is one buffer.
    pub body: bytes::Bytes,
    /// Send `X-Slack-No-Retry: 1`.
    pub no_retry: bool,
    /// Send `Retry-After: seconds`.
    pub retry_after: Option<u64>,
    /// Send `Set-Cookie` with this.
    pub set_cookie: Option<String>,
    /// Caches may keep it (content-keyed pictures); everything else is `no-store`.
    pub immutable: bool,
}

impl Answer {
    pub fn empty(status: u16) -> Answer {
        Answer {
            status,
            content_type: "text/plain; charset=utf-8",
            body: bytes::Bytes::new(),
            no_retry: false,
            retry_after: None,
            set_cookie: None,
            immutable: false,
        }
    }

    pub fn text(status: u16, text: impl Into<String>) -> Answer {
        let mut body = text.into().into_bytes();
        body.push(b'\n');
        Answer {
            body: body.into(),
            ..Answer::empty(status)
        }
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Answer {
        Answer {
            status,
            content_type: "application/json",
            body: serde_json::to_vec(value)
                .expect("JSON values serialize")
                .into(),
            no_retry: false,
            retry_after: None,
            set_cookie: None,
            immutable: false,
        }
    }
}

/// What the loop guard knows of a member: the status applied (or being applied) and, once it
/// is applied, the display name and `avatar_hash` Slack shows for it. An event that matches is
/// the echo of statusinator's own writes, or nothing new; one that differs in name or photo is
/// the member's own hand, and goes to a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint {
    emoji: String,
    name: Option<String>,
    avatar_hash: Option<String>,
}

impl Fingerprint {
    /// A status being applied: any event with it is its echo.
    fn status(emoji: String) -> Fingerprint {
        Fingerprint {
            emoji,
            name: None,
            avatar_hash: None,
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
        }
    }

    fn matches(&self, request: &Request) -> bool {
        self.emoji == request.emoji
            && self
                .name
                .as_ref()
                .is_none_or(|name| *name == request.profile.display_name)
            && self
                .avatar_hash
                .as_ref()
                .is_none_or(|hash| Some(hash) == request.profile.avatar_hash.as_ref())
    }
}

/// Pages that read the store or call Slack worked at once; more wait their turn as a 503.
const PAGE_WORK: usize = 8;

/// How often used OAuth states are swept from the store.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Where a request came from, for what the wanted statuses keep when the queues are full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arrival {
    /// Slack's event, just now: the newest word on the member.
    Event,
    /// A retry, a held event, a reconcile's read: older than an event kept meanwhile.
    Later,
}

/// Everything the HTTP side and the workers share.
#[derive(Debug)]
pub struct Service {
    verifier: Option<Verifier>,
    admin_token: Option<SecretString>,
    store: &'static dyn Store,
    engine: Engine<'static>,
    presets: PresetCache,
    queue: Queue,
    /// The latest status of members the queues had no room for.
    wanted: Wanted,
    metrics: Metrics,
    /// `team:event_id` of events answered 200.
    seen: Mutex<lru::LruCache<String, ()>>,
    /// Per member, the status their presets were last put in effect for, or are about to be:
    /// the loop guard. The app's own writes come back as events with this same status (and,
    /// once applied, the name and photo it wrote).
    guard: Mutex<HashMap<UserId, Fingerprint>>,
    /// What was last applied per member, as far as this process knows.
    applied: Mutex<HashMap<UserId, Applied>>,
    bad_signatures: AtomicU64,
    /// Requests to try again, and when.
    later: Mutex<Vec<(Instant, Request)>>,
    /// This process's name in claims on members: replicas tell each other apart by it.
    instance: String,
    /// Every open HTTP connection, by peer.
    connections: transport::connections::Registry,
    /// `POST /onboard` is worked one at a time.
    onboarding: tokio::sync::Semaphore,
    /// When members' statuses lapse.
    expiries: expiry::Expiries,
    /// Members to look at again (paused, resumed).
    rereads: Mutex<Vec<UserId>>,
    /// Pauses and resumes answered here, in effect before the store has them.
    pauses: pauses::Pauses,
    /// Members who asked to disconnect, with their workspace: their usual profile goes back,
    /// then their token is forgotten.
    disconnecting: Mutex<HashMap<UserId, app::disconnect::Leaving>>,
    /// Work for the app's workers: modals, presets members save or remove, Home views.
    jobs: app::Jobs,
    /// Socket Mode connections.
    socket: transport::socket::Gauge,
    /// Members connecting themselves; `None` when it is not set up.
    oauth: Option<crate::connect::OAuth>,
    /// Slots for the pages that read the store or call Slack (install, redirect, pictures):
    /// bounded, so a flood of them cannot take every thread.
    page_work: tokio::sync::Semaphore,
    /// Code exchanges allowed per client address.
    exchanges: install::ExchangeLimit,
    /// Preset photos served lately, shared by every client asking for them.
    pictures: app::pictures::Shared,
    /// When used OAuth states were last swept from the store.
    swept: Mutex<Instant>,
}

impl Service {
    /// Loads the presets and the applied state; fails when the store cannot be read.
    pub fn new(
        config: &Config,
        store: &'static dyn Store,
        slack: &'static SlackClient,
        tokens: &'static Tokens,
    ) -> Result<Service> {
        let presets = PresetCache::new(store);
        // Members' states are read when needed (a worker reads the member's own object, the
        // reconcile reads everyone through the index), not at start; a store of an earlier
        // layout is migrated in the background once serve listens.
        let instance = state::instance_name("serve");
        Ok(Service {
            verifier: config.signing_secret.as_ref().map(Verifier::new),
            admin_token: config.admin_token.clone(),
            store,
            engine: Engine::new(store, slack, tokens)
                .defer_records_on_store_failure()
                .claiming_as(&instance),
            presets,
            queue: Queue::new(config.queue_capacity, config.dead_letter_capacity),
            wanted: Wanted::default(),
            metrics: Metrics::new(slack.stats()),
            seen: Mutex::new(lru::LruCache::new(
                NonZeroUsize::new(SEEN_EVENTS).expect("non-zero"),
            )),
            guard: Mutex::new(HashMap::new()),
            applied: Mutex::new(HashMap::new()),
            bad_signatures: AtomicU64::new(0),
            later: Mutex::new(Vec::new()),
            instance,
            connections: transport::connections::Registry::new(
                config.max_connections,
                config.max_connections_per_peer,
            ),
            onboarding: tokio::sync::Semaphore::new(1),
            expiries: expiry::Expiries::default(),
            rereads: Mutex::new(Vec::new()),
            pauses: pauses::Pauses::default(),
            jobs: app::Jobs::default(),
            socket: transport::socket::Gauge::default(),
            disconnecting: Mutex::default(),
            oauth: config.oauth.clone(),
            page_work: tokio::sync::Semaphore::new(PAGE_WORK),
            exchanges: install::ExchangeLimit::default(),
            pictures: app::pictures::Shared::default(),
            swept: Mutex::new(Instant::now()),
        })
    }

    pub fn presets(&self) -> &PresetCache {
        &self.presets
    }

    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    pub fn metrics_text(&self) -> String {
        self.metrics.render(self.levels())
    }

    fn levels(&self) -> Levels {
        let (queue, dead_letter) = self.queue.depths();
        Levels {
            queue,
            dead_letter,
            wanted: self.wanted.len(),
            members: self.presets.len(),
            presets_vanished: self.presets.vanished(),
            connections: self.connections.counts(),
            sockets: self.socket.open(),
        }
    }

    fn user_event(&self, event: UserEvent, retry: bool) -> (EventOutcome, Answer) {
        let ok = Answer::empty(200);
        let key = format!("{}:{}", event.team_id, event.event_id);
        if self.seen.lock().expect("seen lock").contains(&key) {
            log::debug!("event {} already handled", event.event_id);
            return (EventOutcome::Duplicate, ok);
        }
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
        let outcome = if self.presets.contains(&request.user) {
            match self.admit(request, retry, Arrival::Event) {
                Ok(admission) => match admission {
                    Admission::Queued => EventOutcome::Queued,
                    Admission::Replaced => EventOutcome::Replaced,
                    Admission::DeadLettered => EventOutcome::DeadLettered,
                    Admission::Full => {
                        return (
                            EventOutcome::RejectedFull,
                            Answer::text(503, "busy: the request queue is full"),
                        )
                    }
                    Admission::Refused => {
                        let mut answer = Answer::text(
                            503,
                            "busy: the request queue and the dead-letter queue are full",
                        );
                        answer.no_retry = true;
                        return (EventOutcome::RejectedNoRetry, answer);
                    }
                },
                Err(unchanged) => unchanged,
            }
        } else {
            // Maybe onboarded since the cache was filled: the next check (at most once a
            // second) tells.
            self.presets.hold(request);
            EventOutcome::NotOnboarded
        };
        self.seen.lock().expect("seen lock").put(key, ());
        (outcome, ok)
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
        let now = crate::unix_now();
        for chunk in recorded.chunks(10_000) {
            let mut guard = self.guard.lock().expect("guard lock");
            for (user, applied) in chunk {
                guard
                    .entry(user.clone())
                    .or_insert_with(|| Fingerprint::applied(applied, None));
                if let Some(at) = applied.status_expires_at.filter(|at| *at > now) {
                    self.expiries.at(user, at);
                }
            }
        }
    }

    /// Reads everyone's state through the index (a request per 1,000 members) and learns it;
    /// returns what it cost.
    fn learn_from_store(&self) -> Result<state::index::Cost> {
        let mut recorded = Vec::new();
        let mut paused = std::collections::HashSet::new();
        let cost = state::index::for_each(self.store, true, |user, member| {
            if let Some(applied) = &member.applied {
                recorded.push((user.clone(), applied.clone()));
            }
            if member.paused_at.is_some() {
                paused.insert(user.clone());
            }
        })?;
        self.learn_applied(recorded);
        self.pauses.stored_all(paused);
        Ok(cost)
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

    /// Re-checks held events of members not in the cache, queueing those now onboarded; writes
    /// the records that waited for the store.
    fn refresh_held(&self, stop: &Stop) {
        while !stop.requested() {
            self.engine.flush_deferred();
            self.sweep_used_states();
            self.retry_due();
            self.restore_lapsed();
            self.feed_wanted();
            // A change to users.json (or its vanishing) is noticed within a second even when
            // no event comes.
            if let Err(err) = self.presets.refresh_if_due() {
                log::debug!("could not check users.json for changes: {err:#}");
            }
            match self.presets.next_held(Duration::from_millis(500)) {
                Ok(requests) => {
                    for request in requests {
                        // A full queue keeps it as wanted.
                        let _ = self.admit(request, false, Arrival::Later);
                    }
                }
                Err(err) => {
                    log::warn!("could not check users.json for changes: {err:#}");
                    stop.sleep(cache::CHECK_EVERY);
                }
            }
        }
    }

    /// Removes the marks of used OAuth states once they expired (at most once a minute).
    fn sweep_used_states(&self) {
        if self.oauth.is_none() {
            return;
        }
        {
            let mut swept = self.swept.lock().expect("swept lock");
            if swept.elapsed() < SWEEP_EVERY {
                return;
            }
            *swept = Instant::now();
        }
        match crate::tokens::stored::sweep_used_states(self.store, crate::unix_now()) {
            Ok(0) => {}
            Ok(n) => log::debug!("swept {n} used OAuth state(s)"),
            Err(err) => log::warn!("sweeping used OAuth states: {err:#}"),
        }
    }

    pub fn health(&self) -> Answer {
        let (waiting, dead) = self.queue.depths();
        let mut alarms = Vec::new();
        if self.presets.vanished() {
            alarms.push(format!(
                "{} has vanished from the store; serving the members in memory",
                self.store.location(crate::store::USERS_KEY)
            ));
        }
        Answer::json(
            200,
            &serde_json::json!({
                "ok": true,
                "alarms": alarms,
                "presets": if self.presets.loaded() { "loaded" } else { "loading" },
                "members": self.presets.len(),
                "queue": waiting,
                "dead_letter": dead,
                "unrecorded": self.engine.deferred_members().len(),
                "retrying": self.later.lock().expect("later lock").len(),
                "wanted": self.wanted.len(),
                "lapsing": self.expiries.len(),
                "app_jobs": self.jobs.len(),
                "socket_mode": {
                    "open": self.socket.open(),
                    "wanted": self.socket.wanted.load(std::sync::atomic::Ordering::Relaxed),
                },
                "connections": self.connections.counts().open,
                "instance": self.instance,
            }),
        )
    }
}

/// Reads users.json into the cache, trying again every few seconds while the store fails.
fn load_presets(service: &Service, stop: &Stop) {
    let started = Instant::now();
    loop {
        match service.presets.load() {
            Ok(members) => {
                log::info!(
                    "presets loaded: {members} member{} onboarded ({:.0} ms)",
                    if members == 1 { "" } else { "s" },
                    started.elapsed().as_secs_f64() * 1e3
                );
                // An installation missing a bot scope is told to the admin at once.
                service.check_installations();
                // What was applied before this process started (statuses that lapse later
                // among it), without holding up the start.
                if let Err(err) = service.learn_from_store() {
                    log::warn!("reading members' state at start failed: {err:#}");
                }
                return;
            }
            Err(err) => {
                log::error!("reading users.json failed: {err:#}; trying again in 5 s");
                if stop.sleep(Duration::from_secs(5)) {
                    return;
                }
            }
        }
    }
}

/// Runs the service until SIGINT/SIGTERM, then finishes the queued work (at most
/// `drain_timeout`) and returns.
pub fn run(
    config: Config,
    store: std::sync::Arc<dyn Store>,
    slack: SlackClient,
    tokens: Tokens,
) -> Result<()> {
    let stop = Stop::on_signals()?;
    // The service lives as long as the process; its parts are shared by every thread.
    let store: &'static dyn Store = &**Box::leak(Box::new(store));
    let slack: &'static SlackClient = Box::leak(Box::new(slack));
    let tokens: &'static Tokens = Box::leak(Box::new(tokens));
    // The store's own errors say what to fix, and whether it is a setting (exit 2) or the
    // store being unreachable (exit 1, worth a restart).
    let service = Service::new(&config, store, slack, tokens).context("cannot start")?;
    let service: &'static Service = Box::leak(Box::new(service));

    let listener = transport::http::bind(config.listen).map_err(|err| {
        UsageError::new(format!(
            "cannot listen on {}: {err}; choose another address with --listen or \
             STATUSINATOR_LISTEN",
            config.listen
        ))
    })?;
    let address = listener
        .local_addr()
        .context("reading the listening address")?;

    // A store of an earlier layout is migrated beside the answering; members not migrated yet
    // are read and written through their old record meanwhile.
    let migration = {
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("migrate".into())
            .spawn(move || {
                if let Err(err) = state::migrate::migrate(store, &|| stop.requested()) {
                    log::error!("{err:#}; members not migrated are still read from it");
                }
            })
            .context("starting the migration")?
    };
    // users.json is read in the background: Slack is answered from the first moment, and
    // events that come before it is in wait for it.
    {
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("presets-load".into())
            .spawn(move || load_presets(service, &stop))
            .context("starting to read users.json")?;
    }
    for i in 0..config.workers.max(1) {
        std::thread::Builder::new()
            .name(format!("worker-{i}"))
            .spawn(move || service.work())
            .context("starting a worker")?;
    }
    for i in 0..app::WORKERS {
        // The first opens modals only: a click's trigger never waits behind slower work.
        let lane = if i == 0 {
            app::Lane::Urgent
        } else {
            app::Lane::Any
        };
        std::thread::Builder::new()
            .name(format!("app-{i}"))
            .spawn(move || service.work_app(lane))
            .context("starting the app's workers")?;
    }
    {
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("presets".into())
            .spawn(move || service.refresh_held(&stop))
            .context("starting the presets refresher")?;
    }
    if tokens
        .vault()
        .is_some_and(|v| v.key.is_some() && v.refresher.is_some())
    {
        {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("rotation".into())
                .spawn(move || loop {
                    // Every connected token that is due, whether or not anything uses it.
                    match tokens.refresh_due() {
                        Ok(0) => {}
                        Ok(n) => log::info!("refreshed {n} connected token(s) before they lapse"),
                        Err(err) => log::warn!("checking tokens for refresh failed: {err:#}"),
                    }
                    if stop.sleep(ROTATION_CHECK_EVERY) {
                        return;
                    }
                })
                .context("starting the token refresher")?;
        }
    }
    if let Some(every) = config.reconcile_every {
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("reconcile".into())
            .spawn(move || reconcile::run(service, every, &stop))
            .context("starting the reconciling cycle")?;
    }
    log::info!(
        "listening on http://{address}: {} worker{}, queue {}, dead-letter queue {}; POST \
         /onboard {}",
        config.workers,
        if config.workers == 1 { "" } else { "s" },
        config.queue_capacity,
        config.dead_letter_capacity,
        if config.admin_token.is_some() {
            "on"
        } else {
            "off"
        }
    );
    if let Some(socket) = &config.socket {
        log::info!(
            "Socket Mode: keeping {} connection{} to Slack open (SLACK_APP_TOKEN)",
            socket.connections,
            if socket.connections == 1 { "" } else { "s" }
        );
    }
    crate::out::line(&format!(
        "statusinator serve: listening on http://{address}"
    ));

    let sockets = match &config.socket {
        Some(socket) => transport::socket::start(service, socket, &stop)?,
        None => Vec::new(),
    };
    transport::http::serve(service, listener, &stop)?;
    // The drain's deadline counts from the stop.
    let deadline = Instant::now() + config.drain_timeout;
    // Socket Mode connections close (acknowledging what is still on its way) before the
    // queue is closed; the workers go on meanwhile. A connection that will not close is
    // left behind.
    transport::socket::join(sockets, Instant::now() + transport::socket::STOP_GRACE);

    log::info!("stopping: no more requests; finishing the queued work");
    service.queue.close();
    let left = service.queue.wait_idle(deadline);
    // The app's jobs: what waits is worked until the same deadline; what is left is kept or
    // told (see settle_jobs).
    let jobs_left = service.jobs.close(deadline);
    if !jobs_left.is_empty() {
        log::warn!(
            "{} app job{} not worked before the stop: keeping what members were told",
            jobs_left.len(),
            if jobs_left.len() == 1 { "" } else { "s" }
        );
        service.settle_jobs(jobs_left);
    }
    if service.engine.flush_deferred() > 0 {
        let unrecorded = service.engine.deferred_members();
        let names: Vec<&str> = unrecorded.iter().map(UserId::as_str).collect();
        log::error!(
            "the store is unreachable: what was applied for {} is not recorded; the next poll \
             reconciles them",
            names.join(", ")
        );
    }
    let wanted = service.wanted.members();
    if !wanted.is_empty() {
        let names: Vec<&str> = wanted.iter().map(UserId::as_str).collect();
        log::warn!(
            "{} member{} still waited for room in the queue ({}); the next reconcile or poll \
             applies them",
            names.len(),
            if names.len() == 1 { "" } else { "s" },
            names.join(", ")
        );
    }
    // The migration stops at its next record (what moved stays; the next start goes on).
    let _ = migration.join();
    if left.is_empty() {
        log::info!("stopped: every queued request was worked");
    } else {
        let names: Vec<&str> = left.iter().map(UserId::as_str).collect();
        log::warn!(
            "stopped with {} request{} not finished ({}); the next poll applies them",
            left.len(),
            if left.len() == 1 { "" } else { "s" },
            names.join(", ")
        );
    }
    Ok(())
}
