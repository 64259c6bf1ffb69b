//! `oauth.v2.access`: the code of Slack's OAuth redirect exchanged for tokens, with the app's
//! client credentials in HTTP Basic, as Slack prefers.

use serde::Deserialize;
use serde_json::Value;

use super::{null_as_default, parse, Auth, ClientCredentials, Method, SlackClient, SlackError};
use crate::secret::SecretString;

/// A token Slack granted, with what comes with it.
#[derive(Debug, Clone)]
pub struct Granted {
    pub access: SecretString,
    /// With token rotation on: the refresh token, and the access token's life in seconds.
    pub refresh: Option<SecretString>,
    pub expires_in: Option<u64>,
    pub scopes: String,
}

/// What an install or a member's authorization gave.
#[derive(Debug, Clone)]
pub struct Access {
    /// The workspace (empty for an org-wide install: Slack sends `team` null then).
    pub team_id: String,
    pub team_name: String,
    /// The organization, on Enterprise Grid.
    pub enterprise_id: Option<String>,
    pub enterprise_name: String,
    /// Installed for the whole organization (`is_enterprise_install`).
    pub enterprise_install: bool,
    pub app_id: String,
    /// The member who authorized (always there).
    pub user_id: String,
    /// Their user token, when user scopes were asked for.
    pub user: Option<Granted>,
    /// The bot token, when bot scopes were asked for.
    pub bot: Option<Granted>,
    pub bot_user_id: String,
}

/// A token as an answer carries it (at the top level for the bot's or a refresh's, inside
/// `authed_user` for a member's).
#[derive(Deserialize, Default)]
struct RawGrant {
    #[serde(default, deserialize_with = "null_as_default")]
    access_token: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    refresh_token: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "null_as_default")]
    scope: String,
}

impl RawGrant {
    fn granted(self) -> Option<Granted> {
        self.access_token
            .filter(|t| !t.is_empty())
            .map(|access| Granted {
                access: SecretString::new(access),
                refresh: self.refresh_token.map(SecretString::new),
                expires_in: self.expires_in,
                scopes: self.scope,
            })
    }
}

#[derive(Deserialize)]
struct Raw {
    #[serde(flatten)]
    grant: RawGrant,
    #[serde(default, deserialize_with = "null_as_default")]
    bot_user_id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    app_id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    team: Team,
    #[serde(default, deserialize_with = "null_as_default")]
    authed_user: AuthedUser,
    #[serde(default, deserialize_with = "null_as_default")]
    enterprise: Team,
    #[serde(default)]
    is_enterprise_install: Value,
}

#[derive(Deserialize, Default)]
struct Team {
    #[serde(default, deserialize_with = "null_as_default")]
    id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    name: String,
}

#[derive(Deserialize, Default)]
struct AuthedUser {
    #[serde(default, deserialize_with = "null_as_default")]
    id: String,
    #[serde(flatten)]
    grant: RawGrant,
}

impl SlackClient {
    /// Exchanges the redirect's `code` (with the same `redirect_uri` the authorize step had).
    pub fn oauth_access(
        &self,
        client: &ClientCredentials,
        code: &str,
        redirect_uri: &str,
    ) -> Result<Access, SlackError> {
        let value = self.call(Method::OAuthAccess, Auth::Client(client), &|req| {
            req.post_form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", redirect_uri),
            ])
        })?;
        access(value)
    }

    /// Refreshes a rotating token (`grant_type=refresh_token`): the new token is at the top
    /// level of the answer, whether it is a bot's or a member's. `go_on` is asked before each
    /// attempt: a refresh token is single use, so it is never sent once the caller's claim on
    /// the refresh is gone.
    pub fn oauth_refresh(
        &self,
        client: &ClientCredentials,
        refresh_token: &SecretString,
        go_on: &dyn Fn() -> bool,
    ) -> Result<Granted, SlackError> {
        let value = self.call_while(
            Method::OAuthAccess,
            Auth::Client(client),
            &|req| {
                req.post_form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh_token.expose()),
                ])
            },
            go_on,
        )?;
        let raw: Raw = parse(Method::OAuthAccess, value)?;
        match raw.grant.granted() {
            Some(granted) => Ok(granted),
            None => Err(SlackError::Protocol {
                method: Method::OAuthAccess.name(),
                detail: "a refresh answer without a token".to_owned(),
            }),
        }
    }
}

impl Access {
    /// Whose installation this is: the organization's for an org-wide install, else the
    /// workspace's. What it grants is stored, paced and looked up by this.
    pub fn installation(&self) -> &str {
        match (&self.enterprise_id, self.enterprise_install) {
            (Some(enterprise), true) => enterprise,
            _ => &self.team_id,
        }
    }

    /// Its name, for pages and logs.
    pub fn installation_name(&self) -> &str {
        if self.enterprise_install {
            &self.enterprise_name
        } else {
            &self.team_name
        }
    }
}

fn access(value: Value) -> Result<Access, SlackError> {
    let raw: Raw = parse(Method::OAuthAccess, value)?;
    let enterprise_install = crate::events::truthy(&raw.is_enterprise_install);
    let enterprise_id = Some(raw.enterprise.id).filter(|id| !id.is_empty());
    let placed = !raw.team.id.is_empty() || (enterprise_install && enterprise_id.is_some());
    if raw.authed_user.id.is_empty() || !placed {
        return Err(SlackError::Protocol {
            method: Method::OAuthAccess.name(),
            detail: "the answer names no member or no workspace".to_owned(),
        });
    }
    Ok(Access {
        team_id: raw.team.id,
        team_name: raw.team.name,
        enterprise_id,
        enterprise_name: raw.enterprise.name,
        enterprise_install,
        app_id: raw.app_id,
        user_id: raw.authed_user.id,
        user: raw.authed_user.grant.granted(),
        bot: raw.grant.granted(),
        bot_user_id: raw.bot_user_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bot_and_user_install_and_a_user_only_one_read_alike() {
        let both = serde_json::json!({"ok": true, "access_token": "xoxb-1", "token_type": "bot",
            "scope": "users:read,chat:write", "bot_user_id": "U0BOT", "app_id": "A1",
            "team": {"name": "Acme", "id": "T1"}, "enterprise": null,
            "authed_user": {"id": "U1", "scope": "users.profile:read", "access_token": "xoxp-1",
                            "token_type": "user"}});
        let access = access(both).unwrap();
        assert_eq!(
            (access.team_id.as_str(), access.user_id.as_str()),
            ("T1", "U1")
        );
        assert_eq!(access.bot.unwrap().access.expose(), "xoxb-1");
        assert_eq!(access.user.unwrap().access.expose(), "xoxp-1");

        let user_only = serde_json::json!({"ok": true, "app_id": "A1",
            "authed_user": {"id": "U2", "scope": "users.profile:write",
                            "access_token": "xoxe.xoxp-2", "refresh_token": "xoxe-1-r",
                            "expires_in": 43200, "token_type": "user"},
            "team": {"id": "T1"}, "enterprise": null, "is_enterprise_install": false});
        let access = super::access(user_only).unwrap();
        assert!(access.bot.is_none());
        let user = access.user.unwrap();
        assert_eq!(user.expires_in, Some(43200));
        assert!(!format!("{user:?}").contains("xoxe"));
        assert_eq!(user.refresh.unwrap().expose(), "xoxe-1-r");

        // An org-wide install: `team` null, keyed by the organization.
        let org = serde_json::json!({"ok": true, "app_id": "A1", "access_token": "xoxb-o",
            "token_type": "bot", "scope": "users:read", "bot_user_id": "U0BOT",
            "team": null, "enterprise": {"id": "E0ORG", "name": "Acme Corp"},
            "is_enterprise_install": true,
            "authed_user": {"id": "W0ADMIN01", "scope": "users.profile:write",
                            "access_token": "xoxp-o", "token_type": "user"}});
        let access = super::access(org).unwrap();
        assert_eq!(access.installation(), "E0ORG");
        assert_eq!(access.installation_name(), "Acme Corp");
        // A workspace install in an org: the workspace's.
        let workspace = serde_json::json!({"ok": true, "app_id": "A1",
            "team": {"id": "T1", "name": "Acme East"}, "enterprise": {"id": "E0ORG"},
            "is_enterprise_install": false,
            "authed_user": {"id": "W0ANA0001", "access_token": "xoxp-w"}});
        assert_eq!(super::access(workspace).unwrap().installation(), "T1");
    }
}
