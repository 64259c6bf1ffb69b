//! Applying a preset: the one act that `apply`, `poll` and `serve` all end in. A member's
//! facts are gathered in one place (`member`), the plan is made from them with no I/O (`plan`,
//! `choose`: which preset, or the usual profile, and which writes, each only when needed) and
//! is final before the first write; the engine makes the writes with the member's own token,
//! keeping the usual profile first (`usual`), and [`records`] what was applied after each.

use anyhow::Result;
use serde::Serialize;

use crate::presets::{EmojiKey, UserId, UserPresets, USUAL_KEY};
use crate::slack::Profile;
use crate::state::{Applied, Claim, Usual};
use crate::workspace::{made::MadePhoto, Section};

mod choose;
mod engine;
mod member;
mod plan;
pub mod records;
mod usual;

pub use choose::{fill_template, usual_name};
pub use engine::Engine;
pub use member::{preset_on, MemberFacts, NotOnboarded};
pub use plan::{plan, usual_plan};
pub use records::{after, Records};
pub use usual::own_photo;

/// A change stopped before its next write because the member paused meanwhile.
#[derive(Debug, thiserror::Error)]
#[error("{0} paused while a change was written: nothing more of it is written")]
pub struct Stopped(pub UserId);

/// What to apply a member's preset for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An emoji named by hand (`apply`): its own preset (or the one without its skin tone), or
    /// `default` when it is `default`; no preset is an error.
    Emoji(EmojiKey),
    /// The member's status emoji as Slack reports it (`""` when cleared): its preset, else
    /// `default`, else their usual profile; none of them means there is nothing to do.
    Status(String),
    /// Their usual profile, by hand (`apply USER usual`).
    Usual,
}

impl Target {
    /// The emoji as it is recorded in the applied state.
    fn recorded_as(&self) -> String {
        match self {
            Target::Emoji(emoji) => emoji.to_string(),
            Target::Status(status) => status.trim().to_owned(),
            Target::Usual => USUAL_KEY.to_owned(),
        }
    }
}

/// One write to Slack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "method")]
pub enum Write {
    /// `users.profile.set` of `display_name`.
    #[serde(rename = "users.profile.set")]
    Name { display_name: String },
    /// `users.setPhoto` with this picture.
    #[serde(rename = "users.setPhoto")]
    Photo { picture: Photo },
    /// `users.deletePhoto`: Slack's default avatar again (the member had no photo of their own).
    #[serde(rename = "users.deletePhoto")]
    DeletePhoto,
}

impl Write {
    /// The profile field it writes.
    pub fn field(&self) -> crate::state::Field {
        match self {
            Write::Name { .. } => crate::state::Field::Name,
            Write::Photo { .. } | Write::DeletePhoto => crate::state::Field::Photo,
        }
    }
}

/// The picture a photo write sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Photo {
    /// A picture in the store, by key: a member's own preset's, or their usual photo.
    Stored(String),
    /// A workspace preset's photo, made from the usual photo kept already (`usual` inside);
    /// the engine makes and stores it when the store does not have it yet.
    Made(MadePhoto),
    /// A workspace preset's photo, made from the usual photo the engine keeps first (before
    /// the first change of all, or a photo set by hand since the usual profile went back);
    /// `usual` inside is the one kept already, should a fresh read find nothing new.
    MadeFromKept(MadePhoto),
}

impl Photo {
    /// The store key the picture is (or will be) at; `None` for a photo made from a usual one
    /// not kept yet.
    pub fn key(&self, user: &UserId) -> Option<String> {
        match self {
            Photo::Stored(key) => Some(key.clone()),
            Photo::Made(made) => Some(made.key(user)),
            Photo::MadeFromKept(_) => None,
        }
    }
}

impl std::fmt::Display for Photo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Photo::Stored(key) => f.write_str(key),
            Photo::Made(MadePhoto {
                usual: Some(usual), ..
            }) => write!(f, "made from {usual}"),
            Photo::Made(_) => f.write_str("made from Slack's default avatar"),
            Photo::MadeFromKept(_) => f.write_str("made from the usual photo once it is kept"),
        }
    }
}

impl Serialize for Photo {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What a member set by hand while a preset was in effect (or since their usual profile was
/// put back): it becomes their usual.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandEdit {
    /// The display name they set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// They changed their photo (it is downloaded as their usual one).
    pub photo: bool,
    /// Seen while their usual profile shows: what statusinator put back, for the engine to
    /// confirm the change against a fresh read before keeping it (an event's profile can be
    /// older than statusinator's last write, and must not be taken for the member's hand).
    #[serde(skip)]
    pub confirm: Option<PutBack>,
}

/// What statusinator put back of the usual profile, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutBack {
    /// The display name it wrote, if it wrote one.
    pub name: Option<String>,
    /// The usual name kept.
    pub usual_name: String,
    /// The `avatar_hash` read back after its photo write.
    pub avatar_hash: Option<String>,
}

impl HandEdit {
    /// What of a suspected change a fresh read of the profile confirms (`None`: nothing).
    pub fn confirmed(&self, fresh: &Profile) -> Option<HandEdit> {
        let Some(put_back) = &self.confirm else {
            return Some(self.clone());
        };
        let name = self
            .name
            .as_ref()
            .filter(|_| {
                put_back.name.as_ref() != Some(&fresh.display_name)
                    && put_back.usual_name != fresh.display_name
            })
            .map(|_| fresh.display_name.clone());
        let photo = self.photo
            && put_back.avatar_hash.is_some()
            && fresh.avatar_hash.is_some()
            && put_back.avatar_hash != fresh.avatar_hash;
        (name.is_some() || photo).then_some(HandEdit {
            name,
            photo,
            confirm: None,
        })
    }
}

/// What statusinator knows of a member when it plans: their presets, what Slack shows (when
/// known), what it last applied, and their usual profile (when kept).
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub presets: &'a UserPresets,
    pub shown: Option<&'a Profile>,
    pub recorded: Option<&'a Applied>,
    pub usual: Option<&'a Usual>,
    /// The workspace presets the member gets (`None`: there are none for their workspace, or
    /// they switched them off).
    pub workspace: Option<&'a Section>,
}

/// The writes that bring one member in line with a preset (or their usual profile).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub user: UserId,
    /// The emoji this answers (recorded as such).
    pub emoji: String,
    /// The preset that applies (`usual` for the member's usual profile).
    pub preset: EmojiKey,
    /// In order: the name first, then the photo.
    pub writes: Vec<Write>,
    /// The usual profile is kept, from what Slack shows, before the first write.
    #[serde(skip)]
    pub keep_usual: bool,
    /// What the member changed by hand: kept as their usual first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hand_edit: Option<HandEdit>,
    /// When the status lapses, if it does.
    #[serde(skip)]
    pub status_expires_at: Option<u64>,
    /// What Slack showed of the member, if known.
    #[serde(skip)]
    pub shown: Option<Box<Profile>>,
    /// A manual override (`apply`): every write is made, even what seems in effect.
    #[serde(skip)]
    pub forced: bool,
    /// The workspace preset's name template, when the name written is made from it: a hand
    /// edit of the name the engine confirms fills it again with the new name.
    #[serde(skip)]
    pub template: Option<String>,
}

impl Plan {
    /// The plan without the writes `recorded` shows were made already (by another process,
    /// since this plan was made); a manual override keeps all of its writes.
    pub fn rebased(&self, recorded: Option<&Applied>) -> Plan {
        if self.forced {
            return self.clone();
        }
        let written = |write: &Write| match (write, recorded) {
            (Write::Name { display_name }, Some(r)) => r.name.as_ref() == Some(display_name),
            (Write::Photo { picture }, Some(r)) => {
                r.picture.is_some() && r.picture == picture.key(&self.user)
            }
            (Write::DeletePhoto, Some(r)) => {
                r.picture.is_none() && r.preset.as_ref().is_some_and(EmojiKey::is_usual)
            }
            (_, None) => false,
        };
        Plan {
            writes: self
                .writes
                .iter()
                .filter(|w| !written(w))
                .cloned()
                .collect(),
            ..self.clone()
        }
    }

    /// The plan once a fresh read of the profile confirmed (or not) a change seen since the
    /// usual profile was put back: the change as confirmed, and a name made from a template
    /// made again from the name they set.
    pub fn confirmed(&self, fresh: &Profile) -> Result<Plan> {
        let Some(edit) = &self.hand_edit else {
            return Ok(self.clone());
        };
        let hand_edit = edit.confirmed(fresh);
        let mut writes = self.writes.clone();
        if let (Some(template), Some(name)) = (
            &self.template,
            hand_edit.as_ref().and_then(|e| e.name.as_deref()),
        ) {
            let name = crate::workspace::template::name_of(name, &fresh.real_name);
            let filled = fill_template(&self.user, &self.preset, template, name)?;
            for write in &mut writes {
                if let Write::Name { display_name } = write {
                    *display_name = filled.clone();
                }
            }
        }
        Ok(Plan {
            writes,
            hand_edit,
            shown: Some(Box::new(fresh.clone())),
            ..self.clone()
        })
    }

    /// The plan once the usual profile is kept (`usual`, as it is now): a photo made from the
    /// usual one kept first is made from that one.
    pub fn made_from(&self, usual: Option<&Usual>) -> Plan {
        let writes = self
            .writes
            .iter()
            .map(|write| match write {
                Write::Photo {
                    picture: Photo::MadeFromKept(made),
                } => Write::Photo {
                    picture: Photo::Made(MadePhoto {
                        usual: usual.map_or(made.usual.clone(), |u| u.picture.clone()),
                        ..made.clone()
                    }),
                },
                other => other.clone(),
            })
            .collect();
        Plan {
            writes,
            ..self.clone()
        }
    }

    /// Whether executing the plan would neither call Slack nor change the record.
    pub fn changes_nothing(&self, recorded: Option<&Applied>) -> bool {
        self.writes.is_empty()
            && self.hand_edit.is_none()
            && recorded.is_some_and(|r| {
                r.emoji == self.emoji
                    && r.preset.as_ref() == Some(&self.preset)
                    && r.status_expires_at == self.status_expires_at
            })
    }
}

/// What [`Engine::execute_claimed`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    /// The member was claimed and the plan carried out.
    Done(Box<Done>),
    /// Another process was writing the member: nothing was done.
    Elsewhere(Claim),
}

/// A plan carried out under a claim on the member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    /// The plan as carried out: less what the member's record (as of the claim) showed was
    /// written already, with a change by hand as confirmed and made photos settled.
    pub plan: Plan,
    /// The member's record as of the claim (`None` too when the store could not take it).
    pub recorded: Option<Applied>,
    /// The record as the plan's last step wrote it (`None` when it waits for the store).
    pub written: Option<Applied>,
    /// The fields Slack refused to change because they are locked (the rest was written).
    pub locked: Vec<Locked>,
}

/// A field Slack refused to change for good: the member's organization locks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Locked {
    pub field: crate::state::Field,
    /// What Slack said.
    pub code: String,
    /// The member has not been told of this field's lock yet.
    #[serde(skip)]
    pub first: bool,
}

/// What the engine did for one member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    #[serde(flatten)]
    pub plan: Plan,
    pub dry_run: bool,
    /// Fields Slack refused as locked by the member's organization.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locked: Vec<Locked>,
}

/// `default`, or the emoji; `(cleared)` for an empty status.
pub fn display_emoji(emoji: &str) -> &str {
    if emoji.is_empty() {
        "status cleared"
    } else {
        emoji
    }
}
