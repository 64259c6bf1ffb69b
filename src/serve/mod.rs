//! serve: the long-running service. Slack's events, clicks, submissions and commands come in
//! through a transport (the Request URL over HTTP, or Socket Mode), go through one inbox, and
//! are handed to their part: a member's status to the status pipeline, which puts their
//! presets in effect within seconds; everything else to the Slack app (Home tab, preset modal,
//! `/statusinator`, connecting, lifecycle events).
//!
//! ```text
//! transport/http ─┐                ┌─> status (guard, queues, workers, retries, lapses, reconcile)
//!                 ├─> inbox ───────┤        │ notices
//! transport/socket┘                └─> app ─┘ (jobs: modals, saves, Home, disconnects, DMs)
//! ```
//!
//! Each part owns its state and its locks, and says in its module documentation which thread
//! writes what. The parts are shared with `Arc`; this module only builds them, starts their
//! threads with one stop signal, and at a stop drains them within `--drain-timeout`. No answer
//! waits on Slack or the store: what needs them is queued, bounded, and done afterwards.

pub mod answer;
mod app;
pub mod config;
mod health;
pub mod inbox;
pub mod metrics;
pub mod pipeline;
mod transport;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::apply::Engine;
use crate::exit::UsageError;
use crate::presets::UserId;
use crate::signals::Stop;
use crate::slack::SlackClient;
use crate::state;
use crate::store::Store;
use crate::tokens::Tokens;

pub use answer::Answer;
pub use config::{Config, SocketConfig};
pub use inbox::EventRequest;
pub use pipeline::presets::PresetCache;

/// How often serve looks for connected tokens due for a refresh (they are refreshed within two
/// hours of their end, so every few minutes leaves ample room).
const ROTATION_CHECK_EVERY: Duration = Duration::from_secs(600);

/// How often serve looks whether members' saved presets are due to be folded into users.json.
const FOLD_CHECK_EVERY: Duration = Duration::from_secs(5);

/// Every part of a running serve.
struct Parts {
    /// The shared handles, lent to the parts that need them.
    context: crate::context::Context,
    pipeline: Arc<pipeline::Pipeline>,
    app: Arc<app::App>,
    presets: Arc<PresetCache>,
    inbox: Arc<inbox::Inbox>,
    watch: Arc<health::Watch>,
    /// Hears the deployment's other processes' change notices (with Redis).
    listener: Option<Arc<crate::shared::notices::Listener>>,
    sockets: Arc<transport::socket::Gauge>,
    metrics: Arc<metrics::Metrics>,
}

impl Parts {
    fn build(
        config: &Config,
        store: Arc<dyn Store>,
        slack: Arc<SlackClient>,
        tokens: Arc<Tokens>,
        claimant: &state::Claimant,
    ) -> Parts {
        let metrics = Arc::new(metrics::Metrics::new(slack.stats(), slack.link().cloned()));
        let presets = Arc::new(PresetCache::new(store.clone()));
        // Members' states are read when needed (a worker reads the member's own object, the
        // reconcile reads everyone through the index), not at start.
        // Records the store cannot take wait for it: Slack has the change already.
        let records = Arc::new(crate::apply::Records::deferring(store.clone()));
        let context = crate::context::Context::new(store, slack, tokens);
        let engine = Engine::new(&context)
            .recording_to(records.clone())
            .claiming_as(claimant.clone());
        // The app's job queue comes first: the status pipeline's notices go to it.
        let jobs = Arc::new(app::Jobs::default());
        let notify: pipeline::Notify = {
            let jobs = jobs.clone();
            Box::new(move |notice| jobs.push(app::App::job_for(notice)))
        };
        let pipeline = Arc::new(pipeline::Pipeline::new(
            context.clone(),
            engine,
            records,
            presets.clone(),
            metrics.clone(),
            pipeline::Limits {
                queue: config.queue_capacity,
                dead_letter: config.dead_letter_capacity,
            },
            notify,
        ));
        let app = Arc::new(app::App::new(
            context.clone(),
            pipeline.clone(),
            presets.clone(),
            jobs,
            app::Settings {
                oauth: config.oauth.clone(),
                admin_token: config.admin_token.clone(),
            },
        ));
        let inbox = Arc::new(inbox::Inbox::new(
            config.signing_secret.as_ref(),
            pipeline.clone(),
            app.clone(),
            metrics.clone(),
        ));
        let sockets = Arc::new(transport::socket::Gauge::default());
        // The other processes' notices (with Redis): the store is then checked as a safety net.
        let listener = context.notices.listener().map(Arc::new);
        if let Some(listener) = &listener {
            presets.hear_through(listener.clone());
        }
        let watch = Arc::new(health::Watch {
            pipeline: pipeline.clone(),
            app: app.clone(),
            presets: presets.clone(),
            metrics: metrics.clone(),
            connections: Arc::new(transport::connections::Registry::new(
                config.max_connections,
                config.max_connections_per_peer,
            )),
            sockets: sockets.clone(),
            instance: claimant.name().to_owned(),
            redis: context
                .slack
                .link()
                .map(|link| (link.clone(), listener.clone())),
        });
        Parts {
            context,
            pipeline,
            app,
            presets,
            inbox,
            watch,
            listener,
            sockets,
            metrics,
        }
    }
}

/// Reads users.json into the cache, trying again every few seconds while the store fails; then
/// tells the admin of installations missing a scope and learns what was applied before.
fn load_presets(parts: &Parts, stop: &Stop) {
    let started = Instant::now();
    loop {
        // Who is connected (for the workspace presets) is known before the presets count as
        // loaded, so an event of a member with only the workspace's presets is never taken
        // for a stranger's.
        let (pipeline, context) = (&parts.pipeline, &parts.context);
        match pipeline
            .connected
            .refill(context.store.as_ref(), &context.tokens)
        {
            Ok(n) => log::info!("{n} member{} connected", if n == 1 { "" } else { "s" }),
            Err(err) => log::warn!("reading who is connected: {err:#}"),
        }
        match parts.presets.load() {
            Ok(members) => {
                log::info!(
                    "presets loaded: {members} member{} onboarded ({:.0} ms)",
                    if members == 1 { "" } else { "s" },
                    started.elapsed().as_secs_f64() * 1e3
                );
                // An installation missing a bot scope is told to the admin at once.
                parts.app.check_installations();
                // What was applied before this process started (statuses that lapse later
                // among it), without holding up the start.
                if let Err(err) = parts.pipeline.learn_from_store() {
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

/// Starts a named thread running `work`.
fn spawn(
    name: String,
    work: impl FnOnce() + Send + 'static,
) -> Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name(name.clone())
        .spawn(work)
        .with_context(|| format!("starting the {name} thread"))
}

/// serve's parts with their threads running: everything but the transports. [`run`] puts the
/// HTTP server and Socket Mode in front of it; in-process tests feed its inbox directly.
pub struct Running {
    parts: Arc<Parts>,
    stop: Stop,
    migration: std::thread::JoinHandle<()>,
}

impl Running {
    /// Builds the parts and starts their threads (workers, app workers, the tick, the token
    /// refresher, the reconcile, the migration), all ending at `stop`.
    pub fn start(
        config: &Config,
        store: Arc<dyn Store>,
        slack: Arc<SlackClient>,
        tokens: Arc<Tokens>,
        stop: &Stop,
    ) -> Result<Running> {
        let claimant = state::Claimant::new("serve");
        let parts = Arc::new(Parts::build(
            config,
            store.clone(),
            slack,
            tokens.clone(),
            &claimant,
        ));
        // A store of an earlier layout is migrated beside the answering; members not migrated
        // yet are read and written through their old record meanwhile.
        let migration = {
            let stop = stop.clone();
            spawn("migrate".into(), move || {
                if let Err(err) = state::migrate::migrate(store.as_ref(), &|| stop.requested()) {
                    log::error!("{err:#}; members not migrated are still read from it");
                }
            })?
        };
        // users.json is read in the background: Slack is answered from the first moment, and
        // events that come before it is in wait for it.
        {
            let (parts, stop) = (parts.clone(), stop.clone());
            spawn("presets-load".into(), move || load_presets(&parts, &stop))?;
        }
        for i in 0..config.workers.max(1) {
            let pipeline = parts.pipeline.clone();
            spawn(format!("worker-{i}"), move || pipeline.work())?;
        }
        for i in 0..app::WORKERS {
            // The first opens modals only: a click's trigger never waits behind slower work.
            let lane = if i == 0 {
                app::Lane::Urgent
            } else {
                app::Lane::Any
            };
            let app = parts.app.clone();
            spawn(format!("app-{i}"), move || app.work(lane))?;
        }
        {
            let (pipeline, stop) = (parts.pipeline.clone(), stop.clone());
            spawn("status-tick".into(), move || pipeline.tick(&stop))?;
        }
        {
            // This replica's record in the store, for doctor's count of replicas.
            let (context, stop) = (parts.context.clone(), stop.clone());
            let presence = state::presence::Presence {
                instance: claimant.name().to_owned(),
                started_at: crate::clock::unix_now(),
                seen_at: 0,
                redis: context.slack.link().is_some(),
            };
            spawn("presence".into(), move || loop {
                let seen = state::presence::Presence {
                    seen_at: crate::clock::unix_now(),
                    ..presence.clone()
                };
                if let Err(err) = state::presence::announce(context.store.as_ref(), &seen) {
                    log::debug!("could not write this process's presence: {err:#}");
                }
                if stop.sleep(state::presence::ANNOUNCE_EVERY) {
                    let _ = state::presence::leave(context.store.as_ref(), &presence.instance);
                    return;
                }
            })?;
        }
        {
            // Members' saves pile up in presets/pending.json; once there are enough of them,
            // they are folded into users.json here, off every answer's way.
            let (presets, store, stop) = (
                parts.presets.clone(),
                parts.context.store.clone(),
                stop.clone(),
            );
            spawn("presets-fold".into(), move || loop {
                if stop.sleep(FOLD_CHECK_EVERY) {
                    return;
                }
                if presets.fold_due() {
                    if let Err(err) = crate::store::fold(store.as_ref(), crate::clock::unix_now()) {
                        log::warn!("folding members' saved presets into users.json: {err:#}");
                    }
                    let _ = presets.reload();
                }
            })?;
        }
        if let Some(listener) = parts.listener.clone() {
            let (pipeline, stop) = (parts.pipeline.clone(), stop.clone());
            spawn("notices".into(), move || {
                listener.run(&|| stop.requested(), &|change| pipeline.heard(change));
            })?;
        }
        if tokens
            .vault()
            .is_some_and(|v| v.key.is_some() && v.refresher.is_some())
        {
            let (app, stop) = (parts.app.clone(), stop.clone());
            spawn("rotation".into(), move || loop {
                // Every connected token that is due, whether or not anything uses it; members
                // whose refresh Slack refused are reminded by an app worker.
                match tokens.refresh_due() {
                    Ok(refreshed) => {
                        if refreshed.count > 0 {
                            log::info!(
                                "refreshed {} connected token(s) before they lapse",
                                refreshed.count
                            );
                        }
                        for disconnected in refreshed.disconnected {
                            app.jobs().push(app::Job::Remind(disconnected));
                        }
                    }
                    Err(err) => log::warn!("checking tokens for refresh failed: {err:#}"),
                }
                if stop.sleep(ROTATION_CHECK_EVERY) {
                    return;
                }
            })?;
        }
        if let Some(every) = config.reconcile_every {
            let (status, stop) = (parts.pipeline.clone(), stop.clone());
            let retention = config.forget_deleted_after;
            spawn("reconcile".into(), move || {
                pipeline::reconcile::run(&status, every, retention, &stop)
            })?;
        }
        Ok(Running {
            parts,
            stop: stop.clone(),
            migration,
        })
    }

    /// Where Slack's requests go, whichever way they came.
    pub fn inbox(&self) -> &Arc<inbox::Inbox> {
        &self.parts.inbox
    }

    /// What `/healthz` shows, as JSON.
    pub fn health(&self) -> serde_json::Value {
        use transport::http::Reports;
        serde_json::from_slice(&self.parts.watch.health().body).expect("health is JSON")
    }

    /// Stops: the queue is closed and worked until `deadline`, the app's jobs too (what is left
    /// of them is kept or told), and the migration stops at its next record. Returns the
    /// members whose requests were not finished.
    pub fn stop(self, deadline: Instant) -> Vec<UserId> {
        self.stop.request();
        let left = self.parts.pipeline.drain(deadline);
        // The app's jobs: what waits is worked until the same deadline; what is left is kept
        // or told (see settle_jobs).
        let jobs_left = self.parts.app.jobs().close(deadline);
        if !jobs_left.is_empty() {
            log::warn!(
                "{} app job{} not worked before the stop: keeping what members were told",
                jobs_left.len(),
                if jobs_left.len() == 1 { "" } else { "s" }
            );
            self.parts.app.settle_jobs(jobs_left);
        }
        // The migration stops at its next record (what moved stays; the next start goes on).
        let _ = self.migration.join();
        left
    }
}

/// Runs the service until SIGINT/SIGTERM, then finishes the queued work (at most
/// `drain_timeout`) and returns.
pub fn run(
    config: Config,
    store: Arc<dyn Store>,
    slack: Arc<SlackClient>,
    tokens: Arc<Tokens>,
) -> Result<()> {
    let stop = Stop::on_signals()?;
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
    let running = Running::start(&config, store, slack.clone(), tokens, &stop)?;
    let parts = running.parts.clone();
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
        Some(socket) => transport::socket::start(
            transport::socket::Parts {
                inbox: parts.inbox.clone(),
                slack,
                gauge: parts.sockets.clone(),
                metrics: parts.metrics.clone(),
            },
            socket,
            &stop,
        )?,
        None => Vec::new(),
    };
    let server = transport::http::Server::new(
        parts.inbox.clone(),
        parts.app.clone(),
        parts.watch.clone(),
        parts.watch.connections.clone(),
        config.trusted_proxies.clone(),
    );
    server.serve(listener, &stop)?;
    // The drain's deadline counts from the stop.
    let deadline = Instant::now() + config.drain_timeout;
    // Socket Mode connections close (acknowledging what is still on its way) before the
    // queue is closed; the workers go on meanwhile. A connection that will not close is
    // left behind.
    transport::socket::join(sockets, Instant::now() + transport::socket::STOP_GRACE);

    log::info!("stopping: no more requests; finishing the queued work");
    let left = running.stop(deadline);
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
