//! The bundled content does not get worse: cross-validated accuracy and out-of-scope
//! rejection stay at or above their bars. en meets the foundation issue's target (90%);
//! zh-CN's target (95%) is not reached yet (see README), so its bar is the ratchet at the
//! last measured level, raised whenever the content improves.

use frontline::content::Catalog;
use frontline::domain::Locale;
use frontline::eval::cross_validate;

use crate::helpers::repo_root;

fn check(locale: Locale, accuracy_bar: f64) {
    let catalog = Catalog::load(&repo_root()).unwrap();
    let report = cross_validate(catalog.locale(locale), 5).unwrap();
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
fn chinese_content_cross_validates_at_94_percent_or_better() {
    check(Locale::ZhCn, 0.94);
}

#[test]
fn english_content_cross_validates_at_90_percent_or_better() {
    check(Locale::En, 0.90);
}
