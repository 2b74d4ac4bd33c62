//! Integration tests: every test talks to a real Frontline server over HTTP (or runs the
//! real binary), with the bundled content.

mod access;
mod architecture;
mod browser;
mod check;
mod cli;
mod commitments;
mod conversations;
mod deliveries;
mod delivery_crash;
mod events_store;
mod handoffs;
mod health;
mod helpers;
mod idempotency;
mod ivr;
mod ivr_prompts;
mod live_chat;
mod model_cache;
mod openapi;
mod operations;
mod pages;
mod parse;
mod pipeline;
mod postgres;
mod privacy;
mod receiver;
mod reload;
mod schema;
mod sse;
mod stories;
mod templates;
mod turn_crash;
mod twilio;
mod understanding;
mod vxml;
