//! The `frontline` binary: parses the command line and hands it to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    frontline::cli::run(frontline::cli::Cli::parse())
}
