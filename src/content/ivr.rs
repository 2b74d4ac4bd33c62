//! Phone settings of a locale (`templates/<locale>/_ivr.yaml`): the keypad menu, the
//! speech-recognition confidence below which the bot checks what it heard, and the queue a
//! handed-off call is transferred to. Content staff own them like any prompt.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::error::{ContentError, ContentErrors};
use crate::domain::IntentId;

/// The phone settings of one locale.
#[derive(Clone, Debug, PartialEq)]
pub struct IvrSettings {
    /// What each key means: `1` → `affirm`, `0` → `human_agent` …
    pub keys: BTreeMap<char, IntentId>,
    /// How the keypad menu is read out (`{{menu}}` in the `silence_menu` reply).
    pub menu: String,
    /// Below this speech-recognition confidence, the bot repeats what it heard and asks.
    pub asr_confidence_threshold: f32,
    /// The contact-centre queue a handed-off call goes to (Twilio `<Enqueue>`, JSON
    /// `transfer` actions).
    pub transfer_queue: String,
    /// Where a VoiceXML `<transfer>` sends a handed-off call (a SIP or tel URI).
    pub transfer_destination: String,
    /// How long one prompt may be; `None` means the locale's default.
    pub prompt_limit: Option<PromptLimit>,
}

/// The longest prompt a caller should have to listen to, in the unit the language counts
/// in: Chinese characters or English words. Punctuation is not spoken and not counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PromptLimit {
    Characters(usize),
    Words(usize),
}

impl PromptLimit {
    /// The default: 60 Chinese characters, 30 English words.
    pub fn default_for(locale: crate::domain::Locale) -> PromptLimit {
        match locale {
            crate::domain::Locale::ZhCn => PromptLimit::Characters(60),
            crate::domain::Locale::En => PromptLimit::Words(30),
        }
    }

    /// The length of `text` in this limit's unit.
    pub fn measure(self, text: &str) -> usize {
        match self {
            PromptLimit::Characters(_) => text.chars().filter(|c| c.is_alphanumeric()).count(),
            PromptLimit::Words(_) => text
                .split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .count(),
        }
    }

    pub fn max(self) -> usize {
        match self {
            PromptLimit::Characters(n) | PromptLimit::Words(n) => n,
        }
    }
}

impl Default for IvrSettings {
    fn default() -> Self {
        IvrSettings {
            keys: BTreeMap::new(),
            menu: String::new(),
            asr_confidence_threshold: 0.5,
            transfer_queue: "agents".into(),
            transfer_destination: "sip:agents@localhost".into(),
            prompt_limit: None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IvrFile {
    keys: BTreeMap<String, Spanned<String>>,
    menu: String,
    asr_confidence_threshold: Spanned<f32>,
    transfer_queue: String,
    transfer_destination: String,
    #[serde(default)]
    prompt_limit: Option<PromptLimit>,
}

impl IvrSettings {
    /// Parses the file; `intent_exists` checks that keys lead somewhere.
    pub fn parse(
        path: &Path,
        source: &str,
        intent_exists: impl Fn(&IntentId) -> bool,
    ) -> Result<IvrSettings, ContentErrors> {
        let file: IvrFile = serde_saphyr::from_str(source)
            .map_err(|e| ContentErrors(vec![ContentError::from_yaml(path, 0, &e)]))?;
        let mut errors = ContentErrors::default();
        let mut keys = BTreeMap::new();
        for (key, intent) in file.keys {
            let line = intent.referenced.line() as usize;
            let mut chars = key.chars();
            let key_char = match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_digit() || c == '*' || c == '#' => c,
                _ => {
                    errors.push(ContentError::new(
                        path,
                        line,
                        format!("key `{key}` must be one of 0-9, * or #"),
                    ));
                    continue;
                }
            };
            match IntentId::parse(&intent.value) {
                Ok(id) if intent_exists(&id) => {
                    keys.insert(key_char, id);
                }
                _ => errors.push(ContentError::new(
                    path,
                    line,
                    format!("key `{key}`: no intent `{}`", intent.value),
                )),
            }
        }
        let threshold = file.asr_confidence_threshold.value;
        if !(0.0..=1.0).contains(&threshold) {
            errors.push(ContentError::new(
                path,
                file.asr_confidence_threshold.referenced.line() as usize,
                format!("asr_confidence_threshold {threshold} must be between 0 and 1"),
            ));
        }
        errors.into_result(IvrSettings {
            keys,
            menu: file.menu,
            asr_confidence_threshold: threshold,
            transfer_queue: file.transfer_queue,
            transfer_destination: file.transfer_destination,
            prompt_limit: file.prompt_limit,
        })
    }
}
