//! `frontline test [PATHS]`: plays the conversation tests content staff write
//! (`tests/stories/`) against the content, and reports each story's first difference.

use std::path::PathBuf;
use std::process::ExitCode;

use super::scratch::Scratch;
use crate::domain::Clock;
use crate::live::Services;
use crate::stories::{Outcome, junit_xml, play, read_stories};

#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Story files or folders of them
    #[arg(default_value = "tests/stories")]
    paths: Vec<PathBuf>,
    /// Folder holding intents/, templates/ and knowledge-base/
    #[arg(long, default_value = ".", env = "FRONTLINE_CONTENT")]
    content: PathBuf,
    /// Also write the results as JUnit XML, for CI systems
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
}

pub fn run(args: TestArgs) -> ExitCode {
    let stories = match read_stories(&args.paths) {
        Ok(stories) => stories,
        Err(errors) => {
            for error in errors {
                eprintln!("{error}");
            }
            return ExitCode::from(2);
        }
    };
    let services = match Services::load(&args.content) {
        Ok(services) => services,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let results = actix_web::rt::System::new().block_on(async {
        let conversations =
            Scratch::open(services, &args.content, "stories", Clock::system()).await?;
        play(&conversations, stories).await
    });
    let results = match results {
        Ok(results) => results,
        Err(error) => {
            eprintln!("frontline test: {error}");
            return ExitCode::from(2);
        }
    };
    for result in &results {
        let story = &result.story;
        match &result.outcome {
            Outcome::Passed => println!("ok     {}", story.value.name),
            Outcome::Failed {
                turn,
                line,
                difference,
                reply,
            } => {
                println!("FAILED {}", story.value.name);
                println!(
                    "       {}:{line}: turn {turn}: {difference}",
                    story.path.display()
                );
                println!("       the bot replied: {}", reply.replace('\n', " "));
            }
        }
    }
    let failed = results.iter().filter(|r| !r.passed()).count();
    println!(
        "\n{} stories: {} passed, {failed} failed",
        results.len(),
        results.len() - failed
    );
    if let Some(path) = &args.junit
        && let Err(error) = std::fs::write(path, junit_xml(&results))
    {
        eprintln!("frontline test: cannot write {}: {error}", path.display());
        return ExitCode::from(2);
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
