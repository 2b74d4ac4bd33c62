//! Integration tests: every test talks to a real Frontline server over HTTP (or runs the
//! real binary), with the bundled content.

mod cli;
mod conversations;
mod handoffs;
mod health;
mod helpers;
mod ivr;
mod ivr_prompts;
mod parse;
mod templates;
mod twilio;
mod understanding;
mod vxml;
