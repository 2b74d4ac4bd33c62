//! Integration tests: every test talks to a real Frontline server over HTTP (or runs the
//! real binary), with the bundled content.

mod cli;
mod conversations;
mod health;
mod helpers;
mod ivr;
mod parse;
mod templates;
mod twilio;
mod understanding;
mod vxml;
