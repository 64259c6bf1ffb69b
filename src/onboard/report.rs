//! What an onboard did (or would do), for people and for scripts.

use serde::Serialize;

use super::Plan;
use crate::presets::{Change, PresetChange, RuleChange};

/// What an onboard did (or, with `--dry-run`, would do).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub dry_run: bool,
    pub users: usize,
    pub presets: Counts,
    pub pictures: PictureCounts,
    pub changes: Vec<PresetChange>,
    /// What changed in the workspace presets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workspace: Vec<RuleChange>,
    /// The workspace presets' counts, when the input had any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_presets: Option<Counts>,
    /// The new `lastUpdatedAt`; `None` on a dry run.
    pub last_updated_at: Option<u64>,
    /// What could not be checked, with where (an emoji code that may be a custom emoji).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<super::Problem>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub removed: usize,
}

impl Counts {
    fn of(changes: impl Iterator<Item = Change>) -> Counts {
        let mut counts = Counts::default();
        for change in changes {
            match change {
                Change::Added => counts.added += 1,
                Change::Changed => counts.changed += 1,
                Change::Unchanged => counts.unchanged += 1,
                Change::Removed => counts.removed += 1,
            }
        }
        counts
    }

    fn render(&self) -> String {
        format!(
            "{} added, {} changed, {} unchanged, {} removed",
            self.added, self.changed, self.unchanged, self.removed
        )
    }
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
    (changes, workspace): (Vec<PresetChange>, Vec<RuleChange>),
    last_updated_at: Option<u64>,
) -> Report {
    let presets = Counts::of(changes.iter().map(|c| c.change));
    let workspace_presets =
        (!workspace.is_empty()).then(|| Counts::of(workspace.iter().map(|c| c.change)));
    Report {
        dry_run,
        users: plan.presets.len(),
        presets,
        pictures,
        changes,
        workspace,
        workspace_presets,
        last_updated_at,
        warnings: plan.warnings.clone(),
    }
}

impl Report {
    /// The report as a person reads it.
    /// `users_location` names the `users.json` that was written.
    pub fn render(&self, users_location: &str) -> String {
        let mut out = String::new();
        let verb = |change: Change| match change {
            Change::Added => "add",
            Change::Changed => "change",
            Change::Unchanged => "keep",
            Change::Removed => "remove",
        };
        for c in &self.workspace {
            let mut detail = Vec::new();
            if let Some(name) = &c.rule.name {
                detail.push(format!("name {name:?}"));
            }
            if let Some(photo) = &c.rule.photo {
                let mut made = vec![match crate::workspace::badge_of(photo, &c.emoji) {
                    Some(badge) => format!("badge {badge}"),
                    None => "no badge".to_owned(),
                }];
                if photo.style == crate::workspace::Style::Grayscale {
                    made.push("grayscale".to_owned());
                }
                if let Some(ring) = photo.ring {
                    made.push(format!("ring {ring}"));
                }
                detail.push(format!("photo: {}", made.join(", ")));
            }
            out.push_str(&format!(
                "{:<7}{:<11} {:<28}{}\n",
                verb(c.change),
                c.section,
                c.emoji.as_str(),
                detail.join(", ")
            ));
        }
        for c in &self.changes {
            let what = verb(c.change);
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
        if let Some(counts) = &self.workspace_presets {
            out.push_str(&format!("workspace presets: {}\n", counts.render()));
        }
        if self.users > 0 || self.workspace_presets.is_none() {
            out.push_str(&format!(
                "{} member{}: {}; pictures: {pictures}\n",
                self.users,
                if self.users == 1 { "" } else { "s" },
                p.render()
            ));
        }
        for warning in &self.warnings {
            out.push_str(&format!("warning: {warning}\n"));
        }
        match self.last_updated_at {
            Some(ts) => out.push_str(&format!("wrote {users_location} (lastUpdatedAt {ts})\n")),
            None => out.push_str("dry run: nothing was written\n"),
        }
        out
    }
}
