//! Connecting members through the OAuth routes of serve, over HTTP (the browser's steps
//! without a browser), against the stand-in's consent page.

#![allow(dead_code)]

use super::serve::{Reply, Serve};
use super::World;

pub const CLIENT_ID: &str = "1234.5678";
pub const CLIENT_SECRET: &str = "3f9b1c0d2e4a5b6c7d8e9f0a1b2c3d4e";

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// serve with connecting on, reachable at its public URL; `key` seals the tokens.
pub fn serve_with_oauth(world: &World, key: &str) -> Serve {
    serve_with_oauth_and(world, key, &[])
}

/// [`serve_with_oauth`] with more arguments.
pub fn serve_with_oauth_and(world: &World, key: &str, extra: &[&str]) -> Serve {
    serve_with_oauth_env(world, key, extra, &[])
}

/// [`serve_with_oauth`] with more arguments and more environment.
pub fn serve_with_oauth_env(
    world: &World,
    key: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Serve {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let public = format!("http://127.0.0.1:{port}");
    let mut args = vec!["--listen", &listen];
    args.extend_from_slice(extra);
    let authorize = world.slack.authorize_url();
    let mut vars = vec![
        ("SLACK_CLIENT_ID", CLIENT_ID),
        ("SLACK_CLIENT_SECRET", CLIENT_SECRET),
        ("STATUSINATOR_PUBLIC_URL", public.as_str()),
        ("STATUSINATOR_SECRET_KEY", key),
        ("SLACK_OAUTH_URL", authorize.as_str()),
    ];
    vars.extend_from_slice(env);
    Serve::start(world, &args, &vars)
}

pub fn new_key() -> String {
    statusinator::tokens::seal::SealKey::generate()
}

/// The install page's state cookie and the Connect link on it.
pub fn install(serve: &Serve) -> (String, String) {
    install_at(serve, "/slack/install")
}

/// The same, for an install page's address with a query.
pub fn install_at(serve: &Serve, path: &str) -> (String, String) {
    let reply = serve.get(path);
    assert_eq!(reply.status, 200);
    let cookie = reply
        .header("Set-Cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    (cookie, link_after(&reply.body, "href=\""))
}

/// The address in `page` right after `marker` (an attribute's opening), unescaped.
pub fn link_after(page: &str, marker: &str) -> String {
    page.split(marker)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
}

/// Follows the Connect link as Slack's Allow would: the redirect back, with a code.
pub fn allow(world: &World, link: &str) -> String {
    let page = reqwest::blocking::get(link).unwrap().text().unwrap();
    let allow = link_after(&page, "id=\"allow\" href=\"");
    let base = world
        .slack
        .authorize_url()
        .replace("/oauth/v2/authorize", "");
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = client.get(format!("{base}{allow}")).send().unwrap();
    assert_eq!(answer.status(), 302);
    answer.headers()["location"].to_str().unwrap().to_owned()
}

/// Slack's redirect to serve, as a browser follows it: the redirect, then (while the page says
/// it is connecting, 202) the page it refreshes to, until the outcome.
pub fn callback(serve: &Serve, location: &str, cookie: Option<&str>) -> Reply {
    callback_with(serve, location, cookie, &[])
}

/// [`callback`], with more headers on every request (a proxy's `X-Forwarded-For`).
pub fn callback_with(
    serve: &Serve,
    location: &str,
    cookie: Option<&str>,
    extra: &[(&str, &str)],
) -> Reply {
    let path = &location[location.find("/slack/oauth_redirect").unwrap()..];
    let mut cookie = cookie.map(str::to_owned);
    let with = |cookie: &Option<String>| {
        let mut headers: Vec<(&str, String)> = extra
            .iter()
            .map(|(name, value)| (*name, (*value).to_owned()))
            .collect();
        headers.extend(cookie.iter().map(|c| ("Cookie", c.clone())));
        headers
    };
    let ask = |path: &str, cookie: &Option<String>| {
        let headers = with(cookie);
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        serve.request("GET", path, &headers, b"")
    };
    let mut reply = ask(path, &cookie);
    super::wait_for(
        "the connection ends",
        std::time::Duration::from_secs(30),
        || {
            if reply.status != 202 {
                return Some(());
            }
            match (&cookie, reply.header("Set-Cookie")) {
                // A redirect with no state of its own is given one: the browser keeps it.
                (None, Some(set)) => cookie = Some(set.split(';').next().unwrap().to_owned()),
                (Some(_), set) => {
                    assert!(set.is_none(), "the state cookie stays while the page waits")
                }
                (None, None) => {}
            }
            let next = refresh_target(&reply.body);
            let next = &next[next.find("/slack/connecting").expect("the connecting page")..];
            reply = ask(next, &cookie);
            None
        },
    );
    reply
}

/// Where a page's `<meta http-equiv="refresh">` goes next.
pub fn refresh_target(page: &str) -> String {
    let at = page.find("url=").expect("a refresh") + 4;
    let end = at + page[at..].find('"').unwrap();
    page[at..end].replace("&amp;", "&")
}

/// Ana connects over HTTP (the browser's steps, without the browser).
pub fn connect(world: &World, serve: &Serve) {
    let reply = connect_as(world, serve, "U0ANA0001", &[]);
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// `user` connects over HTTP, with `extra` headers on the way back to serve (a proxy's
/// `X-Forwarded-For`); the page the connection ends on.
pub fn connect_as(world: &World, serve: &Serve, user: &str, extra: &[(&str, &str)]) -> Reply {
    world.slack.sign_in(user);
    let (cookie, link) = install(serve);
    let location = allow(world, &link);
    callback_with(serve, &location, Some(&cookie), extra)
}

/// A junk redirect: a state fetched from the install page, with a code Slack never gave; the
/// page it ends on.
pub fn junk_redirect(serve: &Serve, extra: &[(&str, &str)]) -> Reply {
    let (cookie, link) = install(serve);
    let state = link
        .split(['?', '&'])
        .find_map(|pair| pair.strip_prefix("state="))
        .expect("a state in the Connect link")
        .to_owned();
    let location = format!(
        "/slack/oauth_redirect?code=junk-{}&state={state}",
        fastrand::u32(..)
    );
    callback_with(serve, &location, Some(&cookie), extra)
}

/// Ana onboarded (vacation: name and photo; default: name) and in the workspace, with no token
/// anywhere: she connects herself. The app's OAuth is set up.
pub fn ana_to_connect(scene: super::Scene) -> World {
    let world = World::new(scene);
    world
        .scene
        .write("beach.png", super::images::png(512, 512, 1));
    world.slack.add_member("U0ANA0001", "Ana");
    world.onboard(serde_json::json!({"U0ANA0001": {
        ":palm_tree:": {"name": "Ana (away)", "picture": "beach.png"},
        "default": {"name": "Ana"}
    }}));
    world.slack.oauth_app(CLIENT_ID, CLIENT_SECRET);
    world
}

/// Every byte in the store, as text, for looking for a token in it.
pub fn whole_store(world: &World) -> String {
    world
        .scene
        .snapshot()
        .values()
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `statusinator tokens --json` with the sealing key: who is connected, as the command says.
pub fn tokens_json(world: &World, key: &str) -> serde_json::Value {
    let out = world
        .command()
        .env("STATUSINATOR_SECRET_KEY", key)
        .args(["tokens", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", super::show(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}
