//! Who the customer is, as far as the client tells us.

use serde::{Deserialize, Deserializer, Serialize};

/// A customer segment (`elderly`, `vip` …): lower_snake_case, chosen by the bank. Replies
/// may differ by segment (elderly customers get plainer, slower wording).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct Segment(String);

impl Segment {
    pub fn parse(value: &str) -> Result<Segment, super::IdError> {
        super::ids::SlotName::parse(value)
            .map(|name| Segment(name.as_str().to_string()))
            .map_err(|_| super::IdError {
                what: "customer segment",
                value: value.to_string(),
            })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Segment {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Segment::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// The longest customer id accepted.
pub const MAX_CUSTOMER_ID_LEN: usize = 128;

/// The customer as the client describes them. The id is the bank's, opaque to us; it is
/// masked like any text before it is stored, in case a client uses a phone number.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Customer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<Segment>,
}
