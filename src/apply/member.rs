//! One place that knows a member: what statusinator plans their status from (their presets,
//! the workspace presets they get, what is recorded, their usual profile, a pause), gathered by
//! one function with one rule for who is onboarded, for every caller (`apply`, `poll` and
//! serve's workers).

use std::borrow::Cow;

use crate::presets::UserPresets;
use crate::slack::Profile;
use crate::state::{Applied, Field, Lock, MemberState, Usual};
use crate::workspace::{Section, Sections};

use super::{Facts, Plan, Target};

/// A member statusinator has nothing to do with: no presets of their own, no workspace presets
/// for them, and nothing of statusinator's in effect on their profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotOnboarded;

/// What statusinator knows of a member before it reads their profile.
#[derive(Debug, Clone)]
pub struct MemberFacts<'a> {
    /// What their status is planned from: their own presets, else none at all (workspace
    /// presets apply to them, or a preset of statusinator's is recorded as on since its presets
    /// were removed: their usual profile goes back, as for any status without a preset).
    pub presets: Cow<'a, UserPresets>,
    /// The workspace presets they get (`None`: none for their workspace, they are not
    /// connected, or they switched them off).
    pub workspace: Option<&'a Section>,
    /// What statusinator last applied for them.
    pub recorded: Option<Applied>,
    /// Their usual profile, once statusinator kept it.
    pub usual: Option<Usual>,
    /// They paused statusinator (as stored).
    pub paused: bool,
    /// The fields their organization does not let statusinator change.
    pub locked: std::collections::BTreeMap<Field, Lock>,
}

impl<'a> MemberFacts<'a> {
    /// Gathers a member's facts from their presets in `users.json` (`own`), the workspace
    /// presets (`sections`), their connection (where they are connected: `None` when not) and
    /// their state in the store. [`NotOnboarded`] when statusinator has
    /// nothing to do with them.
    pub fn gather(
        own: Option<Cow<'a, UserPresets>>,
        sections: &'a Sections,
        connection: Option<&crate::workspace::Place>,
        state: Option<MemberState>,
    ) -> Result<MemberFacts<'a>, NotOnboarded> {
        let state = state.unwrap_or_default();
        let workspace = crate::workspace::for_member(sections, connection, state.workspace_off);
        let presets = match own {
            Some(presets) => presets,
            None if workspace.is_some() || state.applied.as_ref().is_some_and(preset_on) => {
                Cow::Owned(UserPresets::new())
            }
            None => return Err(NotOnboarded),
        };
        Ok(MemberFacts {
            presets,
            workspace,
            recorded: state.applied,
            usual: state.usual,
            paused: state.paused_at.is_some(),
            locked: state.locked,
        })
    }

    /// Plans `user`'s writes for `target` (see [`super::plan`]), less the writes of fields
    /// their organization locked (until the lock's day is over); a manual override (`force`)
    /// tries them all.
    pub fn plan(
        &self,
        user: &crate::presets::UserId,
        target: &Target,
        shown: Option<&Profile>,
        force: bool,
        now: u64,
    ) -> anyhow::Result<Option<Plan>> {
        let plan = super::plan(user, target, self.facts(shown), force, now)?;
        Ok(plan.map(|mut plan| {
            if !force {
                plan.writes.retain(|write| {
                    !self
                        .locked
                        .get(&write.field())
                        .is_some_and(|l| l.holds(now))
                });
            }
            plan
        }))
    }

    /// The facts the planner takes, with what Slack shows of the member when it is known.
    pub fn facts<'b>(&'b self, shown: Option<&'b Profile>) -> Facts<'b> {
        Facts {
            presets: &self.presets,
            shown,
            recorded: self.recorded.as_ref(),
            usual: self.usual.as_ref(),
            workspace: self.workspace,
        }
    }
}

/// Whether `recorded` says a preset of statusinator's is on (not just the usual profile).
pub fn preset_on(recorded: &Applied) -> bool {
    recorded.preset.as_ref().is_some_and(|p| !p.is_usual())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::{EmojiKey, Preset};

    fn recorded(preset: Option<&str>) -> MemberState {
        serde_json::from_value(serde_json::json!({"applied": {
            "emoji": ":palm_tree:",
            "preset": preset,
            "appliedAt": 1,
        }}))
        .unwrap()
    }

    fn gather(
        own: Option<&UserPresets>,
        sections: &Sections,
        connected: bool,
        state: Option<MemberState>,
    ) -> Result<usize, NotOnboarded> {
        let place = crate::workspace::Place::default();
        let connection = connected.then_some(&place);
        MemberFacts::gather(own.map(Cow::Borrowed), sections, connection, state)
            .map(|m| m.presets.len())
    }

    #[test]
    fn one_rule_for_who_is_onboarded() {
        let mut own = UserPresets::new();
        own.insert(
            EmojiKey::parse(":palm_tree:").unwrap(),
            Preset {
                name: Some("Ana (away)".to_owned()),
                picture: None,
            },
        );
        let none = Sections::default();
        assert_eq!(gather(Some(&own), &none, false, None), Ok(1));
        // No presets of their own, and nothing else: not onboarded.
        assert_eq!(gather(None, &none, false, None), Err(NotOnboarded));
        assert_eq!(
            gather(None, &none, false, Some(recorded(None))),
            Err(NotOnboarded),
            "nothing of statusinator's is recorded as on"
        );
        // Only the workspace's rules, for a connected member: planned from those.
        let sections: Sections = serde_json::from_value(serde_json::json!({
            "workspace": {":palm_tree:": {"name": "{name} (away)"}}
        }))
        .unwrap();
        assert_eq!(gather(None, &sections, true, None), Ok(0));
        assert_eq!(
            gather(None, &sections, false, None),
            Err(NotOnboarded),
            "the workspace presets are connected members'"
        );
        // A preset recorded as on, since removed: planned from nothing, so it goes back.
        assert_eq!(
            gather(None, &none, false, Some(recorded(Some(":palm_tree:")))),
            Ok(0)
        );
        assert_eq!(
            gather(None, &none, false, Some(recorded(Some("usual")))),
            Err(NotOnboarded),
            "their usual profile is what is on"
        );
    }
}
