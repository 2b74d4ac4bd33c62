//! The command line: `frontline serve`, `frontline eval` and `frontline transcripts`. Each subcommand parses its
//! arguments into settings and calls the library.

mod eval;
mod serve;
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

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API with the content under --content.
    Serve(serve::ServeArgs),
    /// Measure how well messages are understood: cross-validation over the content, or
    /// --train A.csv --test B.csv for any labelled dataset.
    Eval(eval::EvalArgs),
    /// Play the scripted conversations of scenarios/seeds.yaml and write what the bot
    /// answered to docs/transcripts.md.
    Transcripts(transcripts::TranscriptsArgs),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Transcripts(args) => transcripts::run(args),
    }
}
