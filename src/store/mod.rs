//! The store: where `users.json`, the pictures and the applied state live. One interface, two
//! backends: a local directory and S3. Every read-modify-write goes through [`Store::update`],
//! which never loses a concurrent writer's change (a lock plus atomic rename locally, conditional
//! `If-Match` / `If-None-Match` writes with retry on S3).

mod local;
mod presets;
mod s3;

use std::fmt;
use std::path::PathBuf;

use anyhow::Result;

#[cfg(test)]
pub use local::temp as temp_local;
pub use local::{write_atomically, LocalStore};
pub use presets::{
    fold, load_preset_table, load_users, read_pending, require_users, save, update_users,
};
pub use s3::{S3Settings, S3Store};

use crate::exit::UsageError;

/// The key of the presets file.
pub const USERS_KEY: &str = "users.json";

/// The default store: a directory beside where the command runs.
pub const DEFAULT_STORE: &str = "./statusinator-data";

/// An object found by [`Store::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its key, relative to the store.
    pub key: String,
    pub version: String,
}

/// What a read-modify-write decides: write these bytes, or leave the object as it is.
pub type Change<'a> = dyn FnMut(Option<&[u8]>) -> Result<Option<Vec<u8>>> + 'a;

/// A key-value store of small objects.
pub trait Store: Send + Sync + fmt::Debug {
    /// Where a key lives, for messages (`./statusinator-data/users.json`, `s3://bucket/users.json`).
    fn location(&self, key: &str) -> String;

    /// The object's bytes, or `None` when there is no such object.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>>;

    /// The object as a stream, for objects too large to hold twice (a `users.json` of
    /// 500,000 members); `None` when there is no such object. The stream fails with the store's
    /// error if the read breaks off.
    fn reader(&self, key: &str) -> Result<Option<Box<dyn std::io::Read + Send>>> {
        Ok(self
            .get(key)?
            .map(|bytes| Box::new(std::io::Cursor::new(bytes)) as Box<dyn std::io::Read + Send>))
    }

    /// The object's bytes and its version (what [`Store::version`] and [`Store::list`] show
    /// for exactly these bytes), or `None`.
    fn get_versioned(&self, key: &str) -> Result<Option<(Vec<u8>, String)>>;

    /// Every object whose key starts with `prefix`, with its version, in no set order. One
    /// request per 1,000 objects on S3.
    fn list(&self, prefix: &str) -> Result<Vec<Listed>>;

    /// Removes the object; nothing when there is none.
    fn delete(&self, key: &str) -> Result<()>;

    /// Whether the object exists.
    fn exists(&self, key: &str) -> Result<bool>;

    /// A tag that changes whenever the object does (S3: its ETag; locally: size, time and
    /// inode), without reading it; `None` when there is no such object.
    fn version(&self, key: &str) -> Result<Option<String>>;

    /// Writes the object whole; readers see the old or the new bytes, never a mix.
    fn put(&self, key: &str, bytes: &[u8], content_type: &str) -> Result<()>;

    /// Checks that the store is there and can be read: a missing or mistyped directory or
    /// bucket, a file where a directory should be, or credentials the store refuses are a
    /// [`UsageError`] naming the store and the fix; an unreachable server is a plain error.
    fn check(&self) -> Result<()>;

    /// Reads the object, lets `change` decide its new bytes (`None`: leave it), and writes them
    /// only if nobody wrote in between; otherwise reads again and asks `change` again. Returns
    /// whether it wrote.
    fn update(&self, key: &str, content_type: &str, change: &mut Change<'_>) -> Result<bool>;
}

/// Where the store is, as given by `--store` / `STATUSINATOR_STORE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    Local(PathBuf),
    S3 { bucket: String, prefix: String },
}

impl StoreUrl {
    /// Parses a plain path, a `file://` URL or `s3://bucket[/prefix]`.
    pub fn parse(input: &str) -> Result<Self, UsageError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(UsageError::new(
                "the store is empty: give --store a directory or s3://bucket[/prefix]",
            ));
        }
        if let Some(rest) = input.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let bucket_ok = (3..=63).contains(&bucket.len())
                && bucket
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
            if !bucket_ok {
                return Err(UsageError::new(format!(
                    "store {input:?}: {bucket:?} is not an S3 bucket name (3-63 lowercase \
                     letters, digits, '-' or '.'): use s3://bucket[/prefix]"
                )));
            }
            let prefix = prefix.trim_matches('/').to_owned();
            return Ok(StoreUrl::S3 {
                bucket: bucket.to_owned(),
                prefix,
            });
        }
        if let Some(path) = input.strip_prefix("file://") {
            if path.is_empty() {
                return Err(UsageError::new(format!(
                    "store {input:?} names no directory: use file:///path/to/dir or a plain path"
                )));
            }
            return Ok(StoreUrl::Local(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = input.split_once("://") {
            return Err(UsageError::new(format!(
                "store {input:?}: {scheme}:// is not supported; use a directory, file://… or \
                 s3://bucket[/prefix]"
            )));
        }
        Ok(StoreUrl::Local(PathBuf::from(input)))
    }

    /// Opens the store without looking at it; S3 settings come from the standard `AWS_*`
    /// variables.
    pub fn open_unchecked(&self) -> Result<Box<dyn Store>> {
        Ok(match self {
            StoreUrl::Local(path) => Box::new(LocalStore::new(path.clone())),
            StoreUrl::S3 { bucket, prefix } => {
                let settings = S3Settings::from_env()?;
                Box::new(S3Store::new(bucket, prefix, &settings)?)
            }
        })
    }

    /// Opens a store that must exist (every command but onboard): a missing one is an error,
    /// never an empty store.
    pub fn open(&self) -> Result<Box<dyn Store>> {
        let store = self.open_unchecked()?;
        store.check()?;
        Ok(store)
    }

    /// Opens the store onboard writes to: a local directory that does not exist yet is created
    /// (its parent must exist, so a mistyped path is still an error), except on a dry run, which
    /// writes nothing; a bucket must exist.
    pub fn open_for_onboard(&self, dry_run: bool) -> Result<Box<dyn Store>> {
        if let StoreUrl::Local(path) = self {
            if !path.exists() {
                LocalStore::create(path, dry_run)?;
                return self.open_unchecked();
            }
        }
        self.open()
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreUrl::Local(path) => write!(f, "{}", path.display()),
            StoreUrl::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            StoreUrl::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// The error (or, for serve, the warning) of a store without `users.json`.
pub fn no_presets_yet(store: &dyn Store) -> UsageError {
    UsageError::new(format!(
        "there are no presets in the store yet ({} does not exist): onboard some with \
         statusinator onboard FILE, or check --store (STATUSINATOR_STORE)",
        store.location(USERS_KEY)
    ))
}

/// Checks a store key: relative, `/`-separated, no empty, `.` or `..` segments.
pub(crate) fn check_key(key: &str) -> Result<()> {
    let ok = !key.is_empty()
        && !key.starts_with('/')
        && key
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != ".." && !seg.contains('\\'));
    anyhow::ensure!(ok, "{key:?} is not a valid store key");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_urls() {
        assert_eq!(
            StoreUrl::parse("./data").unwrap(),
            StoreUrl::Local(PathBuf::from("./data"))
        );
        assert_eq!(
            StoreUrl::parse("file:///var/lib/s").unwrap(),
            StoreUrl::Local(PathBuf::from("/var/lib/s"))
        );
        assert_eq!(
            StoreUrl::parse("s3://my-bucket/team/a/").unwrap(),
            StoreUrl::S3 {
                bucket: "my-bucket".into(),
                prefix: "team/a".into()
            }
        );
        assert_eq!(
            StoreUrl::parse("s3://my-bucket").unwrap().to_string(),
            "s3://my-bucket"
        );
        for bad in ["", "s3://", "s3://Bad_Bucket", "gs://x", "file://"] {
            assert!(StoreUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_stay_inside_the_store() {
        assert!(check_key("users.json").is_ok());
        assert!(check_key("U1/abc.png").is_ok());
        for bad in ["", "/etc/passwd", "../x", "a//b", "a/./b", "a\\b"] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }
}
