//! What an onboard did (or would do), for people and for scripts.

use serde::Serialize;

use super::Plan;
use crate::presets::{Change, PresetChange};

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

pub(super) fn report(
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
