//! One inbox for everything Slack sends, whichever way it came (the Request URL over HTTP, or
//! Socket Mode): events, interactions and slash commands are handed to their handlers here,
//! after the transport checked where they came from. Every handler answers from memory; its
//! answer is the HTTP response, or the Socket Mode acknowledgement's payload.

use serde_json::Value;

use super::metrics::EventOutcome;
use super::{Answer, Service};
use crate::events::{Envelope, SlashCommand};

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

impl Service {
    /// Hands a request to its handler; never waits on Slack or the store.
    pub(super) fn dispatch(&self, inbound: Inbound) -> (EventOutcome, Answer) {
        let (envelope, retry) = match inbound {
            Inbound::Command(command) => return self.command(command),
            Inbound::Interaction(payload) => return self.interaction(&payload),
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
            Envelope::User(event) => self.user_event(*event, retry),
            Envelope::TokensRevoked {
                team_id,
                users,
                bots,
            } => {
                // Store work: an app job, off the ack path.
                self.jobs.push(super::app::Job::TokensRevoked {
                    team: team_id,
                    users,
                    bots,
                });
                (EventOutcome::Lifecycle, Answer::empty(200))
            }
            Envelope::HomeOpened { team_id, user } => self.home_opened(team_id, &user),
            Envelope::AppUninstalled { team_id } => {
                self.jobs
                    .push(super::app::Job::AppUninstalled { team: team_id });
                (EventOutcome::Lifecycle, Answer::empty(200))
            }
        }
    }
}
