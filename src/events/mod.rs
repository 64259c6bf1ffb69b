//! Slack's Events API requests: the signature check on the raw body ([`signature`]) and the
//! envelope. The envelope is read without building the whole user object: only what
//! statusinator acts on.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::slack::null_as_default;

mod interactive;
mod signature;
pub use interactive::{
    is_form, parse_form, BlockAction, Form, Interaction, SlashCommand, ViewSubmission,
};
pub use signature::{
    SignatureError, Verifier, MAX_SKEW_SECONDS, NO_RETRY_HEADER, RETRY_NUM_HEADER,
    SIGNATURE_HEADER, TIMESTAMP_HEADER,
};

/// Which user event it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserEventKind {
    UserChange,
    UserStatusChanged,
}

/// A `user_change` or `user_status_changed` event: who, and their profile as Slack sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEvent {
    pub kind: UserEventKind,
    pub event_id: String,
    pub team_id: String,
    pub user: String,
    pub deleted: bool,
    pub is_bot: bool,
    /// `""` when the status is cleared.
    pub status_emoji: String,
    /// The member's profile as the event carries it.
    pub profile: crate::slack::Profile,
}

/// What a request to the Events URL is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Envelope {
    /// Slack checking the Request URL: answer with the challenge.
    UrlVerification { challenge: String },
    /// A user event statusinator acts on.
    User(Box<UserEvent>),
    /// Members' tokens (`oauth`: user tokens; `bot`: the bot's) revoked in a workspace.
    TokensRevoked {
        team_id: String,
        users: Vec<String>,
        bots: Vec<String>,
    },
    /// The app was uninstalled from a workspace.
    AppUninstalled { team_id: String },
    /// A member opened the app's Home tab.
    HomeOpened { team_id: String, user: String },
    /// Anything else (another event type, `app_rate_limited`): acknowledged and ignored.
    Other { kind: String },
}

/// Why a body is not an envelope statusinator can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a Slack event envelope: {0}")]
pub struct ParseError(String);

impl ParseError {
    pub(crate) fn new(what: impl Into<String>) -> ParseError {
        ParseError(what.into())
    }
}

#[derive(Deserialize)]
struct Outer<'a> {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    challenge: Option<String>,
    #[serde(default)]
    event_id: Option<String>,
    #[serde(default)]
    team_id: Option<String>,
    #[serde(borrow, default)]
    event: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct InnerKind {
    #[serde(rename = "type", default)]
    kind: String,
}

#[derive(Deserialize)]
struct Inner {
    user: EventUser,
}

#[derive(Deserialize)]
struct EventUser {
    id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    team_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    deleted: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    is_bot: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    profile: crate::slack::Profile,
}

/// `tokens_revoked`: `{"tokens": {"oauth": [user IDs], "bot": [user IDs]}}`.
fn tokens_revoked(raw: &str, team_id: Option<String>) -> Result<Envelope, ParseError> {
    #[derive(Deserialize)]
    struct Revoked {
        #[serde(default, deserialize_with = "null_as_default")]
        tokens: Lists,
    }
    #[derive(Deserialize, Default)]
    struct Lists {
        #[serde(default, deserialize_with = "null_as_default")]
        oauth: Vec<String>,
        #[serde(default, deserialize_with = "null_as_default")]
        bot: Vec<String>,
    }
    let revoked: Revoked =
        serde_json::from_str(raw).map_err(|e| ParseError(format!("tokens_revoked: {e}")))?;
    Ok(Envelope::TokensRevoked {
        team_id: team_id
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ParseError("tokens_revoked without a team_id".into()))?,
        users: revoked.tokens.oauth,
        bots: revoked.tokens.bot,
    })
}

/// `app_home_opened`: `{"user": "U…", "tab": "home"|"messages", …}`; the Messages tab is
/// not statusinator's business.
fn home_opened(raw: &str, team_id: Option<String>) -> Result<Envelope, ParseError> {
    #[derive(Deserialize)]
    struct Opened {
        #[serde(default, deserialize_with = "null_as_default")]
        user: String,
        #[serde(default, deserialize_with = "null_as_default")]
        tab: Option<String>,
    }
    let opened: Opened =
        serde_json::from_str(raw).map_err(|e| ParseError(format!("app_home_opened: {e}")))?;
    if opened.tab.as_deref().is_some_and(|tab| tab != "home") {
        return Ok(Envelope::Other {
            kind: "app_home_opened (messages tab)".into(),
        });
    }
    Ok(Envelope::HomeOpened {
        team_id: team_id.unwrap_or_default(),
        user: opened.user,
    })
}

/// Reads one event (an `event_callback`'s `event`, or an event delivered alone), with the
/// event ID and team its envelope gave.
pub fn parse_event(
    raw: &str,
    event_id: Option<String>,
    team_id: Option<String>,
) -> Result<Envelope, ParseError> {
    let inner: InnerKind =
        serde_json::from_str(raw).map_err(|e| ParseError(format!("event: {e}")))?;
    let kind = match inner.kind.as_str() {
        "user_change" => UserEventKind::UserChange,
        "user_status_changed" => UserEventKind::UserStatusChanged,
        "tokens_revoked" => return tokens_revoked(raw, team_id),
        "app_uninstalled" => {
            return Ok(Envelope::AppUninstalled {
                team_id: team_id
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| ParseError("app_uninstalled without a team_id".into()))?,
            })
        }
        "app_home_opened" => return home_opened(raw, team_id),
        _ => return Ok(Envelope::Other { kind: inner.kind }),
    };
    let event_id = event_id
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ParseError("event_callback without an event_id".into()))?;
    let Inner { user } =
        serde_json::from_str(raw).map_err(|e| ParseError(format!("{}: {e}", inner.kind)))?;
    let team_id = team_id.or(user.team_id).unwrap_or_default();
    Ok(Envelope::User(Box::new(UserEvent {
        kind,
        event_id,
        team_id,
        user: user.id,
        deleted: user.deleted,
        is_bot: user.is_bot,
        status_emoji: user.profile.status_emoji.clone(),
        profile: user.profile,
    })))
}

/// Reads a request body (after its signature was checked).
pub fn parse(body: &[u8]) -> Result<Envelope, ParseError> {
    let outer: Outer<'_> = serde_json::from_slice(body).map_err(|e| ParseError(format!("{e}")))?;
    match outer.kind.as_str() {
        "url_verification" => {
            let challenge = outer
                .challenge
                .ok_or_else(|| ParseError("url_verification without a challenge".into()))?;
            Ok(Envelope::UrlVerification { challenge })
        }
        "event_callback" => {
            let raw = outer
                .event
                .ok_or_else(|| ParseError("event_callback without an event".into()))?;
            parse_event(raw.get(), outer.event_id, outer.team_id)
        }
        _ => Ok(Envelope::Other { kind: outer.kind }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes() {
        assert_eq!(
            parse(br#"{"token":"t","challenge":"abc","type":"url_verification"}"#).unwrap(),
            Envelope::UrlVerification {
                challenge: "abc".into()
            }
        );
        let body = br#"{"type":"event_callback","team_id":"T1","event_id":"Ev1",
            "event":{"type":"user_change","event_ts":"1.2","cache_ts":1,
              "user":{"id":"U1","team_id":"T1","deleted":false,"is_bot":false,"updated":5,
                "profile":{"status_emoji":":palm_tree:","status_text":"away",
                  "display_name":"Ana","image_512":"https://x/y.png","fields":null}}}}"#;
        assert_eq!(
            parse(body).unwrap(),
            Envelope::User(Box::new(UserEvent {
                kind: UserEventKind::UserChange,
                event_id: "Ev1".into(),
                team_id: "T1".into(),
                user: "U1".into(),
                deleted: false,
                is_bot: false,
                status_emoji: ":palm_tree:".into(),
                profile: crate::slack::Profile {
                    status_emoji: ":palm_tree:".into(),
                    status_text: "away".into(),
                    display_name: "Ana".into(),
                    image_512: Some("https://x/y.png".into()),
                    ..Default::default()
                },
            }))
        );
        let status = br#"{"type":"event_callback","event_id":"Ev2",
            "event":{"type":"user_status_changed","user":{"id":"U2","profile":{"status_emoji":null}}}}"#;
        let Envelope::User(event) = parse(status).unwrap() else {
            panic!()
        };
        assert_eq!(event.kind, UserEventKind::UserStatusChanged);
        assert_eq!(event.status_emoji, "");
        assert_eq!(
            parse(br#"{"type":"event_callback","event_id":"E","event":{"type":"message","user":"U1"}}"#)
                .unwrap(),
            Envelope::Other {
                kind: "message".into()
            }
        );
        assert_eq!(
            parse(br#"{"type":"app_rate_limited","minute_rate_limited":1}"#).unwrap(),
            Envelope::Other {
                kind: "app_rate_limited".into()
            }
        );
        for bad in [
            &b"not json"[..],
            br#"{"type":"url_verification"}"#,
            br#"{"type":"event_callback"}"#,
            br#"{"type":"event_callback","event_id":"E","event":{"type":"user_change"}}"#,
            br#"{"type":"event_callback","event":{"type":"user_change","user":{"id":"U1"}}}"#,
            br#"[1,2]"#,
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
