//! WeChat's customer-service message API (客服消息): how an agent at Frontline's desks
//! writes to a customer who came through an Official Account. Passive replies answer only
//! the message being pushed; an agent's later messages go out through
//! `POST {api_base}/cgi-bin/message/custom/send`, with an access token from
//! `GET {api_base}/cgi-bin/token`, cached per account until shortly before it expires and
//! fetched again when WeChat says it expired or was replaced.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;
use tokio::sync::Mutex;

use super::account::{Account, AccountName};

/// A token is fetched again this long before WeChat says it expires.
const EARLY_REFRESH: Duration = Duration::from_secs(300);
/// WeChat's error codes for an access token that is no longer valid.
const TOKEN_INVALID: [i64; 3] = [40001, 40014, 42001];

/// Why a message did not go out.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("account `{0}` has no app_secret for the customer-service message API")]
    NoSecret(String),
    #[error("WeChat API unreachable: {0}")]
    Http(#[from] reqwest::Error),
    #[error("WeChat API error {code}: {message}")]
    Api { code: i64, message: String },
}

#[derive(Deserialize)]
struct ApiAnswer {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    access_token: Option<String>,
    expires_in: Option<u64>,
}

/// The customer-service message API of every account, with their cached tokens.
pub struct CustomerService {
    http: reqwest::Client,
    tokens: Mutex<HashMap<AccountName, (String, Instant)>>,
}

impl CustomerService {
    pub fn new(http: reqwest::Client) -> CustomerService {
        CustomerService {
            http,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// Sends `text` to the customer `openid` of `account`; a token WeChat refuses is
    /// fetched again and the message sent once more.
    pub async fn send_text(
        &self,
        account: &Account,
        openid: &str,
        text: &str,
    ) -> Result<(), SendError> {
        let body = json!({"touser": openid, "msgtype": "text", "text": {"content": text}});
        let mut refreshed = false;
        loop {
            let token = self.token(account, refreshed).await?;
            let answer: ApiAnswer = self
                .http
                .post(with_query(
                    &format!("{}/cgi-bin/message/custom/send", account.api_base),
                    &[("access_token", token.as_str())],
                ))
                .json(&body)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            match answer.errcode {
                0 => return Ok(()),
                code if TOKEN_INVALID.contains(&code) && !refreshed => refreshed = true,
                code => {
                    return Err(SendError::Api {
                        code,
                        message: answer.errmsg,
                    });
                }
            }
        }
    }

    /// The account's access token: the cached one unless `fresh` or about to expire.
    async fn token(&self, account: &Account, fresh: bool) -> Result<String, SendError> {
        let mut tokens = self.tokens.lock().await;
        if !fresh
            && let Some((token, until)) = tokens.get(&account.name)
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let secret = account
            .app_secret()
            .ok_or_else(|| SendError::NoSecret(account.name.as_str().to_string()))?;
        let answer: ApiAnswer = self
            .http
            .get(with_query(
                &format!("{}/cgi-bin/token", account.api_base),
                &[
                    ("grant_type", "client_credential"),
                    ("appid", account.app_id.as_str()),
                    ("secret", secret),
                ],
            ))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let Some(token) = answer.access_token.filter(|_| answer.errcode == 0) else {
            return Err(SendError::Api {
                code: answer.errcode,
                message: answer.errmsg,
            });
        };
        let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(7200));
        let until = Instant::now() + lifetime.saturating_sub(EARLY_REFRESH);
        tokens.insert(account.name.clone(), (token.clone(), until));
        tracing::info!(
            account = account.name.as_str(),
            "WeChat access token fetched"
        );
        Ok(token)
    }
}

/// `url?name=value&…`, the values form-encoded.
fn with_query(url: &str, params: &[(&str, &str)]) -> String {
    let query = serde_urlencoded::to_string(params).unwrap_or_default();
    format!("{url}?{query}")
}
