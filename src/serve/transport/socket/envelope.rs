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

/// A Socket Mode message, its payload left unparsed (an event's is read once, by the same
/// reader as an HTTP body).
#[derive(serde::Deserialize)]
struct Incoming<'a> {
    #[serde(rename = "type", default)]
    kind: &'a str,
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
    kind: &str,
    envelope_id: &str,
    payload: &str,
    retry: bool,
) -> Result<Inbound, events::ParseError> {
    let json = |payload: &str| {
        serde_json::from_str::<Value>(payload)
            .map_err(|err| events::ParseError::new(format!("payload: {err}")))
    };
    match kind {
        "events_api" => {
            let envelope = match events::parse(payload.as_bytes()) {
                Ok(events::Envelope::Other { .. }) | Err(_) => {
                    // Some deliveries carry the inner event alone.
                    let event = json(payload)?;
                    let body = json!({"type": "event_callback", "event_id": envelope_id,
                                      "team_id": event["team"], "event": event});
                    events::parse(body.to_string().as_bytes())?
                }
                Ok(envelope) => envelope,
            };
            Ok(Inbound::Event { envelope, retry })
        }
        "interactive" => Ok(Inbound::Interaction(json(payload)?)),
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
    if kind == "disconnect" {
        return Heard::Disconnect(message.reason.unwrap_or_default().to_owned());
    }
    let Some(envelope_id) = message.envelope_id else {
        log::debug!("Socket Mode: a {kind} message");
        return Heard::Nothing;
    };
    let label = match kind {
        "events_api" => "events_api",
        "interactive" => "interactive",
        "slash_commands" => "slash_commands",
        _ => {
            log::debug!("Socket Mode: acknowledged a {kind} envelope this version ignores");
            inbox.record(Via::Socket("other"), EventOutcome::Ignored, started);
            return Heard::Ack(json!({ "envelope_id": envelope_id }).to_string());
        }
    };
    let payload = message.payload.map_or("null", |p| p.get());
    let retry = message.retry_attempt.unwrap_or(0) > 0;
    let (outcome, answer) = match inbound(kind, envelope_id, payload, retry) {
        Ok(inbound) => inbox.dispatch(inbound),
        Err(err) => {
            log::warn!("Socket Mode: a {kind} envelope was not understood: {err}");
            (EventOutcome::Malformed, Answer::empty(400))
        }
    };
    inbox.record(Via::Socket(label), outcome, started);
    // Busy: Slack delivers an unacknowledged event again.
    if answer.status == 503 && !answer.no_retry && kind == "events_api" {
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
