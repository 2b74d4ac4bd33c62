//! The evaluation as a page a content lead opens in a browser (`frontline eval --html`):
//! the headline figures, accuracy per intent, the confusion matrix as a heatmap and the
//! misread examples themselves. One self-contained file (inline CSS, no script), so it can
//! be mailed or attached to a publishing ticket.

use handlebars::Handlebars;
use serde::Serialize;

use super::faq::FaqReport;
use super::metrics::{ConfusionMatrix, EvalReport, OUT_OF_SCOPE};
use super::{Method, report::percent};

/// The page layout; every value is escaped by handlebars, example texts included.
const TEMPLATE: &str = include_str!("report.html.hbs");

/// An intent whose F1 is below this is flagged in the table.
const WEAK_F1: f64 = 0.9;

#[derive(Serialize)]
struct Page {
    title: String,
    locales: Vec<LocaleView>,
    faq: Vec<FaqView>,
}

/// The FAQ figures of one locale (`frontline eval --faq`).
#[derive(Serialize)]
struct FaqView {
    locale: String,
    entries: usize,
    questions: usize,
    folds: usize,
    threshold: String,
    hit_at_1: String,
    mrr: String,
    answered_right: String,
    answered_wrong: String,
    offered_as_choice: String,
    out_of_scope_messages: usize,
    false_answers: String,
    sweep: Vec<SweepRow>,
    misses: Vec<FaqMissRow>,
    miss_count: usize,
    false_answered: Vec<FalseAnswerRow>,
    false_count: usize,
}

#[derive(Serialize)]
struct SweepRow {
    threshold: String,
    right: String,
    wrong: String,
    choice: String,
    false_answers: String,
}

#[derive(Serialize)]
struct FaqMissRow {
    question: String,
    expected: String,
    got: String,
}

#[derive(Serialize)]
struct FalseAnswerRow {
    text: String,
    entry: String,
}

#[derive(Serialize)]
struct LocaleView {
    locale: String,
    method: String,
    examples: usize,
    out_of_scope_examples: usize,
    intents: usize,
    accuracy: String,
    macro_f1: String,
    out_of_scope_rejection: Option<String>,
    false_rejection: String,
    seconds: String,
    per_intent: Vec<IntentRow>,
    matrix: MatrixView,
    misread: Vec<MisreadRow>,
    misread_count: usize,
}

#[derive(Serialize)]
struct IntentRow {
    intent: String,
    support: usize,
    precision: String,
    recall: String,
    f1: String,
    /// Width of the recall bar, in percent.
    bar: u32,
    weak: bool,
    #[serde(skip)]
    f1_value: f64,
}

#[derive(Serialize)]
struct MatrixView {
    columns: Vec<Header>,
    rows: Vec<MatrixRow>,
}

#[derive(Serialize)]
struct Header {
    number: usize,
    label: String,
}

#[derive(Serialize)]
struct MatrixRow {
    number: usize,
    label: String,
    total: usize,
    cells: Vec<Cell>,
}

#[derive(Serialize)]
struct Cell {
    /// Empty for zero, so the eye goes to what is there.
    count: String,
    title: String,
    style: String,
}

#[derive(Serialize)]
struct MisreadRow {
    text: String,
    expected: String,
    predicted: String,
}

/// Renders the reports of one run (one per locale, intents and FAQ) as an HTML page.
pub fn render_html(reports: &[EvalReport], faq: &[FaqReport]) -> String {
    let mut locales: Vec<String> = reports.iter().map(|r| r.locale.to_string()).collect();
    locales.extend(faq.iter().map(|r| r.locale.to_string()));
    locales.dedup();
    let page = Page {
        title: format!("Frontline understanding report · {}", locales.join(", ")),
        locales: reports.iter().map(locale_view).collect(),
        faq: faq.iter().map(faq_view).collect(),
    };
    let mut registry = Handlebars::new();
    registry.set_strict_mode(true);
    registry
        .render_template(TEMPLATE, &page)
        .unwrap_or_else(|e| panic!("the bundled report template is broken: {e}"))
}

fn faq_view(report: &FaqReport) -> FaqView {
    FaqView {
        locale: report.locale.to_string(),
        entries: report.entries,
        questions: report.questions,
        folds: report.folds,
        threshold: format!("{:.2}", report.threshold),
        hit_at_1: percent(report.hit_at_1),
        mrr: format!("{:.3}", report.mrr),
        answered_right: percent(report.answered_right),
        answered_wrong: percent(report.answered_wrong),
        offered_as_choice: percent(report.offered_as_choice),
        out_of_scope_messages: report.out_of_scope_messages,
        false_answers: percent(report.false_answers),
        sweep: report
            .sweep
            .iter()
            .map(|row| SweepRow {
                threshold: format!("{:.2}", row.threshold),
                right: percent(row.answered_right),
                wrong: percent(row.answered_wrong),
                choice: percent(row.offered_as_choice),
                false_answers: percent(row.false_answers),
            })
            .collect(),
        misses: report
            .misses
            .iter()
            .map(|m| FaqMissRow {
                question: m.question.clone(),
                expected: m.expected.to_string(),
                got: m
                    .got
                    .as_ref()
                    .map_or("nothing".to_string(), |g| g.to_string()),
            })
            .collect(),
        miss_count: report.misses.len(),
        false_answered: report
            .false_answered
            .iter()
            .map(|(text, entry)| FalseAnswerRow {
                text: text.clone(),
                entry: entry.to_string(),
            })
            .collect(),
        false_count: report.false_answered.len(),
    }
}

fn locale_view(report: &EvalReport) -> LocaleView {
    let method = match report.method {
        Method::CrossValidation { folds } => format!("{folds}-fold cross-validation"),
        Method::TrainTest { train_examples } => {
            format!("trained on {train_examples} examples, tested on a separate set")
        }
    };
    let mut per_intent: Vec<IntentRow> = report
        .per_intent
        .iter()
        .filter(|f| f.support > 0)
        .map(|f| IntentRow {
            intent: f.intent.clone(),
            support: f.support,
            precision: percent(f.precision),
            recall: percent(f.recall),
            f1: percent(f.f1),
            bar: (f.recall * 100.0).round() as u32,
            weak: f.f1 < WEAK_F1,
            f1_value: f.f1,
        })
        .collect();
    per_intent.sort_by(|a, b| a.f1_value.total_cmp(&b.f1_value));
    LocaleView {
        locale: report.locale.to_string(),
        method,
        examples: report.examples,
        out_of_scope_examples: report.out_of_scope_examples,
        intents: report.intents,
        accuracy: percent(report.accuracy),
        macro_f1: percent(report.macro_f1),
        out_of_scope_rejection: report.out_of_scope_rejection.map(percent),
        false_rejection: percent(report.false_rejection),
        seconds: format!("{:.1}", report.seconds),
        per_intent,
        matrix: matrix_view(&report.matrix),
        misread_count: report.misread.len(),
        misread: report
            .misread
            .iter()
            .map(|m| MisreadRow {
                text: m.text.clone(),
                expected: m.expected.clone().unwrap_or_else(|| OUT_OF_SCOPE.into()),
                predicted: m.predicted.clone().unwrap_or_else(|| "(rejected)".into()),
            })
            .collect(),
    }
}

fn matrix_view(matrix: &ConfusionMatrix) -> MatrixView {
    let columns = matrix
        .labels
        .iter()
        .enumerate()
        .map(|(i, label)| Header {
            number: i + 1,
            label: label.clone(),
        })
        .collect();
    let rows = matrix
        .labels
        .iter()
        .zip(&matrix.counts)
        .enumerate()
        .map(|(r, (label, counts))| {
            let total: usize = counts.iter().sum();
            let cells = counts
                .iter()
                .enumerate()
                .map(|(c, &count)| cell(label, &matrix.labels[c], count, total, r == c))
                .collect();
            MatrixRow {
                number: r + 1,
                label: label.clone(),
                total,
                cells,
            }
        })
        .collect();
    MatrixView { columns, rows }
}

/// A heatmap cell: green on the diagonal (read right), red off it (read wrong), the
/// stronger the larger the share of the row. Small confusions are amplified so that a
/// single misread example is still visible.
fn cell(expected: &str, predicted: &str, count: usize, total: usize, diagonal: bool) -> Cell {
    let share = if total == 0 {
        0.0
    } else {
        count as f64 / total as f64
    };
    let style = if count == 0 {
        String::new()
    } else if diagonal {
        format!("background:rgba(46,160,67,{:.2})", 0.15 + 0.85 * share)
    } else {
        format!(
            "background:rgba(207,34,46,{:.2})",
            (0.25 + 3.0 * share).min(1.0)
        )
    };
    Cell {
        count: if count == 0 {
            String::new()
        } else {
            count.to_string()
        },
        title: format!("{expected} → {predicted}: {count} ({})", percent(share)),
        style,
    }
}
