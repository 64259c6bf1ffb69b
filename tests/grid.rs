//! Enterprise Grid: an org admin installs the app once for the organization, a member connects
//! once for all of its workspaces, and a status change delivered by every workspace the member
//! is in is written once.

mod support;

use std::time::Duration;

use serde_json::json;
use support::oauth::{connect_as, new_key, serve_with_oauth, CLIENT_ID, CLIENT_SECRET};
use support::serve::{event_id, org_user_change, TEAM};
use support::{images, wait_until, World};

const ORG: &str = "E0ORG0001";
const SECOND: &str = "T0SECOND";
const ADMIN: &str = "W0ADMIN01";
const ANA: &str = "W0ANA0001";

/// An organization of two workspaces; Ana (a W… member) onboarded with a vacation preset.
fn organization() -> World {
    let world = World::local();
    world.slack.add_member(ADMIN, "Admin");
    world.slack.add_member(ANA, "Ana");
    world.scene.write("beach.png", images::png(512, 512, 1));
    world.onboard(json!({ANA: {":palm_tree:": {"name": "Ana (away)", "picture": "beach.png"}}}));
    world.slack.oauth_app(CLIENT_ID, CLIENT_SECRET);
    world.slack.make_org(ORG, "Acme Corp", &[TEAM, SECOND]);
    world
}

/// A `user_change` from a workspace install inside the organization (the workspace's own
/// install: `is_enterprise_install` false).
fn workspace_install_change(member: &support::slack::Member) -> Vec<u8> {
    let mut body: serde_json::Value =
        serde_json::from_slice(&org_user_change(member, &event_id(), TEAM, ORG)).unwrap();
    body["authorizations"][0]["is_enterprise_install"] = false.into();
    serde_json::to_vec(&body).unwrap()
}

fn stored(world: &World, prefix: &str) -> Vec<String> {
    world
        .scene
        .snapshot()
        .keys()
        .filter(|k| k.starts_with(prefix))
        .cloned()
        .collect()
}

#[test]
fn installed_once_for_the_org_a_member_connects_once_and_is_written_once() {
    let world = organization();
    let serve = serve_with_oauth(&world, &new_key());

    // The org admin installs the app for the whole organization.
    world.slack.install_for_org();
    let reply = connect_as(&world, &serve, ADMIN, &[]);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("Acme Corp"), "{}", reply.body);
    assert_eq!(
        stored(&world, "installations/"),
        [format!("installations/{ORG}.json")],
        "stored by organization"
    );

    // Ana connects once, from whichever workspace: stored by organization and member.
    let reply = connect_as(&world, &serve, ANA, &[]);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let hers = stored(&world, "tokens/");
    let hers: Vec<&String> = hers.iter().filter(|k| k.contains(ANA)).collect();
    assert_eq!(hers.len(), 1, "{hers:?}");
    assert!(hers[0].ends_with(&format!("/{ANA}/{ORG}.json")), "{hers:?}");

    // Her status changes; both workspaces deliver the event.
    world.slack.clear_calls();
    world.slack.set_status(ANA, ":palm_tree:");
    let member = world.slack.member(ANA);
    let seen = serve.events_seen();
    for team in [TEAM, SECOND] {
        let body = org_user_change(&member, &event_id(), team, ORG);
        assert_eq!(serve.post_signed(&body, &[]).status, 200);
    }
    wait_until("her vacation preset", Duration::from_secs(20), || {
        world.slack.display_name(ANA) == "Ana (away)" && world.slack.member(ANA).photo.is_some()
    });
    serve.idle_after(seen + 2.0);
    let writes = |method: &str| {
        world
            .slack
            .calls()
            .iter()
            .filter(|c| c.method == method && c.token_owner.as_deref() == Some(ANA))
            .count()
    };
    assert_eq!(writes("users.profile.set"), 1, "one name write");
    assert_eq!(writes("users.setPhoto"), 1, "one photo write");

    // She opens the app's Home in the second workspace: published with the org's bot.
    let body = json!({"type": "event_callback", "team_id": SECOND, "enterprise_id": ORG,
        "event_id": event_id(), "api_app_id": "A0STATUS",
        "authorizations": [{"enterprise_id": ORG, "team_id": SECOND, "user_id": "U0BOT",
                            "is_bot": true, "is_enterprise_install": "true"}],
        "event": {"type": "app_home_opened", "user": ANA, "tab": "home"}});
    let body = serde_json::to_vec(&body).unwrap();
    assert_eq!(serve.post_signed(&body, &[]).status, 200);
    wait_until("her Home", Duration::from_secs(20), || {
        world.slack.home(ANA).is_some()
    });
    let publish = world
        .slack
        .calls()
        .into_iter()
        .find(|c| c.method == "views.publish")
        .unwrap();
    assert_eq!(publish.token_kind, Some(support::slack::Kind::Bot));
}

/// The org admin and Ana connected to an org-wide install.
fn org_connected() -> (World, support::serve::Serve) {
    let (world, serve, _) = org_connected_with_key();
    (world, serve)
}

/// [`org_connected`], with the key the tokens are sealed with.
fn org_connected_with_key() -> (World, support::serve::Serve, String) {
    let world = organization();
    let key = new_key();
    let serve = serve_with_oauth(&world, &key);
    world.slack.install_for_org();
    for member in [ADMIN, ANA] {
        let reply = connect_as(&world, &serve, member, &[]);
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    (world, serve, key)
}

#[test]
fn a_locked_photo_is_left_alone_told_once_and_tried_again_on_asking() {
    let (world, serve) = org_connected();
    world.slack.lock_field(ANA, "photo", "permission_denied");
    world.slack.clear_calls();
    let change = |status: &str| {
        world.slack.set_status(ANA, status);
        let member = world.slack.member(ANA);
        let seen = serve.events_seen();
        let body = org_user_change(&member, &event_id(), TEAM, ORG);
        assert_eq!(serve.post_signed(&body, &[]).status, 200);
        serve.idle_after(seen + 1.0);
    };
    change(":palm_tree:");
    // The name is applied; the photo was tried once, and is left alone.
    assert_eq!(world.slack.display_name(ANA), "Ana (away)");
    assert!(world.slack.member(ANA).photo.is_none());
    let photo_writes = || {
        world
            .slack
            .calls()
            .iter()
            .filter(|c| c.method == "users.setPhoto")
            .count()
    };
    assert_eq!(photo_writes(), 1);
    // She is told once, in a direct message and on her Home.
    wait_until("the message", Duration::from_secs(20), || {
        !world.slack.messages().is_empty()
    });
    let messages = world.slack.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0].0, ANA);
    assert!(messages[0].1.contains("photo") && messages[0].1.contains("permission_denied"));
    wait_until("her Home says so", Duration::from_secs(20), || {
        world
            .slack
            .home(ANA)
            .is_some_and(|home| home.to_string().contains("Locked by your organization"))
    });
    assert_eq!(
        serve.metric("statusinator_locked_fields_total{field=\"photo\"}"),
        1.0
    );
    // doctor names her and the field.
    let out = world.run(&["doctor"]);
    let text = support::stdout(&out);
    assert!(
        text.contains("locked fields") && text.contains("W0ANA0001: photo (permission_denied)"),
        "{text}"
    );
    // More changes: her name follows, no photo write is tried, no second message.
    change("");
    change(":palm_tree:");
    assert_eq!(world.slack.display_name(ANA), "Ana (away)");
    assert_eq!(photo_writes(), 1, "not retried in a loop");
    assert_eq!(world.slack.messages().len(), 1, "told once");

    // The admin lets members change their photo; she presses Try again.
    world.slack.unlock_field(ANA, "photo");
    assert_eq!(serve.click(ANA, "try_again").status, 200);
    wait_until("her vacation photo", Duration::from_secs(20), || {
        world.slack.member(ANA).photo.is_some()
    });
    assert_eq!(photo_writes(), 2);
}

/// A workspace that had the app installed on its own joins an organization: its members stay
/// connected, and events that now carry the organization (a workspace install in an org) are
/// worked as before.
#[test]
fn a_workspace_that_joins_an_org_keeps_its_members_connected() {
    let world = World::local();
    world.slack.add_member(ANA, "Ana");
    world.scene.write("beach.png", images::png(512, 512, 1));
    world.onboard(json!({ANA: {":palm_tree:": {"name": "Ana (away)", "picture": "beach.png"}}}));
    world.slack.oauth_app(CLIENT_ID, CLIENT_SECRET);
    let serve = serve_with_oauth(&world, &new_key());
    let reply = connect_as(&world, &serve, ANA, &[]);
    assert_eq!(reply.status, 200, "{}", reply.body);
    // The workspace joins an organization (Slack's team_added_to_org): nothing to redo.
    world.slack.make_org(ORG, "Acme Corp", &[TEAM]);
    world.slack.set_status(ANA, ":palm_tree:");
    let body = workspace_install_change(&world.slack.member(ANA));
    assert_eq!(serve.post_signed(&body, &[]).status, 200);
    wait_until("her vacation preset", Duration::from_secs(20), || {
        world.slack.display_name(ANA) == "Ana (away)" && world.slack.member(ANA).photo.is_some()
    });
}

/// Slack's authorize link of the install page, with its state taken out: what an org admin's
/// install from the organization's app management page comes back as.
fn without_state(link: &str) -> String {
    let mut url = url::Url::parse(link).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "state")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.to_string()
}

#[test]
fn an_org_install_from_the_admin_page_needs_no_state_and_nothing_else_goes_without_one() {
    use support::oauth::{allow, callback, install};
    // Outside an org-wide install, a redirect without a state is refused, and what Slack gave
    // for it is revoked, never stored.
    let world = organization();
    let serve = serve_with_oauth(&world, &new_key());
    world.slack.sign_in(ANA);
    let (_, link) = install(&serve);
    let location = allow(&world, &without_state(&link));
    let reply = callback(&serve, &location, None);
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(stored(&world, "installations/").is_empty());
    assert!(stored(&world, "tokens/").is_empty());
    assert!(
        world
            .slack
            .calls()
            .iter()
            .any(|c| c.method == "auth.revoke" && c.token_owner.as_deref() == Some(ANA)),
        "her token revoked"
    );

    // The org admin installs from the organization's app management page: no state, and the
    // installation is kept (the admin's own token is not).
    world.slack.install_for_org();
    world.slack.sign_in(ADMIN);
    let (_, link) = install(&serve);
    let location = allow(&world, &without_state(&link));
    let reply = callback(&serve, &location, None);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("Acme Corp"), "{}", reply.body);
    assert_eq!(
        stored(&world, "installations/"),
        [format!("installations/{ORG}.json")]
    );
    assert!(
        stored(&world, "tokens/").is_empty(),
        "no member connected without a state"
    );
}

/// The workspaces an org-wide install is granted to, as its record in the store has them.
fn grants(world: &World) -> Option<Vec<String>> {
    let bytes = world.scene.snapshot()[&format!("installations/{ORG}.json")].clone();
    let record: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    serde_json::from_value(record["workspaces"].clone()).unwrap()
}

fn team_access(serve: &support::serve::Serve, granted: bool, teams: &[&str]) {
    let kind = if granted {
        "team_access_granted"
    } else {
        "team_access_revoked"
    };
    let body = json!({"type": "event_callback", "enterprise_id": ORG, "event_id": event_id(),
        "authorizations": [{"enterprise_id": ORG, "team_id": null, "user_id": "U0BOT",
                            "is_bot": true, "is_enterprise_install": true}],
        "event": {"type": kind, "team_ids": teams}});
    let body = serde_json::to_vec(&body).unwrap();
    assert_eq!(serve.post_signed(&body, &[]).status, 200);
}

#[test]
fn an_org_installs_workspaces_follow_slacks_grants() {
    let (world, serve, key) = org_connected_with_key();
    // Installed, granted to none yet: known as such once the admin connected.
    assert_eq!(grants(&world), Some(vec![]));
    // The org admin grants it to both workspaces: Slack says so with events.
    world.slack.grant(TEAM, true);
    world.slack.grant(SECOND, true);
    team_access(&serve, true, &[TEAM, SECOND]);
    wait_until("both granted", Duration::from_secs(20), || {
        grants(&world) == Some(vec![SECOND.to_owned(), TEAM.to_owned()])
    });
    // And takes the second back.
    world.slack.grant(SECOND, false);
    team_access(&serve, false, &[SECOND]);
    wait_until("the second taken back", Duration::from_secs(20), || {
        grants(&world) == Some(vec![TEAM.to_owned()])
    });
    // A member looking from the workspace taken back is told on their Home; one looking from
    // a granted workspace is not.
    let open_home = |user: &str, team: &str| {
        let body = json!({"type": "event_callback", "team_id": team, "enterprise_id": ORG,
            "event_id": event_id(), "api_app_id": "A0STATUS",
            "authorizations": [{"enterprise_id": ORG, "team_id": team, "user_id": "U0BOT",
                                "is_bot": true, "is_enterprise_install": true}],
            "event": {"type": "app_home_opened", "user": user, "tab": "home"}});
        let body = serde_json::to_vec(&body).unwrap();
        assert_eq!(serve.post_signed(&body, &[]).status, 200);
    };
    open_home(ANA, SECOND);
    open_home(ADMIN, TEAM);
    let home_of = |user: &str| world.slack.home(user).map(|h| h.to_string());
    wait_until("both Homes", Duration::from_secs(20), || {
        home_of(ANA).is_some() && home_of(ADMIN).is_some()
    });
    assert!(
        home_of(ANA)
            .unwrap()
            .contains("*Not added to this workspace yet* (T0SECOND)"),
        "{:?}",
        home_of(ANA)
    );
    assert!(!home_of(ADMIN)
        .unwrap()
        .contains("Not added to this workspace"));
    // doctor asks Slack (auth.teams.list, every page) and says so.
    let out = world
        .command()
        .env("STATUSINATOR_SECRET_KEY", &key)
        .args(["doctor"])
        .output()
        .unwrap();
    let text = support::stdout(&out);
    assert!(
        text.contains(&format!("{ORG} is granted to 1 workspace: {TEAM}")),
        "{text}"
    );
}

/// `workspaces.E…`: the organization's own section of workspace presets, for the members of its
/// org-wide install (before the section for every workspace).
#[test]
fn an_organizations_own_section_applies_to_its_members() {
    let (world, serve) = org_connected();
    world.onboard(json!({
        "users": {ANA: {":palm_tree:": {"name": "Ana (away)", "picture": "beach.png"}}},
        "workspace": {":bus:": {"name": "{name} (on a bus)"}},
        "workspaces": {ORG: {":bus:": {"name": "{name} (commuting)"}}}
    }));
    world.slack.set_status(ADMIN, ":bus:");
    let member = world.slack.member(ADMIN);
    let body = org_user_change(&member, &event_id(), SECOND, ORG);
    assert_eq!(serve.post_signed(&body, &[]).status, 200);
    wait_until("the organization's preset", Duration::from_secs(20), || {
        world.slack.display_name(ADMIN) == "Admin (commuting)"
    });
}

/// A workspace install inside an organization: the workspace's own section first, then its
/// organization's, then the one for every workspace.
#[test]
fn a_workspace_install_in_an_org_falls_back_to_its_organizations_section() {
    let world = organization();
    let key = new_key();
    let serve = serve_with_oauth(&world, &key);
    let reply = connect_as(&world, &serve, ADMIN, &[]);
    assert_eq!(reply.status, 200, "{}", reply.body);
    drop(serve);
    let onboard = |own: Option<&str>| {
        let mut sections = json!({
            "users": {ANA: {":palm_tree:": {"name": "Ana (away)", "picture": "beach.png"}}},
            "workspace": {":bus:": {"name": "{name} (on a bus)"}},
            "workspaces": {ORG: {":bus:": {"name": "{name} (commuting)"}}}
        });
        if let Some(name) = own {
            sections["workspaces"][TEAM] = json!({":bus:": {"name": name}});
        }
        world.onboard(sections);
    };
    // Serve started after each onboard, so its presets are the file's.
    let bus = |expected: &str| {
        let serve = serve_with_oauth(&world, &key);
        world.slack.set_status(ADMIN, ":bus:");
        let body = workspace_install_change(&world.slack.member(ADMIN));
        assert_eq!(serve.post_signed(&body, &[]).status, 200);
        wait_until(expected, Duration::from_secs(20), || {
            world.slack.display_name(ADMIN) == expected
        });
        world.slack.set_status(ADMIN, "");
        let body = workspace_install_change(&world.slack.member(ADMIN));
        assert_eq!(serve.post_signed(&body, &[]).status, 200);
        wait_until("the usual name back", Duration::from_secs(20), || {
            world.slack.display_name(ADMIN) == "Admin"
        });
    };
    onboard(None);
    bus("Admin (commuting)");
    // The workspace's own section, once there is one, before its organization's.
    onboard(Some("{name} (on the T line)"));
    bus("Admin (on the T line)");
}
