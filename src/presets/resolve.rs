//! How a member's status emoji resolves to one of their presets.

use std::collections::BTreeMap;

use super::{EmojiKey, Preset, UserPresets};

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
    lookup(presets, emoji).map(|(key, preset)| Resolved { key, preset })
}

/// What `map` holds for an emoji: under the exact code, else under the code without its skin
/// tone (a member's presets, a section of workspace presets).
pub fn lookup<'a, V>(
    map: &'a BTreeMap<EmojiKey, V>,
    emoji: &EmojiKey,
) -> Option<(&'a EmojiKey, &'a V)> {
    let toneless = || map.get_key_value(&emoji.without_skin_tone()?);
    map.get_key_value(emoji).or_else(toneless)
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
