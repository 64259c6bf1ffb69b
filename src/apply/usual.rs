//! Keeping a member's usual profile: before statusinator's first change of all, what Slack
//! shows (their display name, and their own photo downloaded and stored like any picture);
//! later, a name or photo they set by hand, which replaces the kept one.

use anyhow::{anyhow, Context, Result};

use super::Plan;
use crate::picture::{self, Format};
use crate::presets::UserId;
use crate::slack::{Profile, SlackClient};
use crate::state::{self, Usual};
use crate::store::Store;

/// What keeping the usual profile did.
#[derive(Debug, Default)]
pub struct Kept {
    /// The usual profile as it is kept now (`None`: this plan kept nothing).
    pub usual: Option<Usual>,
    /// The usual photo's bytes, when it was just downloaded (a photo made from it needs them).
    pub photo: Option<Vec<u8>>,
    /// The photo kept from a hand edit (its key; `None` inside: Slack's default avatar).
    pub by_hand: Option<Option<String>>,
}

/// Every size of a member's own photo was downloaded and none is one Slack would take back
/// (larger than 1024 px, not a PNG, JPEG or GIF): it cannot be kept, so it is left alone.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct OwnPhotoRefused(pub String);

/// Keeps `user`'s usual profile as `plan` says, from `shown` (what Slack shows now): before the
/// first change (only when none is kept), or the name and photo they set by hand (replacing
/// the kept one; photos made from the earlier usual photo are removed).
pub fn keep(
    store: &dyn Store,
    slack: &SlackClient,
    plan: &Plan,
    shown: &Profile,
    now: u64,
) -> Result<Kept> {
    let user = &plan.user;
    let mut kept = Kept::default();
    if plan.keep_usual {
        let photo = keep_photo(store, slack, user, shown)?;
        let usual = Usual {
            name: shown.display_name.clone(),
            picture: photo.key,
            custom_photo: shown.is_custom_image,
            photo_refused: photo.refused,
            kept_at: now,
        };
        state::keep_usual(store, user, &usual, false)?;
        log::info!(
            "{user}: kept their usual profile (name {:?}, {})",
            usual.name,
            match (&usual.picture, &usual.photo_refused) {
                (Some(p), _) => format!("photo {p}"),
                (None, Some(refused)) => format!(
                    "not their photo: {refused}; their photo is left alone, only the name changes"
                ),
                (None, None) => "no photo of their own".to_owned(),
            }
        );
        kept.usual = Some(usual);
        kept.photo = photo.bytes;
    }
    let Some(edit) = &plan.hand_edit else {
        return Ok(kept);
    };
    let mut usual = match kept.usual.take() {
        Some(usual) => usual,
        None => state::load_usual(store, user)?.unwrap_or_default(),
    };
    if let Some(name) = &edit.name {
        usual.name = name.clone();
    }
    if edit.photo {
        let photo = keep_photo(store, slack, user, shown)?;
        usual.picture = photo.key;
        usual.custom_photo = shown.is_custom_image;
        usual.photo_refused = photo.refused;
        kept.by_hand = Some(usual.picture.clone());
        kept.photo = photo.bytes;
    }
    usual.kept_at = now;
    state::keep_usual(store, user, &usual, true)?;
    log::info!("{user} changed their profile by hand: that is their usual now");
    if edit.photo {
        // Photos made from the earlier usual one are of no more use (none is in effect: the
        // photo in effect is the one they set); any still needed is made anew.
        match crate::workspace::made::remove_all(store, user) {
            Ok(0) => {}
            Ok(n) => log::info!("{user}: removed {n} photo(s) made from their earlier photo"),
            Err(err) => log::warn!("removing photos made from {user}'s earlier photo: {err:#}"),
        }
    }
    kept.usual = Some(usual);
    Ok(kept)
}

/// A member's own photo as [`keep_photo`] kept it.
#[derive(Debug, Default)]
struct KeptPhoto {
    /// Its key in the store (`None`: no photo of their own, or one not kept).
    key: Option<String>,
    bytes: Option<Vec<u8>>,
    /// Why it was not kept: Slack would not take it back.
    refused: Option<String>,
}

/// The member's own photo as Slack shows it (see [`own_photo`]), stored like any picture; none
/// when they have no photo of their own, or one Slack would not take back (then why).
fn keep_photo(
    store: &dyn Store,
    slack: &SlackClient,
    user: &UserId,
    shown: &Profile,
) -> Result<KeptPhoto> {
    let own = match own_photo(slack, user, shown) {
        Err(err) if err.downcast_ref::<OwnPhotoRefused>().is_some() => {
            return Ok(KeptPhoto {
                refused: Some(format!("{err:#}")),
                ..KeptPhoto::default()
            });
        }
        own => own.with_context(|| {
            format!("keeping {user}'s own photo before changing it failed; nothing was changed")
        })?,
    };
    match own {
        Some((bytes, format)) => Ok(KeptPhoto {
            key: Some(picture::keep(store, user, &bytes, format)?),
            bytes: Some(bytes),
            refused: None,
        }),
        None => Ok(KeptPhoto::default()),
    }
}

/// The member's own photo as Slack shows it, downloaded from Slack's image hosts (the original,
/// else the 1024 px one, else the 512 px one: the first Slack would take back) and checked;
/// `None` when they have no photo of their own.
pub fn own_photo(
    slack: &SlackClient,
    user: &UserId,
    shown: &Profile,
) -> Result<Option<(Vec<u8>, Format)>> {
    if !shown.is_custom_image {
        return Ok(None);
    }
    let fetcher = crate::fetch::Fetcher::slack_images(slack.base())?;
    let mut last = String::from("Slack shows no photo URL");
    let mut refused = None;
    for url in [&shown.image_original, &shown.image_1024, &shown.image_512]
        .into_iter()
        .flatten()
    {
        let bytes = match fetcher.get(url, crate::onboard::MAX_PICTURE_BYTES) {
            Ok(bytes) => bytes,
            Err(err) => {
                last = err.to_string();
                continue;
            }
        };
        match picture::check(&bytes) {
            Ok(checked) => return Ok(Some((bytes, checked.format))),
            Err(reason) => refused = Some(reason),
        }
    }
    match refused {
        // Downloaded, and not a photo Slack takes: no later try would do better.
        Some(reason) => Err(OwnPhotoRefused(format!(
            "{user}'s own photo is not one Slack takes back ({reason})"
        ))
        .into()),
        None => Err(anyhow!(
            "{user}'s own photo could not be downloaded from Slack ({last})"
        )),
    }
}
