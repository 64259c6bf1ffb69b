//! Corporate networks: every call to Slack (the Web API and Socket Mode's WebSocket) goes
//! through the proxy the environment names (`HTTPS_PROXY`, `http_proxy` for a plain `http://`
//! address, `NO_PROXY` for hosts reached directly), while picture downloads never use it and
//! keep their own address rules.

mod support;

use std::time::Duration;

use serde_json::json;
use support::forward_proxy::ForwardProxy;
use support::serve::{user_change, Serve};
use support::{images, wait_until, World};

const ANA: &str = "U0ANA0001";

fn ana(world: &mut World) {
    world.member(ANA, "Ana");
    world.scene.write("beach.png", images::png(512, 512, 1));
    world.onboard(json!({ANA: {":palm_tree:": {"name": "Ana (away)", "picture": "beach.png"}}}));
}

#[test]
fn slack_calls_go_through_the_proxy_unless_no_proxy_names_slack() {
    let mut world = World::local();
    ana(&mut world);
    let proxy = ForwardProxy::start();
    let before = world.slack.calls().len();
    let out = world
        .command()
        .args(["apply", ANA, ":palm_tree:"])
        .env("http_proxy", &proxy.url)
        .env("HTTPS_PROXY", &proxy.url)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", support::show(&out));
    let calls = world.slack.calls()[before..].to_vec();
    assert!(
        calls.iter().any(|c| c.method == "users.setPhoto"),
        "{calls:?}"
    );
    let seen: Vec<String> = proxy
        .seen()
        .iter()
        .map(|l| l.split('?').next().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = calls
        .iter()
        .map(|c| {
            format!(
                "{} {}/{}",
                c.http_method,
                world.slack.url.trim_end_matches('/'),
                c.method
            )
        })
        .collect();
    assert_eq!(seen, expected, "each Slack call went through the proxy");

    // NO_PROXY naming Slack's host: straight to it.
    let before = world.slack.calls().len();
    let out = world
        .command()
        .args(["apply", ANA, ":palm_tree:"])
        .env("http_proxy", &proxy.url)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", support::show(&out));
    assert!(world.slack.calls().len() > before, "Slack was called");
    assert_eq!(proxy.seen().len(), expected.len(), "{:?}", proxy.seen());
}

#[test]
fn picture_downloads_never_use_the_proxy() {
    let world = World::local();
    let proxy = ForwardProxy::start();
    let server = support::FileServer::start(std::collections::BTreeMap::from([(
        "/beach.png".to_owned(),
        images::png(512, 512, 4),
    )]));
    let file = world.scene.write(
        "p.json",
        serde_json::to_vec(
            &json!({ANA: {"default": {"picture": format!("{}/beach.png", server.url)}}}),
        )
        .unwrap(),
    );
    let out = world
        .command()
        .args(["onboard", file.to_str().unwrap()])
        .env("http_proxy", &proxy.url)
        .env("HTTPS_PROXY", &proxy.url)
        .env("ALL_PROXY", &proxy.url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", support::show(&out));
    assert_eq!(proxy.seen(), Vec::<String>::new());
}

#[test]
fn socket_mode_connects_through_the_proxys_tunnel() {
    let mut world = World::local();
    ana(&mut world);
    let bot = world.slack.add_bot();
    let (app_token, socket) = world.slack.socket_mode();
    let proxy = ForwardProxy::start();
    let serve = Serve::start(
        &world,
        &["--socket-connections", "1"],
        &[
            ("SLACK_BOT_TOKEN", &bot),
            ("SLACK_APP_TOKEN", &app_token),
            ("SLACK_SIGNING_SECRET", ""),
            ("http_proxy", &proxy.url),
        ],
    );
    socket.wait_open(1, Duration::from_secs(20));
    let seen = proxy.seen();
    assert!(
        seen.iter()
            .any(|l| l.starts_with("POST ") && l.ends_with("/apps.connections.open")),
        "{seen:?}"
    );
    let socket_host = url::Url::parse(&socket.issue_url()).unwrap();
    let tunnel = format!(
        "CONNECT {}:{}",
        socket_host.host_str().unwrap(),
        socket_host.port().unwrap()
    );
    assert!(seen.contains(&tunnel), "{tunnel} in {seen:?}");

    // An event over the tunnelled socket is applied.
    world.slack.set_status(ANA, ":palm_tree:");
    let body = user_change(&world.slack.member(ANA), &support::serve::event_id());
    let id = socket.envelope(None, "events_api", serde_json::from_slice(&body).unwrap());
    socket
        .ack(&id, Duration::from_secs(3))
        .expect("acknowledged");
    wait_until("the vacation preset", Duration::from_secs(30), || {
        world.slack.display_name(ANA) == "Ana (away)"
    });
    drop(serve);
}
