//! Members connect themselves: Slack's OAuth round trip in a real browser (headless Chromium),
//! the state's checks over HTTP, and the token sealed in the store and used for the member's
//! status changes.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;
use support::browser::Browser;
use support::oauth::{
    allow, callback, connect, install, install_at, new_key, refresh_target, serve_with_oauth,
    serve_with_oauth_and, CLIENT_ID, CLIENT_SECRET,
};
use support::serve::Serve;
use support::{images, wait_until, Scene, World};

/// Ana onboarded (vacation: name and photo; default: name) and in the workspace, with no token
/// anywhere: she connects herself.
fn ana(scene: Scene) -> World {
    let world = World::new(scene);
    world.scene.write("beach.png", images::png(512, 512, 1));
    world.slack.add_member("U0ANA0001", "Ana");
    world.onboard(json!({"U0ANA0001": {
        ":palm_tree:": {"name": "Ana (away)", "picture": "beach.png"},
        "default": {"name": "Ana"}
    }}));
    world.slack.oauth_app(CLIENT_ID, CLIENT_SECRET);
    world
}

/// Every byte in the store, as text, for looking for a token in it.
fn whole_store(world: &World) -> String {
    world
        .scene
        .snapshot()
        .values()
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_member_connects_in_a_browser_and_their_status_drives_their_profile() {
    let world = ana(Scene::local());
    let serve = serve_with_oauth(&world, &new_key());
    world.slack.sign_in("U0ANA0001");
    let browser = Browser::start();

    // Open the install page, click Connect, click Allow on Slack's page.
    browser.goto(&format!("{}/slack/install", serve.url));
    browser.click("#connect");
    assert!(
        browser.url().contains("/oauth/v2/authorize"),
        "{}",
        browser.url()
    );
    browser.click("#allow");
    // Slack's redirect is answered at once; the page moves on by itself once connected.
    let callback = world.slack.last_oauth_redirect();
    assert!(
        callback.contains("/slack/oauth_redirect?code="),
        "{callback}"
    );
    let heading = browser.text("#connected");
    assert!(heading.contains("You're connected, u0ana0001"), "{heading}");
    let page = browser.source();
    assert!(page.contains("Stand-in Workspace"), "{page}");
    assert!(
        !page.contains("xoxp-") && !page.contains("code-"),
        "a secret on the page"
    );
    browser.screenshot(&std::env::temp_dir().join("statusinator-connected.png"));
    assert!(
        browser.url().contains("/slack/connecting?state="),
        "{}",
        browser.url()
    );

    // The token Slack gave is stored sealed: not anywhere in the store in plain text.
    let tokens = world.slack.tokens_of("U0ANA0001");
    assert_eq!(tokens.len(), 2, "the stand-in's own and the one just given");
    let store = whole_store(&world);
    for token in &tokens {
        assert!(
            !store.contains(token.as_str()),
            "a token in plain text in the store"
        );
    }
    assert!(store.contains("\"kid\""), "a sealed record is there");

    // Her status change is applied with that token.
    world.slack.clear_calls();
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    assert_eq!(
        serve.user_change(&world.slack.member("U0ANA0001")).0.status,
        200
    );
    wait_until("Ana's preset applied", Duration::from_secs(20), || {
        world.slack.member("U0ANA0001").profile["display_name"] == "Ana (away)"
    });
    let set = world
        .slack
        .calls()
        .into_iter()
        .find(|c| c.method == "users.profile.set")
        .unwrap();
    assert_eq!(set.token_owner.as_deref(), Some("U0ANA0001"));

    // The callback again (a replay): refused, nothing stored anew.
    browser.goto(&callback);
    assert!(browser.text("#failed").contains("This link does not work"));

    // Cancel on Slack's page: an error page that links back.
    browser.goto(&format!("{}/slack/install", serve.url));
    browser.click("#connect");
    browser.click("#cancel");
    assert!(browser.text("#failed").contains("Not connected"));
    assert!(browser.source().contains("/slack/install"));

    let logs = serve.logs();
    for token in &tokens {
        assert!(!logs.contains(token.as_str()), "a token in the log");
    }
    assert!(!logs.contains("code-"), "a code in the log");
    assert!(
        logs.contains("U0ANA0001 connected their profile in T0STANDIN"),
        "{logs}"
    );
}

/// Two replicas of serve on one store, Ana signed in to Slack in her browser, which opened the
/// install page on replica A and chose Allow: the state cookie and Slack's redirect.
fn two_replicas_and_a_redirect(scene: Scene) -> (World, Serve, Serve, String, String) {
    let world = ana(scene);
    let key = new_key();
    let a = serve_with_oauth(&world, &key);
    let b = serve_with_oauth(&world, &key);
    world.slack.sign_in("U0ANA0001");
    let (cookie, link) = install(&a);
    let location = allow(&world, &link);
    (world, a, b, cookie, location)
}

#[test]
fn a_state_must_be_this_apps_this_browsers_and_unused_on_any_replica() {
    let (world, a, b, cookie, location) = two_replicas_and_a_redirect(Scene::s3());

    // No cookie, another browser's cookie, a forged state: refused, nothing stored.
    let (other_cookie, _) = install(&a);
    for (cookie, why) in [
        (None, "no cookie"),
        (Some(other_cookie.as_str()), "another browser's"),
    ] {
        let reply = callback(&a, &location, cookie);
        assert_eq!(reply.status, 400, "{why}: {}", reply.body);
        assert!(
            reply.body.contains("another browser"),
            "{why}: {}",
            reply.body
        );
    }
    let forged = "AAAAAAAAAAAAAAAAAAAAAA.9999999999.AAAAAAAAAAAAAAAAAAAAAA";
    let reply = b.request(
        "GET",
        &format!("/slack/oauth_redirect?code=x&state={forged}"),
        &[("Cookie", &format!("slack-app-oauth-state={forged}"))],
        b"",
    );
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("did not come from"), "{}", reply.body);
    assert!(world
        .scene
        .snapshot()
        .keys()
        .all(|k| !k.starts_with("tokens/")));

    // The right browser on replica A: connected. The same redirect on replica B: used.
    let reply = callback(&a, &location, Some(&cookie));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.header("Set-Cookie").unwrap().contains("Max-Age=0"));
    let reply = callback(&b, &location, Some(&cookie));
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(reply.body.contains("used already"), "{}", reply.body);

    // A Slack error (a code that does not exist) is a page, and stores nothing more.
    let (cookie, link) = install(&b);
    let location = allow(&world, &link);
    let bad = location.replace("code=code-", "code=nope-");
    let reply = callback(&b, &bad, Some(&cookie));
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(reply.body.contains("invalid_code"), "{}", reply.body);

    // An error that tries to forge a log line stays on its own line, escaped.
    let reply = b.get("/slack/oauth_redirect?error=x%0A%5B2026-01-01T00%3A00%3A00Z%20ERROR%5D%20forged%0D&state=s");
    assert_eq!(reply.status, 400, "{}", reply.body);
    // (logged before the page is answered)
    let logs = b.logs();
    assert!(logs.contains("forged"), "{logs}");
    for line in logs.lines().filter(|l| l.contains("forged")) {
        assert!(line.starts_with('['), "a forged line: {line:?}");
        assert!(
            line.contains("x\\n[2026-01-01T00:00:00Z ERROR] forged\\r"),
            "{line:?}"
        );
    }
}

/// Slack slow to exchange the code: the redirect is answered at once with a page that waits;
/// asked of another replica, that page waits too, then shows how the connection ended.
#[test]
fn the_redirect_is_answered_at_once_and_any_replica_shows_how_it_ended() {
    let (world, a, b, cookie, location) = two_replicas_and_a_redirect(Scene::local());
    world.slack.set_latency(Duration::from_secs(3));
    let path = &location[location.find("/slack/oauth_redirect").unwrap()..];
    let reply = a.request("GET", path, &[("Cookie", &cookie)], b"");
    assert_eq!(reply.status, 202, "{}", reply.body);
    assert!(reply.body.contains("Connecting your Slack profile"));
    assert!(
        !world.slack.methods().iter().any(|m| m == "oauth.v2.access"),
        "answered before Slack answered the exchange"
    );
    // The same redirect again (a reload) exchanges nothing more.
    let again = a.request("GET", path, &[("Cookie", &cookie)], b"");
    assert_eq!(again.status, 202);

    let next = refresh_target(&reply.body);
    let next = next[next.find("/slack/connecting").unwrap()..].to_owned();
    let mut seen = b.request("GET", &next, &[("Cookie", &cookie)], b"");
    wait_until("the outcome on replica B", Duration::from_secs(30), || {
        if seen.status == 202 {
            seen = b.request("GET", &next, &[("Cookie", &cookie)], b"");
        }
        seen.status != 202
    });
    assert_eq!(seen.status, 200, "{}", seen.body);
    assert!(seen.body.contains("connected"), "{}", seen.body);
    assert!(seen.header("Set-Cookie").unwrap().contains("Max-Age=0"));
    world.slack.set_latency(Duration::ZERO);
    let exchanges = world
        .slack
        .methods()
        .iter()
        .filter(|m| *m == "oauth.v2.access")
        .count();
    assert_eq!(exchanges, 1);
    // Without the browser's cookie, the page shows nothing of it.
    let stranger = b.request("GET", &next, &[], b"");
    assert_eq!(stranger.status, 400);
    assert!(!stranger.body.contains("Stand-in Workspace"));
}

#[test]
fn a_sealed_token_copied_to_another_member_does_not_open_and_a_wrong_key_is_named() {
    let world = ana(Scene::local());
    let key = new_key();
    let serve = serve_with_oauth(&world, &key);
    world.slack.sign_in("U0ANA0001");
    let (cookie, link) = install(&serve);
    let location = allow(&world, &link);
    assert_eq!(callback(&serve, &location, Some(&cookie)).status, 200);
    drop(serve);

    // `statusinator tokens` lists her, never the token.
    let list = |key: &str| {
        world
            .command()
            .env("STATUSINATOR_SECRET_KEY", key)
            .args(["tokens", "--json"])
            .output()
            .unwrap()
    };
    let out = list(&key);
    assert!(out.status.success(), "{}", support::show(&out));
    world.assert_no_token_in(&out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ana = &report["members"][0];
    assert_eq!(ana["user"], "U0ANA0001");
    assert_eq!(ana["source"], "connected");
    assert_eq!(ana["team"], "T0STANDIN");
    assert_eq!(ana["state"], "connected");
    assert_eq!(report["installations"][0]["team"], "T0STANDIN");
    // Another key: said so.
    let out = list(&new_key());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["members"][0]["state"], "sealed with another key");

    // Ana's record copied into Ben's place: it does not open as Ben's. Copied whole, it is
    // refused by name before anything in it reaches Slack; with its names changed to Ben's,
    // the sealed token does not open.
    world.slack.add_member("U0BEN0002", "Ben");
    let keys: HashMap<String, Vec<u8>> = world.scene.snapshot().into_iter().collect();
    let (_, ana_record) = keys
        .iter()
        .find(|(k, _)| k.starts_with("tokens/") && k.ends_with("U0ANA0001/T0STANDIN.json"))
        .unwrap();
    let ben = statusinator::presets::UserId::parse("U0BEN0002").unwrap();
    let ben_key = statusinator::tokens::stored::member_key("T0STANDIN", &ben);
    world.onboard(json!({"U0BEN0002": {"default": {"name": "Ben"}}}));
    let apply_ben = || {
        world
            .command()
            .env("STATUSINATOR_SECRET_KEY", &key)
            .args(["apply", "U0BEN0002", "default"])
            .output()
            .unwrap()
    };
    let calls_before = world.slack.calls().len();
    world.scene.put(&ben_key, ana_record);
    let out = apply_ben();
    assert_eq!(out.status.code(), Some(2), "{}", support::show(&out));
    let err = support::stderr(&out);
    assert!(
        err.contains("not of the member and workspace its place names"),
        "{err}"
    );
    assert!(err.contains("U0BEN0002"), "names the record: {err}");
    assert_eq!(
        world.slack.calls().len(),
        calls_before,
        "nothing of a misplaced record reaches Slack"
    );
    // `statusinator tokens` names it and still lists Ana.
    let out = list(&key);
    assert!(out.status.success(), "{}", support::show(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["members"][0]["user"], "U0ANA0001");
    assert!(report["unreadable"][0]
        .as_str()
        .unwrap()
        .contains("U0BEN0002"));

    let copied = String::from_utf8_lossy(ana_record).replace("U0ANA0001", "U0BEN0002");
    world.scene.put(&ben_key, copied.as_bytes());
    let out = apply_ben();
    assert_eq!(out.status.code(), Some(2), "{}", support::show(&out));
    let err = support::stderr(&out);
    assert!(err.contains("does not open"), "{err}");
    assert!(err.contains("tokens/"), "names the record: {err}");

    // Forget: gone, and said so.
    let out = world.run(&["tokens", "forget", "U0BEN0002"]);
    assert!(out.status.success(), "{}", support::show(&out));
    let out = world.run(&["tokens", "forget", "U0BEN0002"]);
    assert_eq!(out.status.code(), Some(2));
}

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

fn tokens_json(world: &World, key: &str) -> serde_json::Value {
    let out = world
        .command()
        .env("STATUSINATOR_SECRET_KEY", key)
        .args(["tokens", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", support::show(&out));
    serde_json::from_slice(&out.stdout).unwrap()
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

/// A signed `event_callback` of `event` from the stand-in's workspace.
fn lifecycle_event(serve: &Serve, event: serde_json::Value) {
    let body = serde_json::to_vec(&json!({
        "token": "x", "team_id": "T0STANDIN", "api_app_id": "A0STANDIN",
        "event": event, "type": "event_callback",
        "event_id": support::serve::event_id(), "event_time": support::serve::now()
    }))
    .unwrap();
    assert_eq!(serve.post_signed(&body, &[]).status, 200);
}

fn has_key(world: &World, prefix: &str) -> bool {
    world.scene.snapshot().keys().any(|k| k.starts_with(prefix))
}

#[test]
fn revoked_tokens_and_an_uninstall_forget_tokens_and_keep_presets() {
    let world = ana(Scene::local());
    let key = new_key();
    let serve = serve_with_oauth(&world, &key);
    connect(&world, &serve);
    assert!(has_key(&world, "tokens/") && has_key(&world, "installations/"));

    lifecycle_event(
        &serve,
        json!({"type": "tokens_revoked", "tokens": {"oauth": ["U0ANA0001"], "bot": []}}),
    );
    wait_until("Ana's token is forgotten", Duration::from_secs(10), || {
        !has_key(&world, "tokens/")
    });
    assert!(has_key(&world, "installations/"), "the bot's token stays");
    assert!(world.scene.users_json()["users"]["U0ANA0001"].is_object());

    connect(&world, &serve);
    lifecycle_event(&serve, json!({"type": "app_uninstalled"}));
    wait_until(
        "the workspace is forgotten",
        Duration::from_secs(10),
        || !has_key(&world, "tokens/") && !has_key(&world, "installations/"),
    );
    assert!(
        world.scene.users_json()["users"]["U0ANA0001"].is_object(),
        "presets stay"
    );
    assert_eq!(
        serve.metric("statusinator_events_total{outcome=\"lifecycle\"}"),
        2.0
    );
}

#[test]
fn a_dead_token_disconnects_the_member_who_is_told_how_to_connect_again_once_a_day() {
    let world = ana(Scene::local());
    let key = new_key();
    let serve = serve_with_oauth(&world, &key);
    connect(&world, &serve);
    // The member removes the app's access in Slack: every token of theirs is revoked.
    for token in world.slack.tokens_of("U0ANA0001") {
        world.slack.revoke(&token);
    }
    world.slack.clear_calls();
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    serve.user_change(&world.slack.member("U0ANA0001"));
    wait_until("Ana is told", Duration::from_secs(20), || {
        !world.slack.messages().is_empty()
    });
    let messages = world.slack.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0].0, "U0ANA0001");
    assert!(messages[0].1.contains("/slack/install"), "{messages:?}");
    assert!(messages[0].1.contains("token_revoked"), "{messages:?}");
    let report = tokens_json(&world, &key);
    assert_eq!(
        report["members"][0]["state"], "disconnected (token_revoked)",
        "{report}"
    );

    // More status changes: nothing retries her token, and no second message today.
    world.slack.set_status("U0ANA0001", "");
    serve.user_change(&world.slack.member("U0ANA0001"));
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    serve.user_change(&world.slack.member("U0ANA0001"));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(world.slack.messages().len(), 1);
    let writes = world
        .slack
        .calls()
        .iter()
        .filter(|c| c.token_owner.as_deref() == Some("U0ANA0001"))
        .count();
    assert!(writes <= 1, "{writes} calls with her dead token");

    // She connects again: connected, and her status drives her profile again.
    connect(&world, &serve);
    assert_eq!(
        tokens_json(&world, &key)["members"][0]["state"],
        "connected"
    );
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    serve.user_change(&world.slack.member("U0ANA0001"));
    wait_until("applied again", Duration::from_secs(20), || {
        world.slack.member("U0ANA0001").profile["display_name"] == "Ana (away)"
    });
}

#[test]
fn poll_reads_each_workspace_with_its_installations_bot_and_applies_with_the_connected_token() {
    let world = ana(Scene::local());
    let key = new_key();
    // 50 more members, whose names are already their default: one users.list page reads
    // everyone at once, instead of 51 reads.
    let mut others = serde_json::Map::new();
    for i in 0..50 {
        let id = format!("U0OTH{i:04}");
        world.slack.add_member(&id, &id);
        others.insert(id.clone(), json!({"default": {"name": id}}));
    }
    world.onboard(serde_json::Value::Object(others));
    let serve = serve_with_oauth(&world, &key);
    connect(&world, &serve);
    drop(serve);
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    world.slack.clear_calls();
    let out = world
        .command()
        .env("STATUSINATOR_SECRET_KEY", &key)
        .args(["poll", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", support::show(&out));
    world.assert_no_token_in(&out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["read"]["plan"], "users_list", "{report}");
    let calls = world.slack.calls();
    let list = calls.iter().find(|c| c.method == "users.list").unwrap();
    assert_eq!(
        list.token_owner.as_deref(),
        Some("U0BOT"),
        "the installation's bot"
    );
    let set = calls
        .iter()
        .find(|c| c.method == "users.profile.set")
        .unwrap();
    assert_eq!(set.token_owner.as_deref(), Some("U0ANA0001"));
    assert_eq!(
        world.slack.member("U0ANA0001").profile["display_name"],
        "Ana (away)"
    );
    // The workspace's size is remembered under its own key.
    assert!(world.scene.get("workspaces/T0STANDIN.json").is_some());
}

#[test]
fn a_member_of_a_workspace_with_the_bot_authorizes_for_themselves_only() {
    let world = ana(Scene::local());
    let key = new_key();
    let serve = serve_with_oauth(&world, &key);
    connect(&world, &serve);
    let installation = world.scene.get("installations/T0STANDIN.json").unwrap();

    world.slack.add_member("U0BEN0002", "Ben");
    world.slack.sign_in("U0BEN0002");
    let (cookie, link) = install_at(&serve, "/slack/install?team=T0STANDIN");
    let query: HashMap<String, String> = url::Url::parse(&link)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(query["scope"], "", "no bot scopes: the bot is there");
    assert_eq!(query["team"], "T0STANDIN");
    let location = allow(&world, &link);
    assert_eq!(callback(&serve, &location, Some(&cookie)).status, 200);
    // Ben is connected; the workspace's installation is Ana's, untouched.
    let report = tokens_json(&world, &key);
    let users: Vec<&str> = report["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user"].as_str().unwrap())
        .collect();
    assert_eq!(users, ["U0ANA0001", "U0BEN0002"]);
    assert_eq!(
        world.scene.get("installations/T0STANDIN.json").unwrap(),
        installation
    );
}

#[test]
fn disconnect_on_the_home_tab_puts_the_usual_profile_back_then_forgets_the_token() {
    let world = ana(Scene::local());
    let key = new_key();
    let serve = serve_with_oauth(&world, &key);
    connect(&world, &serve);
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    serve.user_change(&world.slack.member("U0ANA0001"));
    wait_until("the vacation preset", Duration::from_secs(20), || {
        world.slack.display_name("U0ANA0001") == "Ana (away)"
            && world.slack.member("U0ANA0001").photo.is_some()
    });

    // Her Home, with the installation's bot: connected, with a Disconnect that asks first.
    serve.home_opened("U0ANA0001");
    wait_until("her Home", Duration::from_secs(20), || {
        world.slack.home("U0ANA0001").is_some()
    });
    let home = world.slack.home("U0ANA0001").unwrap().to_string();
    assert!(home.contains("*Connected*:"), "{home}");
    assert!(
        home.contains("\"action_id\":\"disconnect\"") && home.contains("Disconnect?"),
        "{home}"
    );

    assert_eq!(serve.click("U0ANA0001", "disconnect").status, 200);
    wait_disconnected(&world, Duration::from_secs(20));
    assert!(
        world.scene.users_json()["users"]["U0ANA0001"].is_object(),
        "presets stay"
    );
    // Nothing acts for her any more.
    world.slack.clear_calls();
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    serve.user_change(&world.slack.member("U0ANA0001"));
    std::thread::sleep(Duration::from_secs(1));
    serve.settle(2.0);
    assert_eq!(world.slack.display_name("U0ANA0001"), "Ana");
    assert_eq!(
        world.slack.profile_writes(),
        Vec::<String>::new(),
        "{:?}",
        world.slack.methods()
    );
}

/// Ana connected, on vacation (her preset in effect), through a serve that is stopped again.
fn ana_connected_on_vacation() -> (World, String) {
    let world = ana(Scene::local());
    let key = new_key();
    let serve = serve_with_oauth(&world, &key);
    connect(&world, &serve);
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    serve.user_change(&world.slack.member("U0ANA0001"));
    wait_until("the vacation preset", Duration::from_secs(20), || {
        world.slack.display_name("U0ANA0001") == "Ana (away)"
            && world.slack.member("U0ANA0001").photo.is_some()
    });
    serve.settle(1.0);
    drop(serve);
    (world, key)
}

/// Slack cannot be read when Ana disconnects: she is told it is not finished, her token stays
/// until her usual profile is back, and the reconcile finishes it once Slack answers.
#[test]
fn a_disconnect_that_fails_half_way_tells_the_member_and_is_finished_later() {
    let (world, key) = ana_connected_on_vacation();
    let serve = serve_with_oauth_and(&world, &key, &["--reconcile-every", "3s"]);
    world.slack.outage(
        "users.profile.get",
        Duration::from_secs(12),
        support::slack::Fault::Status(503),
    );
    assert_eq!(serve.click("U0ANA0001", "disconnect").status, 200);
    wait_until("Ana is told", Duration::from_secs(30), || {
        world
            .slack
            .messages()
            .iter()
            .any(|(to, text)| to == "U0ANA0001" && text.contains("not finished yet"))
    });
    assert!(has_key(&world, "tokens/"), "her token stays meanwhile");
    assert!(has_key(&world, "disconnects/"), "her wish is stored");
    wait_disconnected(&world, Duration::from_secs(60));
}

/// Waits until Ana's usual profile is back, her token and her wish are forgotten, and her Home
/// says she is not connected.
fn wait_disconnected(world: &World, within: Duration) {
    wait_until(
        "her usual profile, then her token forgotten",
        within,
        || {
            world.slack.display_name("U0ANA0001") == "Ana"
                && world.slack.member("U0ANA0001").photo.is_none()
                && !has_key(world, "tokens/")
                && !has_key(world, "disconnects/")
        },
    );
    wait_until("a Home that says so", Duration::from_secs(20), || {
        world
            .slack
            .home("U0ANA0001")
            .is_some_and(|view| view.to_string().contains("*Not connected*"))
    });
}

/// A process stopped after storing Ana's wish and before finishing it: the next serve
/// finishes it, and so does poll.
#[test]
fn a_stored_wish_to_disconnect_is_finished_by_the_next_process() {
    for finisher in ["serve", "poll"] {
        let (world, key) = ana_connected_on_vacation();
        let ana = statusinator::presets::UserId::parse("U0ANA0001").unwrap();
        world.scene.put(
            &format!("disconnects/T0STANDIN/{ana}"),
            support::serve::now().to_string().as_bytes(),
        );
        if finisher == "serve" {
            let serve = serve_with_oauth_and(&world, &key, &["--reconcile-every", "2s"]);
            wait_until("serve finishes it", Duration::from_secs(30), || {
                !has_key(&world, "tokens/") && !has_key(&world, "disconnects/")
            });
            drop(serve);
        } else {
            let out = world
                .command()
                .env("STATUSINATOR_SECRET_KEY", &key)
                .env("SLACK_BOT_TOKEN", world.slack.add_bot())
                .args(["poll", "--json"])
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", support::show(&out));
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(report["members"][0]["outcome"], "disconnecting", "{report}");
            assert!(!has_key(&world, "tokens/") && !has_key(&world, "disconnects/"));
        }
        assert_eq!(world.slack.display_name("U0ANA0001"), "Ana", "{finisher}");
        assert!(
            world.slack.member("U0ANA0001").photo.is_none(),
            "{finisher}"
        );
    }
}

/// The bot a member's connection installs can read the photos members attach in the modal: the
/// install asks for every bot scope the app uses, `files:read` included.
#[test]
fn the_bot_an_install_adds_downloads_a_members_photo_in_the_modal() {
    let world = ana(Scene::local());
    let key = new_key();
    let serve = serve_with_oauth(&world, &key);
    connect(&world, &serve);
    let trigger = world.slack.trigger("U0ANA0001");
    assert_eq!(serve.click_on("U0ANA0001", "add", "", &trigger).status, 200);
    let mut modal = None;
    wait_until("the preset modal", Duration::from_secs(20), || {
        modal = world.slack.modal("U0ANA0001");
        modal.is_some()
    });
    let (id, form) = modal.unwrap();
    let file = world
        .slack
        .attach("U0ANA0001", "sun.png", support::images::png(600, 600, 7));
    let reply = serve.submit(
        "U0ANA0001",
        &id,
        &form,
        support::serve::preset_values(":sunny:", Some("Ana ☀"), vec![file]),
    );
    assert_eq!(reply.json()["response_action"], "update");
    support::serve::modal_says(&world, "U0ANA0001", "Preset saved");
    assert_eq!(
        world.slack.file_downloads(),
        [(Some(support::slack::Kind::Bot), 200)]
    );
}
