//! `statusinator tokens`: who is connected, with which token and in what state, without ever
//! showing a token.

use anyhow::Result;
use serde::Serialize;

use super::stored::{self, Connection};
use super::Tokens;

/// One member with a token of their own.
#[derive(Debug, Clone, Serialize)]
pub struct MemberLine {
    pub user: String,
    /// `tokens file` or `connected`.
    pub source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// `connected`, `disconnected` (with why), `sealed with another key`, `damaged`, or for
    /// the tokens file `given`.
    pub state: String,
}

/// One workspace's installation.
#[derive(Debug, Clone, Serialize)]
pub struct InstallationLine {
    pub team: String,
    pub team_name: String,
    pub bot_user_id: String,
    pub installed_by: String,
    pub state: String,
}

/// Everything `statusinator tokens` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub members: Vec<MemberLine>,
    pub installations: Vec<InstallationLine>,
    /// `SLACK_TOKEN` is set (for members without a token of their own).
    pub slack_token: bool,
    /// `SLACK_BOT_TOKEN` is set (for workspaces without an installation).
    pub slack_bot_token: bool,
    /// Token records that could not be read, each named with why: skipped, the rest listed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<String>,
}

/// Gathers the report: the tokens file's members, then every connected member (each record is
/// opened with the key, to say whether it works, and closed again).
pub fn report(tokens: &Tokens) -> Result<Report> {
    let mut members: Vec<MemberLine> = tokens
        .by_user
        .keys()
        .map(|user| MemberLine {
            user: user.to_string(),
            source: "tokens file",
            team: None,
            team_name: None,
            scopes: None,
            expires_at: None,
            state: "given".to_owned(),
        })
        .collect();
    let mut installations = Vec::new();
    let mut unreadable = Vec::new();
    if let Some(vault) = tokens.vault() {
        let store = vault.store.as_ref();
        let opens = |result: Result<crate::secret::SecretString, super::seal::OpenError>| match (
            &vault.key, result,
        ) {
            (None, _) => "cannot be checked: STATUSINATOR_SECRET_KEY is not set".to_owned(),
            (Some(_), Ok(_)) => "connected".to_owned(),
            (Some(_), Err(super::seal::OpenError::WrongKey { .. })) => {
                "sealed with another key".to_owned()
            }
            (Some(_), Err(super::seal::OpenError::Damaged)) => "damaged".to_owned(),
        };
        let listing = stored::list_members(store)?;
        unreadable = listing.unreadable;
        for record in listing.records {
            let state = match &record.connection {
                Connection::Disconnected { reason, .. } => format!("disconnected ({reason})"),
                Connection::Connected => match &vault.key {
                    Some(key) => opens(record.open_access(key)),
                    None => opens(Err(super::seal::OpenError::Damaged)),
                },
            };
            members.push(MemberLine {
                user: record.user.to_string(),
                source: "connected",
                team: Some(record.team.clone()),
                team_name: Some(record.team_name.clone()),
                scopes: Some(record.scopes.clone()),
                expires_at: record.expires_at,
                state,
            });
        }
        for installation in stored::list_installations(store)? {
            let state = match &vault.key {
                Some(key) => opens(installation.open_bot(key)),
                None => opens(Err(super::seal::OpenError::Damaged)),
            };
            installations.push(InstallationLine {
                team: installation.team.clone(),
                team_name: installation.team_name.clone(),
                bot_user_id: installation.bot_user_id.clone(),
                installed_by: installation.installed_by.as_ref().map_or_else(
                    || "a member since forgotten".to_owned(),
                    crate::presets::UserId::to_string,
                ),
                state,
            });
        }
    }
    members.sort_by(|a, b| a.user.cmp(&b.user).then(a.source.cmp(b.source)));
    Ok(Report {
        members,
        installations,
        slack_token: tokens.fallback.is_some(),
        slack_bot_token: tokens.bot.is_some(),
        unreadable,
    })
}

impl Report {
    /// The report as a person reads it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for m in &self.members {
            let mut detail = Vec::new();
            if let (Some(team), Some(name)) = (&m.team, &m.team_name) {
                detail.push(if name.is_empty() {
                    team.clone()
                } else {
                    format!("{team} ({name})")
                });
            }
            if let Some(scopes) = &m.scopes {
                detail.push(scopes.clone());
            }
            if let Some(at) = m.expires_at {
                detail.push(format!(
                    "expires {}",
                    humantime::format_rfc3339_seconds(
                        std::time::UNIX_EPOCH + std::time::Duration::from_secs(at)
                    )
                ));
            }
            out.push_str(&format!(
                "{:<12}{:<13}{:<26}{}\n",
                m.user,
                m.source,
                m.state,
                detail.join("  ")
            ));
        }
        for i in &self.installations {
            out.push_str(&format!(
                "workspace {} ({}): bot {} installed by {}, {}\n",
                i.team, i.team_name, i.bot_user_id, i.installed_by, i.state
            ));
        }
        for problem in &self.unreadable {
            out.push_str(&format!("skipped: {problem}\n"));
        }
        let set = |yes: bool| if yes { "set" } else { "not set" };
        out.push_str(&format!(
            "{} member{} with a token of their own; SLACK_TOKEN {} (for everyone else), \
             SLACK_BOT_TOKEN {}\n",
            self.members.len(),
            if self.members.len() == 1 { "" } else { "s" },
            set(self.slack_token),
            set(self.slack_bot_token)
        ));
        out
    }
}
