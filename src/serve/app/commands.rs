//! `/statusinator`: `help`, `list`, `pause`, `resume`, `workspace on|off`, `data`. Each is answered at once with an
//! ephemeral message (only the member sees it); what takes Slack's or the store's time (putting
//! the usual profile back, applying the current status, gathering what is kept about them)
//! goes to the workers. The member is the signed
//! request's `user_id`, so nobody acts for somebody else.

use serde_json::json;

use super::App;
use super::{home, Job};
use crate::events::SlashCommand;
use crate::presets::UserId;
use crate::serve::answer::Answer;
use crate::serve::metrics::EventOutcome;
use crate::serve::pipeline::Wish;
use crate::state;

/// The command's name, as the app's manifest declares it.
pub const COMMAND: &str = "/statusinator";

const HELP: &str = "*statusinator* changes your display name and photo when you pick a status \
emoji, and puts your usual ones back when you clear it. Open statusinator's *Home* tab (click \
statusinator under Apps) to connect, add, edit or remove presets, pause or disconnect.\n\
• `/statusinator list`: your presets\n\
• `/statusinator pause`: stop changing your profile (your usual one comes back)\n\
• `/statusinator resume`: start again, with your current status\n\
• `/statusinator workspace on` / `off`: use your workspace's presets, or only your own\n\
• `/statusinator data`: what statusinator keeps about you\n\
• `/statusinator forget-me`: delete everything statusinator keeps about you\n\
• `/statusinator help`: this";

fn ephemeral(text: impl Into<String>) -> Answer {
    Answer::json(
        200,
        &json!({"response_type": "ephemeral", "text": text.into()}),
    )
}

impl App {
    pub(crate) fn command(&self, command: SlashCommand) -> (EventOutcome, Answer) {
        let Ok(user) = UserId::parse(&command.user_id) else {
            return (
                EventOutcome::Malformed,
                ephemeral("Slack sent no member ID."),
            );
        };
        if command.command != COMMAND {
            log::info!(
                "{user} ran {}, which is not this app's command: refused",
                crate::redact::label(&command.command)
            );
            return (
                EventOutcome::Ignored,
                ephemeral(format!(
                    "Sorry, I only answer `{COMMAND}`, not `{}`: try `{COMMAND} help`.",
                    crate::redact::label(&command.command)
                )),
            );
        }
        let word = command
            .text
            .split_whitespace()
            .next()
            .unwrap_or("help")
            .to_ascii_lowercase();
        let answer = match word.as_str() {
            "list" => self.list(&user),
            "pause" => self.pause(&command.team_id, user, true),
            "resume" => self.pause(&command.team_id, user, false),
            "workspace" => {
                let arg = command.text.split_whitespace().nth(1).unwrap_or_default();
                match arg.to_ascii_lowercase().as_str() {
                    "on" => self.workspace(&command.team_id, user, true),
                    "off" => self.workspace(&command.team_id, user, false),
                    _ => ephemeral(
                        "`/statusinator workspace on` uses your workspace's presets for the \
                         emoji you have none of your own for; `/statusinator workspace off` \
                         keeps to your own.",
                    ),
                }
            }
            "data" => {
                // Gathered from the store by an app worker, then sent as a direct message.
                self.jobs.push(Job::Data {
                    team: command.team_id.clone(),
                    user,
                });
                ephemeral(
                    "I'm gathering what statusinator keeps about you; it comes as a direct \
                     message from statusinator in a moment.",
                )
            }
            "forget-me" => {
                // In effect before the answer leaves: only the usual profile from now on.
                self.pipeline.wish(&user, Wish::Forget);
                self.jobs.push(Job::Forget {
                    team: command.team_id.clone(),
                    user,
                });
                ephemeral(
                    "Deleting everything statusinator keeps about you: your usual name and photo \
                     come back first. A direct message says when it is done.",
                )
            }
            "help" => ephemeral(HELP),
            other => ephemeral(format!(
                "`{}` is not something I know.\n{HELP}",
                crate::redact::label(other)
            )),
        };
        (EventOutcome::Command, answer)
    }

    fn list(&self, user: &UserId) -> Answer {
        let presets = self.presets.get(user);
        let workspace = self.pipeline.gets_workspace_presets(user);
        let mut lines = match &presets {
            None => vec![format!(
                "You have no presets {}yet: open statusinator's Home tab and choose *Add a \
                 preset* (an emoji, a name and a photo).",
                if workspace { "of your own " } else { "" }
            )],
            Some(presets) => {
                let mut lines = vec!["Your presets:".to_owned()];
                for (emoji, preset) in presets {
                    lines.push(format!(
                        "• {}: {}",
                        home::emoji_label(emoji),
                        home::preset_words(preset)
                    ));
                }
                lines
            }
        };
        if workspace {
            let table = self.presets.snapshot();
            let place = self.pipeline.connected.place(user).unwrap_or_default();
            let section = place.section(&table.sections);
            let emoji: Vec<&str> = section.keys().map(|e| e.as_str()).collect();
            lines.push(format!(
                "Your workspace's presets: {}. They apply for an emoji you have no preset of \
                 your own for, unless you switched them off (`/statusinator workspace on` or \
                 `off`); your Home tab shows them on you.",
                emoji.join(" ")
            ));
        }
        // From memory: the answer never waits on the store.
        if self.pipeline.is_paused(user) {
            lines.push("You are paused: `/statusinator resume` to start again.".to_owned());
        }
        ephemeral(lines.join("\n"))
    }

    /// Pauses or resumes (an app worker stores it), and says so.
    fn pause(&self, team: &str, user: UserId, pause: bool) -> Answer {
        if !self.pipeline.serves(&user) {
            return ephemeral("You have no presets yet, so there is nothing to pause or resume.");
        }
        // In effect before the answer leaves; an app worker then stores it.
        self.pipeline.wish(&user, Wish::Pause(pause));
        self.jobs.push(Job::Pause {
            team: Some(team.to_owned()).filter(|t| !t.is_empty()),
            user,
            pause,
        });
        ephemeral(if pause {
            "Paused: statusinator changes nothing more until you `/statusinator resume`. If a \
             preset of yours is in effect, your usual name and photo come back."
        } else {
            "Resumed: your current status applies again."
        })
    }

    /// Switches the workspace presets on or off (an app worker stores it), and says so.
    fn workspace(&self, team: &str, user: UserId, on: bool) -> Answer {
        let sections = self.presets.snapshot();
        if sections.sections.is_empty() {
            return ephemeral(
                "Your workspace has no workspace presets (yet): only your own presets apply.",
            );
        }
        self.jobs.push(Job::Workspace {
            team: Some(team.to_owned()).filter(|t| !t.is_empty()),
            user,
            on,
        });
        ephemeral(if on {
            "Workspace presets on: for an emoji you have no preset of your own for, your name \
             and photo follow your workspace's preset, made from your own."
        } else {
            "Workspace presets off: only your own presets change your name and photo. If a \
             workspace preset is in effect, your usual name and photo come back."
        })
    }

    /// What is kept about the member, told to them in a direct message (an app worker).
    pub(super) fn tell_data(&self, team: &str, user: &UserId) {
        let presets = self.presets.get(user);
        let text = match crate::members::kept::gather(self.store(), user, presets.as_ref()) {
            Ok(kept) => {
                let mut lines = vec!["*What statusinator keeps about you*".to_owned()];
                lines.extend(
                    kept.lines(home::escape)
                        .into_iter()
                        .map(|l| format!("• {l}")),
                );
                lines.push(
                    "Disconnect (on statusinator's Home tab) forgets your token; removing a \
                     preset forgets it and its picture."
                        .to_owned(),
                );
                lines.join("\n")
            }
            Err(err) => {
                log::warn!("gathering what is kept about {user}: {err:#}");
                "statusinator could not read what it keeps about you just now: try \
                 `/statusinator data` again in a minute."
                    .to_owned()
            }
        };
        self.tell(team, user, &text);
    }

    /// Switches a member's workspace presets: the flag is stored now, and a worker then applies
    /// their current status again under it.
    pub(crate) fn set_workspace(&self, user: &UserId, on: bool) -> anyhow::Result<()> {
        if state::set_workspace(self.store(), user, on)? {
            log::info!(
                "{user} switched the workspace presets {}",
                if on { "on" } else { "off" }
            );
        }
        self.pipeline.reread_later(user);
        Ok(())
    }

    /// Pauses or resumes a member: the flag is stored now, and a worker then puts the usual
    /// profile back (paused) or applies the current status (resumed).
    pub(crate) fn set_paused(&self, user: &UserId, pause: bool) -> anyhow::Result<()> {
        let changed = state::set_paused(
            self.store(),
            user,
            pause.then_some(crate::clock::unix_now()),
        )?;
        self.pipeline.wish(user, Wish::PauseSaved(pause));
        if changed {
            log::info!(
                "{user} {} statusinator",
                if pause { "paused" } else { "resumed" }
            );
        }
        // Off the ack path: the member's profile is read, then worked as an event.
        self.pipeline.reread_later(user);
        Ok(())
    }
}
