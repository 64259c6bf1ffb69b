//! Slack tokens: each member's own user token from the tokens file, else the one they connected
//! through Slack's OAuth (sealed in the store, see [`stored`]), else `SLACK_TOKEN`; a
//! workspace's bot token from its installation, else `SLACK_BOT_TOKEN`. A token is a
//! [`SecretString`]; what travels into messages is only where it came from.
//!
//! Looking a token up ([`Tokens::lookup`]) only reads: it says what it found, a token, one due
//! for a refresh, or a member disconnected since a given moment. Its caller decides what to do
//! about it: [`Tokens::for_user`] refreshes a due token before handing it over; a disconnected
//! member is reminded ([`Tokens::remind`]) by whoever holds the error, serve as an app job.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Result;

mod disconnected;
mod file;
pub mod listing;
pub mod rotation;
pub mod seal;
pub mod stored;

use crate::exit::UsageError;
use crate::presets::UserId;
use crate::secret::SecretString;
use crate::store::Store;

use seal::SealKey;
use stored::Connection;

pub use crate::slack::token::{Token, TokenSource};
pub use disconnected::{Disconnected, Refreshed};

/// Every token statusinator knows.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    file: Option<PathBuf>,
    by_user: HashMap<UserId, SecretString>,
    fallback: Option<SecretString>,
    bot: Option<SecretString>,
    /// Where connected members' tokens are, and the key they are sealed with.
    vault: Option<Vault>,
}

/// The store's sealed tokens, and the key to open them (`None`: connected tokens cannot be
/// used, and saying so is the error).
#[derive(Debug, Clone)]
pub struct Vault {
    pub store: Arc<dyn Store>,
    pub key: Option<SealKey>,
    /// With the app's credentials: tokens due are refreshed before use.
    pub refresher: Option<Arc<rotation::Refresher>>,
    /// This process's name in refresh claims.
    pub instance: String,
    /// Where members connect (`STATUSINATOR_PUBLIC_URL` + `/slack/install`): the link in the
    /// message a disconnected member gets.
    pub install_url: Option<String>,
}

/// A member is reminded to connect again at most this often.
pub const REMIND_EVERY: u64 = 24 * 3600;

/// What looking up a member's token found.
#[derive(Debug, Clone)]
pub enum Found {
    /// A token to use now.
    Token(Token),
    /// A connected token due for a refresh (or past its end) in `team`.
    Due { team: String },
    /// The member's connection stopped working.
    Disconnected(Disconnected),
}

impl Tokens {
    /// Reads the tokens file (refusing one readable by group or others) and takes `SLACK_TOKEN`
    /// and `SLACK_BOT_TOKEN` as given.
    pub fn load(
        file: Option<&Path>,
        slack_token: Option<String>,
        bot_token: Option<String>,
    ) -> Result<Self> {
        let mut tokens = Tokens {
            file: file.map(Path::to_path_buf),
            ..Tokens::default()
        };
        if let Some(path) = file {
            tokens.by_user = file::read_file(path)?;
        }
        let clean = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let (slack_token, bot_token) = (clean(slack_token), clean(bot_token));
        if slack_token
            .as_deref()
            .is_some_and(|t| t.starts_with("xoxb-"))
        {
            return Err(UsageError::new(
                "SLACK_TOKEN is a bot token (xoxb-…): profile changes need a member's own \
                 user token (xoxp-…); put a bot token in SLACK_BOT_TOKEN instead",
            )
            .into());
        }
        for (var, value) in [
            ("SLACK_TOKEN", &slack_token),
            ("SLACK_BOT_TOKEN", &bot_token),
        ] {
            if let Some(wrong) = value
                .as_deref()
                .and_then(|v| crate::setup::misshapen(var, v))
            {
                return Err(UsageError::new(format!("{var}: {wrong}")).into());
            }
        }
        tokens.fallback = slack_token.map(SecretString::new);
        tokens.bot = bot_token.map(SecretString::new);
        Ok(tokens)
    }

    /// Members' connected tokens are looked up in `vault` (after the tokens file, before
    /// `SLACK_TOKEN`).
    pub fn with_vault(self, vault: Vault) -> Self {
        Tokens {
            vault: Some(vault),
            ..self
        }
    }

    /// The store holding connected tokens, if any.
    pub fn vault(&self) -> Option<&Vault> {
        self.vault.as_ref()
    }

    /// The token that acts for `user`: their tokens-file entry, else the token they connected
    /// (refreshed first when it is due), else `SLACK_TOKEN`. A disconnected member is a
    /// [`Disconnected`] error; nobody is told here.
    pub fn for_user(&self, user: &UserId) -> anyhow::Result<Token> {
        match self.lookup(user)? {
            Found::Token(token) => Ok(token),
            Found::Due { team } => self.refresh(&team, user),
            Found::Disconnected(disconnected) => Err(UsageError::of(disconnected)),
        }
    }

    /// What acts for `user`, read and nothing else: no refresh, no message.
    pub fn lookup(&self, user: &UserId) -> anyhow::Result<Found> {
        if let Some(secret) = self.by_user.get(user) {
            return Ok(Found::Token(Token {
                secret: secret.clone(),
                source: TokenSource::File(user.clone()),
                team: None,
            }));
        }
        if let Some(found) = self.connected(user)? {
            return Ok(found);
        }
        if let Some(secret) = &self.fallback {
            return Ok(Found::Token(Token {
                secret: secret.clone(),
                source: TokenSource::SlackToken,
                team: None,
            }));
        }
        let file = match &self.file {
            Some(path) => format!("add \"{user}\": \"xoxp-…\" to {}", path.display()),
            None => format!(
                "give a tokens file (--tokens or STATUSINATOR_TOKENS) with \"{user}\": \"xoxp-…\""
            ),
        };
        Err(UsageError::new(format!(
            "no Slack token for {user}: have them connect their profile (serve's \
             /slack/install), {file}, or set SLACK_TOKEN; it must be {user}'s own user token \
             with the users.profile:write scope"
        ))
        .into())
    }

    /// The token `user` connected through Slack, opened; `None` when they did not connect.
    /// A member connected in several workspaces acts with a working one (the first by
    /// workspace ID).
    fn connected(&self, user: &UserId) -> anyhow::Result<Option<Found>> {
        let Some(vault) = &self.vault else {
            return Ok(None);
        };
        let records = stored::member_records(vault.store.as_ref(), user)?;
        let Some(record) = records
            .iter()
            .find(|r| r.connection == Connection::Connected)
            .or(records.first())
            .cloned()
        else {
            return Ok(None);
        };
        let location = vault
            .store
            .location(&stored::member_key(&record.team, user));
        if let Connection::Disconnected { reason, at } = &record.connection {
            return Ok(Some(Found::Disconnected(Disconnected {
                user: user.clone(),
                team: record.team.clone(),
                reason: reason.clone(),
                since: *at,
            })));
        }
        let Some(key) = &vault.key else {
            return Err(UsageError::new(format!(
                "{user} connected through Slack, but {} is not set: set the key their token \
                 ({location}) was sealed with",
                seal::KEY_VAR
            ))
            .into());
        };
        if rotation::due(&record, crate::clock::unix_now()) {
            return Ok(Some(Found::Due { team: record.team }));
        }
        let secret = record
            .open_access(key)
            .map_err(|err| UsageError::new(format!("the token record {location}: {err}")))?;
        Ok(Some(Found::Token(Token {
            secret,
            source: TokenSource::Connected(user.clone()),
            team: Some(record.team.clone()),
        })))
    }

    /// Refreshes `user`'s connected token in `team` when it is due (or waits for whoever is
    /// refreshing it), then hands it over. A refresh Slack refused for good is a
    /// [`Disconnected`] error.
    pub fn refresh(&self, team: &str, user: &UserId) -> anyhow::Result<Token> {
        let Some(Vault {
            store,
            key: Some(key),
            refresher,
            instance,
            ..
        }) = &self.vault
        else {
            anyhow::bail!("{user}'s connected token cannot be opened here");
        };
        let record = rotation::fresh(
            store.as_ref(),
            key,
            refresher.as_deref(),
            team,
            user,
            instance,
        )
        .map_err(|err| match self.disconnected(team, user) {
            Some(disconnected) => UsageError::of(disconnected),
            None => err,
        })?;
        let secret = record.open_access(key).map_err(|err| {
            UsageError::new(format!(
                "the token record {}: {err}",
                store.location(&stored::member_key(team, user))
            ))
        })?;
        Ok(Token {
            secret,
            source: TokenSource::Connected(user.clone()),
            team: Some(record.team),
        })
    }

    /// The bot token, for reads.
    pub fn bot(&self) -> Option<Token> {
        self.bot.as_ref().map(|secret| Token {
            secret: secret.clone(),
            source: TokenSource::BotToken,
            team: None,
        })
    }

    /// Fails, as a configuration error, when there is no user token for anybody: neither a
    /// tokens file entry nor `SLACK_TOKEN`. Said once at start instead of once per member.
    pub fn require_some_user_token(&self) -> anyhow::Result<()> {
        if !self.by_user.is_empty() || self.fallback.is_some() {
            return Ok(());
        }
        if let Some(vault) = &self.vault {
            if !vault.store.list(stored::TOKENS_PREFIX)?.is_empty() {
                return Ok(());
            }
        }
        let file = match &self.file {
            Some(path) => format!("the tokens file {} has no entries", path.display()),
            None => "no tokens file is given (--tokens or STATUSINATOR_TOKENS)".to_owned(),
        };
        Err(UsageError::new(format!(
            "there is no Slack user token for any member: {file} and SLACK_TOKEN is not set; \
             statusinator changes a profile only with its member's own user token (xoxp-…, \
             scopes users.profile:read and users.profile:write): put each member's token in a \
             tokens file ({{\"U024BE7LH\": \"xoxp-…\"}}, chmod 600), or have members connect \
             their profile through serve's /slack/install, which needs SLACK_CLIENT_ID and \
             SLACK_CLIENT_SECRET (the app's Basic Information page), STATUSINATOR_PUBLIC_URL \
             (serve's https:// address) and STATUSINATOR_SECRET_KEY (`statusinator tokens \
             new-key`)"
        ))
        .into())
    }

    /// A bot token for each workspace statusinator can read: every installation's; without
    /// any, `SLACK_BOT_TOKEN`.
    pub fn bots(&self) -> Vec<Token> {
        let mut out = Vec::new();
        if let Some(Vault {
            store,
            key: Some(key),
            ..
        }) = &self.vault
        {
            match stored::list_installations(store.as_ref()) {
                Ok(installations) => {
                    for installation in installations {
                        match installation.open_bot(key) {
                            Ok(secret) => out.push(Token {
                                secret,
                                source: TokenSource::Installation(installation.team.clone()),
                                team: Some(installation.team.clone()),
                            }),
                            Err(err) => {
                                log::warn!("the installation of {}: {err}", installation.team)
                            }
                        }
                    }
                }
                Err(err) => log::warn!("reading the installations: {err:#}"),
            }
        }
        if out.is_empty() {
            out.extend(self.bot());
        }
        out
    }

    /// The bot token of a member's workspace, when it is known (see [`Tokens::bot_for`]), else
    /// `SLACK_BOT_TOKEN`.
    pub fn bot_of(&self, team: Option<&str>) -> Option<Token> {
        match team {
            Some(team) => self.bot_for(team),
            None => self.bot(),
        }
    }

    /// The bot token of a workspace: its installation's, else `SLACK_BOT_TOKEN`.
    pub fn bot_for(&self, team: &str) -> Option<Token> {
        if let Some(Vault {
            store,
            key: Some(key),
            ..
        }) = &self.vault
        {
            if let Ok(Some(installation)) = stored::load_installation(store.as_ref(), team) {
                match installation.open_bot(key) {
                    Ok(secret) => {
                        return Some(Token {
                            secret,
                            source: TokenSource::Installation(team.to_owned()),
                            team: Some(team.to_owned()),
                        })
                    }
                    Err(err) => log::warn!("the installation of {team}: {err}"),
                }
            }
        }
        // SLACK_BOT_TOKEN, used for `team`: its calls pace in that workspace's lanes, as an
        // installation's do.
        self.bot().map(|bot| Token {
            team: bot.team.or_else(|| Some(team.to_owned())),
            ..bot
        })
    }

    /// The tokens file's entries, by member (for checks; the secrets stay secret).
    pub fn file_members(&self) -> Vec<(&UserId, &SecretString)> {
        let mut out: Vec<_> = self.by_user.iter().collect();
        out.sort_by(|a, b| a.0.cmp(b.0));
        out
    }

    /// Whether `user` has a token of their own in the tokens file.
    pub fn has_own(&self, user: &UserId) -> bool {
        self.by_user.contains_key(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_private(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("tokens.json");
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        path
    }

    #[test]
    fn a_members_own_token_wins_over_slack_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_private(dir.path(), r#"{"U1AAA": "xoxp-own"}"#);
        let tokens = Tokens::load(Some(&path), Some("xoxp-shared".into()), None).unwrap();
        let ana = tokens.for_user(&UserId::parse("U1AAA").unwrap()).unwrap();
        assert_eq!(ana.secret.expose(), "xoxp-own");
        assert_eq!(ana.source.to_string(), "the tokens-file token of U1AAA");
        let ben = tokens.for_user(&UserId::parse("U2BBB").unwrap()).unwrap();
        assert_eq!(ben.source, TokenSource::SlackToken);
    }

    #[test]
    fn no_token_says_where_to_put_one() {
        let tokens = Tokens::load(None, None, None).unwrap();
        let err = tokens
            .for_user(&UserId::parse("U1AAA").unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.contains("no Slack token for U1AAA"), "{err}");
        assert!(err.contains("SLACK_TOKEN"), "{err}");
    }

    #[test]
    fn bad_entries_are_named_without_showing_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_private(
            dir.path(),
            r#"{"U1AAA": "xoxb-secret-bot", "nope": "xoxp-secret-1", "U2BBB": 5}"#,
        );
        let err = format!("{:#}", Tokens::load(Some(&path), None, None).unwrap_err());
        assert!(err.contains("U1AAA: a bot token"), "{err}");
        assert!(err.contains("\"nope\""), "{err}");
        assert!(
            err.contains("U2BBB: the value is not a Slack token"),
            "{err}"
        );
        assert!(!err.contains("secret"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_tokens_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = write_private(dir.path(), r#"{"U1AAA": "xoxp-own"}"#);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Tokens::load(Some(&path), None, None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("readable by group or others (mode 644)"),
            "{err}"
        );
        assert!(err.contains("chmod 600"), "{err}");
    }

    #[test]
    fn a_bot_token_in_slack_token_is_refused() {
        let err = Tokens::load(None, Some("xoxb-1".into()), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("SLACK_TOKEN is a bot token"), "{err}");
    }
}
