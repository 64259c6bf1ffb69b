//! The app's Home tab: each member's own view of statusinator (`app_home_opened` →
//! `views.publish` with the workspace's bot token). It shows whether the member is connected
//! (with the Connect link when not), whether statusinator is paused, what it last applied, and
//! each of their presets with Edit and Remove; Add, Pause/Resume and Disconnect are buttons.
//! Opening the tab is acknowledged at once; an app worker builds and publishes the view, and
//! again after each change.

use serde_json::{json, Value};

use super::App;
use super::Job;
use crate::events::BlockAction;
use crate::presets::{EmojiKey, Preset, UserId, UserPresets};
use crate::serve::answer::Answer;
use crate::serve::metrics::EventOutcome;
use crate::state::{self, Applied};
use crate::tokens::{Found, TokenSource};

/// Slack's limit on blocks in a view is 100; each preset takes two (what it does, its
/// buttons), the rest of the view at most a dozen.
const MAX_PRESETS_SHOWN: usize = 40;

/// The button that pauses statusinator for the member.
pub const PAUSE: &str = "pause";
/// The button that resumes it.
pub const RESUME: &str = "resume";
/// The button on a preset that removes it (its value: the preset's emoji).
pub const REMOVE: &str = "remove";
/// The button on a preset that opens it in the preset modal (its value: the preset's emoji).
pub const EDIT: &str = "edit";
/// The button that opens an empty preset modal.
pub const ADD: &str = "add";
/// The button that forgets the member's connected token (after their usual profile is back).
pub const DISCONNECT: &str = "disconnect";

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
                "image_url": super::pictures::url(public, key),
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
    blocks.push(json!({
        "type": "context",
        "elements": [{"type": "mrkdwn",
                      "text": "`/statusinator help` in any conversation for the commands"}]
    }));
    json!({"type": "home", "blocks": blocks})
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
        Some(key) => format!("the {} preset is applied", emoji_label(key)),
        None => "your usual name and photo are in effect".to_owned(),
    };
    escape(&format!(":arrow_forward: *Active*: {status}; {what}."))
}

impl App {
    /// `app_home_opened`: the view is published off the ack path.
    pub(crate) fn home_opened(&self, team: String, user: &str) -> (EventOutcome, Answer) {
        let Ok(user) = UserId::parse(user) else {
            return (EventOutcome::Ignored, Answer::empty(200));
        };
        self.jobs.push(Job::Publish { team, user });
        (EventOutcome::Home, Answer::empty(200))
    }

    /// A button on the Home tab. Only the signed payload's `user.id` is acted for; a button's
    /// value only names which of their presets.
    pub(super) fn home_action(&self, action: BlockAction) -> (EventOutcome, Answer) {
        let Ok(user) = UserId::parse(&action.user_id) else {
            return (EventOutcome::Malformed, Answer::empty(200));
        };
        let team = action.team_id;
        let preset = || match EmojiKey::parse(&action.value) {
            Ok(emoji) => Some(emoji),
            Err(_) => {
                log::warn!(
                    "{user} clicked {} on a preset that is not an emoji: {}",
                    action.action_id,
                    crate::redact::label(&action.value)
                );
                None
            }
        };
        let job = match action.action_id.as_str() {
            PAUSE | RESUME => {
                // In effect before the answer leaves; an app worker then stores it.
                let pause = action.action_id == PAUSE;
                self.status.pauses.wish(&user, pause);
                Job::Pause {
                    team: Some(team),
                    user,
                    pause,
                }
            }
            ADD | EDIT => {
                let editing = if action.action_id == EDIT {
                    match preset() {
                        Some(emoji) => Some(emoji),
                        None => return (EventOutcome::Malformed, Answer::empty(200)),
                    }
                } else {
                    None
                };
                Job::OpenForm {
                    team,
                    user,
                    trigger_id: action.trigger_id,
                    editing,
                }
            }
            REMOVE => match preset() {
                Some(emoji) => Job::Remove { team, user, emoji },
                None => return (EventOutcome::Malformed, Answer::empty(200)),
            },
            DISCONNECT => {
                // Answered now; an app worker stores the wish, then the usual profile goes
                // back and the token is forgotten (see disconnect.rs).
                self.status.leaving.mark(&team, &user);
                Job::Disconnect { team, user }
            }
            // Connect is a link: Slack still tells of the click.
            _ => Job::Publish { team, user },
        };
        self.jobs.push(job);
        (EventOutcome::Home, Answer::empty(200))
    }

    /// Takes a preset out of `users.json`, merged like any writer's change so a concurrent
    /// onboard is kept (an app worker).
    pub(super) fn remove_preset(&self, user: &UserId, emoji: &EmojiKey) {
        let removed =
            crate::store::update_users(self.store.as_ref(), crate::clock::unix_now(), |file| {
                let Some(presets) = file.users.get_mut(user) else {
                    return Ok(false);
                };
                let removed = presets.remove(emoji).is_some();
                if presets.is_empty() {
                    file.users.remove(user);
                }
                Ok(removed)
            });
        match removed {
            Ok((true, _)) => {
                log::info!("{user} removed their {emoji} preset");
                if let Err(err) = self.presets.reload() {
                    log::warn!("could not read users.json again: {err:#}");
                }
                // Their status may have used it.
                self.status.reread_later(user);
            }
            Ok((false, _)) => log::debug!("{user} had no {emoji} preset to remove"),
            Err(err) => log::error!("{user} asked to remove their {emoji} preset, but: {err:#}"),
        }
    }

    /// The workspace's bot token, or a warning that says how to get one.
    pub(super) fn bot_for(&self, team: &str, user: &UserId) -> Option<crate::tokens::Token> {
        let bot = self.tokens().bot_for(team);
        if bot.is_none() {
            log::warn!(
                "{user} used the Home tab, but there is no bot token for workspace {}: install \
                 the app (/slack/install) or set SLACK_BOT_TOKEN",
                crate::redact::label(team)
            );
        }
        bot
    }

    /// Publishes a member's Home view (an app worker).
    pub(super) fn publish_home(&self, team: &str, user: &UserId) {
        let Some(bot) = self.bot_for(team, user) else {
            return;
        };
        let mut facts = self.home_facts(user);
        facts.admin_notice = self.installation_notice(team, user);
        match self
            .slack()
            .publish_home(&bot, user.as_str(), &view(&facts))
        {
            Ok(()) => log::debug!("published {user}'s Home tab"),
            Err(err) => log::warn!("could not publish {user}'s Home tab: {err}"),
        }
    }

    /// What the member who installed the app in `team` should fix about the installation
    /// (missing bot scopes); `None` for everyone else.
    fn installation_notice(&self, team: &str, user: &UserId) -> Option<String> {
        let installation = crate::tokens::stored::load_installation(self.store.as_ref(), team)
            .ok()
            .flatten()
            .filter(|i| &i.installed_by == user)?;
        let missing = crate::connect::missing_bot_scopes(&installation.scopes);
        (!missing.is_empty()).then(|| {
            let install = self.oauth.as_ref().map(|o| o.install_url());
            crate::connect::missing_scopes_fix(team, &missing, install.as_deref())
        })
    }

    /// Warns, once at start, about each workspace whose installation lacks bot scopes.
    pub(crate) fn check_installations(&self) {
        let installations = match crate::tokens::stored::list_installations(self.store.as_ref()) {
            Ok(installations) => installations,
            Err(err) => {
                log::warn!("reading the installations: {err:#}");
                return;
            }
        };
        let install = self.oauth.as_ref().map(|o| o.install_url());
        for installation in installations {
            let missing = crate::connect::missing_bot_scopes(&installation.scopes);
            if !missing.is_empty() {
                log::warn!(
                    "{}",
                    crate::connect::missing_scopes_fix(
                        &installation.team,
                        &missing,
                        install.as_deref()
                    )
                );
            }
        }
    }

    fn home_facts(&self, user: &UserId) -> HomeFacts {
        // Looked up only: publishing a Home refreshes no token and tells nobody.
        let link = match self.tokens().lookup(user) {
            Ok(Found::Token(token)) => Link::Connected {
                by_admin: !matches!(token.source, TokenSource::Connected(_)),
            },
            Ok(Found::Due { .. }) => Link::Connected { by_admin: false },
            Ok(Found::Disconnected(_)) | Err(_) => Link::NotConnected {
                connect: self.oauth.as_ref().map(|oauth| oauth.install_url()),
            },
        };
        let member = state::load_state(self.store.as_ref(), user).unwrap_or_else(|err| {
            log::warn!("{err:#}");
            None
        });
        HomeFacts {
            link,
            paused: member.as_ref().is_some_and(|m| m.paused_at.is_some()),
            applied: member.and_then(|m| m.applied),
            presets: self.presets.get(user).unwrap_or_default(),
            public_url: self
                .oauth
                .as_ref()
                .map(|oauth| oauth.public_url.as_str().to_owned()),
            admin_notice: None,
        }
    }
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
            public_url: None,
            admin_notice: None,
        };
        let view = view(&facts);
        let blocks = view["blocks"].as_array().unwrap();
        assert!(blocks.len() <= 100, "{}", blocks.len());
        assert!(serde_json::to_vec(&view).unwrap().len() < 250_000);
        let text = view.to_string();
        assert!(text.contains("&lt;Ana&gt; &amp; 0"), "{text}");
        assert!(text.contains("and 460 more"), "{text}");
        assert!(text.contains("https://example.com/slack/install"));
    }
}
