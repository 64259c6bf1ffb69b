//! The cost of one turn from the shared limiter in Redis: the round trip of the Lua script that
//! takes a turn (`take`), of the one that counts a call from its answer (`done`), and of a
//! whole turn as the Slack client takes it (`Pacer::acquire` then `Pacer::finished`: the
//! connection check, `take`, `done`). Against the `redis-server` that
//! `scripts/with-test-servers.sh` starts on loopback, one thread, then four threads at once
//! sharing the process's one connection.
//!
//! Run with `scripts/with-test-servers.sh cargo bench --bench limiter` (`-- --turns N`, default
//! 20000).

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use statusinator::shared::limiter::{Tier, Turn};
use statusinator::shared::{Link, RedisSettings, Shared};
use statusinator::slack::{Method, Pacer};

fn turns() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--turns")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(20_000)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{what:<44} p50 {:>6.0} µs  p99 {:>6.0} µs  max {:>7.0} µs  ({} turns)",
        us(percentile(&times, 0.5)),
        us(percentile(&times, 0.99)),
        us(*times.last().unwrap()),
        times.len()
    );
}

fn timed(n: usize, mut each: impl FnMut(usize)) -> Vec<Duration> {
    (0..n)
        .map(|i| {
            let started = Instant::now();
            each(i);
            started.elapsed()
        })
        .collect()
}

fn main() {
    let url = support::redis::redis_url();
    let n = turns();
    let settings = RedisSettings::parse(&url, None).unwrap();
    let store = format!("bench://{}", uuid::Uuid::new_v4());
    let link = Arc::new(Link::new(&settings, &store).unwrap());
    assert!(link.is_up(), "Redis at {url} does not answer");
    // A tier no bench reaches, so every turn is granted: what is timed is the round trip.
    let wide = Tier {
        calls: u32::MAX,
        window: Duration::from_secs(60),
    };
    // Warm the connection and the script cache.
    for i in 0..200 {
        link.take("T0:warm", wide, &format!("w{i}"));
    }

    report(
        "take (one Lua round trip)",
        timed(n, |i| {
            let turn = link.take("T1:users.profile.get", wide, &format!("t{i}"));
            assert_eq!(turn, Some(Turn::Now));
        }),
    );
    report(
        "done (the call counts from its answer)",
        timed(n, |i| {
            link.done("T1:users.profile.get", wide, &format!("t{i}"))
                .unwrap();
        }),
    );

    // The Slack client's whole turn: users.profile.get's tier is 100 a minute, so each turn
    // is in a workspace of its own, as the first call of a lane.
    let pacer = Pacer::new(Shared {
        link: Some(link.clone()),
        replicas: 2,
    });
    report(
        "Pacer::acquire + finished, 1 thread",
        timed(n, |i| {
            let team = format!("P{i}");
            let granted = pacer.acquire(&team, Method::ProfileGet);
            pacer.finished(&team, Method::ProfileGet, granted);
        }),
    );
    let pacer = Arc::new(pacer);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let pacer = pacer.clone();
            std::thread::spawn(move || {
                timed(n / 4, |i| {
                    let team = format!("Q{t}-{i}");
                    let granted = pacer.acquire(&team, Method::ProfileGet);
                    pacer.finished(&team, Method::ProfileGet, granted);
                })
            })
        })
        .collect();
    let all: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    report("Pacer::acquire + finished, 4 threads at once", all);
    assert!(link.is_up(), "Redis stopped answering during the bench");
}
