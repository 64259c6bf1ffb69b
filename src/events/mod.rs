//! Slack's Events API requests: the signature check on the raw body ([`signature`]) and the
//! envelope. The envelope is read without building the whole user object: only what
//! statusinator acts on.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

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
    /// A member opened the app's Home tab (`team_id`: the installation; `workspace`: the
    /// workspace they opened it in, when the envelope says).
    HomeOpened {
        team_id: String,
        user: String,
        workspace: Option<String>,
    },
    /// An organization granted (`team_access_granted`) or took back (`team_access_revoked`)
    /// an org-wide install's access to some of its workspaces.
    TeamAccess {
        /// The installation (the organization).
        team_id: String,
        granted: bool,
        teams: Vec<String>,
    },
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
    #[serde(default)]
    enterprise_id: Option<String>,
    /// An org-wide install's events name it here (truncated to one by Slack).
    #[serde(default)]
    authorizations: Vec<Value>,
    #[serde(default)]
    is_enterprise_install: Value,
    #[serde(borrow, default)]
    event: Option<&'a RawValue>,
}

/// Whether Slack said yes: `true`, or the string `"true"` (as slash commands send it).
pub(crate) fn truthy(value: &Value) -> bool {
    value == &Value::Bool(true) || value.as_str() == Some("true")
}

/// Which installation a payload is for: the organization's (`E…`) when it comes from an
/// org-wide install, else the workspace's (`T…`). Everything an installation owns (its bot,
/// its members' connections, its pacing lanes) is keyed by this.
pub fn installation_of(
    enterprise_install: bool,
    enterprise_id: Option<&str>,
    team_id: Option<&str>,
) -> Option<String> {
    let enterprise = enterprise_id.filter(|e| !e.is_empty());
    let team = team_id.filter(|t| !t.is_empty());
    match (enterprise_install, enterprise) {
        (true, Some(enterprise)) => Some(enterprise.to_owned()),
        _ => team.or(enterprise).map(str::to_owned),
    }
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
        workspace: None,
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
        "team_access_granted" | "team_access_revoked" => {
            #[derive(Deserialize)]
            struct Access {
                #[serde(default, deserialize_with = "null_as_default")]
                team_ids: Vec<String>,
            }
            let access: Access = serde_json::from_str(raw)
                .map_err(|e| ParseError(format!("{}: {e}", inner.kind)))?;
            return Ok(Envelope::TeamAccess {
                team_id: team_id.unwrap_or_default(),
                granted: inner.kind == "team_access_granted",
                teams: access.team_ids,
            });
        }
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
            // Bolt's order: `authorizations[0]` first, then the top-level fields.
            let first = outer.authorizations.first();
            let field = |name: &str| first.and_then(|a| a[name].as_str());
            let enterprise_install = first.map_or_else(
                || truthy(&outer.is_enterprise_install),
                |a| truthy(&a["is_enterprise_install"]),
            );
            let installation = installation_of(
                enterprise_install,
                field("enterprise_id").or(outer.enterprise_id.as_deref()),
                outer.team_id.as_deref().or(field("team_id")),
            );
            let workspace = outer
                .team_id
                .clone()
                .or(field("team_id").map(str::to_owned));
            let mut envelope = parse_event(raw.get(), outer.event_id, installation)?;
            if let Envelope::HomeOpened { workspace: at, .. } = &mut envelope {
                *at = workspace.filter(|w| !w.is_empty());
            }
            Ok(envelope)
        }
        _ => Ok(Envelope::Other { kind: outer.kind }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_org_wide_install_is_read_from_authorizations_and_a_workspace_install_in_an_org_is_not() {
        let event = |extra: &str| {
            format!(
                r#"{{"type":"event_callback","team_id":"T0A","event_id":"Ev1",{extra}
                "event":{{"type":"app_home_opened","user":"W0ANA0001","tab":"home"}}}}"#
            )
        };
        let team = |body: String| match parse(body.as_bytes()).unwrap() {
            Envelope::HomeOpened { team_id, user, .. } => {
                assert_eq!(user, "W0ANA0001");
                team_id
            }
            other => panic!("{other:?}"),
        };
        let org = r#""authorizations":[{"enterprise_id":"E0ORG","team_id":"T0A","user_id":"W0BOT","is_bot":true,"is_enterprise_install":true}],"#;
        assert_eq!(team(event(org)), "E0ORG");
        // Slack's string for yes.
        assert_eq!(team(event(&org.replace("true}", "\"true\"}"))), "E0ORG");
        // A workspace install in an org: the workspace's.
        let workspace = r#""enterprise_id":"E0ORG","authorizations":[{"enterprise_id":"E0ORG","team_id":"T0A","is_enterprise_install":false}],"#;
        assert_eq!(team(event(workspace)), "T0A");
        assert_eq!(team(event("")), "T0A");
        // A slash command and an interaction from an org-wide install (`team` null).
        let command = SlashCommand::from_fields(|name| {
            match name {
                "command" => Some("/statusinator"),
                "team_id" => Some("T0B"),
                "enterprise_id" => Some("E0ORG"),
                "is_enterprise_install" => Some("true"),
                _ => None,
            }
            .map(str::to_owned)
        })
        .unwrap();
        assert_eq!(command.team_id, "E0ORG");
        let click = serde_json::json!({"type": "block_actions", "team": null,
            "is_enterprise_install": true, "enterprise": {"id": "E0ORG"},
            "user": {"id": "W0ANA0001", "team_id": "T0B"}, "trigger_id": "1.2",
            "actions": [{"action_id": "pause", "value": "pause"}]});
        let Interaction::Action(action) = Interaction::from_payload(&click) else {
            panic!("a click");
        };
        assert_eq!(action.team_id, "E0ORG");
        let mut workspace_click = click.clone();
        workspace_click["is_enterprise_install"] = false.into();
        let Interaction::Action(action) = Interaction::from_payload(&workspace_click) else {
            panic!("a click");
        };
        assert_eq!(
            action.team_id, "T0B",
            "the member's workspace when team is null"
        );
    }

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
