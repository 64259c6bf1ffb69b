//! doctor's checks of the members and the bots that serve them: the tokens file against the
//! onboarded members, each member's token with Slack, each installation's bot (and an org-wide
//! install's workspaces), and the fields members' organizations lock.

use super::checklist::{Checklist, Status};
use super::{count, missing, slack_error, MAX_TOKEN_CHECKS, NAMED};
use crate::exit::ExitCode;
use crate::oauth::{BOT_SCOPES, USER_SCOPES};
use crate::presets::UserId;
use crate::setup::Kind;
use crate::slack::SlackClient;
use crate::store::Store;
use crate::tokens::{TokenSource, Tokens};

/// The tokens file against the onboarded members.
pub(super) fn check_tokens_file(
    list: &mut Checklist,
    tokens: &Tokens,
    onboarded: &[UserId],
    known: bool,
) {
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
pub(super) fn nearest<'a>(user: &UserId, onboarded: &'a [UserId]) -> Option<&'a UserId> {
    let close: Vec<&UserId> = onboarded
        .iter()
        .filter(|o| strsim::osa_distance(o.as_str(), user.as_str()) <= 2)
        .collect();
    (close.len() == 1).then(|| close[0])
}

/// How members' lines are told for the setup aimed at.
pub(super) struct Members {
    pub(super) kind: Kind,
    /// Where members connect, when they do.
    pub(super) connect_at: Option<String>,
    pub(super) verbose: bool,
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
    pub(super) fn check_members(
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
    pub(super) fn check_bots(&self, list: &mut Checklist, tokens: &Tokens, slack: &SlackClient) {
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
pub(super) fn check_locked(list: &mut Checklist, store: &dyn Store, verbose: bool) {
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
