//! Planning: which preset applies to a member's status (or their usual profile), and the
//! writes that bring them in line with it, each only when needed; no I/O.

use anyhow::Result;

use super::{choose, Facts, HandEdit, Photo, Plan, PutBack, Target, Write};
use crate::exit::UsageError;
use crate::presets::{EmojiKey, UserId, UserPresets};
use crate::slack::Profile;
use crate::state::{Applied, Usual};

/// Whether the record shows a status's preset in effect (statusinator changed the name or
/// photo for a status, and has not put the usual ones back).
fn preset_in_effect(recorded: Option<&Applied>) -> bool {
    recorded.is_some_and(|r| {
        r.preset
            .as_ref()
            .is_some_and(|p| !p.is_default() && !p.is_usual())
            && (r.name.is_some() || r.picture.is_some())
    })
}

/// What the member changed by hand while a preset was in effect: a display name or a photo
/// that is not what statusinator last wrote (its own writes come back with exactly that name,
/// and with the `avatar_hash` it read right after its photo write). Once statusinator has put
/// the usual profile back, a name or photo changed since is the member's new usual too (a name
/// only when it is not the usual one kept already).
fn hand_edit(
    shown: Option<&Profile>,
    recorded: Option<&Applied>,
    usual: Option<&Usual>,
) -> Option<HandEdit> {
    let (shown, recorded) = (shown?, recorded?);
    let usual_back = recorded.preset.as_ref().is_some_and(EmojiKey::is_usual) && usual.is_some();
    if !preset_in_effect(Some(recorded)) && !usual_back {
        return None;
    }
    let name = recorded
        .name
        .as_ref()
        .filter(|written| **written != shown.display_name)
        .filter(|_| !usual_back || usual.is_some_and(|u| u.name != shown.display_name))
        .map(|_| shown.display_name.clone());
    let photo = match (&recorded.avatar_hash, &shown.avatar_hash) {
        (Some(ours), Some(now)) => ours != now,
        _ => false,
    };
    let confirm = (!preset_in_effect(Some(recorded))).then(|| PutBack {
        name: recorded.name.clone(),
        usual_name: usual.map(|u| u.name.clone()).unwrap_or_default(),
        avatar_hash: recorded.avatar_hash.clone(),
    });
    (name.is_some() || photo).then_some(HandEdit {
        name,
        photo,
        confirm,
    })
}

/// Plans the writes for `user` at `now`. With `force` (the manual override) everything the
/// preset has is written. `Ok(None)`: a status with no preset, no `default`, and no usual
/// profile kept (statusinator never changed the member).
///
/// A status that has lapsed (`status_expiration` in the past) counts as cleared. A cleared
/// status, or one without a preset, gets `default` if there is one, else the member's usual
/// profile back. Before the first write of all, the usual profile is kept; a name or photo the
/// member set by hand while a preset was in effect becomes their usual.
pub fn plan(
    user: &UserId,
    target: &Target,
    facts: Facts<'_>,
    force: bool,
    now: u64,
) -> Result<Option<Plan>> {
    let Facts {
        presets,
        shown,
        recorded,
        usual,
        workspace,
    } = facts;
    let expired = shown.is_some_and(|p| p.status_expiration > 0 && p.status_expiration <= now);
    let hand_edit = hand_edit(shown, recorded, usual);
    // The usual profile as it will be once a hand edit is kept (one still to be confirmed
    // changes nothing planned: the engine keeps it once a fresh read confirms it).
    let usual_now = usual.map(|u| {
        let mut u = u.clone();
        if let Some(HandEdit {
            name: Some(name),
            confirm: None,
            ..
        }) = &hand_edit
        {
            u.name = name.clone();
        }
        u
    });
    let resolved = choose::preset(user, target, expired, presets, workspace)?;
    let emoji = if expired {
        String::new()
    } else {
        target.recorded_as()
    };
    let mut plan = Plan {
        user: user.clone(),
        emoji,
        preset: EmojiKey::usual(),
        writes: Vec::new(),
        keep_usual: false,
        hand_edit: hand_edit.clone(),
        status_expires_at: shown
            .map(|p| p.status_expiration)
            .filter(|at| *at > now && matches!(target, Target::Status(_))),
        shown: shown.cloned().map(Box::new),
        forced: force,
        template: None,
    };
    let Some(resolved) = resolved else {
        // No preset: the usual profile back, if statusinator ever changed the member.
        let Some(usual) = usual_now else {
            if *target == Target::Usual {
                return Err(UsageError::new(format!(
                    "statusinator has not changed {user}'s profile yet, so it has no usual \
                     profile of theirs to put back: what Slack shows is their usual"
                ))
                .into());
            }
            return Ok(None);
        };
        let shown_name = shown.map(|p| p.display_name.as_str());
        let name_changed = recorded.is_some_and(|r| r.name.as_deref() != Some(&usual.name));
        if (force || name_changed) && shown_name != Some(usual.name.as_str()) {
            plan.writes.push(Write::Name {
                display_name: usual.name.clone(),
            });
        }
        let photo_changed = recorded.and_then(|r| r.picture.as_deref());
        let photo_hand_edited = hand_edit.as_ref().is_some_and(|h| h.photo);
        if (force || photo_changed.is_some()) && !photo_hand_edited {
            match &usual.picture {
                Some(picture) if photo_changed != Some(picture.as_str()) || force => {
                    plan.writes.push(Write::Photo {
                        picture: Photo::Stored(picture.clone()),
                    })
                }
                Some(_) => {}
                None if !usual.custom_photo => plan.writes.push(Write::DeletePhoto),
                None => {}
            }
        }
        return Ok(Some(plan));
    };
    // A photo set by hand since the usual profile was put back is kept first: a photo made
    // from the usual one waits for it.
    let usual_photo_pending =
        !preset_in_effect(recorded) && hand_edit.as_ref().is_some_and(|h| h.photo);
    let look = choose::look(user, resolved, usual, shown, usual_photo_pending)?;
    plan.preset = look.key;
    plan.template = look.template;
    let (name, mut picture) = (look.name, look.picture);
    if usual.is_some_and(|u| u.photo_refused.is_some()) {
        // Their own photo could not be kept, so it could not be put back: left alone.
        picture = None;
    }
    if let Some(name) = &name {
        // Skip when Slack already shows it or when statusinator already wrote it: trusting either
        // keeps a name Slack normalises from being written over and over.
        let shown_name = shown.map(|p| p.display_name.as_str()) == Some(name.as_str());
        let written = recorded.and_then(|r| r.name.as_deref()) == Some(name.as_str());
        if force || !(shown_name || written) {
            plan.writes.push(Write::Name {
                display_name: name.clone(),
            });
        }
    }
    if let Some(picture) = &picture {
        let key = picture.key(user);
        let written = key.is_some() && recorded.and_then(|r| r.picture.clone()) == key;
        if force || !written {
            plan.writes.push(Write::Photo {
                picture: picture.clone(),
            });
        }
    }
    // Before the first change of all, keep what the member has: their usual profile. (When
    // the record shows a preset in effect already, what Slack shows is statusinator's doing.)
    plan.keep_usual = usual.is_none() && !plan.writes.is_empty() && !preset_in_effect(recorded);
    Ok(Some(plan))
}

/// The writes that put `user`'s usual profile back, from their state (`None` when statusinator
/// never changed them, so there is nothing to put back): what a disconnect and a forget do
/// first, whatever their presets say.
pub fn usual_plan(
    user: &UserId,
    member: &crate::state::MemberState,
    now: u64,
) -> Result<Option<Plan>> {
    if member.usual.is_none() {
        return Ok(None);
    }
    let none = UserPresets::default();
    let facts = Facts {
        presets: &none,
        shown: None,
        recorded: member.applied.as_ref(),
        usual: member.usual.as_ref(),
        workspace: None,
    };
    plan(user, &Target::Usual, facts, false, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::Preset;
    use crate::workspace::{made::MadePhoto, Section};

    fn presets() -> UserPresets {
        let mut p = UserPresets::new();
        p.insert(
            EmojiKey::parse(":palm_tree:").unwrap(),
            Preset {
                name: Some("Ana (away)".into()),
                picture: Some("U1AAA/beach.png".into()),
            },
        );
        p.insert(
            EmojiKey::parse(":face_with_thermometer:").unwrap(),
            Preset {
                name: Some("Ana (sick)".into()),
                picture: None,
            },
        );
        p.insert(
            EmojiKey::default_key(),
            Preset {
                name: Some("Ana".into()),
                picture: Some("U1AAA/ana.png".into()),
            },
        );
        p
    }

    fn user() -> UserId {
        UserId::parse("U1AAA").unwrap()
    }

    fn status(s: &str) -> Target {
        Target::Status(s.into())
    }

    fn shown(name: &str) -> Profile {
        Profile {
            display_name: name.into(),
            ..Profile::default()
        }
    }

    /// The planner as most cases need it: no usual profile kept, a name shown (or nothing).
    fn plan(
        user: &UserId,
        presets: &UserPresets,
        target: &Target,
        shown_name: Option<&str>,
        recorded: Option<&Applied>,
        force: bool,
    ) -> Result<Option<Plan>> {
        let shown = shown_name.map(shown);
        let facts = Facts {
            presets,
            shown: shown.as_ref(),
            recorded,
            usual: None,
            workspace: None,
        };
        super::plan(user, target, facts, force, 1_000)
    }

    fn usual(name: &str, picture: Option<&str>, custom: bool) -> Usual {
        Usual {
            name: name.into(),
            picture: picture.map(str::to_owned),
            custom_photo: custom,
            photo_refused: None,
            kept_at: 1,
        }
    }

    /// Ana's presets without a default: cleared means her usual profile.
    fn no_default() -> UserPresets {
        let mut p = presets();
        p.remove(&EmojiKey::default_key());
        p
    }

    fn in_vacation() -> Applied {
        Applied {
            emoji: ":palm_tree:".into(),
            preset: Some(EmojiKey::parse(":palm_tree:").unwrap()),
            name: Some("Ana (away)".into()),
            picture: Some("U1AAA/beach.png".into()),
            avatar_hash: Some("h-beach".into()),
            ..Applied::default()
        }
    }

    #[test]
    fn the_first_change_keeps_the_usual_profile_and_only_the_first() {
        let presets = no_default();
        let ana = shown("Ana Original");
        let facts = Facts {
            presets: &presets,
            shown: Some(&ana),
            recorded: None,
            usual: None,
            workspace: None,
        };
        let p = super::plan(&user(), &status(":palm_tree:"), facts, false, 1_000)
            .unwrap()
            .unwrap();
        assert!(p.keep_usual);
        let kept = usual("Ana Original", None, false);
        let facts = Facts {
            usual: Some(&kept),
            ..facts
        };
        let p = super::plan(&user(), &status(":palm_tree:"), facts, false, 1_000)
            .unwrap()
            .unwrap();
        assert!(!p.keep_usual);
    }

    #[test]
    fn a_cleared_status_without_default_puts_the_usual_profile_back() {
        let presets = no_default();
        let recorded = in_vacation();
        let now = Profile {
            avatar_hash: Some("h-beach".into()),
            ..shown("Ana (away)")
        };
        // Her own photo, kept: set again.
        let own = usual("Ana", Some("U1AAA/own.png"), true);
        let facts = Facts {
            presets: &presets,
            shown: Some(&now),
            recorded: Some(&recorded),
            usual: Some(&own),
            workspace: None,
        };
        let p = super::plan(&user(), &status(""), facts, false, 1_000)
            .unwrap()
            .unwrap();
        assert_eq!(p.preset, EmojiKey::usual());
        assert_eq!(
            p.writes,
            vec![
                Write::Name {
                    display_name: "Ana".into()
                },
                Write::Photo {
                    picture: Photo::Stored("U1AAA/own.png".into())
                }
            ]
        );
        // No photo of her own: the default avatar again.
        let none = usual("Ana", None, false);
        let facts = Facts {
            usual: Some(&none),
            ..facts
        };
        let p = super::plan(&user(), &status(""), facts, false, 1_000)
            .unwrap()
            .unwrap();
        assert_eq!(p.writes[1], Write::DeletePhoto);
        // Never changed, nothing kept, no default: nothing to do.
        let facts = Facts {
            recorded: None,
            usual: None,
            ..facts
        };
        assert_eq!(
            super::plan(&user(), &status(""), facts, false, 1_000).unwrap(),
            None
        );
    }

    #[test]
    fn a_lapsed_status_counts_as_cleared() {
        let presets = no_default();
        let recorded = in_vacation();
        let own = usual("Ana", None, false);
        let now = Profile {
            status_emoji: ":palm_tree:".into(),
            status_expiration: 900,
            avatar_hash: Some("h-beach".into()),
            ..shown("Ana (away)")
        };
        let facts = Facts {
            presets: &presets,
            shown: Some(&now),
            recorded: Some(&recorded),
            usual: Some(&own),
            workspace: None,
        };
        let p = super::plan(&user(), &status(":palm_tree:"), facts, false, 1_000)
            .unwrap()
            .unwrap();
        assert_eq!(
            (p.emoji.as_str(), p.preset.clone()),
            ("", EmojiKey::usual())
        );
        // Not lapsed yet: the vacation stays, and its end is remembered.
        let p = super::plan(&user(), &status(":palm_tree:"), facts, false, 800)
            .unwrap()
            .unwrap();
        assert!(p.writes.is_empty());
        assert_eq!(p.status_expires_at, Some(900));
    }

    #[test]
    fn a_hand_edit_during_a_preset_becomes_the_usual_and_its_own_echo_does_not() {
        let presets = no_default();
        let recorded = in_vacation();
        let own = usual("Ana", Some("U1AAA/own.png"), true);
        // The echo of statusinator's own writes: exactly what it wrote.
        let echo = Profile {
            avatar_hash: Some("h-beach".into()),
            ..shown("Ana (away)")
        };
        let facts = Facts {
            presets: &presets,
            shown: Some(&echo),
            recorded: Some(&recorded),
            usual: Some(&own),
            workspace: None,
        };
        let p = super::plan(&user(), &status(":palm_tree:"), facts, false, 1_000)
            .unwrap()
            .unwrap();
        assert_eq!(p.hand_edit, None);
        assert!(p.changes_nothing(Some(&Applied {
            emoji: ":palm_tree:".into(),
            ..recorded.clone()
        })));
        // She renames herself and changes her photo by hand, still on vacation.
        let edited = Profile {
            avatar_hash: Some("h-surf".into()),
            is_custom_image: true,
            ..shown("Ana (surfing)")
        };
        let facts = Facts {
            shown: Some(&edited),
            ..facts
        };
        let p = super::plan(&user(), &status(":palm_tree:"), facts, false, 1_000)
            .unwrap()
            .unwrap();
        assert_eq!(
            p.hand_edit,
            Some(HandEdit {
                name: Some("Ana (surfing)".into()),
                photo: true,
                confirm: None,
            })
        );
        assert!(p.writes.is_empty(), "never written over: {:?}", p.writes);
        // She clears her status: her hand-set name and photo are what she has: no write.
        let p = super::plan(&user(), &status(""), facts, false, 1_000)
            .unwrap()
            .unwrap();
        assert!(p.writes.is_empty(), "{:?}", p.writes);
    }

    #[test]
    fn the_usual_profile_by_hand_needs_one_kept() {
        let presets = no_default();
        let facts = Facts {
            presets: &presets,
            shown: None,
            recorded: None,
            usual: None,
            workspace: None,
        };
        let err = super::plan(&user(), &Target::Usual, facts, true, 1_000)
            .unwrap_err()
            .to_string();
        assert!(err.contains("has not changed U1AAA's profile yet"), "{err}");
        let own = usual("Ana", None, false);
        let facts = Facts {
            usual: Some(&own),
            ..facts
        };
        let p = super::plan(&user(), &Target::Usual, facts, true, 1_000)
            .unwrap()
            .unwrap();
        assert_eq!(p.writes.len(), 2);
    }

    #[test]
    fn a_first_change_writes_the_name_then_the_photo() {
        let plan = plan(
            &user(),
            &presets(),
            &status(":palm_tree:"),
            None,
            None,
            false,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            plan.writes,
            vec![
                Write::Name {
                    display_name: "Ana (away)".into()
                },
                Write::Photo {
                    picture: Photo::Stored("U1AAA/beach.png".into())
                }
            ]
        );
    }

    #[test]
    fn what_already_matches_is_not_written() {
        let recorded = Applied {
            emoji: String::new(),
            name: Some("Ana".into()),
            picture: Some("U1AAA/ana.png".into()),
            ..Applied::default()
        };
        // Name shown by Slack already; photo recorded: nothing to do.
        let p = plan(
            &user(),
            &presets(),
            &status(""),
            Some("Ana"),
            Some(&recorded),
            false,
        )
        .unwrap()
        .unwrap();
        assert!(p.writes.is_empty());
        // Name-only preset: the photo stays as it is.
        let p = plan(
            &user(),
            &presets(),
            &status(":face_with_thermometer:"),
            Some("Ana"),
            Some(&recorded),
            false,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            p.writes,
            vec![Write::Name {
                display_name: "Ana (sick)".into()
            }]
        );
    }

    #[test]
    fn the_manual_override_writes_everything() {
        let recorded = Applied {
            name: Some("Ana".into()),
            picture: Some("U1AAA/ana.png".into()),
            ..Applied::default()
        };
        let p = plan(
            &user(),
            &presets(),
            &Target::Emoji(EmojiKey::default_key()),
            Some("Ana"),
            Some(&recorded),
            true,
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.writes.len(), 2);
    }

    #[test]
    fn an_unmapped_status_uses_default_and_a_named_emoji_does_not() {
        let p = plan(&user(), &presets(), &status(":wave:"), None, None, false)
            .unwrap()
            .unwrap();
        assert_eq!(p.preset, EmojiKey::default_key());
        assert_eq!(p.emoji, ":wave:");
        let err = plan(
            &user(),
            &presets(),
            &Target::Emoji(EmojiKey::parse(":wave:").unwrap()),
            None,
            None,
            true,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("U1AAA has no preset for :wave:"), "{err}");
        assert!(err.contains(":palm_tree:"), "{err}");
    }

    #[test]
    fn a_rebased_plan_leaves_out_what_another_process_wrote() {
        let plan = plan(
            &user(),
            &presets(),
            &status(":palm_tree:"),
            None,
            None,
            false,
        )
        .unwrap()
        .unwrap();
        assert_eq!(plan.rebased(None), plan);
        let name_written = Applied {
            name: Some("Ana (away)".into()),
            picture: Some("U1AAA/ana.png".into()),
            ..Applied::default()
        };
        assert_eq!(
            plan.rebased(Some(&name_written)).writes,
            vec![Write::Photo {
                picture: Photo::Stored("U1AAA/beach.png".into())
            }]
        );
        let all_written = Applied {
            emoji: ":palm_tree:".into(),
            preset: Some(EmojiKey::parse(":palm_tree:").unwrap()),
            name: Some("Ana (away)".into()),
            picture: Some("U1AAA/beach.png".into()),
            ..Applied::default()
        };
        let rebased = plan.rebased(Some(&all_written));
        assert!(rebased.writes.is_empty());
        assert!(rebased.changes_nothing(Some(&all_written)));
    }

    #[test]
    fn no_default_and_no_preset_means_nothing_to_do() {
        let mut p = presets();
        p.remove(&EmojiKey::default_key());
        assert!(plan(&user(), &p, &status(""), None, None, false)
            .unwrap()
            .is_none());
    }

    fn section() -> Section {
        serde_json::from_value(serde_json::json!({
            ":palm_tree:": {"name": "{name} (on vacation)", "photo": {"style": "grayscale"}},
            ":wave:": {"name": "{name} waves"},
            ":bus:": {"name": "{name} (commuting)"}
        }))
        .unwrap()
    }

    #[test]
    fn their_own_preset_then_the_workspaces_then_default_then_the_usual() {
        let own = presets();
        let rules = section();
        let ana = shown("Ana");
        let kept = usual("Ana", Some("U1AAA/own.jpg"), true);
        let facts = Facts {
            presets: &own,
            shown: Some(&ana),
            recorded: None,
            usual: Some(&kept),
            workspace: Some(&rules),
        };
        let planned = |status: &str, facts: Facts<'_>| {
            super::plan(
                &user(),
                &super::Target::Status(status.into()),
                facts,
                false,
                1_000,
            )
            .unwrap()
            .unwrap()
        };
        // Her own :palm_tree: wins over the workspace's.
        let p = planned(":palm_tree:", facts);
        assert_eq!(
            p.writes[0],
            Write::Name {
                display_name: "Ana (away)".into()
            }
        );
        assert!(!p.writes.iter().any(|w| matches!(
            w,
            Write::Photo {
                picture: Photo::Made(_)
            }
        )));
        // No preset of her own for :bus: or a toned :wave:: the workspace's, from her usual name.
        let p = planned(":bus:", facts);
        assert_eq!(p.preset.as_str(), ":bus:");
        assert_eq!(
            p.writes,
            vec![Write::Name {
                display_name: "Ana (commuting)".into()
            }]
        );
        let p = planned(":wave::skin-tone-2:", facts);
        assert_eq!(p.preset.as_str(), ":wave:");
        // Neither: her default. Switched off (no section): her default for :bus: too.
        assert!(planned(":ship:", facts).preset.is_default());
        let off = Facts {
            workspace: None,
            ..facts
        };
        assert!(planned(":bus:", off).preset.is_default());
        // Without her own presets at all: the workspace's photo is made from her kept photo.
        let none = UserPresets::new();
        let only = Facts {
            presets: &none,
            ..facts
        };
        let p = planned(":palm_tree:", only);
        let Write::Photo {
            picture: Photo::Made(made),
        } = &p.writes[1]
        else {
            panic!("a made photo: {:?}", p.writes)
        };
        assert_eq!(made.usual.as_deref(), Some("U1AAA/own.jpg"));
        assert_eq!(
            made.badge.as_ref().map(EmojiKey::as_str),
            Some(":palm_tree:")
        );
        // Not kept yet: the photo is made once the engine has kept it.
        let first = Facts {
            usual: None,
            ..only
        };
        let p = planned(":palm_tree:", first);
        assert!(p.keep_usual);
        let Write::Photo {
            picture: Photo::MadeFromKept(pending),
        } = &p.writes[1]
        else {
            panic!("a photo made from the kept one: {:?}", p.writes)
        };
        // Once kept, it is made from the photo kept.
        let kept = Usual {
            picture: Some("U1AAA/kept.jpg".into()),
            ..usual("Ana", None, true)
        };
        let made = p.made_from(Some(&kept));
        assert_eq!(
            made.writes[1],
            Write::Photo {
                picture: Photo::Made(MadePhoto {
                    usual: Some("U1AAA/kept.jpg".into()),
                    ..pending.clone()
                })
            }
        );
        // Cleared with nothing of hers: the usual profile (nothing was changed: nothing to do).
        assert!(super::plan(
            &user(),
            &super::Target::Status(String::new()),
            first,
            false,
            1_000
        )
        .unwrap()
        .is_none());
    }

    #[test]
    fn a_name_the_template_cannot_make_is_an_error_naming_the_member() {
        let none = UserPresets::new();
        let rules: Section =
            serde_json::from_value(serde_json::json!({":bus:": {"name": "{name}"}})).unwrap();
        let slackbot = shown("slackbot");
        let facts = Facts {
            presets: &none,
            shown: Some(&slackbot),
            recorded: None,
            usual: None,
            workspace: Some(&rules),
        };
        let err = super::plan(
            &user(),
            &super::Target::Status(":bus:".into()),
            facts,
            false,
            1,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("U1AAA") && err.contains("reserved_name"),
            "{err}"
        );
    }

    #[test]
    fn a_change_seen_after_the_put_back_is_kept_only_once_a_fresh_read_confirms_it() {
        let back = Applied {
            emoji: String::new(),
            preset: Some(EmojiKey::usual()),
            name: Some("Ana".into()),
            picture: Some("U1AAA/own.png".into()),
            avatar_hash: Some("h-own".into()),
            ..Applied::default()
        };
        let kept = usual("Ana", Some("U1AAA/own.png"), true);
        // An event showing the vacation still (older than the put back): suspected only.
        let older = Profile {
            avatar_hash: Some("h-beach".into()),
            ..shown("Ana (away)")
        };
        let edit = hand_edit(Some(&older), Some(&back), Some(&kept)).unwrap();
        assert!(edit.confirm.is_some());
        let now = Profile {
            avatar_hash: Some("h-own".into()),
            ..shown("Ana")
        };
        assert_eq!(
            edit.confirmed(&now),
            None,
            "a fresh read shows the put-back profile"
        );
        let changed = Profile {
            avatar_hash: Some("h-new".into()),
            ..shown("Ana B.")
        };
        assert_eq!(
            edit.confirmed(&changed),
            Some(HandEdit {
                name: Some("Ana B.".into()),
                photo: true,
                confirm: None
            })
        );
        // Nothing seen, nothing suspected.
        assert_eq!(hand_edit(Some(&now), Some(&back), Some(&kept)), None);
    }
}
