//! One inbox for everything Slack sends, whichever way it came (the Request URL over HTTP, or
//! Socket Mode): the transport checks where a request came from and reads it once into an
//! [`Inbound`]; the inbox drops redeliveries of events already answered and hands each request
//! to its part: statuses to the status pipeline, clicks, submissions, commands and lifecycle
//! events to the app. Every part answers from memory; its answer is the HTTP response, or the
//! Socket Mode acknowledgement's payload.
//!
//! Written by the threads that answer Slack (the HTTP runtime's, `socket-N`): the dedupe memory
//! and the count of bad signatures, each under its own lock or atomic.

mod request_url;

use std::num::NonZeroUsize;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::Value;

use crate::events::{Envelope, SlashCommand, Verifier};
use crate::secret::SecretString;
use crate::serve::answer::Answer;
use crate::serve::app::{App, Job};
use crate::serve::metrics::{EventOutcome, Metrics};
use crate::serve::pipeline::Pipeline;

pub use request_url::EventRequest;

/// Event IDs remembered to process a redelivery once (Slack redelivers within minutes).
const SEEN_EVENTS: usize = 50_000;

/// What Slack sent, once the transport trusts it.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// An Events API envelope; `retry`: Slack's redelivery.
    Event {
        envelope: Envelope,
        retry: bool,
    },
    /// Interactivity: a button, a modal submitted or closed.
    Interaction(Value),
    Command(SlashCommand),
}

/// The inbox.
#[derive(Debug)]
pub struct Inbox {
    /// Checks requests to the Request URL; `None` (Socket Mode only): it refuses them all.
    verifier: Option<Verifier>,
    pipeline: Arc<Pipeline>,
    app: Arc<App>,
    metrics: Arc<Metrics>,
    /// `team:event_id` of events answered 200.
    seen: Mutex<lru::LruCache<String, ()>>,
    bad_signatures: AtomicU64,
}

/// Where a request came in: the Request URL, or a Socket Mode envelope of this kind
/// (`events_api`, `interactive`, `slash_commands`, `other`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    RequestUrl,
    Socket(&'static str),
}

impl Inbox {
    pub fn new(
        signing_secret: Option<&SecretString>,
        pipeline: Arc<Pipeline>,
        app: Arc<App>,
        metrics: Arc<Metrics>,
    ) -> Inbox {
        Inbox {
            verifier: signing_secret.map(Verifier::new),
            pipeline,
            app,
            metrics,
            seen: Mutex::new(lru::LruCache::new(
                NonZeroUsize::new(SEEN_EVENTS).expect("non-zero"),
            )),
            bad_signatures: AtomicU64::new(0),
        }
    }

    /// Records how a request came out and how long its answer took (from the request read to
    /// the answer ready): one place for both transports.
    pub fn record(&self, via: Via, outcome: EventOutcome, started: Instant) {
        self.metrics.event(outcome);
        if let Via::Socket(kind) = via {
            self.metrics.envelope(kind, outcome);
        }
        self.metrics.ack(started.elapsed());
    }

    /// Hands a request to its part; never waits on Slack or the store.
    pub fn dispatch(&self, inbound: Inbound) -> (EventOutcome, Answer) {
        let (envelope, retry) = match inbound {
            Inbound::Command(command) => return self.app.command(command),
            Inbound::Interaction(payload) => return self.app.interaction(&payload),
            Inbound::Event { envelope, retry } => (envelope, retry),
        };
        match envelope {
            Envelope::UrlVerification { challenge } => {
                log::info!("answered Slack's url_verification: the Request URL works");
                (
                    EventOutcome::UrlVerification,
                    Answer::json(200, &serde_json::json!({ "challenge": challenge })),
                )
            }
            Envelope::Other { kind } => {
                log::debug!("ignored a {kind} request");
                (EventOutcome::Ignored, Answer::empty(200))
            }
            Envelope::User(event) => {
                let key = format!("{}:{}", event.team_id, event.event_id);
                if self.seen.lock().expect("seen lock").contains(&key) {
                    log::debug!("event {} already handled", event.event_id);
                    return (EventOutcome::Duplicate, Answer::empty(200));
                }
                let (outcome, answer) = self.pipeline.take_event(*event, retry);
                // A 503 asks for the event again: it is not handled yet.
                if answer.status == 200 {
                    self.seen.lock().expect("seen lock").put(key, ());
                }
                (outcome, answer)
            }
            Envelope::TokensRevoked {
                team_id,
                users,
                bots,
            } => {
                // Store work: an app job, off the ack path.
                self.app.jobs().push(Job::TokensRevoked {
                    team: team_id,
                    users,
                    bots,
                });
                (EventOutcome::Lifecycle, Answer::empty(200))
            }
            Envelope::HomeOpened {
                team_id,
                user,
                workspace,
            } => self.app.home_opened(team_id, &user, workspace),
            Envelope::AppUninstalled { team_id } => {
                self.app.jobs().push(Job::AppUninstalled { team: team_id });
                (EventOutcome::Lifecycle, Answer::empty(200))
            }
            Envelope::TeamAccess {
                team_id,
                granted,
                teams,
            } => {
                self.app.jobs().push(Job::TeamAccess {
                    org: team_id,
                    granted,
                    teams,
                });
                (EventOutcome::Lifecycle, Answer::empty(200))
            }
        }
    }
}
