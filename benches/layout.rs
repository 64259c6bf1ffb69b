//! What a status change costs the store, by the size of the workspace: 100 status changes
//! through `serve` (name and photo; the Slack stand-in answering in 50 ms with Slack's tier
//! limits enforced) in workspaces of 1,000, 100,000 and 500,000 onboarded members, each of
//! whom already has state in the store. S3 is moto, behind a proxy that counts every request
//! and the bytes sent in it.
//!
//! Run with `scripts/with-test-servers.sh cargo bench --bench layout` (it needs moto);
//! `STATUSINATOR_BENCH_SIZES=1000,100000` picks other sizes.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::json;
use statusinator::presets::UserId;
use statusinator::store::{Store, StoreUrl};
use support::proxy::Proxy;
use support::serve::{echo_changes, user_change, Serve};
use support::worlds::bench_id as id;
use support::{images, Backend, Scene, World};

/// Status changes per workspace, one per member (`STATUSINATOR_BENCH_CHANGES` sets another).
fn changes() -> usize {
    std::env::var("STATUSINATOR_BENCH_CHANGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100)
}
const LATENCY: Duration = Duration::from_millis(50);

/// The fewest seconds `calls` calls of a method can take under a tier of `per_minute` calls in
/// any minute: a minute's budget at once, then a minute for each budget more.
fn tier_floor(calls: usize, per_minute: usize) -> f64 {
    (calls.saturating_sub(1) / per_minute) as f64 * 60.0
}

/// A store opened the way the binary opens it, for setting up a large scene fast.
fn open(scene: &Scene) -> Box<dyn Store> {
    let Backend::S3 { endpoint, .. } = &scene.backend else {
        unreachable!("an S3 scene")
    };
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    std::env::set_var("AWS_REGION", "us-east-1");
    std::env::set_var("AWS_ENDPOINT_URL", endpoint);
    StoreUrl::parse(&scene.store_url())
        .unwrap()
        .open_unchecked()
        .unwrap()
}

fn workspace(size: usize, changes: usize) -> (World, Box<dyn Store>) {
    let mut world = World::new(Scene::s3());
    let store = open(&world.scene);
    let started = Instant::now();
    // users.json: everyone with four presets, as onboard writes them; the members who change
    // have real pictures.
    let bytes = support::worlds::four_presets_each(size, support::worlds::bench_id);
    store.put("users.json", &bytes, "application/json").unwrap();
    let users_mb = bytes.len() as f64 / 1e6;
    drop(bytes);
    let beach = images::png(512, 512, 1);
    for i in 0..changes {
        let id = id(i * (size / changes));
        world.member(&id, &format!("Member {i}"));
        store
            .put(
                &format!("{id}/1b4e28ba-2fa1-51d2-883f-0016d3cca427.png"),
                &beach,
                "image/png",
            )
            .unwrap();
    }
    // Everyone has state already: what an earlier cycle applied (the default preset).
    let everyone: Vec<usize> = (0..size).collect();
    statusinator::parallel::map(&everyone, 32, |i| {
        let user = UserId::parse(&id(*i)).unwrap();
        let state = json!({"applied": {"emoji": "", "preset": "default",
            "name": format!("Member {i}"), "picture": format!("{}/9c858901-8a57-5791-81fe-4c455b099bc9.png", id(*i)),
            "appliedAt": 1_732_406_400u64}});
        store
            .put(
                &statusinator::state::key(&user),
                &serde_json::to_vec(&state).unwrap(),
                "application/json",
            )
            .unwrap();
    });
    println!(
        "  set up: users.json {users_mb:.0} MB, {size} members' state, in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    (world, store)
}

fn main() {
    let changes = changes();
    let floor = tier_floor(changes, 20).max(tier_floor(changes, 50));
    println!(
        "layout: {changes} status changes through serve (name + photo), Slack at {} ms with its \
         tiers enforced; tier floor {floor:.0} s (users.setPhoto, 20 a minute)",
        LATENCY.as_millis()
    );
    for size in support::worlds::bench_sizes() {
        println!("workspace of {size} members");
        let _ = std::io::stdout().flush();
        let (world, _store) = workspace(size, changes);
        let Backend::S3 { endpoint, .. } = &world.scene.backend else {
            unreachable!()
        };
        let proxy = Proxy::start(endpoint.trim_start_matches("http://"));
        let started = Instant::now();
        let serve = Serve::start(
            &world,
            // Room for every change at once: the store is measured here, not the queue.
            &["--reconcile-every", "0", "--queue-capacity", "1000"],
            &[("AWS_ENDPOINT_URL", &proxy.url), ("RUST_LOG", "warn")],
        );
        println!(
            "  serve ready with every preset in: {:.1} s",
            started.elapsed().as_secs_f64()
        );
        // What serve does once at start (the index of everyone's state, built when the store
        // has none) is not a change's cost: wait until it reads no more (the once-a-second
        // check of users.json goes on).
        let reads = || proxy.counts().0.get("GET").map_or(0, |(n, _)| *n);
        let mut last = reads();
        loop {
            std::thread::sleep(Duration::from_secs(2));
            let now = reads();
            if now == last {
                break;
            }
            last = now;
        }
        echo_changes(&world, &serve.url);
        world.slack.set_latency(LATENCY);
        world.slack.enforce_tiers(Duration::from_secs(60));
        world.slack.clear_calls();
        proxy.reset_counts();

        let changing: Vec<String> = (0..changes).map(|i| id(i * (size / changes))).collect();
        let started = Instant::now();
        for member in &changing {
            world.slack.set_status(member, ":palm_tree:");
            let body = user_change(&world.slack.member(member), &support::serve::event_id());
            assert_eq!(serve.post_signed(&body, &[]).status, 200);
        }
        let deadline = Instant::now() + Duration::from_secs(900);
        loop {
            let done = changing
                .iter()
                .filter(|m| world.slack.member(m).photo.is_some())
                .count();
            let health = serve.health();
            if done == changes && health["queue"] == 0 && health["wanted"] == 0 {
                break;
            }
            assert!(Instant::now() < deadline, "only {done} of {changes} landed");
            std::thread::sleep(Duration::from_millis(100));
        }
        // The last records follow the last photo.
        std::thread::sleep(Duration::from_secs(2));
        let took = started.elapsed().as_secs_f64();
        let counts = proxy.counts();
        let calls = world.slack.calls();
        let rate_limited = calls.iter().filter(|c| c.status == 429).count();
        println!(
            "  {:.0} bytes and {:.1} requests to the store per change ({}); {took:.1} s, \
             {:.3}× the floor; {rate_limited} answers 429",
            counts.bytes_sent() as f64 / changes as f64,
            counts.requests() as f64 / changes as f64,
            counts
                .0
                .iter()
                .map(|(method, (n, _))| format!("{n} {method}"))
                .collect::<Vec<_>>()
                .join(", "),
            took / floor.max(1.0)
        );
        drop(serve);
    }
}
