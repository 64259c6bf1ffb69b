//! The README and docs/ hold together: the README's table of contents lists every section, and
//! every relative link or picture in them points at a file that is there (and, for a link with
//! `#anchor`, at a heading of that file), so a reader never lands nowhere.

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn the_contents_list_every_section() {
    let readme = std::fs::read_to_string(format!("{ROOT}/README.md")).unwrap();
    let contents = readme
        .split("## Contents\n")
        .nth(1)
        .expect("a Contents section")
        .split("\n## ")
        .next()
        .unwrap();
    for title in headings(&readme) {
        if title != "Contents" && title != "statusinator" {
            assert!(
                contents.contains(&format!("[{title}](#")),
                "the README's Contents lack {title:?}"
            );
        }
    }
}

/// The `##` and `###` headings of a Markdown text, outside code blocks.
fn headings(text: &str) -> Vec<String> {
    let mut in_code = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let title = line
            .strip_prefix("## ")
            .or_else(|| line.strip_prefix("### "))
            .or_else(|| line.strip_prefix("# "));
        if let Some(title) = title {
            out.push(title.to_owned());
        }
    }
    out
}

/// GitHub's anchor for a heading: lower case, spaces to hyphens, other punctuation dropped.
fn anchor(title: &str) -> String {
    title
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The relative targets of `](…)` links and `src="…"` pictures in a Markdown text.
fn targets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in text.split("](").skip(1) {
        if let Some(end) = part.find(')') {
            out.push(part[..end].to_owned());
        }
    }
    for part in text.split("src=\"").skip(1) {
        if let Some(end) = part.find('"') {
            out.push(part[..end].to_owned());
        }
    }
    out.retain(|t| !t.contains("://") && !t.starts_with("mailto:"));
    out
}

#[test]
fn every_relative_link_and_picture_is_there() {
    let mut files: Vec<PathBuf> = vec![PathBuf::from(format!("{ROOT}/README.md"))];
    for entry in std::fs::read_dir(format!("{ROOT}/docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    let mut broken = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let dir = file.parent().unwrap();
        for target in targets(&text) {
            let (path, fragment) = match target.split_once('#') {
                Some((path, fragment)) => (path, Some(fragment)),
                None => (target.as_str(), None),
            };
            let linked: &Path = if path.is_empty() {
                file
            } else {
                &dir.join(path)
            };
            if !linked.exists() {
                broken.push(format!("{}: {target} (no such file)", file.display()));
                continue;
            }
            if let Some(fragment) = fragment {
                let there = std::fs::read_to_string(linked).unwrap_or_default();
                if !headings(&there).iter().any(|h| anchor(h) == fragment) {
                    broken.push(format!("{}: {target} (no such heading)", file.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}
