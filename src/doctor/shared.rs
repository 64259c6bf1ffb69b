//! doctor's checks of what the processes share: Redis (reachable, the limiter's script loads,
//! the round trip), and the serve replicas on the store (several with no Redis overdraw Slack's
//! limits together).

use std::time::{Duration, Instant};

use super::checklist::Checklist;
use crate::settings::Settings;
use crate::shared::{Link, ANSWER_WITHIN};
use crate::state::presence;
use crate::store::Store;

/// Round trips timed.
const PINGS: usize = 20;

/// Checks `--redis-url`, when set, through the Slack client's link (the one every call of this
/// process would take its turns through).
pub(super) fn check_redis(list: &mut Checklist, settings: &Settings, link: Option<&Link>) {
    let Some(link) = link else {
        return;
    };
    let alone = format!(
        "until it answers, each process paces alone at 1/{} of Slack's limits (--replicas)",
        settings.replicas
    );
    if !link.is_up() {
        let reason = link.health().reason.unwrap_or_default();
        let fix = if reason.contains("certificate") {
            "trust the CA that signed the server's certificate: --redis-ca-file \
             (STATUSINATOR_REDIS_CA_FILE) with its PEM file"
        } else {
            "start Redis there, or fix --redis-url (STATUSINATOR_REDIS_URL) and its password"
        };
        list.push(
            "redis",
            super::Status::Unreachable,
            format!("{} is not answering ({reason})", link.shown()),
            Some(format!("{fix}; {alone}")),
        );
        return;
    }
    if link.load_script().is_none() {
        let reason = link.health().reason.unwrap_or_default();
        list.fix(
            "redis",
            format!(
                "{} does not run the limiter's Lua script ({reason})",
                link.shown()
            ),
            "use Redis 5 or later (or Valkey) that allows EVAL/EVALSHA for this user",
        );
        return;
    }
    let mut times = Vec::with_capacity(PINGS);
    for _ in 0..PINGS {
        let started = Instant::now();
        if link
            .run(|conn| redis::cmd("PING").query::<String>(conn))
            .is_none()
        {
            list.unreachable(
                "redis",
                format!("{} stopped answering while timed", link.shown()),
            );
            return;
        }
        times.push(started.elapsed());
    }
    times.sort();
    let (median, slowest) = (times[PINGS / 2], times[PINGS - 1]);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    if slowest > ANSWER_WITHIN / 2 {
        list.fix(
            "redis",
            format!(
                "{} answers in {:.1} ms (slowest of {PINGS}: {:.1} ms): past {} ms it counts as \
                 failing",
                link.shown(),
                ms(median),
                ms(slowest),
                ANSWER_WITHIN.as_millis()
            ),
            "run Redis near the replicas (same region or network)",
        );
    } else {
        list.ok(
            "redis",
            format!(
                "{}: every process takes Slack's turns from it; the limiter's script loads; a \
                 round trip takes {:.2} ms (slowest of {PINGS}: {:.2} ms)",
                link.shown(),
                ms(median),
                ms(slowest)
            ),
        );
    }
}

/// Counts the serve replicas running on the store; several without Redis is a thing to fix.
pub(super) fn check_replicas(list: &mut Checklist, store: &dyn Store) {
    let living = match presence::living(store, crate::clock::unix_now()) {
        Ok(living) => living,
        Err(err) => {
            list.error("replicas", &err);
            return;
        }
    };
    let n = living.len();
    let without: Vec<&str> = living
        .iter()
        .filter(|p| !p.redis)
        .map(|p| p.instance.as_str())
        .collect();
    let fix = "set --redis-url (STATUSINATOR_REDIS_URL) for every serve, poll and apply of this \
               store: see the README's \"Several replicas\"";
    if n >= 2 && !without.is_empty() {
        list.fix(
            "replicas",
            format!(
                "{n} serve processes share this store and {} of them pace{} alone, without \
                 Redis ({}): together they can draw more than Slack's limits (429 answers)",
                without.len(),
                if without.len() == 1 { "s" } else { "" },
                without.join(", ")
            ),
            fix,
        );
    } else if n == 0 {
        list.ok("replicas", "no serve process runs on this store now");
    } else if without.is_empty() {
        list.ok(
            "replicas",
            format!(
                "{n} serve process{} on this store, sharing Slack's budget through Redis",
                if n == 1 { "" } else { "es" }
            ),
        );
    } else {
        list.ok("replicas", "1 serve process on this store, pacing alone");
    }
}
