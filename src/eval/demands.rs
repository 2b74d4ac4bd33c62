//! Measuring demand detection: which demands the bot opens for a customer's first
//! message, against the set a complaint lead would open. A labelled file lists messages
//! (many with several clauses, many benign) and their demands:
//!
//! ```yaml
//! locale: zh-CN
//! messages:
//!   - text: ATM吞了我两千块,而且还乱扣我年费
//!     demands: [atm_cash_retention, fee_dispute]
//!   - text: 我明天去人民路支行,那边好停车吗
//!     demands: []
//! ```
//!
//! Precision is over the demands opened, recall over the demands labelled; a benign
//! message (labelled with none) that opens one counts as a false alarm too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use crate::domain::{IntentId, Locale};

/// What a complaint lead asks of demand detection: almost nothing invented, and few
/// demands missed.
pub const DEMAND_PRECISION_TARGET: f64 = 0.97;
pub const DEMAND_RECALL_TARGET: f64 = 0.90;

/// A labelled file of messages and their demands.
#[derive(Debug)]
pub struct DemandSet {
    pub locale: Locale,
    pub messages: Vec<LabelledMessage>,
}

/// One message and the demands a complaint lead would open for it.
#[derive(Debug)]
pub struct LabelledMessage {
    pub line: usize,
    pub text: String,
    pub demands: BTreeSet<IntentId>,
}

#[derive(Debug, thiserror::Error)]
#[error("{}:{line}: {message}", path.display())]
pub struct DemandSetError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    locale: Locale,
    messages: Vec<Spanned<Entry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    text: String,
    demands: Vec<IntentId>,
}

/// Reads a labelled file; every label must be one of `known` (the locale's demands).
pub fn read_demand_set(
    path: &Path,
    known: impl Fn(Locale, &IntentId) -> bool,
) -> Result<DemandSet, DemandSetError> {
    let error = |line: usize, message: String| DemandSetError {
        path: path.to_path_buf(),
        line,
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| error(1, e.to_string()))?;
    let file: File = serde_saphyr::from_str(&text).map_err(|e| {
        let line = e.location().map_or(1, |l| l.line() as usize);
        error(
            line,
            e.to_string().lines().next().unwrap_or_default().into(),
        )
    })?;
    let mut messages = Vec::new();
    for entry in file.messages {
        let line = entry.referenced.line() as usize;
        let Entry { text, demands } = entry.value;
        if text.trim().is_empty() {
            return Err(error(line, "empty `text`".into()));
        }
        if let Some(unknown) = demands.iter().find(|d| !known(file.locale, d)) {
            return Err(error(
                line,
                format!("`{unknown}` is not a demand intent of {}", file.locale),
            ));
        }
        messages.push(LabelledMessage {
            line,
            text,
            demands: demands.into_iter().collect(),
        });
    }
    if messages.is_empty() {
        return Err(error(1, "no messages".into()));
    }
    Ok(DemandSet {
        locale: file.locale,
        messages,
    })
}

/// A message whose opened demands differ from its labels.
#[derive(Clone, Debug, Serialize)]
pub struct DemandMiss {
    pub line: usize,
    pub text: String,
    /// Opened but not labelled.
    pub invented: Vec<IntentId>,
    /// Labelled but not opened.
    pub missed: Vec<IntentId>,
}

/// How well demands are detected over a labelled file.
#[derive(Clone, Debug, Serialize)]
pub struct DemandReport {
    pub locale: Locale,
    pub messages: usize,
    pub labelled: usize,
    pub opened: usize,
    pub correct: usize,
    pub precision: f64,
    pub recall: f64,
    /// Messages labelled with no demand, and how many of them opened one anyway.
    pub benign: usize,
    pub benign_opened: usize,
    /// Messages whose demands are exactly the labelled set.
    pub exact: usize,
    /// Per intent: (invented, missed).
    pub by_intent: BTreeMap<IntentId, (usize, usize)>,
    pub misses: Vec<DemandMiss>,
}

/// Runs `opened` (the demands the bot opens for a message) over every message.
pub fn evaluate_demands(set: &DemandSet, opened: impl Fn(&str) -> Vec<IntentId>) -> DemandReport {
    let mut report = DemandReport {
        locale: set.locale,
        messages: set.messages.len(),
        labelled: 0,
        opened: 0,
        correct: 0,
        precision: 0.0,
        recall: 0.0,
        benign: 0,
        benign_opened: 0,
        exact: 0,
        by_intent: BTreeMap::new(),
        misses: Vec::new(),
    };
    for message in &set.messages {
        let found: BTreeSet<IntentId> = opened(&message.text).into_iter().collect();
        report.labelled += message.demands.len();
        report.opened += found.len();
        report.correct += found.intersection(&message.demands).count();
        if message.demands.is_empty() {
            report.benign += 1;
            if !found.is_empty() {
                report.benign_opened += 1;
            }
        }
        if found == message.demands {
            report.exact += 1;
            continue;
        }
        let invented: Vec<IntentId> = found.difference(&message.demands).cloned().collect();
        let missed: Vec<IntentId> = message.demands.difference(&found).cloned().collect();
        for id in &invented {
            report.by_intent.entry(id.clone()).or_default().0 += 1;
        }
        for id in &missed {
            report.by_intent.entry(id.clone()).or_default().1 += 1;
        }
        report.misses.push(DemandMiss {
            line: message.line,
            text: message.text.clone(),
            invented,
            missed,
        });
    }
    report.precision = ratio(report.correct, report.opened);
    report.recall = ratio(report.correct, report.labelled);
    report
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// The report as text: the figures, then every message that went wrong.
pub fn render_demand_report(report: &DemandReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} messages, {} demands labelled, {} opened",
        report.locale, report.messages, report.labelled, report.opened
    );
    let _ = writeln!(
        out,
        "  precision {:.1}%  recall {:.1}%  exact {:.1}%  benign opened {}/{}",
        report.precision * 100.0,
        report.recall * 100.0,
        ratio(report.exact, report.messages) * 100.0,
        report.benign_opened,
        report.benign
    );
    for (intent, (invented, missed)) in &report.by_intent {
        let _ = writeln!(out, "  {intent}: {invented} invented, {missed} missed");
    }
    for miss in &report.misses {
        let _ = writeln!(
            out,
            "  line {}: {}  invented {:?} missed {:?}",
            miss.line,
            miss.text,
            miss.invented.iter().map(|i| i.as_str()).collect::<Vec<_>>(),
            miss.missed.iter().map(|i| i.as_str()).collect::<Vec<_>>()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> IntentId {
        IntentId::parse(s).unwrap()
    }

    #[test]
    fn invented_and_missed_demands_lower_precision_and_recall() {
        let set = DemandSet {
            locale: Locale::ZhCn,
            messages: vec![
                LabelledMessage {
                    line: 3,
                    text: "a".into(),
                    demands: [id("fee_dispute"), id("card_lost")].into(),
                },
                LabelledMessage {
                    line: 5,
                    text: "b".into(),
                    demands: BTreeSet::new(),
                },
            ],
        };
        let report = evaluate_demands(&set, |text| match text {
            "a" => vec![id("fee_dispute")],
            _ => vec![id("service_attitude_complaint")],
        });
        assert_eq!((report.labelled, report.opened, report.correct), (2, 2, 1));
        assert_eq!(report.precision, 0.5);
        assert_eq!(report.recall, 0.5);
        assert_eq!((report.benign, report.benign_opened), (1, 1));
        assert_eq!(report.misses.len(), 2);
        assert_eq!(
            report.misses[1].invented,
            vec![id("service_attitude_complaint")]
        );
    }
}
