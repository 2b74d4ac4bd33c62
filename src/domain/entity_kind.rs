//! The kinds of entity the matcher extracts and intent slots ask for.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An entity type. Slots in the content name one of these; the API reports them by name.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// A sum of money (`两千块`, `3.5万`, `$200`); the value is a plain decimal.
    Amount,
    /// A date and/or time (`昨天下午三点`), resolved against the current day.
    Datetime,
    /// The last four digits of a bank card (`尾号1234`).
    CardTail,
    /// An ATM, branch or street (`人民路支行`).
    Location,
    /// A mobile phone number (personal data: masked).
    Phone,
    /// A full bank card number (personal data: masked, last four kept).
    CardNumber,
    /// A mainland ID number (personal data: masked).
    IdNumber,
    /// Free text: the customer's whole answer is the value.
    Text,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Amount => "amount",
            EntityKind::Datetime => "datetime",
            EntityKind::CardTail => "card_tail",
            EntityKind::Location => "location",
            EntityKind::Phone => "phone",
            EntityKind::CardNumber => "card_number",
            EntityKind::IdNumber => "id_number",
            EntityKind::Text => "text",
        }
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
