//! `statusinator forget USER`: a member's usual name and photo back, then everything kept about
//! them gone from the store (presets, pictures, the copy of their photo, their state, their
//! connected tokens, revoked with Slack), durable across failures, and nothing of anyone else.

mod support;

use serde_json::{json, Value};
use support::oauth::{connect, new_key, serve_with_oauth, CLIENT_ID, CLIENT_SECRET};
use support::slack::Fault;
use support::{images, show, Scene, World};

const ANA: &str = "U0ANA0001";
const BEN: &str = "U0BEN0002";

/// Every object of the store that names `user`, by key or in its bytes, but for `shared` (a
/// picture key another member's preset uses too, which names them in its key).
fn named_in_store_but(world: &World, user: &str, shared: &str) -> Vec<String> {
    world
        .scene
        .snapshot()
        .into_iter()
        .filter(|(key, bytes)| {
            let text = String::from_utf8_lossy(bytes).replace(shared, "");
            (key.contains(user) && key != shared) || text.contains(user)
        })
        .map(|(key, _)| key)
        .collect()
}

fn ana_in_store_but(world: &World, shared: &str) -> Vec<String> {
    named_in_store_but(world, ANA, shared)
}

fn ana_in_store(world: &World) -> Vec<String> {
    ana_in_store_but(world, "\u{0}")
}

/// Ana's usual name and her own photo are back in Slack, and nothing of her is left in the
/// store (her presets out of `users.json` included).
fn assert_ana_back_and_gone(world: &World) {
    assert_eq!(world.slack.display_name(ANA), "Ana");
    assert_eq!(
        world.slack.member(ANA).photo,
        Some(images::jpeg(700, 700, 9))
    );
    assert!(world.scene.users_json()["users"].get(ANA).is_none());
    let left = ana_in_store(world);
    assert!(left.is_empty(), "{left:?}");
}

/// Ana (her own photo, a vacation preset with a picture, a sick one) and Ben (a preset of his
/// own that, by an admin's hand edit, uses Ana's vacation picture too); Ana is on vacation.
fn on_vacation() -> World {
    let mut world = World::ana_with_her_own_photo();
    world.member(BEN, "Ben");
    world.scene.write("ben.png", images::png(600, 600, 4));
    world.onboard(json!({BEN: {":house:": {"name": "Ben (home)", "picture": "ben.png"}}}));
    let shared = world.picture_key(ANA, ":palm_tree:");
    let mut users = world.scene.users_json();
    users["users"][BEN][":palm_tree:"] = json!({"name": "Ben (away)", "picture": shared});
    world
        .scene
        .put("users.json", &serde_json::to_vec(&users).unwrap());
    let out = world.run(&["apply", ANA, ":palm_tree:"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(world.slack.display_name(ANA), "Ana (away)");
    world
}

#[test]
fn an_admin_forgets_a_member_whose_usual_profile_comes_back_first() {
    let world = on_vacation();
    let before = world.scene.snapshot();
    let mine = world.picture_key(BEN, ":house:");
    let shared = world.picture_key(ANA, ":palm_tree:");

    // A dry run says what would go and changes nothing.
    let out = world.run(&["forget", ANA, "--dry-run", "--json"]);
    assert!(out.status.success(), "{}", show(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["dry_run"], true);
    assert_eq!(plan["presets"], 2);
    assert_eq!(plan["usual_profile_back"], true);
    assert_eq!(plan["pictures_shared"], json!([shared]));
    assert_eq!(plan["pictures"].as_array().unwrap().len(), 1, "{plan}");
    assert_eq!(world.scene.snapshot(), before);
    // As a person reads it: the heading says it is a dry run, each line says what.
    let out = world.run(&["forget", ANA, "--dry-run"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(
            "dry run, nothing changed: forgetting U0ANA0001 would:\n  - put their usual name \
             and photo back\n  - remove 2 presets from users.json\n"
        ),
        "{text}"
    );
    assert!(!text.contains("- would"), "{text}");
    assert_eq!(world.scene.snapshot(), before);

    let out = world.run(&["forget", ANA]);
    assert!(out.status.success(), "{}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("forgot U0ANA0001:"), "{text}");
    assert!(
        text.contains("put their usual name and photo back"),
        "{text}"
    );
    assert!(
        text.contains("keep 1 picture another member's preset uses too"),
        "{text}"
    );

    // Her usual name and photo are back in Slack.
    assert_eq!(world.slack.display_name(ANA), "Ana");
    assert_eq!(
        world.slack.member(ANA).photo,
        Some(images::jpeg(700, 700, 9))
    );
    // Nothing of her is left in the store but the picture Ben's preset uses too.
    let users = world.scene.users_json();
    assert!(users["users"].get(ANA).is_none(), "{users}");
    assert!(
        ana_in_store_but(&world, &shared).is_empty(),
        "{:?}",
        ana_in_store_but(&world, &shared)
    );
    // Ben's presets and pictures are untouched.
    assert_eq!(users["users"][BEN][":house:"]["name"], "Ben (home)");
    assert!(world.scene.get(&mine).is_some());
    assert!(world.scene.get(&shared).is_some());

    // Again: nothing more to do, and it says so.
    let out = world.run(&["forget", ANA, "--json"]);
    assert!(out.status.success(), "{}", show(&out));
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again["presets"], 0);
    assert_eq!(again["usual_profile_back"], false);
}

/// A member who connected through Slack: their token is revoked with Slack and its record
/// deleted, with everything else.
#[test]
fn a_connected_members_token_is_revoked_with_slack() {
    let world = World::new(Scene::local());
    world.scene.write("beach.png", images::png(512, 512, 1));
    world.slack.add_member(ANA, "Ana");
    world.onboard(json!({ANA: {":palm_tree:": {"name": "Ana (away)", "picture": "beach.png"}}}));
    world.slack.oauth_app(CLIENT_ID, CLIENT_SECRET);
    let key = new_key();
    let serve = serve_with_oauth(&world, &key);
    connect(&world, &serve);
    drop(serve);
    let tokens = world.slack.tokens_of(ANA);
    assert!(!ana_in_store(&world).is_empty());

    let out = world
        .command()
        .env("STATUSINATOR_SECRET_KEY", &key)
        .args(["forget", ANA, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let done: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(done["tokens_revoked"], 1, "{done}");
    assert!(world.slack.methods().iter().any(|m| m == "auth.revoke"));
    assert!(
        ana_in_store(&world).is_empty(),
        "{:?}",
        ana_in_store(&world)
    );
    // The token Slack gave on connecting no longer works (her own, made outside statusinator,
    // still does).
    let revoked = tokens
        .iter()
        .filter(|t| !world.slack.token_works(t))
        .count();
    assert_eq!(revoked, 1, "{tokens:?}");
    for token in &tokens {
        assert!(!String::from_utf8_lossy(&out.stdout).contains(token.as_str()));
        assert!(!String::from_utf8_lossy(&out.stderr).contains(token.as_str()));
    }
}

/// Slack fails half-way (the usual profile cannot be written): the wish stays, nothing applies
/// to her meanwhile (her presets are gone first), and the next run finishes it.
#[test]
fn a_forget_that_fails_half_way_is_finished_by_the_next_run() {
    let world = on_vacation();
    world
        .slack
        .inject("users.profile.set", (0..12).map(|_| Fault::Status(503)));
    let out = world.run(&["forget", ANA]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(world.scene.get("forgets/U0ANA0001").is_some());
    assert!(world.scene.users_json()["users"].get(ANA).is_none());

    world.slack.clear_faults();
    let out = world.run(&["forget", ANA]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(world.slack.display_name(ANA), "Ana");
    let shared = world.picture_key(BEN, ":palm_tree:");
    assert!(
        ana_in_store_but(&world, &shared).is_empty(),
        "{:?}",
        ana_in_store_but(&world, &shared)
    );
}

/// Members delete their own data from Slack: Ana with `/statusinator forget-me`, Ben with
/// *Delete my data* on his Home tab (confirmed in Slack). Each is answered at once; their usual
/// name and photo come back, nothing of them is left in the store, and they are told.
#[test]
fn members_delete_their_own_data_with_the_command_or_the_home_button() {
    use std::time::Duration;
    use support::serve::{click_payload, echo_changes, Serve};
    use support::wait_until;

    let mut world = World::ana_with_her_own_photo();
    world.member(BEN, "Ben");
    world.onboard(json!({BEN: {":house:": {"name": "Ben (home)"}}}));
    let bot = world.slack.add_bot();
    let serve = Serve::start(&world, &[], &[("SLACK_BOT_TOKEN", &bot)]);
    echo_changes(&world, &serve.url);
    world.slack.set_status(ANA, ":palm_tree:");
    world.slack.set_status(BEN, ":house:");
    serve.user_change(&world.slack.member(ANA));
    serve.user_change(&world.slack.member(BEN));
    wait_until("both presets", Duration::from_secs(20), || {
        world.slack.display_name(ANA) == "Ana (away)"
            && world.slack.display_name(BEN) == "Ben (home)"
    });

    let reply = serve.slash(ANA, "forget-me");
    assert!(
        reply.json()["text"]
            .as_str()
            .unwrap()
            .starts_with("Deleting"),
        "{}",
        reply.body
    );
    let reply = serve.post_signed_form(&[(
        "payload",
        &click_payload(BEN, "delete_data", "delete_data", "1.2.3"),
    )]);
    assert_eq!(reply.status, 200);

    for (user, name) in [(ANA, "Ana"), (BEN, "Ben")] {
        wait_until(
            &format!("{user} told it is done"),
            Duration::from_secs(30),
            || {
                world
                    .slack
                    .messages()
                    .iter()
                    .any(|(to, text)| to == user && text.contains("is deleted"))
            },
        );
        assert_eq!(world.slack.display_name(user), name);
        assert!(world.scene.users_json()["users"].get(user).is_none());
    }
    assert_ana_back_and_gone(&world);
    let bens = named_in_store_but(&world, BEN, "\u{0}");
    assert!(bens.is_empty(), "{bens:?}");
    // Their Home tab says nothing is kept any more.
    wait_until("Ana's Home", Duration::from_secs(20), || {
        world.slack.home(ANA).is_some_and(|view| {
            view.to_string()
                .contains("statusinator keeps nothing about you")
        })
    });
    // A status change now writes nothing for them.
    let writes = world.slack.profile_writes().len();
    world.slack.set_status(ANA, ":palm_tree:");
    serve.user_change(&world.slack.member(ANA));
    serve.settle(1.0);
    assert_eq!(world.slack.profile_writes().len(), writes);
}

/// A member deactivated in Slack: marked when poll first reads it, never changed, unmarked if
/// they come back, and forgotten only once the retention period has passed.
#[test]
fn a_deactivated_member_is_forgotten_after_the_retention_period_and_not_before() {
    let world = on_vacation();
    let bot = world.slack.add_bot();
    let poll = |retention: &str| {
        let out = world
            .command()
            .env("SLACK_BOT_TOKEN", &bot)
            .args(["poll", "--json", "--forget-deleted-after", retention])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", show(&out));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let outcome = |report: &Value, user: &str| {
        report["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["user"] == user)
            .map(|m| m["outcome"].clone())
            .unwrap()
    };
    let marked = || world.scene.get("deactivated/U0ANA0001").is_some();

    world.slack.deactivate(ANA, true);
    let report = poll("1h");
    assert_eq!(outcome(&report, ANA), "deactivated");
    assert!(marked());
    assert!(world.scene.get("deactivated/U0BEN0002").is_none());
    // Not before the period: all of hers is kept.
    poll("1h");
    assert!(world.scene.users_json()["users"].get(ANA).is_some());

    // Back in the workspace: unmarked. Gone again: marked anew.
    world.slack.deactivate(ANA, false);
    poll("1h");
    assert!(!marked());
    world.slack.deactivate(ANA, true);
    poll("1h");
    assert!(marked());
    // `0` keeps a deactivated member's data for good.
    let since: u64 = String::from_utf8(world.scene.get("deactivated/U0ANA0001").unwrap())
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    support::wait_until(
        "a second since she was marked",
        std::time::Duration::from_secs(10),
        || support::serve::now() > since + 1,
    );
    poll("0");
    assert!(world.scene.users_json()["users"].get(ANA).is_some());

    // Past the period: forgotten, and Ben's shared picture kept.
    poll("1s");
    assert!(world.scene.users_json()["users"].get(ANA).is_none());
    assert!(!marked());
    let shared = world.picture_key(BEN, ":palm_tree:");
    assert!(
        ana_in_store_but(&world, &shared).is_empty(),
        "{:?}",
        ana_in_store_but(&world, &shared)
    );
    assert_eq!(
        world.scene.users_json()["users"][BEN][":house:"]["name"],
        "Ben (home)"
    );
}

/// The store lost half-way through a forget (right as Slack takes her usual name back): the
/// run fails (exit 1) with her presets already out of `users.json`, so nothing applies to her
/// meanwhile, and the wish kept; the next run, the store back, finishes it.
#[test]
fn a_forget_with_the_store_lost_half_way_is_finished_by_the_next_run() {
    use std::sync::Arc;
    use support::proxy::Proxy;

    let mut world = World::new(Scene::s3());
    world.member(ANA, "Ana");
    world
        .slack
        .set_photo_by_hand(ANA, images::jpeg(700, 700, 9));
    world.scene.write("beach.png", images::png(512, 512, 1));
    world.onboard(json!({ANA: {":palm_tree:": {"name": "Ana (away)", "picture": "beach.png"}}}));
    let out = world.run(&["apply", ANA, ":palm_tree:"]);
    assert!(out.status.success(), "{}", show(&out));
    let support::Backend::S3 { endpoint, .. } = &world.scene.backend else {
        unreachable!("an S3 scene")
    };
    let proxy = Arc::new(Proxy::start(endpoint.trim_start_matches("http://")));
    let cutter = proxy.clone();
    let once = std::sync::atomic::AtomicBool::new(false);
    world.slack.on_change(Box::new(move |member| {
        if member.profile["display_name"] == "Ana"
            && !once.swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            cutter.cut();
        }
    }));
    // `forget` with the store behind the proxy.
    let forget = || {
        world
            .command()
            .env("AWS_ENDPOINT_URL", &proxy.url)
            .args(["forget", ANA])
            .output()
            .unwrap()
    };
    let out = forget();
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    proxy.restore();
    assert!(world.scene.users_json()["users"].get(ANA).is_none());
    assert!(world.scene.get("forgets/U0ANA0001").is_some());

    let out = forget();
    assert!(out.status.success(), "{}", show(&out));
    assert_ana_back_and_gone(&world);
}

/// Ana asks to be forgotten while her vacation change is being written (Slack slow): the change
/// stops before its next write, her usual name and photo come back, and nothing of her is left.
#[test]
fn forget_me_while_a_change_is_being_written() {
    use std::time::Duration;
    use support::serve::Serve;
    use support::wait_until;

    let world = World::ana_with_her_own_photo();
    let bot = world.slack.add_bot();
    let serve = Serve::start(&world, &[], &[("SLACK_BOT_TOKEN", &bot)]);
    world.slack.set_latency(Duration::from_secs(2));
    world.slack.set_status(ANA, ":palm_tree:");
    serve.user_change(&world.slack.member(ANA));
    // Her name is being written when she asks.
    wait_until("the change under way", Duration::from_secs(30), || {
        world
            .slack
            .arrived()
            .iter()
            .any(|m| m == "users.profile.set")
    });
    let reply = serve.slash(ANA, "forget-me");
    assert!(reply.json()["text"]
        .as_str()
        .unwrap()
        .starts_with("Deleting"));
    world.slack.set_latency(Duration::ZERO);
    wait_until("Ana told it is done", Duration::from_secs(60), || {
        world
            .slack
            .messages()
            .iter()
            .any(|(to, text)| to == ANA && text.contains("is deleted"))
    });
    assert_ana_back_and_gone(&world);
    let beach = images::png(512, 512, 1);
    assert!(
        !world
            .slack
            .calls()
            .iter()
            .any(|c| c.method == "users.setPhoto"
                && c.image.as_ref().is_some_and(|(bytes, _)| *bytes == beach)),
        "the vacation photo was written: {:?}",
        world.slack.methods()
    );
}
