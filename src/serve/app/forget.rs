//! A member deletes their data (`/statusinator forget-me`, or *Delete my data* on their Home
//! tab, confirmed): the answer goes at once and the member is marked as being forgotten (only
//! their usual profile is written for them from then on); this app job stores the wish, then
//! does what `statusinator forget` does (see [`crate::members::forget`]). Their Home tab and a direct
//! message say when it is done; a step that fails is told once, and the reconcile (or any
//! process after a stop) finishes it.

use std::time::Duration;

use super::App;
use crate::members::forget::{self, Finished};
use crate::presets::UserId;
use crate::serve::pipeline::Wish;
use crate::state::wait::{self, Turn};

/// How long a forget waits for another process writing the member, before the reconcile takes
/// it over.
const ELSEWHERE_WAIT: Duration = Duration::from_secs(10);

impl App {
    pub(super) fn forget_member(&self, team: &str, user: &UserId) {
        let store = self.store();
        if let Err(err) = forget::wish(store, user, "member", crate::clock::unix_now()) {
            log::error!("{err:#}");
            self.tell(
                team,
                user,
                "statusinator could not save your request to delete your data: try again in a \
                 minute.",
            );
            self.pipeline.wish(user, Wish::ForgetOver);
            return;
        }
        // A claimant of its own: the status workers of this process are others to it.
        let forgetter = crate::state::Claimant::new("serve-forget");
        let finished = wait::for_member(user, ELSEWHERE_WAIT, || {
            Ok(match forget::finish(&self.context, &forgetter, user)? {
                Finished::Done(done) => Turn::Done(done),
                Finished::Elsewhere => Turn::Elsewhere("another process".to_owned()),
            })
        });
        match finished {
            Ok(Some(_)) => {
                self.pipeline.member_left(user);
                // users.json changed here: the cache knows at once, the others soon after.
                self.pipeline.presets_saved(std::slice::from_ref(user));
                self.pipeline.wish(user, Wish::ForgetOver);
                self.tell(
                    team,
                    user,
                    "Everything statusinator kept about you is deleted: your presets and their \
                     photos, your usual profile (your name and photo are as they were), what it \
                     last changed and your connection (its token is revoked). Open its Home tab \
                     to start again any time.",
                );
                self.publish_home(team, user);
                return;
            }
            Ok(None) => {}
            Err(err) => log::warn!("{user} asked to delete their data, not finished yet: {err:#}"),
        }
        self.tell(
            team,
            user,
            "Deleting your statusinator data is not finished yet: statusinator keeps trying (its \
             Home tab shows what is still kept). Nothing of yours is used meanwhile.",
        );
    }
}
