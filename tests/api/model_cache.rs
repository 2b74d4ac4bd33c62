//! The trained models kept in the data dir: the real binary started, stopped and started
//! again on the same data dir restores them instead of training, answers exactly as
//! before, and trains over a damaged file rather than trusting it.

use std::path::Path;
use std::process::Child;

use serde_json::{Value, json};

use crate::helpers::{serve_command, wait_ready};
use crate::receiver::free_address;

const MODELS: [&str; 3] = ["zh-CN.model", "zh-CN-spoken.model", "en.model"];

struct Server {
    child: Child,
    base: String,
    log: std::path::PathBuf,
}

impl Server {
    async fn start(data_dir: &Path, log: &Path) -> Server {
        let address = free_address().to_string();
        let child = serve_command(&address, data_dir, log)
            .env("RUST_LOG", "info")
            .spawn()
            .expect("the binary starts");
        let server = Server {
            child,
            base: format!("http://{address}"),
            log: log.to_path_buf(),
        };
        wait_ready(&reqwest::Client::new(), &server.base).await;
        server
    }

    /// What the service understands of three messages, one per model.
    async fn understands(&self) -> Vec<Value> {
        let client = reqwest::Client::new();
        let mut answers = Vec::new();
        for (text, locale, channel) in [
            (
                "昨天下午三点在人民路支行的ATM取两千块,钱没出来卡里却扣了",
                "zh-CN",
                "web",
            ),
            ("我的卡被取款机吞超了", "zh-CN", "ivr"),
            ("my card was swallowed by the ATM", "en", "web"),
        ] {
            let parse: Value = client
                .post(format!("{}/v1/parse", self.base))
                .json(&json!({"text": text, "locale": locale, "channel": channel}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            answers.push(json!([parse["intent"], parse["candidates"]]));
        }
        answers
    }

    fn stop(mut self) -> String {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn restored(log: &str) -> usize {
    log.lines()
        .filter(|l| l.contains("saved model restored"))
        .count()
}

#[tokio::test]
async fn a_restart_restores_the_saved_models_and_a_damaged_one_is_trained_over() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let models = data.join("models");

    let first = Server::start(&data, &dir.path().join("first.log")).await;
    let trained = first.understands().await;
    let log = first.stop();
    assert_eq!(
        restored(&log),
        0,
        "nothing to restore on a first start:\n{log}"
    );
    for model in MODELS {
        assert!(models.join(model).is_file(), "{model} not saved:\n{log}");
    }

    let second = Server::start(&data, &dir.path().join("second.log")).await;
    assert_eq!(
        second.understands().await,
        trained,
        "restored models answer otherwise"
    );
    let log = second.stop();
    assert_eq!(restored(&log), 3, "every model restored:\n{log}");

    // One byte of the weights changed on disk: the checksum refuses the file.
    let damaged = models.join("zh-CN.model");
    let mut bytes = std::fs::read(&damaged).unwrap();
    let last = bytes.len() - 10;
    bytes[last] = if bytes[last] == b'1' { b'2' } else { b'1' };
    std::fs::write(&damaged, &bytes).unwrap();
    let third = Server::start(&data, &dir.path().join("third.log")).await;
    assert_eq!(
        third.understands().await,
        trained,
        "a damaged model was served"
    );
    let log = third.stop();
    assert_eq!(restored(&log), 2, "only the intact models restored:\n{log}");
    assert!(log.contains("checksum"), "the damage is reported:\n{log}");
    assert_ne!(
        std::fs::read(&damaged).unwrap(),
        bytes,
        "the damaged file is trained over"
    );

    // A file of other content (here: another model version) is not used either.
    let text = std::fs::read_to_string(models.join("en.model")).unwrap();
    let (header, body) = text.split_once('\n').unwrap();
    let mut fields: Vec<&str> = header.split(' ').collect();
    fields[1] = "0";
    std::fs::write(
        models.join("en.model"),
        format!("{}\n{body}", fields.join(" ")),
    )
    .unwrap();
    let fourth = Server::start(&data, &dir.path().join("fourth.log")).await;
    assert_eq!(fourth.understands().await, trained);
    let log = fourth.stop();
    assert_eq!(
        restored(&log),
        2,
        "the other version's model trained again:\n{log}"
    );
}
