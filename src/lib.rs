//! Frontline: a first-line customer-service responder for banks.
//!
//! `api` turns requests into domain types and calls the turn service, `conversations`,
//! which runs each turn as a pipeline (load → hear → plan → word → record → hand off →
//! save) over `dialogue`, `reply`, `handoff` and `store`; `nlu` understands messages,
//! `content` loads what content staff write, `privacy` masks personal data and `domain`
//! holds the shared vocabulary types. ARCHITECTURE.md is the map.

pub mod access;
pub mod analytics;
pub mod api;
pub mod audit;
pub mod check;
pub mod cli;
pub mod content;
pub mod conversations;
pub mod dialogue;
pub mod domain;
pub mod eval;
pub mod handoff;
pub mod live;
pub mod memory;
pub mod metrics;
pub mod nlu;
pub mod notices;
pub mod privacy;
pub mod reply;
pub mod retention;
pub mod rounds;
pub mod settings;
pub mod startup;
pub mod store;
pub mod stories;
pub mod surges;
pub mod telemetry;
pub mod wechat;
