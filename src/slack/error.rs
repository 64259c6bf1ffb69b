//! Slack errors, sorted by what the caller should do: retrying cannot fix an API error, so it
//! carries advice for a person; transient failures are retried inside the client and surface only
//! when the attempts run out.

use std::fmt;

/// A Slack call that failed for good.
#[derive(Debug)]
pub enum SlackError {
    /// Slack answered `ok: false` with a code that retrying cannot fix.
    Api {
        method: &'static str,
        /// Slack's error code (`token_revoked`, `not_allowed_token_type`, …).
        code: String,
        /// Which token was used (never the token itself).
        token: String,
        /// For `missing_scope`: the scope Slack says is needed.
        needed: Option<String>,
    },
    /// Slack kept failing (5xx, network, rate limits) until the attempts ran out.
    Unavailable {
        method: &'static str,
        attempts: u32,
        last: String,
    },
    /// Slack's answer made no sense (not JSON, or missing fields).
    Protocol {
        method: &'static str,
        detail: String,
    },
}

impl SlackError {
    /// Slack's error code, for an API error.
    pub fn code(&self) -> Option<&str> {
        match self {
            SlackError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// For a refused write of a member's name or photo: Slack's code when it means the field is
    /// locked for them (an organization's admin rule). Slack documents no code for a locked
    /// field, so any refusal for good counts (`permission_denied`, `access_denied`,
    /// `no_permission`, `profile_set_failed`, `partial_profile_set_failed`, codes not known
    /// yet), except a dead token, the app's own setup (a scope, a token of the wrong kind) and
    /// a value Slack would take in another form (a picture or a name it refuses as such).
    pub fn locks_field(&self) -> Option<&str> {
        let code = self.code()?;
        let setup_or_value = matches!(
            code,
            "missing_scope"
                | "not_allowed_token_type"
                | "no_such_method"
                | "bad_image"
                | "too_large"
                | "too_many_frames"
                | "invalid_profile"
                | "too_long"
                | "name_not_allowed"
                | "reserved_name"
                | "invalid_name"
        );
        (self.fix() == Fix::Setup && !setup_or_value).then_some(code)
    }

    /// What to do about it: the one answer every caller takes, instead of code lists of their
    /// own.
    pub fn fix(&self) -> Fix {
        match self {
            SlackError::Unavailable { last, .. } if last.contains("rate-limited") => Fix::Wait,
            SlackError::Unavailable { .. } | SlackError::Protocol { .. } => Fix::Retry,
            SlackError::Api { code, .. } => match code.as_str() {
                "invalid_auth"
                | "not_authed"
                | "token_revoked"
                | "token_expired"
                | "invalid_refresh_token"
                | "account_inactive" => Fix::TokenDead,
                _ => Fix::Setup,
            },
        }
    }
}

/// What a failed Slack call asks of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fix {
    /// Slack or the network failed (or answered nonsense) until the attempts ran out: try again
    /// later.
    Retry,
    /// Slack kept saying "too many": try again once its limits allow.
    Wait,
    /// The token will never work again (revoked, invalid, expired, its account deactivated):
    /// the member or the app must authorize again.
    TokenDead,
    /// Something in the setup or the input must change (a scope, a token of the wrong kind, a
    /// picture or a name Slack refuses, …): trying again does the same.
    Setup,
}

/// Codes on an `ok: false` answer that a later try can fix.
pub(crate) fn is_transient(code: &str) -> bool {
    matches!(
        code,
        "internal_error" | "fatal_error" | "service_unavailable" | "request_timeout"
    )
}

/// What a person should do about an API error code.
fn advice(code: &str, token: &str, needed: Option<&str>) -> String {
    let reinstall = "have the member authorize the app again and put their new user token \
                     (xoxp-…) in the tokens file";
    match code {
        "invalid_auth" | "not_authed" => {
            format!("{token} is not a valid token: {reinstall}")
        }
        "token_revoked" | "token_expired" => format!("{token} was revoked or expired: {reinstall}"),
        "account_inactive" => format!(
            "{token} belongs to a deactivated account: remove the member's presets or give a \
             token of an active member"
        ),
        "not_allowed_token_type" => format!(
            "{token} is the wrong kind of token for this method: profile changes need the \
             member's own user token (xoxp-…) with the users.profile:write scope, not a bot \
             token (xoxb-…)"
        ),
        "missing_scope" => format!(
            "{token} lacks the scope {}: add the user scopes users.profile:read and \
             users.profile:write to the app and have the member authorize it again",
            needed.unwrap_or("this method needs")
        ),
        "not_admin" | "cannot_update_admin_user" | "permission_denied" | "no_permission" => {
            format!("{token} may not change this profile: use the member's own user token (xoxp-…)")
        }
        "is_bot" | "user_is_bot" | "not_app_admin" => {
            "the member is a bot; bots cannot have presets: remove them from the presets".to_owned()
        }
        "user_not_found" => {
            "Slack does not know this member: check the member ID in the presets".to_owned()
        }
        "bad_image" => "Slack refused the picture: onboard a PNG, JPEG or GIF again".to_owned(),
        "too_large" => {
            "Slack says the picture is too large: onboard one of at most 1024×1024 px".to_owned()
        }
        "too_many_frames" => {
            "Slack refuses animated GIFs: onboard a still picture instead".to_owned()
        }
        "name_not_allowed" | "invalid_starts_with_at" | "reserved_name" => {
            "Slack refuses this display name (no URLs, no leading @, no reserved names): change \
             the preset's name and onboard it again"
                .to_owned()
        }
        "sso_required" | "sudo_required" => {
            "the workspace's SSO settings forbid changing this field: ask a workspace admin to \
             allow members to edit their display name"
                .to_owned()
        }
        _ => "see Slack's documentation of this error code".to_owned(),
    }
}

impl fmt::Display for SlackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SlackError::Api {
                method,
                code,
                token,
                needed,
            } => write!(
                f,
                "{method} failed with {code}: {}",
                advice(code, token, needed.as_deref())
            ),
            SlackError::Unavailable {
                method,
                attempts,
                last,
            } => write!(
                f,
                "{method} kept failing ({last}) after {attempts} attempts: Slack or the network \
                 is down; try again later"
            ),
            SlackError::Protocol { method, detail } => {
                write!(f, "{method}: unexpected answer from Slack ({detail})")
            }
        }
    }
}

impl std::error::Error for SlackError {}

#[cfg(test)]
mod fix_tests {
    use super::*;

    fn api(code: &str) -> SlackError {
        SlackError::Api {
            method: "users.setPhoto",
            code: code.to_owned(),
            token: "SLACK_TOKEN".to_owned(),
            needed: None,
        }
    }

    #[test]
    fn every_failure_has_one_answer() {
        for dead in [
            "token_revoked",
            "invalid_auth",
            "invalid_refresh_token",
            "account_inactive",
        ] {
            assert_eq!(api(dead).fix(), Fix::TokenDead, "{dead}");
        }
        for setup in [
            "missing_scope",
            "not_allowed_token_type",
            "bad_image",
            "some_new_code",
        ] {
            assert_eq!(api(setup).fix(), Fix::Setup, "{setup}");
        }
        let unavailable = |last: &str| SlackError::Unavailable {
            method: "users.list",
            attempts: 5,
            last: last.to_owned(),
        };
        assert_eq!(unavailable("HTTP 503").fix(), Fix::Retry);
        assert_eq!(unavailable("still rate-limited").fix(), Fix::Wait);
    }
}
