//! The workspace presets as `users.json` holds them: for each emoji, a name template and a
//! photo recipe, in a section for every workspace (`workspace`) and sections of their own for
//! workspaces named by team ID (`workspaces`). What they do is [`crate::workspace`]'s.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::EmojiKey;

/// The rules of one workspace (or of all), by emoji.
pub type Section = BTreeMap<EmojiKey, Rule>;

/// What one emoji gives every connected member who has no preset of their own for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The display name, with `{name}` for the member's usual name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How the photo is made from the member's usual one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<PhotoRule>,
}

/// How a made photo looks: the usual photo, optionally in grayscale, a coloured ring round it,
/// and an emoji as a badge in its lower right corner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoRule {
    /// The badge's emoji (standard or the workspace's custom one); absent: the rule's own
    /// emoji; `"none"`: no badge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badge: Option<String>,
    /// `"grayscale"`, or `"color"` (the default).
    #[serde(default, skip_serializing_if = "Style::is_color")]
    pub style: Style,
    /// A ring round the photo, as `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ring: Option<Colour>,
}

/// A made photo's colours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    #[default]
    Color,
    Grayscale,
}

impl Style {
    fn is_color(&self) -> bool {
        *self == Style::Color
    }
}

/// An sRGB colour, written `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Colour(pub [u8; 3]);

impl Colour {
    pub fn parse(text: &str) -> Result<Colour, String> {
        let hex = text.trim().strip_prefix('#').unwrap_or("");
        let bytes = (hex.len() == 6)
            .then(|| hex::decode(hex).ok())
            .flatten()
            .ok_or_else(|| {
                format!(
                    "{} is not a colour: write it as # and six hex digits, like \"#d33c3c\"",
                    crate::redact::excerpt(text)
                )
            })?;
        Ok(Colour([bytes[0], bytes[1], bytes[2]]))
    }
}

impl std::fmt::Display for Colour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

impl Serialize for Colour {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Colour {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Colour::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The badge a photo rule puts on for `emoji` (the rule's key): its own badge, else the emoji;
/// `None` for `"none"`.
pub fn badge_of<'a>(rule: &'a PhotoRule, emoji: &'a EmojiKey) -> Option<&'a str> {
    match rule.badge.as_deref().map(str::trim) {
        Some("none") => None,
        Some(badge) => Some(badge),
        None => Some(emoji.as_str()),
    }
}

/// Every workspace's rules as `users.json` holds them: one section for all, and sections of
/// their own for workspaces named by team ID.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sections {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub workspace: Section,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub workspaces: BTreeMap<TeamId, Section>,
}

impl Sections {
    pub fn is_empty(&self) -> bool {
        self.workspace.is_empty() && self.workspaces.values().all(BTreeMap::is_empty)
    }

    /// The rules for a member of `team` (`None`: a member whose workspace is not known, such
    /// as one with a token from the tokens file): that workspace's own section, else the one
    /// for all.
    pub fn for_team(&self, team: Option<&str>) -> &Section {
        self.for_team_in(team, None)
    }

    /// The rules for a member of `team` in Enterprise Grid organization `org`: the workspace's
    /// own section, else the organization's (`workspaces.E…`), else the one for all.
    pub fn for_team_in(&self, team: Option<&str>, org: Option<&str>) -> &Section {
        [team, org]
            .into_iter()
            .flatten()
            .find_map(|key| self.workspaces.get(key))
            .unwrap_or(&self.workspace)
    }

    /// Every section with where it is: `workspace`, then `workspaces.T…`.
    pub fn each(&self) -> impl Iterator<Item = (String, &Section)> {
        std::iter::once(("workspace".to_owned(), &self.workspace)).chain(
            self.workspaces
                .iter()
                .map(|(team, section)| (format!("workspaces.{team}"), section)),
        )
    }
}

/// A Slack workspace (team) ID: `T` then uppercase letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TeamId(String);

impl TeamId {
    pub fn parse(text: &str) -> Result<TeamId, String> {
        let ok = text.starts_with(['T', 'E'])
            && (3..=32).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if ok {
            Ok(TeamId(text.to_owned()))
        } else {
            Err(format!(
                "{} is not a Slack workspace ID: it is T followed by uppercase letters and \
                 digits, like T0B2C3D4E (doctor lists the workspaces statusinator is installed in)",
                crate::redact::excerpt(text)
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for TeamId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TeamId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        TeamId::parse(&value)
    }
}

impl From<TeamId> for String {
    fn from(value: TeamId) -> String {
        value.0
    }
}

impl std::fmt::Display for TeamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
