//! The checklist: each check's outcome, what to fix, and how the whole reads (text with ✔/✘,
//! or JSON) and exits.

use serde::Serialize;

use crate::exit::ExitCode;
use crate::setup;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    /// Something to fix (exit 2).
    Fix,
    /// Something could not be reached, which may pass (exit 1).
    Unreachable,
    /// What only comes true once serve runs or members connect (the first connection installs
    /// the bot; members connect in their own time): nothing to fix now (exit 0).
    Pending,
}

/// One line of the checklist.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub status: Status,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// The whole checklist.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub ok: bool,
    /// The setup the settings describe, or aim at while they have problems (`None` when
    /// nothing of any setup is set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setup: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setup_name: Option<&'static str>,
    pub checks: Vec<Check>,
}

impl Report {
    /// 0 all good, 2 something to fix, else 1 something unreachable.
    pub fn exit_code(&self) -> ExitCode {
        if self.checks.iter().any(|c| c.status == Status::Fix) {
            ExitCode::Usage
        } else if self.checks.iter().any(|c| c.status == Status::Unreachable) {
            ExitCode::Failure
        } else {
            ExitCode::Success
        }
    }

    /// The checklist as a person reads it.
    pub fn render(&self) -> String {
        let mut out = format!(
            "statusinator doctor: {}\n",
            self.setup_name.unwrap_or("no setup chosen yet")
        );
        for check in &self.checks {
            let mark = match check.status {
                Status::Ok => "✔",
                Status::Fix => "✘",
                Status::Unreachable => "?",
                Status::Pending => "…",
            };
            out.push_str(&format!("{mark} {}: {}\n", check.name, check.detail));
            match (&check.fix, check.status) {
                (Some(then), Status::Pending) => out.push_str(&format!("    then: {then}\n")),
                (Some(fix), _) => out.push_str(&format!("    fix: {fix}\n")),
                (None, _) => {}
            }
        }
        let (fix, away) = (
            self.checks
                .iter()
                .filter(|c| c.status == Status::Fix)
                .count(),
            self.checks
                .iter()
                .filter(|c| c.status == Status::Unreachable)
                .count(),
        );
        let pending = self
            .checks
            .iter()
            .filter(|c| c.status == Status::Pending)
            .count();
        out.push_str(&match (fix, away) {
            (0, 0) if pending > 0 => format!(
                "all good so far ({pending} pending until serve runs and members connect)\n"
            ),
            (0, 0) => "all good\n".to_owned(),
            (0, n) => format!("{n} could not be checked (unreachable); try again\n"),
            (n, _) => format!("{n} thing{} to fix\n", if n == 1 { "" } else { "s" }),
        });
        out
    }
}

/// The checklist being written.
#[derive(Default)]
pub(super) struct Checklist(pub(super) Vec<Check>);

impl Checklist {
    pub(super) fn ok(&mut self, name: &str, detail: impl Into<String>) {
        self.push(name, Status::Ok, detail.into(), None);
    }

    pub(super) fn fix(&mut self, name: &str, detail: impl Into<String>, fix: impl Into<String>) {
        self.push(name, Status::Fix, detail.into(), Some(fix.into()));
    }

    /// What comes true later on its own: `then` says when.
    pub(super) fn pending(
        &mut self,
        name: &str,
        detail: impl Into<String>,
        then: impl Into<String>,
    ) {
        self.push(name, Status::Pending, detail.into(), Some(then.into()));
    }

    pub(super) fn unreachable(&mut self, name: &str, detail: impl Into<String>) {
        self.push(
            name,
            Status::Unreachable,
            detail.into(),
            Some("check the network and try again".to_owned()),
        );
    }

    /// An error: a usage error is something to fix, anything else unreachable.
    pub(super) fn error(&mut self, name: &str, err: &anyhow::Error) {
        let detail = crate::redact::error(err);
        if crate::exit::code_for(err) == ExitCode::Usage {
            self.push(name, Status::Fix, detail, None);
        } else {
            self.unreachable(name, detail);
        }
    }

    pub(super) fn push(&mut self, name: &str, status: Status, detail: String, fix: Option<String>) {
        self.0.push(Check {
            name: name.to_owned(),
            status,
            detail,
            fix,
        });
    }
}

pub(super) fn report(kind: Option<setup::Kind>, list: Checklist) -> Report {
    let mut report = Report {
        ok: false,
        setup: kind.map(setup::Kind::id),
        setup_name: kind.map(setup::Kind::name),
        checks: list.0,
    };
    report.ok = report.exit_code() == ExitCode::Success;
    report
}
