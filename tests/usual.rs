//! A member's usual profile is never lost: kept before statusinator first changes them, put back
//! when no preset applies (a cleared status, one that lapsed, one without a preset), updated
//! with what they set by hand, and never written over. The stand-in serves members' photos over
//! its own URL, so the exact bytes are checked.

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::serve::{echo_changes, Serve};
use support::{images, show, wait_until, World};

fn change(world: &World, serve: &Serve, emoji: &str) {
    world.slack.set_status("U0ANA0001", emoji);
    let (reply, _) = serve.user_change(&world.slack.member("U0ANA0001"));
    assert_eq!(reply.status, 200);
}

fn photo(world: &World) -> Option<Vec<u8>> {
    world.slack.member("U0ANA0001").photo
}

/// serve started (Slack's echoes of its writes delivered back), and Ana on vacation: its
/// name and photo in effect.
fn on_vacation(world: &World) -> Serve {
    let serve = Serve::start(world, &[], &[]);
    echo_changes(world, &serve.url);
    change(world, &serve, ":palm_tree:");
    wait_until("the vacation preset", Duration::from_secs(20), || {
        world.slack.display_name("U0ANA0001") == "Ana (away)"
            && photo(world) == Some(images::png(512, 512, 1))
    });
    serve
}

#[test]
fn the_first_preset_keeps_the_usual_name_and_exact_photo_and_clearing_puts_them_back() {
    let world = World::ana_with_her_own_photo();
    let serve = on_vacation(&world);
    // Her usual profile, kept before the first write: the name, and the photo byte for byte.
    let usual = &world.state_of("U0ANA0001")["usual"];
    assert_eq!(usual["name"], "Ana", "{usual}");
    assert_eq!(usual["customPhoto"], true);
    let kept = world.scene.get(usual["picture"].as_str().unwrap()).unwrap();
    assert_eq!(kept, images::jpeg(700, 700, 9));

    world.slack.clear_calls();
    change(&world, &serve, "");
    wait_until("her usual profile", Duration::from_secs(20), || {
        world.slack.display_name("U0ANA0001") == "Ana"
            && photo(&world) == Some(images::jpeg(700, 700, 9))
    });
    serve.settle(2.0);
    // Exactly: the name, the photo, its avatar_hash read back; the echoes write nothing.
    let writes: Vec<String> = world.slack.methods();
    assert_eq!(
        writes,
        ["users.profile.set", "users.setPhoto", "users.profile.get"],
        "{writes:?}"
    );
    assert_eq!(world.state_of("U0ANA0001")["applied"]["preset"], "usual");
}

#[test]
fn without_a_photo_of_her_own_clearing_removes_the_photo() {
    let mut world = World::local();
    world.member("U0BEN0002", "Ben");
    world.scene.write("beach.png", images::png(512, 512, 1));
    world.onboard(json!({"U0BEN0002": {
        ":palm_tree:": {"name": "Ben (away)", "picture": "beach.png"}
    }}));
    world.slack.set_status("U0BEN0002", ":palm_tree:");
    let out = world.run(&["poll"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(world.slack.profile("U0BEN0002")["is_custom_image"], true);
    world.slack.set_status("U0BEN0002", "");
    world.slack.clear_calls();
    let out = world.run(&["poll", "--json"]);
    assert!(out.status.success(), "{}", show(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["writes"],
        json!({"users.profile.set": 1, "users.setPhoto": 0, "users.deletePhoto": 1})
    );
    assert_eq!(report["members"][0]["usual"], json!({"name": "Ben"}));
    let methods = world.slack.methods();
    assert_eq!(
        methods,
        [
            "users.profile.get",
            "auth.test",
            "users.profile.set",
            "users.deletePhoto",
            "users.profile.get"
        ]
    );
    let ben = world.slack.profile("U0BEN0002");
    assert_eq!(ben["is_custom_image"], false);
    assert_eq!(ben["display_name"], "Ben");
    assert!(world.slack.member("U0BEN0002").photo.is_none());
}

#[test]
fn a_status_that_lapses_is_put_back_at_its_end_by_serve_and_by_the_next_poll() {
    let world = World::ana_with_her_own_photo();
    let serve = Serve::start(&world, &[], &[]);
    let ends = support::serve::now() + 3;
    world
        .slack
        .set_status_until("U0ANA0001", ":palm_tree:", ends);
    serve.user_change(&world.slack.member("U0ANA0001"));
    wait_until("the vacation preset", Duration::from_secs(20), || {
        world.slack.display_name("U0ANA0001") == "Ana (away)"
    });
    // The lapse is scheduled once the whole apply is done (the name shows before its photo).
    wait_until("the lapse scheduled", Duration::from_secs(20), || {
        serve.health()["lapsing"] == 1
    });
    // No event comes: serve puts her usual profile back when the status lapses.
    wait_until(
        "her usual profile, at the lapse",
        Duration::from_secs(20),
        || {
            world.slack.display_name("U0ANA0001") == "Ana"
                && photo(&world) == Some(images::jpeg(700, 700, 9))
        },
    );
    assert!(support::serve::now() >= ends);
    drop(serve);

    // poll: a lapsed status is a cleared one.
    let ends = support::serve::now() + 2;
    world
        .slack
        .set_status_until("U0ANA0001", ":face_with_thermometer:", ends);
    let out = world.run(&["poll"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(world.slack.display_name("U0ANA0001"), "Ana (sick)");
    wait_until("her status lapses", Duration::from_secs(10), || {
        support::serve::now() > ends
    });
    let out = world.run(&["poll"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(world.slack.display_name("U0ANA0001"), "Ana");
}

#[test]
fn a_hand_edit_during_a_preset_is_never_written_over_and_stays_after_clearing() {
    let world = World::ana_with_her_own_photo();
    let serve = on_vacation(&world);
    serve.settle(1.0);
    // Her own echoes were not taken for hand edits.
    assert_eq!(world.state_of("U0ANA0001")["usual"]["name"], "Ana");

    // On vacation, she renames herself by hand; Slack sends the change.
    world
        .slack
        .set_display_name_by_hand("U0ANA0001", "Ana (surfing)");
    world.slack.clear_calls();
    serve.user_change(&world.slack.member("U0ANA0001"));
    wait_until(
        "her hand edit is her usual",
        Duration::from_secs(20),
        || world.state_of("U0ANA0001")["usual"]["name"] == "Ana (surfing)",
    );
    assert!(
        world.slack.calls().is_empty(),
        "nothing written over: {:?}",
        world.slack.methods()
    );
    assert_eq!(world.slack.display_name("U0ANA0001"), "Ana (surfing)");

    // She clears her status: her hand-set name stays, her own photo comes back.
    change(&world, &serve, "");
    wait_until("her usual photo", Duration::from_secs(20), || {
        photo(&world) == Some(images::jpeg(700, 700, 9))
    });
    serve.settle(3.0);
    assert_eq!(world.slack.display_name("U0ANA0001"), "Ana (surfing)");
    assert!(!world
        .slack
        .methods()
        .contains(&"users.profile.set".to_owned()));
}

#[test]
fn a_restart_between_the_preset_and_the_clear_still_puts_the_usual_profile_back() {
    let world = World::ana_with_her_own_photo();
    let serve = Serve::start(&world, &[], &[]);
    change(&world, &serve, ":palm_tree:");
    wait_until("the vacation preset", Duration::from_secs(20), || {
        world.slack.display_name("U0ANA0001") == "Ana (away)"
    });
    serve.settle(1.0);
    drop(serve);
    let serve = Serve::start(&world, &[], &[]);
    change(&world, &serve, "");
    wait_until("her usual profile", Duration::from_secs(20), || {
        world.slack.display_name("U0ANA0001") == "Ana"
            && photo(&world) == Some(images::jpeg(700, 700, 9))
    });
}

#[test]
fn apply_usual_puts_the_usual_profile_back_by_hand() {
    let world = World::ana_with_her_own_photo();
    let out = world.run(&["apply", "U0ANA0001", "usual"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(support::stderr(&out).contains("has not changed U0ANA0001's profile yet"));
    let out = world.run(&["apply", "U0ANA0001", ":palm_tree:"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(world.slack.display_name("U0ANA0001"), "Ana (away)");
    let out = world.run(&["apply", "U0ANA0001", "usual", "--json"]);
    assert!(out.status.success(), "{}", show(&out));
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["preset"], "usual");
    assert_eq!(world.slack.display_name("U0ANA0001"), "Ana");
    assert_eq!(photo(&world), Some(images::jpeg(700, 700, 9)));
}

#[test]
fn a_photo_changed_by_hand_during_a_preset_becomes_the_usual_one() {
    let world = World::ana_with_her_own_photo();
    let serve = on_vacation(&world);
    serve.settle(1.0);
    // She sets a new photo by hand, still on vacation.
    world
        .slack
        .set_photo_by_hand("U0ANA0001", images::png(800, 800, 5));
    world.slack.clear_calls();
    serve.user_change(&world.slack.member("U0ANA0001"));
    wait_until(
        "her new photo is her usual",
        Duration::from_secs(20),
        || {
            world.state_of("U0ANA0001")["usual"]["picture"]
                .as_str()
                .is_some_and(|key| world.scene.get(key) == Some(images::png(800, 800, 5)))
        },
    );
    assert!(
        !world.slack.methods().contains(&"users.setPhoto".to_owned()),
        "not written over"
    );
    // Cleared: her name comes back, and her hand-set photo stays.
    change(&world, &serve, "");
    wait_until("her usual name", Duration::from_secs(20), || {
        world.slack.display_name("U0ANA0001") == "Ana"
    });
    serve.settle(2.0);
    // Another word of the same (a reconcile, an echo): her photo is her usual one already.
    serve.user_change(&world.slack.member("U0ANA0001"));
    serve.settle(3.0);
    assert_eq!(photo(&world), Some(images::png(800, 800, 5)));
    assert!(!world.slack.methods().contains(&"users.setPhoto".to_owned()));
}

/// Changed by hand while her usual profile shows, her name and photo are her usual ones from
/// then on; but an event whose profile is older than statusinator's last write (it shows the
/// preset it since put back) changes nothing of her usual.
#[test]
fn a_change_after_the_usual_is_back_is_kept_and_an_older_profile_is_not_taken_for_one() {
    let world = World::ana_with_her_own_photo();
    let serve = on_vacation(&world);
    // A snapshot of her profile while on vacation, to be delivered late.
    let mut stale = world.slack.member("U0ANA0001");
    change(&world, &serve, "");
    wait_until("her usual profile", Duration::from_secs(20), || {
        world.slack.display_name("U0ANA0001") == "Ana"
            && photo(&world) == Some(images::jpeg(700, 700, 9))
    });
    serve.settle(2.0);
    let usual = world.state_of("U0ANA0001")["usual"].clone();
    // The late event: a new status, with the vacation's name and photo.
    stale.profile["status_emoji"] = ":face_with_thermometer:".into();
    world
        .slack
        .set_status("U0ANA0001", ":face_with_thermometer:");
    serve.user_change(&stale);
    wait_until("the sick preset", Duration::from_secs(20), || {
        world.slack.display_name("U0ANA0001") == "Ana (sick)"
    });
    serve.settle(3.0);
    assert_eq!(
        world.state_of("U0ANA0001")["usual"],
        usual,
        "her usual is untouched"
    );
    change(&world, &serve, "");
    wait_until("her usual name", Duration::from_secs(20), || {
        world.slack.display_name("U0ANA0001") == "Ana"
    });
    assert_eq!(photo(&world), Some(images::jpeg(700, 700, 9)));

    // Now she really changes her photo while her usual profile shows: kept as her usual.
    serve.settle(4.0);
    world
        .slack
        .set_photo_by_hand("U0ANA0001", images::png(640, 640, 5));
    serve.user_change(&world.slack.member("U0ANA0001"));
    wait_until("her new photo kept", Duration::from_secs(20), || {
        let picture = world.state_of("U0ANA0001")["usual"]["picture"].clone();
        picture.as_str().and_then(|key| world.scene.get(key)) == Some(images::png(640, 640, 5))
    });
    change(&world, &serve, ":palm_tree:");
    wait_until("the vacation again", Duration::from_secs(20), || {
        photo(&world) == Some(images::png(512, 512, 1))
    });
    change(&world, &serve, "");
    wait_until("her new photo back", Duration::from_secs(20), || {
        photo(&world) == Some(images::png(640, 640, 5))
    });
}
