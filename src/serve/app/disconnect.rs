//! Disconnect from the Home tab, durable (see [`crate::members::disconnect`] and the status pipeline's
//! [`leaving`](crate::serve::pipeline::leaving)): the click is answered at once and the member is
//! marked as leaving; this app job stores the wish before anything is written, then has a
//! status worker put the usual profile back.

use super::App;
use crate::presets::UserId;
use crate::serve::pipeline::Wish;
use crate::tokens::stored;

impl App {
    /// Stores the wish, then has the member looked at again. Not connected there: nothing to
    /// do but say so on Home.
    pub(super) fn store_disconnect(&self, team: &str, user: &UserId) {
        let store = self.store();
        let connected = match stored::load_member(store, team, user) {
            Ok(record) => record.is_some(),
            Err(err) => {
                log::warn!("{user} asked to disconnect; their token record: {err:#}");
                true
            }
        };
        if !connected {
            self.pipeline.wish(user, Wish::DisconnectOff);
            self.publish_home(team, user);
            return;
        }
        if let Err(err) =
            crate::members::disconnect::wish(store, team, user, crate::clock::unix_now())
        {
            log::error!("{err:#}");
            self.pipeline
                .disconnect_stalled(user, "statusinator could not save your request");
            self.pipeline.wish(user, Wish::DisconnectOff);
            return;
        }
        self.pipeline.reread_later(user);
    }
}
