//! Frontline: a first-line customer-service responder for banks.
//!
//! Data flows one way: `api` → `nlu` → (dialogue → reply → store / handoff). `content`
//! loads what content staff write; `privacy` masks personal data; `domain` holds the
//! shared vocabulary types.

pub mod access;
pub mod analytics;
pub mod api;
pub mod check;
pub mod cli;
pub mod content;
pub mod conversations;
pub mod dialogue;
pub mod domain;
pub mod eval;
pub mod handoff;
pub mod live;
pub mod metrics;
pub mod nlu;
pub mod privacy;
pub mod reply;
pub mod settings;
pub mod startup;
pub mod store;
pub mod stories;
pub mod telemetry;
