//! The Official Accounts a deployment serves: each `[[wechat]]` table of `frontline.toml`
//! (or, for a single account, the `FRONTLINE_WECHAT_*` environment), checked into an
//! [`Account`]. The token, the EncodingAESKey and the AppSecret are secrets: `Debug`
//! never prints them and nothing logs them.

use std::fmt;

use serde::Deserialize;

use super::crypto::AesKey;
use crate::domain::Locale;

/// Where WeChat's servers are, unless an account says otherwise (tests point it at a
/// local receiver).
pub const DEFAULT_API_BASE: &str = "https://api.weixin.qq.com";
/// How old a signed request's timestamp may be, in seconds: older ones are replays.
pub const DEFAULT_MAX_AGE_SECS: u64 = 300;

/// The name in the account's URL (`/v1/channels/wechat/{account}`): 1–32 of
/// `[A-Za-z0-9_-]`, so that it is safe in URLs and conversation ids.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountName(String);

impl AccountName {
    pub fn parse(name: &str) -> Result<AccountName, AccountError> {
        let valid = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        if (1..=32).contains(&name.len()) && name.chars().all(valid) {
            Ok(AccountName(name.to_string()))
        } else {
            Err(AccountError(format!(
                "account `{name}`: 1–32 characters of A-Z, a-z, 0-9, _ and -"
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a customer handed off goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffRoute {
    /// To WeChat's own customer-service system (多客服): the reply is
    /// `transfer_customer_service`.
    #[default]
    Wechat,
    /// To Frontline's desks: agents answer in the agent console, and their messages reach
    /// the customer through WeChat's customer-service message API.
    Desks,
}

/// A `[[wechat]]` table as written.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatConfig {
    pub account: String,
    /// The Token entered in the account's server configuration (服务器配置).
    pub token: String,
    pub app_id: String,
    /// The EncodingAESKey (43 characters), for safe and compatible mode.
    #[serde(default)]
    pub encoding_aes_key: Option<String>,
    /// The AppSecret, for the customer-service message API (`handoff = "desks"`).
    #[serde(default)]
    pub app_secret: Option<String>,
    #[serde(default)]
    pub handoff: HandoffRoute,
    /// WeChat's API base URL [default: https://api.weixin.qq.com].
    #[serde(default)]
    pub api_base: Option<String>,
    /// The language of the account's conversations [default: zh-CN].
    #[serde(default)]
    pub locale: Option<String>,
    /// How old a request's timestamp may be, in seconds [default: 300].
    #[serde(default)]
    pub max_age_secs: Option<u64>,
}

impl fmt::Debug for WechatConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatConfig")
            .field("account", &self.account)
            .field("app_id", &self.app_id)
            .field("handoff", &self.handoff)
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

impl WechatConfig {
    /// A single account from the environment (`FRONTLINE_WECHAT_ACCOUNT`, `_TOKEN`,
    /// `_APP_ID`, `_ENCODING_AES_KEY`, `_APP_SECRET`, `_HANDOFF`, `_API_BASE`), if
    /// `FRONTLINE_WECHAT_ACCOUNT` is set.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Option<WechatConfig> {
        let get = |name: &str| var(&format!("FRONTLINE_WECHAT_{name}")).filter(|v| !v.is_empty());
        Some(WechatConfig {
            account: get("ACCOUNT")?,
            token: get("TOKEN").unwrap_or_default(),
            app_id: get("APP_ID").unwrap_or_default(),
            encoding_aes_key: get("ENCODING_AES_KEY"),
            app_secret: get("APP_SECRET"),
            handoff: match get("HANDOFF").as_deref() {
                Some("desks") => HandoffRoute::Desks,
                _ => HandoffRoute::Wechat,
            },
            api_base: get("API_BASE"),
            locale: get("LOCALE"),
            max_age_secs: get("MAX_AGE_SECS").and_then(|s| s.parse().ok()),
        })
    }

    /// The account, checked.
    pub fn check(&self) -> Result<Account, AccountError> {
        let name = AccountName::parse(&self.account)?;
        let problem = |what: &str| AccountError(format!("account `{}`: {what}", self.account));
        if self.token.len() < 3
            || self.token.len() > 32
            || !self.token.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(problem(
                "token must be 3–32 letters and digits (WeChat's rule)",
            ));
        }
        if self.app_id.trim().is_empty() {
            return Err(problem("app_id is required"));
        }
        let key = self
            .encoding_aes_key
            .as_deref()
            .map(AesKey::from_encoding_aes_key)
            .transpose()
            .map_err(|e| problem(&format!("encoding_aes_key: {e}")))?;
        if self.handoff == HandoffRoute::Desks
            && self.app_secret.as_deref().is_none_or(str::is_empty)
        {
            return Err(problem(
                "handoff = \"desks\" needs app_secret (the customer-service message API)",
            ));
        }
        let locale = match &self.locale {
            Some(l) => l
                .parse()
                .map_err(|_| problem(&format!("locale `{l}` is not supported")))?,
            None => Locale::ZhCn,
        };
        let api_base = self
            .api_base
            .clone()
            .unwrap_or_else(|| DEFAULT_API_BASE.to_string())
            .trim_end_matches('/')
            .to_string();
        if !(api_base.starts_with("https://") || api_base.starts_with("http://")) {
            return Err(problem("api_base must be an http(s) URL"));
        }
        Ok(Account {
            name,
            token: self.token.clone(),
            app_id: self.app_id.clone(),
            key,
            app_secret: self.app_secret.clone(),
            handoff: self.handoff,
            api_base,
            locale,
            max_age_secs: i64::try_from(self.max_age_secs.unwrap_or(DEFAULT_MAX_AGE_SECS))
                .unwrap_or(i64::MAX),
        })
    }
}

/// Why an account's configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[[wechat]] {0}")]
pub struct AccountError(pub String);

/// A checked Official Account.
#[derive(Clone, PartialEq)]
pub struct Account {
    pub name: AccountName,
    token: String,
    pub app_id: String,
    key: Option<AesKey>,
    app_secret: Option<String>,
    pub handoff: HandoffRoute,
    pub api_base: String,
    pub locale: Locale,
    pub max_age_secs: i64,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("name", &self.name)
            .field("app_id", &self.app_id)
            .field("safe_mode", &self.key.is_some())
            .field("handoff", &self.handoff)
            .finish_non_exhaustive()
    }
}

impl Account {
    /// The Token the signatures are made with.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The EncodingAESKey, when the account may use safe mode.
    pub fn key(&self) -> Option<&AesKey> {
        self.key.as_ref()
    }

    pub fn app_secret(&self) -> Option<&str> {
        self.app_secret.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> WechatConfig {
        WechatConfig {
            account: "bank-main".into(),
            token: "pamtest".into(),
            app_id: "wxb11529c136998cb6".into(),
            encoding_aes_key: Some("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG".into()),
            ..WechatConfig::default()
        }
    }

    #[test]
    fn an_account_is_checked_and_its_secrets_never_printed() {
        let account = config().check().unwrap();
        assert!(account.key().is_some());
        let printed = format!("{account:?} {:?}", config());
        assert!(!printed.contains("pamtest"), "{printed}");
        assert!(
            !printed.contains("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"),
            "{printed}"
        );
    }

    #[test]
    fn a_bad_key_or_a_desk_handoff_without_secret_is_refused() {
        let mut bad = config();
        bad.encoding_aes_key = Some("short".into());
        assert!(
            bad.check()
                .unwrap_err()
                .to_string()
                .contains("encoding_aes_key")
        );
        let mut desks = config();
        desks.handoff = HandoffRoute::Desks;
        assert!(
            desks
                .check()
                .unwrap_err()
                .to_string()
                .contains("app_secret")
        );
        let mut name = config();
        name.account = "bank/main".into();
        assert!(name.check().is_err());
    }

    #[test]
    fn one_account_comes_from_the_environment() {
        let env = |name: &str| match name {
            "FRONTLINE_WECHAT_ACCOUNT" => Some("main".to_string()),
            "FRONTLINE_WECHAT_TOKEN" => Some("tok123".to_string()),
            "FRONTLINE_WECHAT_APP_ID" => Some("wx1".to_string()),
            _ => None,
        };
        let account = WechatConfig::from_env(env).unwrap().check().unwrap();
        assert_eq!(account.name.as_str(), "main");
        assert!(account.key().is_none());
        assert!(WechatConfig::from_env(|_| None).is_none());
    }
}
