//! `frontline schema`: the JSON Schema of intent files (or, with `--faq`, of FAQ topic
//! files; with `--notice`, of crisis notices, files and `POST /admin/notices`), generated from the Rust types the loader reads. The committed copies
//! (`schemas/intent.schema.json`, `schemas/faq.schema.json`) are what editors use; a test
//! keeps them equal to this output.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::content::{faq_schema, intent_schema, notice_schema};

#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Write it here instead of standard output
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The schema of the knowledge base's FAQ topic files instead
    #[arg(long, conflicts_with = "notice")]
    faq: bool,
    /// The schema of a crisis notice (`knowledge-base/<locale>/notices/<id>.yaml`, and the
    /// body of `POST /admin/notices`) instead
    #[arg(long)]
    notice: bool,
}

pub fn run(args: SchemaArgs) -> ExitCode {
    let schema = if args.faq {
        faq_schema()
    } else if args.notice {
        notice_schema()
    } else {
        intent_schema()
    };
    let text = serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n";
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
