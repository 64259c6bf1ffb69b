//! A real Redis for tests: the one `scripts/test.sh` started (`STATUSINATOR_TEST_REDIS_URL`), or
//! a `redis-server` of a test's own, which it may stop and start again on the same port.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The variable `scripts/test.sh` sets to the Redis it started.
pub const REDIS_URL_VAR: &str = "STATUSINATOR_TEST_REDIS_URL";

/// The Redis the test command started, or a failure that says how to get one.
pub fn redis_url() -> String {
    match std::env::var(REDIS_URL_VAR) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "this test needs Redis and {REDIS_URL_VAR} is not set: run the tests with \
             scripts/test.sh (it starts redis-server), or start one yourself with \
             `redis-server --port 6390 --save ''` and export {REDIS_URL_VAR}=redis://127.0.0.1:6390"
        ),
    }
}

/// A `redis-server` of this test's own on a loopback port, without persistence (a restart
/// starts empty, as a cache's would).
pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
    /// With TLS: the server's certificate and key, and the CA that signed them.
    tls: Option<Tls>,
}

/// A private CA and the server certificate it signed, made with openssl.
pub struct Tls {
    pub ca: std::path::PathBuf,
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
}

impl Tls {
    /// A CA and a certificate for 127.0.0.1 signed by it, in `dir`.
    pub fn make(dir: &std::path::Path) -> Tls {
        let openssl = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(dir)
                .output()
                .expect("openssl (scripts/test.sh installs it)");
            assert!(out.status.success(), "openssl {args:?}: {out:?}");
        };
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=statusinator test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ]);
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ]);
        std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "san.ext",
            "-out",
            "server.pem",
        ]);
        Tls {
            ca: dir.join("ca.pem"),
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
        }
    }
}

impl RedisServer {
    pub fn start() -> RedisServer {
        RedisServer::start_with(None)
    }

    /// A server that speaks TLS only, with a certificate `tls`'s CA signed.
    pub fn start_tls(tls: Tls) -> RedisServer {
        RedisServer::start_with(Some(tls))
    }

    fn start_with(tls: Option<Tls>) -> RedisServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut server = RedisServer {
            port,
            child: None,
            tls,
        };
        server.start_again();
        server
    }

    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() {
            "rediss"
        } else {
            "redis"
        };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Starts it (again) on its port, and waits until it answers.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "Redis is running already");
        let mut command = Command::new("redis-server");
        command.args(["--bind", "127.0.0.1"]);
        match &self.tls {
            None => command.args(["--port", &self.port.to_string()]),
            Some(tls) => command
                .args(["--port", "0", "--tls-port", &self.port.to_string()])
                .args(["--tls-auth-clients", "no"])
                .arg("--tls-cert-file")
                .arg(&tls.cert)
                .arg("--tls-key-file")
                .arg(&tls.key),
        };
        let child = command
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| {
                panic!(
                    "cannot start redis-server ({err}): run the tests with scripts/test.sh (it \
                     installs it), or `sudo apt-get install redis-server`"
                )
            });
        self.child = Some(child);
        let client = match &self.tls {
            None => redis::Client::open(self.url()).unwrap(),
            Some(tls) => redis::Client::build_with_tls(
                self.url(),
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(std::fs::read(&tls.ca).unwrap()),
                },
            )
            .unwrap(),
        };
        super::wait_until("redis-server answers", Duration::from_secs(30), || {
            client
                .get_connection_with_timeout(Duration::from_millis(200))
                .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c))
                .is_ok()
        });
    }

    /// Stops it (its keys are gone).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
