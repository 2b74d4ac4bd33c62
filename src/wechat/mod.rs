//! WeChat Official Account (微信公众号) protocol core: the public push and
//! passive-reply protocol, kept free of HTTP and runtime concerns so it can be
//! tested byte-for-byte against Tencent's published samples.
//!
//! * [`signature`]: SHA-1 request signatures and timestamp freshness.
//! * [`crypto`]: the "safe mode" AES-256-CBC envelope (WXBizMsgCrypt).
//! * [`message`]: typed parsing of pushed XML bodies.
//! * [`reply`]: rendering of passive replies, plain and encrypted.

pub mod account;
pub mod client;
pub mod crypto;
pub mod message;
pub mod reply;
pub mod signature;

pub use account::{
    Account, AccountError, AccountName, DEFAULT_API_BASE, HandoffRoute, WechatConfig,
};
pub use client::{CustomerService, SendError};
pub use crypto::{AesKey, CryptoError};
pub use message::{
    EncryptedEnvelope, Event, Incoming, IncomingKind, MAX_BODY, MsgId, OpenId, ParseError,
    dedupe_key, parse_envelope, parse_incoming,
};
pub use reply::{encrypted_reply, seal_reply, text_reply, transfer_customer_service_reply};
pub use signature::{
    Timestamp, TimestampError, constant_time_eq, msg_signature, signature, verify, verify_msg,
};

/// The accounts a deployment serves, by name, and the customer-service message API they
/// share.
pub struct Accounts {
    accounts: std::collections::BTreeMap<String, Account>,
    pub service: CustomerService,
}

impl Accounts {
    pub fn new(accounts: Vec<Account>, http: reqwest::Client) -> Accounts {
        Accounts {
            accounts: accounts
                .into_iter()
                .map(|a| (a.name.as_str().to_string(), a))
                .collect(),
            service: CustomerService::new(http),
        }
    }

    pub fn get(&self, name: &str) -> Option<&Account> {
        self.accounts.get(name)
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }
}

/// The conversation of a follower of an account on a bank day: one a day, like a
/// contact centre's chat session (WeChat's own customer-service window is 48 hours).
pub fn conversation_id(account: &AccountName, openid: &OpenId, day: chrono::NaiveDate) -> String {
    format!(
        "wechat:{}:{}:{}",
        account.as_str(),
        openid.as_str(),
        day.format("%Y%m%d")
    )
}

/// The account and follower of a WeChat conversation's id, if it is one.
pub fn follower_of(conversation: &str) -> Option<(&str, &str)> {
    let rest = conversation.strip_prefix("wechat:")?;
    let mut parts = rest.splitn(3, ':');
    Some((parts.next()?, parts.next()?))
}
