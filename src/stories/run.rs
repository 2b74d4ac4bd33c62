//! Playing stories through the real conversation service and comparing each turn with what
//! the story expects. A story stops at its first difference: later turns would only
//! report the consequences.

use std::time::Instant;

use super::Located;
use super::file::{Expect, Story, Turn};
use crate::conversations::{Conversations, TurnError, TurnOutcome};
use crate::dialogue::{IvrEvent, TurnRequest};
use crate::domain::{ConversationId, Customer, MessageText};
use crate::store::StoreError;

/// How a story ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Passed,
    /// The first difference: the turn (1-based), its line, and what differed.
    Failed {
        turn: usize,
        line: usize,
        difference: String,
        reply: String,
    },
}

/// A played story.
#[derive(Clone, Debug)]
pub struct StoryResult {
    pub story: Located<Story>,
    pub outcome: Outcome,
    pub seconds: f64,
}

impl StoryResult {
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Passed
    }
}

/// Plays every story, each as a new conversation.
pub async fn play(
    conversations: &Conversations,
    stories: Vec<Located<Story>>,
) -> Result<Vec<StoryResult>, StoreError> {
    let mut results = Vec::with_capacity(stories.len());
    for (number, story) in stories.into_iter().enumerate() {
        let started = Instant::now();
        let id = ConversationId::parse(&format!("story-{}", number + 1))
            .expect("story-N is a valid conversation id");
        let outcome = play_one(conversations, &id, &story.value).await?;
        results.push(StoryResult {
            story,
            outcome,
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    Ok(results)
}

async fn play_one(
    conversations: &Conversations,
    id: &ConversationId,
    story: &Story,
) -> Result<Outcome, StoreError> {
    for (index, turn) in story.turns.iter().enumerate() {
        let line = turn.referenced.line() as usize;
        let fail = |difference: String, reply: String| Outcome::Failed {
            turn: index + 1,
            line,
            difference,
            reply,
        };
        let request = match request_of(story, &turn.value) {
            Ok(request) => request,
            Err(problem) => return Ok(fail(problem, String::new())),
        };
        let outcome = match conversations.take_turn(id.clone(), request).await {
            Ok(outcome) => outcome,
            Err(TurnError::Store(error)) => return Err(error),
            Err(refused) => return Ok(fail(refused.to_string(), String::new())),
        };
        if let Some(difference) = difference(&turn.value.expect, &outcome) {
            return Ok(fail(difference, outcome.said().into_owned().text));
        }
    }
    Ok(Outcome::Passed)
}

fn request_of(story: &Story, turn: &Turn) -> Result<TurnRequest, String> {
    let text = turn
        .say
        .as_ref()
        .map(|t| MessageText::parse(t.clone()).map_err(|e| e.to_string()))
        .transpose()?;
    let event = match turn.event.as_deref() {
        None => None,
        Some("no_input") => Some(IvrEvent::NoInput),
        Some("no_match") => Some(IvrEvent::NoMatch),
        Some(other) => return Err(format!("unknown event `{other}`: no_input or no_match")),
    };
    Ok(TurnRequest {
        text,
        asr_confidence: turn.asr_confidence,
        dtmf: turn
            .dtmf
            .as_deref()
            .map(crate::domain::Dtmf::parse)
            .transpose()
            .map_err(|e| e.to_string())?,
        event,
        channel: story.channel,
        locale: story.locale,
        customer: Customer {
            id: None,
            segment: story.segment.clone(),
        },
        chosen: None,
        spoken: false,
    })
}

/// The first way `outcome` differs from `expect`, if any.
fn difference(expect: &Expect, outcome: &TurnOutcome) -> Option<String> {
    if let Some(expected) = &expect.intent {
        let got = outcome.intent.as_ref().map_or("none", |i| i.id.as_str());
        if got != expected {
            return Some(format!("intent: expected `{expected}`, got `{got}`"));
        }
    }
    let slots = outcome.conversation.ledger.all_slots();
    for (name, expected) in &expect.slots {
        let got = slots
            .iter()
            .find(|(slot, _)| slot.as_str() == name)
            .map(|(_, v)| v.value.as_str().to_string());
        if got.as_deref() != Some(expected.as_str()) {
            return Some(format!(
                "slot `{name}`: expected `{expected}`, got {}",
                got.map_or("nothing".to_string(), |g| format!("`{g}`"))
            ));
        }
    }
    if let Some(expected) = &expect.demands {
        let mut expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        let mut got: Vec<&str> = outcome
            .conversation
            .ledger
            .all()
            .iter()
            .map(|d| d.intent.as_str())
            .collect();
        expected.sort_unstable();
        got.sort_unstable();
        if got != expected {
            return Some(format!("demands: expected {expected:?}, got {got:?}"));
        }
    }
    let reply = &outcome.said().text;
    if let Some(start) = &expect.reply_starts_with {
        if !reply.starts_with(start.as_str()) {
            return Some(format!("reply does not start with `{start}`"));
        }
    }
    if let Some(missing) = expect.reply_contains.iter().find(|w| !reply.contains(*w)) {
        return Some(format!("reply does not contain `{missing}`"));
    }
    if let Some(present) = expect
        .reply_not_contains
        .iter()
        .find(|w| reply.contains(*w))
    {
        return Some(format!("reply contains `{present}`"));
    }
    if let Some(expected) = &expect.handoff {
        let got = outcome
            .handoff
            .as_ref()
            .map_or("none", |(h, _)| h.reason.as_str());
        if got != expected {
            return Some(format!("handoff: expected `{expected}`, got `{got}`"));
        }
    }
    if let Some(expected) = &expect.state {
        let got = outcome.conversation.state.as_str();
        if got != expected {
            return Some(format!("state: expected `{expected}`, got `{got}`"));
        }
    }
    None
}
