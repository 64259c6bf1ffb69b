//! Changes to members' presets since `users.json` was last written whole. A member's save (the
//! Home tab, the modal, `POST /onboard`, `onboard` of a file, a forget) goes into one small
//! object, `presets/pending.json`, as a patch of that member's presets, so its cost does not
//! grow with the workspace; now and then a fold moves the patches into `users.json`, which stays
//! the one file an admin reads (and `statusinator export` prints the two together).
//!
//! - Every change has a sequence number, from `pending.json`'s own counter (each save is a
//!   conditional write of it, so concurrent savers never lose a change).
//! - `users.json` says up to which number it holds the patches (`foldedThrough`): a patch at or
//!   below it is in the file already, so a fold cut off half-way changes nothing when it is
//!   read, and a reader applies only the patches above it.
//! - A fold writes `users.json` with the patches applied (a conditional write too), then takes
//!   the patches it moved out of `pending.json` (those saved again since stay) and keeps them
//!   there as the last fold, so a process that held the file before it needs only them, not the
//!   whole file again.
//!
//! A patch sets or removes emoji, or replaces all of a member's presets (`--replace`, forget);
//! applying one twice is applying it once.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use super::rules::Sections;
use super::{EmojiKey, Preset, UserId, UserPresets};

/// Where the pending changes live in the store.
pub const PENDING_KEY: &str = "presets/pending.json";

/// Patches past which the next fold is due (each save reads and writes them all).
pub const FOLD_AT: usize = 200;

/// A change to one member's presets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patch {
    /// Their presets are replaced whole (by `set`; none: they have none any more).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replace: bool,
    /// Emoji set (`Some`) or removed (`None`).
    #[serde(default)]
    pub set: BTreeMap<EmojiKey, Option<Preset>>,
}

impl Patch {
    /// Sets one emoji's preset.
    pub fn put(emoji: EmojiKey, preset: Preset) -> Patch {
        Patch {
            replace: false,
            set: BTreeMap::from([(emoji, Some(preset))]),
        }
    }

    /// Removes one emoji's preset.
    pub fn remove(emoji: EmojiKey) -> Patch {
        Patch {
            replace: false,
            set: BTreeMap::from([(emoji, None)]),
        }
    }

    /// Replaces all of a member's presets with `presets` (none: they have none any more).
    pub fn replace_with(presets: &UserPresets) -> Patch {
        Patch {
            replace: true,
            set: presets
                .iter()
                .map(|(emoji, preset)| (emoji.clone(), Some(preset.clone())))
                .collect(),
        }
    }

    /// This patch, then `later`.
    pub fn then(mut self, later: Patch) -> Patch {
        if later.replace {
            return later;
        }
        self.set.extend(later.set);
        self
    }

    /// A member's presets with the patch applied (`None`: they have none).
    pub fn apply(&self, presets: Option<&UserPresets>) -> Option<UserPresets> {
        let mut out = if self.replace {
            UserPresets::new()
        } else {
            presets.cloned().unwrap_or_default()
        };
        for (emoji, preset) in &self.set {
            match preset {
                Some(preset) => {
                    out.insert(emoji.clone(), preset.clone());
                }
                None => {
                    out.remove(emoji);
                }
            }
        }
        (!out.is_empty()).then_some(out)
    }
}

/// A member's patch and the number of its latest save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    #[serde(flatten)]
    pub patch: Patch,
}

/// The workspace presets as a save left them (whole), and its number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionsEntry {
    pub seq: u64,
    pub sections: Sections,
}

/// What the last fold moved into `users.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Folded {
    /// `users.json` held the patches up to this number before the fold…
    pub from: u64,
    /// …and up to this one after it.
    pub through: u64,
    /// `users.json` changed beyond these saves (an admin's onboard): read it again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub whole: bool,
    #[serde(default)]
    pub members: BTreeMap<UserId, Entry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sections: Option<SectionsEntry>,
}

/// `presets/pending.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pending {
    /// The number of the latest save.
    pub seq: u64,
    /// Members' patches not folded yet.
    #[serde(default)]
    pub members: BTreeMap<UserId, Entry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sections: Option<SectionsEntry>,
    /// The last fold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folded: Option<Folded>,
}

impl Pending {
    /// Parses `pending.json`; `source` names it in errors.
    pub fn parse(bytes: &[u8], source: &str) -> Result<Pending> {
        serde_json::from_slice(bytes).with_context(|| {
            format!(
                "{source} is not valid: restore it from a backup, or delete it to lose the \
                 presets saved since users.json was last written"
            )
        })
    }

    /// The members' patches above `folded_through` (those `users.json` does not hold yet).
    pub fn members_after(&self, folded_through: u64) -> impl Iterator<Item = (&UserId, &Patch)> {
        self.members
            .iter()
            .filter(move |(_, e)| e.seq > folded_through)
            .map(|(user, e)| (user, &e.patch))
    }

    /// The workspace presets, when saved after `folded_through`.
    pub fn sections_after(&self, folded_through: u64) -> Option<&Sections> {
        self.sections
            .as_ref()
            .filter(|s| s.seq > folded_through)
            .map(|s| &s.sections)
    }

    /// Whether no save is pending.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty() && self.sections.is_none()
    }

    /// Whether a fold is due.
    pub fn fold_due(&self) -> bool {
        self.members.len() >= FOLD_AT
    }
}

/// A save: members' patches, and the workspace presets whole when they change.
#[derive(Debug, Clone, Default)]
pub struct Save {
    pub members: BTreeMap<UserId, Patch>,
    pub sections: Option<Sections>,
}

impl Save {
    pub fn member(user: UserId, patch: Patch) -> Save {
        Save {
            members: BTreeMap::from([(user, patch)]),
            sections: None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty() && self.sections.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::testing::{emoji, named};

    #[test]
    fn patches_compose_and_apply_once() {
        let base = UserPresets::from([(emoji(":a:"), named("A")), (emoji(":b:"), named("B"))]);
        let patch = Patch::put(emoji(":c:"), named("C")).then(Patch::remove(emoji(":a:")));
        let after = patch.apply(Some(&base)).unwrap();
        assert_eq!(
            after.keys().map(EmojiKey::as_str).collect::<Vec<_>>(),
            [":b:", ":c:"]
        );
        assert_eq!(
            patch.apply(Some(&after)),
            Some(after.clone()),
            "twice is once"
        );
        let cleared = patch.clone().then(Patch::replace_with(&UserPresets::new()));
        assert_eq!(cleared.apply(Some(&base)), None);
        let back = cleared.then(Patch::put(emoji(":d:"), named("D")));
        assert_eq!(back.apply(Some(&base)).unwrap().len(), 1);
    }
}
