//! Whether statusinator has anything to do with a member, by one rule for every caller (`apply`,
//! `poll` and serve's workers), and the presets their status is planned from.

use std::borrow::Cow;

use crate::presets::UserPresets;
use crate::state::Applied;
use crate::workspace::Section;

/// A member statusinator has nothing to do with: no presets of their own, no workspace presets
/// for them, and nothing of statusinator's in effect on their profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotOnboarded;

/// The presets a member's status is planned from: their own; else none at all, when workspace
/// presets apply to them or a preset of statusinator's is recorded as in effect (a preset
/// removed while it was on: their usual profile goes back, as for any status without a
/// preset); else [`NotOnboarded`].
pub fn presets_of<'a>(
    own: Option<&'a UserPresets>,
    recorded: Option<&Applied>,
    workspace: Option<&Section>,
) -> Result<Cow<'a, UserPresets>, NotOnboarded> {
    match own {
        Some(presets) => Ok(Cow::Borrowed(presets)),
        None if workspace.is_some() || recorded.is_some_and(preset_on) => {
            Ok(Cow::Owned(UserPresets::new()))
        }
        None => Err(NotOnboarded),
    }
}

/// Whether `recorded` says a preset of statusinator's is on (not just the usual profile).
pub fn preset_on(recorded: &Applied) -> bool {
    recorded.preset.as_ref().is_some_and(|p| !p.is_usual())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::{EmojiKey, Preset};

    fn recorded(preset: Option<&str>) -> Applied {
        serde_json::from_value(serde_json::json!({
            "emoji": ":palm_tree:",
            "preset": preset,
            "appliedAt": 1,
        }))
        .unwrap()
    }

    #[test]
    fn one_rule_for_who_is_onboarded() {
        let mut own = UserPresets::new();
        own.insert(
            EmojiKey::parse(":palm_tree:").unwrap(),
            Preset {
                name: Some("Ana (away)".to_owned()),
                picture: None,
            },
        );
        assert_eq!(presets_of(Some(&own), None, None).unwrap().len(), 1);
        // No presets of their own, and nothing else: not onboarded.
        assert_eq!(presets_of(None, None, None), Err(NotOnboarded));
        assert_eq!(
            presets_of(None, Some(&recorded(None)), None),
            Err(NotOnboarded),
            "nothing of statusinator's is recorded as on"
        );
        // Only the workspace's rules: planned from those.
        let section = Section::new();
        assert!(presets_of(None, None, Some(&section)).unwrap().is_empty());
        // A preset recorded as on, since removed: planned from nothing, so it goes back.
        assert!(presets_of(None, Some(&recorded(Some(":palm_tree:"))), None)
            .unwrap()
            .is_empty());
        assert_eq!(
            presets_of(None, Some(&recorded(Some("usual"))), None),
            Err(NotOnboarded),
            "their usual profile is what is on"
        );
    }
}
