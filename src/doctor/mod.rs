//! `statusinator doctor`: checks a setup before anyone relies on it, and says what to fix.
//!
//! A checklist: the settings for the setup they describe (see [`crate::setup`]); the store and
//! its `users.json`; the tokens file against the onboarded members (a mistyped member ID is
//! found, with the onboarded ID it is probably meant to be); that every onboarded member has a
//! token; that each token is live (`auth.test`) and has the scopes it needs (Slack lists a
//! token's scopes in the `x-oauth-scopes` header of every answer); rotating tokens in the tokens
//! file (never refreshed there); the app-level token (`apps.connections.open`); the public URL
//! and the addresses to give Slack; Redis (`--redis-url`: reachable, its script, the round trip)
//! and the serve replicas running on the store. Nothing is written, and no token is shown.

mod checklist;
mod members;
mod shared;

use crate::exit::ExitCode;
use crate::oauth::{INSTALL_PATH, REDIRECT_PATH};
use crate::presets::UserId;
use crate::settings::Settings;
use crate::setup::{self, Kind};
use crate::slack::{SlackClient, SlackError};
use crate::store::{self, Store};
use crate::tokens::{Token, TokenSource, Tokens};

use checklist::{report, Checklist};
pub use checklist::{Check, Report, Status};
use members::{check_locked, check_tokens_file, Members};

/// Tokens checked with Slack at most (members beyond are counted, not called for).
const MAX_TOKEN_CHECKS: usize = 50;

/// How many member IDs a grouped line names before it counts the rest (all with `--verbose`).
const NAMED: usize = 5;

/// Runs every check; `oauth_url` is Slack's authorize page (`SLACK_OAUTH_URL`); `verbose`
/// lists every member of a grouped line.
pub fn run(settings: &Settings, oauth_url: &str, verbose: bool) -> Report {
    let mut list = Checklist::default();
    let env = |name: &str| std::env::var(name).ok();
    let aim = setup::aim(&env);
    let setup = match setup::read(oauth_url) {
        Ok(setup) => {
            list.ok("settings", format!("complete for {}", setup.kind.name()));
            Some(setup)
        }
        Err(_) if aim.is_none() => {
            list.fix("settings", "nothing of any setup is set", setup::THE_THREE);
            None
        }
        Err(problems) => {
            for problem in problems {
                list.fix(problem.var, "missing or invalid", problem.fix);
            }
            None
        }
    };
    let kind = setup.as_ref().map(|s| s.kind).or(aim);
    if let Some(kind) = kind {
        check_setup_needs(&mut list, kind, &env);
    }
    let slack = match settings.slack() {
        Ok(slack) => Some(slack),
        Err(err) => {
            list.error("SLACK_API_URL", &err);
            None
        }
    };
    if let Some(setup) = &setup {
        check_urls(&mut list, setup);
        if let (Some(app_token), Some(slack)) = (&setup.app_token, &slack) {
            let token = Token {
                secret: app_token.clone(),
                source: TokenSource::AppToken,
                team: None,
            };
            match slack.open_connection(&token) {
                Ok(_) => list.ok(
                    "app-level token",
                    "SLACK_APP_TOKEN opens Socket Mode connections",
                ),
                Err(err) => slack_error(&mut list, "app-level token", &err),
            }
        }
    }
    let store: Option<std::sync::Arc<dyn Store>> = match settings.store.open() {
        Ok(store) => Some(store.into()),
        Err(err) => {
            list.error("store", &err);
            None
        }
    };
    let Some(store) = store else {
        return report(kind, list);
    };
    let users = match store::require_users(store.as_ref()) {
        Ok(users) => {
            list.ok(
                "store",
                format!(
                    "{} holds presets of {} member{}",
                    store.location(store::USERS_KEY),
                    users.users.len(),
                    if users.users.len() == 1 { "" } else { "s" }
                ),
            );
            Some(users)
        }
        Err(err) => {
            list.error("store", &err);
            None
        }
    };
    let tokens = match settings.tokens(&store, slack.as_ref()) {
        Ok(tokens) => tokens,
        Err(err) => {
            let name = if settings.tokens_file.is_some() {
                "tokens file"
            } else {
                "tokens"
            };
            list.error(name, &err);
            return report(kind, list);
        }
    };
    let onboarded: Vec<UserId> = users
        .as_ref()
        .map(|u| u.users.keys().cloned().collect())
        .unwrap_or_default();
    check_tokens_file(&mut list, &tokens, &onboarded, users.is_some());
    shared::check_redis(
        &mut list,
        settings,
        slack.as_ref().and_then(|s| s.link()).map(|l| &**l),
    );
    shared::check_replicas(&mut list, store.as_ref());
    check_locked(&mut list, store.as_ref(), verbose);
    // Members and bots are told by the setup: with none chosen there is nothing to say yet.
    if let (Some(slack), Some(kind)) = (&slack, kind) {
        let members = Members {
            kind,
            connect_at: setup.as_ref().and_then(|s| s.oauth.as_ref()).map(|o| {
                format!(
                    "{}{INSTALL_PATH}",
                    o.public_url.as_str().trim_end_matches('/')
                )
            }),
            verbose,
        };
        members.check_members(&mut list, &tokens, &onboarded, slack);
        members.check_bots(&mut list, &tokens, slack);
        if let Some(users) = users.as_ref().filter(|u| !u.sections.is_empty()) {
            check_workspace(&mut list, &users.sections, &tokens, slack);
        }
    }
    report(kind, list)
}

/// What the setup needs beyond serve's own settings: a tokens file (or `SLACK_TOKEN`) and
/// `SLACK_BOT_TOKEN` where members do not connect.
fn check_setup_needs(list: &mut Checklist, kind: Kind, env: &dyn Fn(&str) -> Option<String>) {
    if kind.connecting() {
        return;
    }
    let set = |name: &str| env(name).is_some_and(|v| !v.trim().is_empty());
    if !set("STATUSINATOR_TOKENS") && !set("SLACK_TOKEN") {
        list.fix(
            "STATUSINATOR_TOKENS",
            "missing: in this setup members' tokens are in a tokens file",
            "write {\"U…\": \"xoxp-…\"} to a file owned by the statusinator user with mode 600 \
             and set STATUSINATOR_TOKENS to its path; Slack shows only the installer's own user \
             token, so for more than a handful of members let them connect instead \
             (SLACK_CLIENT_ID…, setup 2)",
        );
    }
    if !set("SLACK_BOT_TOKEN") {
        list.fix(
            "SLACK_BOT_TOKEN",
            "missing: in this setup the bot token is given",
            "copy the Bot User OAuth Token (xoxb-…) from your Slack app's Install App page: the \
             Home tab, the preset modal and direct messages use it",
        );
    }
}

/// Every workspace preset's badge can be drawn: a standard emoji, or one of the workspace's
/// custom emoji (asked of `emoji.list` with its bot token).
fn check_workspace(
    list: &mut Checklist,
    sections: &crate::workspace::Sections,
    tokens: &Tokens,
    slack: &std::sync::Arc<SlackClient>,
) {
    let artist = crate::workspace::art::Artist::new(slack.clone());
    let mut rules = 0;
    let mut problems = Vec::new();
    for (place, section) in sections.each() {
        let team = place.strip_prefix("workspaces.");
        let bot = tokens.bot_of(team);
        for (emoji, rule) in section {
            rules += 1;
            let badge = rule
                .photo
                .as_ref()
                .and_then(|photo| crate::workspace::badge_of(photo, emoji))
                .and_then(|badge| crate::presets::EmojiKey::parse(badge).ok());
            if let Some(badge) = badge {
                if let Err(err) = artist.find(&badge, team.unwrap_or_default(), bot.as_ref()) {
                    problems.push(format!("{place} {emoji}: {err:#}"));
                }
            }
        }
    }
    if problems.is_empty() {
        list.ok(
            "workspace presets",
            format!(
                "{rules} rule{}, every badge found",
                if rules == 1 { "" } else { "s" }
            ),
        );
    } else {
        list.fix(
            "workspace presets",
            problems.join("; "),
            "use a standard emoji for the badge, or one of the workspace's custom emoji, and \
             onboard the section again",
        );
    }
}

/// The public URL, and the addresses to give Slack in the app's settings.
fn check_urls(list: &mut Checklist, setup: &setup::Setup) {
    let Some(oauth) = &setup.oauth else {
        if setup.kind == Kind::RequestUrlTokensFile {
            list.ok(
                "Slack's addresses",
                "Event Subscriptions, Interactivity and the /statusinator command all go to \
                 https://<serve's address>/slack/events",
            );
        }
        return;
    };
    let base = oauth.public_url.as_str().trim_end_matches('/').to_owned();
    let mut urls = vec![format!("Redirect URL {base}{REDIRECT_PATH}")];
    if setup.kind == Kind::RequestUrlOAuth {
        urls.insert(
            0,
            format!("Request URL (events, interactivity, /statusinator) {base}/slack/events"),
        );
    }
    if oauth.public_url.path() != "/" {
        list.fix(
            "public URL",
            format!("STATUSINATOR_PUBLIC_URL has a path ({base})"),
            "give serve's address alone (https://status.example.com): statusinator adds \
             /slack/events, /slack/install and /slack/oauth_redirect, the paths in the manifest",
        );
        return;
    }
    list.ok(
        "public URL",
        format!(
            "{base} ({}); members connect at {base}{INSTALL_PATH}",
            urls.join(", ")
        ),
    );
}

/// `1 one` or `n many`.
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The needed scopes a token's list lacks (all of them when Slack listed none).
fn missing<'a>(needed: &[&'a str], scopes: Option<&[String]>) -> Vec<&'a str> {
    needed
        .iter()
        .filter(|n| !scopes.is_some_and(|s| s.iter().any(|s| s == *n)))
        .copied()
        .collect()
}

fn slack_error(list: &mut Checklist, name: &str, err: &SlackError) {
    match err {
        SlackError::Api { .. } => {
            list.fix(name, err.to_string(), "see the advice above");
            if let Some(last) = list.0.last_mut() {
                last.fix = None;
            }
        }
        _ => list.unreachable(name, err.to_string()),
    }
}

/// `doctor` as a command: the checklist on stdout (or JSON), its exit code.
pub fn command(
    settings: &Settings,
    oauth_url: &str,
    json: bool,
    verbose: bool,
) -> anyhow::Result<ExitCode> {
    let report = run(settings, oauth_url, verbose);
    if json {
        crate::out::line(&serde_json::to_string_pretty(&report)?);
    } else {
        crate::out::text(&report.render());
    }
    Ok(report.exit_code())
}

#[cfg(test)]
mod tests {
    use super::members::nearest;
    use super::*;

    #[test]
    fn a_near_miss_is_suggested_only_when_it_is_the_only_one() {
        let onboarded: Vec<UserId> = ["U0G9QF9C6", "U024BE7LH"]
            .iter()
            .map(|u| UserId::parse(u).unwrap())
            .collect();
        let typo = UserId::parse("U0G9QF9C").unwrap();
        assert_eq!(
            nearest(&typo, &onboarded).map(UserId::as_str),
            Some("U0G9QF9C6")
        );
        let far = UserId::parse("U999").unwrap();
        assert_eq!(nearest(&far, &onboarded), None);
    }

    #[test]
    fn missing_scopes_are_named() {
        let has = vec!["users:read".to_owned(), "chat:write".to_owned()];
        assert_eq!(
            missing(&["users:read", "files:read"], Some(&has)),
            vec!["files:read"]
        );
        assert_eq!(missing(&["a"], None), vec!["a"]);
    }
}
