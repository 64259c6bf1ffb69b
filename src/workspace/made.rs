//! Made photos in the store: each under `<user_id>/<uuid>.png`, the UUID derived from what it is
//! made of (the usual photo's own key, the badge, the rule and the way photos are made), so it
//! is made once per (usual photo, rule), a new usual photo gets new ones, and nothing is kept in
//! memory between uses. Their UUIDs are of version 8 (a member's other pictures' are of version
//! 5), so a made photo is told from a usual photo's copy by its key alone.

use std::sync::Arc;

use anyhow::{Context, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::art::Artist;
use super::photo::{self, Base};
use super::PhotoRule;
use crate::presets::{EmojiKey, UserId};
use crate::store::Store;
use crate::tokens::Token;

/// How photos are made, as part of every made photo's key: a change here makes them anew.
const RECIPE: &str = "statusinator made photo 1; twemoji 17.0.2; 512 px";

/// A photo to make for a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MadePhoto {
    /// The usual photo it is made from (its store key; `None`: the member has none of their
    /// own, so a plain avatar).
    pub usual: Option<String>,
    /// The badge's emoji, if it has one.
    pub badge: Option<EmojiKey>,
    pub rule: PhotoRule,
}

impl MadePhoto {
    /// The store key of this photo for `user`.
    pub fn key(&self, user: &UserId) -> String {
        let recipe = serde_json::to_vec(&(RECIPE, self)).expect("a recipe serializes");
        let digest = Sha256::digest(&recipe);
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        format!("{user}/{}.png", uuid::Uuid::new_v8(bytes))
    }
}

/// The photos made for `user` (one listing of their pictures).
pub fn of_member(store: &dyn Store, user: &UserId) -> Result<Vec<String>> {
    Ok(store
        .list(&format!("{user}/"))?
        .into_iter()
        .map(|listed| listed.key)
        .filter(|key| is_made_key(key))
        .collect())
}

/// Removes every photo made for `user` (when their usual photo changed); returns how many.
pub fn remove_all(store: &dyn Store, user: &UserId) -> Result<usize> {
    let made = of_member(store, user)?;
    for key in &made {
        store.delete(key)?;
    }
    Ok(made.len())
}

/// Whether `key` is a made photo's (`<user_id>/<uuid v8>.png`).
pub fn is_made_key(key: &str) -> bool {
    let Some((user, file)) = key.split_once('/') else {
        return false;
    };
    let Some(id) = file.strip_suffix(".png") else {
        return false;
    };
    UserId::parse(user).is_ok()
        && uuid::Uuid::parse_str(id).is_ok_and(|id| id.get_version_num() == 8)
}

/// Makes photos and stores them, once each.
#[derive(Debug)]
pub struct Maker {
    store: Arc<dyn Store>,
    artist: Artist,
}

impl Maker {
    pub fn new(store: Arc<dyn Store>, slack: Arc<crate::slack::SlackClient>) -> Maker {
        Maker {
            store,
            artist: Artist::new(slack),
        }
    }

    pub fn artist(&self) -> &Artist {
        &self.artist
    }

    /// The key of `made` for `user`, made and stored first unless it is there already, from
    /// the usual photo's bytes when the caller holds them (else read from the store, at
    /// `made.usual`). `bot` (the workspace's, `team`) looks up a custom emoji badge.
    pub fn ensure_with(
        &self,
        user: &UserId,
        made: &MadePhoto,
        usual: Option<&[u8]>,
        team: &str,
        bot: Option<&Token>,
    ) -> Result<String> {
        let key = made.key(user);
        if !self.store.exists(&key)? {
            self.make(user, made, usual, team, bot)?;
        }
        Ok(key)
    }

    /// Makes `made` for `user` and stores it under its key; returns its bytes.
    pub fn make(
        &self,
        user: &UserId,
        made: &MadePhoto,
        usual: Option<&[u8]>,
        team: &str,
        bot: Option<&Token>,
    ) -> Result<Vec<u8>> {
        let key = made.key(user);
        let read;
        let usual = match (usual, &made.usual) {
            (Some(bytes), _) => Some(bytes),
            (None, Some(at)) => {
                read = self.store.get(at)?.with_context(|| {
                    format!(
                        "{user}'s usual photo {} is missing from the store, so no photo can be \
                         made from it",
                        self.store.location(at)
                    )
                })?;
                Some(read.as_slice())
            }
            (None, None) => None,
        };
        let art = match &made.badge {
            Some(badge) => Some(self.artist.find(badge, team, bot)?),
            None => None,
        };
        let base = match usual {
            Some(bytes) => Base::Photo(bytes),
            None => Base::DefaultAvatar {
                seed: user.as_str(),
            },
        };
        let bytes = photo::make(base, &made.rule, art.as_ref())
            .with_context(|| format!("making {user}'s photo"))?;
        self.store
            .put(&key, &bytes, "image/png")
            .with_context(|| format!("storing the made photo {}", self.store.location(&key)))?;
        log::info!("{user}: made a photo ({key})");
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_made_photo_is_keyed_by_what_it_is_made_of() {
        let ana = UserId::parse("U1AAA").unwrap();
        let made = MadePhoto {
            usual: Some("U1AAA/a.jpg".into()),
            badge: Some(EmojiKey::parse(":palm_tree:").unwrap()),
            rule: PhotoRule::default(),
        };
        let key = made.key(&ana);
        assert!(key.starts_with("U1AAA/") && key.ends_with(".png"), "{key}");
        assert_eq!(key, made.clone().key(&ana));
        let other_usual = MadePhoto {
            usual: Some("U1AAA/b.jpg".into()),
            ..made.clone()
        };
        assert_ne!(key, other_usual.key(&ana));
        let grayscale = MadePhoto {
            rule: PhotoRule {
                style: super::super::Style::Grayscale,
                ..PhotoRule::default()
            },
            ..made.clone()
        };
        assert_ne!(key, grayscale.key(&ana));
        assert_ne!(key, made.key(&UserId::parse("U2BBB").unwrap()));
        assert!(is_made_key(&key));
        let usual = crate::picture::store_key(&ana, b"usual", crate::picture::Format::Png);
        assert!(!is_made_key(&usual), "{usual}");
        assert!(!is_made_key("U1AAA/../x.png"));
    }
}
