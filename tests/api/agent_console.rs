//! The agent console in a real headless Chromium (Debian's `chromium`, driven by
//! `playwright-core`; `scripts/test` installs both): handoffs created through the API
//! appear on the page live, ordered by priority, and one click acknowledges one. The
//! browser script is `tests/browser/agent_console.mjs`; its screenshots are kept under
//! `target/artefacts/`.

use std::process::Command;

use crate::helpers::{repo_root, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_console_shows_handoffs_live_and_one_click_acknowledges_one() {
    let app = spawn_app().await;
    let artefacts = repo_root().join("target/artefacts");
    let script = repo_root().join("tests/browser/agent_console.mjs");
    let address = app.address.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .env("FRONTLINE_URL", address)
            .env("ARTEFACT_DIR", artefacts)
            .output()
    })
    .await
    .unwrap()
    .expect("node runs (scripts/test installs chromium and playwright-core)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser test failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(stdout.contains("agent console: ok"), "{stdout}");
    assert!(
        repo_root()
            .join("target/artefacts/agent-console.png")
            .is_file()
    );
}
