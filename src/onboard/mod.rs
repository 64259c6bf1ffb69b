//! onboard: read a presets file, check all of it (reporting every problem at once, with where it
//! is), store each picture once under its content-derived key, then merge the presets into
//! `users.json`. Pictures are written first and `users.json` last, so no preset ever points at a
//! picture that is not there.

mod emoji;
mod input;
mod pictures;
mod problems;
mod report;

use crate::presets::pending::{Patch, Save};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::fetch::Fetcher;
use crate::parallel;
use crate::picture;
use crate::picture::Format;
use crate::presets::{Preset, UserId, UserPresets};
use crate::progress;
use crate::store::{self, Store};

use crate::workspace::Sections;
use input::{place, read_sections, read_users};
use pictures::load_picture;
use report::report;

pub use emoji::{custom_of, KnownEmoji};
pub use pictures::{PictureSources, MAX_PICTURE_BYTES};
pub use problems::{Problem, Problems};
pub use report::{Counts, PictureCounts, Report};

/// How many pictures are read, downloaded or uploaded at once.
const WORKERS: usize = 8;

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
    /// The workspace presets given.
    pub sections: Sections,
    /// What could not be checked (an emoji code that may be a custom emoji), with where.
    pub warnings: Vec<Problem>,
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
    /// Write `users.json` now, with every save pending folded in (`onboard FILE`, the admin's
    /// whole-file change); else the presets go in as members' saves, a few small writes
    /// whatever the workspace's size (`POST /onboard`), and serve folds them later.
    pub whole_file: bool,
}

/// Reads a presets file and checks all of it. Every problem is reported. `progress` shows a bar
/// while the pictures are read.
/// Pictures named by their store key (as `export` writes them) are read from `store`.
pub fn prepare_file(
    path: &Path,
    progress: bool,
    known: &KnownEmoji<'_>,
    store: Option<std::sync::Arc<dyn Store>>,
) -> Result<Plan> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|err| {
        crate::exit::UsageError::new(format!(
            "cannot read the presets file {name}: {err}; check the path"
        ))
    })?;
    let sources = PictureSources::for_file(path)
        .showing_progress(progress)
        .with_store(store);
    prepare(&bytes, &name, &sources, known)
}

/// Checks an onboard input (JSON bytes) named `source` in messages. Fails with [`Problems`]
/// (a usage error) listing everything wrong.
pub fn prepare(
    bytes: &[u8],
    source: &str,
    sources: &PictureSources,
    known: &KnownEmoji<'_>,
) -> Result<Plan> {
    let value = parse_input(bytes, source)?;
    prepare_value(&value, source, sources, known)
}

/// The input's JSON, or the [`Problems`] of its syntax. A caller holding a large body can drop
/// it once this returns, before the pictures are decoded.
pub fn parse_input(bytes: &[u8], source: &str) -> Result<Value> {
    serde_json::from_slice(bytes).map_err(|err| {
        crate::exit::UsageError::of(Problems(vec![Problem {
            place: format!("{source}: line {}, column {}", err.line(), err.column()),
            message: format!("not valid JSON ({err}); fix the syntax"),
        }]))
    })
}

/// [`prepare`] of parsed input. Picture references are borrowed from `value`, never copied:
/// a large `data:` URL is held once, then decoded.
pub fn prepare_value(
    value: &Value,
    source: &str,
    sources: &PictureSources,
    known: &KnownEmoji<'_>,
) -> Result<Plan> {
    let fail = |problems: Vec<Problem>| crate::exit::UsageError::of(Problems(problems));
    let mut problems = Vec::new();
    let raw = read_users(value, source, &mut problems, known);
    let sections = read_sections(value, source, &mut problems, known);

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
        sections,
        warnings: known.take_warnings(),
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
        let rules = file.merge_sections(&plan.sections, options.replace);
        return Ok(report(plan, true, counts, (changes, rules), None));
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

    if !options.whole_file {
        // Members' saves: the report from every member's presets as they are now, the change
        // as a patch of each member (and the workspace presets whole, when they change).
        let mut file = store::load_users(store)?;
        let changes = file.merge(&plan.presets, options.replace);
        let rules = file.merge_sections(&plan.sections, options.replace);
        let save = Save {
            members: plan
                .presets
                .iter()
                .map(|(user, presets)| {
                    let patch = if options.replace {
                        Patch::replace_with(presets)
                    } else {
                        presets
                            .iter()
                            .map(|(emoji, preset)| Patch::put(emoji.clone(), preset.clone()))
                            .fold(Patch::default(), Patch::then)
                    };
                    (user.clone(), patch)
                })
                .collect(),
            sections: (!plan.sections.is_empty()).then(|| file.sections.clone()),
        };
        store::save(store, &save)?;
        return Ok(report(plan, false, counts, (changes, rules), None));
    }
    let (changes, last_updated_at) = store::update_users(store, now, |file| {
        let changes = file.merge(&plan.presets, options.replace);
        Ok((
            changes,
            file.merge_sections(&plan.sections, options.replace),
        ))
    })?;
    Ok(report(plan, false, counts, changes, Some(last_updated_at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems_of(json: &str) -> Vec<String> {
        let sources = PictureSources::remote_only();
        match prepare(
            json.as_bytes(),
            "in.json",
            &sources,
            &KnownEmoji::standard_only(),
        ) {
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
        let known = KnownEmoji::standard_only();
        let pa = prepare(a.as_bytes(), "a", &sources, &known).unwrap();
        let pb = prepare(b.as_bytes(), "b", &sources, &known).unwrap();
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
