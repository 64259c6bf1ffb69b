//! A company's rollout: members connecting one after another from one address (an office, or
//! a TLS proxy), junk redirects that must stay bounded without the members paying for them, and
//! a flood of Home openings that delays no member's connection and no other member's Home.

mod support;

use std::time::{Duration, Instant};

use support::oauth::{
    connect_as, junk_redirect, new_key, serve_with_oauth, serve_with_oauth_and,
    serve_with_oauth_env, CLIENT_ID, CLIENT_SECRET,
};
use support::{wait_until, World};

/// A workspace of `n` members (`U0ROLL0000`…), none connected yet; the app's OAuth set up.
fn company(n: usize) -> (World, Vec<String>) {
    let world = World::local();
    let ids: Vec<String> = (0..n).map(|i| format!("U0ROLL{i:04}")).collect();
    for (i, id) in ids.iter().enumerate() {
        world.slack.add_member(id, &format!("Member {i}"));
    }
    world.slack.oauth_app(CLIENT_ID, CLIENT_SECRET);
    // The admin onboarded one member's presets; the rest come with the rollout.
    world.onboard(serde_json::json!({&ids[0]: {":palm_tree:": {"name": "Member 0 (away)"}}}));
    (world, ids)
}

fn exchanges(world: &World) -> usize {
    world
        .slack
        .calls()
        .iter()
        .filter(|c| c.method == "oauth.v2.access")
        .count()
}

#[test]
fn members_connecting_one_after_another_from_one_address_all_connect() {
    let (world, ids) = company(30);
    let serve = serve_with_oauth(&world, &new_key());
    // Faster than a thousand an hour: every one of them from this one address.
    for id in &ids {
        let reply = connect_as(&world, &serve, id, &[]);
        assert_eq!(reply.status, 200, "{id}: {}", reply.body);
    }
    assert_eq!(exchanges(&world), 30);
}

#[test]
fn behind_a_trusted_proxy_junk_spends_a_handful_of_exchanges_and_members_none_of_theirs() {
    let (world, ids) = company(3);
    let serve = serve_with_oauth_and(&world, &new_key(), &["--trusted-proxy", "127.0.0.1"]);
    let junk = [("X-Forwarded-For", "198.51.100.9")];
    let refused = (0..40)
        .filter(|_| junk_redirect(&serve, &junk).status == 429)
        .count();
    let spent = exchanges(&world);
    assert!(spent <= 5, "junk spent {spent} exchanges");
    assert_eq!(
        refused,
        40 - spent,
        "the rest were refused before Slack was asked"
    );
    // Members behind the same proxy, from addresses of their own: all connect.
    for (i, id) in ids.iter().enumerate() {
        let address = format!("198.51.100.{}", 20 + i);
        let reply = connect_as(&world, &serve, id, &[("X-Forwarded-For", &address)]);
        assert_eq!(reply.status, 200, "{id}: {}", reply.body);
    }
    // A client that names itself in the header, through the proxy, is the proxy's last word:
    // the junk address still has nothing left.
    let spoofed = [("X-Forwarded-For", "192.0.2.1, 198.51.100.9")];
    assert_eq!(junk_redirect(&serve, &spoofed).status, 429);
}

#[test]
fn a_flood_of_home_openings_delays_no_connection_and_no_other_home() {
    let (world, ids) = company(130);
    let bot = world.slack.add_bot();
    let serve = serve_with_oauth_env(&world, &new_key(), &[], &[("SLACK_BOT_TOKEN", &bot)]);
    world.slack.enforce_tiers(Duration::from_secs(60));
    let publishes_of = |user: &str| {
        world
            .slack
            .calls()
            .iter()
            .filter(|c| c.method == "views.publish")
            .filter(|c| c.json.as_ref().is_some_and(|j| j["user_id"] == user))
            .count()
    };

    // One member opens their Home ten thousand times.
    let (ana, ben, cat) = (&ids[0], &ids[1], &ids[2]);
    for _ in 0..10_000 {
        serve.home_opened(ana);
    }
    // Another member connects meanwhile, and a third opens their Home.
    let started = Instant::now();
    let reply = connect_as(&world, &serve, ben, &[]);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "connecting took {took:?}");
    let started = Instant::now();
    serve.home_opened(cat);
    wait_until("Cat's Home", Duration::from_secs(5), || {
        world.slack.home(cat).is_some()
    });
    eprintln!(
        "after 10,000 openings: a connection in {took:?}, another Home in {:?}",
        started.elapsed()
    );
    wait_until("Ana's last Home", Duration::from_secs(30), || {
        serve.health()["app_jobs"] == 0
    });
    let ana_publishes = publishes_of(ana);
    assert!(
        (1..=3).contains(&ana_publishes),
        "{ana_publishes} publishes of a Home opened 10,000 times"
    );

    // 120 members open their Home at once: more than the workspace's minute of publishes.
    for id in &ids[10..] {
        serve.home_opened(id);
    }
    wait_until(
        "the first of them published",
        Duration::from_secs(20),
        || publishes_of(&ids[10]) > 0,
    );
    let started = Instant::now();
    let reply = connect_as(&world, &serve, &ids[3], &[]);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "connecting took {took:?}");
    eprintln!("with the publish budget spent: a connection in {took:?}");
    let limited: Vec<String> = world
        .slack
        .calls()
        .iter()
        .filter(|c| c.status == 429)
        .map(|c| c.method.clone())
        .collect();
    assert!(
        limited.is_empty(),
        "serve kept within Slack's tiers: {limited:?}"
    );
}
