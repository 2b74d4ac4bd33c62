//! `frontline serve`.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::settings::{ServeOptions, Settings};
use crate::startup::{Application, LoadError, Services};
use crate::telemetry;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    options: ServeOptions,
    /// Config file (TOML) [default: ./frontline.toml if present]
    #[arg(long, env = "FRONTLINE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
}

pub fn run(args: ServeArgs) -> ExitCode {
    let settings = match Settings::resolve(args.options, args.config.as_deref()) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("frontline: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);
    // Unchanged content is not trained again: its models are kept in the data dir.
    let models = crate::live::ModelFiles::in_data_dir(&settings.data_dir);
    let services = match Services::load_cached(&settings.content_dir, &models) {
        Ok(services) => services,
        Err(LoadError::Content(errors)) => {
            eprintln!("{errors}");
            eprintln!(
                "frontline: {} problem(s) in the content; not starting",
                errors.len()
            );
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("frontline: {e}");
            return ExitCode::from(1);
        }
    };
    let outcome = actix_web::rt::System::new().block_on(async move {
        let application = Application::build(&settings, services).await?;
        tracing::info!(%settings, "listening on http://{}", application.address());
        application.run_until_stopped().await?;
        anyhow::Ok(())
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("frontline: {e:#}");
            ExitCode::from(1)
        }
    }
}
