//! The app's Home tab: opening it publishes the member's own view (`views.publish`, bot
//! token) with their connection, pause state, what was applied and their presets; its Pause
//! and Resume buttons act for the signed payload's member only.

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::serve::{click_payload, Serve};
use support::{images, wait_until, World};

const PUBLIC: &str = "https://statusinator.example.com";

fn start(world: &World, bot: &str) -> Serve {
    let key = statusinator::tokens::seal::SealKey::generate();
    Serve::start(
        world,
        &[],
        &[
            ("SLACK_BOT_TOKEN", bot),
            ("SLACK_CLIENT_ID", "1234.5678"),
            ("SLACK_CLIENT_SECRET", "3f9b1c0d2e4a5b6c7d8e9f0a1b2c3d4e"),
            ("STATUSINATOR_PUBLIC_URL", PUBLIC),
            ("STATUSINATOR_SECRET_KEY", &key),
        ],
    )
}

/// Waits for a Home view of `user` that `ready` accepts; returns its text.
fn home_text(world: &World, user: &str, what: &str, ready: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    wait_until(what, Duration::from_secs(20), || {
        last = world
            .slack
            .home(user)
            .map(|view: Value| view.to_string())
            .unwrap_or_default();
        ready(&last)
    });
    last
}

#[test]
fn home_shows_each_member_their_own_connection_and_presets() {
    let (world, bot) = World::ana_and_ben_with_a_bot();
    let serve = start(&world, &bot);
    let sent = Instant::now();
    assert_eq!(serve.home_opened("U0ANA0001").status, 200);
    assert!(sent.elapsed() < Duration::from_secs(3));
    let ana = home_text(&world, "U0ANA0001", "Ana's Home", |t| !t.is_empty());
    assert!(ana.contains("*Connected* by your admin"), "{ana}");
    assert!(
        ana.contains(":palm_tree:: name “Ana (away)” and a photo"),
        "{ana}"
    );
    assert!(ana.contains("\"action_id\":\"pause\""), "{ana}");
    assert!(!ana.contains("Ben"), "only her own presets: {ana}");

    // Her preset's photo shows as a thumbnail Slack fetches from serve's public address.
    let key = world.picture_key("U0ANA0001", ":palm_tree:");
    let thumbnail = format!("{PUBLIC}/pictures/{key}");
    assert!(ana.contains(&thumbnail), "{ana}");
    let photo = serve.get(&format!("/pictures/{key}"));
    assert_eq!(photo.status, 200);
    assert_eq!(photo.header("content-type"), Some("image/png"));
    assert!(photo.header("cache-control").unwrap().contains("immutable"));
    assert_eq!(photo.bytes, world.scene.get(&key).unwrap());
    // Nothing else in the store is served: not another key, not a made-up path.
    for other in [
        "/pictures/U0ANA0001/00000000-0000-5000-8000-000000000000.png".to_owned(),
        "/pictures/users.json".to_owned(),
        format!("/pictures/U0BEN0002/{}", key.split_once('/').unwrap().1),
        "/pictures/U0ANA0001/../users.json".to_owned(),
    ] {
        assert_eq!(serve.get(&other).status, 404, "{other}");
    }

    serve.home_opened("U0BEN0002");
    let ben = home_text(&world, "U0BEN0002", "Ben's Home", |t| !t.is_empty());
    assert!(ben.contains("*Not connected*"), "{ben}");
    assert!(ben.contains(&format!("{PUBLIC}/slack/install")), "{ben}");
    assert!(ben.contains("Ben &lt;home&gt; &amp; co"), "{ben}");

    // One view per opening, each with the bot token (the stand-in refuses any other).
    let views = world
        .slack
        .calls()
        .iter()
        .filter(|c| c.method == "views.publish")
        .count();
    assert_eq!(views, 2);
    assert_eq!(
        serve.metric("statusinator_events_total{outcome=\"home\"}"),
        2.0
    );
}

/// Ana, with a photo of her own, on vacation through serve: the change applied whole (its photo
/// too, and recorded).
fn ana_on_vacation() -> (World, String, Serve) {
    let (world, bot) = World::ana_and_ben_with_a_bot();
    world
        .slack
        .set_photo_by_hand("U0ANA0001", images::jpeg(700, 700, 9));
    let serve = start(&world, &bot);
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    serve.user_change(&world.slack.member("U0ANA0001"));
    wait_until("the vacation preset", Duration::from_secs(20), || {
        world.slack.display_name("U0ANA0001") == "Ana (away)"
    });
    serve.settle(1.0);
    (world, bot, serve)
}

#[test]
fn pause_and_resume_buttons_change_the_profile_and_the_home_view() {
    let (world, _bot, serve) = ana_on_vacation();
    serve.home_opened("U0ANA0001");
    let active = home_text(&world, "U0ANA0001", "Ana's Home", |t| t.contains("Active"));
    assert!(
        active.contains("status :palm_tree:; the :palm_tree: preset is applied"),
        "{active}"
    );

    // Ben clicks Pause on his Home: Ana, whose ID is nowhere in his payload but a form
    // value, is untouched.
    let forged = serve.post_signed_form(&[
        (
            "payload",
            &click_payload("U0BEN0002", "pause", "pause", "1.2.3"),
        ),
        ("user_id", "U0ANA0001"),
    ]);
    assert_eq!(forged.status, 200);

    let sent = Instant::now();
    assert_eq!(serve.click("U0ANA0001", "pause").status, 200);
    assert!(sent.elapsed() < Duration::from_secs(3));
    let paused = home_text(&world, "U0ANA0001", "a paused Home", |t| {
        t.contains("Paused")
    });
    assert!(paused.contains("\"action_id\":\"resume\""), "{paused}");
    wait_until("her usual name", Duration::from_secs(20), || {
        world.slack.display_name("U0ANA0001") == "Ana"
    });

    serve.click("U0ANA0001", "resume");
    home_text(&world, "U0ANA0001", "an active Home", |t| {
        t.contains("Active")
    });
    wait_until("the vacation preset again", Duration::from_secs(20), || {
        world.slack.display_name("U0ANA0001") == "Ana (away)"
    });
    let ben = home_text(&world, "U0BEN0002", "Ben's Home", |t| t.contains("Paused"));
    assert!(ben.contains("*Not connected*"), "{ben}");
}

/// 120 members open their Home at once while Slack is slow: the Home publishes queue up, yet
/// Ana's Add click opens its modal within the trigger's 3 s (modals have a worker of their own).
#[test]
fn a_click_opens_its_modal_whatever_home_publishes_wait() {
    let (world, bot) = World::ana_and_ben_with_a_bot();
    let serve = start(&world, &bot);
    world.slack.set_latency(Duration::from_millis(300));
    for i in 0..120 {
        assert_eq!(serve.home_opened(&format!("U0MANY{i:03}")).status, 200);
    }
    let trigger = world.slack.trigger("U0ANA0001");
    assert_eq!(serve.click_on("U0ANA0001", "add", "", &trigger).status, 200);
    wait_until("the preset modal", Duration::from_secs(20), || {
        world.slack.modal("U0ANA0001").is_some()
    });
    let opened: Vec<_> = world
        .slack
        .calls()
        .into_iter()
        .filter(|c| c.method == "views.open")
        .collect();
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].status, 200, "{}", opened[0].answer);
    assert_eq!(opened[0].answer["ok"], true, "{}", opened[0].answer);
    assert!(
        serve.health()["app_jobs"].as_u64().unwrap() > 0,
        "Home publishes were still waiting"
    );
}

/// One member opening their Home over and over: never two publishes of it at once, and a
/// couple at the end instead of one a click.
#[test]
fn a_home_opened_a_thousand_times_is_published_one_at_a_time() {
    let (world, bot) = World::ana_and_ben_with_a_bot();
    let serve = start(&world, &bot);
    let latency = Duration::from_millis(200);
    world.slack.set_latency(latency);
    for _ in 0..1000 {
        serve.home_opened("U0ANA0001");
    }
    wait_until("her Home", Duration::from_secs(20), || {
        serve.health()["app_jobs"] == 0 && world.slack.home("U0ANA0001").is_some()
    });
    // Every publish that reached Slack has its answer: none is under way any more.
    wait_until("no publish under way", Duration::from_secs(20), || {
        let sent = |calls: Vec<String>| calls.iter().filter(|m| *m == "views.publish").count();
        let answered = world.slack.calls().into_iter().map(|c| c.method).collect();
        sent(world.slack.arrived()) == sent(answered)
    });
    let publishes: Vec<Instant> = world
        .slack
        .calls()
        .into_iter()
        .filter(|c| c.method == "views.publish")
        .map(|c| c.at)
        .collect();
    assert!(publishes.len() < 1000 / 10, "{} publishes", publishes.len());
    for pair in publishes.windows(2) {
        assert!(
            pair[1].duration_since(pair[0]) >= latency,
            "two publishes of her Home at once"
        );
    }
}

/// What statusinator keeps about a member, in plain words: on their Home tab, and in a direct
/// message when they ask with `/statusinator data`. Never a token.
#[test]
fn a_member_sees_what_is_kept_about_them_on_home_and_on_asking() {
    let (world, bot, serve) = ana_on_vacation();

    serve.home_opened("U0ANA0001");
    let home = home_text(&world, "U0ANA0001", "what is kept", |t| {
        t.contains("The last change")
    });
    for line in [
        "What statusinator keeps about you",
        "1 preset (:palm_tree:), with 1 picture stored for it.",
        "Your usual name (“Ana”) and a copy of your own photo, kept on",
        "The last change: the :palm_tree: preset on",
        "You have not connected through statusinator: it stores no token of yours.",
    ] {
        assert!(home.contains(line), "{line:?} in {home}");
    }

    let reply = serve.slash("U0ANA0001", "data");
    assert!(
        reply.json()["text"]
            .as_str()
            .unwrap()
            .contains("direct message"),
        "{}",
        reply.body
    );
    let mut told = String::new();
    wait_until("the direct message", Duration::from_secs(20), || {
        told = world
            .slack
            .messages()
            .into_iter()
            .find(|(to, text)| to == "U0ANA0001" && text.contains("keeps about you"))
            .map(|(_, text)| text)
            .unwrap_or_default();
        !told.is_empty()
    });
    assert!(told.contains("• 1 preset (:palm_tree:)"), "{told}");
    assert!(told.contains("a copy of your own photo"), "{told}");
    let secrets: Vec<String> = world.tokens.values().cloned().chain([bot]).collect();
    for secret in secrets {
        assert!(
            !told.contains(&secret) && !home.contains(&secret),
            "a token shown"
        );
    }
}
