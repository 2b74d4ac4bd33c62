//! Where a message comes from. The channel shapes the reply (a caller cannot scroll back)
//! and the matcher (speech recognition mishears).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

/// The customer's channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// The chat widget on the bank's website: the default.
    #[default]
    Web,
    /// The chat inside the bank's mobile app.
    App,
    /// A phone call through an IVR platform (speech-to-text and keypresses).
    Ivr,
}

impl Channel {
    /// The tag used in the API and in template file names.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::App => "app",
            Channel::Ivr => "ivr",
        }
    }
}

impl FromStr for Channel {
    type Err = String;

    fn from_str(tag: &str) -> Result<Self, Self::Err> {
        match tag {
            "web" => Ok(Channel::Web),
            "app" => Ok(Channel::App),
            "ivr" => Ok(Channel::Ivr),
            other => Err(format!("unknown channel `{other}`: use web, app or ivr")),
        }
    }
}

/// Parsed through [`FromStr`], so that a wrong tag is named as a channel.
impl<'de> Deserialize<'de> for Channel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
