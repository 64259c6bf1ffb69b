//! The three setups `serve` runs in, read from the environment and checked all at once (every
//! missing or invalid setting is named with its fix in one message, not one per run):
//!
//! | setup | how Slack reaches serve | who holds members' tokens |
//! |---|---|---|
//! | [`Kind::RequestUrlTokensFile`] | the Request URL (`SLACK_SIGNING_SECRET`) | a tokens file or `SLACK_TOKEN` |
//! | [`Kind::RequestUrlOAuth`] | the Request URL (`SLACK_SIGNING_SECRET`) | members connect (OAuth) |
//! | [`Kind::SocketModeOAuth`] | Socket Mode (`SLACK_APP_TOKEN`) | members connect (OAuth) |
//!
//! Socket Mode with a tokens file works too (it is reported as Socket Mode). `serve` and
//! `doctor` read the same settings through [`read`].

use crate::connect::OAuth;
use crate::exit::UsageError;
use crate::secret::SecretString;
use crate::slack::ClientCredentials;

/// Which setup the settings describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    RequestUrlTokensFile,
    RequestUrlOAuth,
    SocketModeOAuth,
    SocketModeTokensFile,
}

impl Kind {
    /// The setup's name, as the README's setup sections call it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::RequestUrlTokensFile => "Request URL with a tokens file",
            Kind::RequestUrlOAuth => "Request URL with members connecting (OAuth)",
            Kind::SocketModeOAuth => "Socket Mode with members connecting (OAuth)",
            Kind::SocketModeTokensFile => "Socket Mode with a tokens file",
        }
    }

    /// A short name for JSON.
    pub fn id(self) -> &'static str {
        match self {
            Kind::RequestUrlTokensFile => "request_url_tokens_file",
            Kind::RequestUrlOAuth => "request_url_oauth",
            Kind::SocketModeOAuth => "socket_mode_oauth",
            Kind::SocketModeTokensFile => "socket_mode_tokens_file",
        }
    }
}

/// serve's Slack-facing settings, checked.
#[derive(Debug, Clone)]
pub struct Setup {
    pub kind: Kind,
    pub signing_secret: Option<SecretString>,
    /// The app-level token: Socket Mode.
    pub app_token: Option<SecretString>,
    pub admin_token: Option<SecretString>,
    /// Members connect through Slack's OAuth.
    pub oauth: Option<OAuth>,
}

/// One setting to fix: the variable and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub var: &'static str,
    pub fix: String,
}

/// The settings as they are: a setup, or every problem with them.
pub fn read(oauth_url: &str) -> Result<Setup, Vec<Problem>> {
    read_with(&|name| std::env::var(name).ok(), oauth_url)
}

/// [`read`] over any source of variables (tests).
pub fn read_with(
    var: &dyn Fn(&str) -> Option<String>,
    oauth_url: &str,
) -> Result<Setup, Vec<Problem>> {
    let value = |name: &str| {
        var(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut problems = Vec::new();
    let mut problem = |var: &'static str, fix: &str| {
        problems.push(Problem {
            var,
            fix: fix.to_owned(),
        })
    };

    let app_token = value("SLACK_APP_TOKEN").map(SecretString::new);
    if app_token
        .as_ref()
        .is_some_and(|t| !t.expose().starts_with("xapp-"))
    {
        problem(
            "SLACK_APP_TOKEN",
            "it is not an app-level token (xapp-…): create one in your Slack app's Basic \
             Information page, under App-Level Tokens, with the connections:write scope",
        );
    }
    let signing_secret = value("SLACK_SIGNING_SECRET").map(SecretString::new);
    if signing_secret.is_none() && app_token.is_none() {
        problem(
            "SLACK_SIGNING_SECRET",
            "it is not set: copy the Signing Secret from your Slack app's Basic Information page \
             (or set SLACK_APP_TOKEN to take Slack's events over Socket Mode)",
        );
    }

    let (id, secret) = (value("SLACK_CLIENT_ID"), value("SLACK_CLIENT_SECRET"));
    let mut oauth = None;
    if id.is_some() || secret.is_some() {
        if id.is_none() {
            problem(
                "SLACK_CLIENT_ID",
                "SLACK_CLIENT_SECRET is set but this is not: copy the Client ID from your Slack \
                 app's Basic Information page, or unset both to turn connecting off",
            );
        }
        if secret.is_none() {
            problem(
                "SLACK_CLIENT_SECRET",
                "SLACK_CLIENT_ID is set but this is not: copy the Client Secret from your Slack \
                 app's Basic Information page, or unset both to turn connecting off",
            );
        }
        let public_url = value("STATUSINATOR_PUBLIC_URL");
        if public_url.is_none() {
            problem(
                "STATUSINATOR_PUBLIC_URL",
                "connecting members (SLACK_CLIENT_ID) needs serve's https:// address as \
                 browsers reach it, which is also where Slack sends them back (its \
                 /slack/oauth_redirect must be a Redirect URL of the app)",
            );
        }
        let key = match crate::settings::secret_key() {
            Ok(Some(key)) => Some(key),
            Ok(None) => {
                problem(
                    "STATUSINATOR_SECRET_KEY",
                    "connecting members (SLACK_CLIENT_ID) needs a key to seal their tokens: make \
                     one with `statusinator tokens new-key` and keep it safe",
                );
                None
            }
            Err(err) => {
                problem("STATUSINATOR_SECRET_KEY", &format!("{err:#}"));
                None
            }
        };
        if let (Some(id), Some(secret), Some(public_url), Some(key)) = (id, secret, public_url, key)
        {
            let client = ClientCredentials {
                id,
                secret: SecretString::new(secret),
            };
            match OAuth::new(client, &public_url, oauth_url, key) {
                Ok(o) => oauth = Some(o),
                Err(err) => {
                    let var = if err.0.starts_with("--slack-oauth-url") {
                        "SLACK_OAUTH_URL"
                    } else {
                        "STATUSINATOR_PUBLIC_URL"
                    };
                    problem(var, &err.0);
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let kind = match (app_token.is_some(), oauth.is_some()) {
        (false, false) => Kind::RequestUrlTokensFile,
        (false, true) => Kind::RequestUrlOAuth,
        (true, true) => Kind::SocketModeOAuth,
        (true, false) => Kind::SocketModeTokensFile,
    };
    Ok(Setup {
        kind,
        signing_secret,
        app_token,
        admin_token: value("STATUSINATOR_ADMIN_TOKEN").map(SecretString::new),
        oauth,
    })
}

/// Every problem in one error that names each variable and its fix.
pub fn error(problems: &[Problem]) -> UsageError {
    let lines: Vec<String> = problems
        .iter()
        .map(|p| format!("  - {}: {}", p.var, p.fix))
        .collect();
    UsageError::new(format!(
        "serve's settings have {} problem{} to fix:\n{}",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" },
        lines.join("\n")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read_from(vars: &[(&str, &str)]) -> Result<Setup, Vec<Problem>> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        read_with(
            &|name| vars.get(name).cloned(),
            "https://slack.com/oauth/v2/authorize",
        )
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let problems =
            read_from(&[("SLACK_CLIENT_ID", "1.2"), ("SLACK_APP_TOKEN", "xoxb-1")]).unwrap_err();
        let vars: Vec<&str> = problems.iter().map(|p| p.var).collect();
        assert!(vars.contains(&"SLACK_APP_TOKEN"), "{vars:?}");
        assert!(vars.contains(&"SLACK_CLIENT_SECRET"), "{vars:?}");
        assert!(vars.contains(&"STATUSINATOR_PUBLIC_URL"), "{vars:?}");
        let message = error(&problems).to_string();
        assert!(message.contains("problems to fix"), "{message}");
        assert!(!message.contains("xoxb-1"), "{message}");
    }

    #[test]
    fn the_setup_follows_from_the_settings() {
        let setup = read_from(&[("SLACK_SIGNING_SECRET", "s")]).unwrap();
        assert_eq!(setup.kind, Kind::RequestUrlTokensFile);
        assert_eq!(
            read_from(&[("SLACK_SIGNING_SECRET", "")]).unwrap_err()[0].var,
            "SLACK_SIGNING_SECRET"
        );
        let setup = read_from(&[("SLACK_APP_TOKEN", "xapp-1-A")]).unwrap();
        assert_eq!(setup.kind, Kind::SocketModeTokensFile);
    }
}
