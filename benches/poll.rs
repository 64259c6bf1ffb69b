//! The poll benchmark: one cycle over 1,000 onboarded members in a 5,000-member workspace whose
//! every call takes 50 ms, with the Slack stand-in enforcing Slack's tier limits, and 20 members
//! whose status changed since the last cycle.
//!
//! Prints the read calls, the writes, the wall time of the cycle and the floor that Slack's tiers
//! set for those calls. Run with `cargo bench --bench poll`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{images, show, World};

const WORKSPACE: usize = 5_000;
const ONBOARDED: usize = 1_000;
const CHANGES: usize = 20;
const LATENCY: Duration = Duration::from_millis(50);

/// Slack's per-minute tiers of the methods a cycle calls (slack-platform.md §6).
fn per_minute(method: &str) -> usize {
    match method {
        "users.list" | "users.setPhoto" => 20,
        "users.profile.set" => 50,
        _ => 100,
    }
}

/// The least time `calls` calls of one method can take: every full tier window waited out, and
/// the calls of the last window made one after another (users.list pages are chained by cursor).
fn floor(method: &str, calls: usize) -> Duration {
    if calls == 0 {
        return Duration::ZERO;
    }
    let tier = per_minute(method);
    let windows = (calls - 1) / tier;
    let in_last = calls - windows * tier;
    Duration::from_secs(60 * windows as u64) + LATENCY * in_last as u32
}

fn main() {
    let mut world = World::local();
    let bot = world.slack.add_bot();
    world.scene.write("beach.png", images::png(512, 512, 7));
    let mut presets = serde_json::Map::new();
    let mut applied = serde_json::Map::new();
    let mut onboarded = Vec::new();
    // The bot is one member of the workspace; the rest are people.
    for i in 1..WORKSPACE {
        let id = format!("U{i:08}");
        let name = format!("Member {i}");
        let token = world.slack.add_member(&id, &name);
        if onboarded.len() < ONBOARDED && i % (WORKSPACE / ONBOARDED) == 0 {
            world.tokens.insert(id.clone(), token);
            presets.insert(
                id.clone(),
                json!({
                    ":palm_tree:": {"name": format!("{name} (away)"), "picture": "beach.png"},
                    "default": {"name": name},
                }),
            );
            // What an earlier cycle recorded: everyone on `default`.
            applied.insert(
                id.clone(),
                json!({"emoji": "", "preset": "default", "name": name, "appliedAt": 1}),
            );
            onboarded.push(id);
        }
    }
    world.write_tokens();
    world.onboard(Value::Object(presets));
    for (id, record) in &applied {
        world.put_member_state(id, json!({ "applied": record }));
    }
    for id in onboarded.iter().step_by(ONBOARDED / CHANGES) {
        world.slack.set_status(id, ":palm_tree:");
    }
    world.slack.set_latency(LATENCY);
    world.slack.enforce_tiers(Duration::from_secs(60));
    world.slack.clear_calls();

    eprintln!(
        "poll: {ONBOARDED} onboarded of {WORKSPACE} members, {CHANGES} changed, {} ms a call, \
         tiers enforced",
        LATENCY.as_millis()
    );
    let started = Instant::now();
    let out = world
        .command()
        .env("SLACK_BOT_TOKEN", &bot)
        .args(["poll", "--json"])
        .output()
        .unwrap();
    let wall = started.elapsed();
    assert!(out.status.success(), "{}", show(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();

    let calls = world.slack.calls();
    let mut by_method: std::collections::BTreeMap<&str, usize> = Default::default();
    for call in &calls {
        *by_method.entry(call.method.as_str()).or_default() += 1;
    }
    let limited = calls.iter().filter(|c| c.status == 429).count();
    let floor = by_method
        .iter()
        .map(|(m, n)| floor(m, *n))
        .max()
        .unwrap_or_default();
    let least_reads = WORKSPACE.div_ceil(200);
    println!("read plan     {}", report["read"]["plan"]);
    println!(
        "read calls    {} (users.list minimum for {WORKSPACE} members: {least_reads})",
        report["read"]["calls"]
    );
    println!(
        "writes        {} users.profile.set, {} users.setPhoto",
        report["writes"]["users.profile.set"], report["writes"]["users.setPhoto"]
    );
    for (method, n) in &by_method {
        println!("calls         {method}: {n}");
    }
    println!("429 answers   {limited}");
    println!("wall time     {:.2} s", wall.as_secs_f64());
    println!(
        "tier floor    {:.2} s  (wall / floor = {:.3})",
        floor.as_secs_f64(),
        wall.as_secs_f64() / floor.as_secs_f64()
    );
}
