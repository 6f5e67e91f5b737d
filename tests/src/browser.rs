//! A minimal WebDriver client for Debian's `chromium-driver`, plus axe-core injection.
//!
//! Only the commands the tests need (session, navigate, current URL, find/type/click, execute script),
//! spoken over the W3C WebDriver protocol to a chromedriver this harness starts on loopback.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

fn find(candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(|p| p.to_string())
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session. Panics with the install hint if missing.
    pub async fn start() -> Browser {
        let driver_bin = find(&["/usr/bin/chromedriver"]).expect(
            "chromedriver not found: run scripts/test.sh (it installs Debian's chromium and chromium-driver)",
        );
        let chromium =
            find(&["/usr/bin/chromium"]).expect("chromium not found: run scripts/test.sh");
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
            l.local_addr().expect("addr").port()
        };
        let driver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        let mut tries = 0;
        while http.get(format!("{base}/status")).send().await.is_err() {
            tries += 1;
            assert!(tries < 200, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = crate::scratch_dir(&format!("chromium-{port}"));
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                        // Every name is this machine, so tests may use a real-looking base domain.
                        "--host-resolver-rules=MAP * 127.0.0.1",
                        format!("--user-data-dir={}", profile.display()),
                    ]
                }
            }}
        });
        let resp: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .expect("session")
            .json()
            .await
            .expect("json");
        let session = resp["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {resp}"))
            .to_owned();
        Browser {
            driver,
            base,
            session,
            http,
        }
    }

    async fn command(&self, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}/{path}", self.base, self.session);
        let resp: Value = self
            .http
            .post(url)
            .json(&body)
            .send()
            .await
            .expect("webdriver")
            .json()
            .await
            .expect("json");
        if let Some(err) = resp["value"].get("error") {
            panic!(
                "WebDriver {path} failed: {err}: {}",
                resp["value"]["message"]
            );
        }
        resp["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.command("url", json!({ "url": url })).await;
    }

    async fn element(&self, css: &str) -> String {
        let found = self
            .command("element", json!({ "using": "css selector", "value": css }))
            .await;
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_owned()
    }

    /// Types `text` into the field matched by `css`, as a user would.
    pub async fn fill(&self, css: &str, text: &str) {
        let id = self.element(css).await;
        self.command(&format!("element/{id}/value"), json!({ "text": text }))
            .await;
    }

    /// Clicks the element matched by `css`; WebDriver waits for a navigation it starts.
    pub async fn click(&self, css: &str) {
        let id = self.element(css).await;
        self.command(&format!("element/{id}/click"), json!({}))
            .await;
    }

    pub async fn current_url(&self) -> String {
        let url = format!("{}/session/{}/url", self.base, self.session);
        let resp: Value = self
            .http
            .get(url)
            .send()
            .await
            .expect("webdriver")
            .json()
            .await
            .expect("json");
        resp["value"].as_str().unwrap_or_default().to_owned()
    }

    /// Waits (up to ten seconds) until the element matched by `css` contains `needle`, for pages
    /// reached through a form and a redirect; returns its text either way.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.text(css).await;
            if text.contains(needle) || tokio::time::Instant::now() > deadline {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (up to ten seconds) until `condition` (a script expression) is true; false if it never
    /// became true.
    pub async fn wait_until(&self, condition: &str) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let script = format!("return Boolean({condition});");
        loop {
            if self.eval(&script).await == Value::Bool(true) {
                return true;
            }
            if tokio::time::Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The text content of the first element matched by `css`.
    pub async fn text(&self, css: &str) -> String {
        let script = format!(
            "const e = document.querySelector({}); return e ? e.textContent.trim() : '';",
            serde_json::to_string(css).expect("css")
        );
        self.eval(&script)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn eval(&self, script: &str) -> Value {
        self.command("execute/sync", json!({ "script": script, "args": [] }))
            .await
    }

    /// Whether the first image matching `css` has loaded with the given natural width, waiting up
    /// to five seconds for it (images load after the page; a busy machine makes them late).
    pub async fn image_loaded(&self, css: &str, width: Option<u32>) -> bool {
        let check = match width {
            Some(w) => format!(
                "const i = document.querySelector({css:?}); return !!i && i.complete && i.naturalWidth === {w}"
            ),
            None => format!(
                "const i = document.querySelector({css:?}); return !!i && i.complete && i.naturalWidth > 0"
            ),
        };
        for _ in 0..50 {
            if self.eval(&check).await == Value::Bool(true) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    /// Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the current page and returns the violations
    /// whose impact is serious or critical, as "rule: target" strings, followed by what the HTML
    /// validator finds in the page (WCAG 2.1 success criterion 4.1.1, parsing) as "html: …".
    pub async fn serious_accessibility_violations(&self) -> Vec<String> {
        let mut found = self.axe_violations().await;
        found.extend(self.html_problems().await);
        if found.is_empty() {
            record_accessibility_check();
        }
        found
    }

    /// html-validate (its `standard` preset) over the page as the browser holds it.
    pub async fn html_problems(&self) -> Vec<String> {
        let html = self
            .eval("return '<!doctype html>\\n' + document.documentElement.outerHTML")
            .await;
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("page.html");
        std::fs::write(&file, html.as_str().unwrap_or_default()).expect("write page");
        let browser_dir = crate::repo_root().join("tests/browser");
        let out = std::process::Command::new(browser_dir.join("node_modules/.bin/html-validate"))
            .args(["--config", "htmlvalidate.json", "--formatter", "text"])
            .arg(&file)
            .current_dir(&browser_dir)
            .output()
            .expect("html-validate missing: run scripts/test.sh (it installs the npm package into tests/browser)");
        if out.status.success() {
            return Vec::new();
        }
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .chain(String::from_utf8_lossy(&out.stderr).lines())
            .filter(|l| !l.trim().is_empty())
            .map(|l| format!("html: {l}"))
            .collect()
    }

    async fn axe_violations(&self) -> Vec<String> {
        let axe = std::fs::read_to_string(crate::repo_root().join("tests/browser/node_modules/axe-core/axe.min.js"))
            .expect("axe-core missing: run scripts/test.sh (it installs the npm package into tests/browser)");
        self.eval(&axe).await;
        let script = "const done = arguments[arguments.length - 1];\
            axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })\
              .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')\
                .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))))\
              .catch(e => done(['axe failed: ' + e]));";
        let result = self
            .command("execute/async", json!({ "script": script, "args": [] }))
            .await;
        let violations: Vec<String> = result
            .as_array()
            .expect("violations")
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect();
        violations
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Best effort: the session ends with the driver anyway.
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = std::thread::spawn(move || {
            let _ = std::process::Command::new("curl")
                .args(["-s", "-X", "DELETE", &url])
                .output();
        })
        .join();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Notes today as the date of the last passing automated accessibility check; the web crate's
/// build script puts it into the accessibility statement of the next build. Written only when it
/// changes, so it does not make every build rerun the script.
fn record_accessibility_check() {
    let file = crate::repo_root().join("target/accessibility-check.txt");
    let today = time::OffsetDateTime::now_utc().date().to_string();
    if std::fs::read_to_string(&file).ok().as_deref() != Some(today.as_str()) {
        let _ = std::fs::write(&file, today);
    }
}
