//! `GET /pictures/<user_id>/<uuid>.<ext>`: the photos of members' presets, for the Home tab's
//! thumbnails (Slack shows an image block only from a URL it can fetch). Only a key that is the
//! photo of one of that member's presets is served: never a usual photo, never anything else
//! in the store. The keys are content-derived UUIDs, so they cannot be guessed, and the answer
//! may be cached for good (the same key always holds the same bytes).

use crate::picture::Format;
use crate::presets::UserId;
use crate::serve::{Answer, Service};

/// Where the pictures are served.
pub const PREFIX: &str = "/pictures/";

/// The URL of a preset's photo, under serve's public address.
pub fn url(public: &str, key: &str) -> String {
    format!("{}{PREFIX}{key}", public.trim_end_matches('/'))
}

impl Service {
    /// Answers a request for a preset's photo (a store read: off the HTTP runtime).
    pub(crate) fn picture(&self, path: &str) -> Answer {
        let not_found = || Answer::text(404, "no such picture");
        let Some(key) = path.strip_prefix(PREFIX) else {
            return not_found();
        };
        let Some((user, _)) = key.split_once('/') else {
            return not_found();
        };
        let Ok(user) = UserId::parse(user) else {
            return not_found();
        };
        let presets = self.presets.get(&user).unwrap_or_default();
        if !presets.values().any(|p| p.picture.as_deref() == Some(key)) {
            return not_found();
        }
        let Some(format) = Format::from_key(key) else {
            return not_found();
        };
        match self.store.get(key) {
            Ok(Some(bytes)) => Answer {
                content_type: format.content_type(),
                body: bytes,
                immutable: true,
                ..Answer::empty(200)
            },
            Ok(None) => not_found(),
            Err(err) => {
                log::warn!("serving {key}: {err:#}");
                Answer::text(503, "the store did not answer: try again shortly")
            }
        }
    }
}
