//! The bundled content does not get worse: cross-validated accuracy and out-of-scope
//! rejection stay at or above the foundation issue's targets: zh-CN 95%, en 90%, and 90% of
//! out-of-scope messages rejected.

use frontline::content::Catalog;
use frontline::domain::Locale;
use frontline::eval::cross_validate;

use crate::helpers::repo_root;

fn check(locale: Locale, accuracy_bar: f64) {
    let catalog = Catalog::load(&repo_root()).unwrap();
    let report = cross_validate(catalog.locale(locale), 5, &|| {}).unwrap();
    assert!(
        report.accuracy >= accuracy_bar,
        "{locale} accuracy {:.3} < {accuracy_bar}: {:#?}",
        report.accuracy,
        report.confused_pairs
    );
    let rejection = report.out_of_scope_rejection.unwrap();
    assert!(
        rejection >= 0.90,
        "{locale} out-of-scope rejection {rejection:.3} < 0.90"
    );
}

#[test]
fn chinese_content_cross_validates_at_95_percent_or_better() {
    check(Locale::ZhCn, 0.95);
}

#[test]
fn english_content_cross_validates_at_90_percent_or_better() {
    check(Locale::En, 0.90);
}
