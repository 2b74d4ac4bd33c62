//! Who may call what, and how much: API keys with hashed secrets and per-key sets of
//! endpoints, rate limits per key and per client address, and the limits on requests and
//! conversations. The HTTP layer (`api::guard`) asks; this module decides.

mod conversation_token;
mod keys;
mod limits;
mod rate;
mod routes;

pub use conversation_token::{ConversationToken, token_matches, token_sha256};
pub use keys::{ApiKey, ApiKeyConfig, KeyError, KeyRing, NewKey, Scope};
pub use limits::{Limits, LimitsConfig};
pub use rate::{RateLimiter, Verdict};
pub use routes::{Access, access_for_unrouted};
