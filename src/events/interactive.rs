//! What members send by acting in Slack: slash commands and interactivity (a button clicked, a
//! modal submitted or closed). Over HTTP both come form-encoded to the Request URL (a command's
//! fields, or one `payload` field of JSON); over Socket Mode the same fields come as JSON.
//!
//! Whoever acted is always the signed request's own `user_id` / `user.id`: nothing a member
//! typed into a form ever names who they are.

use serde_json::Value;

use super::ParseError;

/// A slash command (`/statusinator …`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlashCommand {
    pub command: String,
    /// What follows the command.
    pub text: String,
    /// Who typed it: the signed request's own word, never a value of a form they filled.
    pub user_id: String,
    pub team_id: String,
}

impl SlashCommand {
    /// A command from its fields (form fields over HTTP, a JSON object over Socket Mode).
    pub fn from_fields(get: impl Fn(&str) -> Option<String>) -> Option<SlashCommand> {
        let field = |name: &str| get(name).unwrap_or_default();
        Some(SlashCommand {
            command: get("command")?,
            text: field("text"),
            user_id: field("user_id"),
            team_id: super::installation_of(
                get("is_enterprise_install").is_some_and(|v| v == "true"),
                get("enterprise_id").as_deref(),
                get("team_id").as_deref(),
            )
            .unwrap_or_default(),
        })
    }
}

/// A form-encoded request to the Request URL.
#[derive(Debug, Clone, PartialEq)]
pub enum Form {
    Command(SlashCommand),
    /// Interactivity (`payload=`): a button, a modal's submission.
    Interaction(Value),
    /// Slack checking the certificate (`ssl_check=1`; unsigned): answer 200.
    SslCheck,
}

/// Whether a body is form-encoded (interactivity, slash commands) rather than an event's
/// JSON: by its content type, else by its first byte.
pub fn is_form(content_type: Option<&str>, body: &[u8]) -> bool {
    match content_type {
        Some(ct) if ct.starts_with("application/x-www-form-urlencoded") => true,
        Some(ct) if ct.starts_with("application/json") => false,
        _ => body
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b != b'{'),
    }
}

/// Reads a form-encoded body.
pub fn parse_form(body: &[u8]) -> Result<Form, ParseError> {
    let fields: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(body).into_owned().collect();
    if let Some(payload) = fields.get("payload") {
        let value =
            serde_json::from_str(payload).map_err(|e| ParseError(format!("payload: {e}")))?;
        return Ok(Form::Interaction(value));
    }
    if let Some(command) = SlashCommand::from_fields(|name| fields.get(name).cloned()) {
        return Ok(Form::Command(command));
    }
    if fields.get("ssl_check").map(String::as_str) == Some("1") {
        return Ok(Form::SslCheck);
    }
    Err(ParseError(
        "a form that is neither a command nor an interaction".into(),
    ))
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// The installation of an interaction: the organization's for an org-wide install
/// (`enterprise.id`), else the workspace's: `team.id`, else (`team` is null in org-wide
/// installs' payloads) `user.team_id`, else `view.team_id`.
fn team_of(payload: &Value) -> String {
    let team = [
        &payload["team"]["id"],
        &payload["user"]["team_id"],
        &payload["view"]["team_id"],
    ]
    .into_iter()
    .find_map(Value::as_str);
    let enterprise = payload["enterprise"]["id"]
        .as_str()
        .or(payload["enterprise_id"].as_str());
    super::installation_of(
        super::truthy(&payload["is_enterprise_install"]),
        enterprise,
        team,
    )
    .unwrap_or_default()
}

/// A button clicked in a view (`block_actions`): who clicked (the signed payload's `user.id`),
/// the button's `action_id` and `value`, and the `trigger_id` a modal opens with (within 3 s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockAction {
    pub user_id: String,
    pub team_id: String,
    pub action_id: String,
    pub value: String,
    pub trigger_id: String,
}

/// A modal submitted (`view_submission`): who, which view, and what the fields hold.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewSubmission {
    pub user_id: String,
    pub team_id: String,
    pub view_id: String,
    pub callback_id: String,
    /// What the app put in the view when it opened it.
    pub private_metadata: String,
    /// `view.state.values`: `{block_id: {action_id: {type, value | files | …}}}`.
    pub values: Value,
}

/// An interactivity payload statusinator reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Interaction {
    Action(BlockAction),
    Submission(ViewSubmission),
    /// A modal closed with its X or Cancel (`view_closed`).
    Closed,
    /// Any other payload type: acknowledged and ignored.
    Other(String),
}

impl Interaction {
    pub fn from_payload(payload: &Value) -> Interaction {
        match payload["type"].as_str().unwrap_or_default() {
            "block_actions" => {
                let action = &payload["actions"][0];
                Interaction::Action(BlockAction {
                    user_id: text(&payload["user"]["id"]),
                    team_id: team_of(payload),
                    action_id: text(&action["action_id"]),
                    value: text(&action["value"]),
                    trigger_id: text(&payload["trigger_id"]),
                })
            }
            "view_submission" => {
                let view = &payload["view"];
                Interaction::Submission(ViewSubmission {
                    user_id: text(&payload["user"]["id"]),
                    team_id: team_of(payload),
                    view_id: text(&view["id"]),
                    callback_id: text(&view["callback_id"]),
                    private_metadata: text(&view["private_metadata"]),
                    values: view["state"]["values"].clone(),
                })
            }
            "view_closed" => Interaction::Closed,
            other => Interaction::Other(other.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn forms_and_payloads() {
        let body = b"command=%2Fstatusinator&text=list&user_id=U1&team_id=T1&user_name=ana";
        assert_eq!(
            parse_form(body).unwrap(),
            Form::Command(SlashCommand {
                command: "/statusinator".into(),
                text: "list".into(),
                user_id: "U1".into(),
                team_id: "T1".into(),
            })
        );
        assert_eq!(parse_form(b"ssl_check=1&token=x").unwrap(), Form::SslCheck);
        assert!(parse_form(b"payload=%7Bnot").is_err());
        assert!(parse_form(b"hello=1").is_err());

        let submitted = json!({
            "type": "view_submission", "team": null,
            "user": {"id": "U1", "team_id": "T9"},
            "view": {"id": "V1", "callback_id": "preset", "private_metadata": ":x:",
                     "state": {"values": {"emoji": {"emoji": {"type": "plain_text_input",
                                                              "value": ":palm_tree:"}}}}}
        });
        let Interaction::Submission(submission) = Interaction::from_payload(&submitted) else {
            panic!("a submission")
        };
        assert_eq!(submission.team_id, "T9", "an org install has no team");
        assert_eq!(submission.values["emoji"]["emoji"]["value"], ":palm_tree:");
        assert_eq!(
            Interaction::from_payload(&json!({"type": "shortcut"})),
            Interaction::Other("shortcut".into())
        );
    }
}
