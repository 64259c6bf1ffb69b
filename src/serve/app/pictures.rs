//! `GET /pictures/<user_id>/<uuid>.<ext>`: the photos of members' presets, for the Home tab's
//! thumbnails (Slack shows an image block only from a URL it can fetch). Only a key that is the
//! photo of one of that member's presets, or a photo made for them by a workspace preset (told
//! by its key), is served: never a usual photo, never anything else in the store. The keys are content-derived UUIDs, so they cannot be guessed, and the answer
//! may be cached for good (the same key always holds the same bytes).

use std::sync::Mutex;

use bytes::Bytes;

use super::App;
use crate::picture::Format;
use crate::presets::UserId;
use crate::serve::answer::Answer;

/// Bytes of pictures kept in memory at most, shared by every client asking for them.
const SHARED_BYTES: usize = 64 * 1024 * 1024;

/// Pictures served lately, by key (content-keyed: never stale), least recently used first
/// out. Written by the threads that serve pictures; one lock, held only for the list.
#[derive(Debug, Default)]
pub struct Shared {
    entries: Mutex<Vec<(String, Bytes)>>,
}

impl Shared {
    fn get(&self, key: &str) -> Option<Bytes> {
        let mut entries = self.entries.lock().expect("pictures lock");
        let at = entries.iter().position(|(k, _)| k == key)?;
        let entry = entries.remove(at);
        let bytes = entry.1.clone();
        entries.push(entry);
        Some(bytes)
    }

    fn put(&self, key: &str, bytes: Bytes) {
        let mut entries = self.entries.lock().expect("pictures lock");
        entries.retain(|(k, _)| k != key);
        entries.push((key.to_owned(), bytes));
        let mut total: usize = entries.iter().map(|(_, b)| b.len()).sum();
        while total > SHARED_BYTES && entries.len() > 1 {
            total -= entries.remove(0).1.len();
        }
    }
}

/// Where the pictures are served.
pub const PREFIX: &str = "/pictures/";

/// The URL of a preset's photo, under serve's public address.
pub fn url(public: &str, key: &str) -> String {
    format!("{}{PREFIX}{key}", public.trim_end_matches('/'))
}

impl App {
    /// Answers a request for a preset's photo (a store read: off the HTTP runtime). The bytes
    /// are shared by every client asking for the same picture (see [`Shared`]).
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
        let own = presets.values().any(|p| p.picture.as_deref() == Some(key));
        if !own && !crate::workspace::made::is_made_key(key) {
            return not_found();
        }
        let Some(format) = Format::from_key(key) else {
            return not_found();
        };
        let found = match self.pictures.get(key) {
            Some(bytes) => Ok(Some(bytes)),
            None => self.store().get(key).map(|found| {
                found.map(|bytes| {
                    let bytes = Bytes::from(bytes);
                    self.pictures.put(key, bytes.clone());
                    bytes
                })
            }),
        };
        match found {
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
