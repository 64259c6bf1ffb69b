//! Which emoji codes exist, so a typo (`:palm_tre:`, a badge `:hosue:`) is caught at onboard
//! instead of never firing: a standard emoji, or one of the custom emoji of a workspace the app
//! is installed in (asked of `emoji.list` only when a code is not standard). Without a way to
//! ask (no bot token), an unknown code is a warning that says how to check it.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::sync::OnceLock;

use super::Problem;
use crate::presets::EmojiKey;

/// The custom emoji names, when they could be listed.
pub type CustomLister<'a> = Box<dyn Fn() -> Option<BTreeSet<String>> + 'a>;

/// Emoji codes checked against the standard set and the workspaces' custom emoji.
pub struct KnownEmoji<'a> {
    lister: Option<CustomLister<'a>>,
    custom: OnceLock<Option<BTreeSet<String>>>,
    /// Codes that could not be checked, with where they are.
    warnings: RefCell<Vec<Problem>>,
}

impl std::fmt::Debug for KnownEmoji<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KnownEmoji")
    }
}

/// The furthest a suggestion may be from what was typed (edits).
const NEAR: usize = 2;

impl<'a> KnownEmoji<'a> {
    /// Standard emoji only: a code that is not one is a warning (it may be a custom emoji).
    pub fn standard_only() -> KnownEmoji<'a> {
        KnownEmoji {
            lister: None,
            custom: OnceLock::new(),
            warnings: RefCell::default(),
        }
    }

    /// Standard emoji, and the custom ones `lister` gives (`None` from it: they could not be
    /// listed, and an unknown code is a warning).
    pub fn with_custom(lister: CustomLister<'a>) -> KnownEmoji<'a> {
        KnownEmoji {
            lister: Some(lister),
            ..KnownEmoji::standard_only()
        }
    }

    fn custom(&self) -> Option<&BTreeSet<String>> {
        self.custom
            .get_or_init(|| self.lister.as_ref().and_then(|list| list()))
            .as_ref()
    }

    /// Checks `code` found at `place`: the problem when it exists nowhere; a code that could
    /// not be checked is kept as a warning.
    pub fn check(&self, code: &EmojiKey, place: &str) -> Option<String> {
        let (name, _) = crate::workspace::art::split(code.as_str());
        if is_standard(name) {
            return None;
        }
        let custom = self.custom();
        if custom.is_some_and(|custom| custom.contains(name)) {
            return None;
        }
        let near = nearest(name, custom)
            .map(|n| format!(" (did you mean :{n}:?)"))
            .unwrap_or_default();
        match custom {
            Some(_) => Some(format!(
                "{code} is neither a standard emoji nor one of the workspace's custom emoji{near}: \
                 check the spelling (Slack shows an emoji's code when you hover over it)"
            )),
            None => {
                self.warnings.borrow_mut().push(Problem {
                    place: place.to_owned(),
                    message: format!(
                        "{code} is not a standard emoji{near}; if it is one of the workspace's \
                         custom emoji it works, but it could not be checked without a bot token: \
                         set SLACK_BOT_TOKEN (emoji:read) or run this where serve's installation \
                         is, to have it checked"
                    ),
                });
                None
            }
        }
    }

    /// The warnings so far, taken.
    pub fn take_warnings(&self) -> Vec<Problem> {
        std::mem::take(&mut self.warnings.borrow_mut())
    }
}

/// The custom emoji of every workspace these bots are in (`emoji.list`); `None` when there is
/// no bot, or none could list them (each failure is logged).
pub fn custom_of(
    slack: &crate::slack::SlackClient,
    bots: &[crate::tokens::Token],
) -> Option<BTreeSet<String>> {
    let mut names = None::<BTreeSet<String>>;
    for bot in bots {
        match slack.emoji_list(bot) {
            Ok(list) => names.get_or_insert_default().extend(list.into_keys()),
            Err(err) => log::warn!(
                "reading the custom emoji with {} failed ({err}): emoji codes that are not \
                 standard are not checked against them",
                bot.source
            ),
        }
    }
    names
}

/// Whether `name` is a standard emoji's short name, as Slack or GitHub spell it.
fn is_standard(name: &str) -> bool {
    crate::workspace::art::by_short_name(name).is_some()
}

/// The known name closest to `name` within [`NEAR`] edits, if any.
fn nearest(name: &str, custom: Option<&BTreeSet<String>>) -> Option<String> {
    let standard = emojis::iter().flat_map(|e| e.shortcodes());
    let custom = custom.into_iter().flatten().map(String::as_str);
    standard
        .chain(custom)
        .map(|known| (strsim::osa_distance(name, known), known))
        .filter(|(d, _)| *d <= NEAR)
        .min()
        .map(|(_, known)| known.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> EmojiKey {
        EmojiKey::parse(s).unwrap()
    }

    #[test]
    fn standard_codes_pass_as_slack_spells_them() {
        let known = KnownEmoji::standard_only();
        for ok in [
            ":palm_tree:",
            ":face_with_thermometer:",
            ":house_with_garden:",
            ":wave::skin-tone-3:",
            ":thinking_face:",
            ":man-biking:",
            ":woman-surfing:",
            ":flag-ch:",
            ":slightly_smiling_face:",
        ] {
            assert_eq!(known.check(&code(ok), "here"), None, "{ok}");
        }
        let warnings = known.take_warnings();
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn a_typo_is_refused_with_custom_emoji_known_and_a_warning_without() {
        let custom: BTreeSet<String> = ["shipit".to_owned()].into();
        let known = KnownEmoji::with_custom(Box::new(move || Some(custom.clone())));
        let refused = known.check(&code(":palm_tre:"), "here").unwrap();
        assert!(refused.contains("did you mean :palm_tree:?"), "{refused}");
        assert_eq!(known.check(&code(":shipit:"), "here"), None);
        let refused = known.check(&code(":shipti:"), "here").unwrap();
        assert!(refused.contains("did you mean :shipit:?"), "{refused}");

        let known = KnownEmoji::with_custom(Box::new(|| None));
        assert_eq!(known.check(&code(":hosue:"), "file: badge"), None);
        let warnings = known.take_warnings();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].place, "file: badge");
        assert!(
            warnings[0].message.contains("did you mean :house:?"),
            "{warnings:?}"
        );
        assert!(
            warnings[0].message.contains("SLACK_BOT_TOKEN"),
            "{warnings:?}"
        );
    }
}
