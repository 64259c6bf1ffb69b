//! What a poll cycle reports: per member, and in all (text for people, JSON for scripts).

use serde::Serialize;

use crate::apply::{self, Write};
use crate::presets::{EmojiKey, UserId};
use crate::statuses::{ReadPlan, Reads};

/// What happened to one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberOutcome {
    /// Their name and/or photo was written (or, on a dry run, would be).
    Applied,
    /// Everything already matched: no write.
    Unchanged,
    /// Their status has no preset and they have no `default`: nothing to do.
    NoPreset,
    /// Their Slack account is deactivated.
    Deactivated,
    /// Reading or applying failed; see `error`.
    Failed,
    /// Not reached: the cycle was stopped (SIGINT/SIGTERM).
    Stopped,
    /// Another process (`serve`) was writing them at that moment, and records what it wrote.
    Elsewhere,
    /// They paused statusinator (`/statusinator pause`): left as they are.
    Paused,
    /// They asked to disconnect: their usual profile goes back and their token is forgotten
    /// (after the cycle's changes).
    Disconnecting,
}

/// One member's line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct MemberReport {
    pub user: UserId,
    /// Their status emoji, as read (`""` when cleared).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<EmojiKey>,
    pub outcome: MemberOutcome,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub writes: Vec<Write>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Their usual profile, as statusinator keeps it (once it changed them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usual: Option<UsualReport>,
}

/// A member's usual name and photo, in a report.
#[derive(Debug, Clone, Serialize)]
pub struct UsualReport {
    pub name: String,
    /// The kept photo's store key; absent: Slack's default avatar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
}

/// The writes a cycle made, by method.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Writes {
    #[serde(rename = "users.profile.set")]
    pub profile_set: u64,
    #[serde(rename = "users.setPhoto")]
    pub set_photo: u64,
    /// Photos removed to put Slack's default avatar back (listed when there are any).
    #[serde(rename = "users.deletePhoto", skip_serializing_if = "is_zero")]
    pub delete_photo: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What one cycle did.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub dry_run: bool,
    pub read: Reads,
    pub writes: Writes,
    pub members: Vec<MemberReport>,
}

impl Report {
    /// Members whose reading or applying failed.
    pub fn failed(&self) -> usize {
        self.count(MemberOutcome::Failed)
    }

    pub fn count(&self, outcome: MemberOutcome) -> usize {
        self.members.iter().filter(|m| m.outcome == outcome).count()
    }

    /// The report as a person reads it: members that changed or failed, then a summary.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let verb = if self.dry_run { "would set" } else { "set" };
        for m in &self.members {
            match m.outcome {
                MemberOutcome::Applied => {
                    let writes: Vec<String> = m
                        .writes
                        .iter()
                        .map(|w| match w {
                            Write::Name { display_name } => format!("name {display_name:?}"),
                            Write::Photo { picture } => format!("photo {picture}"),
                            Write::DeletePhoto => "no photo (Slack's default)".to_owned(),
                        })
                        .collect();
                    out.push_str(&format!(
                        "{} {} → {}: {verb} {}\n",
                        m.user,
                        apply::display_emoji(m.status.as_deref().unwrap_or_default()),
                        m.preset.as_ref().map(EmojiKey::as_str).unwrap_or("?"),
                        writes.join(", ")
                    ));
                }
                MemberOutcome::Failed => out.push_str(&format!(
                    "{} failed: {}\n",
                    m.user,
                    m.error.as_deref().unwrap_or("unknown error")
                )),
                MemberOutcome::Deactivated => out.push_str(&format!(
                    "{} is deactivated in Slack: skipped (remove their presets with onboard \
                     --replace, or leave them)\n",
                    m.user
                )),
                MemberOutcome::Elsewhere => out.push_str(&format!(
                    "{} was being changed by serve at the same moment: left to it\n",
                    m.user
                )),
                _ => {}
            }
        }
        let plan = match self.read.plan {
            ReadPlan::ProfileGet => "users.profile.get",
            ReadPlan::UsersList => "users.list",
            ReadPlan::UsersListThenProfileGet => "users.list + users.profile.get",
            ReadPlan::Nothing => "no",
        };
        out.push_str(&format!(
            "{} member{} read with {} call{} ({plan}): {} {}, {} unchanged, {} failed{}{}; \
             {} users.profile.set, {} users.setPhoto{}\n",
            self.members.len(),
            plural(self.members.len() as u64),
            self.read.calls,
            plural(self.read.calls),
            self.count(MemberOutcome::Applied),
            if self.dry_run { "to change" } else { "changed" },
            self.count(MemberOutcome::Unchanged),
            self.failed(),
            match self.count(MemberOutcome::NoPreset) {
                0 => String::new(),
                n => format!(", {n} without a preset for their status"),
            },
            match self.count(MemberOutcome::Stopped) {
                0 => String::new(),
                n => format!(", {n} not reached (stopped)"),
            },
            self.writes.profile_set,
            self.writes.set_photo,
            if self.dry_run {
                " (dry run: nothing written)"
            } else {
                ""
            }
        ));
        out
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
