//! `statusinator doctor` on each of the three setups, against the Slack stand-in: all ✔ when
//! the setup is right, and each mistake an admin makes named with its fix.

mod support;

use serde_json::{json, Value};
use support::oauth::{connect, new_key, serve_with_oauth_env, CLIENT_ID, CLIENT_SECRET};
use support::serve::{Serve, SECRET};
use support::{images, World};

/// Ana onboarded (vacation: name and photo).
fn ana(world: &World) {
    world.scene.write("beach.png", images::png(512, 512, 1));
    world.onboard(json!({"U0ANA0001": {
        ":palm_tree:": {"name": "Ana (away)", "picture": "beach.png"}
    }}));
}

/// Ana onboarded, the app's OAuth set up, and serve started with these variables; Ana
/// connected through it (which installs the bot). Returns the world, the sealing key and serve.
fn ana_connected(env: &[(&str, &str)]) -> (World, String, Serve) {
    let world = World::local();
    world.slack.add_member("U0ANA0001", "Ana");
    ana(&world);
    world.slack.oauth_app(CLIENT_ID, CLIENT_SECRET);
    let key = new_key();
    let serve = serve_with_oauth_env(&world, &key, &[], env);
    connect(&world, &serve);
    (world, key, serve)
}

/// `doctor --json` with these variables: the exit code and the checklist.
fn doctor(world: &World, env: &[(&str, &str)]) -> (Option<i32>, Value, String) {
    let mut command = world.command();
    command
        .args(["doctor", "--json", "--slack-api-url", &world.slack.url])
        .env("SLACK_OAUTH_URL", world.slack.authorize_url());
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    world.assert_no_token_in(&out);
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", support::show(&out)));
    (out.status.code(), report, support::stderr(&out))
}

fn assert_all_good(code: Option<i32>, report: &Value) {
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["ok"], true, "{report:#}");
    for check in report["checks"].as_array().unwrap() {
        assert_eq!(check["status"], "ok", "{check}");
    }
}

/// The checks that failed: (name, detail, fix).
fn failures(report: &Value) -> Vec<(String, String, String)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] != "ok")
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["detail"].as_str().unwrap().to_owned(),
                c["fix"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn request_url_with_a_tokens_file_all_good_and_its_mistakes_named() {
    let mut world = World::local();
    world.member("U0ANA0001", "Ana");
    world.member("U0G9QF9C6", "Gus");
    ana(&world);
    world.onboard(json!({"U0G9QF9C6": {"default": {"name": "Gus"}}}));
    let bot = world.slack.add_bot();
    let tokens = world.tokens_path();
    let tokens = tokens.to_str().unwrap();
    let env = [
        ("SLACK_SIGNING_SECRET", SECRET),
        ("SLACK_BOT_TOKEN", bot.as_str()),
        ("STATUSINATOR_TOKENS", tokens),
    ];
    let (code, report, _) = doctor(&world, &env);
    assert_all_good(code, &report);
    assert_eq!(report["setup"], "request_url_tokens_file");

    // And serve starts in it.
    let serve = Serve::start(&world, &[], &[("SLACK_BOT_TOKEN", &bot)]);
    assert!(serve
        .logs()
        .contains("setup: Request URL with a tokens file"));

    // A member ID mistyped in the tokens file, and a rotating token there.
    let mut file: serde_json::Map<String, Value> =
        serde_json::from_slice(&std::fs::read(tokens).unwrap()).unwrap();
    let gus = file.remove("U0G9QF9C6").unwrap();
    file.insert("U0G9QF9C".into(), gus);
    file.insert("U0ANA0001".into(), "xoxe.xoxp-1-rotating".into());
    std::fs::write(tokens, serde_json::to_vec(&file).unwrap()).unwrap();
    let (code, report, _) = doctor(&world, &env);
    assert_eq!(code, Some(2), "{report:#}");
    let failed = failures(&report);
    let text = format!("{failed:?}");
    assert!(
        text.contains("U0G9QF9C has a token but is not onboarded (did you mean U0G9QF9C6?)"),
        "{text}"
    );
    assert!(text.contains("rotating one"), "{text}");
    assert!(text.contains("U0G9QF9C6"), "Gus has no token: {text}");

    // Nothing set at all: every missing setting at once.
    let (code, report, _) = doctor(&world, &[("SLACK_CLIENT_ID", CLIENT_ID)]);
    assert_eq!(code, Some(2));
    let names: Vec<String> = failures(&report).into_iter().map(|f| f.0).collect();
    for var in [
        "SLACK_SIGNING_SECRET",
        "SLACK_CLIENT_SECRET",
        "STATUSINATOR_PUBLIC_URL",
        "STATUSINATOR_SECRET_KEY",
    ] {
        assert!(names.iter().any(|n| n == var), "{var}: {names:?}");
    }
}

#[test]
fn request_url_with_members_connecting_all_good_and_a_bot_without_a_scope_named() {
    let (world, key, serve) = ana_connected(&[]);
    let public = serve.url.clone();
    assert!(serve
        .logs()
        .contains(&format!("members connect at {public}/slack/install")));
    let env = [
        ("SLACK_SIGNING_SECRET", SECRET),
        ("SLACK_CLIENT_ID", CLIENT_ID),
        ("SLACK_CLIENT_SECRET", CLIENT_SECRET),
        ("STATUSINATOR_PUBLIC_URL", public.as_str()),
        ("STATUSINATOR_SECRET_KEY", key.as_str()),
    ];
    let (code, report, _) = doctor(&world, &env);
    assert_all_good(code, &report);
    assert_eq!(report["setup"], "request_url_oauth");
    let text = report.to_string();
    assert!(text.contains(&format!("{public}/slack/events")), "{text}");
    assert!(
        text.contains(&format!("{public}/slack/oauth_redirect")),
        "{text}"
    );

    // An installation from before files:read was asked for: named, with the fix.
    let bot = world
        .slack
        .calls()
        .iter()
        .rev()
        .find(|c| c.method == "oauth.v2.access")
        .and_then(|c| c.answer["access_token"].as_str().map(str::to_owned))
        .unwrap();
    world
        .slack
        .set_scopes(&bot, "users:read,chat:write,commands");
    let (code, report, _) = doctor(&world, &env);
    assert_eq!(code, Some(2), "{report:#}");
    let failed = failures(&report);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].0, "bot token");
    assert!(failed[0].1.contains("lacks files:read"), "{failed:?}");
    assert!(failed[0].2.contains("install the app"), "{failed:?}");
}

#[test]
fn socket_mode_with_members_connecting_all_good_and_human_readable() {
    let world = World::local();
    world.slack.add_member("U0ANA0001", "Ana");
    ana(&world);
    world.slack.oauth_app(CLIENT_ID, CLIENT_SECRET);
    let (app_token, _socket) = world.slack.socket_mode();
    let key = new_key();
    let serve = serve_with_oauth_env(&world, &key, &[], &[("SLACK_APP_TOKEN", &app_token)]);
    let public = serve.url.clone();
    connect(&world, &serve);
    assert!(serve
        .logs()
        .contains("setup: Socket Mode with members connecting (OAuth)"));
    let env = [
        ("SLACK_APP_TOKEN", app_token.as_str()),
        ("SLACK_CLIENT_ID", CLIENT_ID),
        ("SLACK_CLIENT_SECRET", CLIENT_SECRET),
        ("STATUSINATOR_PUBLIC_URL", public.as_str()),
        ("STATUSINATOR_SECRET_KEY", key.as_str()),
    ];
    let (code, report, _) = doctor(&world, &env);
    assert_all_good(code, &report);
    assert_eq!(report["setup"], "socket_mode_oauth");

    // The same as a person reads it.
    let mut command = world.command();
    command
        .args(["doctor", "--slack-api-url", &world.slack.url])
        .env("SLACK_OAUTH_URL", world.slack.authorize_url())
        .env_remove("SLACK_SIGNING_SECRET");
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    assert!(out.status.success(), "{}", support::show(&out));
    let text = support::stdout(&out);
    assert!(
        text.starts_with("statusinator doctor: Socket Mode with members connecting (OAuth)\n"),
        "{text}"
    );
    assert!(text.contains("✔ app-level token"), "{text}");
    assert!(text.ends_with("all good\n"), "{text}");
    assert!(!text.contains('✘'), "{text}");
}

/// An installation made before files:read was asked for: serve says so in its log at start,
/// and the member who installed it sees what to fix on their Home tab.
#[test]
fn an_installation_missing_a_bot_scope_is_told_to_the_admin() {
    let (world, key, serve) = ana_connected(&[]);
    drop(serve);
    let record = world.scene.get("installations/T0STANDIN.json").unwrap();
    let mut record: Value = serde_json::from_slice(&record).unwrap();
    record["scopes"] = "users:read,chat:write,commands".into();
    world.scene.put(
        "installations/T0STANDIN.json",
        &serde_json::to_vec(&record).unwrap(),
    );

    let serve = serve_with_oauth_env(&world, &key, &[], &[]);
    serve.home_opened("U0ANA0001");
    support::wait_until("Ana's Home", std::time::Duration::from_secs(20), || {
        world.slack.home("U0ANA0001").is_some()
    });
    let home = world.slack.home("U0ANA0001").unwrap().to_string();
    assert!(home.contains("who installed statusinator here"), "{home}");
    assert!(
        home.contains("lacks the bot scopes files:read, emoji:read"),
        "{home}"
    );
    let logs = serve.logs();
    assert!(
        logs.contains("the installation of T0STANDIN lacks the bot scopes files:read, emoji:read"),
        "{logs}"
    );
}

/// `doctor` with these variables alone (no tokens file unless given), as text or JSON.
fn doctor_with(world: &World, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = world.scene.command();
    command
        .arg("doctor")
        .args(args)
        .args(["--slack-api-url", &world.slack.url])
        .env("SLACK_OAUTH_URL", world.slack.authorize_url())
        .env_remove("SLACK_SIGNING_SECRET")
        .env_remove("SLACK_APP_TOKEN")
        .env_remove("SLACK_CLIENT_ID")
        .env_remove("SLACK_CLIENT_SECRET")
        .env_remove("STATUSINATOR_PUBLIC_URL")
        .env_remove("STATUSINATOR_SECRET_KEY");
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    world.assert_no_token_in(&out);
    out
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", support::show(out)))
}

#[test]
fn half_filled_setups_get_their_own_fixes_and_what_comes_later_is_pending() {
    let world = World::local();
    // Seven members onboarded, none connected yet.
    let members: Vec<String> = (1..=7).map(|n| format!("U0MEMBER{n}")).collect();
    let presets: serde_json::Map<String, Value> = members
        .iter()
        .map(|m| (m.clone(), json!({":palm_tree:": {"name": "Away"}})))
        .collect();
    world.onboard(Value::Object(presets));
    world.slack.oauth_app(CLIENT_ID, CLIENT_SECRET);

    // Nothing set: the three setups are named, and nothing else is asked for.
    let out = doctor_with(&world, &["--json"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let report = json_of(&out);
    assert!(report.get("setup").is_none(), "{report:#}");
    let failed = failures(&report);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].0, "settings");
    for setup in [
        "1. Request URL with a tokens file",
        "2. Request URL with members connecting",
        "3. Socket Mode",
    ] {
        assert!(failed[0].2.contains(setup), "{setup}: {failed:?}");
    }

    // Setup 2 begun: only its settings are asked for, never a bot token or "turn connecting on".
    let out = doctor_with(
        &world,
        &["--json"],
        &[
            ("SLACK_SIGNING_SECRET", SECRET),
            ("SLACK_CLIENT_ID", CLIENT_ID),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let report = json_of(&out);
    assert_eq!(report["setup"], "request_url_oauth", "{report:#}");
    let failed = failures(&report);
    let names: Vec<&str> = failed.iter().map(|f| f.0.as_str()).collect();
    assert!(names.contains(&"SLACK_CLIENT_SECRET"), "{names:?}");
    assert!(names.contains(&"STATUSINATOR_PUBLIC_URL"), "{names:?}");
    assert!(names.contains(&"STATUSINATOR_SECRET_KEY"), "{names:?}");
    let text = format!("{failed:?}");
    assert!(!text.contains("SLACK_BOT_TOKEN"), "{text}");
    assert!(!text.contains("turn connecting on"), "{text}");
    assert!(!text.contains("tokens file"), "{text}");

    // Setup 2 complete before serve ran: nobody connected and no bot yet is pending, exit 0.
    let key = new_key();
    let env = [
        ("SLACK_SIGNING_SECRET", SECRET),
        ("SLACK_CLIENT_ID", CLIENT_ID),
        ("SLACK_CLIENT_SECRET", CLIENT_SECRET),
        ("STATUSINATOR_PUBLIC_URL", "https://status.example.com"),
        ("STATUSINATOR_SECRET_KEY", key.as_str()),
    ];
    let out = doctor_with(&world, &[], &env);
    let text = support::stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains('✘'), "{text}");
    assert!(
        text.contains(
            "… member tokens: 7 onboarded members have no token yet: U0MEMBER1, U0MEMBER2, \
             U0MEMBER3, U0MEMBER4, U0MEMBER5 and 2 more (--verbose lists them)"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "then: nothing to fix: have them connect at https://status.example.com/slack/install"
        ),
        "{text}"
    );
    assert!(
        text.contains("… bot token: no workspace has installed the bot yet"),
        "{text}"
    );
    assert!(
        text.ends_with("all good so far (2 pending until serve runs and members connect)\n"),
        "{text}"
    );
    let out = doctor_with(&world, &["--verbose"], &env);
    assert!(
        support::stdout(&out).contains("U0MEMBER5, U0MEMBER6, U0MEMBER7\n"),
        "{}",
        support::show(&out)
    );
    let report = json_of(&doctor_with(&world, &["--json"], &env));
    assert_eq!(report["ok"], true);
    let pending: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "pending")
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(pending, ["member tokens", "bot token"]);

    // Setup 1 begun: its tokens file and bot token are asked for, and nothing of connecting.
    let out = doctor_with(&world, &["--json"], &[("SLACK_SIGNING_SECRET", SECRET)]);
    assert_eq!(out.status.code(), Some(2));
    let report = json_of(&out);
    assert_eq!(report["setup"], "request_url_tokens_file", "{report:#}");
    let failed = failures(&report);
    let names: Vec<&str> = failed.iter().map(|f| f.0.as_str()).collect();
    assert!(names.contains(&"STATUSINATOR_TOKENS"), "{names:?}");
    assert!(names.contains(&"SLACK_BOT_TOKEN"), "{names:?}");
    let members = failed.iter().find(|f| f.0 == "member tokens").unwrap();
    assert!(
        members
            .1
            .starts_with("7 onboarded members have no token yet"),
        "{members:?}"
    );
    assert!(members.2.contains("for more than a handful"), "{members:?}");
    assert!(
        !format!("{failed:?}").contains("/slack/install"),
        "{failed:?}"
    );

    // A value pasted with its description: named, and not shown.
    let pasted = format!("{SECRET}     Basic Information → App Credentials → Signing Secret");
    let out = doctor_with(&world, &["--json"], &[("SLACK_SIGNING_SECRET", &pasted)]);
    assert_eq!(out.status.code(), Some(2));
    let failed = failures(&json_of(&out));
    let secret = failed
        .iter()
        .find(|f| f.0 == "SLACK_SIGNING_SECRET")
        .unwrap();
    assert!(secret.2.contains("has spaces in it"), "{failed:?}");
    assert!(
        !support::show(&out).contains(SECRET),
        "the secret was shown"
    );
}

#[test]
fn redis_is_checked_and_replicas_without_it_are_named() {
    let mut world = World::local();
    world.member("U0ANA0001", "Ana");
    ana(&world);
    let bot = world.slack.add_bot();
    let tokens = world.tokens_path();
    let tokens = tokens.to_str().unwrap().to_owned();
    let env = |redis: Option<&str>| {
        let mut env = vec![
            ("SLACK_SIGNING_SECRET", SECRET.to_owned()),
            ("SLACK_BOT_TOKEN", bot.clone()),
            ("STATUSINATOR_TOKENS", tokens.clone()),
        ];
        if let Some(url) = redis {
            env.push(("STATUSINATOR_REDIS_URL", url.to_owned()));
        }
        env
    };
    let run = |env: Vec<(&str, String)>| {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        doctor(&world, &env)
    };

    // Redis answers: its script loads, the round trip is timed.
    let (code, report, _) = run(env(Some(&support::redis::redis_url())));
    assert_all_good(code, &report);
    let redis = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "redis")
        .unwrap_or_else(|| panic!("{report:#}"));
    let detail = redis["detail"].as_str().unwrap();
    assert!(detail.contains("the limiter's script loads"), "{detail}");
    assert!(detail.contains("a round trip takes"), "{detail}");

    // A Redis that is not there: it could not be reached, the URL shown without its password.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://:hunter2@127.0.0.1:{closed}");
    let (code, report, stderr) = run(env(Some(&url)));
    assert_eq!(code, Some(1), "{report:#}");
    let text = format!("{:?}", failures(&report));
    assert!(text.contains("\"redis\""), "{text}");
    assert!(
        text.contains("is not answering (connection refused)"),
        "{text}"
    );
    assert!(text.contains("paces alone at 1/2"), "{text}");
    assert!(!report.to_string().contains("hunter2") && !stderr.contains("hunter2"));

    // Two replicas on the store without Redis: something to fix.
    let replicas = [
        Serve::start(&world, &[], &[("SLACK_BOT_TOKEN", &bot)]),
        Serve::start(&world, &[], &[("SLACK_BOT_TOKEN", &bot)]),
    ];
    support::wait_until(
        "both replicas are in the store",
        std::time::Duration::from_secs(30),
        || {
            std::fs::read_dir(world.scene.path("store/processes"))
                .map(|d| d.count() == 2)
                .unwrap_or(false)
        },
    );
    let (code, report, _) = run(env(None));
    assert_eq!(code, Some(2), "{report:#}");
    let failed = failures(&report);
    let (_, detail, fix) = failed
        .iter()
        .find(|(name, ..)| name == "replicas")
        .unwrap_or_else(|| panic!("{failed:?}"));
    assert!(
        detail.contains("2 serve processes share this store"),
        "{detail}"
    );
    assert!(fix.contains("--redis-url"), "{fix}");
    drop(replicas);
}

/// A `rediss://` server whose certificate a private CA signed: trusted with `--redis-ca-file`,
/// and without it refused, with the reason.
#[test]
fn a_tls_redis_with_a_private_ca_is_checked() {
    let mut world = World::local();
    world.member("U0ANA0001", "Ana");
    ana(&world);
    let bot = world.slack.add_bot();
    let tokens = world.tokens_path();
    let tls = support::redis::Tls::make(world.scene.dir.path());
    let ca = tls.ca.clone();
    let server = support::redis::RedisServer::start_tls(tls);
    let url = server.url();
    assert!(url.starts_with("rediss://"));
    let base = [
        ("SLACK_SIGNING_SECRET", SECRET),
        ("SLACK_BOT_TOKEN", bot.as_str()),
        ("STATUSINATOR_TOKENS", tokens.to_str().unwrap()),
        ("STATUSINATOR_REDIS_URL", url.as_str()),
    ];

    let mut trusted = base.to_vec();
    trusted.push(("STATUSINATOR_REDIS_CA_FILE", ca.to_str().unwrap()));
    let (code, report, _) = doctor(&world, &trusted);
    assert_all_good(code, &report);

    let (code, report, _) = doctor(&world, &base);
    assert_eq!(code, Some(1), "{report:#}");
    let text = format!("{:?}", failures(&report));
    assert!(text.contains("invalid peer certificate"), "{text}");
    assert!(text.contains("--redis-ca-file"), "{text}");
}
