//! What a member's save of their presets costs, by the size of the workspace: 1,000, 100,000
//! and 500,000 onboarded members with four presets each, on S3 (moto) behind a proxy that
//! counts every request and the bytes each way.
//!
//! For each size it prints: one save (a member's preset set, as the Home tab's modal saves it)
//! — time, requests and bytes, the mean of 20 saves of different members; the same change the
//! way earlier versions made it (`users.json` rewritten whole); what a replica reads to take one
//! save in (its presets cache checking the store); the fold of the pending saves into
//! `users.json`; and `serve`'s cold start: the time until every preset is in, and its peak
//! memory.
//!
//! Run with `scripts/with-test-servers.sh cargo bench --bench presets` (it needs moto);
//! `STATUSINATOR_BENCH_SIZES=1000,100000` picks other sizes.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use statusinator::presets::pending::{Patch, Save};
use statusinator::presets::{EmojiKey, Preset, UserId};
use statusinator::serve::PresetCache;
use statusinator::store::{self, Store, StoreUrl};
use support::proxy::{Counts, Proxy};
use support::serve::Serve;
use support::worlds::bench_id as id;
use support::{Backend, Scene, World};

const SAVES: usize = 20;

/// The store at `endpoint`, opened the way the binary opens it.
fn open(scene: &Scene, endpoint: &str) -> Arc<dyn Store> {
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    std::env::set_var("AWS_REGION", "us-east-1");
    std::env::set_var("AWS_ENDPOINT_URL", endpoint);
    let store = StoreUrl::parse(&scene.store_url())
        .unwrap()
        .open_unchecked()
        .unwrap();
    Arc::from(store)
}

fn save_of(i: usize, round: usize) -> Save {
    let user = UserId::parse(&id(i)).unwrap();
    let preset = Preset {
        name: Some(format!("Member {i} (out, {round})")),
        picture: None,
    };
    Save::member(
        user,
        Patch::put(EmojiKey::parse(":palm_tree:").unwrap(), preset),
    )
}

fn cost(counts: &Counts, n: usize) -> String {
    format!(
        "{:.1} requests, {:.0} bytes sent, {:.0} bytes read",
        counts.requests() as f64 / n as f64,
        counts.bytes_sent() as f64 / n as f64,
        counts.bytes_received() as f64 / n as f64
    )
}

/// A memory figure of a process from /proc (`VmHWM` peak), in KiB.
fn peak_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    println!("presets: a member's save, by workspace size (S3 on moto, counted by a proxy)");
    for size in support::worlds::bench_sizes() {
        println!("workspace of {size} members × 4 presets");
        let _ = std::io::stdout().flush();
        let mut world = World::new(Scene::s3());
        // serve needs a token for somebody.
        world.member(&id(0), "Member 0");
        let Backend::S3 { endpoint, .. } = &world.scene.backend else {
            unreachable!("an S3 scene")
        };
        let direct = open(&world.scene, endpoint);
        let bytes = support::worlds::four_presets_each(size, support::worlds::bench_id);
        println!("  users.json: {:.1} MB", bytes.len() as f64 / 1e6);
        direct
            .put("users.json", &bytes, "application/json")
            .unwrap();
        drop(bytes);

        let proxy = Proxy::start(endpoint.trim_start_matches("http://"));
        let counted = open(&world.scene, &proxy.url);
        // A replica, its presets in memory.
        let replica = PresetCache::new(counted.clone());
        replica.load().unwrap();

        proxy.reset_counts();
        let started = Instant::now();
        for n in 0..SAVES {
            store::save(counted.as_ref(), &save_of(n * (size / SAVES), 1)).unwrap();
        }
        let took = started.elapsed() / SAVES as u32;
        println!(
            "  one save: {:.1} ms, {}",
            took.as_secs_f64() * 1e3,
            cost(&proxy.counts(), SAVES)
        );

        proxy.reset_counts();
        replica.reload().unwrap();
        println!(
            "  a replica takes {SAVES} saves in: {}",
            cost(&proxy.counts(), 1)
        );
        assert_eq!(
            replica.get(&UserId::parse(&id(0)).unwrap()).unwrap()
                [&EmojiKey::parse(":palm_tree:").unwrap()]
                .name
                .as_deref(),
            Some("Member 0 (out, 1)")
        );

        proxy.reset_counts();
        let started = Instant::now();
        store::update_users(counted.as_ref(), 1_800_000_000, |file| {
            let user = UserId::parse(&id(1)).unwrap();
            let presets = file.users.get_mut(&user).unwrap();
            presets.insert(
                EmojiKey::parse(":ship:").unwrap(),
                Preset {
                    name: Some("away".into()),
                    picture: None,
                },
            );
            Ok(())
        })
        .unwrap();
        println!(
            "  the same change with users.json rewritten whole (as earlier versions saved; the \
             fold of the pending saves with it): {:.0} ms, {}",
            started.elapsed().as_secs_f64() * 1e3,
            cost(&proxy.counts(), 1)
        );
        proxy.reset_counts();
        replica.reload().unwrap();
        println!("  a replica takes that in: {}", cost(&proxy.counts(), 1));

        let started = Instant::now();
        let serve = Serve::start(
            &world,
            &["--reconcile-every", "0"],
            &[
                ("AWS_ENDPOINT_URL", endpoint.as_str()),
                ("RUST_LOG", "warn"),
            ],
        );
        let ready = started.elapsed();
        let pid = serve.child.as_ref().unwrap().id();
        std::thread::sleep(Duration::from_millis(200));
        println!(
            "  serve's cold start: every preset in after {:.2} s; peak memory {:.0} MB",
            ready.as_secs_f64(),
            peak_kib(pid) as f64 / 1024.0
        );
        drop(serve);
    }
}
