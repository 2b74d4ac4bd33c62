//! `frontline keys new`: makes an API key. The token is printed once, for the client; the
//! config file gets only its hash.

use std::process::ExitCode;

use crate::access::{NewKey, Scope};

#[derive(Debug, clap::Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, clap::Subcommand)]
enum KeysCommand {
    /// Make a key: prints the token for the client and the `[[api_keys]]` table for the
    /// config file.
    New(NewArgs),
}

#[derive(Debug, clap::Args)]
struct NewArgs {
    /// Who holds the key: widget, app, ivr-genesys, desk-shanghai, ops …
    name: String,
    /// What it may call: parse, conversations, ivr, handoffs, commitments, analytics,
    /// metrics, admin, audit (repeat or comma-separate).
    #[arg(long = "scope", required = true, value_delimiter = ',')]
    scopes: Vec<Scope>,
    /// For a key visible in web pages (the widget's): the only origins it may be used from.
    #[arg(long = "origin", value_delimiter = ',')]
    origins: Vec<String>,
}

fn quoted(items: impl IntoIterator<Item = String>) -> String {
    items
        .into_iter()
        .map(|i| format!("{i:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn run(args: KeysArgs) -> ExitCode {
    let KeysCommand::New(new) = args.command;
    let key = match NewKey::generate() {
        Ok(key) => key,
        Err(e) => {
            eprintln!("frontline keys: no randomness from the system: {e}");
            return ExitCode::from(1);
        }
    };
    eprintln!(
        "The key for `{}` (shown once; give it to the client):",
        new.name
    );
    println!("{}", key.token);
    eprintln!("\nAdd to frontline.toml:\n");
    eprintln!("[[api_keys]]");
    eprintln!("name = {:?}", new.name);
    eprintln!("sha256 = {:?}", key.sha256);
    eprintln!(
        "scopes = [{}]",
        quoted(new.scopes.iter().map(|s| s.as_str().to_string()))
    );
    if !new.origins.is_empty() {
        eprintln!("origins = [{}]", quoted(new.origins));
    }
    ExitCode::SUCCESS
}
