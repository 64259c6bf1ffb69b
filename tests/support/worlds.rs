//! The worlds tests share: Ana with her own photo, Ana and Ben with the app's bot, a crowd of
//! members. A test file builds its own only when no world here is the one it needs.

use serde_json::{json, Value};

use super::{images, World};

impl World {
    /// Ana (token in the tokens file) with her own photo, a vacation preset (name and photo)
    /// and a sick one (name); no `default`, so her usual profile is what comes back. The
    /// stand-in's record of calls starts empty.
    pub fn ana_with_her_own_photo() -> World {
        let mut world = World::local();
        world.member("U0ANA0001", "Ana");
        world
            .slack
            .set_photo_by_hand("U0ANA0001", images::jpeg(700, 700, 9));
        world.scene.write("beach.png", images::png(512, 512, 1));
        world.onboard(serde_json::json!({"U0ANA0001": {
            ":palm_tree:": {"name": "Ana (away)", "picture": "beach.png"},
            ":face_with_thermometer:": {"name": "Ana (sick)"}
        }}));
        world.slack.clear_calls();
        world
    }

    /// Ana (a vacation preset, name and photo; her token in the tokens file), Ben (a WFH preset
    /// whose name needs escaping on a page; in Slack, not connected) and the app's bot; returns
    /// the bot's token.
    pub fn ana_and_ben_with_a_bot() -> (World, String) {
        let mut world = World::local();
        world.member("U0ANA0001", "Ana");
        world.slack.add_member("U0BEN0002", "Ben");
        let bot = world.slack.add_bot();
        world.scene.write("beach.png", images::png(512, 512, 1));
        world.onboard(json!({
            "U0ANA0001": {":palm_tree:": {"name": "Ana (away)", "picture": "beach.png"}},
            "U0BEN0002": {":house:": {"name": "Ben <home> & co"}}
        }));
        world.slack.clear_calls();
        (world, bot)
    }

    /// `n` members with a vacation, a sick and a default preset (names only), each with their
    /// own token in the tokens file; returns their IDs.
    pub fn crowd(scene: super::Scene, n: usize) -> (World, Vec<String>) {
        let mut world = World::new(scene);
        let mut presets = serde_json::Map::new();
        let mut ids = Vec::new();
        for i in 0..n {
            let id = format!("U0CROWD{i:04}");
            world.member(&id, &format!("Member {i}"));
            presets.insert(
                id.clone(),
                json!({
                    ":palm_tree:": {"name": format!("Member {i} (away)")},
                    ":face_with_thermometer:": {"name": format!("Member {i} (sick)")},
                    "default": {"name": format!("Member {i}")}
                }),
            );
            ids.push(id);
        }
        world.onboard(Value::Object(presets));
        (world, ids)
    }
}

/// `users.json` of `size` members (named by `id`) with four presets each, as onboard writes them
/// (three with a picture key): the benchmarks' large workspaces.
pub fn four_presets_each(size: usize, id: impl Fn(usize) -> String) -> Vec<u8> {
    let mut users = serde_json::Map::new();
    for i in 0..size {
        let id = id(i);
        users.insert(
            id.clone(),
            json!({
                ":palm_tree:": {"name": format!("Member {i} (on vacation)"), "picture": format!("{id}/1b4e28ba-2fa1-51d2-883f-0016d3cca427.png")},
                ":face_with_thermometer:": {"name": format!("Member {i} (sick)")},
                ":house_with_garden:": {"name": format!("Member {i} (WFH)"), "picture": format!("{id}/6fa459ea-ee8a-5ca4-894e-db77e160355e.png")},
                "default": {"name": format!("Member {i}"), "picture": format!("{id}/9c858901-8a57-5791-81fe-4c455b099bc9.png")},
            }),
        );
    }
    serde_json::to_vec(&json!({"lastUpdatedAt": 1_732_406_400u64, "users": users})).unwrap()
}

/// The workspace sizes a benchmark measures: `STATUSINATOR_BENCH_SIZES` (comma-separated), else
/// 1,000, 100,000 and 500,000 members.
pub fn bench_sizes() -> Vec<usize> {
    std::env::var("STATUSINATOR_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 100_000, 500_000])
}

/// The member ID of a benchmark's member `i`.
pub fn bench_id(i: usize) -> String {
    format!("U{i:08X}")
}
