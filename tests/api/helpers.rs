//! `spawn_app()`: a real server on a free port with the bundled content, and typed helpers
//! to call it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use frontline::access::Limits;
use frontline::domain::{Clock, ClockHand};
use frontline::handoff::DeliveryConfig;
use frontline::handoff::FollowUp;
use frontline::settings::{LogFormat, Settings};
use frontline::startup::{Application, Services};
use frontline::store::Database;
use frontline::surges::SurgeWatch;
use serde_json::Value;

/// The repository root, which holds the bundled content.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Content is loaded and trained once per test binary: every server shares it, as
/// instances of one deployment would.
pub fn bundled_services() -> Services {
    static SERVICES: OnceLock<Services> = OnceLock::new();
    SERVICES
        .get_or_init(|| Services::load(&repo_root()).expect("the bundled content loads"))
        .clone()
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    _data_dir: Option<tempfile::TempDir>,
}

pub async fn spawn_app() -> TestApp {
    let data_dir = tempfile::tempdir().expect("a temporary data dir");
    let mut app = spawn_app_in(data_dir.path()).await;
    app._data_dir = Some(data_dir);
    app
}

/// A server on a data dir the caller keeps: a second server on the same dir is a restart.
pub async fn spawn_app_in(data_dir: &Path) -> TestApp {
    spawn_app_with(data_dir, None).await
}

/// A server whose Twilio webhook checks signatures with `twilio_auth_token`.
pub async fn spawn_app_with(data_dir: &Path, twilio_auth_token: Option<&str>) -> TestApp {
    spawn_app_configured(data_dir, |settings| {
        settings.twilio_auth_token = twilio_auth_token.map(str::to_string);
    })
    .await
}

/// The settings tests start from: loopback on a free port, the bundled content, no
/// watcher, no keys.
pub fn default_settings(data_dir: &Path) -> Settings {
    Settings {
        addr: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.to_path_buf(),
        content_dir: repo_root(),
        log_format: LogFormat::Text,
        twilio_auth_token: None,
        public_url: None,
        // Tests reload on request; the watcher is tested where it is the subject.
        content_poll: None,
        cors_origins: Vec::new(),
        webhooks: Vec::new(),
        delivery: DeliveryConfig::default().check().unwrap(),
        api_keys: Vec::new(),
        limits: Limits::default(),
        database_url: None,
        bank_zone: Default::default(),
        commitments: Default::default(),
        notices: Default::default(),
        // Surge rounds run when a test asks (`TimedApp::surges`), never on a timer.
        surges: frontline::settings::SurgesConfig {
            poll_ms: 0,
            ..Default::default()
        },
        wechat: Vec::new(),
        audit: frontline::settings::AuditConfig {
            poll_ms: 0,
            ..Default::default()
        },
    }
}

/// A server with the test's own settings on top of the defaults (webhooks, say).
pub async fn spawn_app_configured(
    data_dir: &Path,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut settings = default_settings(data_dir);
    configure(&mut settings);
    let services = tokio::task::spawn_blocking(bundled_services).await.unwrap();
    let application = Application::build(&settings, services)
        .await
        .expect("the server starts");
    let address = format!("http://{}", application.address());
    tokio::spawn(application.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        _data_dir: None,
    }
}

/// A server whose clock the test moves (`hand`), with the commitments' follow-up rounds
/// run by the test (`follow_up.tick()`), never on a timer.
pub struct TimedApp {
    pub app: TestApp,
    pub hand: ClockHand,
    pub follow_up: FollowUp<Database>,
    pub surges: SurgeWatch<Database>,
    pub retention: frontline::retention::AuditRetention<Database>,
}

/// A server at `at` on its own clock, with the test's settings on top of the defaults.
pub async fn spawn_app_at(
    data_dir: &Path,
    at: DateTime<Utc>,
    configure: impl FnOnce(&mut Settings),
) -> TimedApp {
    let mut settings = default_settings(data_dir);
    settings.commitments.poll_ms = 0;
    settings.surges.poll_ms = 0;
    configure(&mut settings);
    let services = tokio::task::spawn_blocking(bundled_services).await.unwrap();
    let (clock, hand) = Clock::adjustable(at);
    let application = Application::build_with_clock(&settings, services, clock)
        .await
        .expect("the server starts");
    let address = format!("http://{}", application.address());
    let follow_up = application.follow_up();
    let surges = application.surges();
    let retention = application.retention();
    tokio::spawn(application.run_until_stopped());
    TimedApp {
        app: TestApp {
            address,
            client: reqwest::Client::new(),
            _data_dir: None,
        },
        hand,
        follow_up,
        surges,
        retention,
    }
}

/// A response's status and JSON body.
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl TestApp {
    /// The same server, now owning `data_dir` (removed when the app is dropped).
    pub fn keeping(mut self, data_dir: tempfile::TempDir) -> TestApp {
        self._data_dir = Some(data_dir);
        self
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Reply {
        let response = self
            .client
            .post(format!("{}{path}", self.address))
            .json(body)
            .send()
            .await
            .expect("request sent");
        Reply::from(response).await
    }

    /// `post_json` with extra headers, their values as raw bytes (to send invalid ones).
    pub async fn post_json_with_headers(
        &self,
        path: &str,
        body: &Value,
        headers: &[(&str, Vec<u8>)],
    ) -> Reply {
        let mut request = self
            .client
            .post(format!("{}{path}", self.address))
            .json(body);
        for (name, value) in headers {
            let value = reqwest::header::HeaderValue::from_bytes(value).expect("a header value");
            request = request.header(*name, value);
        }
        Reply::from(request.send().await.expect("request sent")).await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Reply {
        let response = self
            .client
            .post(format!("{}{path}", self.address))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request sent");
        Reply::from(response).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent");
        Reply::from(response).await
    }

    /// One customer message in a conversation; asserts a 200 and returns the body.
    pub async fn say(&self, conversation: &str, body: Value) -> Value {
        let reply = self
            .post_json(&format!("/v1/conversations/{conversation}/messages"), &body)
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body
    }

    /// `say` with just a zh-CN text.
    pub async fn say_zh(&self, conversation: &str, text: &str) -> Value {
        self.say(
            conversation,
            serde_json::json!({"text": text, "locale": "zh-CN"}),
        )
        .await
    }

    /// `POST /v1/parse` with a text in a locale.
    pub async fn parse(&self, text: &str, locale: &str) -> Value {
        let reply = self
            .post_json(
                "/v1/parse",
                &serde_json::json!({"text": text, "locale": locale}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body
    }
}

impl Reply {
    pub async fn from(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let text = response.text().await.expect("a body");
        let body =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("a JSON body, got: {text}"));
        Reply { status, body }
    }

    /// Asserts the error shape of the API contract and returns the code.
    pub fn error_code(&self) -> &str {
        let error = &self.body["error"];
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{}",
            self.body
        );
        error["code"].as_str().expect("an error code")
    }
}

/// The entity of a type in a parse response.
pub fn entity<'a>(parse: &'a Value, kind: &str) -> Option<&'a Value> {
    parse["entities"]
        .as_array()?
        .iter()
        .find(|e| e["type"] == kind)
}

/// Copies the bundled content into `to`, to break it on purpose.
pub fn copy_content(to: &Path) {
    for dir in ["intents", "knowledge-base", "templates"] {
        copy_dir(&repo_root().join(dir), &to.join(dir));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `frontline serve` of the real binary on `address` with the bundled content and
/// `data_dir`, its log (stderr) into `log`: the caller adds flags and spawns it.
pub fn serve_command(address: &str, data_dir: &Path, log: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_frontline"));
    command
        .args(["serve", "--addr", address, "--content"])
        .arg(repo_root())
        .arg("--data-dir")
        .arg(data_dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(log).expect("a log file"));
    command
}

/// Long enough for a debug build to train its models and start.
pub const START_PATIENCE: std::time::Duration = std::time::Duration::from_secs(120);

/// Waits until a server started as a process answers `/readyz`.
pub async fn wait_ready(client: &reqwest::Client, base: &str) {
    let started = Instant::now();
    loop {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await
            && response.status().is_success()
        {
            return;
        }
        assert!(
            started.elapsed() < START_PATIENCE,
            "the service never became ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The last lines of a log, enough to see what the service was doing.
pub fn log_tail(path: &Path) -> String {
    let log = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}
