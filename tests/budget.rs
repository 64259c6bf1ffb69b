//! Slack's budget is one per workspace and method, whoever calls: every process of a deployment
//! takes its turns from one limiter in a real Redis, a 429 seen by one pauses all, and Redis
//! failing leaves each process pacing alone at its share, with nothing lost or written twice.

mod support;

use std::collections::BTreeMap;
use std::process::Child;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use statusinator::shared::limiter::{Tier, Turn};
use statusinator::shared::{Link, RedisSettings, Shared};
use statusinator::slack::{Method, Pacer};
use support::redis::{redis_url, RedisServer};
use support::serve::{echo_changes_to, event_id, user_change, Serve};
use support::slack::Fault;
use support::{images, wait_until, Scene, World};

/// A namespace of this test's own on a shared Redis.
fn fresh_store() -> String {
    format!("test://{}", uuid::Uuid::new_v4())
}

fn link(url: &str, store: &str) -> Link {
    Link::new(&RedisSettings::parse(url, None).unwrap(), store).unwrap()
}

#[test]
fn processes_take_turns_from_one_limiter() {
    let url = redis_url();
    let store = fresh_store();
    let (a, b) = (link(&url, &store), link(&url, &store));
    let two_a_minute = Tier {
        calls: 2,
        window: Duration::from_secs(60),
    };

    // Two calls in any minute, whichever process makes them.
    assert_eq!(
        a.take("T1:users.setPhoto", two_a_minute, "a1"),
        Some(Turn::Now)
    );
    assert_eq!(
        b.take("T1:users.setPhoto", two_a_minute, "b1"),
        Some(Turn::Now)
    );
    match a.take("T1:users.setPhoto", two_a_minute, "a2") {
        Some(Turn::Wait(wait)) => assert!(wait > Duration::from_secs(30), "{wait:?}"),
        other => panic!("the third call in the minute must wait: {other:?}"),
    }
    // A peek takes nothing; other workspaces and methods have their own lanes.
    assert_eq!(b.peek("T2:users.setPhoto", two_a_minute), Some(Turn::Now));
    assert_eq!(
        b.take("T2:users.setPhoto", two_a_minute, "b2"),
        Some(Turn::Now)
    );
    assert_eq!(
        b.take("T1:users.profile.set", two_a_minute, "b3"),
        Some(Turn::Now)
    );
    // Another deployment (store) never meets these lanes.
    let other = link(&url, &fresh_store());
    assert_eq!(
        other.take("T1:users.setPhoto", two_a_minute, "o1"),
        Some(Turn::Now)
    );

    // A call counts from its answer: the window frees a minute after it, not after the turn.
    let short = Tier {
        calls: 1,
        window: Duration::from_secs(2),
    };
    assert_eq!(a.take("T4:users.info", short, "a3"), Some(Turn::Now));
    std::thread::sleep(Duration::from_millis(1500)); // the call is under way
    a.done("T4:users.info", short, "a3").unwrap();
    match b.take("T4:users.info", short, "b4") {
        Some(Turn::Wait(wait)) => assert!(wait > Duration::from_secs(1), "{wait:?}"),
        other => panic!("counted from its answer: {other:?}"),
    }

    // Slack's Retry-After, seen by one, holds the other.
    a.pause("T1:users.info", Duration::from_secs(30)).unwrap();
    match b.take("T1:users.info", two_a_minute, "b5") {
        Some(Turn::Wait(wait)) => assert!(wait > Duration::from_secs(15), "{wait:?}"),
        other => panic!("paused: {other:?}"),
    }
    // Calls made without the limiter are owed: two of them, just now.
    let ages = [Duration::ZERO, Duration::from_secs(1)];
    a.owe("T3:emoji.list", two_a_minute, "a-owed", &ages)
        .unwrap();
    match b.take("T3:emoji.list", two_a_minute, "b6") {
        Some(Turn::Wait(wait)) => assert!(wait > Duration::from_secs(30), "{wait:?}"),
        other => panic!("owed: {other:?}"),
    }
    assert_eq!(a.load_script().map(|sha| sha.len()), Some(40));
}

#[test]
fn without_redis_a_process_paces_alone_at_its_share_then_rejoins() {
    let mut server = RedisServer::start();
    let store = fresh_store();
    let shared = |link: Link| Shared {
        link: Some(std::sync::Arc::new(link)),
        replicas: 4,
    };
    let pacer = Pacer::new(shared(link(&server.url(), &store)));
    server.stop();

    // Redis is gone: a quarter of users.setPhoto's 20 a minute, then a wait.
    for _ in 0..5 {
        let turn = pacer.acquire("T1", Method::SetPhoto);
        pacer.finished("T1", Method::SetPhoto, turn);
    }
    assert!(!pacer.link().unwrap().is_up());
    assert!(
        pacer.wait_for("T1", Method::SetPhoto) > Duration::from_secs(50),
        "alone, the sixth call waits for the minute"
    );
    let health = pacer.link().unwrap().health();
    assert!(!health.up && health.outages == 1, "{health:?}");

    // Redis is back (empty): the five calls are owed before anyone's next turn.
    server.start_again();
    let other = link(&server.url(), &store);
    wait_until("the pacer rejoins Redis", Duration::from_secs(30), || {
        pacer.wait_for("T1", Method::SetPhoto);
        pacer.link().unwrap().is_up()
    });
    // Another process may make 15 more calls this minute, not 20: the five made alone count.
    let tier = Tier {
        calls: Method::SetPhoto.per_minute(),
        window: Duration::from_secs(60),
    };
    for i in 0..15 {
        let turn = other.take("T1:users.setPhoto", tier, &format!("other{i}"));
        assert_eq!(turn, Some(Turn::Now), "call {i}");
    }
    match other.take("T1:users.setPhoto", tier, "other15") {
        Some(Turn::Wait(wait)) => assert!(wait > Duration::from_secs(30), "{wait:?}"),
        turn => panic!("the calls made alone are owed: {turn:?}"),
    }
}

const MEMBERS: usize = 60;

fn id(i: usize) -> String {
    format!("U0BUD{i:04}")
}

/// Sixty members with a name-and-photo vacation preset each.
fn world() -> World {
    let mut world = World::new(Scene::local());
    let mut presets = serde_json::Map::new();
    for i in 0..MEMBERS {
        let away = format!("away{i}.png");
        world.scene.write(&away, images::png(512, 512, i as u8));
        world.member(&id(i), &format!("Member {i}"));
        presets.insert(
            id(i),
            json!({":palm_tree:": {"name": format!("Member {i} (away)"), "picture": away}}),
        );
    }
    world.onboard(Value::Object(presets));
    world.slack.enforce_tiers(Duration::from_secs(60));
    world
}

/// Every member's status changes at once: their events spread over the replicas, and a poll
/// runs beside them. Returns the poll.
fn everyone_goes_away(world: &World, replicas: &[&Serve], redis: &str) -> Child {
    for i in 0..MEMBERS {
        world.slack.set_status(&id(i), ":palm_tree:");
    }
    let log = std::fs::File::create(world.scene.path("poll.log")).unwrap();
    let poll = world
        .command()
        .args(["poll", "--redis-url", redis, "--replicas", "4"])
        .env("RUST_LOG", "statusinator=debug")
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    for i in 0..MEMBERS {
        let body = user_change(&world.slack.member(&id(i)), &event_id());
        assert_eq!(
            replicas[i % replicas.len()].post_signed(&body, &[]).status,
            200
        );
    }
    poll
}

/// Whether every member shows their preset. Looked at without copying anyone's photo, so the
/// stand-in stays free to answer while a test waits.
fn converged(world: &World, photos: &[Vec<u8>]) -> bool {
    (0..MEMBERS).all(|i| {
        world.slack.with_member(&id(i), |member| {
            member.profile["display_name"] == format!("Member {i} (away)")
                && member.photo.as_deref() == Some(&photos[i][..])
        })
    })
}

/// Each member's preset photo, as the stand-in should end up showing it.
fn preset_photos() -> Vec<Vec<u8>> {
    (0..MEMBERS)
        .map(|i| images::png(512, 512, i as u8))
        .collect()
}

/// Each member got one name and one photo: nothing lost, nothing written twice. What the
/// replicas and the poll logged of a member written twice is shown.
fn assert_each_written_once(world: &World, replicas: Vec<Serve>) {
    let mut writes: BTreeMap<(String, String), usize> = BTreeMap::new();
    for call in world.slack.calls() {
        if (call.method == "users.profile.set" || call.method == "users.setPhoto")
            && call.status == 200
        {
            *writes
                .entry((call.token_owner.clone().unwrap(), call.method.clone()))
                .or_default() += 1;
        }
    }
    let mut wrong = Vec::new();
    for i in 0..MEMBERS {
        for method in ["users.profile.set", "users.setPhoto"] {
            let n = writes
                .get(&(id(i), method.to_owned()))
                .copied()
                .unwrap_or(0);
            if n != 1 {
                wrong.push(format!("{} {method} ×{n}", id(i)));
            }
        }
    }
    if wrong.is_empty() {
        return;
    }
    let member = wrong[0].split(' ').next().unwrap().to_owned();
    let mut story = String::new();
    let poll = std::fs::read_to_string(world.scene.path("poll.log")).unwrap_or_default();
    let logs = replicas
        .into_iter()
        .enumerate()
        .map(|(i, r)| (format!("replica {i}"), r.logs()))
        .chain([("poll".to_owned(), poll)]);
    for (who, log) in logs {
        // The member's own lines, and the Slack client's retries (which name no member).
        for line in log
            .lines()
            .filter(|l| l.contains(&member) || l.contains("trying again"))
        {
            story.push_str(&format!("{who}: {line}\n"));
        }
    }
    panic!("not written exactly once: {wrong:?}\n{story}");
}

fn finish(mut poll: Child) {
    let status = support::wait_for("poll finishes", Duration::from_secs(300), || {
        poll.try_wait().unwrap()
    });
    assert!(status.success(), "poll: {status}");
}

fn replicas(world: &World, redis: &str) -> Vec<Serve> {
    // Room in each queue for the whole burst (past it, Slack would be asked to send again).
    let args = [
        "--redis-url",
        redis,
        "--replicas",
        "4",
        "--queue-capacity",
        "64",
    ];
    let replicas: Vec<Serve> = (0..3).map(|_| Serve::start(world, &args, &[])).collect();
    let urls: Vec<&str> = replicas.iter().map(|s| s.url.as_str()).collect();
    echo_changes_to(world, &urls);
    replicas
}

/// Three replicas and a poll, 60 members at once, Slack's tiers enforced: no 429, and done
/// within 1.1× the time users.setPhoto's tier needs for 60 photos (20 in any minute: 2 minutes).
#[test]
fn three_replicas_and_a_poll_share_one_budget() {
    let world = world();
    let redis = redis_url();
    let replicas = replicas(&world, &redis);
    let refs: Vec<&Serve> = replicas.iter().collect();

    let presets = preset_photos();
    let started = Instant::now();
    let poll = everyone_goes_away(&world, &refs, &redis);
    wait_until(
        "every member's preset is on",
        Duration::from_secs(400),
        || converged(&world, &presets),
    );
    let took = started.elapsed();
    finish(poll);

    // users.setPhoto's tier: 20 in any minute, so 60 photos need two minutes at the least.
    let tier = Method::SetPhoto.per_minute();
    let floor = Duration::from_secs(60) * (MEMBERS as u32 - tier) / tier;
    println!(
        "60 members, 3 replicas and a poll: {:.1} s (users.setPhoto's floor {} s)",
        took.as_secs_f64(),
        floor.as_secs()
    );
    assert!(took <= floor.mul_f64(1.1), "{took:?} against {floor:?}");
    let limited: Vec<_> = world
        .slack
        .calls()
        .into_iter()
        .filter(|c| c.status == 429)
        .map(|c| c.method)
        .collect();
    assert!(limited.is_empty(), "Slack answered 429 to {limited:?}");
    assert_each_written_once(&world, replicas);
}

/// Redis stops half-way and starts again, empty: the processes go on alone at their share,
/// rejoin, and every member gets their preset exactly once.
#[test]
fn redis_stopping_half_way_loses_and_doubles_nothing() {
    let world = world();
    let mut redis = RedisServer::start();
    let replicas = replicas(&world, &redis.url());
    let refs: Vec<&Serve> = replicas.iter().collect();
    let photos = || world.slack.count("users.setPhoto", 200);

    let poll = everyone_goes_away(&world, &refs, &redis.url());
    wait_until("a third of the photos", Duration::from_secs(200), || {
        photos() >= MEMBERS / 3
    });
    redis.stop();
    wait_until("every replica paces alone", Duration::from_secs(60), || {
        replicas.iter().all(|r| r.health()["redis"]["up"] == false)
    });
    let alone = photos();
    wait_until(
        "photos go on without Redis",
        Duration::from_secs(200),
        || photos() >= alone + 5,
    );
    redis.start_again();
    wait_until(
        "every replica is back on Redis",
        Duration::from_secs(60),
        || replicas.iter().all(|r| r.health()["redis"]["up"] == true),
    );
    let presets = preset_photos();
    wait_until(
        "every member's preset is on",
        Duration::from_secs(600),
        || converged(&world, &presets),
    );
    finish(poll);
    for replica in &replicas {
        assert!(replica.metric("statusinator_redis_outages_total") >= 1.0);
        assert_eq!(replica.metric("statusinator_redis_up"), 1.0);
    }
    assert_each_written_once(&world, replicas);
}

/// A 429 with Retry-After answered to one replica holds the other's calls of that method.
#[test]
fn a_429_seen_by_one_replica_stops_the_others() {
    let world = world();
    let redis = redis_url();
    let args = ["--redis-url", redis.as_str()];
    let (a, b) = (
        Serve::start(&world, &args, &[]),
        Serve::start(&world, &args, &[]),
    );
    world
        .slack
        .inject("users.setPhoto", [Fault::Http429(Some(5))]);

    world.slack.set_status(&id(0), ":palm_tree:");
    let body = user_change(&world.slack.member(&id(0)), &event_id());
    assert_eq!(a.post_signed(&body, &[]).status, 200);
    let limited = support::wait_for("the 429", Duration::from_secs(60), || {
        world
            .slack
            .calls()
            .into_iter()
            .find(|c| c.method == "users.setPhoto" && c.status == 429)
    });

    world.slack.set_status(&id(1), ":palm_tree:");
    let body = user_change(&world.slack.member(&id(1)), &event_id());
    assert_eq!(b.post_signed(&body, &[]).status, 200);
    let photo_of = |who: &str| {
        let who = who.to_owned();
        support::wait_for(&format!("{who}'s photo"), Duration::from_secs(60), || {
            world.slack.calls().into_iter().find(|c| {
                c.method == "users.setPhoto"
                    && c.status == 200
                    && c.token_owner.as_deref() == Some(who.as_str())
            })
        })
    };
    let (ben, ana) = (photo_of(&id(1)), photo_of(&id(0)));
    for photo in [&ben, &ana] {
        assert!(
            photo.at.duration_since(limited.at) >= Duration::from_secs(5),
            "{:?} after the 429",
            photo.at.duration_since(limited.at)
        );
    }
    // Names are another method's budget: never held.
    let names = world
        .slack
        .calls()
        .into_iter()
        .filter(|c| c.method == "users.profile.set" && c.status == 200)
        .count();
    assert_eq!(names, 2);
}
