//! The command line: `frontline serve`, `check`, `test`, `eval` and `transcripts`. Each subcommand parses its
//! arguments into settings and calls the library.

mod audit;
mod chat;
mod check;
mod eval;
mod keys;
mod progress;
mod schema;
mod scratch;
mod serve;
mod test;
mod transcripts;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Frontline: a first-line customer-service responder for banks.
#[derive(Debug, Parser)]
#[command(name = "frontline", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start-up: the size of the serve options does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// The turns' audit records: `frontline audit export --from DATE --to DATE` writes
    /// them as JSON Lines for a compliance archive.
    Audit(audit::AuditArgs),
    /// Talk to the bot in the terminal, against the local content.
    Chat(chat::ChatArgs),
    /// Check the content before publishing: every problem as path:line:col; exit code 0
    /// clean, 1 warnings, 2 errors.
    Check(check::CheckArgs),
    /// Make API keys (`frontline keys new NAME --scope conversations`).
    Keys(keys::KeysArgs),
    /// Print the JSON Schema of intent files (committed as schemas/intent.schema.json).
    Schema(schema::SchemaArgs),
    /// Serve the HTTP API with the content under --content.
    Serve(serve::ServeArgs),
    /// Measure how well messages are understood: cross-validation over the content, or
    /// --train A.csv --test B.csv for any labelled dataset.
    Eval(eval::EvalArgs),
    /// Play the conversation tests (tests/stories/) and report each story's first
    /// difference; exit code 0 when all pass.
    Test(test::TestArgs),
    /// Play the scripted conversations of scenarios/seeds.yaml and write what the bot
    /// answered to docs/transcripts.md.
    Transcripts(transcripts::TranscriptsArgs),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Audit(args) => audit::run(args),
        Command::Chat(args) => chat::run(args),
        Command::Check(args) => check::run(args),
        Command::Keys(args) => keys::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Test(args) => test::run(args),
        Command::Transcripts(args) => transcripts::run(args),
    }
}
