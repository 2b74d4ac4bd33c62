//! `frontline chat`: a conversation in the terminal against the local content, for content
//! staff to try a change by hand before they write a story for it. Each line typed is one
//! customer message; the bot's reply follows with what it understood. Nothing is kept:
//! the conversation lives in a throw-away store.

use super::scratch::Scratch;
use crate::dialogue::TurnRequest;
use crate::domain::{Channel, Clock, ConversationId, Customer, Locale, MessageText};
use crate::live::Services;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ChatArgs {
    /// Folder holding intents/, templates/ and knowledge-base/
    #[arg(long, default_value = ".", env = "FRONTLINE_CONTENT")]
    content: PathBuf,
    /// zh-CN or en
    #[arg(long, default_value = "zh-CN")]
    locale: Locale,
    /// web, app or ivr (ivr also shows the SSML)
    #[arg(long, default_value = "web")]
    channel: Channel,
}

pub fn run(args: ChatArgs) -> ExitCode {
    let services = match Services::load(&args.content) {
        Ok(services) => services,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let outcome = actix_web::rt::System::new().block_on(chat(args, services));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("frontline chat: {error:#}");
            ExitCode::from(1)
        }
    }
}

async fn chat(args: ChatArgs, services: Services) -> anyhow::Result<()> {
    let conversations = Scratch::open(services, &args.content, "chat", Clock::system()).await?;
    let id = ConversationId::parse("chat-1")?;
    eprintln!(
        "frontline chat ({}, {}): type a message, an empty line or Ctrl-D ends",
        args.locale, args.channel
    );
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    for line in stdin.lock().lines() {
        let line = line?;
        let Ok(text) = MessageText::parse(line.trim().to_string()) else {
            break;
        };
        let outcome = conversations
            .take_turn(
                id.clone(),
                TurnRequest {
                    text: Some(text),
                    asr_confidence: None,
                    dtmf: None,
                    event: None,
                    channel: args.channel,
                    locale: args.locale,
                    customer: Customer::default(),
                    chosen: None,
                    spoken: false,
                },
            )
            .await?;
        let intent = outcome
            .intent
            .as_ref()
            .map(|i| format!("{} {:.2}", i.id, i.confidence))
            .unwrap_or_else(|| "none".into());
        writeln!(
            stdout,
            "bot> {}",
            outcome.said().text.replace('\n', "\n     ")
        )?;
        if !outcome.said().quick_replies.is_empty() {
            writeln!(
                stdout,
                "     [{}]",
                outcome.said().quick_replies.join("] [")
            )?;
        }
        let handoff = outcome
            .handoff
            .as_ref()
            .map(|(h, _)| format!(" · handoff {} ({})", h.reason.as_str(), h.priority.as_str()))
            .unwrap_or_default();
        writeln!(
            stdout,
            "     (intent {intent} · emotion {} · state {}{handoff})",
            outcome.emotion.label.as_str(),
            outcome.conversation.state.as_str()
        )?;
        stdout.flush()?;
    }
    Ok(())
}
