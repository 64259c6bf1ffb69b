//! Claims that live exactly as long as their holder works: a claim in the store (on a member's
//! state, on a token record) is taken for [`HOLD`] seconds and renewed every [`RENEW_EVERY`]
//! while the work goes on, so a holder that waits out a long `Retry-After` keeps it, and a
//! holder that dies frees it within [`HOLD`] seconds.
//!
//! [`hold`] runs the work on the calling thread while one scoped thread renews the claim; the
//! work asks [`Lease::held`] before each thing that must not be done twice (a Slack write, a
//! refresh token sent). Once a renewal finds the claim gone (lapsed while the store was away,
//! taken by another), the lease is lost for good and the work gives up.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use anyhow::Result;

/// How long a claim holds without renewal (seconds): a dead holder's claim frees its object
/// this long after its last renewal at most.
pub const HOLD: u64 = 20;

/// How often a living holder renews its claim.
pub const RENEW_EVERY: Duration = Duration::from_secs(5);

/// A claim being held, as the work sees it.
#[derive(Debug, Default)]
pub struct Lease {
    lost: AtomicBool,
    done: Mutex<bool>,
    wake: Condvar,
}

impl Lease {
    /// Whether the claim is still this holder's.
    pub fn held(&self) -> bool {
        !self.lost.load(Ordering::SeqCst)
    }

    /// Marks the claim lost (a renewal found it gone).
    pub fn lose(&self) {
        self.lost.store(true, Ordering::SeqCst);
    }

    fn finish(&self) {
        *self.done.lock().expect("lease lock") = true;
        self.wake.notify_all();
    }

    /// Waits `period` or until the work is done; true when the work is done.
    fn wait(&self, period: Duration) -> bool {
        let done = self.done.lock().expect("lease lock");
        let (done, _) = self
            .wake
            .wait_timeout_while(done, period, |done| !*done)
            .expect("lease lock");
        *done
    }
}

/// Runs `work` while a scoped thread calls `renew` every `every`; `renew` returns false when
/// the claim is no longer ours (the lease is then lost). A renewal that fails (the store away)
/// is tried again at the next turn; the claim may lapse meanwhile, which the next renewal sees.
pub fn hold<T>(
    every: Duration,
    renew: impl Fn() -> Result<bool> + Sync,
    work: impl FnOnce(&Lease) -> T,
) -> T {
    let lease = Lease::default();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !lease.wait(every) {
                match renew() {
                    Ok(true) => {}
                    Ok(false) => {
                        lease.lose();
                        return;
                    }
                    Err(err) => log::warn!("{err:#}; renewing the claim again shortly"),
                }
            }
        });
        let out = work(&lease);
        lease.finish();
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn a_claim_is_renewed_while_the_work_goes_on_and_lost_when_renewal_says_so() {
        let renewals = AtomicUsize::new(0);
        let held = hold(
            Duration::from_millis(5),
            || Ok(renewals.fetch_add(1, Ordering::SeqCst) < 3),
            |lease| {
                while lease.held() {
                    std::thread::sleep(Duration::from_millis(1));
                }
                lease.held()
            },
        );
        assert!(!held);
        assert_eq!(renewals.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn quick_work_ends_the_renewer_at_once() {
        let started = std::time::Instant::now();
        let out = hold(Duration::from_secs(3600), || Ok(true), |lease| lease.held());
        assert!(out);
        // The renewer woke when the work ended, not an hour later.
        assert!(started.elapsed() < Duration::from_secs(3600));
    }
}
