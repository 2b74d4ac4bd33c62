//! The story file format, as content staff write it:
//!
//! ```yaml
//! stories:
//!   - name: ATM 吞钞,客户着急
//!     locale: zh-CN        # default zh-CN
//!     channel: web         # web, app or ivr; default web
//!     turns:
//!       - say: ATM吞了我的钱,气死我了!
//!         expect:
//!           intent: atm_cash_retention
//!           reply_contains: [理解]
//!           reply_not_contains: [是我们的错]
//!       - say: 转人工
//!         expect: {handoff: customer_request, state: handed_off}
//! ```
//!
//! A turn says something (`say`), presses keys (`dtmf`) or stays silent (`event:
//! no_input`). `intent: none` expects the message not to be understood; `handoff: none`
//! expects no handoff on that turn.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::Located;
use crate::domain::{Channel, Locale, Segment};

/// What a turn must produce; everything is optional.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// An intent id, or `none`.
    pub intent: Option<String>,
    /// Slot values the conversation holds after the turn (masked, as agents see them).
    #[serde(default)]
    pub slots: BTreeMap<String, String>,
    #[serde(default)]
    pub reply_contains: Vec<String>,
    #[serde(default)]
    pub reply_not_contains: Vec<String>,
    /// How the reply must begin (the first of the four steps, a handoff's "yes").
    pub reply_starts_with: Option<String>,
    /// Exactly the demands the conversation holds after the turn (any status), in any
    /// order: no demand invented, none dropped.
    pub demands: Option<Vec<String>>,
    /// The handoff reason this turn hands off with, or `none`.
    pub handoff: Option<String>,
    /// `active`, `handed_off` or `closed` after the turn.
    pub state: Option<String>,
}

/// One customer turn.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Turn {
    pub say: Option<String>,
    pub dtmf: Option<String>,
    /// `no_input` or `no_match` (phone).
    pub event: Option<String>,
    pub asr_confidence: Option<f32>,
    #[serde(default)]
    pub expect: Expect,
}

/// A scripted conversation.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Story {
    pub name: String,
    #[serde(default)]
    pub locale: Locale,
    #[serde(default)]
    pub channel: Channel,
    pub segment: Option<Segment>,
    pub turns: Vec<Spanned<Turn>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoryFile {
    stories: Vec<Spanned<Story>>,
}

/// A story file that cannot be read, as `path:line: message`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}:{line}: {message}", path.display())]
pub struct StoryError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

/// Every story in `paths` (files, or folders whose `*.yaml` files are read), in order.
pub fn read_stories(paths: &[PathBuf]) -> Result<Vec<Located<Story>>, Vec<StoryError>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(path)
                .map(|entries| entries.flatten().map(|e| e.path()).collect())
                .unwrap_or_default();
            inside.retain(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"));
            inside.sort();
            files.extend(inside);
        } else {
            files.push(path.clone());
        }
    }
    let mut stories = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        match read_file(&file) {
            Ok(found) => stories.extend(found),
            Err(error) => errors.push(error),
        }
    }
    if errors.is_empty() {
        Ok(stories)
    } else {
        Err(errors)
    }
}

fn read_file(path: &Path) -> Result<Vec<Located<Story>>, StoryError> {
    let error = |line: usize, message: String| StoryError {
        path: path.to_path_buf(),
        line,
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| error(1, e.to_string()))?;
    let file: StoryFile = serde_saphyr::from_str(&text).map_err(|e| {
        let line = e.location().map_or(1, |l| l.line() as usize);
        let message = e.to_string();
        error(line, message.lines().next().unwrap_or_default().to_string())
    })?;
    let mut stories = Vec::new();
    for story in file.stories {
        let line = story.referenced.line() as usize;
        for turn in &story.value.turns {
            let t = &turn.value;
            let kinds = [t.say.is_some(), t.dtmf.is_some(), t.event.is_some()];
            if kinds.iter().filter(|k| **k).count() != 1 {
                return Err(error(
                    turn.referenced.line() as usize,
                    "a turn needs exactly one of `say`, `dtmf` or `event`".into(),
                ));
            }
        }
        stories.push(Located {
            path: path.to_path_buf(),
            line,
            value: story.value,
        });
    }
    Ok(stories)
}
