//! The preset modal: a member adds, edits and removes their own presets from the Home tab.
//! The modal opens with the click's trigger (`views.open`, bot token); a submission is checked
//! inline (`response_action: errors`) or saved after the ack: the picture downloaded from
//! Slack with the bot token, stored by content key, merged into `users.json` losslessly, and
//! applied at once when the member's status uses it.

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::serve::{modal_says, preset_values as values, Reply, Serve};
use support::slack::Kind;
use support::{images, wait_until, World};

const ANA: &str = "U0ANA0001";
const BEN: &str = "U0BEN0002";

fn start(world: &World, bot: &str) -> Serve {
    Serve::start(world, &[], &[("SLACK_BOT_TOKEN", bot)])
}

/// `user` clicks `action_id` (Add, or Edit with the preset's emoji) and gets the modal Slack
/// opened for them: its ID and view.
fn open(world: &World, serve: &Serve, user: &str, action_id: &str, value: &str) -> (String, Value) {
    let before = world.slack.modal(user).map(|(id, _)| id);
    let trigger = world.slack.trigger(user);
    let sent = Instant::now();
    assert_eq!(serve.click_on(user, action_id, value, &trigger).status, 200);
    assert!(sent.elapsed() < Duration::from_secs(3));
    let mut modal = None;
    wait_until("the preset modal", Duration::from_secs(10), || {
        modal = world
            .slack
            .modal(user)
            .filter(|(id, _)| Some(id) != before.as_ref());
        modal.is_some()
    });
    modal.unwrap()
}

fn errors(reply: &Reply) -> Value {
    let body = reply.json();
    assert_eq!(body["response_action"], "errors", "{body}");
    body["errors"].clone()
}

#[test]
fn a_member_adds_a_preset_with_a_photo_and_it_applies_at_once() {
    let (world, bot) = World::ana_and_ben_with_a_bot();
    let serve = start(&world, &bot);
    // Her status already uses the emoji she is about to add a preset for.
    world.slack.set_status(ANA, ":sunny:");

    let (id, form) = open(&world, &serve, ANA, "add", "");
    assert_eq!(form["title"]["text"], "New preset");
    let opened = world
        .slack
        .calls()
        .into_iter()
        .find(|c| c.method == "views.open")
        .unwrap();
    assert_eq!(opened.token_kind, Some(Kind::Bot));

    let sun = images::png(600, 600, 7);
    let file = world.slack.attach(ANA, "sun.png", sun.clone());
    let sent = Instant::now();
    let reply = serve.submit(
        ANA,
        &id,
        &form,
        values(":sunny:", Some("Ana ☀"), vec![file]),
    );
    assert!(sent.elapsed() < Duration::from_secs(3));
    let body = reply.json();
    assert_eq!(body["response_action"], "update", "{body}");
    assert!(body["view"]
        .to_string()
        .contains("Saving your :sunny: preset"));

    let saved = modal_says(&world, ANA, "Preset saved");
    assert!(
        saved.contains(":sunny: → name “Ana ☀” and a photo"),
        "{saved}"
    );
    let users = world.scene.users_json();
    assert_eq!(users["users"][ANA][":sunny:"]["name"], "Ana ☀");
    assert_eq!(
        users["users"][ANA][":palm_tree:"]["name"], "Ana (away)",
        "merged, not replaced"
    );
    let key = world.picture_key(ANA, ":sunny:");
    assert!(
        key.starts_with("U0ANA0001/") && key.ends_with(".png"),
        "{key}"
    );
    assert_eq!(world.scene.get(&key).unwrap(), sun, "the bytes, exactly");
    assert_eq!(
        world.slack.file_downloads(),
        vec![(Some(Kind::Bot), 200)],
        "downloaded once, with the bot token"
    );

    wait_until("the new preset in effect", Duration::from_secs(20), || {
        world.slack.display_name(ANA) == "Ana ☀"
            && world.slack.member(ANA).photo.as_deref() == Some(&sun[..])
    });
    let home = world
        .slack
        .home(ANA)
        .expect("her Home published")
        .to_string();
    assert!(home.contains(":sunny:: name “Ana ☀” and a photo"), "{home}");
}

#[test]
fn each_problem_is_shown_in_its_field_and_nothing_is_written() {
    let (world, bot) = World::ana_and_ben_with_a_bot();
    let serve = start(&world, &bot);
    let before = world.scene.snapshot();
    let (id, form) = open(&world, &serve, ANA, "add", "");

    let bad = errors(&serve.submit(ANA, &id, &form, values("palm tree!", Some("@ana"), vec![])));
    assert!(
        bad["emoji"]
            .as_str()
            .unwrap()
            .contains("not a Slack emoji code"),
        "{bad}"
    );
    assert!(
        bad["name"].as_str().unwrap().contains("drop the @"),
        "{bad}"
    );

    let long = "Ana ".repeat(21);
    let bad = errors(&serve.submit(ANA, &id, &form, values(":x:", Some(&long), vec![])));
    assert!(
        bad["name"].as_str().unwrap().contains("at most 80"),
        "{bad}"
    );

    let small = world
        .slack
        .attach(ANA, "small.png", images::png(300, 300, 2));
    let bad = errors(&serve.submit(ANA, &id, &form, values(":x:", None, vec![small])));
    assert!(
        bad["picture"].as_str().unwrap().contains("300×300 px"),
        "{bad}"
    );
    assert!(
        bad.get("emoji").is_none() && bad.get("name").is_none(),
        "{bad}"
    );

    let bad = errors(&serve.submit(ANA, &id, &form, values(":palm_tree:", Some("Ana"), vec![])));
    assert!(
        bad["emoji"]
            .as_str()
            .unwrap()
            .contains("already have a :palm_tree: preset"),
        "{bad}"
    );

    // A text file named .png looks like a picture to Slack: its bytes tell, once downloaded,
    // and the form comes back saying so.
    let text = world
        .slack
        .attach(ANA, "notes.png", b"remember the milk\n".to_vec());
    let reply = serve.submit(ANA, &id, &form, values(":x:", Some("Ana"), vec![text]));
    assert_eq!(reply.json()["response_action"], "update");
    let again = modal_says(&world, ANA, "it is not a PNG, JPEG or GIF");
    assert!(again.contains("notes.png"), "{again}");
    assert!(
        again.contains("\"initial_value\":\":x:\""),
        "what she typed stays: {again}"
    );
    assert!(again.contains("\"initial_value\":\"Ana\""), "{again}");

    assert_eq!(world.scene.snapshot(), before, "nothing stored");
    assert_eq!(world.slack.profile_writes(), Vec::<String>::new());
}

#[test]
fn edit_keeps_the_photo_and_remove_brings_the_usual_profile_back() {
    let (world, bot) = World::ana_and_ben_with_a_bot();
    let serve = start(&world, &bot);
    let photo = world.picture_key(ANA, ":palm_tree:");
    world.slack.set_status(ANA, ":palm_tree:");
    serve.user_change(&world.slack.member(ANA));
    wait_until("the vacation preset", Duration::from_secs(20), || {
        world.slack.display_name(ANA) == "Ana (away)"
    });

    let (id, form) = open(&world, &serve, ANA, "edit", ":palm_tree:");
    assert_eq!(form["title"]["text"], "Edit preset");
    let text = form.to_string();
    assert!(text.contains("\"initial_value\":\"Ana (away)\""), "{text}");
    assert!(text.contains("leave this empty to keep it"), "{text}");
    serve.submit(
        ANA,
        &id,
        &form,
        values(":palm_tree:", Some("Ana (beach)"), vec![]),
    );
    modal_says(&world, ANA, "Preset saved");
    let users = world.scene.users_json();
    assert_eq!(users["users"][ANA][":palm_tree:"]["name"], "Ana (beach)");
    assert_eq!(
        users["users"][ANA][":palm_tree:"]["picture"],
        photo.as_str()
    );
    wait_until(
        "the edited preset in effect",
        Duration::from_secs(20),
        || world.slack.display_name(ANA) == "Ana (beach)",
    );

    // Moving the preset to another emoji takes it off the old one.
    let (id, form) = open(&world, &serve, ANA, "edit", ":palm_tree:");
    serve.submit(
        ANA,
        &id,
        &form,
        values(":desert_island:", Some("Ana (island)"), vec![]),
    );
    modal_says(&world, ANA, "Preset saved");
    let users = world.scene.users_json();
    assert!(users["users"][ANA].get(":palm_tree:").is_none(), "{users}");
    assert_eq!(
        users["users"][ANA][":desert_island:"]["picture"],
        photo.as_str()
    );
    wait_until("her usual name back", Duration::from_secs(20), || {
        world.slack.display_name(ANA) == "Ana"
    });

    world.slack.set_status(ANA, ":desert_island:");
    serve.user_change(&world.slack.member(ANA));
    wait_until("the island preset", Duration::from_secs(20), || {
        world.slack.display_name(ANA) == "Ana (island)"
    });
    let sent = Instant::now();
    assert_eq!(
        serve
            .click_on(ANA, "remove", ":desert_island:", "1.2.3")
            .status,
        200
    );
    assert!(sent.elapsed() < Duration::from_secs(3));
    wait_until(
        "her usual name after Remove",
        Duration::from_secs(20),
        || world.slack.display_name(ANA) == "Ana",
    );
    let users = world.scene.users_json();
    assert!(users["users"].get(ANA).is_none(), "{users}");
    let home = world.slack.home(ANA).unwrap().to_string();
    assert!(home.contains("You have no presets yet"), "{home}");
}

#[test]
fn a_member_only_ever_changes_their_own_presets() {
    let (world, bot) = World::ana_and_ben_with_a_bot();
    let serve = start(&world, &bot);
    let ana_before = world.scene.users_json()["users"][ANA].clone();

    // Ben edits "Ana's" preset: the view's metadata names it, a form value claims to be Ana.
    let (id, form) = open(&world, &serve, BEN, "add", "");
    let mut forged = form.clone();
    forged["private_metadata"] = ":palm_tree:".into();
    let payload = support::serve::submission(
        BEN,
        &id,
        &forged,
        values(":palm_tree:", Some("Ben (hacked)"), vec![]),
    );
    let reply = serve.post_signed_form(&[("payload", &payload), ("user_id", ANA)]);
    assert_eq!(reply.json()["response_action"], "update");
    modal_says(&world, BEN, "Preset saved");
    // Ben clicks Remove on "Ana's" preset.
    serve.click_on(BEN, "remove", ":palm_tree:", "1.2.3");
    serve.click_on(BEN, "remove", ":house:", "1.2.3");
    wait_until(
        "Ben's house preset removed",
        Duration::from_secs(20),
        || {
            world.scene.users_json()["users"][BEN]
                .get(":house:")
                .is_none()
        },
    );

    let users = world.scene.users_json();
    assert_eq!(users["users"][ANA], ana_before, "Ana's presets untouched");
    assert!(
        users["users"].get(BEN).is_none(),
        "Ben removed his own palm tree: {users}"
    );
}

#[test]
fn slow_slack_does_not_slow_the_answers() {
    let (world, bot) = World::ana_and_ben_with_a_bot();
    let serve = start(&world, &bot);
    world.slack.set_latency(Duration::from_secs(4));
    let (id, form) = open(&world, &serve, ANA, "add", "");
    let file = world
        .slack
        .attach(ANA, "sun.jpg", images::jpeg(800, 600, 3));
    let sent = Instant::now();
    let reply = serve.submit(ANA, &id, &form, values(":sunny:", None, vec![file]));
    assert!(
        sent.elapsed() < Duration::from_secs(3),
        "{:?}",
        sent.elapsed()
    );
    assert_eq!(reply.json()["response_action"], "update");
    wait_until("the preset stored", Duration::from_secs(30), || {
        world.scene.users_json()["users"][ANA]
            .get(":sunny:")
            .is_some()
    });
    assert!(world.picture_key(ANA, ":sunny:").ends_with(".jpg"));
}

#[test]
fn an_admins_onboard_and_a_members_submit_at_the_same_moment_both_survive() {
    let (world, bot) = World::ana_and_ben_with_a_bot();
    let serve = start(&world, &bot);
    for round in 0..4 {
        let emoji = format!(":round{round}:");
        let (id, form) = open(&world, &serve, ANA, "add", "");
        let onboarded = format!(":admin{round}:");
        let path = world.scene.write(
            &format!("round{round}.json"),
            serde_json::to_vec(&json!({BEN: {&onboarded: {"name": format!("Ben {round}")}}}))
                .unwrap(),
        );
        let command = world.command();
        let admin = std::thread::spawn(move || {
            let mut command = command;
            command
                .args(["onboard", path.to_str().unwrap()])
                .output()
                .unwrap()
        });
        serve.submit(
            ANA,
            &id,
            &form,
            values(&emoji, Some(&format!("Ana {round}")), vec![]),
        );
        let out = admin.join().unwrap();
        assert!(out.status.success(), "{}", support::show(&out));
        wait_until("both changes", Duration::from_secs(20), || {
            let users = world.scene.users_json();
            users["users"][ANA].get(&emoji).is_some()
                && users["users"][BEN].get(&onboarded).is_some()
        });
    }
    let users = world.scene.users_json();
    assert_eq!(users["users"][ANA].as_object().unwrap().len(), 5, "{users}");
    assert_eq!(users["users"][BEN].as_object().unwrap().len(), 5, "{users}");
}

/// A stop with a save still waiting (both app workers busy publishing, Slack slow): the modal
/// does not stay on *Saving…*; it says the preset was not saved, with the form as filled.
#[test]
fn a_stop_never_leaves_a_modal_saving() {
    let (world, bot) = World::ana_and_ben_with_a_bot();
    let serve = Serve::start(
        &world,
        &["--drain-timeout", "1s"],
        &[("SLACK_BOT_TOKEN", &bot)],
    );
    let (id, form) = open(&world, &serve, ANA, "add", "");
    world.slack.set_latency(Duration::from_secs(3));
    // Two slow Home publishes take both workers of the general lane.
    serve.home_opened(ANA);
    serve.home_opened(BEN);
    let file = world.slack.attach(ANA, "sun.png", images::png(600, 600, 7));
    let reply = serve.submit(
        ANA,
        &id,
        &form,
        values(":sunny:", Some("Ana ☀"), vec![file]),
    );
    assert_eq!(reply.json()["response_action"], "update");
    let (code, logs) = serve.terminate();
    assert_eq!(code, Some(0), "{logs}");
    assert!(logs.contains("not worked before the stop"), "{logs}");
    let (_, view) = world.slack.modal(ANA).unwrap();
    let text = view.to_string();
    assert!(!text.contains("Saving your"), "{text}");
    assert!(text.contains("press Save again"), "{text}");
    assert!(text.contains("Ana ☀"), "the form as filled: {text}");
}
