//! What the integration tests share: the built binary run as a user would, a temporary local
//! store or a bucket on a real S3-compatible server (moto, started by `scripts/test.sh`), and
//! snapshots of a store's whole content.

#![allow(dead_code)]

pub mod blockkit;
pub mod browser;
pub mod forward_proxy;
pub mod images;
pub mod oauth;
pub mod proxy;
pub mod redis;
pub mod serve;
pub mod slack;
pub mod socket;
pub mod worlds;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use s3::creds::Credentials;
use s3::{Bucket, Region};

/// The variable `scripts/test.sh` sets to the S3-compatible server it started.
pub const S3_ENDPOINT_VAR: &str = "STATUSINATOR_TEST_S3_ENDPOINT";

/// The endpoint of the S3-compatible test server, or a failure that says how to get one.
pub fn s3_endpoint() -> String {
    match std::env::var(S3_ENDPOINT_VAR) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "this test needs an S3-compatible server and {S3_ENDPOINT_VAR} is not set: run the \
             tests with scripts/test.sh (it starts moto), or start one yourself with \
             `pip install moto flask flask-cors && moto_server -H 127.0.0.1 -p 5000` and \
             export {S3_ENDPOINT_VAR}=http://127.0.0.1:5000"
        ),
    }
}

/// Where a test's store lives.
#[derive(Debug, Clone)]
pub enum Backend {
    Local(PathBuf),
    S3 { endpoint: String, bucket: String },
}

/// A scratch directory and a fresh store of the given kind.
pub struct Scene {
    pub dir: tempfile::TempDir,
    pub backend: Backend,
}

impl Scene {
    pub fn local() -> Scene {
        let dir = tempfile::tempdir().unwrap();
        let backend = Backend::Local(dir.path().join("store"));
        Scene { dir, backend }
    }

    /// A new, empty bucket on the S3 test server.
    pub fn s3() -> Scene {
        let endpoint = s3_endpoint();
        let bucket = format!("test-{:016x}", fastrand::u64(..));
        // moto takes an unsigned CreateBucket; us-east-1 needs no location constraint.
        let response = reqwest::blocking::Client::new()
            .put(format!("{endpoint}/{bucket}"))
            .send()
            .unwrap_or_else(|e| panic!("creating bucket {bucket} on {endpoint}: {e}"));
        assert!(
            response.status().is_success(),
            "creating bucket {bucket} on {endpoint}: HTTP {}",
            response.status()
        );
        Scene {
            dir: tempfile::tempdir().unwrap(),
            backend: Backend::S3 { endpoint, bucket },
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub fn store_url(&self) -> String {
        match &self.backend {
            Backend::Local(path) => path.display().to_string(),
            Backend::S3 { bucket, .. } => format!("s3://{bucket}"),
        }
    }

    /// The binary, run in the scratch directory against this store.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_statusinator"));
        cmd.current_dir(self.dir.path())
            .env_remove("RUST_LOG")
            .env_remove("SLACK_TOKEN")
            .env_remove("SLACK_BOT_TOKEN")
            .env_remove("STATUSINATOR_TOKENS")
            .env_remove("AWS_ENDPOINT_URL_S3")
            .env_remove("AWS_PROFILE")
            .env("STATUSINATOR_STORE", self.store_url());
        if let Backend::S3 { endpoint, .. } = &self.backend {
            cmd.env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing")
                .env("AWS_REGION", "us-east-1")
                .env("AWS_ENDPOINT_URL", endpoint);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    fn bucket(&self) -> Box<Bucket> {
        let Backend::S3 { endpoint, bucket } = &self.backend else {
            panic!("not an S3 scene")
        };
        let region = Region::Custom {
            region: "us-east-1".into(),
            endpoint: endpoint.clone(),
        };
        let credentials =
            Credentials::new(Some("testing"), Some("testing"), None, None, None).unwrap();
        Bucket::new(bucket, region, credentials)
            .unwrap()
            .with_path_style()
    }

    /// Every object in the store (local: every file, locks included) with its bytes, but the
    /// records of the serve processes running on it (`processes/`, rewritten every minute
    /// whatever a test does).
    pub fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        let mut all = self.snapshot_all();
        all.retain(|key, _| !key.starts_with("processes/"));
        all
    }

    fn snapshot_all(&self) -> BTreeMap<String, Vec<u8>> {
        match &self.backend {
            Backend::Local(root) => {
                let mut out = BTreeMap::new();
                walk(root, root, &mut out);
                out
            }
            Backend::S3 { .. } => {
                let bucket = self.bucket();
                let mut out = BTreeMap::new();
                for page in bucket.list(String::new(), None).unwrap() {
                    for object in page.contents {
                        let bytes = bucket.get_object(&object.key).unwrap().bytes().to_vec();
                        out.insert(object.key, bytes);
                    }
                }
                out
            }
        }
    }

    /// One object of the store.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        match &self.backend {
            Backend::Local(root) => match std::fs::read(root.join(key)) {
                Ok(bytes) => Some(bytes),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => panic!("reading {key}: {e}"),
            },
            Backend::S3 { .. } => match self.bucket().get_object(key) {
                Ok(object) => Some(object.bytes().to_vec()),
                Err(s3::error::S3Error::HttpFailWithBody(404, _)) => None,
                Err(e) => panic!("reading {key}: {e}"),
            },
        }
    }

    /// Puts an object into the store directly (to set up a scene).
    pub fn put(&self, key: &str, bytes: &[u8]) {
        match &self.backend {
            Backend::Local(root) => {
                let path = root.join(key);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, bytes).unwrap();
            }
            Backend::S3 { .. } => {
                self.bucket().put_object(key, bytes).unwrap();
            }
        }
    }

    /// `users.json`, parsed.
    /// Every member's presets as the store has them: `users.json` with the members' saves
    /// pending since, as `statusinator export` prints them.
    pub fn users_json(&self) -> serde_json::Value {
        let out = self.run(&["export"]);
        assert!(out.status.success(), "{}", show(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    // A running process may rename or remove a file while this walks: what vanished is skipped.
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(root, &path, out);
        } else {
            let key = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            match std::fs::read(&path) {
                Ok(bytes) => {
                    out.insert(key, bytes);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => panic!("reading {key}: {e}"),
            }
        }
    }
}

/// stdout and stderr of a run, for assertion messages.
pub fn show(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Waits until `done`, failing the test after `timeout`: the one way tests wait for a
/// condition (it looks every 20 ms).
pub fn wait_until(what: &str, timeout: std::time::Duration, mut done: impl FnMut() -> bool) {
    wait_for(what, timeout, || done().then_some(()))
}

/// Waits until `found` finds something, and returns it; fails the test after `timeout`.
pub fn wait_for<T>(
    what: &str,
    timeout: std::time::Duration,
    mut found: impl FnMut() -> Option<T>,
) -> T {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(found) = found() {
            return found;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A loopback HTTP server serving fixed files (pictures to download) and redirects, counting
/// the requests it gets; stops when dropped.
pub struct FileServer {
    pub url: String,
    hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    server: std::sync::Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FileServer {
    pub fn start(files: BTreeMap<String, Vec<u8>>) -> FileServer {
        FileServer::with_redirects(files, BTreeMap::new())
    }

    /// Also answers each path of `redirects` with a 302 to its location.
    pub fn with_redirects(
        files: BTreeMap<String, Vec<u8>>,
        redirects: BTreeMap<String, String>,
    ) -> FileServer {
        let server = std::sync::Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let url = format!("http://{}", server.server_addr().to_ip().unwrap());
        let worker = server.clone();
        let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = hits.clone();
        let thread = std::thread::spawn(move || {
            for request in worker.incoming_requests() {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let response = if let Some(location) = redirects.get(request.url()) {
                    slack::redirect(location)
                } else {
                    match files.get(request.url()) {
                        Some(bytes) => tiny_http::Response::from_data(bytes.clone()),
                        None => tiny_http::Response::from_data(b"not found".to_vec())
                            .with_status_code(404),
                    }
                };
                let _ = request.respond(response);
            }
        });
        FileServer {
            url,
            hits,
            server,
            thread: Some(thread),
        }
    }

    /// Requests received so far.
    pub fn hits(&self) -> usize {
        self.hits.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A store, a Slack stand-in and a tokens file: the world `apply`, `poll` and `serve` act in.
pub struct World {
    pub scene: Scene,
    pub slack: slack::SlackStandIn,
    pub tokens: BTreeMap<String, String>,
}

impl World {
    pub fn new(scene: Scene) -> World {
        let world = World {
            scene,
            slack: slack::SlackStandIn::start(),
            tokens: BTreeMap::new(),
        };
        world.write_tokens();
        world
    }

    pub fn local() -> World {
        World::new(Scene::local())
    }

    /// Adds a member to the workspace with their own token in the tokens file.
    pub fn member(&mut self, id: &str, display_name: &str) -> String {
        let token = self.slack.add_member(id, display_name);
        self.tokens.insert(id.to_owned(), token.clone());
        self.write_tokens();
        token
    }

    pub fn tokens_path(&self) -> PathBuf {
        self.scene.path("tokens.json")
    }

    pub fn write_tokens(&self) {
        let path = self.tokens_path();
        std::fs::write(&path, serde_json::to_vec(&self.tokens).unwrap()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }

    /// Onboards presets (pictures are paths relative to the scratch directory).
    pub fn onboard(&self, presets: serde_json::Value) {
        let path = self
            .scene
            .write("presets.json", serde_json::to_vec(&presets).unwrap());
        let out = self.scene.run(&["onboard", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}", show(&out));
    }

    /// Adds members and onboards each with the usual presets: vacation (a name and
    /// `beach.png`), sick (a name only) and default (their name and `home.png`). The caller
    /// writes the two pictures.
    pub fn onboard_team(&mut self, members: &[(&str, &str)]) {
        let mut presets = serde_json::Map::new();
        for (id, name) in members {
            self.member(id, name);
            presets.insert(
                (*id).to_owned(),
                serde_json::json!({
                    ":palm_tree:": {"name": format!("{name} (away)"), "picture": "beach.png"},
                    ":face_with_thermometer:": {"name": format!("{name} (sick)")},
                    "default": {"name": name, "picture": "home.png"}
                }),
            );
        }
        self.onboard(serde_json::Value::Object(presets));
    }

    /// The picture key a member's preset points at.
    pub fn picture_key(&self, user: &str, emoji: &str) -> String {
        self.scene.users_json()["users"][user][emoji]["picture"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The binary, against this store, stand-in and tokens file.
    pub fn command(&self) -> Command {
        let mut cmd = self.scene.command();
        cmd.env("SLACK_API_URL", &self.slack.url)
            .env("STATUSINATOR_TOKENS", self.tokens_path());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    /// One member's state object as the store holds it.
    pub fn state_of(&self, user: &str) -> serde_json::Value {
        let user = statusinator::presets::UserId::parse(user).unwrap();
        let bytes = self.scene.get(&statusinator::state::key(&user)).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    /// Every member's applied state and claims, gathered from their objects as
    /// `{"users": {id: applied}, "claims": {id: claim}}` (`claims` only when there are any;
    /// `null` when nobody has any state).
    pub fn applied(&self) -> serde_json::Value {
        let mut users = serde_json::Map::new();
        let mut claims = serde_json::Map::new();
        for (key, bytes) in self.scene.snapshot() {
            let Some(user) = key
                .strip_prefix("members/")
                .and_then(|k| k.split_once('/'))
                .and_then(|(_, name)| name.strip_suffix(".json"))
            else {
                continue;
            };
            let state: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            if let Some(applied) = state.get("applied") {
                users.insert(user.to_owned(), applied.clone());
            }
            if let Some(claim) = state.get("claim") {
                claims.insert(user.to_owned(), claim.clone());
            }
        }
        if users.is_empty() && claims.is_empty() {
            return serde_json::Value::Null;
        }
        let mut out = serde_json::json!({ "users": users });
        if !claims.is_empty() {
            out["claims"] = claims.into();
        }
        out
    }

    /// Writes a member's state object directly (to set up a scene).
    pub fn put_member_state(&self, user: &str, state: serde_json::Value) {
        let user = statusinator::presets::UserId::parse(user).unwrap();
        self.scene.put(
            &statusinator::state::key(&user),
            &serde_json::to_vec(&state).unwrap(),
        );
    }

    /// Asserts no output of a run shows any token.
    pub fn assert_no_token_in(&self, output: &Output) {
        let text = show(output);
        for token in self.tokens.values() {
            assert!(!text.contains(token.as_str()), "a token leaked:\n{text}");
        }
        for (i, _) in text.match_indices("xox") {
            let after = &text[i + 3..];
            let shape = after.starts_with(|c: char| "pbae".contains(c))
                && after[1..].starts_with('-')
                && after[2..].starts_with(|c: char| c.is_ascii_alphanumeric());
            assert!(!shape, "something shaped like a token leaked:\n{text}");
        }
    }
}

/// The variable `scripts/test.sh` sets to the Python of its venv (moto, slack_sdk).
pub const PYTHON_VAR: &str = "STATUSINATOR_TEST_PYTHON";

/// A Python that can import `module`, or a failure that says how to get one.
pub fn python_with(module: &str) -> String {
    let python = std::env::var(PYTHON_VAR).unwrap_or_else(|_| {
        panic!(
            "this test needs Python with {module} and {PYTHON_VAR} is not set: run the tests \
             with scripts/test.sh (its venv has it), or `pip install {module}` and export \
             {PYTHON_VAR}=$(command -v python3)"
        )
    });
    let ok = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "{python} cannot import {module}: run scripts/test.sh, or pip install {module}"
    );
    python
}
