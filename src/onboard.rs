//! onboard: read a presets file, check all of it (reporting every problem at once, with where it
//! is), store each picture once under its content-derived key, then merge the presets into
//! `users.json`. Pictures are written first and `users.json` last, so no preset ever points at a
//! picture that is not there.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use base64::Engine;
use serde::Serialize;
use serde_json::Value;

use crate::fetch::{Fetcher, Reach};
use crate::parallel;
use crate::picture::{self, Format};
use crate::presets::{self, Change, EmojiKey, Preset, PresetChange, UserId, UserPresets};
use crate::progress;
use crate::store::{self, Store};

/// The largest picture read or downloaded (Slack's photos are at most 1024×1024).
pub const MAX_PICTURE_BYTES: u64 = 16 * 1024 * 1024;

/// How many pictures are read, downloaded or uploaded at once.
const WORKERS: usize = 8;

/// One thing wrong with the input, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where: the file, then the member, emoji and field.
    pub place: String,
    /// What is wrong and what to do about it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// Every problem found in an input; nothing was written.
#[derive(Debug, Clone)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "{n} problem{} in the presets; nothing was written:",
            if n == 1 { "" } else { "s" }
        )?;
        for problem in &self.0 {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

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
        }
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
        }
    }
}

/// A picture's bytes, read and checked.
type Loaded = (Arc<Vec<u8>>, Format);

/// A picture ready to store.
#[derive(Debug, Clone)]
pub struct PlannedPicture {
    pub key: String,
    pub bytes: Arc<Vec<u8>>,
    pub format: Format,
}

/// A checked input: the presets as they will be stored, and their pictures.
#[derive(Debug, Clone)]
pub struct Plan {
    pub presets: BTreeMap<UserId, UserPresets>,
    pub pictures: Vec<PlannedPicture>,
}

/// What an onboard did (or, with `--dry-run`, would do).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub dry_run: bool,
    pub users: usize,
    pub presets: Counts,
    pub pictures: PictureCounts,
    pub changes: Vec<PresetChange>,
    /// The new `lastUpdatedAt`; `None` on a dry run.
    pub last_updated_at: Option<u64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub removed: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PictureCounts {
    /// Stored by this run (on a dry run: would be stored).
    pub uploaded: usize,
    /// Already in the store under the same key, so not stored again.
    pub already_stored: usize,
}

/// Options of an onboard run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// A member's presets replace theirs instead of merging per emoji.
    pub replace: bool,
    /// Check and plan; write nothing.
    pub dry_run: bool,
    /// Show a progress bar for uploads (when stdout is a terminal).
    pub progress: bool,
}

/// Reads a presets file and checks all of it. Every problem is reported. `progress` shows a bar
/// while the pictures are read.
pub fn prepare_file(path: &Path, progress: bool) -> Result<Plan> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|err| {
        crate::exit::UsageError::new(format!(
            "cannot read the presets file {name}: {err}; check the path"
        ))
    })?;
    let sources = PictureSources::for_file(path).showing_progress(progress);
    prepare(&bytes, &name, &sources)
}

/// Checks an onboard input (JSON bytes) named `source` in messages. Fails with [`Problems`]
/// (a usage error) listing everything wrong.
pub fn prepare(bytes: &[u8], source: &str, sources: &PictureSources) -> Result<Plan> {
    let value = parse_input(bytes, source)?;
    prepare_value(&value, source, sources)
}

/// The input's JSON, or the [`Problems`] of its syntax. A caller holding a large body can drop
/// it once this returns, before the pictures are decoded.
pub fn parse_input(bytes: &[u8], source: &str) -> Result<Value> {
    serde_json::from_slice(bytes).map_err(|err| {
        anyhow::Error::new(Problems(vec![Problem {
            place: format!("{source}: line {}, column {}", err.line(), err.column()),
            message: format!("not valid JSON ({err}); fix the syntax"),
        }]))
    })
}

/// [`prepare`] of parsed input. Picture references are borrowed from `value`, never copied:
/// a large `data:` URL is held once, then decoded.
pub fn prepare_value(value: &Value, source: &str, sources: &PictureSources) -> Result<Plan> {
    let fail = |problems: Vec<Problem>| anyhow::Error::new(Problems(problems));
    let mut problems = Vec::new();
    let raw = read_users(value, source, &mut problems);

    // Load every distinct picture once, in parallel.
    let refs: Vec<&str> = {
        let mut seen: Vec<&str> = raw
            .iter()
            .flat_map(|u| u.presets.iter())
            .filter_map(|p| p.picture)
            .collect();
        seen.sort_unstable();
        seen.dedup();
        seen
    };
    let client = Fetcher::new(sources.reach)?;
    let bar = progress::bar(refs.len() as u64, "reading pictures", sources.progress);
    let loaded = parallel::map(&refs, WORKERS, |r| {
        let result = load_picture(r, sources, &client).and_then(|bytes| {
            let checked = picture::check(&bytes)?;
            Ok((Arc::new(bytes), checked.format))
        });
        bar.inc(1);
        result
    });
    bar.finish_and_clear();
    let loaded: HashMap<&str, Result<Loaded, String>> = refs.into_iter().zip(loaded).collect();

    let mut presets = BTreeMap::new();
    let mut pictures: BTreeMap<String, PlannedPicture> = BTreeMap::new();
    for user in raw {
        let mut stored = UserPresets::new();
        for preset in user.presets {
            let mut key = None;
            if let Some(reference) = preset.picture {
                match &loaded[reference] {
                    Ok(_) if user.id.is_none() => {}
                    Ok((bytes, format)) => {
                        let id = user.id.as_ref().expect("checked above");
                        let k = picture::store_key(id, bytes, *format);
                        pictures.entry(k.clone()).or_insert_with(|| PlannedPicture {
                            key: k.clone(),
                            bytes: bytes.clone(),
                            format: *format,
                        });
                        key = Some(k);
                    }
                    Err(message) => problems.push(Problem {
                        place: format!(
                            "{}, picture {}",
                            place(source, &user.label, &preset.label),
                            crate::redact::excerpt(reference)
                        ),
                        message: message.clone(),
                    }),
                }
            }
            stored.insert(
                preset.emoji,
                Preset {
                    name: preset.name,
                    picture: key,
                },
            );
        }
        if let Some(id) = user.id {
            presets.insert(id, stored);
        }
    }
    if !problems.is_empty() {
        return Err(fail(problems));
    }
    Ok(Plan {
        presets,
        pictures: pictures.into_values().collect(),
    })
}

/// Stores the plan's pictures that are not stored yet, then merges its presets into
/// `users.json`. With `dry_run`, only reads.
pub fn execute(store: &dyn Store, plan: &Plan, options: Options, now: u64) -> Result<Report> {
    let stored = parallel::map(&plan.pictures, WORKERS, |p| store.exists(&p.key));
    let mut missing = Vec::new();
    let mut counts = PictureCounts::default();
    for (picture, exists) in plan.pictures.iter().zip(stored) {
        if exists? {
            counts.already_stored += 1;
        } else {
            counts.uploaded += 1;
            missing.push(picture);
        }
    }

    if options.dry_run {
        let mut file = store::load_users(store)?;
        let changes = file.merge(&plan.presets, options.replace);
        return Ok(report(plan, true, counts, changes, None));
    }

    let bar = progress::bar(missing.len() as u64, "storing pictures", options.progress);
    let uploads = parallel::map(&missing, WORKERS, |p| {
        let result = store
            .put(&p.key, &p.bytes, p.format.content_type())
            .with_context(|| format!("storing picture {}", store.location(&p.key)));
        bar.inc(1);
        result
    });
    bar.finish_and_clear();
    for upload in uploads {
        upload?;
    }

    let (changes, last_updated_at) = store::update_users(store, now, |file| {
        Ok(file.merge(&plan.presets, options.replace))
    })?;
    Ok(report(plan, false, counts, changes, Some(last_updated_at)))
}

fn report(
    plan: &Plan,
    dry_run: bool,
    pictures: PictureCounts,
    changes: Vec<PresetChange>,
    last_updated_at: Option<u64>,
) -> Report {
    let mut presets = Counts::default();
    for change in &changes {
        match change.change {
            Change::Added => presets.added += 1,
            Change::Changed => presets.changed += 1,
            Change::Unchanged => presets.unchanged += 1,
            Change::Removed => presets.removed += 1,
        }
    }
    Report {
        dry_run,
        users: plan.presets.len(),
        presets,
        pictures,
        changes,
        last_updated_at,
    }
}

impl Report {
    /// The report as a person reads it.
    /// `users_location` names the `users.json` that was written.
    pub fn render(&self, users_location: &str) -> String {
        let mut out = String::new();
        for c in &self.changes {
            let what = match c.change {
                Change::Added => "add",
                Change::Changed => "change",
                Change::Unchanged => "keep",
                Change::Removed => "remove",
            };
            let mut detail = Vec::new();
            if let Some(name) = &c.name {
                detail.push(format!("name {name:?}"));
            }
            if let Some(picture) = &c.picture {
                detail.push(format!("picture {picture}"));
            }
            out.push_str(&format!(
                "{what:<7}{:<12}{:<28}{}\n",
                c.user.as_str(),
                c.emoji.as_str(),
                detail.join(", ")
            ));
        }
        let p = &self.presets;
        let pictures = if self.dry_run {
            format!(
                "{} to store, {} already stored",
                self.pictures.uploaded, self.pictures.already_stored
            )
        } else {
            format!(
                "{} stored, {} already stored",
                self.pictures.uploaded, self.pictures.already_stored
            )
        };
        out.push_str(&format!(
            "{} member{}: {} added, {} changed, {} unchanged, {} removed; pictures: {pictures}\n",
            self.users,
            if self.users == 1 { "" } else { "s" },
            p.added,
            p.changed,
            p.unchanged,
            p.removed
        ));
        match self.last_updated_at {
            Some(ts) => out.push_str(&format!("wrote {users_location} (lastUpdatedAt {ts})\n")),
            None => out.push_str("dry run: nothing was written\n"),
        }
        out
    }
}

struct RawUser<'a> {
    /// `None` for a bad member ID: its presets are still checked, so every problem shows.
    id: Option<UserId>,
    label: String,
    presets: Vec<RawPreset<'a>>,
}

struct RawPreset<'a> {
    emoji: EmojiKey,
    label: String,
    name: Option<String>,
    /// As given: a path or a URL, borrowed from the input.
    picture: Option<&'a str>,
}

/// What a JSON value is, for a message that must not quote it whole.
fn kind(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.trim().is_empty() => "an empty string".to_owned(),
        Value::String(s) => crate::redact::excerpt(s),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

fn place(source: &str, user: &str, emoji: &str) -> String {
    use crate::redact::label;
    format!("{source}: user {}, emoji {}", label(user), label(emoji))
}

/// Walks the input, checking its shape, member IDs, emoji codes and names.
fn read_users<'a>(value: &'a Value, source: &str, problems: &mut Vec<Problem>) -> Vec<RawUser<'a>> {
    let mut problem = |place: String, message: String| problems.push(Problem { place, message });
    let Some(top) = value.as_object() else {
        problem(
            source.to_owned(),
            "the presets must be a JSON object of member IDs, like \
             {\"U024BE7LH\": {\":palm_tree:\": {\"name\": \"Ana (on vacation)\"}}}"
                .to_owned(),
        );
        return Vec::new();
    };
    let users = match top.get("users") {
        Some(Value::Object(users)) => users,
        Some(_) => {
            problem(
                format!("{source}: \"users\""),
                "must be an object of member IDs".to_owned(),
            );
            return Vec::new();
        }
        None => top,
    };
    if users.is_empty() {
        problem(
            source.to_owned(),
            "there are no members in it: add at least one member ID with presets".to_owned(),
        );
    }
    let mut out = Vec::new();
    for (user_label, presets_value) in users {
        let id = UserId::parse(user_label);
        if let Err(message) = &id {
            problem(
                format!("{source}: user {}", crate::redact::excerpt(user_label)),
                message.clone(),
            );
        }
        let Some(presets_map) = presets_value.as_object() else {
            problem(
                format!("{source}: user {}", crate::redact::label(user_label)),
                "must be an object of emoji codes to presets".to_owned(),
            );
            continue;
        };
        if presets_map.is_empty() {
            problem(
                format!("{source}: user {}", crate::redact::label(user_label)),
                "has no presets: add at least one emoji with a name or a picture".to_owned(),
            );
        }
        let mut presets: Vec<RawPreset> = Vec::new();
        for (emoji_label, preset_value) in presets_map {
            let here = place(source, user_label, emoji_label);
            let emoji = match EmojiKey::parse(emoji_label) {
                Ok(emoji) => emoji,
                Err(message) => {
                    problem(here, message);
                    continue;
                }
            };
            if let Some(twin) = presets.iter().find(|p| p.emoji == emoji) {
                problem(
                    here.clone(),
                    format!(
                        "is the same emoji as {} ({emoji}): keep one of them",
                        crate::redact::excerpt(&twin.label)
                    ),
                );
            }
            let Some(fields) = preset_value.as_object() else {
                problem(
                    here,
                    "must be an object with \"name\", \"picture\" or both".to_owned(),
                );
                continue;
            };
            let mut name = None;
            let mut picture = None;
            for (field, v) in fields {
                match (field.as_str(), v) {
                    ("name", Value::String(s)) => {
                        if let Err(message) = presets::check_name(s) {
                            problem(format!("{here}, name"), message);
                        }
                        name = Some(s.clone());
                    }
                    ("picture", Value::String(s)) if !s.trim().is_empty() => {
                        picture = Some(s.trim())
                    }
                    ("name" | "picture", _) => problem(
                        format!("{here}, {field}"),
                        format!("must be a non-empty string, not {}", kind(v)),
                    ),
                    (other, _) => problem(
                        format!("{here}, {}", crate::redact::excerpt(other)),
                        "is not a preset field: a preset has only \"name\" and \"picture\""
                            .to_owned(),
                    ),
                }
            }
            if fields.is_empty() {
                problem(
                    here,
                    "is an empty preset: give it a \"name\", a \"picture\", or both".to_owned(),
                );
            }
            presets.push(RawPreset {
                emoji,
                label: emoji_label.clone(),
                name,
                picture,
            });
        }
        out.push(RawUser {
            id: id.ok(),
            label: user_label.clone(),
            presets,
        });
    }
    out
}

/// Reads a picture from a path, an https:// URL or a data: URL; the error says what to fix.
fn load_picture(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn problems_of(json: &str) -> Vec<String> {
        let sources = PictureSources::remote_only();
        match prepare(json.as_bytes(), "in.json", &sources) {
            Ok(_) => Vec::new(),
            Err(err) => err
                .to_string()
                .lines()
                .skip(1)
                .map(|l| l.trim_start_matches("  - ").to_owned())
                .collect(),
        }
    }

    #[test]
    fn every_problem_is_reported_with_its_place() {
        let problems = problems_of(
            r#"{"users": {
                "u1": {":palm_tree:": {"name": "x"}},
                "U1AAA": {
                    "🌴": {"name": "x"},
                    ":sick:": {},
                    ":house:": {"name": "", "nmae": "y"},
                    "default": {"name": "Ana"}
                },
                "U2BBB": {}
            }}"#,
        );
        let joined = problems.join("\n");
        assert!(
            joined.contains("in.json: user \"u1\": \"u1\" is not a Slack member ID"),
            "{joined}"
        );
        assert!(
            joined.contains("user U1AAA, emoji 🌴: \"🌴\" is not a Slack emoji code"),
            "{joined}"
        );
        assert!(
            joined.contains("emoji :sick:: is an empty preset"),
            "{joined}"
        );
        assert!(
            joined.contains("emoji :house:, name: the name is empty"),
            "{joined}"
        );
        assert!(
            joined.contains("\"nmae\": is not a preset field"),
            "{joined}"
        );
        assert!(joined.contains("user U2BBB: has no presets"), "{joined}");
        assert_eq!(problems.len(), 6, "{joined}");
    }

    #[test]
    fn json_syntax_errors_give_line_and_column() {
        let problems = problems_of("{\n  \"U1AAA\": {\n    \":x:\": }\n}");
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("in.json: line 3, column"),
            "{problems:?}"
        );
    }

    #[test]
    fn both_input_shapes_are_accepted() {
        let sources = PictureSources::remote_only();
        let a = r#"{"U1AAA": {"palm_tree": {"name": "away"}}}"#;
        let b = r#"{"lastUpdatedAt": 1, "users": {"U1AAA": {":palm_tree:": {"name": "away"}}}}"#;
        let pa = prepare(a.as_bytes(), "a", &sources).unwrap();
        let pb = prepare(b.as_bytes(), "b", &sources).unwrap();
        assert_eq!(pa.presets, pb.presets);
        assert!(pa.pictures.is_empty());
    }

    #[test]
    fn the_same_emoji_twice_is_a_problem() {
        let problems =
            problems_of(r#"{"U1AAA": {"palm_tree": {"name": "a"}, ":palm_tree:": {"name": "b"}}}"#);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("same emoji"), "{problems:?}");
    }

    #[test]
    fn local_files_are_refused_for_remote_input() {
        let problems = problems_of(r#"{"U1AAA": {"default": {"picture": "me.png"}}}"#);
        assert!(
            problems[0].contains("cannot read local files"),
            "{problems:?}"
        );
        let problems =
            problems_of(r#"{"U1AAA": {"default": {"picture": "http://example.com/a.png"}}}"#);
        assert!(
            problems[0].contains("must be a public https:// URL"),
            "{problems:?}"
        );
        let problems =
            problems_of(r#"{"U1AAA": {"default": {"picture": "data:image/png;base64,AAAA"}}}"#);
        assert!(
            problems[0].contains("not a PNG, JPEG or GIF"),
            "{problems:?}"
        );
    }
}
