//! The README's TLS proxy works as written: `examples/nginx.conf`, with only its addresses and
//! certificate paths made local, runs in a real nginx in front of serve; Slack's signed events
//! and a browser's pages arrive over https, and plain http is sent to https.

mod support;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;
use support::serve::{now, sign, user_change, Serve, SECRET};
use support::{images, wait_until, World};

/// nginx, stopped when the test ends.
struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn program(name: &str, places: &[&str]) -> String {
    places
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(|p| p.to_string())
        .unwrap_or_else(|| {
            panic!(
                "this test runs a real {name}: run the test command (it installs nginx and \
                 openssl as root), or `sudo apt-get install nginx openssl`"
            )
        })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn the_example_nginx_site_carries_slack_and_browsers_to_serve() {
    let nginx = program("nginx", &["/usr/sbin/nginx", "/usr/bin/nginx"]);
    let openssl = program("openssl", &["/usr/bin/openssl", "/usr/local/bin/openssl"]);
    let mut world = World::local();
    world.member("U0ANA0001", "Ana");
    world.scene.write("beach.png", images::png(512, 512, 1));
    world.onboard(
        json!({"U0ANA0001": {":palm_tree:": {"name": "Ana (away)", "picture": "beach.png"}}}),
    );
    let serve = Serve::start(&world, &[], &[]);
    let serve_address = serve.url.trim_start_matches("http://").to_owned();

    // A certificate for the example's host name, and the example site made local.
    let dir = tempfile::tempdir().unwrap();
    let at = dir.path();
    let made = Command::new(&openssl)
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=status.example.com"])
        .arg("-keyout")
        .arg(at.join("key.pem"))
        .arg("-out")
        .arg(at.join("cert.pem"))
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", support::show(&made));
    let (https, http) = (free_port(), free_port());
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/nginx.conf"))
            .unwrap();
    let site = example
        .replace(
            "/etc/letsencrypt/live/status.example.com/fullchain.pem",
            &at.join("cert.pem").display().to_string(),
        )
        .replace(
            "/etc/letsencrypt/live/status.example.com/privkey.pem",
            &at.join("key.pem").display().to_string(),
        )
        .replace("listen 443 ssl;", &format!("listen 127.0.0.1:{https} ssl;"))
        .replace("listen [::]:443 ssl;", "")
        .replace("listen 80;", &format!("listen 127.0.0.1:{http};"))
        .replace("listen [::]:80;", "")
        .replace("http://127.0.0.1:3000", &format!("http://{serve_address}"));
    assert!(
        site.contains(&format!("proxy_pass http://{serve_address};")),
        "{site}"
    );
    std::fs::write(at.join("site.conf"), site).unwrap();
    let temp = at.join("temp");
    std::fs::create_dir(&temp).unwrap();
    std::fs::set_permissions(&temp, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let at_text = at.display();
    let temp_text = temp.display();
    std::fs::write(
        at.join("nginx.conf"),
        format!(
            "daemon off;\npid {at_text}/nginx.pid;\nerror_log {at_text}/error.log;\n\
             events {{}}\nhttp {{\n  access_log {at_text}/access.log;\n  \
             client_body_temp_path {temp_text}/body;\n  proxy_temp_path {temp_text}/proxy;\n  \
             fastcgi_temp_path {temp_text}/fastcgi;\n  uwsgi_temp_path {temp_text}/uwsgi;\n  \
             scgi_temp_path {temp_text}/scgi;\n  include {at_text}/site.conf;\n}}\n"
        ),
    )
    .unwrap();
    let _nginx = Nginx(
        Command::new(&nginx)
            .arg("-c")
            .arg(at.join("nginx.conf"))
            .arg("-p")
            .arg(at)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_until("nginx listening", Duration::from_secs(20), || {
        std::net::TcpStream::connect(("127.0.0.1", https)).is_ok()
    });

    let client = reqwest::blocking::Client::builder()
        .danger_accept_invalid_certs(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = format!("https://127.0.0.1:{https}");
    // A browser's page.
    let health = client.get(format!("{base}/healthz")).send().unwrap();
    assert_eq!(health.status(), 200);
    // Slack's signed event: the body reaches serve as Slack signed it.
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    let body = user_change(&world.slack.member("U0ANA0001"), "Ev0THROUGHTLS");
    let ts = now().to_string();
    let answer = client
        .post(format!("{base}/slack/events"))
        .header("Content-Type", "application/json")
        .header("X-Slack-Request-Timestamp", &ts)
        .header("X-Slack-Signature", sign(SECRET, &ts, &body))
        .body(body)
        .send()
        .unwrap();
    assert_eq!(answer.status(), 200);
    wait_until("the preset applied", Duration::from_secs(30), || {
        world.slack.display_name("U0ANA0001") == "Ana (away)"
    });
    // Plain http is sent to https.
    let plain = client
        .get(format!("http://127.0.0.1:{http}/slack/install"))
        .send()
        .unwrap();
    assert_eq!(plain.status(), 301);
    let location = plain.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("https://"), "{location}");
}
