//! The workspace presets as a member's Home tab shows them: each with the name it gives them
//! and a preview of the photo it makes from *their* usual photo (made and stored like the
//! real one, so it is the very photo a status would bring, served under `/pictures/`), and
//! whether they use them.

use crate::apply::{own_photo, usual_name};
use crate::picture;
use crate::presets::{EmojiKey, UserId, UserPresets};
use crate::serve::app::App;
use crate::state::MemberState;
use crate::tokens::Token;
use crate::workspace::{badge_of, made::MadePhoto, template};

/// At most this many workspace presets are shown (each takes a block).
pub const MAX_SHOWN: usize = 10;

/// What a member's Home shows of the workspace presets.
#[derive(Debug, Clone, Default)]
pub struct WorkspaceShown {
    /// They use them (they did not switch them off).
    pub on: bool,
    pub presets: Vec<ShownRule>,
}

/// One workspace preset, as it would look on the member.
#[derive(Debug, Clone)]
pub struct ShownRule {
    pub emoji: EmojiKey,
    /// The name it gives them, or why it cannot.
    pub name: Option<Result<String, String>>,
    /// The store key of the photo it makes of them (served under `/pictures/`), if it has one
    /// and it could be made.
    pub photo: Option<String>,
    /// The member has a preset of their own for this emoji: theirs wins.
    pub own: bool,
}

impl App {
    /// The workspace presets for a connected member of `team`, with their name and photo
    /// made from their usual profile (as kept, else as Slack shows it). `None` when there are
    /// none for their workspace or they are not connected.
    pub(super) fn workspace_shown(
        &self,
        user: &UserId,
        token: Option<&Token>,
        member: Option<&MemberState>,
        presets: &UserPresets,
    ) -> Option<WorkspaceShown> {
        let place = self.pipeline.connected.place(user)?;
        let team = place.team.clone();
        let table = self.presets.snapshot();
        let section = place.section(&table.sections);
        if section.is_empty() {
            return None;
        }
        let usual = member.and_then(|m| m.usual.as_ref());
        // Not kept yet (or kept without a display name): what Slack shows tells.
        let shown = match token {
            Some(token) if usual.is_none_or(|u| u.name.trim().is_empty()) => self
                .slack()
                .profile_get(token, user.as_str())
                .inspect_err(|err| log::warn!("reading {user}'s profile for their Home: {err}"))
                .ok(),
            _ => None,
        };
        let name = usual_name(usual, shown.as_ref());
        // The usual photo: its key when kept, else its bytes downloaded (their key is the one
        // keeping them would give, so the preview is the photo a status brings).
        // `None`: their photo could not be had, so no preview is shown (the rest is).
        let base = match (usual, &shown) {
            (Some(u), _) => Some((u.picture.clone(), None)),
            (None, Some(shown)) => match own_photo(self.slack(), user, shown) {
                Ok(Some((bytes, format))) => {
                    Some((Some(picture::store_key(user, &bytes, format)), Some(bytes)))
                }
                Ok(None) => Some((None, None)),
                Err(err) => {
                    log::warn!("no previews on {user}'s Home: {err:#}");
                    None
                }
            },
            (None, None) => None,
        };
        let bot = self.tokens().bot_of(team.as_deref());
        let maker = &self.context.maker;
        let rules = section.iter().take(MAX_SHOWN).map(|(emoji, rule)| {
            let photo = rule
                .photo
                .as_ref()
                .zip(base.as_ref())
                .and_then(|(photo, base)| {
                    let (usual_key, usual_bytes) = base;
                    let made = MadePhoto {
                        usual: usual_key.clone(),
                        badge: badge_of(photo, emoji).and_then(|b| EmojiKey::parse(b).ok()),
                        rule: photo.clone(),
                    };
                    maker
                        .ensure_with(
                            user,
                            &made,
                            usual_bytes.as_deref(),
                            team.as_deref().unwrap_or_default(),
                            bot.as_ref(),
                        )
                        .inspect_err(|err| log::warn!("the preview of {emoji} for {user}: {err:#}"))
                        .ok()
                });
            ShownRule {
                emoji: emoji.clone(),
                name: rule.name.as_ref().map(|t| template::fill(t, name)),
                photo,
                own: presets.contains_key(emoji),
            }
        });
        Some(WorkspaceShown {
            on: !member.is_some_and(|m| m.workspace_off),
            presets: rules.collect(),
        })
    }
}
