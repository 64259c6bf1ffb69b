//! `statusinator doctor`: checks a setup before anyone relies on it, and says what to fix.
//!
//! A checklist: the settings for the setup they describe (see [`crate::setup`]); the store and
//! its `users.json`; the tokens file against the onboarded members (a mistyped member ID is
//! found, with the onboarded ID it is probably meant to be); that every onboarded member has a
//! token; that each token is live (`auth.test`) and has the scopes it needs (Slack lists a
//! token's scopes in the `x-oauth-scopes` header of every answer); rotating tokens in the tokens
//! file (never refreshed there); the app-level token (`apps.connections.open`); the public URL
//! and the addresses to give Slack. Nothing is written, and no token is shown.

mod checklist;

use crate::exit::ExitCode;
use crate::oauth::{BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH, USER_SCOPES};
use crate::presets::UserId;
use crate::settings::Settings;
use crate::setup::{self, Kind};
use crate::slack::{SlackClient, SlackError};
use crate::store::{self, Store};
use crate::tokens::{Token, TokenSource, Tokens};

use checklist::{report, Checklist};
pub use checklist::{Check, Report, Status};

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

/// The tokens file against the onboarded members.
fn check_tokens_file(list: &mut Checklist, tokens: &Tokens, onboarded: &[UserId], known: bool) {
    let entries = tokens.file_members();
    if entries.is_empty() {
        return;
    }
    let mut clean = true;
    for (user, secret) in &entries {
        if known && !onboarded.contains(user) {
            clean = false;
            let near = nearest(user, onboarded)
                .map(|n| format!(" (did you mean {n}?)"))
                .unwrap_or_default();
            list.fix(
                "tokens file",
                format!("{user} has a token but is not onboarded{near}"),
                format!(
                    "correct the member ID in the tokens file, or onboard {user}'s presets \
                     (statusinator onboard FILE)"
                ),
            );
        }
        if secret.expose().starts_with("xoxe.") {
            clean = false;
            list.fix(
                "tokens file",
                format!("{user}'s token is a rotating one (xoxe.…), which lapses in 12 hours"),
                "a token in the tokens file is never refreshed: have the member connect at \
                 serve's /slack/install instead (connected tokens are refreshed), or use an app \
                 without token rotation",
            );
        }
    }
    if clean {
        list.ok(
            "tokens file",
            format!(
                "{} member ID{}, each onboarded",
                entries.len(),
                if entries.len() == 1 { "" } else { "s" }
            ),
        );
    }
}

/// The onboarded ID one or two edits away from `user`, if there is exactly one such.
fn nearest<'a>(user: &UserId, onboarded: &'a [UserId]) -> Option<&'a UserId> {
    let close: Vec<&UserId> = onboarded
        .iter()
        .filter(|o| strsim::osa_distance(o.as_str(), user.as_str()) <= 2)
        .collect();
    (close.len() == 1).then(|| close[0])
}

/// How members' lines are told for the setup aimed at.
struct Members {
    kind: Kind,
    /// Where members connect, when they do.
    connect_at: Option<String>,
    verbose: bool,
}

impl Members {
    fn connect_fix(&self) -> String {
        match &self.connect_at {
            Some(url) => format!("have them connect at {url}"),
            None => "have them connect at serve's /slack/install".to_owned(),
        }
    }

    /// `U1, U2, … and 3 more (--verbose lists them)`, or every ID with `--verbose`.
    fn names(&self, group: &[UserId]) -> String {
        let ids: Vec<&str> = group.iter().map(UserId::as_str).collect();
        if self.verbose || ids.len() <= NAMED {
            return ids.join(", ");
        }
        format!(
            "{} and {} more (--verbose lists them)",
            ids[..NAMED].join(", "),
            ids.len() - NAMED
        )
    }

    /// Every onboarded member has a token; the tokens are live, their own, with the user
    /// scopes. Members who share a finding are one line; members not connected yet where they
    /// connect themselves are pending, not something to fix.
    fn check_members(
        &self,
        list: &mut Checklist,
        tokens: &Tokens,
        onboarded: &[UserId],
        slack: &SlackClient,
    ) {
        let needed: Vec<&str> = USER_SCOPES.split(',').collect();
        let (mut none, mut stopped, mut not_own, mut lacking) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut good, mut checked, mut with_token) = (0, 0, 0);
        for user in onboarded {
            // Looked up only: doctor refreshes nothing and tells nobody.
            let token = match tokens.lookup(user) {
                Ok(crate::tokens::Found::Token(token)) => token,
                // Connected, due for a refresh that serve or poll makes before using it.
                Ok(crate::tokens::Found::Due { .. }) => {
                    good += 1;
                    with_token += 1;
                    checked += 1;
                    continue;
                }
                Ok(crate::tokens::Found::Disconnected(_)) => {
                    stopped.push(user.clone());
                    continue;
                }
                Err(err) if crate::exit::code_for(&err) == ExitCode::Usage => {
                    none.push(user.clone());
                    continue;
                }
                Err(err) => {
                    list.push(
                        "member tokens",
                        Status::Unreachable,
                        crate::redact::error(&err),
                        Some("check the store and try again".to_owned()),
                    );
                    continue;
                }
            };
            with_token += 1;
            if checked >= MAX_TOKEN_CHECKS {
                continue;
            }
            checked += 1;
            match slack.auth_test_scopes(&token) {
                Ok((identity, _)) if identity.user_id != user.as_str() => {
                    not_own.push(user.clone())
                }
                Ok((_, scopes)) if !missing(&needed, scopes.as_deref()).is_empty() => {
                    lacking.push(user.clone())
                }
                Ok(_) => good += 1,
                Err(err) => slack_error(list, "member tokens", &err),
            }
        }
        if !none.is_empty() {
            let detail = format!(
                "{} no token yet: {}",
                count(none.len(), "onboarded member has", "onboarded members have"),
                self.names(&none)
            );
            if self.kind.connecting() {
                list.pending(
                    "member tokens",
                    detail,
                    format!("nothing to fix: {}", self.connect_fix()),
                );
            } else {
                list.fix(
                    "member tokens",
                    detail,
                    "add each one's own user token (xoxp-…) to the tokens file; Slack shows an \
                     admin only their own user token, so for more than a handful of members let \
                     them connect themselves (setup 2: SLACK_CLIENT_ID…)",
                );
            }
        }
        // Each finding that is something to fix: its members, how it reads, the fix.
        let findings = [
            (
                &stopped,
                (
                    "member's connection",
                    "members' connections",
                    "stopped working",
                ),
                format!("{} again (each was told)", self.connect_fix()),
            ),
            (
                &not_own,
                ("member has", "members have", "another member's token"),
                "Slack changes only the token owner's own profile: give each member's own user \
                 token (xoxp-…)"
                    .to_owned(),
            ),
            (
                &lacking,
                ("member token lacks", "member tokens lack", "a scope"),
                format!("they must authorize the app again with the user scopes {USER_SCOPES}"),
            ),
        ];
        for (members, (one, many, what), fix) in findings {
            if !members.is_empty() {
                list.fix(
                    "member tokens",
                    format!(
                        "{} {what}: {}",
                        count(members.len(), one, many),
                        self.names(members)
                    ),
                    fix,
                );
            }
        }
        if good == 0 && list.0.iter().any(|c| c.name == "member tokens") {
            return;
        }
        if onboarded.is_empty() {
            return;
        }
        let more = with_token - checked;
        list.ok(
            "member tokens",
            format!(
                "{good} member token{} live, each the member's own, with {USER_SCOPES}{}",
                if good == 1 { "" } else { "s" },
                if more > 0 {
                    format!(" ({more} more have a token; not called for)")
                } else {
                    String::new()
                }
            ),
        );
    }

    /// The bot tokens: one per workspace (or SLACK_BOT_TOKEN), live, with every bot scope.
    /// Where members connect, the first connection installs the bot: pending until then.
    fn check_bots(&self, list: &mut Checklist, tokens: &Tokens, slack: &SlackClient) {
        let bots = tokens.bots();
        if bots.is_empty() {
            if self.kind.connecting() {
                list.pending(
                    "bot token",
                    "no workspace has installed the bot yet",
                    format!(
                        "nothing to fix: the first member who connects installs it ({})",
                        self.connect_fix()
                    ),
                );
            } else if list.0.iter().all(|c| c.name != "SLACK_BOT_TOKEN") {
                list.fix(
                    "bot token",
                    "there is no bot token",
                    "set SLACK_BOT_TOKEN to the Bot User OAuth Token of your Slack app's \
                     Install App page: the Home tab, the preset modal and direct messages use it",
                );
            }
            return;
        }
        let needed: Vec<&str> = BOT_SCOPES.split(',').collect();
        for bot in bots {
            match slack.auth_test_scopes(&bot) {
                Ok((_, scopes)) => {
                    let missing = missing(&needed, scopes.as_deref());
                    if missing.is_empty() {
                        list.ok(
                            "bot token",
                            format!("{} is live, with {BOT_SCOPES}", bot.source),
                        );
                    } else {
                        list.fix(
                            "bot token",
                            format!("{} lacks {}", bot.source, missing.join(", ")),
                            "add the scopes in your Slack app's OAuth & Permissions page (the \
                             manifests in examples/ list them) and install the app to the \
                             workspace again, or open serve's /slack/install once",
                        );
                    }
                }
                Err(err) => slack_error(list, "bot token", &err),
            }
            // An org-wide install: the workspaces its organization granted it to.
            let org = match &bot.source {
                TokenSource::Installation(team) if team.starts_with('E') => team.clone(),
                _ => continue,
            };
            match slack.teams_list(&bot) {
                Ok(teams) if teams.is_empty() => list.fix(
                    "org install",
                    format!("{org} is installed for the organization but granted to no workspace"),
                    "an org admin adds statusinator to the workspaces that should have it, in \
                     the organization's app management page",
                ),
                Ok(teams) => list.ok(
                    "org install",
                    format!(
                        "{org} is granted to {}: {}",
                        count(teams.len(), "workspace", "workspaces"),
                        teams.join(", ")
                    ),
                ),
                Err(err) => slack_error(list, "org install", &err),
            }
        }
    }
}

/// Members whose organization locks a field statusinator writes (as serve and poll noted it):
/// nothing here can change that, but their org admin can.
fn check_locked(list: &mut Checklist, store: &dyn Store, verbose: bool) {
    let now = crate::clock::unix_now();
    let mut locked: Vec<(UserId, Vec<String>)> = Vec::new();
    let read = crate::state::index::for_each(store, false, |user, member| {
        let fields: Vec<String> = member
            .locked
            .iter()
            .filter(|(_, lock)| lock.holds(now))
            .map(|(field, lock)| format!("{} ({})", field.label(), lock.code))
            .collect();
        if !fields.is_empty() {
            locked.push((user.clone(), fields));
        }
    });
    if let Err(err) = read {
        list.error("locked fields", &err);
        return;
    }
    if locked.is_empty() {
        return;
    }
    let shown = if verbose { locked.len() } else { 5 };
    let names: Vec<String> = locked
        .iter()
        .take(shown)
        .map(|(user, fields)| format!("{user}: {}", fields.join(", ")))
        .collect();
    let more = locked.len().saturating_sub(shown);
    list.fix(
        "locked fields",
        format!(
            "{} whose organization does not let statusinator change a field: {}{}",
            count(locked.len(), "member", "members"),
            names.join("; "),
            if more > 0 {
                format!("; and {more} more (--verbose lists all)")
            } else {
                String::new()
            }
        ),
        "an org admin allows members to edit that field (Enterprise Grid: Admin settings, \
         Profile); the rest of each preset still applies, and the field is tried again after a \
         day or when the member presses Try again on statusinator's Home tab",
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
