//! Waiting for a member another process is writing: a command (apply, forget) or serve's
//! forget job tries, and while someone else holds the member's claim it looks again every half
//! second, up to a limit. One loop for every caller, so each waits and gives up alike.

use std::time::{Duration, Instant};

use anyhow::Result;

use crate::presets::UserId;

/// How long a command waits for another process writing the member (a claim lapses within
/// 20 s of its holder dying, so a live holder is the only reason to wait this long).
pub const WAIT_FOR_OTHERS: Duration = Duration::from_secs(90);

/// How often a waiting caller looks again.
const LOOK_AGAIN: Duration = Duration::from_millis(500);

/// What one try at a member came to.
#[derive(Debug)]
pub enum Turn<T> {
    Done(T),
    /// Another process holds the member; the text says who and what, for the log.
    Elsewhere(String),
}

/// Tries `attempt` until it is done, looking again while another process holds `user`, for
/// at most `limit`: `Ok(None)` when they were still held then. An error ends the wait.
pub fn for_member<T>(
    user: &UserId,
    limit: Duration,
    mut attempt: impl FnMut() -> Result<Turn<T>>,
) -> Result<Option<T>> {
    let started = Instant::now();
    loop {
        match attempt()? {
            Turn::Done(done) => return Ok(Some(done)),
            Turn::Elsewhere(_) if started.elapsed() > limit => return Ok(None),
            Turn::Elsewhere(who) => {
                log::info!("{user} is being written by {who}; waiting for it");
                std::thread::sleep(LOOK_AGAIN);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_held_elsewhere_is_tried_again_until_done_or_the_limit() {
        let user = UserId::parse("U0ANA0001").unwrap();
        let mut tries = 0;
        let done = for_member(&user, Duration::from_secs(10), || {
            tries += 1;
            Ok(if tries < 3 {
                Turn::Elsewhere("another process".to_owned())
            } else {
                Turn::Done(tries)
            })
        })
        .unwrap();
        assert_eq!(done, Some(3));
        let held: Option<()> = for_member(&user, Duration::ZERO, || {
            Ok(Turn::Elsewhere("another process".to_owned()))
        })
        .unwrap();
        assert_eq!(held, None);
        let failed: Result<Option<()>> = for_member(&user, Duration::ZERO, || anyhow::bail!("x"));
        assert!(failed.is_err());
    }
}
