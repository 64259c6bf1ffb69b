//! One rule for who statusinator acts for, the same in its three callers: `apply` by hand,
//! `poll`'s cycle and serve's workers. A member with no presets of their own and nothing else is
//! left alone by all three; a member with only the workspace's rules gets them from all three;
//! a member whose preset was removed while it was on gets their usual profile back from all
//! three.

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::serve::Serve;
use support::{show, wait_until, World};

const ANA: &str = "U0ANA0001";
const BEN: &str = "U0BEN0002";

/// The callers, each given the world with Ana's status set; afterwards the test reads Ana's name.
#[derive(Debug, Clone, Copy)]
enum Caller {
    Apply,
    Poll,
    Serve,
}

const CALLERS: [Caller; 3] = [Caller::Apply, Caller::Poll, Caller::Serve];

/// Ana (with her token) and Ben in the workspace, Ben onboarded so the store has presets.
fn world() -> World {
    let mut world = World::local();
    world.member(ANA, "Ana");
    world.member(BEN, "Ben");
    world
}

/// `caller` acts on Ana's status: `apply` with `apply_emoji`, `poll` one cycle, serve one
/// event. Returns whether it acted (wrote or planned), with its output for messages.
fn act(world: &World, caller: Caller, apply_emoji: &str) -> (bool, String) {
    let before = world.slack.profile_writes().len();
    match caller {
        Caller::Apply => {
            let out = world.run(&["apply", ANA, apply_emoji]);
            let acted = out.status.success();
            if !acted {
                assert_eq!(out.status.code(), Some(2), "{}", show(&out));
            }
            (acted, show(&out))
        }
        Caller::Poll => {
            let out = world.run(&["poll", "--json"]);
            assert!(out.status.success(), "{}", show(&out));
            (world.slack.profile_writes().len() > before, show(&out))
        }
        Caller::Serve => {
            let serve = Serve::start(world, &[], &[]);
            let member = world.slack.member(ANA);
            assert_eq!(serve.user_change(&member).0.status, 200);
            // Worked to the end: applied, or found to be nobody's business.
            wait_until("serve's decision", Duration::from_secs(30), || {
                serve.applies() >= 1.0
                    || serve.metric("statusinator_events_total{outcome=\"not_onboarded\"}") >= 1.0
            });
            serve.settle(serve.applies());
            let metrics = serve.get("/metrics").body;
            (
                world.slack.profile_writes().len() > before,
                format!("{metrics}\n{}", serve.logs()),
            )
        }
    }
}

#[test]
fn a_member_with_no_presets_of_their_own_is_left_alone_by_every_caller() {
    for caller in CALLERS {
        let world = world();
        world.onboard(json!({BEN: {":palm_tree:": {"name": "Ben (away)"}}}));
        world.slack.set_status(ANA, ":palm_tree:");
        let (acted, said) = act(&world, caller, ":palm_tree:");
        assert!(!acted, "{caller:?} acted for Ana: {said}");
        assert_eq!(world.slack.display_name(ANA), "Ana", "{caller:?}");
        if let Caller::Apply = caller {
            assert!(said.contains("U0ANA0001 is not onboarded"), "{said}");
        }
    }
}

#[test]
fn a_member_with_only_the_workspaces_rules_gets_them_from_every_caller() {
    for caller in CALLERS {
        let world = world();
        world.onboard(json!({
            "users": {BEN: {":house:": {"name": "Ben (home)"}}},
            "workspace": {":palm_tree:": {"name": "{name} (on vacation)"}}
        }));
        world.slack.set_status(ANA, ":palm_tree:");
        let (acted, said) = act(&world, caller, ":palm_tree:");
        assert!(acted, "{caller:?} did not act for Ana: {said}");
        wait_until("Ana's workspace preset", Duration::from_secs(30), || {
            world.slack.display_name(ANA) == "Ana (on vacation)"
        });
    }
}

#[test]
fn a_member_whose_preset_was_removed_while_on_gets_their_usual_profile_from_every_caller() {
    for caller in CALLERS {
        let world = world();
        with_her_preset_on(&world);
        match caller {
            // serve notices within a second that her presets left users.json.
            Caller::Serve => {
                let serve = Serve::start(&world, &[], &[]);
                remove_ana(&world);
                wait_until("Ana's usual name back", Duration::from_secs(30), || {
                    world.slack.display_name(ANA) == "Ana"
                });
                drop(serve);
            }
            // By hand, the usual profile is what `apply` is asked for.
            _ => {
                remove_ana(&world);
                let (acted, said) = act(&world, caller, "usual");
                assert!(acted, "{caller:?} did not act for Ana: {said}");
                assert_eq!(world.slack.display_name(ANA), "Ana", "{caller:?}");
            }
        }
    }
}

/// serve started after the presets went: its reconcile finds her preset on and puts her
/// usual profile back, as poll does.
#[test]
fn a_preset_removed_while_serve_was_down_goes_back_at_its_reconcile() {
    let world = world();
    with_her_preset_on(&world);
    remove_ana(&world);
    let serve = Serve::start(&world, &["--reconcile-every", "1s"], &[]);
    wait_until("Ana's usual name back", Duration::from_secs(30), || {
        world.slack.display_name(ANA) == "Ana"
    });
    drop(serve);
}

/// Ana onboarded with a vacation preset, and it is on (applied by hand).
fn with_her_preset_on(world: &World) {
    world.onboard(json!({
        ANA: {":palm_tree:": {"name": "Ana (away)"}},
        BEN: {":house:": {"name": "Ben (home)"}}
    }));
    world.slack.set_status(ANA, ":palm_tree:");
    let out = world.run(&["apply", ANA, ":palm_tree:"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(world.slack.display_name(ANA), "Ana (away)");
}

/// The admin takes Ana's presets out of users.json while hers is on.
fn remove_ana(world: &World) {
    let mut users: Value =
        serde_json::from_slice(&world.scene.get("users.json").unwrap()).expect("users.json");
    users["users"].as_object_mut().unwrap().remove(ANA);
    world
        .scene
        .put("users.json", &serde_json::to_vec(&users).unwrap());
}
