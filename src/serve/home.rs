//! The app's Home tab: each member's own view of statusinator (`app_home_opened` →
//! `views.publish` with the workspace's bot token). It shows whether the member is connected
//! (with the Connect link when not), whether statusinator is paused, what it last applied, and
//! each of their presets; Pause and Resume are buttons. Opening the tab is acknowledged at
//! once; the view is built and published by the background loop, and again after a click.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::metrics::EventOutcome;
use super::{Answer, Service};
use crate::events::BlockAction;
use crate::presets::{EmojiKey, Preset, UserId, UserPresets};
use crate::state::{self, Applied};
use crate::tokens::TokenSource;

/// Slack's limit on blocks in a view is 100; the presets get what the rest leaves.
const MAX_PRESET_BLOCKS: usize = 80;

/// The button that pauses statusinator for the member.
pub const PAUSE: &str = "pause";
/// The button that resumes it.
pub const RESUME: &str = "resume";
/// The button on a preset that removes it (its value: the preset's emoji).
pub const REMOVE: &str = "remove";
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
}

/// Slack's mrkdwn needs `&`, `<` and `>` escaped.
fn escape(text: &str) -> String {
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
        state["text"]["text"] = "You have no presets yet: ask the admin who set up statusinator \
                                 to add some."
            .into();
        state.as_object_mut().expect("a block").remove("accessory");
    }
    blocks.push(state);
    blocks.push(json!({"type": "divider"}));
    if !facts.presets.is_empty() {
        blocks.push(json!({
            "type": "header",
            "text": {"type": "plain_text", "text": "Your presets"}
        }));
        for (emoji, preset) in facts.presets.iter().take(MAX_PRESET_BLOCKS) {
            let mut block = section(escape(&format!(
                "{}: {}",
                emoji_label(emoji),
                preset_words(preset)
            )));
            let mut remove = button("Remove", REMOVE, None);
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
            block["accessory"] = remove;
            blocks.push(block);
        }
        let more = facts.presets.len().saturating_sub(MAX_PRESET_BLOCKS);
        if more > 0 {
            blocks.push(json!({
                "type": "context",
                "elements": [{"type": "mrkdwn",
                              "text": format!("and {more} more: `/statusinator list` shows them all")}]
            }));
        }
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

impl Service {
    /// `app_home_opened`: the view is published off the ack path.
    pub(super) fn home_opened(&self, team: String, user: &str) -> (EventOutcome, Answer) {
        let Ok(user) = UserId::parse(user) else {
            return (EventOutcome::Ignored, Answer::empty(200));
        };
        self.publish_home_later(team, user);
        (EventOutcome::Home, Answer::empty(200))
    }

    /// A button on the Home tab. Only the signed payload's `user.id` is acted for.
    pub(super) fn home_action(&self, action: BlockAction) -> (EventOutcome, Answer) {
        let Ok(user) = UserId::parse(&action.user_id) else {
            return (EventOutcome::Malformed, Answer::empty(200));
        };
        match action.action_id.as_str() {
            PAUSE | RESUME => {
                let pause = action.action_id == PAUSE;
                if let Err(err) = self.set_paused(&user, pause) {
                    log::error!("{err:#}");
                }
            }
            DISCONNECT => {
                let connected = self
                    .engine
                    .tokens()
                    .for_user(&user)
                    .is_ok_and(|token| matches!(token.source, TokenSource::Connected(_)));
                if connected {
                    // The usual profile goes back with the token still there; the worker then
                    // forgets the token and publishes the Home again.
                    self.disconnecting
                        .lock()
                        .expect("disconnecting lock")
                        .insert(user.clone(), action.team_id);
                    self.reread_later(&user);
                    return (EventOutcome::Home, Answer::empty(200));
                }
            }
            REMOVE => {
                // The member is the payload's; the value only names which of their presets.
                let Ok(emoji) = EmojiKey::parse(&action.value) else {
                    log::warn!(
                        "{user} clicked Remove on a preset that is not an emoji: {}",
                        crate::redact::label(&action.value)
                    );
                    return (EventOutcome::Malformed, Answer::empty(200));
                };
                self.removals
                    .lock()
                    .expect("removals lock")
                    .push((action.team_id, user, emoji));
                return (EventOutcome::Home, Answer::empty(200));
            }
            // Connect is a link: Slack still tells of the click.
            _ => {}
        }
        self.publish_home_later(action.team_id, user);
        (EventOutcome::Home, Answer::empty(200))
    }

    /// Whether the member asked to disconnect: only their usual profile is put in effect.
    pub(super) fn disconnecting(&self, user: &UserId) -> bool {
        self.disconnecting
            .lock()
            .expect("disconnecting lock")
            .contains_key(user)
    }

    /// After a worker put a disconnecting member's usual profile back (or found nothing to put
    /// back): their token is forgotten and their Home shows it.
    pub(super) fn finish_disconnect(&self, user: &UserId) {
        let Some(team) = self
            .disconnecting
            .lock()
            .expect("disconnecting lock")
            .remove(user)
        else {
            return;
        };
        match crate::tokens::stored::forget_member(self.store, user) {
            Ok(_) => log::info!(
                "{user} disconnected: their usual profile is back, their token forgotten"
            ),
            Err(err) => log::error!("{user} asked to disconnect, but: {err:#}"),
        }
        self.publish_home_later(team, user.clone());
    }

    fn publish_home_later(&self, team: String, user: UserId) {
        self.homes.lock().expect("homes lock").insert((team, user));
    }

    /// Removes the presets members asked to remove (background loop): merged into
    /// `users.json` like any writer's change, so a concurrent onboard is kept.
    fn remove_presets(&self) {
        let asked: Vec<(String, UserId, EmojiKey)> =
            std::mem::take(&mut *self.removals.lock().expect("removals lock"));
        for (team, user, emoji) in asked {
            let removed = crate::store::update_users(self.store, crate::unix_now(), |file| {
                let Some(presets) = file.users.get_mut(&user) else {
                    return Ok(false);
                };
                let removed = presets.remove(&emoji).is_some();
                if presets.is_empty() {
                    file.users.remove(&user);
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
                    self.reread_later(&user);
                }
                Ok((false, _)) => log::debug!("{user} had no {emoji} preset to remove"),
                Err(err) => {
                    log::error!("{user} asked to remove their {emoji} preset, but: {err:#}")
                }
            }
            self.publish_home_later(team, user);
        }
    }

    /// Publishes the Home views asked for since the last time, after the removals asked for
    /// (background loop).
    pub(super) fn publish_homes(&self) {
        self.remove_presets();
        let asked: BTreeSet<(String, UserId)> =
            std::mem::take(&mut *self.homes.lock().expect("homes lock"));
        for (team, user) in asked {
            self.publish_home(&team, &user);
        }
    }

    fn publish_home(&self, team: &str, user: &UserId) {
        let Some(bot) = self.engine.tokens().bot_for(team) else {
            log::warn!(
                "{user} opened the Home tab, but there is no bot token for workspace {}: \
                 install the app (/slack/install) or set SLACK_BOT_TOKEN",
                crate::redact::label(team)
            );
            return;
        };
        let facts = self.home_facts(user);
        match self
            .engine
            .slack()
            .publish_home(&bot, user.as_str(), &view(&facts))
        {
            Ok(()) => log::debug!("published {user}'s Home tab"),
            Err(err) => log::warn!("could not publish {user}'s Home tab: {err}"),
        }
    }

    fn home_facts(&self, user: &UserId) -> HomeFacts {
        let link = match self.engine.tokens().for_user(user) {
            Ok(token) => Link::Connected {
                by_admin: !matches!(token.source, TokenSource::Connected(_)),
            },
            Err(_) => Link::NotConnected {
                connect: self.oauth.as_ref().map(|oauth| oauth.install_url()),
            },
        };
        let member = state::load_state(self.store, user).unwrap_or_else(|err| {
            log::warn!("{err:#}");
            None
        });
        HomeFacts {
            link,
            paused: member.as_ref().is_some_and(|m| m.paused_at.is_some()),
            applied: member.and_then(|m| m.applied),
            presets: self.presets.get(user).unwrap_or_default(),
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
        };
        let view = view(&facts);
        let blocks = view["blocks"].as_array().unwrap();
        assert!(blocks.len() <= 100, "{}", blocks.len());
        assert!(serde_json::to_vec(&view).unwrap().len() < 250_000);
        let text = view.to_string();
        assert!(text.contains("&lt;Ana&gt; &amp; 0"), "{text}");
        assert!(text.contains("and 420 more"), "{text}");
        assert!(text.contains("https://example.com/slack/install"));
    }
}
