//! Workspace presets: how long making one photo takes (a 1024 px JPEG decoded, grayscale, a
//! ring, the badge, a PNG encoded), and a burst of 200 connected members switching to a
//! workspace preset through `serve`, against Slack's tier floor for `users.setPhoto` (20 a
//! minute; the Slack stand-in answering in 50 ms with the tiers enforced), with serve's
//! memory as the made photos pile up.
//!
//! Run with `cargo bench --bench workspace` (about eleven minutes: the tier floor of 200
//! photos is nine); `STATUSINATOR_BENCH_MEMBERS=40` makes the burst smaller.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use statusinator::presets::EmojiKey;
use statusinator::workspace::{art, photo, Colour, PhotoRule, Style};
use support::serve::{echo_changes, user_change, Serve};
use support::{images, World};

const LATENCY: Duration = Duration::from_millis(50);

fn members() -> usize {
    std::env::var("STATUSINATOR_BENCH_MEMBERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200)
}

/// The fewest seconds `calls` calls of a method can take under a tier of `per_minute` calls in
/// any minute: a minute's budget at once, then a minute for each budget more.
fn tier_floor(calls: usize, per_minute: usize) -> f64 {
    (calls.saturating_sub(1) / per_minute) as f64 * 60.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn one_photo() {
    let jpeg = images::jpeg(1024, 1024, 7);
    let rule = PhotoRule {
        badge: None,
        style: Style::Grayscale,
        ring: Some(Colour([0xd3, 0x3c, 0x3c])),
    };
    let badge = art::standard(&EmojiKey::parse(":palm_tree:").unwrap()).unwrap();
    for _ in 0..3 {
        photo::make(photo::Base::Photo(&jpeg), &rule, Some(&badge)).unwrap();
    }
    let mut times = Vec::new();
    for _ in 0..40 {
        let started = Instant::now();
        let png = photo::make(photo::Base::Photo(&jpeg), &rule, Some(&badge)).unwrap();
        times.push(started.elapsed().as_secs_f64() * 1e3);
        assert!(png.len() > 1000);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "one photo (1024 px JPEG → grayscale, ring, badge → 512 px PNG): p50 {:.1} ms, p90 \
         {:.1} ms, max {:.1} ms",
        percentile(&times, 0.5),
        percentile(&times, 0.9),
        times.last().unwrap()
    );
}

/// serve's resident memory (kB), from /proc.
fn rss_kb(serve: &Serve) -> u64 {
    let pid = serve.child.as_ref().unwrap().id();
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn burst(count: usize) {
    let mut world = World::local();
    let ids: Vec<String> = (0..count).map(|i| format!("U{i:08X}")).collect();
    for (i, id) in ids.iter().enumerate() {
        world.member(id, &format!("Member {i}"));
        world
            .slack
            .set_photo_by_hand(id, images::jpeg(1024, 1024, i as u8));
    }
    world.onboard(json!({"workspace": {
        ":palm_tree:": {"name": "{name} (on vacation)", "photo": {"style": "grayscale", "ring": "#2eb67d"}}
    }}));
    let serve = Serve::start(
        &world,
        &["--queue-capacity", "1000"],
        &[("RUST_LOG", "warn")],
    );
    echo_changes(&world, &serve.url);
    world.slack.set_latency(LATENCY);
    world.slack.enforce_tiers(Duration::from_secs(60));
    world.slack.clear_calls();
    let floor = tier_floor(count, 20);
    println!(
        "burst: {count} members switch to a workspace preset through serve (each photo made \
         from theirs), Slack at {} ms with its tiers enforced; tier floor {floor:.0} s \
         (users.setPhoto, 20 a minute)",
        LATENCY.as_millis()
    );
    let before = rss_kb(&serve);
    let started = Instant::now();
    for id in &ids {
        world.slack.set_status(id, ":palm_tree:");
        let body = user_change(&world.slack.member(id), &support::serve::event_id());
        assert_eq!(serve.post_signed(&body, &[]).status, 200);
    }
    let deadline = Instant::now() + Duration::from_secs(floor as u64 + 600);
    let mut next_mark = count / 4;
    let mut marks = Vec::new();
    loop {
        let done = world
            .slack
            .calls()
            .iter()
            .filter(|c| c.method == "users.setPhoto" && c.status == 200)
            .count();
        if done >= next_mark && next_mark > 0 {
            marks.push((done, rss_kb(&serve)));
            next_mark += count / 4;
        }
        if done >= count {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {done} of {count} photos landed"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let took = started.elapsed().as_secs_f64();
    let limited = world
        .slack
        .calls()
        .iter()
        .filter(|c| c.status == 429)
        .count();
    println!(
        "  {count} photos in {took:.1} s: {:.3}× the floor; {limited} answers 429",
        took / floor.max(1.0)
    );
    println!(
        "  serve's memory: {} MB before; {}",
        before / 1024,
        marks
            .iter()
            .map(|(done, kb)| format!("{} MB after {done} made photos", kb / 1024))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

fn main() {
    one_photo();
    burst(members());
}
