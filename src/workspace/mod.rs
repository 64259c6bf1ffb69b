//! Workspace presets: rules an admin writes once, beside `users`, in `users.json`, that give
//! every connected member a preset for an emoji they have none of their own for. A rule holds a
//! name template ([`template`]: `{name}` is the member's usual name) and a photo recipe: the
//! member's usual photo with the emoji as a badge ([`art`]), optionally grayscale and ringed,
//! made by [`photo`] and stored content-keyed ([`made`]), so each is made once per (usual
//! photo, rule).
//!
//! ```json
//! "workspace": {
//!   ":palm_tree:": { "name": "{name} (on vacation)", "photo": { "style": "grayscale" } },
//!   ":face_with_thermometer:": { "name": "{name} (sick)", "photo": { "ring": "#d33c3c" } }
//! },
//! "workspaces": { "T0B2C3D4E": { ":palm_tree:": { "name": "{name} 🌴" } } }
//! ```
//! `workspace` holds for every workspace; a workspace named in `workspaces` has its own section
//! instead.

use std::collections::BTreeMap;

use crate::presets::EmojiKey;

pub use crate::presets::rules::{
    badge_of, Colour, PhotoRule, Rule, Section, Sections, Style, TeamId,
};

pub mod art;
pub mod made;
pub mod photo;
pub mod template;

/// Every member who gets workspace presets when there are any: each connected member (through
/// Slack, with their workspace: the first they are connected in, as their token is chosen; or
/// in the tokens file, with no workspace known). Members whose connection stopped are left
/// out until they connect again.
pub fn connected_members(
    store: &dyn crate::store::Store,
    tokens: &crate::tokens::Tokens,
) -> anyhow::Result<BTreeMap<crate::presets::UserId, Place>> {
    use crate::tokens::stored;
    let mut members = BTreeMap::new();
    for (user, _) in tokens.file_members() {
        members.insert(user.clone(), Place::default());
    }
    if tokens.vault().is_some() {
        let listing = stored::list_members(store)?;
        for record in listing.records {
            if record.connection == stored::Connection::Connected {
                members.entry(record.user).or_insert(Place {
                    team: Some(record.team),
                    org: record.enterprise,
                });
            }
        }
    }
    Ok(members)
}

/// Where a connected member is: their installation's workspace (or organization, for an
/// org-wide install; `None` when not known, as for a token from the tokens file), and the
/// Enterprise Grid organization it is in, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub team: Option<String>,
    pub org: Option<String>,
}

impl Place {
    /// The workspace presets section for a member here.
    pub fn section<'a>(&self, sections: &'a Sections) -> &'a Section {
        sections.for_team_in(self.team.as_deref(), self.org.as_deref())
    }
}

/// The organization a member's connection is in, from their connected token record.
pub fn org_of(
    store: &dyn crate::store::Store,
    user: &crate::presets::UserId,
) -> anyhow::Result<Option<String>> {
    use crate::tokens::stored;
    Ok(stored::member_records(store, user)?
        .into_iter()
        .filter(|r| r.connection == stored::Connection::Connected)
        .find_map(|r| r.enterprise))
}

/// Whether one member is connected (see [`connected_members`]), and in which workspace: read
/// from their token records alone.
pub fn connection_of(
    tokens: &crate::tokens::Tokens,
    user: &crate::presets::UserId,
) -> anyhow::Result<Option<Option<String>>> {
    use crate::tokens::{Found, TokenSource};
    Ok(match tokens.lookup(user) {
        Ok(Found::Token(token)) => match token.source {
            TokenSource::File(_) | TokenSource::Connected(_) => Some(token.team),
            _ => None,
        },
        Ok(Found::Due { team }) => Some(Some(team)),
        Ok(Found::Disconnected(_)) | Err(_) => None,
    })
}

/// The section a member gets: their workspace's, else their organization's (see
/// [`Sections::for_team_in`]), when they are connected (`connection`: `None` when not),
/// unless they switched workspace presets off (`off`) or it is empty.
pub fn for_member<'a>(
    sections: &'a Sections,
    connection: Option<&Place>,
    off: bool,
) -> Option<&'a Section> {
    let section = connection?.section(sections);
    (!off && !section.is_empty()).then_some(section)
}

/// Checks one rule as onboard does, and says what is wrong with each part: the key (a status
/// emoji, never `default`), the name template (on sample names), the badge (an emoji code) and
/// that the rule changes something.
pub fn check_rule(emoji: &EmojiKey, rule: &Rule) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    if emoji.is_default() || emoji.is_usual() {
        problems.push((
            String::new(),
            "a workspace preset is for a status emoji: `default` stays each member's own (give \
             it in their presets)"
                .to_owned(),
        ));
    }
    if let Some(name) = &rule.name {
        if let Err(message) = template::check(name) {
            problems.push(("name".to_owned(), message));
        }
    }
    if let Some(photo) = &rule.photo {
        if let Some(badge) = photo.badge.as_deref().filter(|b| b.trim() != "none") {
            if let Err(message) = EmojiKey::parse(badge) {
                problems.push(("photo, badge".to_owned(), message));
            }
        }
    }
    if rule.name.is_none() && rule.photo.is_none() {
        problems.push((
            String::new(),
            "is an empty rule: give it a \"name\" template, a \"photo\", or both".to_owned(),
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_example_reads_and_writes_back_the_same() {
        let text = r##"{
          ":palm_tree:": { "name": "{name} (on vacation)", "photo": { "badge": ":palm_tree:", "style": "grayscale" } },
          ":face_with_thermometer:": { "name": "{name} (sick)", "photo": { "ring": "#D33C3C" } }
        }"##;
        let section: Section = serde_json::from_str(text).unwrap();
        let sick = &section[&EmojiKey::parse(":face_with_thermometer:").unwrap()];
        let photo = sick.photo.as_ref().unwrap();
        assert_eq!(photo.ring, Some(Colour([0xd3, 0x3c, 0x3c])));
        assert_eq!(photo.style, Style::Color);
        let again: Section =
            serde_json::from_slice(&serde_json::to_vec(&section).unwrap()).unwrap();
        assert_eq!(again, section);
        assert!(serde_json::to_string(&section).unwrap().contains("#d33c3c"));
    }

    #[test]
    fn bad_rules_say_what_to_fix() {
        let bad: Result<Section, _> =
            serde_json::from_str(r##"{":x:": {"photo": {"ring": "red"}}}"##);
        assert!(bad.unwrap_err().to_string().contains("#d33c3c"));
        let bad: Result<Section, _> =
            serde_json::from_str(r#"{":x:": {"photo": {"style": "sepia"}}}"#);
        assert!(bad.unwrap_err().to_string().contains("grayscale"));
        let default = EmojiKey::default_key();
        let problems = check_rule(&default, &Rule::default());
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(TeamId::parse("T0B2C3D4E").is_ok());
        assert!(TeamId::parse("U0B2C3D4E")
            .unwrap_err()
            .contains("T0B2C3D4E"));
    }

    #[test]
    fn a_workspace_of_its_own_wins_over_the_section_for_all() {
        let rule = |name: &str| Rule {
            name: Some(name.to_owned()),
            photo: None,
        };
        let palm = EmojiKey::parse(":palm_tree:").unwrap();
        let mut sections = Sections::default();
        sections
            .workspace
            .insert(palm.clone(), rule("{name} (all)"));
        sections.workspaces.insert(
            TeamId::parse("T0TWO2").unwrap(),
            Section::from([(palm.clone(), rule("{name} (two)"))]),
        );
        let name = |team| sections.for_team(team)[&palm].name.clone().unwrap();
        assert_eq!(name(Some("T0ONE1")), "{name} (all)");
        assert_eq!(name(Some("T0TWO2")), "{name} (two)");
        assert_eq!(name(None), "{name} (all)");
    }
}
