//! Claims on members: a process about to write a member's profile claims them in their object
//! (a conditional write, so of two claims at once one wins), holds the claim while it writes
//! (renewing it, see [`crate::lease`]), and its last record releases it. A claim its holder
//! never released lapses on its own.

use anyhow::{Context, Result};

use super::{key, update, Applied, Claim, MemberState};
use crate::presets::UserId;
use crate::store::Store;

/// How long a claim holds without renewal (seconds). Its holder renews it while it works,
/// however long Slack makes it wait, so it lapses only when its holder died, and then within
/// this long.
pub const HOLD: u64 = crate::lease::HOLD;

/// One process's name in claims, and its claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimant {
    name: String,
}

impl Claimant {
    /// A claimant of its own, named after what it is (`serve`, `poll`, `apply`…).
    pub fn new(kind: &str) -> Claimant {
        Claimant {
            name: instance_name(kind),
        }
    }

    /// The name its claims carry.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Claims `user` for `what` (a status, or what is done to them) until [`HOLD`] seconds
    /// from `now`, unless another process holds them.
    pub fn claim(&self, store: &dyn Store, user: &UserId, what: &str, now: u64) -> Result<Claimed> {
        claim(store, user, &self.name, what, now, HOLD)
    }

    /// Extends the claim on `user` to [`HOLD`] seconds from now; false when it is not ours
    /// any more.
    pub fn renew(&self, store: &dyn Store, user: &UserId) -> Result<bool> {
        renew_claim(store, user, &self.name, HOLD)
    }

    /// Lets go of the claim on `user`; a store that does not answer only delays it (the claim
    /// lapses on its own).
    pub fn release(&self, store: &dyn Store, user: &UserId) {
        if let Err(err) = release(store, user, &self.name) {
            log::warn!("{err:#}; the claim lapses in at most {HOLD} s");
        }
    }
}

/// A name for this process in claims: what it is, its process ID and a random part, so that
/// processes on different hosts never share one.
pub fn instance_name(kind: &str) -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{kind}-{}-{}", std::process::id(), &random[..8])
}

/// What a claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claimed {
    /// The member is ours to write until the claim's end; what was applied for them as of the
    /// claim (another process may have recorded since it was last read).
    Ours(Option<Applied>),
    /// Another instance is writing the member.
    Held(Claim),
}

/// Claims a member for `by` until `now + hold` seconds, unless another instance holds them.
/// Taking the claim is a conditional write: of two instances claiming at once, one wins.
pub fn claim(
    store: &dyn Store,
    user: &UserId,
    by: &str,
    emoji: &str,
    now: u64,
    hold: u64,
) -> Result<Claimed> {
    let mut found = None;
    update(store, user, &mut |state| {
        if let Some(other) = &state.claim {
            if other.by != by && other.holds(now) {
                found = Some(Claimed::Held(other.clone()));
                return Ok(false);
            }
        }
        state.claim = Some(Claim {
            by: by.to_owned(),
            emoji: emoji.to_owned(),
            until: now + hold,
        });
        found = Some(Claimed::Ours(state.applied.clone()));
        Ok(true)
    })
    .with_context(|| format!("claiming {user} in {}", store.location(&key(user))))?;
    Ok(found.expect("the update ran"))
}

/// Extends `by`'s claim on a member to `hold` seconds from now; false when the claim is not
/// `by`'s any more (lapsed and taken, or released).
pub fn renew_claim(store: &dyn Store, user: &UserId, by: &str, hold: u64) -> Result<bool> {
    let mut ours = false;
    update(store, user, &mut |state| {
        ours = false;
        let Some(claim) = state.claim.as_mut().filter(|c| c.by == by) else {
            return Ok(false);
        };
        claim.until = crate::clock::unix_now() + hold;
        ours = true;
        Ok(true)
    })
    .with_context(|| {
        format!(
            "renewing the claim on {user} in {}",
            store.location(&key(user))
        )
    })?;
    Ok(ours)
}

/// Drops `by`'s claim on a member (after a failed apply); nothing when it holds none.
pub fn release(store: &dyn Store, user: &UserId, by: &str) -> Result<()> {
    update(store, user, &mut |state| Ok(drop_claim(state, by)))
        .with_context(|| format!("releasing {user} in {}", store.location(&key(user))))
}

pub(super) fn drop_claim(state: &mut MemberState, by: &str) -> bool {
    if state.claim.as_ref().is_some_and(|c| c.by == by) {
        state.claim = None;
        true
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{load_state, load_user, record};
    use crate::store::LocalStore;

    fn store() -> (tempfile::TempDir, LocalStore) {
        crate::store::temp_local()
    }

    #[test]
    fn a_claim_holds_off_others_until_released_or_lapsed() {
        let (_dir, store) = store();
        let ana = UserId::parse("U0T1").unwrap();
        let claim_of = || load_state(&store, &ana).unwrap().unwrap().claim;
        record(&store, &ana, 10, None, |a| a.emoji = ":x:".into()).unwrap();
        let mine = claim(&store, &ana, "a", ":y:", 100, 120).unwrap();
        assert_eq!(mine, Claimed::Ours(load_user(&store, &ana).unwrap()));
        // Another instance is held off; the holder may claim again.
        let Claimed::Held(held) = claim(&store, &ana, "b", ":y:", 150, 120).unwrap() else {
            panic!("b got the claim");
        };
        assert_eq!(
            (held.by.as_str(), held.emoji.as_str(), held.until),
            ("a", ":y:", 220)
        );
        assert!(matches!(
            claim(&store, &ana, "a", ":y:", 150, 120).unwrap(),
            Claimed::Ours(_)
        ));
        // The holder's last record releases it; someone else's record does not.
        record(&store, &ana, 160, Some("b"), |a| a.emoji = ":y:".into()).unwrap();
        assert!(claim_of().is_some());
        record(&store, &ana, 160, Some("a"), |a| a.emoji = ":y:".into()).unwrap();
        assert!(claim_of().is_none());
        // A claim never released lapses.
        claim(&store, &ana, "a", ":z:", 200, 120).unwrap();
        assert!(matches!(
            claim(&store, &ana, "b", ":z:", 319, 120).unwrap(),
            Claimed::Held(_)
        ));
        assert!(matches!(
            claim(&store, &ana, "b", ":z:", 320, 120).unwrap(),
            Claimed::Ours(_)
        ));
        release(&store, &ana, "b").unwrap();
        assert!(claim_of().is_none());
    }

    #[test]
    fn of_many_instances_claiming_at_once_exactly_one_wins() {
        let (_dir, store) = store();
        let ana = UserId::parse("U0T1").unwrap();
        let won: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let (store, ana) = (&store, &ana);
                    s.spawn(move || {
                        let by = format!("i{i}");
                        matches!(
                            claim(store, ana, &by, ":x:", 100, 120).unwrap(),
                            Claimed::Ours(_)
                        )
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(won.iter().filter(|w| **w).count(), 1, "{won:?}");
    }
}
