//! The README's pictures of what members see, made from the product's real output: Ana connects,
//! sets her status to 🌴 and clears it (her profile as Slack holds it before, during and after:
//! the names and the very photo bytes Slack received), then opens her Home tab and the Add
//! modal (the Block Kit views serve published). Each is drawn in a real headless Chromium.
//! The test checks what each picture shows; with `STATUSINATOR_DOCS_PICTURES=DIR` (as
//! `scripts/docs-pictures.sh` runs it) it also writes them there.

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::blockkit;
use support::browser::Browser;
use support::oauth::{connect, new_key, serve_with_oauth_env, CLIENT_ID, CLIENT_SECRET};
use support::{wait_until, World};

const ANA: &str = "U0ANA0001";
const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");

fn example(path: &str) -> Vec<u8> {
    std::fs::read(format!("{EXAMPLES}/{path}")).unwrap()
}

/// Draws `body` in the browser and returns a PNG of its `#view` (or `#profiles`) element.
fn draw(browser: &Browser, dir: &std::path::Path, name: &str, body: &str, css: &str) -> Vec<u8> {
    let html = dir.join(format!("{name}.html"));
    std::fs::write(&html, blockkit::page(name, body)).unwrap();
    browser.goto(&format!("file://{}", html.display()));
    let png = browser.element_png(css);
    let picture = image::load_from_memory(&png).expect("a PNG");
    assert!(
        picture.width() > 300 && picture.height() > 150,
        "{name}: a picture"
    );
    png
}

fn profile_card(caption: &str, name: &str, status: &str, photo: &[u8]) -> String {
    format!(
        r#"<div class="profile"><div class="caption">{}</div><img class="photo" src="{}" alt=""><div class="name">{}</div><div class="status">{}</div></div>"#,
        blockkit::text(&json!({"type": "plain_text", "text": caption})),
        blockkit::data_url(photo),
        blockkit::escape(name),
        blockkit::text(&json!({"type": "plain_text", "text": status}))
    )
}

#[test]
fn what_members_see_drawn_from_the_real_views() {
    let world = World::local();
    world.slack.add_member(ANA, "Ana");
    let usual = example("pictures/ana.png");
    world.slack.set_photo_by_hand(ANA, usual.clone());
    // Ana's presets from the example file, and the example workspace presets.
    let presets: Value = serde_json::from_slice(&example("presets.json")).unwrap();
    let mut mine = presets["users"]["U024BE7LH"].clone();
    for preset in mine.as_object_mut().unwrap().values_mut() {
        if let Some(picture) = preset["picture"].as_str() {
            let bytes = example(picture);
            let path = world.scene.write(picture, bytes);
            preset["picture"] = path.display().to_string().into();
        }
    }
    let workspace: Value = serde_json::from_slice(&example("workspace-presets.json")).unwrap();
    world.onboard(json!({"users": {ANA: mine}, "workspace": workspace["workspace"]}));
    world.slack.oauth_app(CLIENT_ID, CLIENT_SECRET);
    let key = new_key();
    let serve = serve_with_oauth_env(&world, &key, &[], &[]);
    connect(&world, &serve);

    // Her status through a vacation.
    let before = world.slack.member(ANA);
    world.slack.set_status(ANA, ":palm_tree:");
    serve.user_change(&world.slack.member(ANA));
    wait_until("the vacation preset", Duration::from_secs(30), || {
        let ana = world.slack.member(ANA);
        ana.profile["display_name"] == "Ana (on vacation)"
            && ana.photo.as_deref() == Some(&example("pictures/beach.png")[..])
    });
    let during = world.slack.member(ANA);
    world.slack.set_status(ANA, "");
    serve.user_change(&world.slack.member(ANA));
    wait_until("her usual profile back", Duration::from_secs(30), || {
        let ana = world.slack.member(ANA);
        ana.profile["display_name"] == "Ana" && ana.photo.as_deref() == Some(&usual[..])
    });
    let after = world.slack.member(ANA);

    // Her Home tab, once it shows her presets and the workspace's, and the Add modal.
    serve.home_opened(ANA);
    let mut home = Value::Null;
    wait_until(
        "Ana's Home with her presets",
        Duration::from_secs(30),
        || {
            home = world.slack.home(ANA).unwrap_or_default();
            let text = home.to_string();
            text.contains("Ana (on vacation)") && text.contains("(working from home)")
        },
    );
    let trigger = world.slack.trigger(ANA);
    assert_eq!(serve.click_on(ANA, "add", "", &trigger).status, 200);
    let mut modal = Value::Null;
    wait_until("the Add modal", Duration::from_secs(10), || {
        modal = world.slack.modal(ANA).map(|(_, v)| v).unwrap_or_default();
        !modal.is_null()
    });

    let browser = Browser::start();
    browser.resize(1000, 4000);
    let dir = tempfile::tempdir().unwrap();
    let status = |member: &support::slack::Member| {
        let emoji = member.profile["status_emoji"].as_str().unwrap_or_default();
        let text = member.profile["status_text"].as_str().unwrap_or_default();
        if emoji.is_empty() {
            "no status".to_owned()
        } else {
            format!("{emoji} {text}")
        }
    };
    let profiles = format!(
        r#"<div class="profiles" id="profiles">{}{}{}</div>"#,
        profile_card(
            "Before",
            before.profile["display_name"].as_str().unwrap(),
            &status(&before),
            before.photo.as_deref().unwrap()
        ),
        profile_card(
            "Status set to :palm_tree:",
            during.profile["display_name"].as_str().unwrap(),
            &status(&during),
            during.photo.as_deref().unwrap()
        ),
        profile_card(
            "Status cleared",
            after.profile["display_name"].as_str().unwrap(),
            &status(&after),
            after.photo.as_deref().unwrap()
        ),
    );
    let pictures = [
        (
            "profile",
            draw(&browser, dir.path(), "profile", &profiles, "#profiles"),
        ),
        (
            "home",
            draw(
                &browser,
                dir.path(),
                "home",
                &blockkit::home("statusinator", &home),
                "#view",
            ),
        ),
        (
            "modal",
            draw(
                &browser,
                dir.path(),
                "modal",
                &blockkit::modal(&modal),
                "#view",
            ),
        ),
    ];
    // What the pages show, as text.
    browser.goto(&format!(
        "file://{}",
        dir.path().join("home.html").display()
    ));
    let shown = browser.text("#view");
    for expected in ["Ana (on vacation)", "Ana (sick)", "(working from home)"] {
        assert!(shown.contains(expected), "{expected} on the Home: {shown}");
    }
    browser.goto(&format!(
        "file://{}",
        dir.path().join("modal.html").display()
    ));
    let shown = browser.text("#view");
    assert!(shown.contains("New preset"), "{shown}");

    if let Ok(out) = std::env::var("STATUSINATOR_DOCS_PICTURES") {
        std::fs::create_dir_all(&out).unwrap();
        for (name, png) in pictures {
            std::fs::write(std::path::Path::new(&out).join(format!("{name}.png")), png).unwrap();
        }
    }
}
