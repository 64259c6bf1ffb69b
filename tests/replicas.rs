//! Two `serve` replicas on one S3 store, as behind one load balancer: Slack delivers each event
//! to one of them (a redelivery perhaps to the other), and the echo of every profile write may
//! reach either. Every change is applied, and none twice.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};
use support::serve::{echo_changes_to, event_id, user_change, Serve};
use support::{images, wait_until, Scene, World};

const MEMBERS: u8 = 6;

fn id(i: u8) -> String {
    format!("U0REP000{i}")
}

/// Members with a name-and-photo vacation preset, a name-only sick preset and a default.
fn world() -> World {
    let mut world = World::new(Scene::s3());
    let mut presets = serde_json::Map::new();
    for i in 0..MEMBERS {
        let (away, home) = (format!("away{i}.png"), format!("home{i}.png"));
        world.scene.write(&away, images::png(512, 512, i));
        world.scene.write(&home, images::png(600, 600, 100 + i));
        world.member(&id(i), &format!("Member {i}"));
        presets.insert(
            id(i),
            json!({
                ":palm_tree:": {"name": format!("Member {i} (away)"), "picture": away},
                ":face_with_thermometer:": {"name": format!("Member {i} (sick)")},
                "default": {"name": format!("Member {i}"), "picture": home},
            }),
        );
    }
    world.onboard(Value::Object(presets));
    world
}

#[test]
fn two_replicas_on_one_s3_store_apply_every_change_once() {
    let world = world();
    let a = Serve::start(&world, &[], &[]);
    let b = Serve::start(&world, &[], &[]);
    let replicas = [&a, &b];
    echo_changes_to(&world, &[&a.url, &b.url]);
    assert_ne!(a.health()["instance"], b.health()["instance"]);

    // Every member changes at once, three times: away, back (status cleared), sick.
    let rounds = [
        (":palm_tree:", " (away)", Some(0u8)),
        ("", "", Some(100)),
        (":face_with_thermometer:", " (sick)", None),
    ];
    for (round, (emoji, suffix, _)) in rounds.iter().enumerate() {
        for i in 0..MEMBERS {
            world.slack.set_status(&id(i), emoji);
            let body = user_change(&world.slack.member(&id(i)), &event_id());
            let first = replicas[(usize::from(i) + round) % 2];
            assert_eq!(first.post_signed(&body, &[]).status, 200);
            if i % 2 == 0 {
                // Slack redelivers (the first answer was slow), to the other replica.
                let other = replicas[(usize::from(i) + round + 1) % 2];
                let retry = [
                    ("X-Slack-Retry-Num", "1"),
                    ("X-Slack-Retry-Reason", "http_timeout"),
                ];
                assert_eq!(other.post_signed(&body, &retry).status, 200);
            }
        }
        wait_until(
            &format!("round {round} lands"),
            Duration::from_secs(60),
            || {
                let applied = world.applied();
                (0..MEMBERS).all(|i| {
                    world.slack.member(&id(i)).profile["display_name"]
                        == format!("Member {i}{suffix}")
                        && applied["users"][id(i)]["emoji"] == *emoji
                }) && applied.get("claims").is_none()
            },
        );
    }
    // Whatever either replica still had to look at again is done.
    wait_until("both replicas are idle", Duration::from_secs(30), || {
        replicas.iter().all(|r| {
            let health = r.health();
            health["queue"] == 0 && health["retrying"] == 0
        })
    });

    let mut writes: BTreeMap<(String, String), usize> = BTreeMap::new();
    for call in world.slack.calls() {
        if call.method == "users.profile.set" || call.method == "users.setPhoto" {
            assert_eq!(call.status, 200, "{call:?}");
            *writes
                .entry((call.token_owner.clone().unwrap(), call.method.clone()))
                .or_default() += 1;
        }
    }
    for i in 0..MEMBERS {
        assert_eq!(
            writes.get(&(id(i), "users.profile.set".into())),
            Some(&3),
            "{}: one name per change\n{writes:?}",
            id(i)
        );
        assert_eq!(
            writes.get(&(id(i), "users.setPhoto".into())),
            Some(&2),
            "{}: one photo for away, one for back; sick keeps it\n{writes:?}",
            id(i)
        );
        let member = world.slack.member(&id(i));
        assert_eq!(member.photo.unwrap(), images::png(600, 600, 100 + i));
    }
    let applies = |s: &Serve, outcome: &str| {
        s.metric(&format!(
            "statusinator_applies_total{{outcome=\"{outcome}\"}}"
        ))
    };
    assert_eq!(
        applies(&a, "applied") + applies(&b, "applied"),
        f64::from(MEMBERS) * 3.0,
        "each change applied by exactly one replica"
    );
    assert_eq!(applies(&a, "failed") + applies(&b, "failed"), 0.0);
}

/// A serve killed while it writes a member: its claim is renewed while it lives, so it frees
/// the member at most `lease::HOLD` (20) seconds after the kill, and `apply` then writes them.
#[test]
fn a_killed_processs_claim_frees_its_member_within_30_s() {
    let mut world = World::local();
    world.member("U0ANA0001", "Ana");
    world.scene.write("beach.png", images::png(512, 512, 1));
    world.onboard(json!({"U0ANA0001": {
        ":palm_tree:": {"name": "Ana (away)", "picture": "beach.png"}
    }}));
    let serve = Serve::start(&world, &[], &[]);
    // Slack hangs on to every call: the worker holds the claim while it waits.
    world.slack.set_latency(Duration::from_secs(25));
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    let body = user_change(&world.slack.member("U0ANA0001"), &event_id());
    assert_eq!(serve.post_signed(&body, &[]).status, 200);
    wait_until("serve claims Ana", Duration::from_secs(20), || {
        world.applied()["claims"]["U0ANA0001"].is_object()
    });
    // Held past its first renewal: a living holder keeps it.
    let until = || world.applied()["claims"]["U0ANA0001"]["until"].as_u64();
    let first = until().unwrap();
    wait_until("serve renews its claim", Duration::from_secs(30), || {
        until().is_some_and(|now| now > first)
    });
    drop(serve); // SIGKILL: nothing is released
    let killed_at = support::serve::now();
    let until = world.applied()["claims"]["U0ANA0001"]["until"]
        .as_u64()
        .unwrap();
    assert!(
        until <= killed_at + statusinator::lease::HOLD,
        "the claim lasts until {until}, {} s after the kill",
        until.saturating_sub(killed_at)
    );
    const { assert!(statusinator::lease::HOLD < 30) };

    // apply waits for the dead claim to lapse, then writes Ana.
    world.slack.set_latency(Duration::ZERO);
    let out = world.run(&["apply", "U0ANA0001", ":palm_tree:"]);
    assert!(out.status.success(), "{}", support::show(&out));
    assert!(support::stderr(&out).contains("waiting for it"));
    assert_eq!(world.slack.display_name("U0ANA0001"), "Ana (away)");
}

/// With Redis, a change made through one replica reaches the others within a second, without
/// their reading the store (they then check it only every 30 s): members onboarded from the
/// command line, and a pause asked on one replica, answered from memory on the other.
#[test]
fn a_change_on_one_replica_reaches_the_others_through_redis() {
    let mut world = World::local();
    world.member("U0ANA0001", "Ana");
    world.member("U0BEN0002", "Ben");
    world.onboard(json!({"U0ANA0001": {":palm_tree:": {"name": "Ana (away)"}}}));
    let bot = world.slack.add_bot();
    let redis = support::redis::redis_url();
    let args = ["--redis-url", redis.as_str()];
    let env = [("SLACK_BOT_TOKEN", bot.as_str())];
    let (a, b) = (
        Serve::start(&world, &args, &env),
        Serve::start(&world, &args, &env),
    );
    for replica in [&a, &b] {
        wait_until("notices are heard", Duration::from_secs(30), || {
            replica.health()["redis"]["notices"] == true
        });
        assert_eq!(replica.health()["members"], 1);
    }

    // Ben onboarded from the command line: both replicas know him long before their next
    // look at the store.
    let file = world.scene.write(
        "ben.json",
        json!({"U0BEN0002": {":palm_tree:": {"name": "Ben (away)"}}}).to_string(),
    );
    let out = world.run(&["onboard", file.to_str().unwrap(), "--redis-url", &redis]);
    assert!(out.status.success(), "{}", support::show(&out));
    for replica in [&a, &b] {
        wait_until("Ben is known", Duration::from_secs(10), || {
            replica.health()["members"] == 2
        });
    }

    // Ana pauses on one replica; the other answers that she is paused, from memory.
    let paused = a.slash("U0ANA0001", "pause");
    assert_eq!(paused.status, 200, "{}", paused.body);
    wait_until(
        "the other replica knows the pause",
        Duration::from_secs(10),
        || b.slash("U0ANA0001", "list").body.contains("You are paused"),
    );
}
