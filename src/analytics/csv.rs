//! The report as CSV for spreadsheets: one row per day and measure (`day,measure,label,
//! value`), a long format that pivots cleanly and never changes its columns when a new
//! intent or handoff reason appears.

use super::Report;

/// The report's daily figures as CSV.
pub fn to_csv(report: &Report) -> String {
    let mut out = ::csv::Writer::from_writer(Vec::new());
    let mut row = |day: &str, measure: &str, label: &str, value: String| {
        // Writing to memory cannot fail.
        let _ = out.write_record([day, measure, label, value.as_str()]);
    };
    row("day", "measure", "label", "value".into());
    let rate = |r: Option<f64>| r.map(|r| format!("{r:.4}")).unwrap_or_default();
    for day in &report.days {
        let d = day.day.to_string();
        let v = &day.volume;
        row(&d, "conversations", "", v.conversations.to_string());
        row(&d, "handed_off", "", v.handed_off.to_string());
        row(&d, "closed", "", v.closed.to_string());
        row(&d, "containment_rate", "", rate(v.containment_rate));
        row(&d, "fallbacks", "", day.fallbacks.to_string());
        for (reason, n) in &day.handoffs_by_reason {
            row(&d, "handoffs", reason.as_str(), n.to_string());
        }
        for intent in &day.top_intents {
            row(
                &d,
                "intent",
                intent.intent.as_str(),
                intent.conversations.to_string(),
            );
        }
        for intent in &day.top_complaints {
            row(
                &d,
                "complaint",
                intent.intent.as_str(),
                intent.conversations.to_string(),
            );
        }
        for (emotion, n) in &day.emotions {
            row(&d, "emotion", emotion.as_str(), n.to_string());
        }
    }
    for hotspot in &report.hotspots {
        row(
            &format!("{}..{}", report.from, report.to),
            "hotspot",
            hotspot.intent.as_str(),
            hotspot.conversations.to_string(),
        );
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}
