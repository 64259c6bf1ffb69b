//! The preset modal: a member adds or edits one of their presets (emoji, display name,
//! picture) from their Home tab.
//!
//! A submission is checked at once with what the payload tells (the emoji parses as onboard
//! parses it, the name follows Slack's rules, the picture is one PNG, JPEG or GIF of
//! 512–1024 px by what Slack says of it); problems come back inline, keyed by block. A good
//! submission is acknowledged with a "saving" view, and an app worker then downloads the
//! picture from Slack (the bot token, Slack's hosts only, a size cap), checks its header,
//! stores it by content key and merges the preset into `users.json` with the same lossless
//! update as `onboard`. The modal then says it is saved, or shows the form again with what to
//! fix; a status that uses the preset applies at once.

mod read;
mod view;

use crate::presets::pending::{Patch, Save};

use serde_json::json;

use super::App;
use super::Job;
use crate::events::ViewSubmission;
use crate::onboard::MAX_PICTURE_BYTES;
use crate::picture;
use crate::presets::{EmojiKey, Preset, UserId};
use crate::serve::answer::Answer;
use crate::serve::metrics::EventOutcome;
use crate::tokens::Token;

pub use read::read;
pub use view::{form, saved, saving};
/// The modal's `callback_id`.
pub const CALLBACK_ID: &str = "preset";
/// Blocks (and their one element each) of the form.
pub const EMOJI: &str = "emoji";
pub const NAME: &str = "name";
pub const PICTURE: &str = "picture";
/// The file types the picture field offers (Slack checks nothing: statusinator does).
const FILETYPES: [&str; 4] = ["png", "jpg", "jpeg", "gif"];

/// A picture the member attached: Slack keeps it private; the bot downloads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackFile {
    pub name: String,
    pub url: String,
}

/// A submission that passed the checks that need nothing but the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    pub emoji: EmojiKey,
    pub name: Option<String>,
    pub picture: Option<SlackFile>,
    /// The preset being edited (the view's own metadata), when it is an edit.
    pub editing: Option<EmojiKey>,
}

impl App {
    /// A modal submitted: problems are answered inline at once; a good submission is saved by
    /// an app worker after the ack.
    pub(crate) fn submitted(&self, submission: ViewSubmission) -> (EventOutcome, Answer) {
        if submission.callback_id != CALLBACK_ID {
            return (EventOutcome::Ignored, Answer::empty(200));
        }
        let Ok(user) = UserId::parse(&submission.user_id) else {
            return (EventOutcome::Malformed, Answer::empty(200));
        };
        let existing = self.presets.get(&user).unwrap_or_default();
        match read(&submission, &existing) {
            Err(errors) => (
                EventOutcome::Preset,
                Answer::json(200, &json!({"response_action": "errors", "errors": errors})),
            ),
            Ok(filled) => {
                let view = saving(&filled);
                self.jobs.push(Job::Save {
                    team: submission.team_id,
                    user,
                    view_id: submission.view_id,
                    filled,
                });
                (
                    EventOutcome::Preset,
                    Answer::json(200, &json!({"response_action": "update", "view": view})),
                )
            }
        }
    }

    /// Opens the preset form (an app worker, right after the click: the trigger lasts 3 s).
    pub(super) fn open_form(
        &self,
        team: &str,
        user: &UserId,
        trigger_id: &str,
        editing: Option<EmojiKey>,
    ) {
        let Some(bot) = self.bot_for(team, user) else {
            return;
        };
        let presets = self.presets.get(user).unwrap_or_default();
        let editing = editing.and_then(|e| presets.get(&e).map(|p| (e, p.clone())));
        let view = form(editing.as_ref().map(|(e, p)| (e, p)), None, None);
        match self.slack().open_view(&bot, trigger_id, &view) {
            Ok(_) => log::debug!("opened the preset form for {user}"),
            Err(err) => log::warn!("could not open the preset form for {user}: {err}"),
        }
    }

    /// Shows the member their form again, as they filled it, with `problem` to fix.
    fn show_form_again(
        &self,
        bot: &crate::slack::Token,
        user: &UserId,
        view_id: &str,
        filled: &Filled,
        problem: &str,
    ) {
        let editing = filled
            .editing
            .as_ref()
            .and_then(|e| self.presets.get(user)?.remove_entry(e));
        let view = form(
            editing.as_ref().map(|(e, p)| (e, p)),
            Some(filled),
            Some(problem),
        );
        if let Err(err) = self.slack().update_view(bot, view_id, &view) {
            log::warn!("could not show {user} their preset form again: {err}");
        }
    }

    /// At a stop before a save could be worked: the modal says so, with the form as they
    /// filled it, instead of *Saving…* for good.
    pub(super) fn not_saved(&self, team: &str, user: &UserId, view_id: &str, filled: &Filled) {
        if let Some(bot) = self.bot_for(team, user) {
            self.show_form_again(
                &bot,
                user,
                view_id,
                filled,
                "statusinator was restarting and could not save this: press Save again in a \
                 moment",
            );
        }
    }

    /// Stores a submitted preset, then tells the member in the modal (an app worker).
    pub(super) fn save_preset(&self, team: &str, user: &UserId, view_id: &str, filled: Filled) {
        let Some(bot) = self.bot_for(team, user) else {
            return;
        };
        let show_again =
            |problem: &str| self.show_form_again(&bot, user, view_id, &filled, problem);
        let picture = match &filled.picture {
            None => None,
            Some(file) => match self.store_picture(user, &bot, file) {
                Ok(key) => Some(key),
                Err(problem) => {
                    log::info!("{user}'s preset picture was refused: {problem}");
                    return show_again(&problem);
                }
            },
        };
        match self.merge_preset(user, &filled, picture) {
            Ok(Some(preset)) => {
                log::info!("{user} saved their {} preset", filled.emoji);
                self.pipeline.presets_saved(std::slice::from_ref(user));
                // Their status may use it: it applies at once.
                self.pipeline.reread_later(user);
                let view = saved(&filled.emoji, &preset);
                if let Err(err) = self.slack().update_view(&bot, view_id, &view) {
                    log::warn!("could not tell {user} their preset is saved: {err}");
                }
                self.publish_home(team, user);
            }
            Ok(None) => show_again(
                "The preset you were editing was removed meanwhile, with its photo: give a \
                 name or pick a photo",
            ),
            Err(err) => {
                log::error!("{user} submitted a preset, but: {err:#}");
                show_again("Saving did not work just now (the store did not answer): try again in a minute")
            }
        }
    }

    /// Downloads the member's picture from Slack with the bot token, checks its header and
    /// stores it by content key; the error is for the member.
    fn store_picture(
        &self,
        user: &UserId,
        bot: &Token,
        file: &SlackFile,
    ) -> Result<String, String> {
        let shown = crate::redact::excerpt(&file.name);
        let fetcher = crate::fetch::Fetcher::slack_images(self.slack().base())
            .map_err(|err| format!("statusinator could not download {shown}: {err:#}"))?;
        let bytes = fetcher
            .get_private(&file.url, MAX_PICTURE_BYTES, bot)
            .map_err(|err| match err {
                crate::fetch::FetchError::TooLarge { limit } => {
                    format!("{shown} is over the {limit}-byte limit: export it smaller")
                }
                _ => format!(
                    "Slack did not hand {shown} to statusinator: attach it again; if this \
                     keeps happening, ask your admin to give the app the files:read scope"
                ),
            })?;
        let checked = picture::check(&bytes).map_err(|reason| format!("{shown}: {reason}"))?;
        picture::keep(self.store(), user, &bytes, checked.format).map_err(|err| {
            log::error!("storing {user}'s picture failed: {err:#}");
            "Storing the photo did not work just now (the store did not answer): try again in a \
             minute"
                .to_owned()
        })
    }

    /// Saves the preset among the member's (one small write whatever the workspace's size; a
    /// concurrent writer's change is kept); `None` when an edit left a preset with neither name
    /// nor photo.
    fn merge_preset(
        &self,
        user: &UserId,
        filled: &Filled,
        picture: Option<String>,
    ) -> anyhow::Result<Option<Preset>> {
        let mine = self.presets.get(user);
        let kept = filled
            .editing
            .as_ref()
            .and_then(|e| mine.as_ref()?.get(e)?.picture.clone());
        let preset = Preset {
            name: filled.name.clone(),
            picture: picture.or(kept),
        };
        if preset.name.is_none() && preset.picture.is_none() {
            return Ok(None);
        }
        // An edit that changed the emoji moves the preset.
        let moved = filled
            .editing
            .as_ref()
            .filter(|e| **e != filled.emoji)
            .map(|old| Patch::remove(old.clone()))
            .unwrap_or_default();
        let patch = moved.then(Patch::put(filled.emoji.clone(), preset.clone()));
        crate::store::save(self.store(), &Save::member(user.clone(), patch))?;
        Ok(Some(preset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::UserPresets;
    use serde_json::Value;

    fn submission(emoji: &str, name: Option<&str>, files: Value, editing: &str) -> ViewSubmission {
        ViewSubmission {
            user_id: "U0ANA0001".into(),
            team_id: "T1".into(),
            view_id: "V1".into(),
            callback_id: CALLBACK_ID.into(),
            private_metadata: editing.into(),
            values: json!({
                EMOJI: {EMOJI: {"type": "plain_text_input", "value": emoji}},
                NAME: {NAME: {"type": "plain_text_input", "value": name}},
                PICTURE: {PICTURE: {"type": "file_input", "files": files}},
            }),
        }
    }

    fn file(name: &str, filetype: &str, w: u64) -> Value {
        json!({"id": "F1", "name": name, "filetype": filetype, "mimetype": format!("image/{filetype}"),
               "size": 2000, "original_w": w, "original_h": w.to_string(),
               "url_private_download": "https://files.slack.com/files-pri/T1-F1/download/x"})
    }

    fn existing() -> UserPresets {
        UserPresets::from([(
            EmojiKey::parse(":house:").unwrap(),
            Preset {
                name: None,
                picture: Some("U0ANA0001/p.png".into()),
            },
        )])
    }

    #[test]
    fn each_field_says_what_to_fix() {
        let errors = |s: ViewSubmission| read(&s, &existing()).unwrap_err();
        let bad = errors(submission("palm tree", Some("@ana"), json!([]), ""));
        assert!(bad[EMOJI].contains("not a Slack emoji code"), "{bad:?}");
        assert!(bad[NAME].contains("starts with @"), "{bad:?}");
        let long = "x".repeat(81);
        let bad = errors(submission(":x:", Some(&long), json!([]), ""));
        assert!(bad[NAME].contains("81 characters"), "{bad:?}");
        let bad = errors(submission(
            ":x:",
            None,
            json!([file("me.png", "png", 300)]),
            "",
        ));
        assert!(bad[PICTURE].contains("300×300 px"), "{bad:?}");
        let mut text = file("notes.png", "text", 0);
        text["mimetype"] = "text/plain".into();
        let bad = errors(submission(":x:", None, json!([text]), ""));
        assert!(bad[PICTURE].contains("not a PNG, JPEG or GIF"), "{bad:?}");
        let bad = errors(submission(":house:", Some("Ana"), json!([]), ""));
        assert!(
            bad[EMOJI].contains("already have a :house: preset"),
            "{bad:?}"
        );
        let bad = errors(submission(":x:", None, json!([]), ""));
        assert!(bad[NAME].contains("a preset with neither"), "{bad:?}");
        let two = json!([file("a.png", "png", 512), file("b.png", "png", 512)]);
        assert!(errors(submission(":x:", None, two, ""))[PICTURE].contains("one picture"));
    }

    #[test]
    fn good_submissions_read_whole() {
        let filled = read(
            &submission(
                " palm_tree ",
                Some(" Ana (away) "),
                json!([file("b.png", "png", 512)]),
                "",
            ),
            &existing(),
        )
        .unwrap();
        assert_eq!(filled.emoji.as_str(), ":palm_tree:");
        assert_eq!(filled.name.as_deref(), Some("Ana (away)"));
        assert_eq!(filled.picture.unwrap().name, "b.png");
        assert_eq!(filled.editing, None);
        // An edit may keep the photo and drop the name, and keep its own emoji.
        let edit = read(
            &submission(":house:", None, json!(null), ":house:"),
            &existing(),
        )
        .unwrap();
        assert_eq!(edit.editing.unwrap().as_str(), ":house:");
    }

    #[test]
    fn the_form_fits_slacks_rules() {
        let emoji = EmojiKey::parse(":house:").unwrap();
        let preset = &existing()[&emoji];
        let view = form(Some((&emoji, preset)), None, Some("<b> & co"));
        assert!(view["title"]["text"].as_str().unwrap().chars().count() <= 24);
        assert_eq!(view["private_metadata"], ":house:");
        assert_eq!(view["blocks"][1]["element"]["initial_value"], ":house:");
        assert!(view.to_string().contains("&lt;b&gt; &amp; co"));
        assert!(view.to_string().contains("leave this empty to keep it"));
    }
}
