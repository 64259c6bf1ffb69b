//! `statusinator export`: the store's presets as one users.json, which `onboard` takes back as
//! it is, on a local store and on S3.

mod support;

use serde_json::{json, Value};
use support::{images, show, stdout, Scene, World};

/// Ana with a photo preset and a name-only one, Ben with a default, and a workspace preset.
fn world(scene: Scene) -> World {
    let mut world = World::new(scene);
    world.member("U0ANA0001", "Ana");
    world.member("U0BEN0002", "Ben");
    world.scene.write("beach.png", images::png(512, 512, 1));
    world.onboard(json!({
        "users": {
            "U0ANA0001": {
                ":palm_tree:": {"name": "Ana (away)", "picture": "beach.png"},
                ":face_with_thermometer:": {"name": "Ana (sick)"}
            },
            "U0BEN0002": {"default": {"name": "Ben"}}
        },
        "workspace": {":house_with_garden:": {"name": "{name} (at home)"}}
    }));
    world
}

fn round_trip(world: &World) {
    // To stdout: users.json as the store has it.
    let out = world.run(&["export"]);
    assert!(out.status.success(), "{}", show(&out));
    let exported: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(exported, world.scene.users_json());
    let picture = exported["users"]["U0ANA0001"][":palm_tree:"]["picture"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(picture.starts_with("U0ANA0001/") && picture.ends_with(".png"));

    // To a file, then back through onboard: nothing changes, no picture is stored again.
    let file = world.scene.path("backup/presets.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let out = world.run(&["export", "-o", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        stdout(&out).contains("exported 2 members' presets and 1 workspace preset to"),
        "{}",
        show(&out)
    );
    let before = world.scene.snapshot();
    let out = world.run(&["onboard", file.to_str().unwrap(), "--replace", "--json"]);
    assert!(out.status.success(), "{}", show(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["pictures"]["uploaded"], 0, "{report:#}");
    assert!(
        report["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["change"] == "unchanged"),
        "{report:#}"
    );
    let after = world.scene.snapshot();
    let changed: Vec<&String> = after
        .keys()
        .filter(|k| before.get(*k) != after.get(*k) && !k.starts_with(".locks"))
        .collect();
    assert_eq!(changed, ["users.json"], "only lastUpdatedAt moves");

    // An admin's edit of the file goes in like any presets file.
    let mut edited: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    edited["users"]["U0BEN0002"]["default"]["name"] = "Benjamin".into();
    std::fs::write(&file, serde_json::to_vec_pretty(&edited).unwrap()).unwrap();
    let out = world.run(&["onboard", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", show(&out));
    let again: Value = serde_json::from_slice(&world.run(&["export"]).stdout).unwrap();
    assert_eq!(again["users"]["U0BEN0002"]["default"]["name"], "Benjamin");
    assert_eq!(again["users"]["U0ANA0001"], exported["users"]["U0ANA0001"]);
}

#[test]
fn export_round_trips_through_onboard_on_a_local_store() {
    let world = world(Scene::local());
    round_trip(&world);

    // A store whose pictures are not those of the file: the picture is named, nothing written.
    let other = World::new(Scene::local());
    let file = world.scene.path("backup/presets.json");
    let out = other.run(&["onboard", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        show(&out).contains("onboard it from its own file"),
        "{}",
        show(&out)
    );
    assert!(other.scene.get("users.json").is_none());
    // Nothing to export yet (a store without users.json): said so.
    std::fs::create_dir_all(other.scene.path("store")).unwrap();
    let out = other.run(&["export"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        show(&out).contains("there are no presets in the store yet"),
        "{}",
        show(&out)
    );
}

#[test]
fn export_round_trips_through_onboard_on_s3() {
    round_trip(&world(Scene::s3()));
}
