//! A token as the Slack client takes it: the secret, where it came from (the only thing about
//! it that may be shown) and its workspace. It lives beside the client, which is all it is for;
//! where tokens come from is [`crate::tokens`]' business.

use std::fmt;

use crate::presets::UserId;
use crate::secret::SecretString;

/// Where a token came from: the only thing about a token that may be shown.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TokenSource {
    /// The member's entry in the tokens file.
    File(UserId),
    /// The token the member connected through Slack (OAuth), sealed in the store.
    Connected(UserId),
    /// A workspace's bot token, from its installation.
    Installation(String),
    /// `SLACK_TOKEN`.
    SlackToken,
    /// `SLACK_BOT_TOKEN`.
    BotToken,
    /// `SLACK_APP_TOKEN`: the app-level token that opens Socket Mode connections.
    AppToken,
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::File(user) => write!(f, "the tokens-file token of {user}"),
            TokenSource::Connected(user) => write!(f, "the connected token of {user}"),
            TokenSource::Installation(team) => write!(f, "the bot token of {team}"),
            TokenSource::SlackToken => f.write_str("SLACK_TOKEN"),
            TokenSource::BotToken => f.write_str("SLACK_BOT_TOKEN"),
            TokenSource::AppToken => f.write_str("SLACK_APP_TOKEN"),
        }
    }
}

/// A token, where it came from, and its workspace when known (Slack's tiers count per
/// workspace).
#[derive(Debug, Clone)]
pub struct Token {
    pub secret: SecretString,
    pub source: TokenSource,
    pub team: Option<String>,
}
