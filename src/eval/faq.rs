//! How well the knowledge base's FAQ finds the entry a customer asks about, measured on
//! wordings it has not seen: k-fold over each entry's question variants (fold `f` holds out
//! every entry's variants `f`, `f + k`, …, and the FAQ is indexed from the rest), and on
//! the locale's out-of-scope messages, which must not be answered.
//!
//! - **hit@1**: the held-out variant's own entry ranks first;
//! - **MRR**: the mean of 1 / its rank (0 when it is not among the first ten);
//! - **answered right / wrong**: what a customer would get with the content's threshold
//!   (offered as one of the choices counts as neither);
//! - **false answers**: out-of-scope messages that get an answer or choices.
//!
//! A sweep over thresholds shows what moving the content's threshold would change.

use serde::Serialize;

use crate::content::{Faq, FaqEntry, FaqMatching, LocaleContent};
use crate::domain::{FaqId, Locale};
use crate::nlu::{self, FaqMatcher, FaqReading, TrainError};

/// Candidates read for the MRR.
const RANKED: usize = 10;

/// The thresholds the sweep reports.
const SWEEP: [f32; 13] = [
    0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70,
];

/// The README's targets: hit@1 in zh-CN and en, and the false-answer rate.
pub const FAQ_HIT_TARGET_ZH: f64 = 0.90;
pub const FAQ_HIT_TARGET_EN: f64 = 0.85;
pub const FAQ_FALSE_ANSWER_TARGET: f64 = 0.05;

/// A held-out variant whose entry did not rank first.
#[derive(Clone, Debug, Serialize)]
pub struct FaqMiss {
    pub question: String,
    pub expected: FaqId,
    /// The entry that ranked first, if any did.
    pub got: Option<FaqId>,
    pub score: f32,
}

/// One row of the threshold sweep.
#[derive(Clone, Debug, Serialize)]
pub struct FaqThresholdRow {
    pub threshold: f32,
    /// Held-out variants answered with their own entry.
    pub answered_right: f64,
    /// Held-out variants answered with another entry.
    pub answered_wrong: f64,
    /// Held-out variants offered as choices that include their entry.
    pub offered_as_choice: f64,
    /// Out-of-scope messages answered or offered choices.
    pub false_answers: f64,
}

/// The FAQ figures of one locale.
#[derive(Clone, Debug, Serialize)]
pub struct FaqReport {
    pub locale: Locale,
    pub entries: usize,
    pub questions: usize,
    pub folds: usize,
    pub threshold: f32,
    pub hit_at_1: f64,
    pub mrr: f64,
    pub answered_right: f64,
    pub answered_wrong: f64,
    /// Held-out variants offered as choices that include their entry.
    pub offered_as_choice: f64,
    pub out_of_scope_messages: usize,
    pub false_answers: f64,
    /// The out-of-scope messages answered (or offered choices), with the entry.
    pub false_answered: Vec<(String, FaqId)>,
    pub misses: Vec<FaqMiss>,
    pub sweep: Vec<FaqThresholdRow>,
}

impl FaqReport {
    /// Whether the figures meet the targets the README states.
    pub fn meets_targets(&self) -> bool {
        let hit_target = match self.locale {
            Locale::ZhCn => FAQ_HIT_TARGET_ZH,
            Locale::En => FAQ_HIT_TARGET_EN,
        };
        self.hit_at_1 >= hit_target && self.false_answers <= FAQ_FALSE_ANSWER_TARGET
    }
}

/// A held-out variant as the FAQ indexed without it read it.
struct HeldOut {
    expected: FaqId,
    question: String,
    ranked: Vec<nlu::ScoredFaq>,
}

/// Cross-validates the FAQ of one locale; `None` when the locale has no FAQ.
pub fn evaluate_faq(
    content: &LocaleContent,
    folds: usize,
) -> Result<Option<FaqReport>, TrainError> {
    let faq = &content.faq;
    if faq.entries.is_empty() {
        return Ok(None);
    }
    let analyser = nlu::analyser_for(content);
    let mut held_out = Vec::new();
    for fold in 0..folds {
        let (training, tested) = split(faq, fold, folds);
        let matcher = FaqMatcher::build(&training, &analyser)?;
        for (entry, question) in tested {
            let analysis = analyser.analyse(&question);
            held_out.push(HeldOut {
                expected: entry,
                question,
                ranked: matcher.rank(&analysis, RANKED),
            });
        }
    }
    let matcher = FaqMatcher::build(faq, &analyser)?;
    let out_of_scope: Vec<(String, Vec<nlu::ScoredFaq>)> = content
        .out_of_scope
        .examples
        .iter()
        .map(|e| {
            let ranked = matcher.rank(&analyser.analyse(&e.text), RANKED);
            (e.text.clone(), ranked)
        })
        .collect();
    Ok(Some(report(
        content.locale,
        faq,
        folds,
        &held_out,
        &matcher,
        &out_of_scope,
    )))
}

/// The FAQ without fold `fold`'s variants (variant `i` of every entry is in fold
/// `i mod folds`), and those variants with their entry. With at least three variants and
/// at least two folds, every entry keeps one to be found by.
fn split(faq: &Faq, fold: usize, folds: usize) -> (Faq, Vec<(FaqId, String)>) {
    let mut tested = Vec::new();
    let entries = faq
        .entries
        .iter()
        .map(|entry| {
            let mut kept = entry.clone();
            kept.questions.clear();
            for (i, question) in entry.questions.iter().enumerate() {
                if i % folds == fold {
                    tested.push((entry.id.clone(), question.text.clone()));
                } else {
                    kept.questions.push(question.clone());
                }
            }
            kept
        })
        .collect::<Vec<FaqEntry>>();
    (
        Faq {
            entries,
            matching: faq.matching,
        },
        tested,
    )
}

fn share(count: usize, total: usize) -> f64 {
    count as f64 / total.max(1) as f64
}

fn report(
    locale: Locale,
    faq: &Faq,
    folds: usize,
    held_out: &[HeldOut],
    matcher: &FaqMatcher,
    out_of_scope: &[(String, Vec<nlu::ScoredFaq>)],
) -> FaqReport {
    let total = held_out.len();
    let first_is = |h: &HeldOut, id: &FaqId| h.ranked.first().is_some_and(|c| &c.id == id);
    let hits = held_out.iter().filter(|h| first_is(h, &h.expected)).count();
    let reciprocal: f64 = held_out
        .iter()
        .map(|h| {
            h.ranked
                .iter()
                .position(|c| c.id == h.expected)
                .map_or(0.0, |at| 1.0 / (at + 1) as f64)
        })
        .sum();
    let at_content = decided(held_out, matcher, out_of_scope, faq.matching);
    let false_answered: Vec<(String, FaqId)> = out_of_scope
        .iter()
        .filter(|(_, ranked)| matcher.read(ranked) != FaqReading::Nothing)
        .map(|(text, ranked)| (text.clone(), ranked[0].id.clone()))
        .collect();
    let sweep = SWEEP
        .iter()
        .map(|&threshold| {
            let matching = FaqMatching {
                threshold,
                ..faq.matching
            };
            decided(held_out, matcher, out_of_scope, matching)
        })
        .collect();
    FaqReport {
        locale,
        entries: faq.entries.len(),
        questions: faq.entries.iter().map(|e| e.questions.len()).sum(),
        folds,
        threshold: faq.matching.threshold,
        hit_at_1: share(hits, total),
        mrr: reciprocal / total.max(1) as f64,
        answered_right: at_content.answered_right,
        answered_wrong: at_content.answered_wrong,
        offered_as_choice: at_content.offered_as_choice,
        out_of_scope_messages: out_of_scope.len(),
        false_answers: at_content.false_answers,
        false_answered,
        misses: held_out
            .iter()
            .filter(|h| !first_is(h, &h.expected))
            .map(|h| FaqMiss {
                question: h.question.clone(),
                expected: h.expected.clone(),
                got: h.ranked.first().map(|c| c.id.clone()),
                score: h.ranked.first().map_or(0.0, |c| c.score),
            })
            .collect(),
        sweep,
    }
}

/// What customers would get under `matching`: held-out wordings answered right, wrong or
/// offered as a choice, and out-of-scope messages answered (or offered choices).
fn decided(
    held_out: &[HeldOut],
    matcher: &FaqMatcher,
    out_of_scope: &[(String, Vec<nlu::ScoredFaq>)],
    matching: FaqMatching,
) -> FaqThresholdRow {
    let readings: Vec<FaqReading> = held_out
        .iter()
        .map(|h| matcher.read_with(&h.ranked, matching))
        .collect();
    let count = |f: &dyn Fn(&HeldOut, &FaqReading) -> bool| {
        let n = held_out
            .iter()
            .zip(&readings)
            .filter(|(h, r)| f(h, r))
            .count();
        share(n, held_out.len())
    };
    let answered = |r: &FaqReading| r.answer().map(|a| a.id.clone());
    FaqThresholdRow {
        threshold: matching.threshold,
        answered_right: count(&|h, r| answered(r).as_ref() == Some(&h.expected)),
        answered_wrong: count(&|h, r| answered(r).is_some_and(|a| a != h.expected)),
        offered_as_choice: count(
            &|h, r| matches!(r, FaqReading::Choices(c) if c.iter().any(|c| c.id == h.expected)),
        ),
        false_answers: share(
            out_of_scope
                .iter()
                .filter(|(_, r)| matcher.read_with(r, matching) != FaqReading::Nothing)
                .count(),
            out_of_scope.len(),
        ),
    }
}

/// The report as text, for a terminal.
pub fn render_faq_report(report: &FaqReport) -> String {
    let pct = |x: f64| format!("{:.1}%", x * 100.0);
    let mut out = format!(
        "{} FAQ · {} entries, {} question variants, {}-fold over the variants\n  hit@1              {}\n  MRR                {:.3}\n  with threshold {:.2}: answered right {}, answered wrong {}, offered as a choice {}\n  false answers      {} of {} out-of-scope messages ({})\n",
        report.locale,
        report.entries,
        report.questions,
        report.folds,
        pct(report.hit_at_1),
        report.mrr,
        report.threshold,
        pct(report.answered_right),
        pct(report.answered_wrong),
        pct(report.offered_as_choice),
        report.false_answered.len(),
        report.out_of_scope_messages,
        pct(report.false_answers),
    );
    out.push_str("  threshold   right   wrong  choice  false answers\n");
    for row in &report.sweep {
        out.push_str(&format!(
            "  {:>9.2}  {:>6}  {:>6}  {:>6}  {:>6}\n",
            row.threshold,
            pct(row.answered_right),
            pct(row.answered_wrong),
            pct(row.offered_as_choice),
            pct(row.false_answers)
        ));
    }
    if !report.false_answered.is_empty() {
        out.push_str("  out-of-scope messages answered:\n");
        for (text, id) in &report.false_answered {
            out.push_str(&format!("    {text} → {id}\n"));
        }
    }
    if !report.misses.is_empty() {
        out.push_str("  held-out questions not ranked first:\n");
        for miss in report.misses.iter().take(30) {
            let got = miss
                .got
                .as_ref()
                .map_or("nothing".to_string(), |g| g.to_string());
            out.push_str(&format!(
                "    {} → {got} ({:.2}), expected {}\n",
                miss.question, miss.score, miss.expected
            ));
        }
    }
    out
}
