//! `frontline schema`: the JSON Schema of intent files, generated from the Rust types the
//! loader reads. The committed copy (`schemas/intent.schema.json`) is what editors use; a
//! test keeps it equal to this output.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::content::intent_schema;

#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Write it here instead of standard output
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn run(args: SchemaArgs) -> ExitCode {
    let text = serde_json::to_string_pretty(&intent_schema()).unwrap_or_default() + "\n";
    match args.out {
        None => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Some(path) => match std::fs::write(&path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("frontline schema: cannot write {}: {error}", path.display());
                ExitCode::from(1)
            }
        },
    }
}
