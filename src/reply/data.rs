//! The data a template sees: `slots` (as the customer said them), `values` (normalised),
//! `facts` (the intent's knowledge-base articles), `bank` (the bank's profile),
//! `commitment` (`days`, `hours`, `deadline`), `title`, `question`, `open_demands`.

use chrono::NaiveDate;
use serde_json::{Map, Value, json};

use crate::content::{BANK_PROFILE, Commitment, Intent, LocaleContent};
use crate::dialogue::Demand;
use crate::domain::{KnowledgeId, Locale};

fn facts_of(content: &LocaleContent, ids: impl Iterator<Item = KnowledgeId>) -> Value {
    let mut facts = Map::new();
    for id in ids {
        if let Some(article) = content.knowledge.get(&id) {
            for (k, v) in &article.facts {
                facts.insert(k.clone(), Value::String(v.clone()));
            }
        }
    }
    Value::Object(facts)
}

/// What every template can use.
pub fn base(content: &LocaleContent) -> Map<String, Value> {
    let mut data = Map::new();
    let bank = KnowledgeId::parse(BANK_PROFILE).ok();
    data.insert("bank".into(), facts_of(content, bank.into_iter()));
    data
}

/// Adds the name the customer hears for an intent and its knowledge-base facts.
pub fn with_intent(data: &mut Map<String, Value>, content: &LocaleContent, intent: &Intent) {
    data.insert(
        "title".into(),
        Value::String(intent.spoken_title().to_string()),
    );
    data.insert(
        "facts".into(),
        facts_of(content, intent.knowledge.iter().map(|(id, _)| id.clone())),
    );
    if let Some(commitment) = intent.commitment {
        let (days, hours) = match commitment {
            Commitment::WorkingDays(d) => (Some(d), None),
            Commitment::Hours(h) => (None, Some(h)),
        };
        data.insert("commitment".into(), json!({"days": days, "hours": hours}));
    }
}

/// Adds a demand's slots.
pub fn with_demand(data: &mut Map<String, Value>, demand: &Demand) {
    let said: Map<String, Value> = demand
        .slots
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.said.to_string())))
        .collect();
    let values: Map<String, Value> = demand
        .slots
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.value.to_string())))
        .collect();
    let traits: Map<String, Value> = demand
        .traits
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect();
    data.insert("slots".into(), Value::Object(said));
    data.insert("values".into(), Value::Object(values));
    data.insert("traits".into(), Value::Object(traits));
}

/// Adds a commitment's deadline.
pub fn with_deadline(data: &mut Map<String, Value>, by: NaiveDate, locale: Locale) {
    let commitment = data.entry("commitment").or_insert_with(|| json!({}));
    if let Value::Object(c) = commitment {
        c.insert("deadline".into(), Value::String(locale.spoken_date(by)));
    }
}
