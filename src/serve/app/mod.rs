//! The Slack app members use: the Home tab, the preset modal and `/statusinator`. Requests are
//! answered at once from memory; what takes Slack's or the store's time (opening a modal,
//! downloading a picture, writing `users.json`, publishing a view) is a [`Job`] for the app's
//! own workers, so the status workers and the ack path never wait on it.
//!
//! The member is always the signed payload's own `user.id` (or a command's `user_id`): values a
//! member can type or a view carries only ever name which of their own presets.

pub mod admin_onboard;
pub mod commands;
pub mod disconnect;
pub mod exchanges;
pub mod forget;
pub mod home;
pub mod install;
pub mod jobs;
pub mod lifecycle;
pub mod modal;
pub mod pictures;

use crate::context::Context;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::events::Interaction;
use crate::presets::UserId;
use crate::secret::SecretString;
use crate::serve::answer::Answer;
use crate::serve::metrics::EventOutcome;
use crate::serve::pipeline::presets::PresetCache;
use crate::serve::pipeline::{Notice, Pipeline};
use crate::slack::SlackClient;
use crate::store::Store;
use crate::tokens::Tokens;

pub use jobs::{Job, Jobs, Lane, WORKERS};

/// How often used OAuth states are swept from the store.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// The app's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Members connecting themselves through Slack's OAuth; `None`: off.
    pub oauth: Option<crate::oauth::OAuth>,
    /// `POST /onboard` is on only with this.
    pub admin_token: Option<SecretString>,
}

/// The Slack app: its handlers answer from memory and queue [`Job`]s for its own workers
/// (`app-N`), which alone call Slack or write the store for it. It reads the status pipeline's
/// pauses and leaving members and asks it to look at members again; it never writes a member's
/// profile itself.
#[derive(Debug)]
pub struct App {
    /// The shared handles (store, Slack client, tokens, photo maker), lent by serve.
    context: Context,
    pipeline: Arc<Pipeline>,
    presets: Arc<PresetCache>,
    jobs: Arc<Jobs>,
    oauth: Option<crate::oauth::OAuth>,
    admin_token: Option<SecretString>,
    /// Code exchanges allowed per client address.
    exchanges: exchanges::Exchanges,
    /// Preset photos served lately, shared by every client asking for them.
    pictures: pictures::Shared,
    /// Connections being finished, and how they ended lately.
    connecting: crate::oauth::connecting::Connecting,
    /// The workspaces where the app is installed (written by app workers, read by the install
    /// page).
    installed: RwLock<HashSet<String>>,
    /// The workspace each member of an org-wide install last opened their Home in (the most
    /// recent members only; written by the threads that answer Slack, read by the workers).
    workspaces_seen: Mutex<lru::LruCache<UserId, String>>,
    /// When used OAuth states were last swept from the store (an idle worker's chore).
    swept: Mutex<Instant>,
}

impl App {
    /// `jobs` is the queue the status pipeline's notices already go to.
    pub fn new(
        context: Context,
        pipeline: Arc<Pipeline>,
        presets: Arc<PresetCache>,
        jobs: Arc<Jobs>,
        settings: Settings,
    ) -> App {
        App {
            context,
            pipeline,
            presets,
            jobs,
            oauth: settings.oauth,
            admin_token: settings.admin_token,
            exchanges: exchanges::Exchanges::default(),
            pictures: pictures::Shared::default(),
            connecting: crate::oauth::connecting::Connecting::default(),
            installed: RwLock::default(),
            workspaces_seen: Mutex::new(lru::LruCache::new(
                std::num::NonZeroUsize::new(10_000).expect("non-zero"),
            )),
            swept: Mutex::new(Instant::now()),
        }
    }

    /// The job a notice of the status pipeline becomes.
    pub fn job_for(notice: Notice) -> Job {
        match notice {
            Notice::Home { team, user } => Job::Publish { team, user },
            Notice::Tell { team, user, text } => Job::Tell { team, user, text },
            Notice::Remind(disconnected) => Job::Remind(disconnected),
            Notice::Installations => Job::CheckInstallations,
        }
    }

    pub fn jobs(&self) -> &Jobs {
        &self.jobs
    }

    fn store(&self) -> &dyn Store {
        self.context.store.as_ref()
    }

    fn slack(&self) -> &SlackClient {
        &self.context.slack
    }

    fn tokens(&self) -> &Tokens {
        &self.context.tokens
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
        match crate::tokens::stored::sweep_used_states(self.store(), crate::clock::unix_now()) {
            Ok(0) => {}
            Ok(n) => log::debug!("swept {n} used OAuth state(s)"),
            Err(err) => log::warn!("sweeping used OAuth states: {err:#}"),
        }
    }

    /// Tells a member something in a direct message from their workspace's bot.
    fn tell(&self, team: &str, user: &UserId, text: &str) {
        match self.tokens().bot_for(team) {
            Some(bot) => {
                if let Err(err) = self.slack().post_message(&bot, user.as_str(), text) {
                    log::warn!("could not tell {user}: {err}");
                }
            }
            None => log::warn!("no bot token for {team} to tell {user}"),
        }
    }

    /// An app worker on `lane`: runs jobs until the queue is closed and nothing is left.
    pub fn work(&self, lane: Lane) {
        self.jobs.started();
        loop {
            if let Some(job) = self.jobs.next(lane, Duration::from_secs(1)) {
                // Never asleep in Slack's pacing of publishes while other work waits.
                if let Job::Publish { team, user } = &job {
                    if let Some(wait) = self.publish_home_unless_spent(team, user) {
                        self.jobs.publish_later(job, wait);
                        continue;
                    }
                } else {
                    self.run_job(job.clone());
                }
                self.jobs.done(&job);
            } else if self.jobs.finished(lane) {
                return;
            } else if lane == Lane::Any {
                // Idle for a second: the chores.
                self.sweep_used_states();
            }
        }
    }

    /// At a stop, the app's jobs nobody got to within the drain: what a member was told
    /// happened is kept (a pause, a wish to disconnect, a removal), and a modal still saying
    /// *Saving…* says it was not saved. Home views and modals to open are let go (the member
    /// opens them again).
    pub fn settle_jobs(&self, left: Vec<Job>) {
        for job in left {
            match job {
                Job::Pause { user, pause, .. } => {
                    if let Err(err) = self.set_paused(&user, pause) {
                        log::error!("{err:#}");
                    }
                }
                Job::Workspace { user, on, .. } => {
                    if let Err(err) = self.set_workspace(&user, on) {
                        log::error!("{err:#}");
                    }
                }
                Job::Forget { user, .. } => {
                    if let Err(err) = crate::members::forget::wish(
                        self.store(),
                        &user,
                        "member",
                        crate::clock::unix_now(),
                    ) {
                        log::error!("{user}'s wish to be forgotten is lost at the stop: {err:#}");
                    }
                }
                Job::Disconnect { team, user } => {
                    if let Err(err) = crate::members::disconnect::wish(
                        self.store(),
                        &team,
                        &user,
                        crate::clock::unix_now(),
                    ) {
                        log::error!("{user}'s wish to disconnect is lost at the stop: {err:#}");
                    }
                }
                Job::Remove { user, emoji, .. } => self.remove_preset(&user, &emoji),
                Job::Save {
                    team,
                    user,
                    view_id,
                    filled,
                } => self.not_saved(&team, &user, &view_id, &filled),
                // What Slack revoked is forgotten, and a member waiting on the connecting page
                // is connected, stop or not.
                job @ (Job::TokensRevoked { .. }
                | Job::AppUninstalled { .. }
                | Job::TeamAccess { .. }
                | Job::Connect { .. }) => self.run_job(job),
                Job::OpenForm { .. }
                | Job::CheckInstallations
                | Job::TryAgain { .. }
                | Job::Publish { .. }
                | Job::Tell { .. }
                | Job::Remind(_)
                | Job::Data { .. } => {}
            }
        }
    }

    fn run_job(&self, job: Job) {
        match job {
            Job::OpenForm {
                team,
                user,
                trigger_id,
                editing,
            } => self.open_form(&team, &user, &trigger_id, editing),
            Job::Save {
                team,
                user,
                view_id,
                filled,
            } => self.save_preset(&team, &user, &view_id, filled),
            Job::Remove { team, user, emoji } => {
                self.remove_preset(&user, &emoji);
                self.publish_home(&team, &user);
            }
            Job::Pause { team, user, pause } => {
                if let Err(err) = self.set_paused(&user, pause) {
                    log::error!("{err:#}");
                }
                if let Some(team) = team {
                    self.publish_home(&team, &user);
                }
            }
            Job::Workspace { team, user, on } => {
                if let Err(err) = self.set_workspace(&user, on) {
                    log::error!("{err:#}");
                }
                if let Some(team) = team {
                    self.publish_home(&team, &user);
                }
            }
            Job::TryAgain { team, user } => {
                match crate::state::unlock(self.store(), &user) {
                    // Their profile is looked at again: the locked fields are written then.
                    Ok(_) => self.pipeline.reread_later(&user),
                    Err(err) => log::warn!("{err:#}"),
                }
                self.publish_home(&team, &user);
            }
            Job::TeamAccess {
                org,
                granted,
                teams,
            } => self.team_access(&org, granted, &teams),
            Job::CheckInstallations => self.check_installations(),
            Job::Publish { team, user } => self.publish_home(&team, &user),
            Job::Disconnect { team, user } => self.store_disconnect(&team, &user),
            Job::Tell { team, user, text } => self.tell(&team, &user, &text),
            Job::Remind(disconnected) => self.tokens().remind(&disconnected),
            Job::Data { team, user } => self.tell_data(&team, &user),
            Job::Forget { team, user } => self.forget_member(&team, &user),
            Job::TokensRevoked { team, users, bots } => {
                lifecycle::tokens_revoked(self.store(), &team, &users, &bots);
                for user in users.iter().filter_map(|u| UserId::parse(u).ok()) {
                    self.pipeline.member_left(&user);
                }
            }
            Job::AppUninstalled { team } => {
                lifecycle::app_uninstalled(self.store(), &team);
                self.learn_installations();
            }
            Job::Connect {
                nonce,
                code,
                client,
                org_install_only,
            } => self.finish_connect(&nonce, &code, client, org_install_only),
        }
    }

    /// An interactivity payload: a button on the Home tab or in a modal, a modal submitted.
    pub fn interaction(&self, payload: &Value) -> (EventOutcome, Answer) {
        match Interaction::from_payload(payload) {
            Interaction::Action(action) => self.home_action(action),
            Interaction::Submission(submission) => self.submitted(submission),
            Interaction::Closed => (EventOutcome::Ignored, Answer::empty(200)),
            Interaction::Other(kind) => {
                log::debug!("acknowledged a {kind} interaction this version does not act on");
                (EventOutcome::Ignored, Answer::empty(200))
            }
        }
    }
}
