//! What an attacker tries, with real processes and real sockets on loopback: thousands of idle
//! keep-alive clients, slow-header senders and pipeliners that never read, all from one address,
//! while Slack (another address) must still be answered within a second; picture URLs that
//! redirect to the metadata service or a local port; bodies and inputs made to be echoed.
//!
//! The number of hostile connections is 5,000 (`STATUSINATOR_HOSTILE_CONNECTIONS` sets another,
//! for a heavier run by hand); every socket is closed when the test ends.

mod support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use socket2::{Domain, Protocol, Socket, Type};
use support::serve::Serve;
use support::{images, show, stderr, wait_until, World};

/// The tests that load the machine take turns, so one's load cannot slow the other's answers.
static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The hostile clients' address: another loopback address than the test's own 127.0.0.1.
const HOSTILE: [u8; 4] = [127, 0, 0, 2];

/// Slack's address: its own, as in a real deployment (Slack never shares an address with an
/// attacker or with the test's own checks).
const SLACK: [u8; 4] = [127, 0, 0, 3];

/// Slack delivers a signed event on a fresh connection from its own address; the answer's
/// status and how long it took (for the log: speed is a benchmark's business, not a test's).
fn slack_delivers(serve: &Serve, body: &[u8]) -> (u16, Duration) {
    let address: SocketAddr = serve.address().parse().unwrap();
    let sent = Instant::now();
    let mut stream = connect_from(SLACK, address, false).expect("Slack's connection");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
        .write_all(&support::serve::signed_request(serve.address(), body))
        .unwrap();
    let reply = support::serve::read_reply(&mut stream);
    (reply.status, sent.elapsed())
}

fn hostile_connections() -> usize {
    std::env::var("STATUSINATOR_HOSTILE_CONNECTIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5_000)
}

/// A connection from the hostile address; `small_window` shrinks its receive buffer, so an
/// answer it never reads fills up at once.
fn connect_from(source: [u8; 4], to: SocketAddr, small_window: bool) -> Option<TcpStream> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).ok()?;
    if small_window {
        socket.set_recv_buffer_size(2048).ok()?;
    }
    socket.bind(&SocketAddr::from((source, 0)).into()).ok()?;
    socket
        .connect_timeout(&to.into(), Duration::from_secs(2))
        .ok()?;
    let stream: TcpStream = socket.into();
    stream
        .set_write_timeout(Some(Duration::from_millis(200)))
        .ok()?;
    Some(stream)
}

/// Kinds of hostile client.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Sends a GET /healthz, reads the answer, keeps the connection and says it again later.
    KeepAlive,
    /// Sends a request head one byte at a time, a byte a second.
    Slowloris,
    /// Sends 50 pipelined requests and never reads an answer.
    Pipeliner,
}

struct Hostile {
    kind: Kind,
    stream: TcpStream,
}

fn open_hostile(to: SocketAddr, n: usize) -> Vec<Hostile> {
    let mut open = Vec::with_capacity(n);
    for i in 0..n {
        let kind = match i % 3 {
            0 => Kind::KeepAlive,
            1 => Kind::Slowloris,
            _ => Kind::Pipeliner,
        };
        let Some(mut stream) = connect_from(HOSTILE, to, kind == Kind::Pipeliner) else {
            continue;
        };
        let _ = match kind {
            Kind::KeepAlive => stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
            Kind::Slowloris => stream.write_all(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"),
            Kind::Pipeliner => {
                let many = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".repeat(50);
                stream.write_all(many.as_bytes())
            }
        };
        let _ = stream.set_nonblocking(true);
        open.push(Hostile { kind, stream });
    }
    open
}

/// One round of the hostile clients' behaviour: keep-alive clients read what came and ask
/// again; slow clients send one more byte.
fn keep_up(hostile: &mut [Hostile]) {
    let mut buf = [0u8; 4096];
    for h in hostile.iter_mut() {
        match h.kind {
            Kind::KeepAlive => {
                while matches!(h.stream.read(&mut buf), Ok(n) if n > 0) {}
                let _ = h
                    .stream
                    .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            Kind::Slowloris => {
                let _ = h.stream.write_all(b"X");
            }
            Kind::Pipeliner => {}
        }
    }
}

#[test]
fn thousands_of_hostile_connections_from_one_address_cannot_starve_slack() {
    let _turn = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let mut world = World::local();
    world.scene.write("beach.png", images::png(512, 512, 1));
    world.scene.write("home.png", images::png(600, 600, 2));
    world.onboard_team(&[("U0ANA0001", "Ana")]);
    let serve = Serve::start(&world, &[], &[]);
    let address: SocketAddr = serve.address().parse().unwrap();

    let started = Instant::now();
    let mut hostile = open_hostile(address, hostile_connections());
    assert!(
        hostile.len() * 10 >= hostile_connections() * 9,
        "the hostile side could open only {} connections",
        hostile.len()
    );
    eprintln!(
        "{} hostile connections open in {:.1} s",
        hostile.len(),
        started.elapsed().as_secs_f64()
    );

    // While they keep at it, Slack's fresh signed events are answered, and so is a health
    // check.
    let mut slowest = Duration::ZERO;
    for round in 0..6 {
        keep_up(&mut hostile);
        let status = if round % 2 == 0 { ":palm_tree:" } else { "" };
        world.slack.set_status("U0ANA0001", status);
        let body = support::serve::user_change(
            &world.slack.member("U0ANA0001"),
            &support::serve::event_id(),
        );
        let (answer, event_took) = slack_delivers(&serve, &body);
        assert_eq!(answer, 200, "round {round}");
        let sent = Instant::now();
        let health = serve.get("/healthz");
        let health_took = sent.elapsed();
        assert_eq!(health.status, 200, "round {round}");
        slowest = slowest.max(event_took).max(health_took);
        // Time is what is tested: the rounds spread over seconds while the hostile clients
        // hold on, so a server they could starve would show it.
        std::thread::sleep(Duration::from_millis(700));
    }
    eprintln!("slowest answer to a fresh client: {slowest:?}");

    // The hostile address was held to its cap; what made room is counted.
    let health = serve.health();
    let open = health["connections"].as_u64().unwrap();
    assert!(open <= 256 + 8, "{health}");
    assert!(serve.metric("statusinator_connections_shed") > 0.0);

    // And the work behind the events was done: the last status (cleared) is in effect.
    drop(hostile);
    wait_until("Ana's default is back", Duration::from_secs(30), || {
        world.slack.member("U0ANA0001").profile["display_name"] == "Ana"
    });
}

/// A loopback "attacker" server redirecting to addresses a download must never reach, and a
/// "victim" on another local port that serves a valid picture (reached, onboard would succeed).
fn redirector_and_victim() -> (support::FileServer, support::FileServer) {
    let victim = support::FileServer::start(BTreeMap::from([(
        "/a.png".to_owned(),
        images::png(600, 600, 3),
    )]));
    let victim_port = victim.url.rsplit(':').next().unwrap().to_owned();
    let redirector = support::FileServer::with_redirects(
        BTreeMap::new(),
        BTreeMap::from([
            (
                "/metadata.png".to_owned(),
                "http://169.254.169.254/latest/meta-data/iam/".to_owned(),
            ),
            (
                "/zero.png".to_owned(),
                format!("http://0.0.0.0:{victim_port}/a.png"),
            ),
            (
                "/local.png".to_owned(),
                format!("http://127.0.0.1:{victim_port}/a.png"),
            ),
            (
                "/local-https.png".to_owned(),
                format!("https://127.0.0.1:{victim_port}/a.png"),
            ),
        ]),
    );
    (redirector, victim)
}

fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn picture_urls_never_reach_private_addresses_which_all_read_as_one_refusal() {
    let scene = support::Scene::local();
    let (redirector, victim) = redirector_and_victim();
    let closed = closed_port();
    let cases = [
        format!("{}/metadata.png", redirector.url),
        format!("{}/zero.png", redirector.url),
        format!("{}/local.png", redirector.url),
        format!("{}/local-https.png", redirector.url),
        "https://169.254.169.254/latest/meta-data/".to_owned(),
        "https://[::ffff:169.254.169.254]/x.png".to_owned(),
        "https://10.0.0.1/a.png".to_owned(),
    ];
    // What onboard says of a picture at `url`.
    let problem = |url: &str| {
        let file = scene.write(
            "p.json",
            serde_json::to_vec(&json!({"U1AAA": {"default": {"picture": url}}})).unwrap(),
        );
        let out = scene.run(&["onboard", file.to_str().unwrap(), "--json"]);
        assert_eq!(out.status.code(), Some(2), "{url}: {}", show(&out));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        report["problems"][0]["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let messages: Vec<(String, String)> = cases
        .iter()
        .map(|url| (url.clone(), problem(url)))
        .collect();
    // Whatever is behind a private address, directly or through a redirect, reads the same.
    for (url, message) in &messages {
        assert_eq!(message, &messages[0].1, "{url} reads differently");
    }
    assert!(
        messages[0]
            .1
            .contains("the download failed: it must be a public https:// URL"),
        "{messages:?}"
    );
    // What the admin typed on their own machine says why it failed.
    let said = problem(&format!("http://127.0.0.1:{closed}/a.png"));
    assert!(said.contains("refused the connection"), "{said}");
    let said = problem(&format!("{}/missing.png", victim.url));
    assert!(said.contains("answered HTTP 404"), "{said}");
    // A name that resolves to no public address: one that does not exist and one that is
    // private read alike.
    let said = problem("https://localhost/a.png");
    assert!(
        said.contains("does not resolve to a public address"),
        "{said}"
    );
    // One request: the 404 asked for on purpose. No redirect reached the victim.
    assert_eq!(
        victim.hits(),
        1,
        "a redirect was followed to a local address"
    );
    // A typed loopback URL still works from the command line.
    let file = scene.write(
        "ok.json",
        serde_json::to_vec(
            &json!({"U1AAA": {"default": {"picture": format!("{}/a.png", victim.url)}}}),
        )
        .unwrap(),
    );
    let out = scene.run(&["onboard", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", show(&out));
}

fn admin_serve(world: &World) -> Serve {
    Serve::start(world, &[], &[("STATUSINATOR_ADMIN_TOKEN", ADMIN)])
}

const ADMIN: &str = "adm-0123456789";

#[test]
fn post_onboard_takes_only_public_https_and_data_urls() {
    let mut world = World::local();
    world.member("U0ANA0001", "Ana");
    world.onboard(json!({"U0ANA0001": {"default": {"name": "Ana"}}}));
    let serve = admin_serve(&world);
    let (redirector, victim) = redirector_and_victim();
    let bearer = [("Authorization", "Bearer adm-0123456789")];
    let mut messages = Vec::new();
    for url in [
        format!("{}/a.png", victim.url),
        format!("{}/local-https.png", redirector.url),
        format!("https://127.0.0.1:{}/a.png", closed_port()),
        "https://169.254.169.254/latest/meta-data/".to_owned(),
        "https://[fd00:ec2::254]/latest/meta-data/".to_owned(),
    ] {
        let body = serde_json::to_vec(&json!({"U0ANA0001": {":x:": {"picture": url}}})).unwrap();
        let reply = serve.request("POST", "/onboard", &bearer, &body);
        assert_eq!(reply.status, 422, "{url}: {}", reply.body);
        messages.push(reply.json()["problems"][0]["message"].clone());
    }
    assert!(messages.iter().all(|m| *m == messages[0]), "{messages:?}");
    assert_eq!(
        victim.hits() + redirector.hits(),
        0,
        "nothing local was fetched"
    );
}

#[test]
fn post_onboard_caps_its_body_and_never_echoes_it() {
    let _turn = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let mut world = World::local();
    world.member("U0ANA0001", "Ana");
    world.onboard(json!({"U0ANA0001": {"default": {"name": "Ana"}}}));
    let serve = admin_serve(&world);
    let bearer = [("Authorization", "Bearer adm-0123456789")];

    // Over the 32 MiB cap: refused before it is read.
    let huge = format!("data:image/png;base64,{}", "A".repeat(60 * 1024 * 1024));
    let body = serde_json::to_vec(&json!({"U0ANA0001": {":x:": {"picture": huge}}})).unwrap();
    drop(huge);
    let sent = Instant::now();
    let reply = serve.request("POST", "/onboard", &bearer, &body);
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert!(
        sent.elapsed() < Duration::from_secs(5),
        "{:?}",
        sent.elapsed()
    );
    drop(body);

    // Under the cap but over a picture's limit: a short answer that names the place.
    let big = format!("data:image/png;base64,{}", "A".repeat(24 * 1024 * 1024));
    let body = serde_json::to_vec(&json!({"U0ANA0001": {":x:": {"picture": big}}})).unwrap();
    let reply = serve.request("POST", "/onboard", &bearer, &body);
    assert_eq!(
        reply.status,
        422,
        "{}",
        &reply.body[..reply.body.len().min(300)]
    );
    assert!(
        reply.body.len() < 1_000,
        "{} bytes of answer",
        reply.body.len()
    );
    assert!(
        reply.body.contains("over the 16777216-byte limit"),
        "{}",
        reply.body
    );

    // A token where a member ID goes comes back redacted.
    let token = "xoxp-1234-5678-abcdefabcdef";
    let body = serde_json::to_vec(&json!({token: {"default": {"name": "x"}}})).unwrap();
    let reply = serve.request("POST", "/onboard", &bearer, &body);
    assert_eq!(reply.status, 422);
    assert!(!reply.body.contains("1234-5678"), "{}", reply.body);
    let logs = serve.logs();
    assert!(!logs.contains("1234-5678"), "{logs}");
}

#[test]
fn serve_with_a_swapped_tokens_file_never_shows_a_token() {
    let mut world = World::local();
    world.member("U0ANA0001", "Ana");
    world.onboard(json!({"U0ANA0001": {"default": {"name": "Ana"}}}));
    let swapped: serde_json::Map<String, Value> = world
        .tokens
        .iter()
        .map(|(user, token)| (token.clone(), Value::from(user.as_str())))
        .collect();
    std::fs::write(world.tokens_path(), serde_json::to_vec(&swapped).unwrap()).unwrap();
    let out = world
        .command()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SLACK_SIGNING_SECRET", support::serve::SECRET)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    world.assert_no_token_in(&out);
    assert!(stderr(&out).contains("xoxp-(redacted)"), "{}", show(&out));
}

/// A PNG of `size` bytes or a little more: a 600 px picture with a private ancillary chunk of
/// filler before its end (decoders skip it; Slack would take it).
fn big_png(size: usize) -> Vec<u8> {
    let picture = images::png(600, 600, 5);
    let end = picture.len() - 12; // the IEND chunk
    let filler = vec![0u8; size];
    let mut chunk = Vec::new();
    chunk.extend_from_slice(&(filler.len() as u32).to_be_bytes());
    let mut typed = b"prVt".to_vec();
    typed.extend_from_slice(&filler);
    chunk.extend_from_slice(&typed);
    // The CRC is not checked for an unknown ancillary chunk by the readers that matter here.
    chunk.extend_from_slice(&[0, 0, 0, 0]);
    let mut out = picture[..end].to_vec();
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&picture[end..]);
    out
}

fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// 100 clients ask for a 15 MiB preset photo and never read: serve holds one copy of it and a
/// slice per client, not a copy each. HEAD answers as GET does, without the body.
#[test]
fn a_big_picture_to_many_clients_that_never_read_costs_one_copy() {
    let _turn = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let mut world = World::local();
    world.member("U0ANA0001", "Ana");
    world.scene.write("big.png", big_png(15 * 1024 * 1024));
    world.onboard(json!({"U0ANA0001": {":x:": {"name": "Ana", "picture": "big.png"}}}));
    let key = world.picture_key("U0ANA0001", ":x:");
    let serve = Serve::start(&world, &[], &[]);
    let address: SocketAddr = serve.address().parse().unwrap();
    let path = format!("/pictures/{key}");

    let head = serve.request("HEAD", &path, &[], b"");
    assert_eq!(head.status, 200);
    let length: usize = head.header("content-length").unwrap().parse().unwrap();
    assert!(length > 15 * 1024 * 1024, "{length}");
    assert!(head.body.is_empty());
    let get = serve.get(&path);
    assert_eq!(get.status, 200);
    assert_eq!(get.bytes.len(), length);

    let pid = serve.child.as_ref().unwrap().id();
    let before = resident_kib(pid);
    let mut clients = Vec::new();
    for _ in 0..100 {
        let mut stream = connect_from(HOSTILE, address, true).unwrap();
        stream
            .write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .unwrap();
        clients.push(stream);
    }
    wait_until(
        "every client's request is taken",
        Duration::from_secs(30),
        || serve.health()["connections"].as_u64().unwrap_or(0) >= 100,
    );
    // Time is what is tested: given two seconds, each answer goes as far as a client that
    // never reads lets it, and memory must not grow with what waits.
    std::thread::sleep(Duration::from_secs(2));
    let grown = resident_kib(pid).saturating_sub(before);
    assert!(grown < 50 * 1024, "resident memory grew by {grown} KiB");
    eprintln!("100 never-reading clients of a 15 MiB picture: +{grown} KiB resident");
    drop(clients);
}

/// 1,000 junk redirects from one address (a state and cookie got from the install page, with
/// made-up codes): a few code exchanges reach Slack, the rest are refused or answered from
/// memory before any Slack call or store write, and a real member connects meanwhile.
#[test]
fn junk_oauth_redirects_cannot_spend_slacks_budget() {
    use support::oauth::{
        allow, callback, install, new_key, serve_with_oauth, CLIENT_ID, CLIENT_SECRET,
    };
    let _turn = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let world = World::local();
    world.slack.add_member("U0ANA0001", "Ana");
    world.onboard(json!({"U0ANA0001": {"default": {"name": "Ana"}}}));
    world.slack.oauth_app(CLIENT_ID, CLIENT_SECRET);
    let key = new_key();
    let serve = serve_with_oauth(&world, &key);
    let address: SocketAddr = serve.address().parse().unwrap();

    // The attacker's own state and cookie, honestly got.
    let (cookie, link) = install(&serve);
    let state = link
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let flood = std::thread::spawn(move || {
        let mut answers = BTreeMap::new();
        for i in 0..1000 {
            let Some(mut stream) = connect_from(HOSTILE, address, false) else {
                continue;
            };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
            let request = format!(
                "GET /slack/oauth_redirect?code=junk-{i}&state={state} HTTP/1.1\r\nHost: x\r\n\
                 Cookie: {cookie}\r\nConnection: close\r\n\r\n"
            );
            if stream.write_all(request.as_bytes()).is_err() {
                continue;
            }
            let reply = support::serve::read_reply(&mut stream);
            *answers.entry(reply.status).or_insert(0) += 1;
        }
        answers
    });

    // Ana connects from her own browser meanwhile.
    world.slack.sign_in("U0ANA0001");
    let started = Instant::now();
    let (cookie, link) = install(&serve);
    let location = allow(&world, &link);
    let reply = callback(&serve, &location, Some(&cookie));
    assert_eq!(reply.status, 200, "{}", reply.body);
    eprintln!("Ana connected in {:?} during the flood", started.elapsed());

    let answers = flood.join().unwrap();
    eprintln!("the flood's answers: {answers:?}");
    let junk_exchanges = world
        .slack
        .calls()
        .iter()
        .filter(|c| c.method == "oauth.v2.access" && c.answer["error"] == "invalid_code")
        .count();
    assert!(
        junk_exchanges <= 5,
        "{junk_exchanges} junk codes reached Slack"
    );
    // Refused, or (the same state again) shown how its one exchange ended: never connected.
    assert!(!answers.contains_key(&200), "{answers:?}");
    // The used states it wrote go once they expire (a sweep removes them).
    let used = world
        .scene
        .snapshot()
        .keys()
        .filter(|k| k.starts_with("oauth/used/"))
        .count();
    assert!(used <= 2, "{used} used-state marks");
}
