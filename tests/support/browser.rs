//! A real browser for the tests: headless Chromium driven through ChromeDriver (Debian's
//! `chromium` and `chromium-driver`, which `scripts/test.sh` installs when missing).

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

/// ChromeDriver as a child process, and a browser session on it; both end when dropped.
pub struct Browser {
    pub client: Client,
    driver: Child,
    pub runtime: tokio::runtime::Runtime,
    /// The browser's profile, removed with the browser.
    _profile: tempfile::TempDir,
}

fn find(program: &str, candidates: &[&str]) -> String {
    for candidate in candidates {
        if std::path::Path::new(candidate).exists() {
            return (*candidate).to_owned();
        }
    }
    panic!(
        "this test needs {program} and it is not installed: run the tests with scripts/test.sh \
         (it installs Debian's chromium and chromium-driver), or `apt-get install chromium \
         chromium-driver`"
    )
}

impl Browser {
    pub fn start() -> Browser {
        let driver_path = find(
            "chromedriver",
            &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"],
        );
        let chromium = find(
            "chromium",
            &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting chromedriver");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let profile = tempfile::tempdir().unwrap();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1000,800",
                         format!("--user-data-dir={}", profile.path().display())]
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        // chromedriver answers once it is up.
        let client = super::wait_for("chromedriver answers", Duration::from_secs(20), || {
            runtime
                .block_on(
                    ClientBuilder::rustls()
                        .expect("a TLS setup")
                        .capabilities(caps.clone())
                        .connect(&url),
                )
                .ok()
        });
        Browser {
            client,
            driver,
            runtime,
            _profile: profile,
        }
    }

    pub fn goto(&self, url: &str) {
        self.runtime.block_on(self.client.goto(url)).unwrap();
    }

    /// Clicks the element with this CSS selector, once it is there.
    pub fn click(&self, css: &str) {
        self.runtime
            .block_on(async {
                let element = self.client.wait().for_element(Locator::Css(css)).await?;
                element.click().await
            })
            .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
    }

    /// The text of the element with this CSS selector, once it is there.
    pub fn text(&self, css: &str) -> String {
        self.runtime
            .block_on(async {
                let element = self.client.wait().for_element(Locator::Css(css)).await?;
                element.text().await
            })
            .unwrap_or_else(|e| panic!("reading {css}: {e}"))
    }

    pub fn url(&self) -> String {
        self.runtime
            .block_on(self.client.current_url())
            .unwrap()
            .to_string()
    }

    pub fn source(&self) -> String {
        self.runtime.block_on(self.client.source()).unwrap()
    }

    /// Makes the window this size (a picture of an element shows only what fits in it).
    pub fn resize(&self, width: u32, height: u32) {
        self.runtime
            .block_on(self.client.set_window_size(width, height))
            .unwrap();
    }

    /// A PNG of the element with this CSS selector, once it is there and every picture in the
    /// page has loaded.
    pub fn element_png(&self, css: &str) -> Vec<u8> {
        self.runtime
            .block_on(async {
                self.client
                    .wait()
                    .for_element(Locator::Css("body.loaded"))
                    .await?;
                let element = self.client.wait().for_element(Locator::Css(css)).await?;
                element.screenshot().await
            })
            .unwrap_or_else(|e| panic!("a picture of {css}: {e}"))
    }

    /// A PNG of what the browser shows.
    pub fn screenshot(&self, path: &std::path::Path) {
        let png = self.runtime.block_on(self.client.screenshot()).unwrap();
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let client = self.client.clone();
        let _ = self.runtime.block_on(client.close());
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
