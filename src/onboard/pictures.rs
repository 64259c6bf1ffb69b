//! Where an input's pictures may come from (a path, an `https://` URL, a `data:` URL), and
//! reading one with the error saying what to fix.

use std::path::{Path, PathBuf};

use base64::Engine;

use crate::fetch::{Fetcher, Reach};

/// The largest picture read or downloaded (Slack's photos are at most 1024×1024).
pub const MAX_PICTURE_BYTES: u64 = 16 * 1024 * 1024;

/// Where pictures named in the input may come from.
#[derive(Debug, Clone)]
pub struct PictureSources {
    /// Directory that relative paths are read from; `None` refuses local paths (the server).
    pub base_dir: Option<PathBuf>,
    /// Whether `data:` URLs are accepted (the server's `POST /onboard`).
    pub allow_data_urls: bool,
    /// Whether `https://` URLs are downloaded.
    pub allow_downloads: bool,
    /// Where downloads may go: public https:// only, or also a typed loopback `http://`.
    pub reach: Reach,
    /// Show a progress bar while the pictures are read and checked.
    pub progress: bool,
    /// The store's pictures, named by their key (`U…/<uuid>.png`, as `users.json` and
    /// `statusinator export` name them): a file of `export`'s goes back in as it came out.
    pub store: Option<std::sync::Arc<dyn crate::store::Store>>,
}

impl PictureSources {
    /// For a presets file: paths relative to its directory, and https:// URLs.
    pub fn for_file(path: &Path) -> Self {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        PictureSources {
            base_dir: Some(dir.to_path_buf()),
            allow_data_urls: false,
            allow_downloads: true,
            reach: Reach::AlsoTypedLoopback,
            progress: false,
            store: None,
        }
    }

    /// The same, reading pictures named by their key from `store` (when no file of that name is
    /// beside the presets file).
    pub fn with_store(self, store: Option<std::sync::Arc<dyn crate::store::Store>>) -> Self {
        PictureSources { store, ..self }
    }

    /// The same, with a progress bar while the pictures are read (on a terminal).
    pub fn showing_progress(self, progress: bool) -> Self {
        PictureSources { progress, ..self }
    }

    /// For input sent over HTTP: https:// and data: URLs only.
    pub fn remote_only() -> Self {
        PictureSources {
            base_dir: None,
            allow_data_urls: true,
            allow_downloads: true,
            reach: Reach::PublicHttps,
            progress: false,
            store: None,
        }
    }

    /// Pictures only inline, as `data:` URLs: nothing is read from disk or the network.
    pub fn inline_only() -> Self {
        PictureSources {
            base_dir: None,
            allow_data_urls: true,
            allow_downloads: false,
            reach: Reach::PublicHttps,
            progress: false,
            store: None,
        }
    }
}

/// Reads a picture from a path, an https:// URL or a data: URL; the error says what to fix.
pub(super) fn load_picture(
    reference: &str,
    sources: &PictureSources,
    client: &Fetcher,
) -> Result<Vec<u8>, String> {
    let lower = reference.to_ascii_lowercase();
    if lower.starts_with("data:") {
        if !sources.allow_data_urls {
            return Err(
                "data: URLs are accepted only by the server's POST /onboard; \
                        save the picture to a file and give its path"
                    .to_owned(),
            );
        }
        return decode_data_url(reference);
    }
    if lower.starts_with("https://") || lower.starts_with("http://") {
        if !sources.allow_downloads {
            return Err("downloads are off here: send the picture as a data: URL".to_owned());
        }
        return client
            .get(reference, MAX_PICTURE_BYTES)
            .map_err(|err| err.to_string());
    }
    if lower.contains("://") {
        return Err("only https:// URLs and file paths are accepted".to_owned());
    }
    let Some(base) = &sources.base_dir else {
        return Err(
            "the server cannot read local files: send the picture as an https:// \
                    or data: URL"
                .to_owned(),
        );
    };
    let path = base.join(reference);
    if crate::picture::is_picture_key(reference) && !path.exists() {
        let Some(store) = &sources.store else {
            return Err(format!(
                "{} is the key of a picture in a store, not a file beside the presets file, and \
                 this store has none yet: onboard it from its own file",
                crate::redact::excerpt(reference)
            ));
        };
        return match store.get(reference) {
            Ok(Some(bytes)) => Ok(bytes),
            Ok(None) => Err(format!(
                "{} is not in the store (nor a file beside the presets file): onboard it from \
                 its own file, or export from the store that has it",
                store.location(reference)
            )),
            Err(err) => Err(format!("reading {}: {err:#}", store.location(reference))),
        };
    }
    let shown = crate::redact::label(&path.display().to_string()).into_owned();
    let meta = std::fs::metadata(&path).map_err(|err| {
        format!("cannot read {shown}: {err}; check the path (it is relative to the presets file)")
    })?;
    if !meta.is_file() {
        return Err(format!("{shown} is not a file"));
    }
    if meta.len() > MAX_PICTURE_BYTES {
        return Err(format!(
            "{shown} is {} bytes, over the {MAX_PICTURE_BYTES}-byte limit: a 1024×1024 picture \
             needs far less; re-export it",
            meta.len()
        ));
    }
    std::fs::read(&path).map_err(|err| format!("cannot read {shown}: {err}"))
}

/// Decodes `data:image/png;base64,…`.
fn decode_data_url(url: &str) -> Result<Vec<u8>, String> {
    let (meta, data) = url[5..]
        .split_once(',')
        .ok_or("a data: URL needs a comma before its data")?;
    if !meta.to_ascii_lowercase().ends_with(";base64") {
        return Err("data: URLs must be base64 (data:image/png;base64,…)".to_owned());
    }
    if data.len() as u64 > MAX_PICTURE_BYTES * 4 / 3 + 4 {
        return Err(format!(
            "the data: URL is over the {MAX_PICTURE_BYTES}-byte limit"
        ));
    }
    base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|err| format!("the data: URL is not valid base64 ({err})"))
}
