//! The presets model: what `users.json` holds ([`file`]), how its keys are validated
//! ([`keys`]) and its names checked ([`name`]), how a status emoji resolves to a preset
//! ([`resolve`]: exact code, then without skin tone, then `default`), and the compact table a
//! long-running process keeps them in ([`table`]); the workspace presets' rules as the file
//! holds them ([`rules`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub mod file;
pub mod keys;
pub mod name;
pub mod pending;
pub mod resolve;
pub mod rules;
pub mod table;

pub use file::{Change, PresetChange, RuleChange, UsersFile};
pub use keys::{EmojiKey, UserId};
pub use name::{check_name, MAX_NAME_CHARS, RESERVED_NAMES};
pub use resolve::{find, lookup, resolve_status, Resolved};
pub use table::PresetTable;

/// The reserved emoji key applied when a status is cleared or has no preset of its own.
pub const DEFAULT_KEY: &str = "default";

/// The name of the member's usual profile where a preset's key would stand.
pub const USUAL_KEY: &str = "usual";

/// What one emoji switches a member to: a display name, a picture (a store key), or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
}

/// One member's presets, by emoji key.
pub type UserPresets = BTreeMap<EmojiKey, Preset>;

/// What unit tests of presets build them with.
#[cfg(test)]
pub(crate) mod testing {
    use super::{EmojiKey, Preset};

    pub fn emoji(s: &str) -> EmojiKey {
        EmojiKey::parse(s).unwrap()
    }

    /// A preset with a name only.
    pub fn named(name: &str) -> Preset {
        Preset {
            name: Some(name.to_owned()),
            picture: None,
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
        // Without workspace presets, the file is written as it always was.
        let written = String::from_utf8(file.to_json()).unwrap();
        assert!(!written.contains("workspace"), "{written}");
        let numeric = UsersFile::from_json(br#"{"lastUpdatedAt": 5, "users": {}}"#, "x").unwrap();
        assert_eq!(numeric.last_updated_at, 5);
    }

    #[test]
    fn workspace_sections_sit_beside_users_and_the_table_reads_them_too() {
        let text = br#"{
          "lastUpdatedAt": 5,
          "users": {"U1AAA": {":palm_tree:": {"name": "Ana (away)"}}},
          "workspace": {":palm_tree:": {"name": "{name} (on vacation)", "photo": {"style": "grayscale"}}},
          "workspaces": {"T0TWO2": {":bus:": {"name": "{name} (commuting)"}}}
        }"#;
        let file = UsersFile::from_json(text, "users.json").unwrap();
        let table = PresetTable::from_json(text, "users.json").unwrap();
        assert_eq!(table.sections, file.sections);
        assert_eq!(file.sections.workspace.len(), 1);
        assert_eq!(file.sections.for_team(Some("T0TWO2")).len(), 1);
        // A reader that knows only `users` (an earlier version) reads the same members.
        #[derive(serde::Deserialize)]
        struct Earlier {
            users: BTreeMap<UserId, UserPresets>,
        }
        let earlier: Earlier = serde_json::from_slice(text).unwrap();
        assert_eq!(earlier.users, file.users);
        let again = UsersFile::from_json(&file.to_json(), "users.json").unwrap();
        assert_eq!(again, file);
        // A bad section is named like a bad member.
        let err = UsersFile::from_json(br#"{"workspaces": {"nope": {}}}"#, "users.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("workspace ID"), "{err}");
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
