//! Where a message comes from. The channel shapes the reply (a caller cannot scroll back)
//! and the matcher (speech recognition mishears).

use serde::{Deserialize, Deserializer, Serialize};

use super::vocab_enum;

vocab_enum! {
    /// The customer's channel.
    #[derive(Default, Serialize)]
    pub enum Channel ("channel") {
        /// The chat widget on the bank's website: the default.
        #[default]
        Web = "web",
        /// The chat inside the bank's mobile app.
        App = "app",
        /// A phone call through an IVR platform (speech-to-text and keypresses).
        Ivr = "ivr",
        /// The bank's WeChat Official Account (微信公众号): plain text and voice messages,
        /// passive replies.
        Wechat = "wechat",
    }
}

/// Parsed through [`FromStr`](std::str::FromStr), so that a wrong tag is named as a channel.
impl<'de> Deserialize<'de> for Channel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}
