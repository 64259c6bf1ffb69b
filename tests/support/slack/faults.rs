//! Faults a test injects (a 429 with `Retry-After`, `ratelimited` on a 200, a 5xx, any error
//! code, an outage of a method), latency for every answer, and Slack's tier limits per method.

use super::*;

impl SlackStandIn {
    /// Forgets every fault still to come.
    pub fn clear_faults(&self) {
        let mut state = self.state.lock().unwrap();
        state.faults.clear();
        state.outages.clear();
    }

    /// Answers every call of `method` with `fault` for the next `lasting`.
    pub fn outage(&self, method: &str, lasting: Duration, fault: Fault) {
        self.state
            .lock()
            .unwrap()
            .outages
            .insert(method.to_owned(), (Instant::now() + lasting, fault));
    }

    /// Answers the next calls of `method` with these faults, in order.
    pub fn inject(&self, method: &str, faults: impl IntoIterator<Item = Fault>) {
        self.state
            .lock()
            .unwrap()
            .faults
            .entry(method.to_owned())
            .or_default()
            .extend(faults);
    }

    /// Every answer waits this long.
    pub fn set_latency(&self, latency: Duration) {
        self.state.lock().unwrap().latency = latency;
    }

    /// Enforces Slack's tier limits per method over `window` (60 s in Slack; shorter to test).
    pub fn enforce_tiers(&self, window: Duration) {
        self.state.lock().unwrap().tier_window = Some(window);
    }
}

/// The fault injected for the next call of `method` (or its outage), answered as Slack would.
pub(super) fn injected_fault(
    st: &mut State,
    method: &str,
) -> Option<(u16, Option<u64>, Value, Option<String>)> {
    let outage = st
        .outages
        .get(method)
        .filter(|(until, _)| Instant::now() < *until)
        .map(|(_, fault)| fault.clone());
    if let Some(fault) = outage.or_else(|| st.faults.get_mut(method).and_then(VecDeque::pop_front))
    {
        return Some(match fault {
            Fault::Http429(after) => (
                429,
                after,
                json!({"ok": false, "error": "ratelimited"}),
                None,
            ),
            Fault::RateLimitedOk => error("ratelimited"),
            Fault::Status(code) => (code, None, Value::Null, None),
            Fault::Error(code) => error(&code),
        });
    }
    None
}

/// Tier limits per window (Slack: per minute).
pub(super) fn tier_limit(method: &str) -> usize {
    match method {
        "users.setPhoto" | "users.list" | "emoji.list" => 20,
        "users.profile.set" => 50,
        _ => 100,
    }
}
