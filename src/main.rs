//! The `frontline` binary: parses the command line and hands it to the library.

use std::process::ExitCode;

use clap::Parser;

/// jemalloc instead of glibc's allocator: training at start-up allocates from several
/// threads, and glibc keeps each thread's arena afterwards (measured when ready: 172 MB
/// resident with glibc, 152 MB with jemalloc; under load the peak fell from 193 MB to
/// about 150 MB, and `/v1/parse` got a little faster).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    frontline::cli::run(frontline::cli::Cli::parse())
}
