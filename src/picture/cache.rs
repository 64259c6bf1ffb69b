//! A bounded in-memory cache of pictures by store key, so a photo many members' presets share
//! (or one a member changes to often) is read from the store once. Keys are content-derived,
//! so an entry never goes stale.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, Result};

use super::Format;
use crate::store::Store;

/// How many pictures the cache keeps (each at most a few MB).
const ENTRIES: usize = 64;

/// Picture bytes by store key, the least recently used dropped first.
#[derive(Debug)]
pub struct PictureCache {
    entries: Mutex<lru::LruCache<String, Arc<Vec<u8>>>>,
}

impl Default for PictureCache {
    fn default() -> Self {
        PictureCache {
            entries: Mutex::new(lru::LruCache::new(
                NonZeroUsize::new(ENTRIES).expect("non-zero"),
            )),
        }
    }
}

impl PictureCache {
    /// The picture's bytes and format, from the cache or the store; checked before use.
    pub fn get(&self, store: &dyn Store, key: &str) -> Result<(Arc<Vec<u8>>, Format)> {
        self.get_or(store, key, || {
            Err(anyhow!(
                "the picture {} is missing from the store: onboard the member's presets again",
                store.location(key)
            ))
        })
    }

    /// [`PictureCache::get`], with `make` called for the bytes of a picture the store does not
    /// have (it stores them).
    pub fn get_or(
        &self,
        store: &dyn Store,
        key: &str,
        make: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<(Arc<Vec<u8>>, Format)> {
        let cached = self.entries.lock().expect("cache lock").get(key).cloned();
        let bytes = match cached {
            Some(bytes) => bytes,
            None => {
                let bytes = match store.get(key)? {
                    Some(bytes) => bytes,
                    None => make()?,
                };
                let bytes = Arc::new(bytes);
                self.entries
                    .lock()
                    .expect("cache lock")
                    .put(key.to_owned(), bytes.clone());
                bytes
            }
        };
        let checked = super::check(&bytes).map_err(|problem| {
            anyhow!(
                "the picture {} cannot be used: {problem}",
                store.location(key)
            )
        })?;
        Ok((bytes, checked.format))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::LocalStore;

    fn png(side: u32) -> Vec<u8> {
        let mut bytes = Vec::new();
        image::RgbImage::new(side, side)
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            )
            .unwrap();
        bytes
    }

    #[test]
    fn a_picture_is_read_from_the_store_once_and_checked_every_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().to_path_buf());
        store.put("U1/a.png", &png(512), "image/png").unwrap();
        let cache = PictureCache::default();
        let (bytes, format) = cache.get(&store, "U1/a.png").unwrap();
        assert_eq!(format, Format::Png);
        // Gone from the store now: the cache still has it.
        store.delete("U1/a.png").unwrap();
        assert_eq!(cache.get(&store, "U1/a.png").unwrap().0, bytes);
        // Missing, it names the picture and the fix.
        let err = cache.get(&store, "U1/b.png").unwrap_err().to_string();
        assert!(err.contains("U1/b.png") && err.contains("onboard"), "{err}");
        // Too small for Slack: refused, naming it.
        store.put("U1/small.png", &png(64), "image/png").unwrap();
        let err = cache.get(&store, "U1/small.png").unwrap_err().to_string();
        assert!(err.contains("U1/small.png"), "{err}");
    }

    #[test]
    fn a_picture_the_store_does_not_have_is_made_and_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().to_path_buf());
        let cache = PictureCache::default();
        let made = cache
            .get_or(&store, "U1/made.png", || {
                let bytes = png(512);
                store.put("U1/made.png", &bytes, "image/png")?;
                Ok(bytes)
            })
            .unwrap();
        let again = cache
            .get_or(&store, "U1/made.png", || panic!("made once"))
            .unwrap();
        assert_eq!(made.0, again.0);
    }
}
