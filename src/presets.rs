//! The presets model: what `users.json` holds, how its keys are validated, how presets merge, and
//! how a status emoji resolves to a preset (exact code, then without skin tone, then `default`).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// The reserved emoji key applied when a status is cleared or has no preset of its own.
pub const DEFAULT_KEY: &str = "default";

/// The name of the member's usual profile where a preset's key would stand.
pub const USUAL_KEY: &str = "usual";

/// The longest display name Slack accepts (`users.profile.set`, `display_name`).
pub const MAX_NAME_CHARS: usize = 80;

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

/// What one emoji switches a member to: a display name, a picture (a store key), or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
}

/// Names Slack keeps for itself: `users.profile.set` answers `reserved_name`.
pub const RESERVED_NAMES: [&str; 6] = ["slackbot", "slack", "here", "channel", "everyone", "group"];

/// Checks a display name against what `users.profile.set` accepts (at most 80 characters, no
/// leading `@`, no web address, not a name Slack reserves) and says what to do about a bad one,
/// so a preset Slack would refuse at every apply is refused once, at onboard.
pub fn check_name(name: &str) -> Result<(), String> {
    let chars = name.chars().count();
    let shown = crate::redact::excerpt(name);
    let trimmed = name.trim();
    if trimmed.is_empty() {
        Err("the name is empty: give a display name or leave \"name\" out".to_owned())
    } else if chars > MAX_NAME_CHARS {
        Err(format!(
            "the name {shown} has {chars} characters; Slack allows at most {MAX_NAME_CHARS}: \
             shorten it"
        ))
    } else if trimmed.starts_with('@') {
        Err(format!(
            "the name {shown} starts with @, which Slack refuses (invalid_starts_with_at): \
             drop the @"
        ))
    } else if let Some(address) = web_address(trimmed) {
        Err(format!(
            "the name {shown} holds a web address ({}), which Slack refuses in names \
             (name_not_allowed): leave it out",
            crate::redact::excerpt(address)
        ))
    } else if RESERVED_NAMES
        .iter()
        .any(|r| trimmed.eq_ignore_ascii_case(r))
    {
        Err(format!(
            "the name {shown} is reserved by Slack (reserved_name): choose another"
        ))
    } else {
        Ok(())
    }
}

/// The first word of `name` that reads as a web address: a scheme (`https://…`), `www.…`, or a
/// dotted host ending in a common top-level domain (`example.com`).
fn web_address(name: &str) -> Option<&str> {
    const TLDS: [&str; 16] = [
        "com", "net", "org", "io", "co", "dev", "app", "me", "info", "biz", "ly", "gg", "ai",
        "xyz", "site", "link",
    ];
    name.split(|c: char| c.is_whitespace() || "()[]<>,;\"'".contains(c))
        .find(|word| {
            let lower = word.to_ascii_lowercase();
            if lower.contains("://") || lower.starts_with("www.") {
                return true;
            }
            let host = lower.split('/').next().unwrap_or_default();
            let host = host.trim_end_matches(['.', '!', '?', ':']);
            let mut labels = host.rsplit('.');
            let (Some(tld), Some(label)) = (labels.next(), labels.next()) else {
                return false;
            };
            !label.is_empty()
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && TLDS.contains(&tld)
        })
}

/// One member's presets, by emoji key.
pub type UserPresets = BTreeMap<EmojiKey, Preset>;

/// How a member's status resolved to a preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved<'a> {
    /// The key whose preset applies (`default` for a cleared or unmapped status).
    pub key: &'a EmojiKey,
    pub preset: &'a Preset,
}

/// Finds the preset for an emoji: the exact code, then the code without its skin tone.
/// `default` finds the default preset. No fallback to `default` for other codes.
pub fn find<'a>(presets: &'a UserPresets, emoji: &EmojiKey) -> Option<Resolved<'a>> {
    let exact = presets.get_key_value(emoji);
    let toneless = || {
        let base = emoji.without_skin_tone()?;
        presets.get_key_value(&base)
    };
    exact
        .or_else(toneless)
        .map(|(key, preset)| Resolved { key, preset })
}

/// Resolves a member's current status emoji (as Slack reports it, `""` when cleared) to the preset
/// that should be in effect: the emoji's own preset, else `default`. `None` when neither exists.
pub fn resolve_status<'a>(presets: &'a UserPresets, status_emoji: &str) -> Option<Resolved<'a>> {
    let own = match status_emoji.trim() {
        "" => None,
        code => EmojiKey::parse(code)
            .ok()
            .and_then(|emoji| find(presets, &emoji)),
    };
    own.or_else(|| find(presets, &EmojiKey::default_key()))
}

/// What a merge did to one member's preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Added,
    Changed,
    Unchanged,
    Removed,
}

/// One line of a merge report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PresetChange {
    pub user: UserId,
    pub emoji: EmojiKey,
    pub change: Change,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
}

/// The whole `users.json`: every onboarded member's presets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersFile {
    #[serde(rename = "lastUpdatedAt", deserialize_with = "unix_seconds", default)]
    pub last_updated_at: u64,
    #[serde(default)]
    pub users: BTreeMap<UserId, UserPresets>,
}

impl UsersFile {
    /// Parses `users.json` as stored; `source` names it in errors.
    pub fn from_json(bytes: &[u8], source: &str) -> anyhow::Result<Self> {
        parse_users_json(bytes, source)
    }

    /// The stored form: pretty JSON with a trailing newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("users.json always serializes");
        out.push(b'\n');
        out
    }

    /// Merges incoming presets: per emoji, or replacing a member's presets whole when `replace`.
    /// Returns what changed, member by member and emoji by emoji, in order.
    pub fn merge(
        &mut self,
        incoming: &BTreeMap<UserId, UserPresets>,
        replace: bool,
    ) -> Vec<PresetChange> {
        let mut report = Vec::new();
        for (user, presets) in incoming {
            let existing = self.users.entry(user.clone()).or_default();
            for (emoji, preset) in presets {
                let change = match existing.get(emoji) {
                    None => Change::Added,
                    Some(old) if old == preset => Change::Unchanged,
                    Some(_) => Change::Changed,
                };
                report.push(PresetChange {
                    user: user.clone(),
                    emoji: emoji.clone(),
                    change,
                    name: preset.name.clone(),
                    picture: preset.picture.clone(),
                });
                existing.insert(emoji.clone(), preset.clone());
            }
            if replace {
                let gone: Vec<EmojiKey> = existing
                    .keys()
                    .filter(|k| !presets.contains_key(*k))
                    .cloned()
                    .collect();
                for emoji in gone {
                    let old = existing.remove(&emoji).unwrap_or_default();
                    report.push(PresetChange {
                        user: user.clone(),
                        emoji,
                        change: Change::Removed,
                        name: old.name,
                        picture: old.picture,
                    });
                }
            }
        }
        report
    }

    /// Sets `lastUpdatedAt` to now, and always forward, so every write bumps it.
    pub fn touch(&mut self, now: u64) {
        self.last_updated_at = now.max(self.last_updated_at + 1);
    }
}

fn parse_users_json<T: DeserializeOwned>(bytes: &[u8], source: &str) -> anyhow::Result<T> {
    serde_json::from_slice(bytes).map_err(|e| users_json_error(source, e))
}

fn users_json_error(source: &str, e: serde_json::Error) -> anyhow::Error {
    anyhow::anyhow!("{source} is not a valid users.json: {e}; fix it by hand or re-run onboard")
}

/// Every member's presets, held compactly for a process that keeps them in memory (`serve`):
/// emoji keys are shared between members and strings carry no spare capacity. Read straight
/// from `users.json`, with exactly the checks of [`UsersFile`], and never as a `UsersFile`
/// first, so loading a large file does not hold both forms at once.
#[derive(Debug, Default)]
pub struct PresetTable {
    /// Every distinct emoji key, indexed by [`Entry::emoji`].
    emojis: Vec<EmojiKey>,
    users: HashMap<UserId, Box<[Entry]>>,
}

/// `users.json` as the table reads it.
#[derive(Deserialize)]
struct TableFile {
    // Read to be checked like UsersFile's; the table has no use for it.
    #[serde(rename = "lastUpdatedAt", deserialize_with = "unix_seconds", default)]
    #[allow(dead_code)]
    last_updated_at: u64,
    #[serde(default)]
    users: PresetTable,
}

/// One preset of a member, in emoji-key order.
#[derive(Debug)]
struct Entry {
    emoji: u32,
    name: Option<Box<str>>,
    picture: Option<Box<str>>,
}

impl PresetTable {
    /// Parses `users.json` as stored; `source` names it in errors.
    pub fn from_json(bytes: &[u8], source: &str) -> anyhow::Result<Self> {
        parse_users_json::<TableFile>(bytes, source).map(|file| file.users)
    }

    /// Parses `users.json` from a stream (with the same checks as [`PresetTable::from_json`]),
    /// never holding the file's bytes whole.
    pub fn from_reader(reader: impl std::io::Read, source: &str) -> anyhow::Result<Self> {
        serde_json::from_reader::<_, TableFile>(reader)
            .map(|file| file.users)
            .map_err(|e| users_json_error(source, e))
    }

    /// Members onboarded.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    pub fn contains(&self, user: &UserId) -> bool {
        self.users.contains_key(user)
    }

    /// Every member onboarded, in no order.
    pub fn users(&self) -> impl Iterator<Item = &UserId> {
        self.users.keys()
    }

    /// A member's presets.
    pub fn get(&self, user: &UserId) -> Option<UserPresets> {
        let entries = self.users.get(user)?;
        Some(
            entries
                .iter()
                .map(|entry| {
                    let preset = Preset {
                        name: entry.name.as_deref().map(str::to_owned),
                        picture: entry.picture.as_deref().map(str::to_owned),
                    };
                    (self.emojis[entry.emoji as usize].clone(), preset)
                })
                .collect(),
        )
    }
}

#[derive(Default)]
struct TableBuilder {
    table: PresetTable,
    index: HashMap<EmojiKey, u32>,
}

impl TableBuilder {
    fn insert(&mut self, user: UserId, presets: UserPresets) {
        let entries = presets
            .into_iter()
            .map(|(emoji, preset)| {
                let next = self.table.emojis.len() as u32;
                let emoji = *self.index.entry(emoji).or_insert_with_key(|emoji| {
                    self.table.emojis.push(emoji.clone());
                    next
                });
                Entry {
                    emoji,
                    name: preset.name.map(String::into_boxed_str),
                    picture: preset.picture.map(String::into_boxed_str),
                }
            })
            .collect();
        self.table.users.insert(user, entries);
    }
}

impl<'de> Deserialize<'de> for PresetTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> Visitor<'de> for Members {
            type Value = PresetTable;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PresetTable, A::Error> {
                let mut builder = TableBuilder::default();
                // Each member is read whole (and checked) before being packed.
                while let Some((user, presets)) = map.next_entry::<UserId, UserPresets>()? {
                    builder.insert(user, presets);
                }
                builder.table.users.shrink_to_fit();
                builder.table.emojis.shrink_to_fit();
                Ok(builder.table)
            }
        }
        deserializer.deserialize_map(Members)
    }
}

/// `lastUpdatedAt` as the design wrote it: a number, or a numeric string.
fn unix_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seconds {
        Int(u64),
        Float(f64),
        Text(String),
    }
    let bad = || serde::de::Error::custom("lastUpdatedAt must be unix seconds");
    match Seconds::deserialize(deserializer)? {
        Seconds::Int(n) => Ok(n),
        Seconds::Float(f) if f >= 0.0 && f.is_finite() => Ok(f as u64),
        Seconds::Float(_) => Err(bad()),
        Seconds::Text(s) => {
            let s = s.trim();
            s.parse::<u64>()
                .or_else(|_| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|f| *f >= 0.0 && f.is_finite())
                        .map(|f| f as u64)
                        .ok_or(())
                })
                .map_err(|_| bad())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emoji(s: &str) -> EmojiKey {
        EmojiKey::parse(s).unwrap()
    }

    fn preset(name: &str) -> Preset {
        Preset {
            name: Some(name.to_owned()),
            picture: None,
        }
    }

    #[test]
    fn member_ids_must_look_like_slack_ids() {
        assert!(UserId::parse("U024BE7LH").is_ok());
        assert!(UserId::parse("W012A3CDE").is_ok());
        for bad in [
            "",
            "U",
            "u024be7lh",
            "X024BE7LH",
            "U024 BE7",
            "U02-4",
            "Ü12345",
        ] {
            let err = UserId::parse(bad).unwrap_err();
            assert!(err.contains("member ID"), "{bad}: {err}");
        }
    }

    #[test]
    fn emoji_codes_are_normalised_to_colon_form() {
        assert_eq!(emoji("palm_tree").as_str(), ":palm_tree:");
        assert_eq!(emoji(":palm_tree:").as_str(), ":palm_tree:");
        assert_eq!(emoji(" :+1: ").as_str(), ":+1:");
        assert_eq!(emoji(":wave::skin-tone-3:").as_str(), ":wave::skin-tone-3:");
        assert_eq!(emoji("wave::skin-tone-3").as_str(), ":wave::skin-tone-3:");
        assert!(emoji("default").is_default());
    }

    #[test]
    fn bad_emoji_codes_say_what_a_good_one_looks_like() {
        for bad in ["🌴", "", "::", ":Palm_Tree:", ":palm tree:", ":a:b:"] {
            let err = EmojiKey::parse(bad).unwrap_err();
            assert!(err.contains(":palm_tree:"), "{bad}: {err}");
        }
        let err = EmojiKey::parse(":wave::skin-tone-9:").unwrap_err();
        assert!(err.contains("skin tone"), "{err}");
    }

    #[test]
    fn skin_tone_falls_back_to_the_plain_code() {
        let mut presets = UserPresets::new();
        presets.insert(emoji(":wave:"), preset("waving"));
        presets.insert(emoji(":wave::skin-tone-5:"), preset("waving 5"));
        presets.insert(EmojiKey::default_key(), preset("me"));
        let found = find(&presets, &emoji(":wave::skin-tone-3:")).unwrap();
        assert_eq!(found.key.as_str(), ":wave:");
        let found = find(&presets, &emoji(":wave::skin-tone-5:")).unwrap();
        assert_eq!(found.preset.name.as_deref(), Some("waving 5"));
        assert!(find(&presets, &emoji(":palm_tree:")).is_none());
    }

    #[test]
    fn a_cleared_or_unmapped_status_resolves_to_default() {
        let mut presets = UserPresets::new();
        presets.insert(emoji(":palm_tree:"), preset("away"));
        assert!(resolve_status(&presets, "").is_none());
        presets.insert(EmojiKey::default_key(), preset("me"));
        assert_eq!(
            resolve_status(&presets, "").unwrap().key.as_str(),
            "default"
        );
        assert_eq!(
            resolve_status(&presets, ":speech_balloon:")
                .unwrap()
                .key
                .as_str(),
            "default"
        );
        assert_eq!(
            resolve_status(&presets, ":palm_tree:")
                .unwrap()
                .key
                .as_str(),
            ":palm_tree:"
        );
    }

    #[test]
    fn names_over_80_characters_are_refused() {
        assert!(check_name(&"é".repeat(80)).is_ok());
        let err = check_name(&"é".repeat(81)).unwrap_err();
        assert!(err.contains("81 characters"), "{err}");
        assert!(check_name("  ").is_err());
    }

    #[test]
    fn names_slack_would_refuse_are_refused_with_slacks_reason() {
        for (name, reason) in [
            ("@ana", "invalid_starts_with_at"),
            ("  @ana (away)", "invalid_starts_with_at"),
            ("Ana https://ana.dev", "name_not_allowed"),
            ("Ana (www.ana.page)", "name_not_allowed"),
            ("see ana.com/away", "name_not_allowed"),
            ("Slackbot", "reserved_name"),
            ("everyone", "reserved_name"),
        ] {
            let err = check_name(name).unwrap_err();
            assert!(err.contains(reason), "{name}: {err}");
        }
        for fine in [
            "Ana (on vacation)",
            "Ana @ home",
            "Dr. Ana",
            "Ana B. (back Mon.)",
            "Ana 🌴",
            "slackbot fan",
            "node.js dev",
        ] {
            assert_eq!(check_name(fine), Ok(()), "{fine}");
        }
    }

    #[test]
    fn the_designs_users_json_loads_with_a_string_timestamp() {
        let text = r#"{
          "lastUpdatedAt": "1732406400",
          "users": {
            "U024BE7LH": {
              ":palm_tree:": { "name": "Ana (on vacation)", "picture": "U024BE7LH/1b4e28ba-2fa1-11d2-883f-0016d3cca427.png" },
              ":face_with_thermometer:": { "name": "Ana (sick)" },
              "default":   { "name": "Ana", "picture": "U024BE7LH/6fa459ea-ee8a-3ca4-894e-db77e160355e.jpg" }
            }
          }
        }"#;
        let file = UsersFile::from_json(text.as_bytes(), "users.json").unwrap();
        assert_eq!(file.last_updated_at, 1732406400);
        let ana = &file.users[&UserId::parse("U024BE7LH").unwrap()];
        assert_eq!(ana.len(), 3);
        assert_eq!(
            ana[&emoji(":face_with_thermometer:")].picture,
            None::<String>
        );
        let again = UsersFile::from_json(&file.to_json(), "users.json").unwrap();
        assert_eq!(again, file);
        let numeric = UsersFile::from_json(br#"{"lastUpdatedAt": 5, "users": {}}"#, "x").unwrap();
        assert_eq!(numeric.last_updated_at, 5);
    }

    #[test]
    fn a_broken_users_json_is_named_in_the_error() {
        let err = UsersFile::from_json(br#"{"users": {"nope": {}}}"#, "s3://b/users.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("s3://b/users.json"), "{err}");
        assert!(err.contains("member ID"), "{err}");
    }

    #[test]
    fn the_compact_table_holds_exactly_what_users_json_says() {
        let text = br#"{
          "lastUpdatedAt": "1732406400",
          "users": {
            "U024BE7LH": {
              ":palm_tree:": { "name": "Ana (on vacation)", "picture": "U024BE7LH/a.png" },
              ":wave::skin-tone-3:": { "name": "Ana waves" },
              "default": { "picture": "U024BE7LH/b.jpg" }
            },
            "W0BEN0002": { ":palm_tree:": { "name": "Ben (away)" } },
            "U0EMPTY01": {}
          }
        }"#;
        let file = UsersFile::from_json(text, "users.json").unwrap();
        let table = PresetTable::from_json(text, "users.json").unwrap();
        assert_eq!(table.len(), 3);
        for (user, presets) in &file.users {
            assert!(table.contains(user));
            assert_eq!(table.get(user).as_ref(), Some(presets), "{user}");
        }
        assert_eq!(table.emojis.len(), 3, "keys shared between members");
        let nobody = UserId::parse("U0NOBODY1").unwrap();
        assert!(!table.contains(&nobody) && table.get(&nobody).is_none());
        let empty = PresetTable::from_json(br#"{"lastUpdatedAt": 1}"#, "users.json").unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn the_compact_table_refuses_what_users_file_refuses() {
        for bad in [
            &br#"{"users": {"nope": {}}}"#[..],
            br#"{"users": {"U1AAA": {"palm tree": {}}}}"#,
            br#"{"users": {"U1AAA": {":x:": {"name": "a", "colour": "red"}}}}"#,
            br#"{"lastUpdatedAt": "yesterday", "users": {}}"#,
            br#"{"users": []}"#,
            b"{",
        ] {
            let file = UsersFile::from_json(bad, "s3://b/users.json").unwrap_err();
            let table = PresetTable::from_json(bad, "s3://b/users.json").unwrap_err();
            assert!(table.to_string().contains("s3://b/users.json"), "{table}");
            assert_eq!(
                file.to_string().split(" at line").next(),
                table.to_string().split(" at line").next(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn merge_is_per_emoji_and_replace_drops_the_rest() {
        let ana = UserId::parse("U1AAA").unwrap();
        let mut file = UsersFile::default();
        let mut first = UserPresets::new();
        first.insert(emoji(":palm_tree:"), preset("away"));
        first.insert(EmojiKey::default_key(), preset("Ana"));
        let incoming = BTreeMap::from([(ana.clone(), first)]);
        let report = file.merge(&incoming, false);
        assert!(report.iter().all(|c| c.change == Change::Added));

        let mut second = UserPresets::new();
        second.insert(emoji(":palm_tree:"), preset("on a beach"));
        let incoming = BTreeMap::from([(ana.clone(), second)]);
        let report = file.merge(&incoming.clone(), false);
        assert_eq!(report.len(), 1);
        assert_eq!(report[0].change, Change::Changed);
        assert_eq!(file.users[&ana].len(), 2);

        let report = file.merge(&incoming, true);
        let changes: Vec<Change> = report.iter().map(|c| c.change).collect();
        assert_eq!(changes, vec![Change::Unchanged, Change::Removed]);
        assert_eq!(file.users[&ana].len(), 1);
    }

    #[test]
    fn every_write_moves_the_timestamp_forward() {
        let mut file = UsersFile {
            last_updated_at: 100,
            ..Default::default()
        };
        file.touch(50);
        assert_eq!(file.last_updated_at, 101);
        file.touch(500);
        assert_eq!(file.last_updated_at, 500);
    }
}
