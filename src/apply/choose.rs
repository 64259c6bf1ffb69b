//! Which preset applies to a status, and what it is made of: the member's own preset for the
//! emoji (the exact code, then without its skin tone), else the workspace's, else their
//! `default`; a workspace preset's name filled from their usual name and its photo made from
//! their usual photo.

use anyhow::Result;

use super::Photo;
use crate::exit::UsageError;
use crate::presets::{self, EmojiKey, Preset, UserId, UserPresets};
use crate::slack::Profile;
use crate::state::Usual;
use crate::workspace::{badge_of, made::MadePhoto, template, PhotoRule, Rule, Section};

/// The preset chosen for a status: the member's own, or a workspace rule to fill in.
pub(super) struct Chosen {
    key: EmojiKey,
    /// The name, or (for a workspace preset) its template.
    name: Option<String>,
    photo: ChosenPhoto,
}

enum ChosenPhoto {
    /// A stored picture (a member's own preset).
    Stored(Option<String>),
    /// A photo to make (a workspace preset): its badge and rule, if it has a photo.
    Made(Option<(Option<EmojiKey>, PhotoRule)>),
}

impl Chosen {
    fn own(key: &EmojiKey, preset: &Preset) -> Chosen {
        Chosen {
            key: key.clone(),
            name: preset.name.clone(),
            photo: ChosenPhoto::Stored(preset.picture.clone()),
        }
    }

    fn workspace(key: &EmojiKey, rule: &Rule) -> Chosen {
        let photo = rule.photo.as_ref().map(|photo| {
            let badge = badge_of(photo, key).and_then(|b| EmojiKey::parse(b).ok());
            (badge, photo.clone())
        });
        Chosen {
            key: key.clone(),
            name: rule.name.clone(),
            photo: ChosenPhoto::Made(photo),
        }
    }
}

/// The preset for `target`: for an emoji named by hand, its own preset or the workspace's
/// (neither is an error saying which there are); for a status (cleared when `expired`), its
/// own, else the workspace's, else `default`; for the usual profile, none.
pub(super) fn preset(
    user: &UserId,
    target: &super::Target,
    expired: bool,
    presets: &UserPresets,
    workspace: Option<&Section>,
) -> Result<Option<Chosen>> {
    let own = |emoji: &EmojiKey| {
        presets::lookup(presets, emoji).map(|(key, preset)| Chosen::own(key, preset))
    };
    let theirs = |emoji: &EmojiKey| {
        let (key, rule) = presets::lookup(workspace?, emoji)?;
        Some(Chosen::workspace(key, rule))
    };
    Ok(match target {
        super::Target::Emoji(emoji) => {
            Some(own(emoji).or_else(|| theirs(emoji)).ok_or_else(|| {
                let known: Vec<&str> = presets.keys().map(EmojiKey::as_str).collect();
                let workspace: Vec<&str> = workspace
                    .map(|w| w.keys().map(EmojiKey::as_str).collect())
                    .unwrap_or_default();
                UsageError::new(format!(
                    "{user} has no preset for {emoji}: their presets are {}{}; add one to a \
                 presets file and run onboard",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    },
                    if workspace.is_empty() {
                        String::new()
                    } else {
                        format!(", the workspace's {}", workspace.join(", "))
                    }
                ))
            })?)
        }
        super::Target::Status(status) => {
            let status = if expired { "" } else { status.trim() };
            let emoji = (!status.is_empty())
                .then(|| EmojiKey::parse(status).ok())
                .flatten();
            emoji
                .and_then(|e| own(&e).or_else(|| theirs(&e)))
                .or_else(|| own(&EmojiKey::default_key()))
        }
        super::Target::Usual => None,
    })
}

/// What a chosen preset puts on the member.
pub(super) struct Look {
    pub key: EmojiKey,
    pub name: Option<String>,
    pub picture: Option<Photo>,
    /// A workspace preset's name template.
    pub template: Option<String>,
}

/// The name and picture of a chosen preset. A workspace preset's are made from the usual
/// profile as kept before any hand edit seen now (one made during a preset stays until the
/// next change); the usual not kept yet is what Slack shows, and its photo, like one set by
/// hand since the usual profile was put back (`usual_photo_pending`), is kept first: the
/// photo is made from it then.
pub(super) fn look(
    user: &UserId,
    chosen: Chosen,
    usual: Option<&Usual>,
    shown: Option<&Profile>,
    usual_photo_pending: bool,
) -> Result<Look> {
    let Chosen { key, name, photo } = chosen;
    let rule = match photo {
        ChosenPhoto::Stored(picture) => {
            return Ok(Look {
                key,
                name,
                picture: picture.map(Photo::Stored),
                template: None,
            })
        }
        ChosenPhoto::Made(rule) => rule,
    };
    let usual_name = usual_name(usual, shown);
    let filled = match &name {
        Some(t) => Some(fill_template(user, &key, t, usual_name)?),
        None => None,
    };
    let picture = rule.map(|(badge, rule)| {
        let made = MadePhoto {
            usual: usual.and_then(|u| u.picture.clone()),
            badge,
            rule,
        };
        match usual {
            Some(_) if !usual_photo_pending => Photo::Made(made),
            _ => Photo::MadeFromKept(made),
        }
    });
    Ok(Look {
        key,
        name: filled,
        picture,
        template: name,
    })
}

/// The name a workspace preset's template is filled with: the usual display name as kept (else,
/// not kept yet, as Slack shows it), or the real name when it is empty.
pub fn usual_name<'a>(usual: Option<&'a Usual>, shown: Option<&'a Profile>) -> &'a str {
    let real_name = shown.map_or("", |p| p.real_name.as_str());
    match (usual, shown) {
        (Some(u), _) => template::name_of(&u.name, real_name),
        (None, Some(p)) => template::name_of(&p.display_name, real_name),
        (None, None) => "",
    }
}

/// A workspace preset's name for `user`: its template filled with their usual name; a name
/// Slack would refuse is an error naming them, the emoji and the fix.
pub fn fill_template(
    user: &UserId,
    emoji: &EmojiKey,
    template: &str,
    name: &str,
) -> Result<String> {
    template::fill(template, name).map_err(|message| {
        UsageError::new(format!(
            "{user}: the workspace preset for {emoji} makes a name Slack refuses: {message}; \
             change the template in users.json and run onboard"
        ))
        .into()
    })
}
