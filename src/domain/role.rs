//! Who said a line of a transcript.

use serde::{Deserialize, Serialize};

use super::vocab::vocab_enum;

vocab_enum! {
    /// Who said a line of the transcript.
    #[derive(Serialize, Deserialize)]
    pub enum Role ("role") {
        Customer = "customer",
        Bot = "bot",
    }
}
