//! The app's Home tab: each member's own view of statusinator (`app_home_opened` →
//! `views.publish` with the workspace's bot token). It shows whether the member is connected
//! (with the Connect link when not), whether statusinator is paused, what it last applied, and
//! each of their presets with Edit and Remove; Add, Pause/Resume and Disconnect are buttons.
//! Opening the tab is acknowledged at once; an app worker builds and publishes the view, and
//! again after each change.

mod view;
mod workspace;

use crate::presets::pending::{Patch, Save};
use std::time::Duration;

use super::App;
use super::Job;
use crate::events::BlockAction;
use crate::presets::{EmojiKey, UserId};
use crate::serve::answer::Answer;
use crate::serve::metrics::EventOutcome;
use crate::serve::pipeline::Wish;
use crate::state;
use crate::tokens::stored::Installation;
use crate::tokens::{Found, TokenSource};

pub use view::{emoji_label, escape, preset_words, view, HomeFacts, Link};

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
/// The button that deletes everything kept about the member (after Slack asks them).
pub const DELETE_DATA: &str = "delete_data";
/// The button that switches the workspace presets on for the member.
pub const WORKSPACE_ON: &str = "workspace_on";
/// The button that switches them off.
pub const WORKSPACE_OFF: &str = "workspace_off";
/// The Home's button that tries fields locked by the member's organization again.
pub const TRY_AGAIN: &str = "try_again";

impl App {
    /// `app_home_opened`: the view is published off the ack path.
    pub(crate) fn home_opened(
        &self,
        team: String,
        user: &str,
        workspace: Option<String>,
    ) -> (EventOutcome, Answer) {
        let Ok(user) = UserId::parse(user) else {
            return (EventOutcome::Ignored, Answer::empty(200));
        };
        // An org-wide install's member: the workspace they look from, for their Home to say
        // whether the organization granted the app to it.
        if let Some(workspace) = workspace.filter(|w| *w != team) {
            self.workspaces_seen
                .lock()
                .expect("workspaces seen lock")
                .put(user.clone(), workspace);
        }
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
                self.pipeline.wish(&user, Wish::Pause(pause));
                Job::Pause {
                    team: Some(team),
                    user,
                    pause,
                }
            }
            TRY_AGAIN => Job::TryAgain { team, user },
            WORKSPACE_ON | WORKSPACE_OFF => Job::Workspace {
                team: Some(team),
                user,
                on: action.action_id == WORKSPACE_ON,
            },
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
            DELETE_DATA => {
                // Confirmed in Slack; in effect before the answer leaves (see forget.rs).
                self.pipeline.wish(&user, Wish::Forget);
                Job::Forget { team, user }
            }
            DISCONNECT => {
                // Answered now; an app worker stores the wish, then the usual profile goes
                // back and the token is forgotten (see disconnect.rs).
                self.pipeline.wish(&user, Wish::Disconnect { team: &team });
                Job::Disconnect { team, user }
            }
            // Connect is a link: Slack still tells of the click.
            _ => Job::Publish { team, user },
        };
        self.jobs.push(job);
        (EventOutcome::Home, Answer::empty(200))
    }

    /// Takes a preset out of the member's presets: a save of theirs, one small write whatever
    /// the workspace's size, kept beside any concurrent writer's (an app worker).
    pub(super) fn remove_preset(&self, user: &UserId, emoji: &EmojiKey) {
        let had = self
            .presets
            .get(user)
            .is_some_and(|presets| presets.contains_key(emoji));
        let removed = if had {
            let save = Save::member(user.clone(), Patch::remove(emoji.clone()));
            crate::store::save(self.store(), &save).map(|_| true)
        } else {
            Ok(false)
        };
        match removed {
            Ok(true) => {
                log::info!("{user} removed their {emoji} preset");
                self.pipeline.presets_saved(std::slice::from_ref(user));
                // Their status may have used it.
                self.pipeline.reread_later(user);
            }
            Ok(false) => log::debug!("{user} had no {emoji} preset to remove"),
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
        self.publish(team, user, true);
    }

    /// [`App::publish_home`], unless the workspace's minute of publishes is spent: then nothing
    /// is done, and how long until it is not is returned (a worker never sleeps in the pacing).
    pub(super) fn publish_home_unless_spent(&self, team: &str, user: &UserId) -> Option<Duration> {
        self.publish(team, user, false)
    }

    fn publish(&self, team: &str, user: &UserId, wait_for_turn: bool) -> Option<Duration> {
        let bot = self.bot_for(team, user)?;
        if !wait_for_turn {
            let wait = self.slack().publish_wait(&bot);
            if !wait.is_zero() {
                return Some(wait);
            }
        }
        let installation = crate::tokens::stored::load_installation(self.store(), team)
            .ok()
            .flatten();
        let mut facts = self.home_facts(user);
        facts.admin_notice = self.installation_notice(installation.as_ref(), team, user);
        facts.not_granted = self.not_granted(installation.as_ref(), user);
        match self
            .slack()
            .publish_home(&bot, user.as_str(), &view(&facts))
        {
            Ok(()) => log::debug!("published {user}'s Home tab"),
            Err(err) => log::warn!("could not publish {user}'s Home tab: {err}"),
        }
        None
    }

    /// The workspace a member of an org-wide install looks from, when the organization has not
    /// granted the app to it (as last heard from Slack).
    fn not_granted(&self, installation: Option<&Installation>, user: &UserId) -> Option<String> {
        let granted = installation.filter(|i| i.is_org())?.workspaces.as_ref()?;
        let workspace = self
            .workspaces_seen
            .lock()
            .expect("workspaces seen lock")
            .get(user)
            .cloned()?;
        (!granted.contains(&workspace)).then_some(workspace)
    }

    /// What the member who installed the app in `team` should fix about the installation
    /// (missing bot scopes); `None` for everyone else.
    fn installation_notice(
        &self,
        installation: Option<&Installation>,
        team: &str,
        user: &UserId,
    ) -> Option<String> {
        let installation = installation.filter(|i| i.installed_by.as_ref() == Some(user))?;
        let missing = crate::oauth::missing_bot_scopes(&installation.scopes);
        (!missing.is_empty()).then(|| {
            let install = self.oauth.as_ref().map(|o| o.install_url());
            crate::oauth::missing_scopes_fix(team, &missing, install.as_deref())
        })
    }

    /// Warns, once at start, about each workspace whose installation lacks bot scopes.
    pub(crate) fn check_installations(&self) {
        let installations = self.learn_installations();
        let install = self.oauth.as_ref().map(|o| o.install_url());
        for installation in installations {
            if installation.is_org() {
                self.learn_grants(&installation);
            }
            let missing = crate::oauth::missing_bot_scopes(&installation.scopes);
            if !missing.is_empty() {
                log::warn!(
                    "{}",
                    crate::oauth::missing_scopes_fix(
                        &installation.team,
                        &missing,
                        install.as_deref()
                    )
                );
            }
        }
    }

    /// Asks Slack which workspaces an org-wide install is granted to (`auth.teams.list`) and
    /// keeps the answer on its record; one granted to none is told to the admin.
    pub(super) fn learn_grants(&self, installation: &crate::tokens::stored::Installation) {
        let org = &installation.team;
        let Some(bot) = self.tokens().bot_for(org) else {
            return;
        };
        match self.slack().teams_list(&bot) {
            Ok(mut teams) => {
                teams.sort();
                if teams.is_empty() {
                    log::warn!(
                        "statusinator is installed for the organization {org} but granted to no \
                         workspace yet: an org admin adds it to workspaces in the organization's \
                         app management page"
                    );
                }
                self.set_grants(org, teams);
            }
            Err(err) => log::warn!("asking Slack which workspaces {org} granted: {err}"),
        }
    }

    /// Slack's `team_access_granted` / `team_access_revoked` for an org-wide install.
    pub(super) fn team_access(&self, org: &str, granted: bool, teams: &[String]) {
        log::info!(
            "{org} {} {}",
            if granted {
                "granted statusinator to"
            } else {
                "took statusinator from"
            },
            teams.join(", ")
        );
        let store = self.store();
        let known = crate::tokens::stored::load_installation(store, org)
            .ok()
            .flatten()
            .and_then(|i| i.workspaces);
        let mut now: Vec<String> = known.unwrap_or_default();
        if granted {
            now.extend(teams.iter().cloned());
        } else {
            now.retain(|t| !teams.contains(t));
        }
        now.sort();
        now.dedup();
        self.set_grants(org, now);
    }

    fn set_grants(&self, org: &str, teams: Vec<String>) {
        let changed = crate::tokens::stored::update_installation(self.store(), org, &mut |i| {
            let changed = i.workspaces.as_ref() != Some(&teams);
            i.workspaces = Some(teams.clone());
            changed
        });
        if let Err(err) = changed {
            log::warn!("{err:#}");
        }
    }

    fn home_facts(&self, user: &UserId) -> HomeFacts {
        // Looked up only: publishing a Home refreshes no token and tells nobody.
        let found = self.tokens().lookup(user);
        let link = match &found {
            Ok(Found::Token(token)) => Link::Connected {
                by_admin: !matches!(token.source, TokenSource::Connected(_)),
            },
            Ok(Found::Due { .. }) => Link::Connected { by_admin: false },
            Ok(Found::Disconnected(_)) | Err(_) => Link::NotConnected {
                connect: self.oauth.as_ref().map(|oauth| oauth.install_url()),
            },
        };
        let token = match found {
            Ok(Found::Token(token)) => Some(token),
            _ => None,
        };
        let member = state::load_state(self.store(), user).unwrap_or_else(|err| {
            log::warn!("{err:#}");
            None
        });
        let presets = self.presets.get(user).unwrap_or_default();
        let kept = crate::members::kept::with_state(
            self.store(),
            user,
            Some(&presets),
            member.clone().unwrap_or_default(),
        )
        .map(|kept| (kept.lines(escape), kept.is_empty()))
        .unwrap_or_else(|err| {
            log::warn!("gathering what is kept about {user}: {err:#}");
            (Vec::new(), false)
        });
        let workspace = self.workspace_shown(user, token.as_ref(), member.as_ref(), &presets);
        let now = crate::clock::unix_now();
        let locked = member
            .as_ref()
            .map(|m| {
                m.locked
                    .iter()
                    .filter(|(_, lock)| lock.holds(now))
                    .map(|(field, lock)| (*field, lock.code.clone()))
                    .collect()
            })
            .unwrap_or_default();
        HomeFacts {
            locked,
            not_granted: None,
            link,
            workspace,
            paused: member.as_ref().is_some_and(|m| m.paused_at.is_some()),
            applied: member.and_then(|m| m.applied),
            presets,
            kept: kept.0,
            nothing_kept: kept.1,
            public_url: self
                .oauth
                .as_ref()
                .map(|oauth| oauth.public_url.as_str().to_owned()),
            admin_notice: None,
        }
    }
}
