//! Connected tokens that rotate: refreshed once per rotation, however many threads or processes
//! find them due at once, however slow Slack is; serve refreshes a quiet member's token, and a
//! refresh Slack refuses for good disconnects the member.

mod support;

use std::time::Duration;

use support::oauth::{
    ana_to_connect as ana, connect, new_key, serve_with_oauth, tokens_json, CLIENT_ID,
    CLIENT_SECRET,
};
use support::{wait_until, Scene, World};

/// Ana connected through serve (stopped again) with rotation on: her first token has an
/// hour left, inside the two-hour refresh window. Returns the world and the sealing key.
fn connected_with_rotation(scene: Scene) -> (World, String) {
    let world = ana(scene);
    world
        .slack
        .enable_rotation(Duration::from_secs(3600), Duration::from_secs(43_200));
    let key = new_key();
    let serve = serve_with_oauth(&world, &key);
    connect(&world, &serve);
    drop(serve);
    (world, key)
}

#[test]
fn two_processes_due_to_refresh_one_token_at_once_make_one_refresh() {
    two_processes_make_one_refresh(Duration::from_millis(500));
}

/// Slack 5 s slow: the claim outlives no holder and no waiter gives up.
#[test]
fn two_processes_with_slack_5_s_slow_make_one_refresh() {
    two_processes_make_one_refresh(Duration::from_secs(5));
}

fn two_processes_make_one_refresh(latency: Duration) {
    // serve, started before Ana connected, would look again only in ten minutes.
    let (world, key) = connected_with_rotation(Scene::s3());
    assert_eq!(world.slack.refreshes(), 0);

    // Slack answers slowly, so the two are sure to be due at the same moment.
    world.slack.set_latency(latency);
    let apply = |emoji: &str| {
        world
            .command()
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .env("STATUSINATOR_SECRET_KEY", &key)
            .env("SLACK_CLIENT_ID", CLIENT_ID)
            .env("SLACK_CLIENT_SECRET", CLIENT_SECRET)
            .args(["apply", "U0ANA0001", emoji])
            .spawn()
            .unwrap()
    };
    let first = apply(":palm_tree:");
    let second = apply("default");
    for child in [first, second] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", support::show(&out));
    }
    // Single-use refresh tokens: a second refresh would have failed (and disconnected Ana).
    assert_eq!(world.slack.refreshes(), 1);
    assert_eq!(spent_refresh_tokens(&world), 1);
    let report = tokens_json(&world, &key);
    assert_eq!(report["members"][0]["state"], "connected", "{report}");
    let expires = report["members"][0]["expires_at"].as_u64().unwrap();
    assert!(
        expires > support::serve::now() + 40_000,
        "the refreshed token's end"
    );
}

/// Refreshes that Slack accepted: each spent one refresh token.
fn spent_refresh_tokens(world: &World) -> usize {
    world
        .slack
        .calls()
        .iter()
        .filter(|c| {
            c.method == "oauth.v2.access"
                && c.answer["ok"] == true
                && c.json
                    .as_ref()
                    .is_some_and(|j| j["grant_type"] == "refresh_token")
        })
        .count()
}

/// The tokens of a local-store world as one process sees them, with the app's credentials.
fn tokens_in_process(world: &World, key: &str) -> statusinator::tokens::Tokens {
    use statusinator::tokens::{rotation::Refresher, seal::SealKey, Tokens, Vault};
    let support::Backend::Local(path) = &world.scene.backend else {
        panic!("a local scene")
    };
    let store: std::sync::Arc<dyn statusinator::store::Store> =
        std::sync::Arc::new(statusinator::store::LocalStore::new(path.clone()));
    let slack =
        statusinator::slack::SlackClient::new(&world.slack.url, Default::default()).unwrap();
    Tokens::load(None, None, None).unwrap().with_vault(Vault {
        store,
        key: Some(SealKey::parse(key).unwrap()),
        refresher: Some(std::sync::Arc::new(Refresher {
            client: statusinator::slack::ClientCredentials {
                id: CLIENT_ID.into(),
                secret: statusinator::secret::SecretString::new(CLIENT_SECRET),
            },
            slack: std::sync::Arc::new(slack),
        })),
        instance: "serve-test".into(),
        install_url: None,
    })
}

/// Two threads of one process (a status change and a Home open, say) use Ana's due token at
/// once: one refresh, both get the fresh token, and she stays connected.
#[test]
fn two_threads_of_one_process_due_to_refresh_make_one_refresh() {
    let (world, key) = connected_with_rotation(Scene::local());
    world.slack.set_latency(Duration::from_millis(500));
    let tokens = tokens_in_process(&world, &key);
    let ana = statusinator::presets::UserId::parse("U0ANA0001").unwrap();
    let got: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| tokens.for_user(&ana).unwrap().secret.expose().to_owned()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(spent_refresh_tokens(&world), 1);
    assert_eq!(
        world.slack.refreshes(),
        1,
        "nobody sent a spent refresh token"
    );
    assert!(got.iter().all(|t| t == &got[0]), "all use the fresh token");
    assert_eq!(
        tokens_json(&world, &key)["members"][0]["state"],
        "connected"
    );
    assert!(world.slack.messages().is_empty(), "no reconnect message");
}

/// Slack makes the refresh wait longer than a claim lasts without renewal: the holder keeps
/// its claim while it waits, the other thread waits for its result, and one refresh token is
/// spent.
#[test]
fn a_retry_after_longer_than_the_claim_still_makes_one_refresh() {
    let (world, key) = connected_with_rotation(Scene::local());
    let wait = statusinator::lease::HOLD + 5;
    world.slack.inject(
        "oauth.v2.access",
        [support::slack::Fault::Http429(Some(wait))],
    );
    let tokens = tokens_in_process(&world, &key);
    let ana = statusinator::presets::UserId::parse("U0ANA0001").unwrap();
    let got: Vec<String> = std::thread::scope(|s| {
        let first = s.spawn(|| tokens.for_user(&ana).unwrap().secret.expose().to_owned());
        wait_until("Slack said to wait", Duration::from_secs(20), || {
            world
                .slack
                .calls()
                .iter()
                .any(|c| c.method == "oauth.v2.access" && c.status == 429)
        });
        let second = s.spawn(|| tokens.for_user(&ana).unwrap().secret.expose().to_owned());
        vec![first.join().unwrap(), second.join().unwrap()]
    });
    assert_eq!(got[0], got[1]);
    assert_eq!(spent_refresh_tokens(&world), 1);
    assert!(
        world.slack.calls().iter().any(|c| c.status == 429),
        "Slack made it wait"
    );
    assert_eq!(
        tokens_json(&world, &key)["members"][0]["state"],
        "connected"
    );
}

#[test]
fn serve_refreshes_a_quiet_members_token_and_a_dead_one_disconnects_them() {
    let (world, key) = connected_with_rotation(Scene::local());

    // No event, no command: serve refreshes the token on its own schedule.
    let serve = serve_with_oauth(&world, &key);
    wait_until("the token is refreshed", Duration::from_secs(20), || {
        world.slack.refreshes() == 1
    });
    drop(serve);
    let report = tokens_json(&world, &key);
    assert_eq!(report["members"][0]["state"], "connected");

    // Slack revokes the refresh token; the next refresh is refused for good: Ana is marked
    // disconnected, and nothing retries it.
    world.slack.revoke_refresh_tokens("U0ANA0001");
    world
        .slack
        .enable_rotation(Duration::from_secs(3600), Duration::from_secs(3600));
    // Make the stored token due again: connect anew with a short life, then revoke.
    let serve = serve_with_oauth(&world, &key);
    connect(&world, &serve);
    world.slack.revoke_refresh_tokens("U0ANA0001");
    drop(serve);
    let refreshes = world.slack.refreshes();
    let serve = serve_with_oauth(&world, &key);
    wait_until("Ana is disconnected", Duration::from_secs(20), || {
        tokens_json(&world, &key)["members"][0]["state"]
            .as_str()
            .unwrap()
            .starts_with("disconnected")
    });
    // Time is what is tested here: a second on, the refused refresh was not tried again.
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        world.slack.refreshes(),
        refreshes + 1,
        "refused once, not retried"
    );
    let logs = serve.logs();
    assert!(
        logs.contains("U0ANA0001 is disconnected (invalid_refresh_token)"),
        "{logs}"
    );
}
