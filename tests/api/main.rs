//! Integration tests: every test talks to a real Frontline server over HTTP (or runs the
//! real binary), with the bundled content.

mod agent_console;
mod cli;
mod conversations;
mod deliveries;
mod delivery_crash;
mod handoffs;
mod health;
mod helpers;
mod ivr;
mod ivr_prompts;
mod parse;
mod receiver;
mod templates;
mod twilio;
mod understanding;
mod vxml;
