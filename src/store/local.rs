//! The local-directory store: every write goes to a temporary file in the same directory and is
//! renamed into place, so readers never see half a file; read-modify-writes hold an exclusive lock
//! on a lock file under `.locks/`, so concurrent writers (threads or processes) take turns.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{check_key, Change, Listed, Store};
use crate::exit::UsageError;

/// A store in a local directory (created on first write).
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn new(root: PathBuf) -> Self {
        LocalStore { root }
    }

    /// Creates the store's directory (not its parents: a path whose parent is missing is most
    /// likely mistyped). On a dry run, only checks that it could.
    pub fn create(root: &Path, dry_run: bool) -> Result<()> {
        let parent = root
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !parent.is_dir() {
            return Err(UsageError::new(format!(
                "the store {} cannot be created: {} is not a directory; check --store \
                 (STATUSINATOR_STORE)",
                root.display(),
                parent.display()
            ))
            .into());
        }
        if dry_run {
            return Ok(());
        }
        match fs::create_dir(root) {
            Ok(()) => {}
            // Another process made it a moment ago: as good.
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists && root.is_dir() => {
                return Ok(())
            }
            Err(err) => {
                return Err(UsageError::new(format!(
                "cannot create the store directory {}: {err}; check --store and the permissions \
                 of {}",
                root.display(),
                parent.display()
            ))
                .into())
            }
        }
        log::info!("created the store directory {}", root.display());
        Ok(())
    }

    fn path(&self, key: &str) -> Result<PathBuf> {
        check_key(key)?;
        Ok(self.root.join(key))
    }

    fn lock_path(&self, key: &str) -> PathBuf {
        self.root
            .join(".locks")
            .join(format!("{}.lock", key.replace('/', "%")))
    }

    fn lock(&self, key: &str) -> Result<File> {
        let dir = self.root.join(".locks");
        fs::create_dir_all(&dir)
            .with_context(|| format!("creating the lock directory {}", dir.display()))?;
        let path = self.lock_path(key);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening the lock file {}", path.display()))?;
        file.lock()
            .with_context(|| format!("locking {}", path.display()))?;
        Ok(file)
    }
}

/// A tag that changes whenever the file is replaced: size, time and inode (every write renames
/// a new file into place, so the inode alone changes with each).
fn file_version(meta: &fs::Metadata) -> String {
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .unwrap_or_default();
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(meta);
    #[cfg(not(unix))]
    let inode = 0u64;
    format!("{}-{}-{inode}", meta.len(), modified.as_nanos())
}

/// Collects the files under `dir` whose key (relative to `root`) starts with `prefix`,
/// skipping temporary files, lock files and anything that vanishes meanwhile.
fn walk(root: &Path, dir: &Path, prefix: &str, out: &mut Vec<Listed>) -> Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err).with_context(|| format!("listing {}", dir.display())),
    };
    for entry in entries {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        let Some(key) = path
            .strip_prefix(root)
            .ok()
            .and_then(|k| k.to_str())
            .map(|k| k.replace(std::path::MAIN_SEPARATOR, "/"))
        else {
            continue;
        };
        if meta.is_dir() {
            // Descend only where keys with the prefix can be.
            let as_dir = format!("{key}/");
            if as_dir.starts_with(prefix) || prefix.starts_with(&as_dir) {
                walk(root, &path, prefix, out)?;
            }
        } else if key.starts_with(prefix) {
            out.push(Listed {
                key,
                version: file_version(&meta),
            });
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file and a rename: readers see the old file or
/// the new one, never a part.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().expect("store paths have a parent");
    fs::create_dir_all(dir).with_context(|| format!("creating directory {}", dir.display()))?;
    let name = path.file_name().expect("store paths name a file");
    let tmp = dir.join(format!(
        ".{}.{}.{:016x}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        fastrand::u64(..)
    ));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(err) = result {
        let _ = fs::remove_file(&tmp);
        return Err(err).with_context(|| format!("writing {}", path.display()));
    }
    Ok(())
}

impl Store for LocalStore {
    fn location(&self, key: &str) -> String {
        self.root.join(key).display().to_string()
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let path = self.path(key)?;
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err) if err.kind() == ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err).with_context(|| format!("reading {}", path.display())),
        }
    }

    fn reader(&self, key: &str) -> Result<Option<Box<dyn std::io::Read + Send>>> {
        let path = self.path(key)?;
        match File::open(&path) {
            Ok(file) => Ok(Some(Box::new(std::io::BufReader::with_capacity(
                1 << 20,
                file,
            )))),
            Err(err) if err.kind() == ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err).with_context(|| format!("reading {}", path.display())),
        }
    }

    fn get_versioned(&self, key: &str) -> Result<Option<(Vec<u8>, String)>> {
        // The version is read before and after the bytes: a file replaced in between is read
        // again, so a version never stands for bytes it does not describe.
        for _ in 0..10 {
            let Some(before) = self.version(key)? else {
                return Ok(None);
            };
            let Some(bytes) = self.get(key)? else {
                return Ok(None);
            };
            if self.version(key)?.as_deref() == Some(before.as_str()) {
                return Ok(Some((bytes, before)));
            }
        }
        anyhow::bail!(
            "{} kept changing while it was read; try again",
            self.location(key)
        )
    }

    fn list(&self, prefix: &str) -> Result<Vec<Listed>> {
        let mut out = Vec::new();
        // The directory that holds every key with this prefix, and the rest of the prefix.
        let (dir, _) = prefix.rsplit_once('/').unwrap_or(("", prefix));
        let start = if dir.is_empty() {
            self.root.clone()
        } else {
            self.root.join(dir)
        };
        walk(&self.root, &start, prefix, &mut out)?;
        Ok(out)
    }

    fn delete(&self, key: &str) -> Result<()> {
        let path = self.path(key)?;
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(err) if err.kind() == ErrorKind::NotFound => {}
            Err(err) => {
                return Err(err).with_context(|| format!("removing {}", path.display()));
            }
        }
        // The object's lock file goes with it (its name is the key's), unless someone holds
        // it right now: then it stays, empty, for them.
        let lock = self.lock_path(key);
        if let Ok(file) = File::open(&lock) {
            if file.try_lock().is_ok() {
                let _ = fs::remove_file(&lock);
            }
        }
        Ok(())
    }

    fn exists(&self, key: &str) -> Result<bool> {
        let path = self.path(key)?;
        match fs::metadata(&path) {
            Ok(meta) => Ok(meta.is_file()),
            Err(err) if err.kind() == ErrorKind::NotFound => Ok(false),
            Err(err) => Err(err).with_context(|| format!("checking {}", path.display())),
        }
    }

    fn version(&self, key: &str) -> Result<Option<String>> {
        let path = self.path(key)?;
        match fs::metadata(&path) {
            Ok(meta) => Ok(Some(file_version(&meta))),
            Err(err) if err.kind() == ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err).with_context(|| format!("checking {}", path.display())),
        }
    }

    fn check(&self) -> Result<()> {
        let root = self.root.display();
        let fix = "check --store (STATUSINATOR_STORE)";
        let usage = |message: String| Err(UsageError::new(message).into());
        match fs::metadata(&self.root) {
            Ok(meta) if meta.is_dir() => match fs::read_dir(&self.root) {
                Ok(_) => Ok(()),
                Err(err) => usage(format!(
                    "cannot read the store directory {root}: {err}; check its permissions"
                )),
            },
            Ok(_) => usage(format!(
                "the store {root} is a file, not a directory: {fix}; it must be a directory or \
                 s3://bucket[/prefix]"
            )),
            Err(err) if err.kind() == ErrorKind::NotFound => usage(format!(
                "the store {root} does not exist: {fix}, or create it with statusinator onboard \
                 FILE"
            )),
            Err(err) => usage(format!("cannot open the store {root}: {err}; {fix}")),
        }
    }

    fn put(&self, key: &str, bytes: &[u8], _content_type: &str) -> Result<()> {
        write_atomically(&self.path(key)?, bytes)
    }

    fn update(&self, key: &str, _content_type: &str, change: &mut Change<'_>) -> Result<bool> {
        let path = self.path(key)?;
        let _lock = self.lock(key)?;
        let current = self.get(key)?;
        match change(current.as_deref())? {
            Some(bytes) => {
                write_atomically(&path, &bytes)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

/// A store in a folder of its own, gone with the guard (for unit tests).
#[cfg(test)]
pub fn temp() -> (tempfile::TempDir, LocalStore) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = LocalStore::new(dir.path().to_path_buf());
    (dir, store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewrite_changes_the_version() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().to_path_buf());
        assert_eq!(store.version("users.json").unwrap(), None);
        store.put("users.json", b"{}", "application/json").unwrap();
        let first = store.version("users.json").unwrap().unwrap();
        assert_eq!(store.version("users.json").unwrap().unwrap(), first);
        store.put("users.json", b"{}", "application/json").unwrap();
        assert_ne!(store.version("users.json").unwrap().unwrap(), first);
    }

    #[test]
    fn put_get_exists_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("data"));
        assert_eq!(store.get("U1/a.png").unwrap(), None);
        assert!(!store.exists("U1/a.png").unwrap());
        store.put("U1/a.png", b"bytes", "image/png").unwrap();
        assert_eq!(store.get("U1/a.png").unwrap().unwrap(), b"bytes");
        assert!(store.exists("U1/a.png").unwrap());
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("data/U1"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec!["a.png"]);
    }

    #[test]
    fn concurrent_updates_all_land() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().to_path_buf());
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..25 {
                        store
                            .update("counter", "text/plain", &mut |cur| {
                                let n: u64 = cur
                                    .map(|b| String::from_utf8_lossy(b).parse().unwrap())
                                    .unwrap_or(0);
                                Ok(Some((n + 1).to_string().into_bytes()))
                            })
                            .unwrap();
                    }
                });
            }
        });
        assert_eq!(store.get("counter").unwrap().unwrap(), b"200");
    }

    #[test]
    fn an_update_that_changes_nothing_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().to_path_buf());
        let wrote = store.update("x", "text/plain", &mut |_| Ok(None)).unwrap();
        assert!(!wrote);
        assert!(!store.exists("x").unwrap());
    }
}
