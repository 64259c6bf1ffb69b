//! Workspace presets: rules in `users.json` that give every connected member a look for an
//! emoji they have no preset of their own for, made from their own usual name and photo;
//! through `poll`, `apply` and `serve`, with the exact calls and the exact pixels.

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::oauth;
use support::serve::{echo_changes, Serve};
use support::{images, show, stdout, wait_until, World};

const ANA: &str = "U0ANA0001";
const BEN: &str = "U0BEN0002";
const RED: [u8; 3] = [0xd3, 0x3c, 0x3c];

/// The workspace presets of these tests: vacation in grayscale with its badge, sick with a red
/// ring, working from home with a name only.
fn rules() -> Value {
    json!({
        ":palm_tree:": {"name": "{name} (on vacation)", "photo": {"style": "grayscale"}},
        ":face_with_thermometer:": {"name": "{name} (sick)", "photo": {"ring": "#d33c3c", "badge": "none"}},
        ":house_with_garden:": {"name": "{name} (at home)"}
    })
}

/// Ana (her own photo, and a preset of her own for being sick) and Ben (no photo of his own,
/// no presets), both with a token in the tokens file; the workspace presets onboarded.
fn workspace() -> World {
    let mut world = World::local();
    world.member(ANA, "Ana");
    world
        .slack
        .set_photo_by_hand(ANA, images::jpeg(700, 700, 9));
    world.member(BEN, "Ben");
    world.onboard(json!({
        "users": {ANA: {":face_with_thermometer:": {"name": "Ana (feeling poorly)"}}},
        "workspace": rules()
    }));
    world.slack.clear_calls();
    world
}

fn decode(png: &[u8]) -> image::RgbaImage {
    assert_eq!(image::guess_format(png).unwrap(), image::ImageFormat::Png);
    image::load_from_memory(png).unwrap().into_rgba8()
}

/// The photos `users.setPhoto` received for a member, in order.
fn photos_sent(world: &World, user: &str) -> Vec<Vec<u8>> {
    world
        .slack
        .calls()
        .into_iter()
        .filter(|c| c.method == "users.setPhoto" && c.status == 200)
        .filter(|c| c.token_owner.as_deref() == Some(user))
        .filter_map(|c| c.image.map(|(bytes, _)| bytes))
        .collect()
}

/// What `statusinator preview` renders for `emoji` from `photo` (no photo: a plain avatar).
fn preview(world: &World, emoji: &str, photo: Option<&[u8]>) -> Vec<u8> {
    let out_path = world
        .scene
        .path(&format!("preview-{}.png", fastrand::u32(..)));
    let mut args = vec![
        "preview".to_owned(),
        emoji.to_owned(),
        "-o".to_owned(),
        out_path.display().to_string(),
    ];
    if let Some(photo) = photo {
        let path = world.scene.write("usual-photo", photo);
        args.extend(["--photo".to_owned(), path.display().to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = world.run(&args);
    assert!(out.status.success(), "{}", show(&out));
    std::fs::read(out_path).unwrap()
}

fn poll(world: &World) -> Value {
    let out = world.run(&["poll", "--json"]);
    assert!(out.status.success(), "{}", show(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn poll_gives_each_connected_member_the_look_made_from_their_own_profile() {
    let world = workspace();
    world.slack.set_status(ANA, ":palm_tree:");
    world.slack.set_status(BEN, ":palm_tree:");
    let report = poll(&world);
    assert_eq!(
        report["writes"],
        json!({"users.profile.set": 2, "users.setPhoto": 2}),
        "{report}"
    );
    assert_eq!(world.slack.display_name(ANA), "Ana (on vacation)");
    assert_eq!(world.slack.display_name(BEN), "Ben (on vacation)");

    // Ana's photo is made from hers exactly as `preview` makes it, and stored content-keyed.
    let ana = photos_sent(&world, ANA);
    assert_eq!(ana.len(), 1);
    assert_eq!(
        ana[0],
        preview(&world, ":palm_tree:", Some(&images::jpeg(700, 700, 9)))
    );
    let key = world.state_of(ANA)["applied"]["picture"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        key.starts_with("U0ANA0001/") && key.ends_with(".png"),
        "{key}"
    );
    assert_eq!(world.scene.get(&key).unwrap(), ana[0]);
    // Grayscale outside the badge; the badge carries the palm tree's own green.
    let made = decode(&ana[0]);
    assert_eq!(made.dimensions(), (512, 512));
    let (cx, cy, radius) = statusinator::workspace::photo::badge_circle();
    let mut green = 0;
    for (x, y, p) in made.enumerate_pixels() {
        let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
        let [r, g, b, _] = p.0;
        if (dx * dx + dy * dy).sqrt() > radius + 1.5 {
            assert!(r == g && g == b, "colour at ({x}, {y}): {:?}", p.0);
        } else if g as u16 > r as u16 + 40 && g as u16 > b as u16 + 40 {
            green += 1;
        }
    }
    assert!(green > 500, "{green} green pixels in the badge");
    // Ben has no photo of his own: a plain avatar is what his is made from.
    let ben = photos_sent(&world, BEN);
    assert_eq!(ben.len(), 1);
    assert_eq!(decode(&ben[0]).dimensions(), (512, 512));
    assert_ne!(ben[0], ana[0]);

    // Nothing matches twice: a second cycle writes nothing.
    world.slack.clear_calls();
    let report = poll(&world);
    assert_eq!(report["writes"]["users.setPhoto"], 0, "{report}");
    assert!(world.slack.profile_writes().is_empty());

    // Her own preset wins over the workspace's; a name-only workspace preset changes the name.
    world.slack.set_status(ANA, ":face_with_thermometer:");
    world.slack.set_status(BEN, ":house_with_garden:");
    poll(&world);
    assert_eq!(world.slack.display_name(ANA), "Ana (feeling poorly)");
    assert_eq!(world.slack.display_name(BEN), "Ben (at home)");

    // Cleared: their usual profiles come back, her photo byte for byte, his default avatar.
    world.slack.set_status(ANA, "");
    world.slack.set_status(BEN, "");
    world.slack.clear_calls();
    poll(&world);
    assert_eq!(world.slack.display_name(ANA), "Ana");
    assert_eq!(
        world.slack.member(ANA).photo,
        Some(images::jpeg(700, 700, 9))
    );
    assert_eq!(world.slack.display_name(BEN), "Ben");
    assert_eq!(world.slack.profile(BEN)["is_custom_image"], false);
}

#[test]
fn names_are_shortened_to_slacks_80_characters_and_only_the_name() {
    let mut world = World::local();
    let long = "Maximiliane Alexandra von Hohenzollern-Sigmaringen und Württemberg-Teck Jr";
    world.member(ANA, long);
    world.onboard(json!({"workspace": {":palm_tree:": {"name": "{name} (on vacation)"}}}));
    world.slack.set_status(ANA, ":palm_tree:");
    poll(&world);
    let name = world.slack.display_name(ANA);
    assert_eq!(name.chars().count(), 80, "{name}");
    assert!(name.ends_with("… (on vacation)"), "{name}");
    assert!(name.starts_with("Maximiliane Alexandra"), "{name}");
    // A name that fits is kept whole, at exactly 80.
    let fits = "B".repeat(80 - " (on vacation)".len());
    world.slack.set_status(ANA, "");
    poll(&world);
    world.slack.set_display_name_by_hand(ANA, &fits);
    world.slack.set_status(ANA, ":palm_tree:");
    poll(&world);
    assert_eq!(
        world.slack.display_name(ANA),
        format!("{fits} (on vacation)")
    );
    // No display name: the real name stands in.
    world.slack.set_status(ANA, "");
    poll(&world);
    world.slack.set_display_name_by_hand(ANA, "");
    world
        .slack
        .set_profile_field(ANA, "real_name", "Ana Real".into());
    world.slack.set_status(ANA, ":palm_tree:");
    poll(&world);
    assert_eq!(world.slack.display_name(ANA), "Ana Real (on vacation)");
}

#[test]
fn onboard_checks_templates_and_keeps_a_concurrent_members_preset() {
    let world = World::local();
    let bad = world.scene.write(
        "bad.json",
        serde_json::to_vec(&json!({"workspace": {
            "default": {"name": "{name}"},
            ":palm_tree:": {"name": format!("{{name}} {}", "x".repeat(79))},
            ":x:": {"name": "@{name}", "photo": {"ring": "red"}}
        }}))
        .unwrap(),
    );
    let out = world.run(&["onboard", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let text = show(&out);
    assert!(
        text.contains("workspace, emoji default: a workspace preset is for a status emoji"),
        "{text}"
    );
    assert!(text.contains("no room for the member's name"), "{text}");
    assert!(text.contains("#d33c3c"), "{text}");
    assert!(world.scene.get("users.json").is_none(), "nothing written");

    // The section and a member's own preset, onboarded at the same moment: both kept.
    let section = world.scene.write(
        "section.json",
        serde_json::to_vec(&json!({"workspace": rules()})).unwrap(),
    );
    let member = world.scene.write(
        "member.json",
        serde_json::to_vec(&json!({ANA: {":palm_tree:": {"name": "Ana (away)"}}})).unwrap(),
    );
    let runs: Vec<_> = [section, member]
        .into_iter()
        .map(|file| {
            world
                .command()
                .args(["onboard", file.to_str().unwrap()])
                .spawn()
                .unwrap()
        })
        .collect();
    for mut run in runs {
        assert!(run.wait().unwrap().success());
    }
    let users = world.scene.users_json();
    assert_eq!(users["users"][ANA][":palm_tree:"]["name"], "Ana (away)");
    assert_eq!(users["workspace"], rules());
    // Onboarding the section again changes nothing; the report says what it keeps.
    let again = world.scene.write(
        "again.json",
        serde_json::to_vec(&json!({"workspace": rules()})).unwrap(),
    );
    let out = world.run(&["onboard", again.to_str().unwrap()]);
    assert!(
        stdout(&out).contains("keep   workspace   :palm_tree:"),
        "{}",
        show(&out)
    );
    // preview names what it has when asked for what it has not, and a photo it cannot read.
    let png = world.scene.path("out.png");
    let out = world.run(&["preview", ":ship:", "-o", png.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        show(&out).contains("no workspace preset for :ship:: its workspace presets are :face_with_thermometer:, :house_with_garden:, :palm_tree:"),
        "{}",
        show(&out)
    );
    let text = world.scene.write("not-a-photo.png", "hello");
    let out = world.run(&[
        "preview",
        ":palm_tree:",
        "--photo",
        text.to_str().unwrap(),
        "-o",
        png.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        show(&out).contains("the usual photo is refused: it cannot be read as a PNG, JPEG or GIF"),
        "{}",
        show(&out)
    );
    assert!(!png.exists());
    // A rule that changes only the name: its name, and no photo, which is no mistake.
    let out = world.run(&[
        "preview",
        ":house_with_garden:",
        "-o",
        png.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        stdout(&out).starts_with("name: Ana Example (at home)\nphoto: none: the workspace preset for :house_with_garden: changes only the name"),
        "{}",
        show(&out)
    );
    assert!(!png.exists());
}

#[test]
fn apply_applies_a_workspace_preset_by_hand() {
    let world = workspace();
    let out = world.run(&[
        "apply",
        BEN,
        ":face_with_thermometer:",
        "--dry-run",
        "--json",
    ]);
    assert!(out.status.success(), "{}", show(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["writes"][0]["display_name"], "Ben (sick)");
    assert!(world.slack.profile_writes().is_empty());
    let out = world.run(&["apply", BEN, ":face_with_thermometer:"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(world.slack.display_name(BEN), "Ben (sick)");
    let sent = photos_sent(&world, BEN);
    assert_eq!(sent.len(), 1);
    // The ring's colour at its radius, the photo's own inside.
    let made = decode(&sent[0]);
    let (_, radius) = statusinator::workspace::photo::ring_circle();
    let top = made.get_pixel(256, (256.0 - radius) as u32).0;
    assert_eq!(top[..3], RED);
    // A member who is not connected has no workspace presets: told how to get them.
    let out = world.run(&["apply", "U0CY00003", ":palm_tree:"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(show(&out).contains("connect"), "{}", show(&out));
}

#[test]
fn a_new_usual_photo_gets_new_made_photos() {
    let world = workspace();
    world.slack.set_status(ANA, ":palm_tree:");
    poll(&world);
    let first = photos_sent(&world, ANA);
    world.slack.set_status(ANA, "");
    poll(&world);
    let first_key = world.state_of(ANA)["usual"]["picture"].clone();
    let made_first: Vec<String> = world
        .scene
        .snapshot()
        .into_keys()
        .filter(|k| statusinator::workspace::made::is_made_key(k))
        .collect();
    assert_eq!(made_first.len(), 1, "{made_first:?}");
    // While her usual profile shows, she changes her photo: that is her usual one now, and the
    // photo made from the earlier one goes.
    world.slack.set_photo_by_hand(ANA, images::png(600, 600, 3));
    poll(&world);
    assert_ne!(world.state_of(ANA)["usual"]["picture"], first_key);
    assert!(world.scene.get(&made_first[0]).is_none());
    world.slack.clear_calls();
    world.slack.set_status(ANA, ":palm_tree:");
    poll(&world);
    let second = photos_sent(&world, ANA);
    assert_eq!(
        second,
        vec![preview(
            &world,
            ":palm_tree:",
            Some(&images::png(600, 600, 3))
        )]
    );
    assert_ne!(second[0], first[0]);
    world.slack.set_status(ANA, "");
    poll(&world);
    assert_eq!(
        world.slack.member(ANA).photo,
        Some(images::png(600, 600, 3))
    );
}

#[test]
fn a_custom_emoji_badge_comes_from_emoji_list_on_slacks_own_host() {
    let mut world = World::local();
    world.member(BEN, "Ben");
    let magenta = image::RgbaImage::from_pixel(128, 128, image::Rgba([255, 0, 255, 255]));
    let mut png = std::io::Cursor::new(Vec::new());
    magenta.write_to(&mut png, image::ImageFormat::Png).unwrap();
    world
        .slack
        .add_custom_emoji("partyparrot", png.into_inner());
    world.slack.alias_emoji("parrot_alias", "partyparrot");
    world.onboard(json!({"workspace": {
        ":parrot_alias:": {"name": "{name} 🎉", "photo": {}}
    }}));
    let bot = world.slack.add_bot();
    world.slack.set_status(BEN, ":parrot_alias:");
    world.slack.clear_calls();
    let out = world
        .command()
        .args(["poll", "--json"])
        .env("SLACK_BOT_TOKEN", &bot)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let sent = photos_sent(&world, BEN);
    assert_eq!(sent.len(), 1);
    let made = decode(&sent[0]);
    let (cx, cy, _) = statusinator::workspace::photo::badge_circle();
    assert_eq!(made.get_pixel(cx as u32, cy as u32).0, [255, 0, 255, 255]);
    let lists: Vec<_> = world
        .slack
        .calls()
        .into_iter()
        .filter(|c| c.method == "emoji.list")
        .collect();
    assert_eq!(lists.len(), 1);
    assert_eq!(lists[0].token_kind, Some(support::slack::Kind::Bot));

    // doctor finds every badge, and names one that is neither standard nor the workspace's.
    let doctor = |world: &World| -> Value {
        let out = world
            .command()
            .args(["doctor", "--json", "--slack-api-url", &world.slack.url])
            .env("SLACK_BOT_TOKEN", &bot)
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "workspace presets")
            .cloned()
            .unwrap_or_else(|| panic!("{report}"))
    };
    assert_eq!(doctor(&world)["status"], "ok");
    world.onboard(json!({"workspace": {":no_such_parrot:": {"photo": {}}}}));
    let check = doctor(&world);
    assert_eq!(check["status"], "fix", "{check}");
    assert!(
        check["detail"]
            .as_str()
            .unwrap()
            .contains(":no_such_parrot:"),
        "{check}"
    );
}

#[test]
fn serve_applies_them_and_members_switch_them_off_and_on() {
    let world = workspace();
    let serve = Serve::start(&world, &[], &[]);
    echo_changes(&world, &serve.url);
    world.slack.set_status(BEN, ":palm_tree:");
    serve.user_change(&world.slack.member(BEN));
    wait_until("Ben's vacation look", Duration::from_secs(30), || {
        world.slack.display_name(BEN) == "Ben (on vacation)"
            && world.slack.profile(BEN)["is_custom_image"] == true
    });
    let list = serve.slash(BEN, "list").json()["text"].to_string();
    assert!(list.contains("no presets of your own yet"), "{list}");
    assert!(
        list.contains(
            "Your workspace's presets: :face_with_thermometer: :house_with_garden: :palm_tree:"
        ),
        "{list}"
    );
    let reply = serve.slash(BEN, "workspace off");
    assert!(
        reply.body.contains("Workspace presets off"),
        "{}",
        reply.body
    );
    wait_until("Ben's usual profile", Duration::from_secs(30), || {
        world.slack.display_name(BEN) == "Ben"
            && world.slack.profile(BEN)["is_custom_image"] == false
    });
    assert_eq!(world.state_of(BEN)["workspaceOff"], true);
    world.slack.clear_calls();
    world.slack.set_status(BEN, ":house_with_garden:");
    let before = serve.applies();
    serve.user_change(&world.slack.member(BEN));
    serve.settle(before + 1.0);
    assert!(world.slack.profile_writes().is_empty());
    let reply = serve.slash(BEN, "workspace on");
    assert!(
        reply.body.contains("Workspace presets on"),
        "{}",
        reply.body
    );
    wait_until("Ben at home", Duration::from_secs(30), || {
        world.slack.display_name(BEN) == "Ben (at home)"
    });
    assert!(world.state_of(BEN).get("workspaceOff").is_none());
}

#[test]
fn each_workspace_gets_its_own_section_and_the_home_tab_previews_them() {
    let mut world = World::local();
    world
        .slack
        .oauth_app(oauth::CLIENT_ID, oauth::CLIENT_SECRET);
    world.member(ANA, "Ana");
    world
        .slack
        .set_photo_by_hand(ANA, images::jpeg(700, 700, 9));
    world.member(BEN, "Ben");
    // Both connect through Slack; their tokens are not in the tokens file.
    world.tokens.clear();
    world.write_tokens();
    world.slack.move_to_team(BEN, "T0OTHER02");
    world.onboard(json!({
        "workspace": {":palm_tree:": {"name": "{name} (on vacation)", "photo": {"ring": "#d33c3c"}}},
        "workspaces": {"T0OTHER02": {":palm_tree:": {"name": "{name} (en vacances)"}}}
    }));
    let key = oauth::new_key();
    let serve = oauth::serve_with_oauth(&world, &key);
    echo_changes(&world, &serve.url);
    for member in [ANA, BEN] {
        world.slack.sign_in(member);
        let (cookie, link) = oauth::install(&serve);
        let location = oauth::allow(&world, &link);
        let reply = oauth::callback(&serve, &location, Some(&cookie));
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    for member in [ANA, BEN] {
        world.slack.set_status(member, ":palm_tree:");
        serve.user_change(&world.slack.member(member));
    }
    wait_until("both on vacation", Duration::from_secs(30), || {
        world.slack.display_name(ANA) == "Ana (on vacation)"
            && world.slack.member(ANA).photo != Some(images::jpeg(700, 700, 9))
            && world.slack.display_name(BEN) == "Ben (en vacances)"
    });
    assert!(
        world.slack.member(BEN).photo.is_none(),
        "his section has no photo"
    );

    // Ana's Home shows the workspace preset with a preview of her own photo, served to Slack.
    world.slack.clear_calls();
    assert_eq!(serve.home_opened(ANA).status, 200);
    wait_until("her Home", Duration::from_secs(30), || {
        world.slack.home(ANA).is_some()
    });
    let home = world.slack.home(ANA).unwrap();
    let text = home.to_string();
    assert!(text.contains("Workspace presets"), "{text}");
    assert!(text.contains("Ana (on vacation)"), "{text}");
    let url = home["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|b| {
            b["accessory"]["image_url"]
                .as_str()
                .filter(|u| u.contains("/pictures/"))
        })
        .expect("a preview")
        .to_owned();
    let path = &url[url.find("/pictures/").unwrap()..];
    let picture = serve.get(path);
    assert_eq!(picture.status, 200);
    assert_eq!(picture.header("Content-Type"), Some("image/png"));
    let shown = decode(&picture.bytes);
    let (_, radius) = statusinator::workspace::photo::ring_circle();
    assert_eq!(shown.get_pixel(256, (256.0 - radius) as u32).0[..3], RED);
    // It is the very photo her status brought.
    assert_eq!(Some(picture.bytes.clone()), world.slack.member(ANA).photo);
    // Her usual photo itself is never served.
    let usual = world.state_of(ANA)["usual"]["picture"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(serve.get(&format!("/pictures/{usual}")).status, 404);

    // Turned off from the Home tab.
    assert_eq!(serve.click(ANA, "workspace_off").status, 200);
    wait_until("her usual name", Duration::from_secs(30), || {
        world.slack.display_name(ANA) == "Ana"
    });
    wait_until("her Home says off", Duration::from_secs(30), || {
        world
            .slack
            .home(ANA)
            .is_some_and(|h| h.to_string().contains("Turn on"))
    });
}

#[test]
fn post_onboard_merges_a_section_and_serve_applies_it_to_connected_members() {
    let mut world = World::local();
    world.member(BEN, "Ben");
    world.onboard(json!({ANA: {"default": {"name": "Ana"}}}));
    let admin = "adm-0123456789";
    let serve = Serve::start(&world, &[], &[("STATUSINATOR_ADMIN_TOKEN", admin)]);
    echo_changes(&world, &serve.url);
    let bearer = format!("Bearer {admin}");
    let body = serde_json::to_vec(&json!({"workspace": rules()})).unwrap();
    let reply = serve.request("POST", "/onboard", &[("Authorization", &bearer)], &body);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.json()["workspace_presets"]["added"],
        3,
        "{}",
        reply.body
    );
    // Merged beside the members' presets, which stay.
    let users = world.scene.users_json();
    assert_eq!(users["users"][ANA]["default"]["name"], "Ana");
    assert_eq!(users["workspace"], rules());
    // Ben has no presets of his own; connected, he gets the section's.
    world.slack.set_status(BEN, ":palm_tree:");
    serve.user_change(&world.slack.member(BEN));
    wait_until("Ben's vacation look", Duration::from_secs(30), || {
        world.slack.display_name(BEN) == "Ben (on vacation)"
            && world.slack.profile(BEN)["is_custom_image"] == true
    });
}

/// A usual photo of 20,000 × 20,000 px (a few hundred KB, 400 MB decoded) is refused from its
/// header, never decoded: the member keeps it, the name still applies (and goes back), and
/// `preview --photo` says why.
#[test]
fn a_huge_usual_photo_is_refused_and_the_name_still_applies() {
    let world = workspace();
    let huge = images::huge_png(20_000, 20_000);
    assert!(huge.len() < 2_000_000, "{} bytes", huge.len());
    world.slack.set_photo_by_hand(ANA, huge.clone());
    world.slack.set_status(ANA, ":palm_tree:");
    world.slack.clear_calls();

    let out = world.run(&["poll", "--json"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(world.slack.display_name(ANA), "Ana (on vacation)");
    assert!(photos_sent(&world, ANA).is_empty(), "no photo is made");
    assert_eq!(world.slack.member(ANA).photo.as_deref(), Some(&huge[..]));
    let logs = support::stderr(&out);
    assert!(
        logs.contains("their photo is left as it is for :palm_tree:")
            && logs.contains("20000×20000 px"),
        "{logs}"
    );
    // Kept as their usual name, with the photo left alone: clearing the status puts the name
    // back and touches no photo.
    world.slack.set_status(ANA, "");
    let out = world.run(&["poll", "--json"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(world.slack.display_name(ANA), "Ana");
    assert!(photos_sent(&world, ANA).is_empty());
    assert_eq!(world.slack.member(ANA).photo.as_deref(), Some(&huge[..]));

    let path = world.scene.write("huge.png", &huge);
    let out = world.run(&[
        "preview",
        ":palm_tree:",
        "--photo",
        path.to_str().unwrap(),
        "-o",
        world.scene.path("out.png").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = support::stderr(&out);
    assert!(
        err.contains("huge.png") && err.contains("20000 × 20000 px"),
        "{err}"
    );
    assert!(err.contains("use a smaller photo"), "{err}");
}
