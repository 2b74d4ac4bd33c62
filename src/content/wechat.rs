//! WeChat Official Account settings of a locale (`templates/<locale>/_wechat.yaml`): what
//! each custom-menu button (`EventKey`) asks for, the greeting a new follower reads, the
//! answer to a message the bot cannot read (a picture, a location), and how offered
//! choices are numbered in WeChat's plain text. Content staff own them like any reply.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::error::{ContentError, ContentErrors};
use crate::domain::IntentId;

/// The longest `EventKey` WeChat accepts for a menu button, in bytes.
pub const MAX_EVENT_KEY_BYTES: usize = 128;
/// The longest passive text reply WeChat delivers, in bytes (UTF-8).
pub const MAX_REPLY_BYTES: usize = 2048;

/// The WeChat settings of one locale.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WechatSettings {
    /// What each menu button means: `ATM_HELP` → `atm_cash_retention` …
    pub menu: BTreeMap<String, IntentId>,
    /// The reply to a new follower (`subscribe`).
    pub greeting: String,
    /// The reply to a message type the bot does not read (image, location, link …).
    pub unsupported: String,
    /// The line before numbered choices (`回复数字即可选择:`).
    pub choices_lead: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WechatFile {
    #[serde(default)]
    menu: BTreeMap<String, Spanned<String>>,
    greeting: Spanned<String>,
    unsupported: Spanned<String>,
    choices_lead: String,
}

impl WechatSettings {
    /// Parses the file; `intent_exists` checks that buttons lead somewhere.
    pub fn parse(
        path: &Path,
        source: &str,
        intent_exists: impl Fn(&IntentId) -> bool,
    ) -> Result<WechatSettings, ContentErrors> {
        let file: WechatFile = serde_saphyr::from_str(source)
            .map_err(|e| ContentErrors(vec![ContentError::from_yaml(path, 0, &e)]))?;
        let mut errors = ContentErrors::default();
        let mut menu = BTreeMap::new();
        for (key, intent) in file.menu {
            let line = intent.referenced.line() as usize;
            if key.trim().is_empty() || key.len() > MAX_EVENT_KEY_BYTES {
                errors.push(ContentError::new(
                    path,
                    line,
                    format!("menu key `{key}` must be 1–{MAX_EVENT_KEY_BYTES} bytes (WeChat's EventKey limit)"),
                ));
                continue;
            }
            match IntentId::parse(&intent.value) {
                Ok(id) if intent_exists(&id) => {
                    menu.insert(key, id);
                }
                _ => errors.push(ContentError::new(
                    path,
                    line,
                    format!("menu key `{key}`: no intent `{}`", intent.value),
                )),
            }
        }
        for (name, text) in [
            ("greeting", &file.greeting),
            ("unsupported", &file.unsupported),
        ] {
            let line = text.referenced.line() as usize;
            if text.value.trim().is_empty() {
                errors.push(ContentError::new(path, line, format!("{name} is empty")));
            } else if text.value.len() > MAX_REPLY_BYTES {
                errors.push(ContentError::new(
                    path,
                    line,
                    format!("{name} is longer than WeChat's {MAX_REPLY_BYTES} bytes"),
                ));
            }
        }
        errors.into_result(WechatSettings {
            menu,
            greeting: file.greeting.value,
            unsupported: file.unsupported.value,
            choices_lead: file.choices_lead,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(source: &str) -> Result<WechatSettings, ContentErrors> {
        WechatSettings::parse(Path::new("_wechat.yaml"), source, |id| {
            id.as_str() == "card_lost"
        })
    }

    #[test]
    fn a_menu_button_leads_to_a_known_intent() {
        let settings = parse(
            "menu:\n  CARD_LOST: card_lost\ngreeting: 您好\nunsupported: 请用文字描述您的问题\nchoices_lead: \"回复数字即可选择:\"\n",
        )
        .unwrap();
        assert_eq!(settings.menu["CARD_LOST"].as_str(), "card_lost");
    }

    #[test]
    fn a_button_to_nowhere_is_refused_with_its_line() {
        let errors = parse(
            "menu:\n  CARD_LOST: card_lost\n  LOANS: no_such_intent\ngreeting: 您好\nunsupported: 请用文字\nchoices_lead: 回复数字\n",
        )
        .unwrap_err();
        let text = errors.to_string();
        assert!(text.contains("_wechat.yaml:3"), "{text}");
        assert!(text.contains("no_such_intent"), "{text}");
    }
}
