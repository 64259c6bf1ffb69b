//! Reading a submission: every field checked with what the payload tells, each problem keyed
//! by its block.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Filled, SlackFile, EMOJI, FILETYPES, NAME, PICTURE};
use crate::events::ViewSubmission;
use crate::onboard::MAX_PICTURE_BYTES;
use crate::picture::{MAX_SIDE, MIN_SIDE};
use crate::presets::{check_name, EmojiKey, UserPresets};
use crate::serve::app::home::emoji_label;

/// Slack's file object gives sizes as numbers, or as strings in some payloads.
fn number(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

/// Checks a submission with what its payload tells; the errors are keyed by block, each
/// saying what to fix.
pub fn read(
    submission: &ViewSubmission,
    existing: &UserPresets,
) -> Result<Filled, BTreeMap<&'static str, String>> {
    let field = |block: &str| &submission.values[block][block];
    let mut errors = BTreeMap::new();
    let editing = EmojiKey::parse(&submission.private_metadata)
        .ok()
        .filter(|e| existing.contains_key(e));
    let typed_emoji = field(EMOJI)["value"].as_str().unwrap_or_default();
    let emoji = match EmojiKey::parse(typed_emoji) {
        Ok(emoji) if emoji.is_usual() => {
            errors.insert(
                EMOJI,
                "\"usual\" is kept for your usual profile: pick a status emoji".to_owned(),
            );
            None
        }
        Ok(emoji) => {
            if editing.as_ref() != Some(&emoji) && existing.contains_key(&emoji) {
                errors.insert(
                    EMOJI,
                    format!(
                        "You already have a {} preset: edit that one, or pick another emoji",
                        emoji_label(&emoji)
                    ),
                );
            }
            Some(emoji)
        }
        Err(_) if typed_emoji.trim().is_empty() => {
            errors.insert(
                EMOJI,
                "Give the status emoji's colon code, like :palm_tree:".to_owned(),
            );
            None
        }
        Err(err) => {
            errors.insert(EMOJI, err);
            None
        }
    };
    let name = field(NAME)["value"]
        .as_str()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    if let Some(Err(err)) = name.as_deref().map(check_name) {
        errors.insert(NAME, err);
    }
    let files = field(PICTURE)["files"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let picture = match files.as_slice() {
        [] => None,
        [file] => match read_file(file) {
            Ok(file) => Some(file),
            Err(err) => {
                errors.insert(PICTURE, err);
                None
            }
        },
        _ => {
            errors.insert(PICTURE, "Pick one picture, not several".to_owned());
            None
        }
    };
    let keeps_picture = editing
        .as_ref()
        .and_then(|e| existing.get(e))
        .is_some_and(|p| p.picture.is_some());
    if name.is_none() && files.is_empty() && !keeps_picture {
        errors.insert(
            NAME,
            "Give a display name, a photo or both: a preset with neither changes nothing"
                .to_owned(),
        );
    }
    match emoji {
        Some(emoji) if errors.is_empty() => Ok(Filled {
            emoji,
            name,
            picture,
            editing,
        }),
        _ => Err(errors),
    }
}

/// Checks an attached file by what Slack says of it; its bytes are checked again once
/// downloaded.
fn read_file(file: &Value) -> Result<SlackFile, String> {
    let name = file["name"].as_str().unwrap_or("the file");
    let shown = crate::redact::excerpt(name);
    let filetype = file["filetype"].as_str().unwrap_or_default();
    let mimetype = file["mimetype"].as_str().unwrap_or_default();
    let image = FILETYPES.contains(&filetype.to_ascii_lowercase().as_str())
        && (mimetype.is_empty() || mimetype.starts_with("image/"));
    if !image {
        return Err(format!(
            "{shown} is not a PNG, JPEG or GIF image (Slack says {}): pick one of those",
            if mimetype.is_empty() {
                filetype
            } else {
                mimetype
            }
        ));
    }
    if let Some(size) = number(&file["size"]).filter(|s| *s > MAX_PICTURE_BYTES) {
        return Err(format!(
            "{shown} is {size} bytes, over the {MAX_PICTURE_BYTES}-byte limit: a 1024×1024 \
             picture needs far less; export it smaller"
        ));
    }
    if let (Some(w), Some(h)) = (number(&file["original_w"]), number(&file["original_h"])) {
        let (min, max) = (MIN_SIDE as u64, MAX_SIDE as u64);
        if w < min || h < min {
            return Err(format!(
                "{shown} is {w}×{h} px; Slack needs at least {min}×{min}: pick a larger image"
            ));
        }
        if w > max || h > max {
            return Err(format!(
                "{shown} is {w}×{h} px; Slack takes at most {max}×{max}: scale it down"
            ));
        }
    }
    let url = file["url_private_download"]
        .as_str()
        .or_else(|| file["url_private"].as_str())
        .filter(|u| !u.is_empty())
        .ok_or_else(|| {
            format!("Slack gave no way to download {shown}: attach it again from your computer")
        })?;
    Ok(SlackFile {
        name: name.to_owned(),
        url: url.to_owned(),
    })
}
