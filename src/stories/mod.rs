//! Conversation tests that content staff write (`tests/stories/*.yaml`): scripted turns
//! with what the bot must do at each one (intent, slots, words the reply must or must not
//! contain, handoff, state). `frontline test` plays them through the real conversation
//! service on a throw-away store and reports the first difference of each failing story.

mod file;
mod junit;
mod run;

use std::path::PathBuf;

pub use file::{Expect, Story, StoryError, Turn, read_stories};
pub use junit::junit_xml;
pub use run::{Outcome, StoryResult, play};

/// A story and where it was written.
#[derive(Clone, Debug)]
pub struct Located<T> {
    pub path: PathBuf,
    pub line: usize,
    pub value: T,
}
