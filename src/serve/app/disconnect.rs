//! Disconnect from the Home tab, durable (see [`crate::disconnect`]): the click is answered at
//! once and the member is marked here as leaving (only their usual profile is written from then
//! on); an app worker stores the wish; a status worker puts the usual profile back, then the
//! token record and the wish are forgotten and the Home says so. When a step fails the member
//! is told, once, and the wish stays: the reconcile (and any process after a stop) finishes it.
//!
//! The map of leaving members is written by the threads that answer clicks (insert), the
//! reconcile (insert) and the status workers (remove); one lock, held only for the map.

use super::Job;
use crate::presets::UserId;
use crate::serve::Service;
use crate::tokens::stored;

/// A member leaving, as this process knows it.
#[derive(Debug, Clone)]
pub struct Leaving {
    pub team: String,
    /// They were told that it could not finish yet (told once).
    pub told: bool,
}

impl Service {
    /// Whether the member asked to disconnect: only their usual profile is put in effect.
    pub(crate) fn disconnecting(&self, user: &UserId) -> bool {
        self.disconnecting
            .lock()
            .expect("disconnecting lock")
            .contains_key(user)
    }

    /// Marks the member as leaving, from now on (the answer to their click follows).
    pub(crate) fn start_disconnecting(&self, team: &str, user: &UserId) {
        self.disconnecting
            .lock()
            .expect("disconnecting lock")
            .entry(user.clone())
            .or_insert(Leaving {
                team: team.to_owned(),
                told: false,
            });
    }

    /// An app worker: stores the wish (before anything is written), then has a status worker
    /// put the usual profile back. Not connected there: nothing to do but say so on Home.
    pub(super) fn store_disconnect(&self, team: &str, user: &UserId) {
        let connected = match stored::load_member(self.store, team, user) {
            Ok(record) => record.is_some(),
            Err(err) => {
                log::warn!("{user} asked to disconnect; their token record: {err:#}");
                true
            }
        };
        if !connected {
            self.disconnecting
                .lock()
                .expect("disconnecting lock")
                .remove(user);
            self.publish_home(team, user);
            return;
        }
        if let Err(err) = crate::disconnect::wish(self.store, team, user, crate::unix_now()) {
            log::error!("{err:#}");
            self.disconnect_stalled(user, "statusinator could not save your request");
            self.disconnecting
                .lock()
                .expect("disconnecting lock")
                .remove(user);
            return;
        }
        self.reread_later(user);
    }

    /// After a status worker put a leaving member's usual profile back (or found nothing to
    /// put back): their token record and wish are forgotten, and their Home shows it.
    pub(crate) fn finish_disconnect(&self, user: &UserId) {
        let Some(leaving) = self
            .disconnecting
            .lock()
            .expect("disconnecting lock")
            .remove(user)
        else {
            return;
        };
        if let Err(err) = crate::disconnect::forget(self.store, &leaving.team, user) {
            log::error!("{user} asked to disconnect; forgetting their token: {err:#}");
            // The wish stays in the store: the reconcile finishes it.
            return;
        }
        self.jobs.push(Job::Publish {
            team: leaving.team,
            user: user.clone(),
        });
    }

    /// A step of a member's disconnect failed: they are told (once a wish) in a direct message
    /// from the bot, and their Home is published again; the wish stays for the reconcile.
    pub(crate) fn disconnect_stalled(&self, user: &UserId, why: &str) {
        let team = {
            let mut leaving = self.disconnecting.lock().expect("disconnecting lock");
            match leaving.get_mut(user) {
                Some(l) if !l.told => {
                    l.told = true;
                    l.team.clone()
                }
                _ => return,
            }
        };
        log::warn!("{user}'s disconnect is not finished yet: {why}");
        let text = format!(
            "Disconnecting statusinator is not finished yet: {why}. Your token stays until your \
             usual name and photo are back; statusinator keeps trying and tells your Home tab \
             when it is done."
        );
        match self.engine.tokens().bot_for(&team) {
            Some(bot) => {
                if let Err(err) = self.engine.slack().post_message(&bot, user.as_str(), &text) {
                    log::warn!("could not tell {user}: {err}");
                }
            }
            None => log::warn!("no bot token for {team} to tell {user}"),
        }
        self.jobs.push(Job::Publish {
            team,
            user: user.clone(),
        });
    }

    /// Takes up the wishes to disconnect that wait in the store (left by a process that
    /// stopped, or by a failed step): each member is marked leaving and looked at again.
    pub(crate) fn resume_disconnects(&self) {
        let pending = match crate::disconnect::pending(self.store) {
            Ok(pending) => pending,
            Err(err) => {
                log::warn!("reading the wishes to disconnect: {err:#}");
                return;
            }
        };
        for (team, user) in pending {
            let fresh = {
                let mut leaving = self.disconnecting.lock().expect("disconnecting lock");
                let fresh = !leaving.contains_key(&user);
                leaving.entry(user.clone()).or_insert(Leaving {
                    team: team.clone(),
                    told: false,
                });
                fresh
            };
            if fresh {
                log::info!("{user} asked to disconnect from {team}: finishing it");
            }
            self.reread_later(&user);
        }
    }
}
