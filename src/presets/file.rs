//! `users.json` as a whole: every onboarded member's presets, parsed with its errors named,
//! and merged losslessly.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use super::rules::{Rule, Sections};
use super::{EmojiKey, UserId, UserPresets};

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
    /// The saves of `presets/pending.json` this file holds, up to this number (see
    /// [`super::pending`]); absent until the first fold.
    #[serde(rename = "foldedThrough", default, skip_serializing_if = "is_zero")]
    pub folded_through: u64,
    #[serde(default)]
    pub users: BTreeMap<UserId, UserPresets>,
    /// The workspace presets (`workspace`, `workspaces`), absent from files without any.
    #[serde(flatten)]
    pub sections: Sections,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What a merge did to one workspace preset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleChange {
    /// `workspace`, or `workspaces.<team>`.
    pub section: String,
    pub emoji: EmojiKey,
    pub change: Change,
    pub rule: Rule,
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
            for (emoji, change, preset) in merge_emoji(existing, presets, replace) {
                report.push(PresetChange {
                    user: user.clone(),
                    emoji,
                    change,
                    name: preset.name,
                    picture: preset.picture,
                });
            }
        }
        report
    }

    /// Merges incoming workspace presets, section by section: per emoji, or replacing a section
    /// whole when `replace`. Returns what changed, in order.
    pub fn merge_sections(&mut self, incoming: &Sections, replace: bool) -> Vec<RuleChange> {
        let mut merged = Vec::new();
        if !incoming.workspace.is_empty() {
            let changes = merge_emoji(&mut self.sections.workspace, &incoming.workspace, replace);
            merged.push(("workspace".to_owned(), changes));
        }
        for (team, section) in &incoming.workspaces {
            let existing = self.sections.workspaces.entry(team.clone()).or_default();
            let changes = merge_emoji(existing, section, replace);
            merged.push((format!("workspaces.{team}"), changes));
        }
        merged
            .into_iter()
            .flat_map(|(section, changes)| {
                changes
                    .into_iter()
                    .map(move |(emoji, change, rule)| RuleChange {
                        section: section.clone(),
                        emoji,
                        change,
                        rule,
                    })
            })
            .collect()
    }

    /// The file with `pending`'s saves it does not hold yet applied.
    pub fn apply_pending(&mut self, pending: &super::pending::Pending) {
        for (user, patch) in pending.members_after(self.folded_through) {
            match patch.apply(self.users.get(user)) {
                Some(presets) => {
                    self.users.insert(user.clone(), presets);
                }
                None => {
                    self.users.remove(user);
                }
            }
        }
        if let Some(sections) = pending.sections_after(self.folded_through) {
            self.sections = sections.clone();
        }
    }

    /// Sets `lastUpdatedAt` to now, and always forward, so every write bumps it.
    pub fn touch(&mut self, now: u64) {
        self.last_updated_at = now.max(self.last_updated_at + 1);
    }
}

/// Merges `incoming` into `existing` emoji by emoji (dropping the rest when `replace`): each
/// emoji with what happened to it and its value (the removed one's, for a removal).
fn merge_emoji<V: Clone + PartialEq + Default>(
    existing: &mut BTreeMap<EmojiKey, V>,
    incoming: &BTreeMap<EmojiKey, V>,
    replace: bool,
) -> Vec<(EmojiKey, Change, V)> {
    let mut report = Vec::new();
    for (emoji, value) in incoming {
        let change = match existing.get(emoji) {
            None => Change::Added,
            Some(old) if old == value => Change::Unchanged,
            Some(_) => Change::Changed,
        };
        report.push((emoji.clone(), change, value.clone()));
        existing.insert(emoji.clone(), value.clone());
    }
    if replace {
        let gone: Vec<EmojiKey> = existing
            .keys()
            .filter(|k| !incoming.contains_key(*k))
            .cloned()
            .collect();
        for emoji in gone {
            let old = existing.remove(&emoji).unwrap_or_default();
            report.push((emoji, Change::Removed, old));
        }
    }
    report
}

pub(super) fn parse_users_json<T: DeserializeOwned>(
    bytes: &[u8],
    source: &str,
) -> anyhow::Result<T> {
    serde_json::from_slice(bytes).map_err(|e| users_json_error(source, e))
}

pub(super) fn users_json_error(source: &str, e: serde_json::Error) -> anyhow::Error {
    anyhow::anyhow!("{source} is not a valid users.json: {e}; fix it by hand or re-run onboard")
}

/// `lastUpdatedAt` as the design wrote it: a number, or a numeric string.
pub(super) fn unix_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
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
