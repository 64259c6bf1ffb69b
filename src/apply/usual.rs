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
        let (picture, photo) = keep_photo(store, slack, user, shown)?;
        let usual = Usual {
            name: shown.display_name.clone(),
            picture,
            custom_photo: shown.is_custom_image,
            kept_at: now,
        };
        state::keep_usual(store, user, &usual, false)?;
        log::info!(
            "{user}: kept their usual profile (name {:?}, {})",
            usual.name,
            match &usual.picture {
                Some(p) => format!("photo {p}"),
                None => "no photo of their own".to_owned(),
            }
        );
        kept.usual = Some(usual);
        kept.photo = photo;
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
        let (picture, photo) = keep_photo(store, slack, user, shown)?;
        usual.picture = picture;
        usual.custom_photo = shown.is_custom_image;
        kept.by_hand = Some(usual.picture.clone());
        kept.photo = photo;
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

/// The member's own photo as Slack shows it (see [`own_photo`]), stored like any picture: its
/// key and bytes; `None` when they have no photo of their own.
fn keep_photo(
    store: &dyn Store,
    slack: &SlackClient,
    user: &UserId,
    shown: &Profile,
) -> Result<(Option<String>, Option<Vec<u8>>)> {
    let own = own_photo(slack, user, shown).with_context(|| {
        format!("keeping {user}'s own photo before changing it failed; nothing was changed")
    })?;
    match own {
        Some((bytes, format)) => {
            let key = picture::keep(store, user, &bytes, format)?;
            Ok((Some(key), Some(bytes)))
        }
        None => Ok((None, None)),
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
    for url in [&shown.image_original, &shown.image_1024, &shown.image_512]
        .into_iter()
        .flatten()
    {
        let checked = fetcher
            .get(url, crate::onboard::MAX_PICTURE_BYTES)
            .map_err(|e| e.to_string())
            .and_then(|bytes| picture::check(&bytes).map(|c| (bytes, c.format)));
        match checked {
            Ok(found) => return Ok(Some(found)),
            Err(reason) => last = reason,
        }
    }
    Err(anyhow!(
        "{user}'s own photo could not be downloaded from Slack ({last})"
    ))
}
