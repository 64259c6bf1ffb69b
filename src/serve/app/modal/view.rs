//! The modal's views: the form (empty, or filled to edit, with a problem to fix), "Saving…",
//! and "Preset saved".

use serde_json::{json, Value};

use super::{Filled, CALLBACK_ID, EMOJI, FILETYPES, NAME, PICTURE};
use crate::presets::{EmojiKey, Preset};
use crate::serve::app::home::{emoji_label, preset_words};

fn plain(text: &str) -> Value {
    json!({"type": "plain_text", "text": text})
}

fn mrkdwn_section(text: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
}

/// The form: empty for a new preset, filled with `editing` (or what was typed, when it comes
/// back with a problem).
pub fn form(
    editing: Option<(&EmojiKey, &Preset)>,
    typed: Option<&Filled>,
    problem: Option<&str>,
) -> Value {
    let emoji = typed
        .map(|t| t.emoji.to_string())
        .or_else(|| editing.map(|(e, _)| e.to_string()));
    let name = typed
        .map(|t| t.name.clone())
        .or_else(|| editing.map(|(_, p)| p.name.clone()))
        .flatten();
    let has_picture = editing.is_some_and(|(_, p)| p.picture.is_some());
    let mut blocks = Vec::new();
    if let Some(problem) = problem {
        blocks.push(mrkdwn_section(&format!(
            ":warning: {}",
            crate::serve::app::home::escape(problem)
        )));
    }
    let mut emoji_input = json!({
        "type": "plain_text_input", "action_id": EMOJI,
        "placeholder": plain(":palm_tree:")
    });
    if let Some(emoji) = emoji {
        emoji_input["initial_value"] = emoji.into();
    }
    blocks.push(json!({
        "type": "input", "block_id": EMOJI, "label": plain("Status emoji"),
        "hint": plain("The emoji's colon code, like :palm_tree:, or \"default\" for when no \
                       other preset applies."),
        "element": emoji_input
    }));
    let mut name_input = json!({
        "type": "plain_text_input", "action_id": NAME,
        "placeholder": plain("Ana (on vacation)")
    });
    if let Some(name) = name {
        name_input["initial_value"] = name.into();
    }
    blocks.push(json!({
        "type": "input", "block_id": NAME, "label": plain("Display name"), "optional": true,
        "hint": plain("Up to 80 characters; leave it empty to keep your name as it is."),
        "element": name_input
    }));
    blocks.push(json!({
        "type": "input", "block_id": PICTURE, "label": plain("Photo"), "optional": true,
        "hint": plain(if has_picture {
            "This preset has a photo: leave this empty to keep it, or pick a new one (PNG, \
             JPEG or GIF, 512 to 1024 px a side)."
        } else {
            "A PNG, JPEG or GIF, 512 to 1024 px a side."
        }),
        "element": {"type": "file_input", "action_id": PICTURE,
                    "filetypes": FILETYPES, "max_files": 1}
    }));
    json!({
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain(if editing.is_some() { "Edit preset" } else { "New preset" }),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "private_metadata": editing.map(|(e, _)| e.to_string()).unwrap_or_default(),
        "blocks": blocks
    })
}

/// What the modal shows between the ack and the preset being stored.
pub fn saving(filled: &Filled) -> Value {
    json!({
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain("Saving preset"),
        "close": plain("Close"),
        "blocks": [mrkdwn_section(&crate::serve::app::home::escape(&format!(
            "Saving your {} preset{}: this view changes when it is stored.",
            emoji_label(&filled.emoji),
            if filled.picture.is_some() { " and its photo" } else { "" }
        )))]
    })
}

/// What the modal shows once the preset is stored.
pub fn saved(emoji: &EmojiKey, preset: &Preset) -> Value {
    json!({
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain("Preset saved"),
        "close": plain("Done"),
        "blocks": [mrkdwn_section(&crate::serve::app::home::escape(&format!(
            ":white_check_mark: Saved: {} → {}. When your status uses it, your profile \
             follows; your Home tab lists it.",
            emoji_label(emoji),
            preset_words(preset)
        )))]
    })
}
