//! The kinds of entity the matcher extracts and intent slots ask for.

use serde::{Deserialize, Serialize};

use super::vocab_enum;

vocab_enum! {
    /// An entity type. Slots in the content name one of these; the API reports them by name.
    #[derive(Serialize, Deserialize)]
    pub enum EntityKind ("entity kind") {
        /// A sum of money (`两千块`, `3.5万`, `$200`); the value is a plain decimal.
        Amount = "amount",
        /// A date and/or time (`昨天下午三点`), resolved against the current day.
        Datetime = "datetime",
        /// The last four digits of a bank card (`尾号1234`).
        CardTail = "card_tail",
        /// An ATM, branch or street (`人民路支行`).
        Location = "location",
        /// A mobile phone number (personal data: masked).
        Phone = "phone",
        /// A full bank card number (personal data: masked, last four kept).
        CardNumber = "card_number",
        /// A mainland ID number (personal data: masked).
        IdNumber = "id_number",
        /// Free text: the customer's whole answer is the value.
        Text = "text",
    }
}
