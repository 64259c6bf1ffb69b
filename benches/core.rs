//! Core benchmarks: the cold start of `serve` on a large `users.json`, the preset look-up, and
//! the per-event cost of the signature check and envelope parsing.
//!
//! Run with `cargo bench --bench core` (500,000 members × 4 presets; `STATUSINATOR_BENCH_MEMBERS`
//! sets another number).

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::json;
use statusinator::events::{self, Verifier};
use statusinator::presets::{self, PresetTable, UserId};
use statusinator::secret::SecretString;
use support::serve::{now, sign, user_change, Serve, SECRET};
use support::slack::Member;
use support::World;

fn members() -> usize {
    std::env::var("STATUSINATOR_BENCH_MEMBERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(500_000)
}

/// `users.json` with `members` members × 4 presets, as onboard writes it.
fn big_users_json(members: usize) -> Vec<u8> {
    let mut users = serde_json::Map::new();
    for i in 0..members {
        let id = format!("U{i:08X}");
        users.insert(
            id.clone(),
            json!({
                ":palm_tree:": {"name": format!("Member {i} (on vacation)"), "picture": format!("{id}/1b4e28ba-2fa1-51d2-883f-0016d3cca427.png")},
                ":face_with_thermometer:": {"name": format!("Member {i} (sick)")},
                ":house_with_garden:": {"name": format!("Member {i} (WFH)"), "picture": format!("{id}/6fa459ea-ee8a-5ca4-894e-db77e160355e.jpg")},
                "default": {"name": format!("Member {i}"), "picture": format!("{id}/9c858901-8a57-5791-81fe-4c455b099bc9.png")},
            }),
        );
    }
    let mut bytes =
        serde_json::to_vec_pretty(&json!({"lastUpdatedAt": 1_732_406_400u64, "users": users}))
            .unwrap();
    bytes.push(b'\n');
    bytes
}

/// Time per call of `f`, over enough calls to take about `budget`.
fn per_call(budget: Duration, mut f: impl FnMut()) -> Duration {
    let mut calls = 1u32;
    loop {
        let started = Instant::now();
        for _ in 0..calls {
            f();
        }
        let took = started.elapsed();
        if took >= budget || calls >= 1 << 26 {
            return took / calls;
        }
        calls *= 4;
    }
}

/// A memory figure of a process from /proc (`VmHWM` peak, `VmRSS` now), in KiB.
fn memory_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn main() {
    let members = members();
    let bytes = big_users_json(members);
    println!(
        "users.json: {members} members × 4 presets, {:.1} MB",
        bytes.len() as f64 / 1e6
    );

    // Parsing it, in process, into the table serve keeps.
    let started = Instant::now();
    let table = PresetTable::from_json(&bytes, "users.json").unwrap();
    println!(
        "parse         {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );

    // Look-ups in the loaded table: whether a member is onboarded (every event asks), then their
    // presets and the one for a status (every apply asks).
    let ids: Vec<UserId> = (0..1024)
        .map(|i| UserId::parse(&format!("U{:08X}", i * 97 % members)).unwrap())
        .collect();
    let mut k = 0;
    let contains = per_call(Duration::from_millis(300), || {
        k = (k + 1) % ids.len();
        assert!(black_box(&table).contains(&ids[k]));
    });
    let mut lookup = |status: &'static str| {
        per_call(Duration::from_millis(300), || {
            k = (k + 1) % ids.len();
            let member = black_box(&table).get(&ids[k]).unwrap();
            black_box(
                presets::resolve_status(&member, black_box(status)).map(|r| r.preset.clone()),
            );
        })
    };
    let plain = lookup(":palm_tree:");
    let toned = lookup(":palm_tree::skin-tone-3:");
    println!(
        "look-up       {:.0} ns whether a member is onboarded; {:.0} ns for their preset for \
         :palm_tree:, {:.0} ns with a skin tone to fall back from",
        contains.as_nanos(),
        plain.as_nanos(),
        toned.as_nanos()
    );

    // Per event: the signature check and the envelope.
    let verifier = Verifier::new(&SecretString::new(SECRET));
    let member = Member {
        id: "U0ANA0001".into(),
        profile: json!({"display_name": "Ana", "real_name": "Ana", "status_emoji": ":palm_tree:",
            "status_text": "away", "image_512": "https://avatars.example/ana_512.png",
            "image_192": "https://avatars.example/ana_192.png", "avatar_hash": "g0123456789"}),
        photo: None,
        is_bot: false,
        deleted: false,
        team: support::slack::STANDIN_TEAM.into(),
    };
    let body = user_change(&member, "Ev0BENCH00001");
    let ts = now().to_string();
    let signature = sign(SECRET, &ts, &body);
    let verify = per_call(Duration::from_millis(300), || {
        verifier
            .verify(Some(&ts), Some(&signature), black_box(&body), now())
            .unwrap();
    });
    let parse = per_call(Duration::from_millis(300), || {
        black_box(events::parse(black_box(&body)).unwrap());
    });
    println!(
        "per event     signature {:.2} µs, envelope {:.2} µs ({} byte body)",
        verify.as_nanos() as f64 / 1e3,
        parse.as_nanos() as f64 / 1e3,
        body.len()
    );

    drop(table);

    // Cold start of the release binary on that store: until it answers (a signed event and
    // /healthz), then until its presets are in.
    let mut world = World::local();
    world.member("U0BENCH01", "Bench");
    world.scene.put("users.json", &bytes);
    drop(bytes);
    let mut ready = Duration::MAX;
    let mut loaded = Duration::MAX;
    let mut rss = 0;
    let mut resident = 0;
    for _ in 0..3 {
        let started = Instant::now();
        let serve = Serve::start_unwaited(&world, &[], &[("RUST_LOG", "warn")]);
        let reply = serve.post_signed(&user_change(&member, "Ev0BENCH00002"), &[]);
        assert_eq!(reply.status, 200);
        assert_eq!(serve.get("/healthz").status, 200);
        ready = ready.min(started.elapsed());
        while serve.health()["presets"] != "loaded" {
            std::thread::sleep(Duration::from_millis(5));
        }
        loaded = loaded.min(started.elapsed());
        assert_eq!(serve.health()["members"], members);
        let pid = serve.child.as_ref().unwrap().id();
        rss = rss.max(memory_kib(pid, "VmHWM:"));
        resident = resident.max(memory_kib(pid, "VmRSS:"));
    }
    println!(
        "cold start    {:.0} ms to answer a signed event and /healthz, {:.0} ms until every \
         preset is in (best of 3); peak memory {:.0} MB, {:.0} MB resident once loaded",
        ready.as_secs_f64() * 1e3,
        loaded.as_secs_f64() * 1e3,
        rss as f64 / 1024.0,
        resident as f64 / 1024.0
    );
}
