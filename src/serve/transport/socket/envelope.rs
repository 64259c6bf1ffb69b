//! Socket Mode's messages: an envelope read once into the inbox's kind of request, handed to
//! the inbox, and the acknowledgement (with the handler's answer as payload where Slack takes
//! one) to send back.

use std::time::Instant;

use serde_json::{json, Value};

use crate::events::{self, SlashCommand};
use crate::serve::answer::Answer;
use crate::serve::inbox::{Inbound, Inbox, Via};
use crate::serve::metrics::EventOutcome;

/// What to do with one message from Slack.
pub(super) enum Heard {
    Nothing,
    Ack(String),
    Disconnect(String),
}

/// What a Socket Mode message is, by its `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Hello,
    Disconnect,
    EventsApi,
    Interactive,
    SlashCommands,
    /// A type this version does not know (or none): acknowledged and ignored.
    #[serde(other)]
    #[default]
    Other,
}

impl Kind {
    /// Its name in the metrics.
    fn label(self) -> &'static str {
        match self {
            Kind::EventsApi => "events_api",
            Kind::Interactive => "interactive",
            Kind::SlashCommands => "slash_commands",
            Kind::Hello | Kind::Disconnect | Kind::Other => "other",
        }
    }
}

/// A Socket Mode message, its payload left unparsed (an event's is read once, by the same
/// reader as an HTTP body).
#[derive(serde::Deserialize)]
struct Incoming<'a> {
    #[serde(rename = "type", default)]
    kind: Kind,
    #[serde(default)]
    envelope_id: Option<&'a str>,
    #[serde(default)]
    reason: Option<&'a str>,
    #[serde(borrow, default)]
    payload: Option<&'a serde_json::value::RawValue>,
    #[serde(default)]
    accepts_response_payload: bool,
    #[serde(default)]
    retry_attempt: Option<u64>,
}

/// The inbox's kind of message for an envelope's payload.
fn inbound(
    kind: Kind,
    envelope_id: &str,
    payload: &str,
    retry: bool,
) -> Result<Inbound, events::ParseError> {
    let json = |payload: &str| {
        serde_json::from_str::<Value>(payload)
            .map_err(|err| events::ParseError::new(format!("payload: {err}")))
    };
    match kind {
        Kind::EventsApi => {
            let envelope = match events::parse(payload.as_bytes()) {
                // Some deliveries carry the inner event alone: read as it is, with the
                // envelope's ID for the event's.
                Ok(events::Envelope::Other { .. }) | Err(_) => {
                    #[derive(serde::Deserialize)]
                    struct Team {
                        #[serde(default)]
                        team: Option<String>,
                    }
                    let team = serde_json::from_str::<Team>(payload)
                        .ok()
                        .and_then(|t| t.team);
                    events::parse_event(payload, Some(envelope_id.to_owned()), team)?
                }
                Ok(envelope) => envelope,
            };
            Ok(Inbound::Event { envelope, retry })
        }
        Kind::Interactive => Ok(Inbound::Interaction(json(payload)?)),
        _ => {
            let fields = json(payload)?;
            SlashCommand::from_fields(|name| fields[name].as_str().map(str::to_owned))
                .map(Inbound::Command)
                .ok_or_else(|| events::ParseError::new("a slash command without its command"))
        }
    }
}

/// What Slack sent, handed to the inbox; the acknowledgement to send, if any.
pub(super) fn hear(inbox: &Inbox, text: &str) -> Heard {
    let started = Instant::now();
    let Ok(message) = serde_json::from_str::<Incoming<'_>>(text) else {
        log::warn!("Socket Mode: a message that is not JSON");
        return Heard::Nothing;
    };
    let kind = message.kind;
    if kind == Kind::Disconnect {
        return Heard::Disconnect(message.reason.unwrap_or_default().to_owned());
    }
    let Some(envelope_id) = message.envelope_id else {
        log::debug!("Socket Mode: a {kind:?} message");
        return Heard::Nothing;
    };
    if matches!(kind, Kind::Hello | Kind::Other) {
        log::debug!("Socket Mode: acknowledged an envelope this version ignores");
        inbox.record(Via::Socket(kind.label()), EventOutcome::Ignored, started);
        return Heard::Ack(json!({ "envelope_id": envelope_id }).to_string());
    }
    let payload = message.payload.map_or("null", |p| p.get());
    let retry = message.retry_attempt.unwrap_or(0) > 0;
    let (outcome, answer) = match inbound(kind, envelope_id, payload, retry) {
        Ok(inbound) => inbox.dispatch(inbound),
        Err(err) => {
            log::warn!(
                "Socket Mode: a {} envelope was not understood: {err}",
                kind.label()
            );
            (EventOutcome::Malformed, Answer::empty(400))
        }
    };
    inbox.record(Via::Socket(kind.label()), outcome, started);
    // Busy: Slack delivers an unacknowledged event again.
    if answer.status == 503 && !answer.no_retry && kind == Kind::EventsApi {
        return Heard::Nothing;
    }
    let mut ack = json!({ "envelope_id": envelope_id });
    if message.accepts_response_payload
        && answer.status == 200
        && answer.content_type == "application/json"
    {
        if let Ok(payload) = serde_json::from_slice::<Value>(&answer.body) {
            ack["payload"] = payload;
        }
    }
    Heard::Ack(ack.to_string())
}
