//! Reading an onboard input: each member and preset checked, every problem kept with its
//! place.

use serde_json::Value;

use super::{KnownEmoji, Problem};
use crate::presets::{self, EmojiKey, UserId};
use crate::workspace::{Rule, Section, Sections, TeamId};

pub(super) struct RawUser<'a> {
    /// `None` for a bad member ID: its presets are still checked, so every problem shows.
    pub(super) id: Option<UserId>,
    pub(super) label: String,
    pub(super) presets: Vec<RawPreset<'a>>,
}

pub(super) struct RawPreset<'a> {
    pub(super) emoji: EmojiKey,
    pub(super) label: String,
    pub(super) name: Option<String>,
    /// As given: a path or a URL, borrowed from the input.
    pub(super) picture: Option<&'a str>,
}

/// What a JSON value is, for a message that must not quote it whole.
fn kind(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.trim().is_empty() => "an empty string".to_owned(),
        Value::String(s) => crate::redact::excerpt(s),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

pub(super) fn place(source: &str, user: &str, emoji: &str) -> String {
    use crate::redact::label;
    format!("{source}: user {}, emoji {}", label(user), label(emoji))
}

/// Reads the workspace presets of the input (`workspace`, `workspaces`), each rule checked.
pub(super) fn read_sections(
    value: &Value,
    source: &str,
    problems: &mut Vec<Problem>,
    known: &KnownEmoji<'_>,
) -> Sections {
    let mut sections = Sections::default();
    let Some(top) = value.as_object() else {
        return sections;
    };
    let read = |place: &str, value: &Value, problems: &mut Vec<Problem>| -> Section {
        let mut section = Section::new();
        let Some(rules) = value.as_object() else {
            problems.push(Problem {
                place: format!("{source}: {place}"),
                message: "must be an object of emoji codes to workspace presets, like \
                          {\":palm_tree:\": {\"name\": \"{name} (on vacation)\"}}"
                    .to_owned(),
            });
            return section;
        };
        for (label, rule) in rules {
            let here = format!("{source}: {place}, emoji {}", crate::redact::label(label));
            let emoji = match EmojiKey::parse(label) {
                Ok(emoji) => emoji,
                Err(message) => {
                    problems.push(Problem {
                        place: here,
                        message,
                    });
                    continue;
                }
            };
            let rule: Rule = match serde_json::from_value(rule.clone()) {
                Ok(rule) => rule,
                Err(err) => {
                    problems.push(Problem {
                        place: here,
                        message: format!(
                            "{err}: a workspace preset has \"name\" (a template with {{name}}) \
                             and \"photo\" ({{\"badge\", \"style\", \"ring\"}})"
                        ),
                    });
                    continue;
                }
            };
            if let Some(message) = known.check(&emoji, &here) {
                problems.push(Problem {
                    place: here.clone(),
                    message,
                });
            }
            let badge = rule
                .photo
                .as_ref()
                .and_then(|photo| crate::workspace::badge_of(photo, &emoji))
                .filter(|badge| *badge != emoji.as_str())
                .and_then(|badge| EmojiKey::parse(badge).ok());
            if let Some(badge) = badge {
                let place = format!("{here}, photo, badge");
                if let Some(message) = known.check(&badge, &place) {
                    problems.push(Problem { place, message });
                }
            }
            for (part, message) in crate::workspace::check_rule(&emoji, &rule) {
                let place = if part.is_empty() {
                    here.clone()
                } else {
                    format!("{here}, {part}")
                };
                problems.push(Problem { place, message });
            }
            if section.insert(emoji.clone(), rule).is_some() {
                problems.push(Problem {
                    place: here,
                    message: format!(
                        "is the same emoji as another in {place} ({emoji}): keep one of them"
                    ),
                });
            }
        }
        section
    };
    if let Some(value) = top.get("workspace") {
        sections.workspace = read("workspace", value, problems);
    }
    match top.get("workspaces") {
        None => {}
        Some(Value::Object(teams)) => {
            for (team, value) in teams {
                let place = format!("workspaces, {}", crate::redact::label(team));
                match TeamId::parse(team) {
                    Ok(id) => {
                        let section = read(&place, value, problems);
                        sections.workspaces.insert(id, section);
                    }
                    Err(message) => problems.push(Problem {
                        place: format!("{source}: {place}"),
                        message,
                    }),
                }
            }
        }
        Some(_) => problems.push(Problem {
            place: format!("{source}: workspaces"),
            message: "must be an object of workspace IDs (T…) to workspace presets".to_owned(),
        }),
    }
    sections
}

/// Walks the input, checking its shape, member IDs, emoji codes and names.
pub(super) fn read_users<'a>(
    value: &'a Value,
    source: &str,
    problems: &mut Vec<Problem>,
    known: &KnownEmoji<'_>,
) -> Vec<RawUser<'a>> {
    let mut problem = |place: String, message: String| problems.push(Problem { place, message });
    let Some(top) = value.as_object() else {
        problem(
            source.to_owned(),
            "the presets must be a JSON object of member IDs, like \
             {\"U024BE7LH\": {\":palm_tree:\": {\"name\": \"Ana (on vacation)\"}}}"
                .to_owned(),
        );
        return Vec::new();
    };
    let has_sections = top.contains_key("workspace") || top.contains_key("workspaces");
    let users = match top.get("users") {
        Some(Value::Object(users)) => users,
        Some(_) => {
            problem(
                format!("{source}: \"users\""),
                "must be an object of member IDs".to_owned(),
            );
            return Vec::new();
        }
        None if has_sections => return Vec::new(),
        None => top,
    };
    if users.is_empty() && !has_sections {
        problem(
            source.to_owned(),
            "there are no members in it: add at least one member ID with presets".to_owned(),
        );
    }
    let mut out = Vec::new();
    for (user_label, presets_value) in users {
        let id = UserId::parse(user_label);
        if let Err(message) = &id {
            problem(
                format!("{source}: user {}", crate::redact::excerpt(user_label)),
                message.clone(),
            );
        }
        let Some(presets_map) = presets_value.as_object() else {
            problem(
                format!("{source}: user {}", crate::redact::label(user_label)),
                "must be an object of emoji codes to presets".to_owned(),
            );
            continue;
        };
        if presets_map.is_empty() {
            problem(
                format!("{source}: user {}", crate::redact::label(user_label)),
                "has no presets: add at least one emoji with a name or a picture".to_owned(),
            );
        }
        let mut presets: Vec<RawPreset> = Vec::new();
        for (emoji_label, preset_value) in presets_map {
            let here = place(source, user_label, emoji_label);
            let emoji = match EmojiKey::parse(emoji_label) {
                Ok(emoji) => emoji,
                Err(message) => {
                    problem(here, message);
                    continue;
                }
            };
            if !emoji.is_default() {
                if let Some(message) = known.check(&emoji, &here) {
                    problem(here.clone(), message);
                }
            }
            if let Some(twin) = presets.iter().find(|p| p.emoji == emoji) {
                problem(
                    here.clone(),
                    format!(
                        "is the same emoji as {} ({emoji}): keep one of them",
                        crate::redact::excerpt(&twin.label)
                    ),
                );
            }
            let Some(fields) = preset_value.as_object() else {
                problem(
                    here,
                    "must be an object with \"name\", \"picture\" or both".to_owned(),
                );
                continue;
            };
            let mut name = None;
            let mut picture = None;
            for (field, v) in fields {
                match (field.as_str(), v) {
                    ("name", Value::String(s)) => {
                        if let Err(message) = presets::check_name(s) {
                            problem(format!("{here}, name"), message);
                        }
                        name = Some(s.clone());
                    }
                    ("picture", Value::String(s)) if !s.trim().is_empty() => {
                        picture = Some(s.trim())
                    }
                    ("name" | "picture", _) => problem(
                        format!("{here}, {field}"),
                        format!("must be a non-empty string, not {}", kind(v)),
                    ),
                    (other, _) => problem(
                        format!("{here}, {}", crate::redact::excerpt(other)),
                        "is not a preset field: a preset has only \"name\" and \"picture\""
                            .to_owned(),
                    ),
                }
            }
            if fields.is_empty() {
                problem(
                    here,
                    "is an empty preset: give it a \"name\", a \"picture\", or both".to_owned(),
                );
            }
            presets.push(RawPreset {
                emoji,
                label: emoji_label.clone(),
                name,
                picture,
            });
        }
        out.push(RawUser {
            id: id.ok(),
            label: user_label.clone(),
            presets,
        });
    }
    out
}
