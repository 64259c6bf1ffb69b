//! The Home tab's view, built from what is known of the member (within Slack's limits on
//! blocks and text; every name escaped).

use serde_json::{json, Value};

use super::workspace::WorkspaceShown;
use super::{
    ADD, DELETE_DATA, DISCONNECT, EDIT, PAUSE, REMOVE, RESUME, WORKSPACE_OFF, WORKSPACE_ON,
};
use crate::presets::{EmojiKey, Preset, UserPresets};
use crate::state::Applied;

/// Slack's limit on blocks in a view is 100; each preset takes two (what it does, its
/// buttons), each workspace preset one (at most [`super::workspace::MAX_SHOWN`]), the rest of
/// the view at most eighteen.
const MAX_PRESETS_SHOWN: usize = 35;

/// Slack's limit on a section's text is 3,000 characters.
const MAX_SECTION_CHARS: usize = 2_900;

/// Whether statusinator can change the member's profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// With a token: the member's own connected one, or one their admin gave.
    Connected { by_admin: bool },
    /// No token: the Connect link when members can connect themselves here.
    NotConnected { connect: Option<String> },
}

/// What a member's Home shows.
#[derive(Debug, Clone)]
pub struct HomeFacts {
    pub link: Link,
    pub paused: bool,
    pub applied: Option<Applied>,
    pub presets: UserPresets,
    /// serve's public address, when set: each preset's photo shows as a thumbnail.
    pub public_url: Option<String>,
    /// For the member who installed the app in the workspace: what to fix about it.
    pub admin_notice: Option<String>,
    /// What statusinator keeps about them, one line each (see [`crate::members::kept`]).
    pub kept: Vec<String>,
    /// Nothing at all is kept about them (no Delete button then).
    pub nothing_kept: bool,
    /// The workspace presets, when there are any for them.
    pub workspace: Option<WorkspaceShown>,
    /// Fields their organization does not let statusinator change, with what Slack said.
    pub locked: Vec<(crate::state::Field, String)>,
    /// The workspace they look from, when their organization has not granted the app to it.
    pub not_granted: Option<String>,
}

/// Slack's mrkdwn needs `&`, `<` and `>` escaped.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// How a preset's emoji reads to the member.
pub fn emoji_label(emoji: &EmojiKey) -> String {
    if emoji.is_default() {
        "when no other applies (default)".to_owned()
    } else {
        emoji.to_string()
    }
}

/// What a preset changes, in words: `name “Ana (away)” and a photo`.
pub fn preset_words(preset: &Preset) -> String {
    let mut what = Vec::new();
    if let Some(name) = &preset.name {
        what.push(format!("name “{name}”"));
    }
    if preset.picture.is_some() {
        what.push("a photo".to_owned());
    }
    what.join(" and ")
}

fn section(text: String) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
}

fn button(text: &str, action_id: &str, style: Option<&str>) -> Value {
    let mut button = json!({
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": action_id,
    });
    if let Some(style) = style {
        button["style"] = style.into();
    }
    button
}

/// The member's Home view.
pub fn view(facts: &HomeFacts) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": "statusinator"}
    })];
    if let Some(notice) = &facts.admin_notice {
        blocks.push(section(format!(
            ":warning: *For you, who installed statusinator here*: {}",
            escape(notice)
        )));
    }
    blocks.push(section(
        "Pick a status emoji and your display name and photo change to the preset you chose \
         for it; clear it and your usual ones come back."
            .to_owned(),
    ));
    if let Some(workspace) = &facts.not_granted {
        blocks.push(section(format!(
            ":warning: *Not added to this workspace yet* ({}): statusinator is installed for \
             your organization, but an org admin has not added it to this workspace in the \
             organization's app management page. Your connection works in every workspace it \
             is added to.",
            escape(workspace)
        )));
    }
    match &facts.link {
        Link::Connected { by_admin: false } => {
            let mut block = section(
                ":white_check_mark: *Connected*: statusinator can change your name and photo."
                    .to_owned(),
            );
            let mut disconnect = button("Disconnect", DISCONNECT, Some("danger"));
            disconnect["confirm"] = json!({
                "title": {"type": "plain_text", "text": "Disconnect?"},
                "text": {"type": "mrkdwn", "text": "statusinator puts your usual name and photo \
                    back and forgets your connection. Your presets stay; connect again any time."},
                "confirm": {"type": "plain_text", "text": "Disconnect"},
                "deny": {"type": "plain_text", "text": "Cancel"},
                "style": "danger"
            });
            block["accessory"] = disconnect;
            blocks.push(block);
        }
        Link::Connected { by_admin: true } => blocks.push(section(
            ":white_check_mark: *Connected* by your admin: statusinator can change your name \
             and photo."
                .to_owned(),
        )),
        Link::NotConnected { connect: Some(url) } => {
            let mut block = section(
                ":warning: *Not connected*: statusinator cannot change your profile until you \
                 connect it."
                    .to_owned(),
            );
            let mut connect = button("Connect my Slack profile", "connect", Some("primary"));
            connect["url"] = url.as_str().into();
            block["accessory"] = connect;
            blocks.push(block);
        }
        Link::NotConnected { connect: None } => blocks.push(section(
            ":warning: *Not connected*: statusinator cannot change your profile; ask the admin \
             who set it up to connect you."
                .to_owned(),
        )),
    }
    if !facts.locked.is_empty() {
        let what: Vec<String> = facts
            .locked
            .iter()
            .map(|(field, code)| format!("your {} (Slack said `{}`)", field.label(), escape(code)))
            .collect();
        let mut block = section(format!(
            ":lock: *Locked by your organization*: statusinator may not change {}, so it is left \
             as it is and the rest of each preset applies. It tries again in a day.",
            what.join(" or ")
        ));
        block["accessory"] = button("Try again", super::TRY_AGAIN, None);
        blocks.push(block);
    }
    let mut state = if facts.paused {
        let mut block = section(
            ":double_vertical_bar: *Paused*: your usual name and photo stay, whatever your \
             status."
                .to_owned(),
        );
        block["accessory"] = button("Resume", RESUME, Some("primary"));
        block
    } else {
        let mut block = section(applied_words(facts.applied.as_ref()));
        block["accessory"] = button("Pause", PAUSE, None);
        block
    };
    if facts.presets.is_empty() {
        state["text"]["text"] = "You have no presets yet: add one, and your name and photo \
                                 follow your status."
            .into();
        state.as_object_mut().expect("a block").remove("accessory");
    }
    blocks.push(state);
    blocks.push(json!({"type": "divider"}));
    let mut add = button("Add a preset", ADD, Some("primary"));
    add["value"] = "".into();
    blocks.push(json!({"type": "header", "text": {"type": "plain_text", "text": "Your presets"}}));
    blocks.push(json!({"type": "actions", "block_id": "presets", "elements": [add]}));
    for (i, (emoji, preset)) in facts.presets.iter().take(MAX_PRESETS_SHOWN).enumerate() {
        let mut block = section(escape(&format!(
            "{}: {}",
            emoji_label(emoji),
            preset_words(preset)
        )));
        if let (Some(public), Some(key)) = (&facts.public_url, &preset.picture) {
            block["accessory"] = json!({
                "type": "image",
                "image_url": crate::serve::app::pictures::url(public, key),
                "alt_text": format!("the photo of the {} preset", emoji_label(emoji)),
            });
        }
        blocks.push(block);
        let mut edit = button("Edit", EDIT, None);
        edit["value"] = emoji.to_string().into();
        let mut remove = button("Remove", REMOVE, Some("danger"));
        remove["value"] = emoji.to_string().into();
        remove["confirm"] = json!({
            "title": {"type": "plain_text", "text": "Remove this preset?"},
            "text": {"type": "mrkdwn", "text": escape(&format!(
                "Your {} preset goes; if your status uses it now, your usual name and \
                 photo come back.", emoji_label(emoji)))},
            "confirm": {"type": "plain_text", "text": "Remove"},
            "deny": {"type": "plain_text", "text": "Keep it"},
            "style": "danger"
        });
        blocks.push(json!({
            "type": "actions", "block_id": format!("preset-{i}"), "elements": [edit, remove]
        }));
    }
    let more = facts.presets.len().saturating_sub(MAX_PRESETS_SHOWN);
    if more > 0 {
        blocks.push(json!({
            "type": "context",
            "elements": [{"type": "mrkdwn",
                          "text": format!("and {more} more: `/statusinator list` shows them all")}]
        }));
    }
    if let Some(workspace) = &facts.workspace {
        workspace_blocks(&mut blocks, workspace, facts.public_url.as_deref());
    }
    if !facts.kept.is_empty() {
        blocks.push(json!({"type": "divider"}));
        blocks.push(json!({"type": "header", "text": {"type": "plain_text",
                                                       "text": "What statusinator keeps about you"}}));
        let mut text: String = facts
            .kept
            .iter()
            .map(|line| format!("• {line}"))
            .collect::<Vec<_>>()
            .join("\n");
        if text.chars().count() > MAX_SECTION_CHARS {
            text = text.chars().take(MAX_SECTION_CHARS - 1).collect::<String>() + "…";
        }
        let mut delete = button("Delete my data", DELETE_DATA, Some("danger"));
        delete["confirm"] = json!({
            "title": {"type": "plain_text", "text": "Delete everything?"},
            "text": {"type": "mrkdwn", "text": "Your usual name and photo come back, then your \
                presets, their photos, your usual profile, what statusinator last changed and \
                your connection are deleted (its token revoked with Slack). This cannot be undone."},
            "confirm": {"type": "plain_text", "text": "Delete"},
            "deny": {"type": "plain_text", "text": "Keep it"},
            "style": "danger"
        });
        let mut block = section(text);
        if !facts.nothing_kept {
            block["accessory"] = delete;
        }
        blocks.push(block);
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{"type": "mrkdwn",
                      "text": "`/statusinator help` in any conversation for the commands"}]
    }));
    json!({"type": "home", "blocks": blocks})
}

/// The workspace presets: whether the member uses them (a button to switch), then each with
/// the name it gives them and a preview of their photo.
fn workspace_blocks(blocks: &mut Vec<Value>, workspace: &WorkspaceShown, public: Option<&str>) {
    blocks.push(json!({"type": "divider"}));
    blocks.push(json!({"type": "header", "text": {"type": "plain_text",
                                                   "text": "Workspace presets"}}));
    let mut switch = if workspace.on {
        let mut block = section(
            ":white_check_mark: *On*: for a status emoji you have no preset of your own for, \
             your workspace's preset applies, made from your own name and photo."
                .to_owned(),
        );
        block["accessory"] = button("Turn off", WORKSPACE_OFF, None);
        block
    } else {
        let mut block = section(
            ":no_entry_sign: *Off*: only your own presets change your name and photo.".to_owned(),
        );
        block["accessory"] = button("Turn on", WORKSPACE_ON, Some("primary"));
        block
    };
    switch["block_id"] = "workspace".into();
    blocks.push(switch);
    for rule in &workspace.presets {
        let mut what = Vec::new();
        match &rule.name {
            Some(Ok(name)) => what.push(format!("name “{name}”")),
            Some(Err(why)) => what.push(format!("no name change ({why})")),
            None => {}
        }
        if rule.photo.is_some() {
            what.push("your photo with a badge".to_owned());
        }
        let mut text = format!("{}: {}", emoji_label(&rule.emoji), what.join(" and "));
        if rule.own {
            text.push_str(" (your own preset for it is used instead)");
        }
        let mut block = section(escape(&text));
        if let (Some(public), Some(key)) = (public, &rule.photo) {
            block["accessory"] = json!({
                "type": "image",
                "image_url": crate::serve::app::pictures::url(public, key),
                "alt_text": format!("your photo with the {} workspace preset", rule.emoji),
            });
        }
        blocks.push(block);
    }
}

fn applied_words(applied: Option<&Applied>) -> String {
    let Some(applied) = applied else {
        return ":arrow_forward: *Active*: set a status emoji with a preset to see it work."
            .to_owned();
    };
    let status = if applied.emoji.is_empty() {
        "no status".to_owned()
    } else {
        format!("status {}", applied.emoji)
    };
    let what = match &applied.preset {
        Some(key) if key.is_default() => "your default preset is applied".to_owned(),
        Some(key) => format!("the {key} preset is applied"),
        None => "your usual name and photo are in effect".to_owned(),
    };
    escape(&format!(":arrow_forward: *Active*: {status}; {what}."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn presets(count: usize) -> UserPresets {
        (0..count)
            .map(|i| {
                (
                    EmojiKey::parse(&format!(":e{i}:")).unwrap(),
                    Preset {
                        name: Some(format!("<Ana> & {i}")),
                        picture: None,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn a_view_stays_within_slacks_limits_and_escapes_names() {
        let facts = HomeFacts {
            link: Link::NotConnected {
                connect: Some("https://example.com/slack/install".into()),
            },
            paused: false,
            applied: None,
            presets: presets(500),
            admin_notice: None,
            kept: vec!["No presets.".into(); 200],
            nothing_kept: false,
            workspace: Some(WorkspaceShown {
                on: true,
                presets: (0..super::super::workspace::MAX_SHOWN)
                    .map(|i| super::super::workspace::ShownRule {
                        emoji: EmojiKey::parse(&format!(":w{i}:")).unwrap(),
                        name: Some(Ok(format!("<Ana> & {i} (away)"))),
                        photo: Some(format!("U1AAA/{i}.png")),
                        own: i % 2 == 0,
                    })
                    .collect(),
            }),
            public_url: Some("https://statusinator.example.com".into()),
            not_granted: Some("T0<B>".into()),
            locked: vec![
                (crate::state::Field::Name, "permission_denied".into()),
                (crate::state::Field::Photo, "<odd> & code".into()),
            ],
        };
        let view = view(&facts);
        let blocks = view["blocks"].as_array().unwrap();
        assert!(blocks.len() <= 100, "{}", blocks.len());
        assert!(serde_json::to_vec(&view).unwrap().len() < 250_000);
        let text = view.to_string();
        assert!(text.contains("&lt;Ana&gt; &amp; 0"), "{text}");
        assert!(text.contains("and 465 more"), "{text}");
        assert!(
            text.contains("(your own preset for it is used instead)"),
            "{text}"
        );
        assert!(text.contains("/pictures/U1AAA/9.png"), "{text}");
        assert!(text.contains("https://example.com/slack/install"));
    }
}
