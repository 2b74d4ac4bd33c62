//! `frontline audit export --from DATE --to DATE`: the turns' audit records of a period of
//! bank days as JSON Lines (one record per line, oldest first), for a compliance archive.
//! Reads the store directly: the embedded SQLite under `--data-dir`, or `--database-url`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{NaiveDate, TimeDelta};

use crate::audit::AuditRecord;
use crate::domain::BankZone;
use crate::store::{AuditStore, Database, DatabaseUrl};

/// Records read per query: an export of months streams in pages.
const PAGE: u32 = 1000;

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AuditCommand {
    /// Write the audit records of turns taken from --from to --to (bank days, both
    /// included) as JSON Lines.
    Export(ExportArgs),
}

#[derive(Debug, clap::Args)]
struct ExportArgs {
    /// First bank day, YYYY-MM-DD.
    #[arg(long)]
    from: NaiveDate,
    /// Last bank day, YYYY-MM-DD (included).
    #[arg(long)]
    to: NaiveDate,
    /// The data dir of the embedded store [default: ./data].
    #[arg(long, env = "FRONTLINE_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// PostgreSQL instead of the embedded store.
    #[arg(long, env = "FRONTLINE_DATABASE_URL")]
    database_url: Option<String>,
    /// The bank's time zone, in which the days are counted [default: Asia/Shanghai].
    #[arg(long, env = "FRONTLINE_BANK_TIME_ZONE")]
    bank_time_zone: Option<String>,
    /// Write here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Instead of the records, a CSV for labelling live traffic: `text,category,source`,
    /// one row per turn with words (the masked message, the intent the bot took or
    /// `oos`, and the turn as `<conversation id>#<turn>`). Correct the categories and
    /// measure it with `frontline eval --utterances FILE`: what the bot misreads leads to
    /// the turn's audit record.
    #[arg(long)]
    labelling: bool,
}

pub fn run(args: AuditArgs) -> ExitCode {
    let AuditCommand::Export(export) = args.command;
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("frontline audit: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run_export(export)) {
        Ok(count) => {
            eprintln!("frontline audit: {count} record(s) exported");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("frontline audit: {message}");
            ExitCode::from(2)
        }
    }
}

async fn run_export(args: ExportArgs) -> Result<u64, String> {
    if args.to < args.from {
        return Err(format!("--to {} is before --from {}", args.to, args.from));
    }
    let zone = match &args.bank_time_zone {
        Some(zone) => BankZone::parse(zone).map_err(|e| e.to_string())?,
        None => BankZone::default(),
    };
    let start = |day: NaiveDate| {
        day.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(zone.offset()).single())
            .map(|t| t.timestamp_millis())
            .ok_or_else(|| format!("{day}: not a day in the bank's time zone"))
    };
    let window = (start(args.from)?, start(args.to + TimeDelta::days(1))?);
    let url = args
        .database_url
        .filter(|u| !u.trim().is_empty())
        .map(|u| DatabaseUrl::parse(&u).map_err(|e| e.to_string()))
        .transpose()?;
    let store = Database::open(url.as_ref(), &args.data_dir)
        .await
        .map_err(|e| format!("cannot open the store: {e}"))?;
    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    if args.labelling {
        out.write_all(&csv_row(&["text", "category", "source"])?)
            .map_err(|e| e.to_string())?;
    }
    let mut after = None;
    let mut count = 0;
    loop {
        let page = store
            .audit_between(window, after.clone(), PAGE)
            .await
            .map_err(|e| e.to_string())?;
        for (_, _, _, record) in &page {
            if !args.labelling {
                writeln!(out, "{record}").map_err(|e| e.to_string())?;
                count += 1;
            } else if let Some(row) = labelling_row(record)? {
                out.write_all(&csv_row(&row)?).map_err(|e| e.to_string())?;
                count += 1;
            }
        }
        match page.last() {
            Some((at, conversation, turn, _)) if page.len() == PAGE as usize => {
                after = Some((*at, conversation.clone(), *turn));
            }
            _ => break,
        }
    }
    out.flush().map_err(|e| e.to_string())?;
    Ok(count)
}

/// One CSV line (quoted where a field needs it).
fn csv_row<S: AsRef<[u8]>>(fields: &[S]) -> Result<Vec<u8>, String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(fields).map_err(|e| e.to_string())?;
    writer.into_inner().map_err(|e| e.to_string())
}

/// A record's row of the labelling CSV; `None` for a turn with no words.
fn labelling_row(record: &str) -> Result<Option<[String; 3]>, String> {
    let record: AuditRecord =
        serde_json::from_str(record).map_err(|e| format!("a stored audit record: {e}"))?;
    let Some(message) = record.message else {
        return Ok(None);
    };
    let category = record
        .understanding
        .intent
        .map_or_else(|| "oos".to_string(), |c| c.intent.to_string());
    Ok(Some([
        message.as_str().to_string(),
        category,
        format!("{}#{}", record.conversation_id, record.turn),
    ]))
}
