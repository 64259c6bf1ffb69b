//! The keys of `users.json`: member IDs and emoji codes, checked and normalised.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{DEFAULT_KEY, USUAL_KEY};

/// A Slack member ID: `U` or `W`, then uppercase letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserId(String);

impl UserId {
    /// Checks the shape of a member ID and explains what is wrong with a bad one.
    pub fn parse(input: &str) -> Result<Self, String> {
        let mut chars = input.chars();
        let valid = matches!(chars.next(), Some('U' | 'W'))
            && input.len() >= 3
            && input.len() <= 32
            && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if valid {
            Ok(UserId(input.to_owned()))
        } else {
            Err(format!(
                "{} is not a Slack member ID: it must be U or W followed by uppercase \
                 letters and digits, like U024BE7LH (copy it from the member's profile, \
                 \"Copy member ID\")",
                crate::redact::excerpt(input)
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for UserId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        UserId::parse(&value)
    }
}

impl From<UserId> for String {
    fn from(value: UserId) -> String {
        value.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An emoji key of a preset: a Slack colon code (`:palm_tree:`, `:wave::skin-tone-3:`) or the
/// reserved `default`. Always stored in its canonical form, with colons.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmojiKey(String);

impl EmojiKey {
    /// The reserved `default` key.
    pub fn default_key() -> Self {
        EmojiKey(DEFAULT_KEY.to_owned())
    }

    /// Not a preset: the member's usual profile, put back when no preset applies. (A preset's
    /// key is a colon code or `default`, so this never names one.)
    pub fn usual() -> Self {
        EmojiKey(USUAL_KEY.to_owned())
    }

    pub fn is_usual(&self) -> bool {
        self.0 == USUAL_KEY
    }

    /// A key as a record of what was applied holds it: a preset's key, or `usual` (which a
    /// presets file would read as the colon code `:usual:`).
    pub fn from_record(input: &str) -> Result<Self, String> {
        if input.trim() == USUAL_KEY {
            return Ok(Self::usual());
        }
        Self::parse(input)
    }

    /// Parses a colon code, with or without its colons (`palm_tree` becomes `:palm_tree:`), or
    /// `default`.
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        if trimmed == DEFAULT_KEY {
            return Ok(Self::default_key());
        }
        let bare = trimmed.strip_prefix(':').unwrap_or(trimmed);
        let bare = bare.strip_suffix(':').unwrap_or(bare);
        let (name, tone) = match bare.split_once("::") {
            Some((name, tone)) => (name, Some(tone)),
            None => (bare, None),
        };
        let name_ok = !name.is_empty()
            && name.len() <= 100
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-+'.".contains(c));
        let tone_ok = match tone {
            None => true,
            Some(t) => matches!(
                t,
                "skin-tone-2" | "skin-tone-3" | "skin-tone-4" | "skin-tone-5" | "skin-tone-6"
            ),
        };
        if name_ok && tone_ok {
            Ok(EmojiKey(format!(":{bare}:")))
        } else if !tone_ok {
            Err(format!(
                "{} has an unknown skin tone: Slack's are :skin-tone-2: to :skin-tone-6:, \
                 as in :wave::skin-tone-3:",
                crate::redact::excerpt(input)
            ))
        } else {
            Err(format!(
                "{} is not a Slack emoji code: use the colon code, like :palm_tree: \
                 (lowercase letters, digits, _ - + ' .), or \"default\"",
                crate::redact::excerpt(input)
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_default(&self) -> bool {
        self.0 == DEFAULT_KEY
    }

    /// The same code without its skin tone (`:wave::skin-tone-3:` → `:wave:`), if it has one.
    pub fn without_skin_tone(&self) -> Option<EmojiKey> {
        let (base, _) = self.0.split_once("::")?;
        Some(EmojiKey(format!("{base}:")))
    }
}

impl TryFrom<String> for EmojiKey {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        EmojiKey::parse(&value)
    }
}

impl From<EmojiKey> for String {
    fn from(value: EmojiKey) -> String {
        value.0
    }
}

impl fmt::Display for EmojiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
