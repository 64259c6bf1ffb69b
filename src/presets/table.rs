//! Every member's presets, held compactly in memory.

use std::collections::HashMap;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::file::{parse_users_json, unix_seconds, users_json_error};
use super::rules::Sections;
use super::{EmojiKey, Preset, UserId, UserPresets};

/// Every member's presets, held compactly for a process that keeps them in memory (`serve`):
/// emoji keys are shared between members and strings carry no spare capacity. Read straight
/// from `users.json`, with exactly the checks of [`UsersFile`], and never as a `UsersFile`
/// first, so loading a large file does not hold both forms at once.
#[derive(Debug, Default, Clone)]
pub struct PresetTable {
    /// Every distinct emoji key, indexed by [`Entry::emoji`].
    pub(super) emojis: Vec<EmojiKey>,
    users: HashMap<UserId, Box<[Entry]>>,
    /// The workspace presets.
    pub sections: Sections,
    /// The saves of `presets/pending.json` the table holds, up to this number.
    pub folded_through: u64,
}

/// `users.json` as the table reads it.
#[derive(Deserialize)]
struct TableFile {
    // Read to be checked like UsersFile's; the table has no use for it.
    #[serde(rename = "lastUpdatedAt", deserialize_with = "unix_seconds", default)]
    #[allow(dead_code)]
    last_updated_at: u64,
    #[serde(rename = "foldedThrough", default)]
    folded_through: u64,
    #[serde(default)]
    users: PresetTable,
    #[serde(flatten)]
    sections: Sections,
}

impl TableFile {
    fn table(self) -> PresetTable {
        PresetTable {
            sections: self.sections,
            folded_through: self.folded_through,
            ..self.users
        }
    }
}

/// One preset of a member, in emoji-key order.
#[derive(Debug, Clone)]
struct Entry {
    emoji: u32,
    name: Option<Box<str>>,
    picture: Option<Box<str>>,
}

impl PresetTable {
    /// Parses `users.json` as stored; `source` names it in errors.
    pub fn from_json(bytes: &[u8], source: &str) -> anyhow::Result<Self> {
        parse_users_json::<TableFile>(bytes, source).map(TableFile::table)
    }

    /// Parses `users.json` from a stream (with the same checks as [`PresetTable::from_json`]),
    /// never holding the file's bytes whole.
    pub fn from_reader(reader: impl std::io::Read, source: &str) -> anyhow::Result<Self> {
        serde_json::from_reader::<_, TableFile>(reader)
            .map(TableFile::table)
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

    /// Applies `pending`'s saves above what the table holds: returns the members whose presets
    /// changed. The table then holds them up to `pending`'s latest.
    pub fn apply_pending(&mut self, pending: &super::pending::Pending) -> Vec<UserId> {
        let changed: Vec<(UserId, Option<UserPresets>)> = pending
            .members_after(self.folded_through)
            .map(|(user, patch)| (user.clone(), patch.apply(self.get(user).as_ref())))
            .collect();
        if let Some(sections) = pending.sections_after(self.folded_through) {
            self.sections = sections.clone();
        }
        let mut users = Vec::with_capacity(changed.len());
        for (user, presets) in changed {
            self.set(&user, presets);
            users.push(user);
        }
        self.folded_through = self.folded_through.max(pending.seq);
        users
    }

    /// Puts a member's presets (none: they are not onboarded any more).
    pub fn set(&mut self, user: &UserId, presets: Option<UserPresets>) {
        match presets {
            None => {
                self.users.remove(user);
            }
            Some(presets) => {
                let mut index: HashMap<EmojiKey, u32> = self
                    .emojis
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (e.clone(), i as u32))
                    .collect();
                let entries = pack(&mut self.emojis, &mut index, presets);
                self.users.insert(user.clone(), entries);
            }
        }
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
        let entries = pack(&mut self.table.emojis, &mut self.index, presets);
        self.table.users.insert(user, entries);
    }
}

/// A member's presets packed, their emoji keys shared through `emojis` (`index` finds them).
fn pack(
    emojis: &mut Vec<EmojiKey>,
    index: &mut HashMap<EmojiKey, u32>,
    presets: UserPresets,
) -> Box<[Entry]> {
    presets
        .into_iter()
        .map(|(emoji, preset)| {
            let next = emojis.len() as u32;
            let emoji = *index.entry(emoji).or_insert_with_key(|emoji| {
                emojis.push(emoji.clone());
                next
            });
            Entry {
                emoji,
                name: preset.name.map(String::into_boxed_str),
                picture: preset.picture.map(String::into_boxed_str),
            }
        })
        .collect()
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
