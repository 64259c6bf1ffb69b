//! Profile pictures: what Slack's `users.setPhoto` accepts (PNG, JPEG or GIF, 512–1024 px a
//! side), read from the image header rather than the file name, and the content-derived store key
//! `<user_id>/<uuid>.<ext>` that makes the same bytes land on the same key every time.

mod cache;
pub mod decode;

pub use cache::PictureCache;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::presets::UserId;

/// The smallest side Slack accepts for a profile photo.
pub const MIN_SIDE: usize = 512;
/// The largest side Slack accepts for a profile photo.
pub const MAX_SIDE: usize = 1024;

/// Namespace of the content-derived picture UUIDs (a fixed v4 UUID, so keys never change).
const PICTURE_NAMESPACE: Uuid = Uuid::from_u128(0x6c1b_2f0e_5a8d_4c3e_9f71_2d4b_8e6a_0c53);

/// The picture formats Slack takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
    Gif,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpg",
            Format::Gif => "gif",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Gif => "image/gif",
        }
    }

    /// The format a store key's extension names.
    pub fn from_key(key: &str) -> Option<Format> {
        let ext = key.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "png" => Some(Format::Png),
            "jpg" | "jpeg" => Some(Format::Jpeg),
            "gif" => Some(Format::Gif),
            _ => None,
        }
    }
}

/// A picture whose header has been read and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    pub format: Format,
    pub width: usize,
    pub height: usize,
}

/// Reads the image header and checks it against what `users.setPhoto` accepts. The error says
/// what is wrong and how to fix it.
pub fn check(bytes: &[u8]) -> Result<Checked, String> {
    let format =
        match imagesize::image_type(bytes) {
            Ok(imagesize::ImageType::Png) => Format::Png,
            Ok(imagesize::ImageType::Jpeg) => Format::Jpeg,
            Ok(imagesize::ImageType::Gif) => Format::Gif,
            Ok(other) => {
                return Err(format!(
                    "it is {other:?}, not PNG, JPEG or GIF: Slack takes only those; convert it"
                ))
            }
            Err(_) => return Err(
                "it is not a PNG, JPEG or GIF image (its header says otherwise): Slack takes only \
                 those; convert it"
                    .to_owned(),
            ),
        };
    let size = imagesize::blob_size(bytes).map_err(|_| {
        format!(
            "its {} header is damaged and gives no size: re-export the image",
            format.extension().to_uppercase()
        )
    })?;
    let (width, height) = (size.width, size.height);
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(format!(
            "it is {width}×{height} px; Slack needs at least {MIN_SIDE}×{MIN_SIDE}: use a larger \
             image"
        ));
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(format!(
            "it is {width}×{height} px; Slack takes at most {MAX_SIDE}×{MAX_SIDE}: scale it down"
        ));
    }
    Ok(Checked {
        format,
        width,
        height,
    })
}

/// The store key of a member's picture: `<user_id>/<uuid>.<ext>`, the UUID (v5) derived from the
/// SHA-256 of the bytes, so the same bytes always get the same key.
pub fn store_key(user: &UserId, bytes: &[u8], format: Format) -> String {
    let digest = Sha256::digest(bytes);
    let id = Uuid::new_v5(&PICTURE_NAMESPACE, &digest);
    format!("{user}/{id}.{}", format.extension())
}

/// Whether `key` has the shape of a stored picture's key, `<user_id>/<uuid>.<png|jpg|gif>` (as
/// `users.json` and `export` name pictures).
pub fn is_picture_key(key: &str) -> bool {
    let Some((user, file)) = key.split_once('/') else {
        return false;
    };
    let Some((id, _)) = file.rsplit_once('.') else {
        return false;
    };
    UserId::parse(user).is_ok() && Uuid::parse_str(id).is_ok() && Format::from_key(file).is_some()
}

/// Stores a checked picture under its content key unless it is there already; returns the key.
pub fn keep(
    store: &dyn crate::store::Store,
    user: &UserId,
    bytes: &[u8],
    format: Format,
) -> anyhow::Result<String> {
    let key = store_key(user, bytes, format);
    if !store.exists(&key)? {
        store.put(&key, bytes, format.content_type())?;
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
        bytes.extend_from_slice(&13u32.to_be_bytes());
        bytes.extend_from_slice(b"IHDR");
        bytes.extend_from_slice(&width.to_be_bytes());
        bytes.extend_from_slice(&height.to_be_bytes());
        bytes.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        bytes
    }

    #[test]
    fn the_header_decides_not_the_name() {
        let ok = check(&png_header(512, 600)).unwrap();
        assert_eq!(ok.format, Format::Png);
        assert_eq!((ok.width, ok.height), (512, 600));
        let err = check(b"GIF? no, plain text").unwrap_err();
        assert!(err.contains("not a PNG, JPEG or GIF"), "{err}");
    }

    #[test]
    fn sizes_outside_512_to_1024_are_refused_with_the_fix() {
        let err = check(&png_header(511, 800)).unwrap_err();
        assert!(
            err.contains("511×800") && err.contains("at least 512×512"),
            "{err}"
        );
        let err = check(&png_header(1025, 1024)).unwrap_err();
        assert!(err.contains("at most 1024×1024"), "{err}");
        assert!(check(&png_header(1024, 1024)).is_ok());
    }

    #[test]
    fn the_same_bytes_get_the_same_key() {
        let user = UserId::parse("U024BE7LH").unwrap();
        let a = store_key(&user, b"abc", Format::Png);
        assert_eq!(a, store_key(&user, b"abc", Format::Png));
        assert_ne!(a, store_key(&user, b"abd", Format::Png));
        assert!(a.starts_with("U024BE7LH/") && a.ends_with(".png"), "{a}");
        let uuid = &a["U024BE7LH/".len()..a.len() - 4];
        assert_eq!(Uuid::parse_str(uuid).unwrap().get_version_num(), 5);
        assert_eq!(Format::from_key(&a), Some(Format::Png));
    }
}
