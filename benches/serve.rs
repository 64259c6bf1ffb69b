//! The serve load benchmark: the release binary, fired at with pre-signed `user_change` events
//! (each with its own `event_id`) over keep-alive connections. Prints events/s and the p50, p99
//! and max ack latency seen by the clients, for members who are not onboarded, then again while
//! onboarded members' changes pile up against a Slack that takes 2 s to answer.
//!
//! Run with `cargo bench --bench serve` (`-- --connections N --events N` to vary the load).

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::json;
use support::serve::{read_answer, signed_request, user_event, Serve};
use support::slack::Member;
use support::World;

/// A member of the workspace as an event shows them.
fn member(id: &str, emoji: &str) -> Member {
    Member {
        id: id.to_owned(),
        profile: json!({
            "display_name": format!("Member {id}"),
            "display_name_normalized": format!("Member {id}"),
            "real_name": format!("Member {id}"),
            "real_name_normalized": format!("Member {id}"),
            "first_name": "Member",
            "last_name": id,
            "title": "Engineer",
            "phone": "",
            "skype": "",
            "status_text": if emoji.is_empty() { "" } else { "Away" },
            "status_emoji": emoji,
            "status_emoji_display_info": [],
            "status_expiration": 0,
            "avatar_hash": "ge3b51ca72de",
            "image_24": "https://secure.gravatar.com/avatar/x.jpg?s=24",
            "image_72": "https://secure.gravatar.com/avatar/x.jpg?s=72",
            "image_192": "https://secure.gravatar.com/avatar/x.jpg?s=192",
            "image_512": "https://secure.gravatar.com/avatar/x.jpg?s=512",
            "team": "T0TEST",
        }),
        photo: None,
        is_bot: false,
        deleted: false,
        team: support::slack::STANDIN_TEAM.into(),
    }
}

struct Phase {
    events: usize,
    wall: Duration,
    /// Ack latencies in microseconds, sorted.
    latencies: Vec<u32>,
    statuses: std::collections::BTreeMap<u16, usize>,
}

impl Phase {
    fn percentile(&self, p: f64) -> f64 {
        let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[i] as f64 / 1000.0
    }

    fn print(&self, name: &str) {
        println!("{name}");
        println!(
            "  events        {} in {:.2} s: {:.0} events/s",
            self.events,
            self.wall.as_secs_f64(),
            self.events as f64 / self.wall.as_secs_f64()
        );
        println!(
            "  ack latency   p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            self.percentile(0.50),
            self.percentile(0.99),
            *self.latencies.last().unwrap() as f64 / 1000.0
        );
        println!("  answers       {:?}", self.statuses);
    }
}

/// Fires every request once, spread over `connections` keep-alive connections.
fn fire(address: &str, requests: Vec<Vec<u8>>, connections: usize) -> Phase {
    let events = requests.len();
    let mut shares: Vec<Vec<Vec<u8>>> = (0..connections).map(|_| Vec::new()).collect();
    for (i, r) in requests.into_iter().enumerate() {
        shares[i % connections].push(r);
    }
    let started = Instant::now();
    let results: Vec<(Vec<u32>, Vec<u16>)> = std::thread::scope(|s| {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|share| {
                s.spawn(move || {
                    let mut stream = TcpStream::connect(address).unwrap();
                    stream.set_nodelay(true).unwrap();
                    let mut buffer = Vec::with_capacity(8192);
                    let mut latencies = Vec::with_capacity(share.len());
                    let mut statuses = Vec::with_capacity(share.len());
                    for request in &share {
                        let sent = Instant::now();
                        stream.write_all(request).unwrap();
                        statuses.push(read_answer(&mut stream, &mut buffer));
                        latencies.push(sent.elapsed().as_micros() as u32);
                    }
                    (latencies, statuses)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let wall = started.elapsed();
    let mut latencies = Vec::with_capacity(events);
    let mut statuses = std::collections::BTreeMap::new();
    for (l, s) in results {
        latencies.extend(l);
        for status in s {
            *statuses.entry(status).or_insert(0) += 1;
        }
    }
    latencies.sort_unstable();
    Phase {
        events,
        wall,
        latencies,
        statuses,
    }
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().unwrap())
        .unwrap_or(default)
}

fn main() {
    let connections = arg("--connections", 8);
    let events = arg("--events", 300_000);

    let mut world = World::local();
    let mut presets = serde_json::Map::new();
    let onboarded: Vec<String> = (0..50).map(|i| format!("U0ON{i:05}")).collect();
    for id in &onboarded {
        world.member(id, &format!("Member {id}"));
        presets.insert(
            id.clone(),
            json!({":palm_tree:": {"name": format!("Member {id} (away)")}, "default": {"name": format!("Member {id}")}}),
        );
    }
    world.onboard(serde_json::Value::Object(presets));
    let serve = Serve::start(&world, &[], &[("RUST_LOG", "warn")]);
    let address = serve.address().to_owned();
    println!(
        "serve: {connections} keep-alive connections, {} onboarded members, release binary",
        onboarded.len()
    );

    // Members who are not onboarded: each event signed, checked, parsed and acknowledged.
    let build = |n: usize, seed: usize, onboarded_every: usize| -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| {
                let (id, emoji) = if onboarded_every > 0 && i % onboarded_every == 0 {
                    let k = i / onboarded_every;
                    let emoji = if (k / onboarded.len()).is_multiple_of(2) {
                        ":palm_tree:"
                    } else {
                        ""
                    };
                    (onboarded[k % onboarded.len()].clone(), emoji)
                } else {
                    (
                        format!("U0X{:07}", (seed + i) % 20_000),
                        ":house_with_garden:",
                    )
                };
                let body = user_event(
                    "user_change",
                    &member(&id, emoji),
                    &format!("Ev{seed:02}{i:09}"),
                );
                signed_request(&address, &body)
            })
            .collect()
    };

    // Warm up connections, caches and the allocator.
    fire(&address, build(20_000, 90, 0), connections);

    let requests = build(events, 1, 0);
    println!("  ({} bytes a request, signed ahead)", requests[0].len());
    let phase = fire(&address, requests, connections);
    phase.print("members who are not onboarded");

    // Slack slow: onboarded members' changes (1 in 100 events) fill the queue and the
    // dead-letter queue; the acks must not slow down.
    world.slack.set_latency(Duration::from_secs(2));
    let requests = build(events / 2, 2, 100);
    let phase = fire(&address, requests, connections);
    phase.print("1 in 100 events from onboarded members, Slack answering in 2 s");
    let health = serve.health();
    println!(
        "  queue {} and dead-letter queue {} after the run",
        health["queue"], health["dead_letter"]
    );
}
