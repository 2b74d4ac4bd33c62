//! A caller cannot scroll back: every prompt a phone reply can use, rendered with the
//! content's own facts, stays within the locale's limit (`prompt_limit` in
//! `templates/<locale>/_ivr.yaml`; by default 60 Chinese characters or 30 English words).

use frontline::content::Catalog;
use frontline::reply::Composer;

use crate::helpers::{copy_content, repo_root};

fn long_prompts(root: &std::path::Path) -> Vec<String> {
    let catalog = Catalog::load(root).unwrap();
    let composer = Composer::new(&catalog);
    catalog
        .locales()
        .flat_map(|content| composer.long_ivr_prompts(content))
        .map(|p| p.to_string())
        .collect()
}

#[test]
fn every_bundled_ivr_prompt_is_within_the_limit() {
    let long = long_prompts(&repo_root());
    assert!(long.is_empty(), "{}", long.join("\n"));
}

#[test]
fn the_limit_is_content_staffs_to_set() {
    let dir = tempfile::tempdir().unwrap();
    copy_content(dir.path());
    let ivr = dir.path().join("templates/zh-CN/_ivr.yaml");
    let settings = std::fs::read_to_string(&ivr).unwrap();
    let strict = settings.replace("characters: 60", "characters: 10");
    assert_ne!(settings, strict, "_ivr.yaml states its limit");
    std::fs::write(&ivr, strict).unwrap();

    let long = long_prompts(dir.path());
    assert!(
        long.iter()
            .any(|p| p.starts_with("templates/zh-CN/atm_cash_retention.yaml:")),
        "{long:?}"
    );
    assert!(
        long.iter().all(|p| p.starts_with("templates/zh-CN/")),
        "{long:?}"
    );
}
