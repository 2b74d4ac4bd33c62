//! Settings of the service. Each is a command-line flag, a `FRONTLINE_*` environment
//! variable and a key of the config file (`frontline.toml`, or `--config FILE`), in that
//! order of precedence; the doc comment of each option is its `--help` text.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::access::{ApiKeyConfig, KeyError, KeyRing, Limits, LimitsConfig};
use crate::domain::{BankZone, BankZoneError};
use crate::handoff::{
    DeliveryConfig, DeliveryPolicy, Webhook, WebhookConfig, WebhookError, check_webhooks,
};
use crate::store::DatabaseUrl;
use crate::surges::SurgeRule;
use crate::wechat::{Account, AccountError, WechatConfig};

/// The default listen address: loopback, so a fresh install is never exposed by accident.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// The default folder for state (the database).
pub const DEFAULT_DATA_DIR: &str = "data";
/// How often the content directories are checked for changes, in milliseconds.
pub const DEFAULT_CONTENT_POLL_MS: u64 = 2_000;
/// The config file read from the working directory when `--config` is not given.
pub const DEFAULT_CONFIG_FILE: &str = "frontline.toml";

/// How logs are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Options of `frontline serve`.
#[derive(Clone, Debug, Default, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct ServeOptions {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "FRONTLINE_ADDR", value_name = "HOST:PORT")]
    pub addr: Option<SocketAddr>,
    /// Folder for the database and other state [default: ./data]
    #[arg(long, env = "FRONTLINE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL for several instances sharing conversations and handoffs:
    /// `postgres://user@host:5432/frontline` [default: SQLite under the data dir]
    #[arg(
        long,
        env = "FRONTLINE_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Folder holding intents/, templates/ and knowledge-base/ [default: .]
    #[arg(long, env = "FRONTLINE_CONTENT", value_name = "DIR")]
    pub content: Option<PathBuf>,
    /// Log format [default: text]
    #[arg(long, env = "FRONTLINE_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Twilio auth token: checks `X-Twilio-Signature` on /v1/ivr/twilio. Without it, that
    /// endpoint refuses every request.
    #[arg(
        long,
        env = "FRONTLINE_TWILIO_AUTH_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub twilio_auth_token: Option<String>,
    /// The public base URL Twilio calls (`https://ivr.example-bank.cn`), when a proxy in
    /// front changes scheme or host [default: as the request arrived]
    #[arg(long, env = "FRONTLINE_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Web origins whose pages may call the API from a browser (the bank's sites that embed
    /// the widget), comma-separated: `https://www.example-bank.cn,https://m.example-bank.cn`
    /// [default: none; pages served by Frontline itself need none]
    #[arg(
        long,
        env = "FRONTLINE_CORS_ORIGINS",
        value_name = "ORIGINS",
        value_delimiter = ','
    )]
    #[serde(default)]
    pub cors_origins: Vec<String>,
    /// How often the content directories are checked for changes, which are then loaded,
    /// checked and swapped in without a restart; 0 turns watching off [default: 2000]
    #[arg(long, env = "FRONTLINE_CONTENT_POLL_MS", value_name = "MS")]
    pub content_poll_ms: Option<u64>,
    /// Handoff webhooks: `[[webhooks]]` tables of the config file only.
    #[arg(skip)]
    #[serde(default)]
    pub webhooks: Vec<WebhookConfig>,
    /// How handoff deliveries are retried: the `[delivery]` table of the config file only.
    #[arg(skip)]
    pub delivery: Option<DeliveryConfig>,
    /// API keys: `[[api_keys]]` tables of the config file only (`frontline keys new`).
    #[arg(skip)]
    #[serde(default)]
    pub api_keys: Vec<ApiKeyConfig>,
    /// Rate limits, timeouts and conversation bounds: the `[limits]` table only.
    #[arg(skip)]
    pub limits: Option<LimitsConfig>,
    /// The bank's time zone, in which deadlines are bank dates: `Asia/Shanghai` or a fixed
    /// offset such as `+08:00` (China has no daylight saving) [default: Asia/Shanghai]
    #[arg(long, env = "FRONTLINE_BANK_TIME_ZONE", value_name = "ZONE")]
    pub bank_time_zone: Option<String>,
    /// When commitments are followed up: the `[commitments]` table of the config file only.
    #[arg(skip)]
    pub commitments: Option<FollowUpConfig>,
    /// How each instance reads the published crisis notices: the `[notices]` table only.
    #[arg(skip)]
    pub notices: Option<NoticesConfig>,
    /// When a rise of an intent is a surge: the `[surges]` table only.
    #[arg(skip)]
    pub surges: Option<SurgesConfig>,
    /// How long turn audit records are kept: the `[audit]` table only.
    #[arg(skip)]
    pub audit: Option<AuditConfig>,
    /// WeChat Official Accounts: `[[wechat]]` tables of the config file, or one account
    /// from `FRONTLINE_WECHAT_*`.
    #[arg(skip)]
    #[serde(default)]
    pub wechat: Vec<WechatConfig>,
}

/// The `[audit]` table: how long the turns' audit records are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Records of turns older than this many days are deleted (at least 1).
    pub retention_days: u32,
    /// How often each instance deletes them, in milliseconds; 0: never on its own.
    pub poll_ms: u64,
}

impl AuditConfig {
    pub fn poll(&self) -> Option<std::time::Duration> {
        (self.poll_ms > 0).then(|| std::time::Duration::from_millis(self.poll_ms))
    }
}

impl Default for AuditConfig {
    fn default() -> AuditConfig {
        AuditConfig {
            retention_days: crate::retention::DEFAULT_RETENTION_DAYS,
            poll_ms: 3_600_000,
        }
    }
}

/// The `[surges]` table: when the last hour of an intent is a surge worth an alert.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SurgesConfig {
    /// The last hour must reach this many times the same hour's average of the days
    /// before (more than 1).
    pub factor: f64,
    /// …and at least this many conversations.
    pub min_count: u64,
    /// How many days before make the baseline (1 to 28).
    pub baseline_days: u32,
    /// How often each instance looks, in milliseconds; 0: never on its own (tests run
    /// the rounds).
    pub poll_ms: u64,
}

impl SurgesConfig {
    pub fn poll(&self) -> Option<std::time::Duration> {
        (self.poll_ms > 0).then(|| std::time::Duration::from_millis(self.poll_ms))
    }

    /// The rule, if the numbers make one.
    pub fn rule(&self) -> Result<SurgeRule, SettingsError> {
        let invalid = |message: &str| Err(SettingsError::Surges(message.to_string()));
        if !(self.factor.is_finite() && self.factor > 1.0) {
            return invalid("factor must be a number above 1 (3 = three times the usual hour)");
        }
        if self.min_count == 0 {
            return invalid("min_count must be at least 1");
        }
        if !(1..=28).contains(&self.baseline_days) {
            return invalid("baseline_days must be 1 to 28");
        }
        Ok(SurgeRule {
            factor: self.factor,
            min_count: self.min_count,
            baseline_days: self.baseline_days,
        })
    }
}

impl Default for SurgesConfig {
    fn default() -> SurgesConfig {
        let rule = SurgeRule::default();
        SurgesConfig {
            factor: rule.factor,
            min_count: rule.min_count,
            baseline_days: rule.baseline_days,
            poll_ms: DEFAULT_SURGE_POLL_MS,
        }
    }
}

/// Default interval of the surge rounds.
pub const DEFAULT_SURGE_POLL_MS: u64 = 60_000;

/// The `[notices]` table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NoticesConfig {
    /// How often each instance reads the notices published through the API (those of
    /// other instances), in milliseconds; 0: only at start and on its own publishing.
    pub poll_ms: u64,
}

impl NoticesConfig {
    pub fn poll(&self) -> Option<std::time::Duration> {
        (self.poll_ms > 0).then(|| std::time::Duration::from_millis(self.poll_ms))
    }
}

impl Default for NoticesConfig {
    fn default() -> NoticesConfig {
        NoticesConfig {
            poll_ms: crate::notices::DEFAULT_POLL.as_millis() as u64,
        }
    }
}

/// The `[commitments]` table: when the follow-up of promises speaks up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FollowUpConfig {
    /// Working hours before a promise falls due that `commitment.due_soon` is sent.
    pub due_soon_working_hours: u32,
    /// How often each instance looks for promises falling due, in milliseconds; 0: never
    /// on its own (tests run the rounds).
    pub poll_ms: u64,
}

impl FollowUpConfig {
    /// How often the follow-up runs; `None` (`poll_ms = 0`): never on its own.
    pub fn poll(&self) -> Option<std::time::Duration> {
        (self.poll_ms > 0).then(|| std::time::Duration::from_millis(self.poll_ms))
    }
}

impl Default for FollowUpConfig {
    fn default() -> FollowUpConfig {
        FollowUpConfig {
            due_soon_working_hours: DEFAULT_DUE_SOON_WORKING_HOURS,
            poll_ms: DEFAULT_FOLLOW_UP_POLL_MS,
        }
    }
}

pub use crate::dialogue::DEFAULT_DUE_SOON_WORKING_HOURS;
/// Default interval of the follow-up rounds.
pub const DEFAULT_FOLLOW_UP_POLL_MS: u64 = 60_000;

impl ServeOptions {
    /// Fills what `self` leaves open from `fallback`.
    fn or(self, fallback: ServeOptions) -> ServeOptions {
        ServeOptions {
            addr: self.addr.or(fallback.addr),
            data_dir: self.data_dir.or(fallback.data_dir),
            database_url: self.database_url.or(fallback.database_url),
            content: self.content.or(fallback.content),
            log_format: self.log_format.or(fallback.log_format),
            twilio_auth_token: self.twilio_auth_token.or(fallback.twilio_auth_token),
            public_url: self.public_url.or(fallback.public_url),
            content_poll_ms: self.content_poll_ms.or(fallback.content_poll_ms),
            cors_origins: if self.cors_origins.is_empty() {
                fallback.cors_origins
            } else {
                self.cors_origins
            },
            webhooks: if self.webhooks.is_empty() {
                fallback.webhooks
            } else {
                self.webhooks
            },
            delivery: self.delivery.or(fallback.delivery),
            api_keys: if self.api_keys.is_empty() {
                fallback.api_keys
            } else {
                self.api_keys
            },
            limits: self.limits.or(fallback.limits),
            bank_time_zone: self.bank_time_zone.or(fallback.bank_time_zone),
            commitments: self.commitments.or(fallback.commitments),
            notices: self.notices.or(fallback.notices),
            surges: self.surges.or(fallback.surges),
            audit: self.audit.or(fallback.audit),
            wechat: if self.wechat.is_empty() {
                fallback.wechat
            } else {
                self.wechat
            },
        }
    }
}

/// The resolved settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub content_dir: PathBuf,
    pub log_format: LogFormat,
    /// Set: the Twilio-compatible webhook checks signatures with this token. Unset: it
    /// refuses every request.
    pub twilio_auth_token: Option<String>,
    pub public_url: Option<String>,
    /// How often to look for content changes; `None`: not watched (reload on request only).
    pub content_poll: Option<std::time::Duration>,
    /// Origins allowed to call the API from a browser, as `scheme://host[:port]`.
    pub cors_origins: Vec<String>,
    /// Where handoffs are pushed; empty: desks only pull them.
    pub webhooks: Vec<Webhook>,
    pub delivery: DeliveryPolicy,
    /// API keys (checked); empty: no authentication, and loopback only.
    pub api_keys: Vec<ApiKeyConfig>,
    pub limits: Limits,
    /// `None`: the embedded SQLite store under `data_dir`.
    pub database_url: Option<DatabaseUrl>,
    /// The bank's time zone: bank days and deadlines are dates there.
    pub bank_zone: BankZone,
    /// When promises are followed up.
    pub commitments: FollowUpConfig,
    /// How the published crisis notices are read.
    pub notices: NoticesConfig,
    /// When a rise is a surge (checked: [`SurgesConfig::rule`] succeeds), and how often
    /// to look.
    pub surges: SurgesConfig,
    /// The WeChat Official Accounts served at `/v1/channels/wechat/{account}`.
    pub wechat: Vec<Account>,
    /// How long turn audit records are kept (`retention_days` at least 1).
    pub audit: AuditConfig,
}

/// Why settings could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("config file: {0}")]
    Webhooks(#[from] WebhookError),
    #[error("config file: {0}")]
    Keys(#[from] KeyError),
    #[error(
        "cors_origins: `{0}` is not an origin like https://www.example-bank.cn (scheme, host, optional port; no path)"
    )]
    Origin(String),
    #[error("database_url: {0}")]
    DatabaseUrl(String),
    #[error("bank_time_zone: {0}")]
    BankZone(#[from] BankZoneError),
    #[error("[surges]: {0}")]
    Surges(String),
    #[error("{0}")]
    Wechat(#[from] AccountError),
}

impl Settings {
    /// Resolves flags and environment (`options`) over the config file over defaults.
    /// An explicit `config` must exist; the default config file is optional.
    pub fn resolve(
        options: ServeOptions,
        config: Option<&Path>,
    ) -> Result<Settings, SettingsError> {
        let file = match config {
            Some(path) => Some(read_config(path)?),
            None if Path::new(DEFAULT_CONFIG_FILE).is_file() => {
                Some(read_config(Path::new(DEFAULT_CONFIG_FILE))?)
            }
            None => None,
        };
        let merged = options.or(file.unwrap_or_default());
        let delivery = merged.delivery.unwrap_or_default();
        let webhooks = check_webhooks(&merged.webhooks, &delivery, |v| std::env::var(v).ok())?;
        Ok(Settings {
            addr: merged
                .addr
                .unwrap_or_else(|| DEFAULT_ADDR.parse().expect("the default address is valid")),
            data_dir: merged
                .data_dir
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
            content_dir: merged.content.unwrap_or_else(|| PathBuf::from(".")),
            log_format: merged.log_format.unwrap_or_default(),
            twilio_auth_token: merged.twilio_auth_token.filter(|t| !t.is_empty()),
            public_url: merged
                .public_url
                .map(|u| u.trim_end_matches('/').to_string()),
            content_poll: match merged.content_poll_ms.unwrap_or(DEFAULT_CONTENT_POLL_MS) {
                0 => None,
                ms => Some(std::time::Duration::from_millis(ms)),
            },
            cors_origins: merged
                .cors_origins
                .iter()
                .map(|o| parse_origin(o))
                .collect::<Result<_, _>>()?,
            webhooks,
            delivery: delivery.check()?,
            api_keys: checked_keys(merged.api_keys)?,
            limits: merged.limits.unwrap_or_default().into(),
            database_url: merged
                .database_url
                .filter(|u| !u.trim().is_empty())
                .map(|u| {
                    DatabaseUrl::parse(&u).map_err(|e| SettingsError::DatabaseUrl(e.to_string()))
                })
                .transpose()?,
            bank_zone: merged
                .bank_time_zone
                .as_deref()
                .map(BankZone::parse)
                .transpose()?
                .unwrap_or_default(),
            commitments: merged.commitments.unwrap_or_default(),
            notices: merged.notices.unwrap_or_default(),
            surges: {
                let surges = merged.surges.unwrap_or_default();
                surges.rule()?;
                surges
            },
            wechat: checked_accounts(merged.wechat, |v| std::env::var(v).ok())?,
            audit: {
                let audit = merged.audit.unwrap_or_default();
                if audit.retention_days == 0 {
                    return Err(SettingsError::Invalid {
                        path: PathBuf::from("[audit]"),
                        message: "retention_days must be at least 1".into(),
                    });
                }
                audit
            },
        })
    }
}

/// The WeChat accounts of the config file, or the environment's one; names unique.
fn checked_accounts(
    configs: Vec<WechatConfig>,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Vec<Account>, SettingsError> {
    let configs = if configs.is_empty() {
        WechatConfig::from_env(var).into_iter().collect()
    } else {
        configs
    };
    let mut accounts: Vec<Account> = Vec::new();
    for config in &configs {
        let account = config.check()?;
        if accounts.iter().any(|a| a.name == account.name) {
            return Err(SettingsError::Wechat(AccountError(format!(
                "account `{}` is configured twice",
                account.name.as_str()
            ))));
        }
        accounts.push(account);
    }
    Ok(accounts)
}

/// The configured keys with their origins normalised, refused if the ring would not build.
fn checked_keys(mut keys: Vec<ApiKeyConfig>) -> Result<Vec<ApiKeyConfig>, SettingsError> {
    for key in &mut keys {
        key.origins = key
            .origins
            .iter()
            .map(|o| parse_origin(o))
            .collect::<Result<_, _>>()?;
    }
    KeyRing::new(&keys)?;
    Ok(keys)
}

/// An origin exactly as browsers send it in `Origin`: scheme, host and a non-default port.
fn parse_origin(text: &str) -> Result<String, SettingsError> {
    let trimmed = text.trim().trim_end_matches('/');
    reqwest::Url::parse(trimmed)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(|u| u.origin().ascii_serialization())
        .filter(|origin| origin == trimmed)
        .ok_or_else(|| SettingsError::Origin(text.to_string()))
}

fn read_config(path: &Path) -> Result<ServeOptions, SettingsError> {
    let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| SettingsError::Invalid {
        path: path.to_path_buf(),
        message: e.message().to_string() + &line_of(&text, e.span()),
    })
}

/// ` (line N)` for a byte span of a text, if known.
fn line_of(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    span.map(|s| {
        format!(
            " (line {})",
            text[..s.start.min(text.len())].lines().count().max(1)
        )
    })
    .unwrap_or_default()
}

impl fmt::Display for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "addr={} data_dir={} content={}",
            self.addr,
            self.data_dir.display(),
            self.content_dir.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_config_file_and_the_file_over_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("frontline.toml");
        std::fs::write(
            &path,
            "addr = \"0.0.0.0:9000\"\ndata_dir = \"/var/lib/frontline\"\n",
        )
        .unwrap();
        let flags = ServeOptions {
            addr: Some("127.0.0.1:7000".parse().unwrap()),
            ..ServeOptions::default()
        };
        let settings = Settings::resolve(flags, Some(&path)).unwrap();
        assert_eq!(settings.addr.port(), 7000);
        assert_eq!(settings.data_dir, PathBuf::from("/var/lib/frontline"));
        assert_eq!(settings.content_dir, PathBuf::from("."));
    }

    #[test]
    fn unknown_config_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("frontline.toml");
        std::fs::write(&path, "addr = \"127.0.0.1:1\"\nadress = \"x\"\n").unwrap();
        let error = Settings::resolve(ServeOptions::default(), Some(&path))
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown field `adress`"), "{error}");
    }

    #[test]
    fn cors_origins_must_be_bare_origins() {
        assert_eq!(
            parse_origin("https://www.example-bank.cn/").unwrap(),
            "https://www.example-bank.cn"
        );
        assert_eq!(
            parse_origin("http://127.0.0.1:3000").unwrap(),
            "http://127.0.0.1:3000"
        );
        assert!(parse_origin("https://www.example-bank.cn/chat").is_err());
        assert!(parse_origin("www.example-bank.cn").is_err());
        assert!(parse_origin("*").is_err());
    }

    #[test]
    fn webhooks_and_the_delivery_policy_come_from_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("frontline.toml");
        std::fs::write(
            &path,
            r#"
[delivery]
first_retry_ms = 500
give_up_after_secs = 172800

[[webhooks]]
name = "crm"
url = "https://crm.example-bank.cn/frontline"
secret = "s3cret"
priorities = ["urgent"]
"#,
        )
        .unwrap();
        let settings = Settings::resolve(ServeOptions::default(), Some(&path)).unwrap();
        assert_eq!(settings.webhooks.len(), 1);
        assert_eq!(settings.webhooks[0].name.as_str(), "crm");
        assert_eq!(
            settings.delivery.give_up_after,
            std::time::Duration::from_secs(172_800)
        );
        assert_eq!(
            settings.delivery.retry.first,
            std::time::Duration::from_millis(500)
        );
        std::fs::write(
            &path,
            "[[webhooks]]\nname = \"crm\"\nurl = \"https://crm.example-bank.cn/\"\n",
        )
        .unwrap();
        let error = Settings::resolve(ServeOptions::default(), Some(&path))
            .unwrap_err()
            .to_string();
        assert!(error.contains("webhook `crm`: set `secret`"), "{error}");
    }
}
