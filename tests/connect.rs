//! Members connect themselves: Slack's OAuth round trip in a real browser (headless Chromium),
//! the state's checks over HTTP, the token sealed in the store and used for the member's status
//! changes, and what a connection installs (the bot, per workspace).

mod support;

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;
use support::browser::Browser;
use support::oauth::{
    allow, ana_to_connect as ana, callback, connect, install, install_at, new_key, refresh_target,
    serve_with_oauth, tokens_json, whole_store,
};
use support::serve::Serve;
use support::{wait_until, Scene, World};

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
