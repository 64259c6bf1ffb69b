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

use crate::exit::UsageError;
use crate::oauth::OAuth;
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

    /// Members connect themselves (OAuth) in this setup.
    pub fn connecting(self) -> bool {
        matches!(self, Kind::RequestUrlOAuth | Kind::SocketModeOAuth)
    }
}

/// The setup a partial set of settings aims at, so only its fixes are given: `None` when
/// nothing of any setup is set. The app-level token means Socket Mode; any of the app's
/// credentials, the public URL or the sealing key means members connect; a signing secret, a
/// tokens file or a token alone means the Request URL with a tokens file.
pub fn aim(var: &dyn Fn(&str) -> Option<String>) -> Option<Kind> {
    let set = |name: &str| var(name).is_some_and(|v| !v.trim().is_empty());
    let connecting = [
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
        "STATUSINATOR_PUBLIC_URL",
        crate::tokens::seal::KEY_VAR,
    ]
    .iter()
    .any(|name| set(name));
    let tokens_file = ["STATUSINATOR_TOKENS", "SLACK_TOKEN"]
        .iter()
        .any(|name| set(name));
    if set("SLACK_APP_TOKEN") {
        return Some(if tokens_file && !connecting {
            Kind::SocketModeTokensFile
        } else {
            Kind::SocketModeOAuth
        });
    }
    if connecting {
        return Some(Kind::RequestUrlOAuth);
    }
    (tokens_file || set("SLACK_SIGNING_SECRET") || set("SLACK_BOT_TOKEN"))
        .then_some(Kind::RequestUrlTokensFile)
}

/// The three setups and what each needs, for settings that aim at none yet.
pub const THE_THREE: &str = "pick a setup and set its settings (examples/statusinator.env has \
     a section for each): 1. Request URL with a tokens file, for one member or a handful \
     (SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, STATUSINATOR_TOKENS); 2. Request URL with members \
     connecting, the usual case (SLACK_SIGNING_SECRET, SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, \
     STATUSINATOR_PUBLIC_URL, STATUSINATOR_SECRET_KEY); 3. Socket Mode with members connecting, \
     when Slack cannot reach serve (SLACK_APP_TOKEN and the four of setup 2 but the signing \
     secret)";

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
    if aim(var).is_none() {
        return Err(vec![Problem {
            var: "settings",
            fix: format!("nothing of any setup is set: {THE_THREE}"),
        }]);
    }
    let mut problems = Vec::new();
    let mut problem = |var: &'static str, fix: &str| {
        problems.push(Problem {
            var,
            fix: fix.to_owned(),
        })
    };

    // A value that cannot be right is named whatever else is set: a description pasted with
    // it, a space, a URL that is not one.
    for var in SHAPED {
        if let Some(wrong) = value(var).and_then(|v| misshapen(var, &v)) {
            problem(var, &wrong);
        }
    }
    let app_token = value("SLACK_APP_TOKEN").map(SecretString::new);
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
                    let var = if err.message().starts_with("--slack-oauth-url") {
                        "SLACK_OAUTH_URL"
                    } else {
                        "STATUSINATOR_PUBLIC_URL"
                    };
                    problem(var, err.message());
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

/// The variables whose values have a shape of their own, checked by [`misshapen`].
pub const SHAPED: [&str; 8] = [
    "SLACK_SIGNING_SECRET",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_BOT_TOKEN",
    "SLACK_TOKEN",
    "STATUSINATOR_PUBLIC_URL",
    "STATUSINATOR_ADMIN_TOKEN",
];

/// What is wrong with `value` for `var`, when it cannot be right whatever else is set (`None`
/// when it may be). The value itself is never quoted: it may be a secret.
pub fn misshapen(var: &str, value: &str) -> Option<String> {
    let value = value.trim();
    let from = match var {
        "SLACK_SIGNING_SECRET" => "the Signing Secret of your Slack app's Basic Information page",
        "SLACK_CLIENT_ID" => "the Client ID of your Slack app's Basic Information page",
        "SLACK_CLIENT_SECRET" => "the Client Secret of your Slack app's Basic Information page",
        "SLACK_APP_TOKEN" => {
            "an App-Level Token (xapp-…) of your Slack app's Basic Information page, with the \
             connections:write scope"
        }
        "SLACK_BOT_TOKEN" => {
            "the Bot User OAuth Token (xoxb-…) of your Slack app's Install App page"
        }
        "SLACK_TOKEN" => "a member's own user token (xoxp-…)",
        "STATUSINATOR_PUBLIC_URL" => "serve's https:// address as browsers reach it",
        _ => "a value without spaces",
    };
    if value.chars().any(char::is_whitespace) {
        return Some(format!(
            "the value has spaces in it (a description or a comment copied with it?): give \
             {from} alone, on a line of its own (NAME=value, no quotes)"
        ));
    }
    if value.starts_with(['"', '\'']) {
        return Some(format!(
            "the value is quoted, and systemd and sh read quotes differently: give {from} \
             without quotes"
        ));
    }
    let hex = |v: &str| v.len() >= 16 && v.bytes().all(|b| b.is_ascii_hexdigit());
    let prefixed = |v: &str, prefix: &str| {
        v.strip_prefix("xoxe.")
            .unwrap_or(v)
            .strip_prefix(prefix)
            .is_some_and(|rest| !rest.is_empty())
    };
    let right = match var {
        "SLACK_SIGNING_SECRET" | "SLACK_CLIENT_SECRET" => hex(value),
        "SLACK_CLIENT_ID" => value.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && (a.bytes().chain(b.bytes())).all(|c| c.is_ascii_digit())
        }),
        "SLACK_APP_TOKEN" => value.starts_with("xapp-") && value.len() > 5,
        "SLACK_BOT_TOKEN" => prefixed(value, "xoxb-"),
        "SLACK_TOKEN" => prefixed(value, "xoxp-"),
        "STATUSINATOR_PUBLIC_URL" => url::Url::parse(value)
            .is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host_str().is_some()),
        _ => true,
    };
    (!right).then(|| match var {
        "SLACK_SIGNING_SECRET" | "SLACK_CLIENT_SECRET" => {
            format!("the value is not a secret Slack gives (hex digits, 32 of them): copy {from}")
        }
        "SLACK_CLIENT_ID" => {
            format!("the value is not a Client ID (digits, a dot, digits): copy {from}")
        }
        "STATUSINATOR_PUBLIC_URL" => {
            format!("the value is not a URL: give {from}, such as https://status.example.com")
        }
        "SLACK_BOT_TOKEN" if value.starts_with("xoxp-") => {
            format!("it is a user token (xoxp-…), not a bot token: give {from}")
        }
        "SLACK_APP_TOKEN" => {
            format!("it is not an app-level token (xapp-…): create {from}")
        }
        _ => format!("the value is not a token of that kind: give {from}"),
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

    const SIGNING: &str = "8f742231b10e8888abcd99a8b7c6d5a5";

    #[test]
    fn a_value_that_cannot_be_right_is_named_without_being_quoted() {
        // As an uncommented line of an env file with its description on it reads.
        let pasted = "8f742231b10e8888abcd99a8b7c6d5a5    Basic Information → App Credentials";
        let problems = read_from(&[
            ("SLACK_SIGNING_SECRET", pasted),
            ("SLACK_CLIENT_ID", "1234.5678"),
            ("SLACK_CLIENT_SECRET", "not-hex-at-all-but-long"),
            ("STATUSINATOR_PUBLIC_URL", "status.example.com"),
            ("SLACK_BOT_TOKEN", "xoxp-1-user"),
        ])
        .unwrap_err();
        let said: Vec<(&str, &str)> = problems.iter().map(|p| (p.var, p.fix.as_str())).collect();
        let fix = |var: &str| said.iter().find(|(v, _)| *v == var).map(|(_, f)| *f);
        assert!(
            fix("SLACK_SIGNING_SECRET").unwrap().contains("spaces"),
            "{said:?}"
        );
        assert!(
            fix("SLACK_CLIENT_SECRET").unwrap().contains("hex"),
            "{said:?}"
        );
        assert!(
            fix("STATUSINATOR_PUBLIC_URL")
                .unwrap()
                .contains("not a URL"),
            "{said:?}"
        );
        assert!(
            fix("SLACK_BOT_TOKEN").unwrap().contains("user token"),
            "{said:?}"
        );
        assert_eq!(fix("SLACK_CLIENT_ID"), None, "{said:?}");
        let message = error(&problems).to_string();
        assert!(!message.contains("8f742231"), "{message}");
        assert!(!message.contains("not-hex"), "{message}");
        for right in [
            ("SLACK_SIGNING_SECRET", SIGNING),
            ("SLACK_CLIENT_ID", "1234.5678"),
            ("SLACK_BOT_TOKEN", "xoxe.xoxb-1-rotating"),
            ("SLACK_TOKEN", "xoxp-1-2-3"),
            ("SLACK_APP_TOKEN", "xapp-1-A0-1-abc"),
            ("STATUSINATOR_PUBLIC_URL", "https://status.example.com"),
        ] {
            assert_eq!(misshapen(right.0, right.1), None, "{right:?}");
        }
        assert!(misshapen("SLACK_CLIENT_ID", "1234").is_some());
        assert!(misshapen(
            "SLACK_SIGNING_SECRET",
            "\"8f742231b10e8888abcd99a8b7c6d5a5\""
        )
        .is_some());
    }

    #[test]
    fn partial_settings_aim_at_one_setup() {
        let aim_of = |vars: &[(&str, &str)]| {
            let vars: HashMap<&str, &str> = vars.iter().copied().collect();
            aim(&|name| vars.get(name).map(|v| v.to_string()))
        };
        assert_eq!(aim_of(&[]), None);
        assert_eq!(aim_of(&[("SLACK_SIGNING_SECRET", " ")]), None);
        assert_eq!(
            aim_of(&[("SLACK_SIGNING_SECRET", SIGNING)]),
            Some(Kind::RequestUrlTokensFile)
        );
        assert_eq!(
            aim_of(&[("SLACK_CLIENT_ID", "1.2")]),
            Some(Kind::RequestUrlOAuth)
        );
        assert_eq!(
            aim_of(&[
                ("SLACK_APP_TOKEN", "xapp-1"),
                ("STATUSINATOR_TOKENS", "t.json")
            ]),
            Some(Kind::SocketModeTokensFile)
        );
        assert_eq!(
            aim_of(&[("SLACK_APP_TOKEN", "xapp-1")]),
            Some(Kind::SocketModeOAuth)
        );
        let nothing = read_from(&[]).unwrap_err();
        assert_eq!(nothing.len(), 1);
        assert!(nothing[0].fix.contains("1. Request URL with a tokens file"));
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
        let setup = read_from(&[("SLACK_SIGNING_SECRET", SIGNING)]).unwrap();
        assert_eq!(setup.kind, Kind::RequestUrlTokensFile);
        assert_eq!(
            read_from(&[
                ("SLACK_SIGNING_SECRET", ""),
                ("STATUSINATOR_TOKENS", "t.json")
            ])
            .unwrap_err()[0]
                .var,
            "SLACK_SIGNING_SECRET"
        );
        let setup = read_from(&[("SLACK_APP_TOKEN", "xapp-1-A")]).unwrap();
        assert_eq!(setup.kind, Kind::SocketModeTokensFile);
    }
}
