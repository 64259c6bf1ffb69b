//! The Request URL: Slack's signed HTTP requests (events as JSON; interactivity and slash
//! commands form-encoded) are checked and read once here, then handed to the inbox.

use std::sync::atomic::Ordering;

use std::time::Instant;

use super::{Inbound, Inbox, Via};
use crate::events::{self, SignatureError};
use crate::serve::answer::Answer;
use crate::serve::metrics::EventOutcome;

/// A request to the Events URL, as the HTTP side hands it over.
#[derive(Debug, Clone, Copy)]
pub struct EventRequest<'a> {
    /// `Content-Type`: events are JSON, interactivity and commands form-encoded.
    pub content_type: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
    /// `X-Slack-Retry-Num` was present.
    pub retry: bool,
    pub body: &'a [u8],
}

impl Inbox {
    /// Handles a request to the Events URL, read at `started`; never waits on Slack or the
    /// store.
    pub fn event(&self, request: EventRequest<'_>, now: u64, started: Instant) -> Answer {
        let (outcome, answer) = self.event_outcome(request, now);
        self.record(Via::RequestUrl, outcome, started);
        answer
    }

    fn event_outcome(&self, request: EventRequest<'_>, now: u64) -> (EventOutcome, Answer) {
        // Read once: an unsigned certificate check is told apart before the signature check.
        let form = events::is_form(request.content_type, request.body)
            .then(|| events::parse_form(request.body));
        if form == Some(Ok(events::Form::SslCheck)) {
            // Slack's certificate check is the one request it does not sign; it asks nothing.
            return (EventOutcome::Ignored, Answer::empty(200));
        }
        let Some(verifier) = &self.verifier else {
            return (
                EventOutcome::BadSignature,
                Answer::text(
                    401,
                    "this serve takes Slack's requests over Socket Mode and has no signing \
                     secret to check this one: set SLACK_SIGNING_SECRET to take them here too",
                ),
            );
        };
        if let Err(err) = verifier.verify(request.timestamp, request.signature, request.body, now) {
            self.log_bad_signature(err);
            return (
                EventOutcome::BadSignature,
                Answer::text(401, format!("invalid request signature: {err}")),
            );
        }
        let inbound = if let Some(form) = form {
            match form {
                Ok(events::Form::Command(command)) => Inbound::Command(command),
                Ok(events::Form::Interaction(payload)) => Inbound::Interaction(payload),
                Ok(events::Form::SslCheck) => return (EventOutcome::Ignored, Answer::empty(200)),
                Err(err) => {
                    log::warn!("a signed form to the Request URL was not understood: {err}");
                    return (EventOutcome::Malformed, Answer::text(400, err.to_string()));
                }
            }
        } else {
            match events::parse(request.body) {
                Ok(envelope) => Inbound::Event {
                    envelope,
                    retry: request.retry,
                },
                Err(err) => {
                    log::warn!("a signed request to the Events URL was not understood: {err}");
                    let text = crate::redact::secrets(&err.to_string()).into_owned();
                    return (EventOutcome::Malformed, Answer::text(400, text));
                }
            }
        };
        self.dispatch(inbound)
    }

    fn log_bad_signature(&self, err: SignatureError) {
        // The first, then one in a hundred: a scan cannot flood the log.
        let n = self.bad_signatures.fetch_add(1, Ordering::Relaxed) + 1;
        if n == 1 {
            log::warn!("refused a request to the Events URL: {err}");
        } else if n.is_multiple_of(100) {
            log::warn!("refused {n} requests to the Events URL so far; the latest: {err}");
        }
    }
}
