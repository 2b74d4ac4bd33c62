//! Parse latency: one message through normalisation, segmentation, the intent model
//! (linear SVM + BM25 nearest examples), entities, emotion and risk cues — in process,
//! without HTTP. On the bundled content, and on the content scaled to 1,000 intents.
//!
//! Run: `cargo bench --bench parse`. The scaled case writes a content tree of 1,000
//! intents per locale into a temporary folder (each synthetic intent is a bundled intent's
//! examples about one of many products) and trains on it before measuring.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use frontline::content::Catalog;
use frontline::domain::Locale;
use frontline::nlu::{MessageUnderstanding, Understanding, Utterance};

const ZH_MESSAGE: &str = "昨天下午三点在人民路支行的ATM取两千块,钱没出来卡里却扣了,气死我了!";
/// README's demo message, the one `benches/load` sends to `/v1/parse`.
const DEMO_MESSAGE: &str = "昨天下午三点在人民路支行的ATM取两千块,钱没出来卡里却扣了";
const EN_MESSAGE: &str = "The ATM at the Renmin Road branch kept my 500 dollars yesterday at 3pm!";
const SCALED_INTENTS: usize = 1_000;
/// The scaled case's size when the test suite only checks that the benchmark runs.
const SMOKE_INTENTS: usize = 40;
/// Examples per synthetic intent: enough to train on, few enough to train in a minute.
const SYNTHETIC_EXAMPLES: usize = 20;

/// What `/v1/parse` asks of the understanding: the whole message, no clauses.
fn parse(understanding: &Understanding, text: &str, locale: Locale) -> MessageUnderstanding {
    understanding.understand(&Utterance::new(text, locale).whole_only())
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn train(root: &Path) -> Understanding {
    let started = Instant::now();
    let catalog = Catalog::load(root).expect("content loads");
    let understanding = Understanding::train(&catalog).expect("models train");
    eprintln!(
        "trained {} intents per locale in {:.1}s",
        catalog.locale(Locale::ZhCn).intents.len(),
        started.elapsed().as_secs_f64()
    );
    understanding
}

/// Names for synthetic products: two characters from a pool, unique per intent.
fn product_name(index: usize, locale: Locale) -> String {
    const POOL: &[char] = &[
        '鑫', '悦', '盈', '丰', '安', '泰', '华', '瑞', '祥', '福', '康', '宁', '嘉', '睿', '恒',
        '信', '诚', '君', '益', '富', '隆', '兴', '盛', '和', '融', '汇', '通', '达', '金', '银',
        '宝', '利',
    ];
    match locale {
        Locale::ZhCn => format!(
            "{}{}",
            POOL[index % POOL.len()],
            POOL[(index / POOL.len()) % POOL.len()]
        ),
        Locale::En => format!("plan{index:04}"),
    }
}

/// A content tree with the bundled content plus synthetic intents up to `total`.
fn scaled_content(total: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["intents", "knowledge-base", "templates"] {
        copy_dir(&repo_root().join(sub), &dir.path().join(sub));
    }
    let catalog = Catalog::load(&repo_root()).unwrap();
    for content in catalog.locales() {
        let base = &content.intents;
        for index in base.len()..total {
            let template = &base[index % base.len()];
            let product = product_name(index, content.locale);
            let mut yaml = format!(
                "id: synthetic_{index:04}\ntitle: synthetic {index}\nkind: inquiry\nexamples:\n"
            );
            for example in template.examples.iter().take(SYNTHETIC_EXAMPLES) {
                let text = match content.locale {
                    Locale::ZhCn => format!("关于{product}:{}", example.text),
                    Locale::En => format!("about {product}: {}", example.text),
                };
                let _ = writeln!(yaml, "  - {}", serde_json::to_string(&text).unwrap());
            }
            let file = dir
                .path()
                .join("intents")
                .join(content.locale.as_str())
                .join(format!("synthetic_{index:04}.yaml"));
            std::fs::write(file, yaml).unwrap();
            let reply = dir
                .path()
                .join("templates")
                .join(content.locale.as_str())
                .join(format!("synthetic_{index:04}.yaml"));
            std::fs::write(reply, format!("guidance: synthetic {index}\n")).unwrap();
        }
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn bundled(c: &mut Criterion) {
    let understanding = train(&repo_root());
    c.bench_function("parse/zh-CN/bundled", |b| {
        b.iter(|| parse(&understanding, black_box(ZH_MESSAGE), Locale::ZhCn))
    });
    c.bench_function("parse/zh-CN/demo", |b| {
        b.iter(|| parse(&understanding, black_box(DEMO_MESSAGE), Locale::ZhCn))
    });
    c.bench_function("parse/en/bundled", |b| {
        b.iter(|| parse(&understanding, black_box(EN_MESSAGE), Locale::En))
    });
}

/// Whether a benchmark named `id` is asked for: `cargo bench --bench parse -- bundled`
/// names a filter, as criterion reads it (a part of the name).
fn wanted(id: &str) -> bool {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    filters.is_empty() || filters.iter().any(|f| id.contains(f.as_str()))
}

/// Whether this is a measuring run (`cargo bench`) rather than `cargo test --all-targets`
/// checking that the benchmarks work: cargo passes `--bench` only to the former.
fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn scaled(c: &mut Criterion) {
    // Training on 1,000 intents takes minutes: only when measuring, not in the test suite.
    let intents = if measuring() {
        SCALED_INTENTS
    } else {
        SMOKE_INTENTS
    };
    let ids = [
        format!("parse/zh-CN/{intents}-intents"),
        format!("parse/en/{intents}-intents"),
    ];
    if !ids.iter().any(|id| wanted(id)) {
        // Filtered out: not minutes of training for nothing.
        return;
    }
    let dir = scaled_content(intents);
    let understanding = train(dir.path());
    c.bench_function(&ids[0], |b| {
        b.iter(|| parse(&understanding, black_box(ZH_MESSAGE), Locale::ZhCn))
    });
    c.bench_function(&ids[1], |b| {
        b.iter(|| parse(&understanding, black_box(EN_MESSAGE), Locale::En))
    });
}

criterion_group!(benches, bundled, scaled);
criterion_main!(benches);
