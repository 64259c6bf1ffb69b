//! Socket Mode against the Request URL, in one run of the release binary: the same `user_change`
//! events (each with its own `event_id`, for an onboarded member whose status is already applied,
//! so each goes through the dedupe, the presets cache and the loop guard) sent over one
//! keep-alive HTTP connection and over one Socket Mode connection.
//!
//! For each transport it prints the ack latency (p50, p99, max) of events sent one at a time,
//! and the envelopes per second of a burst sent all at once on the one connection. Socket Mode
//! times run from the envelope's write to its ack's read, as the stand-in sees them.
//!
//! Run with `cargo bench --bench transports` (`-- --events N`, default 5000).

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::serve::{event_id, read_answer, signed_request, user_change, Serve};
use support::{images, wait_until, World};

const ANA: &str = "U0ANA0001";

fn events() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--events")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(5000)
}

/// Reads `count` answers off a keep-alive connection, each a 200; returns when each ended.
fn read_answers(stream: &mut TcpStream, count: usize) -> Vec<Instant> {
    let mut buffer = Vec::new();
    (0..count)
        .map(|_| {
            assert_eq!(read_answer(stream, &mut buffer), 200);
            Instant::now()
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(transport: &str, mut latencies: Vec<Duration>, burst: usize, took: Duration) {
    latencies.sort();
    println!(
        "{transport:<12} one at a time: p50 {:>7.1} µs  p99 {:>7.1} µs  max {:>8.1} µs   \
         burst of {burst}: {:>8.0} envelopes/s",
        percentile(&latencies, 0.5).as_secs_f64() * 1e6,
        percentile(&latencies, 0.99).as_secs_f64() * 1e6,
        latencies.last().unwrap().as_secs_f64() * 1e6,
        burst as f64 / took.as_secs_f64()
    );
}

fn main() {
    let n = events();
    let mut world = World::local();
    world.member(ANA, "Ana");
    world.scene.write("beach.png", images::png(512, 512, 1));
    world.onboard(json!({ANA: {":palm_tree:": {"name": "Ana (away)", "picture": "beach.png"}}}));
    let (app_token, socket) = world.slack.socket_mode();
    let serve = Serve::start(
        &world,
        &["--socket-connections", "1"],
        &[
            ("SLACK_APP_TOKEN", &app_token),
            ("RUST_LOG", "statusinator=warn"),
        ],
    );
    socket.wait_open(1, Duration::from_secs(20));
    // Her vacation applied once: every event after it is the same status (the loop guard).
    world.slack.set_status(ANA, ":palm_tree:");
    serve.post_signed(&user_change(&world.slack.member(ANA), &event_id()), &[]);
    wait_until("the preset applied", Duration::from_secs(20), || {
        world.slack.display_name(ANA) == "Ana (away)"
    });
    serve.settle(1.0);
    let member = world.slack.member(ANA);
    let body = |_: usize| user_change(&member, &event_id());
    println!("{n} user_change events per run, one member onboarded, release build");

    // HTTP: one keep-alive connection.
    let address = serve.address().to_owned();
    let mut stream = TcpStream::connect(&address).unwrap();
    stream.set_nodelay(true).unwrap();
    let mut latencies = Vec::with_capacity(n);
    for i in 0..n {
        let bytes = signed_request(&address, &body(i));
        let sent = Instant::now();
        stream.write_all(&bytes).unwrap();
        let ended = read_answers(&mut stream, 1)[0];
        latencies.push(ended - sent);
    }
    let burst: Vec<Vec<u8>> = (0..n).map(|i| signed_request(&address, &body(i))).collect();
    let reader = {
        let mut stream = stream.try_clone().unwrap();
        std::thread::spawn(move || read_answers(&mut stream, n))
    };
    let started = Instant::now();
    for bytes in &burst {
        stream.write_all(bytes).unwrap();
    }
    let ends = reader.join().unwrap();
    report("HTTP", latencies, n, *ends.last().unwrap() - started);

    // Socket Mode: one connection.
    let payload = |i: usize| -> Value { serde_json::from_slice(&body(i)).unwrap() };
    let mut latencies = Vec::with_capacity(n);
    for i in 0..n {
        let id = socket.envelope(None, "events_api", payload(i));
        socket.ack(&id, Duration::from_secs(3)).expect("acked");
        let (written, acked) = socket.timing(&id).unwrap();
        latencies.push(acked - written);
    }
    let ids = socket.burst((0..n).map(payload).collect());
    for id in &ids {
        socket.ack(id, Duration::from_secs(30)).expect("acked");
    }
    let first = socket.timing(&ids[0]).unwrap().0;
    let last = ids
        .iter()
        .map(|id| socket.timing(id).unwrap().1)
        .max()
        .unwrap();
    report("Socket Mode", latencies, n, last - first);
    assert_eq!(
        world
            .slack
            .profile_writes()
            .iter()
            .filter(|m| *m == "users.profile.set")
            .count(),
        1,
        "no event was applied again"
    );
}
