//! The languages Frontline serves. Chinese comes first: it is the default everywhere.
//! A locale also knows its punctuation and how a date is written, so that code wording a
//! reply asks the locale rather than matching on it.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A language the bundled content and the matcher support.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Locale {
    /// Simplified Chinese, mainland China (`zh-CN`): the default.
    #[default]
    ZhCn,
    /// English (`en`).
    En,
}

/// A locale tag that Frontline does not serve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported locale `{0}`: use `zh-CN` or `en`")]
pub struct LocaleError(pub String);

impl Locale {
    /// Every supported locale, default first.
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];

    /// The canonical tag, as used in folder names and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// Whether text in this locale is written without spaces between words.
    pub fn is_chinese(self) -> bool {
        matches!(self, Locale::ZhCn)
    }

    /// What goes between the items of a list in running text (`挂失、转账`,
    /// `Card loss, Transfer`).
    pub fn list_separator(self) -> &'static str {
        match self {
            Locale::ZhCn => "、",
            Locale::En => ", ",
        }
    }

    /// What goes between the names of the customer's problems in a reply. Chinese quotes
    /// the whole list once (`“银行卡挂失、转账没到账”`); English names them in plain words
    /// (`your lost card, the transfer that hasn't arrived`).
    pub fn quoted_list_separator(self) -> &'static str {
        match self {
            Locale::ZhCn => "、",
            Locale::En => ", ",
        }
    }

    /// A date as the customer reads it, month and day only: `11月27日`, `27 November`.
    pub fn spoken_date(self, date: NaiveDate) -> String {
        let pattern = match self {
            Locale::ZhCn => "%-m月%-d日",
            Locale::En => "%-d %B",
        };
        date.format(pattern).to_string()
    }

    /// A date with its year, as a document's date is written: `2026年10月12日`,
    /// `12 October 2026`.
    pub fn full_date(self, date: NaiveDate) -> String {
        let pattern = match self {
            Locale::ZhCn => "%Y年%-m月%-d日",
            Locale::En => "%-d %B %Y",
        };
        date.format(pattern).to_string()
    }

    /// The order of the fields of a [`Locale::spoken_date`], as SSML's `say-as` names it
    /// in its `format` attribute (`md`: month first).
    pub fn spoken_date_order(self) -> &'static str {
        match self {
            Locale::ZhCn => "md",
            Locale::En => "dm",
        }
    }
}

impl FromStr for Locale {
    type Err = LocaleError;

    /// Accepts the canonical tags case-insensitively, plus the close variants clients send
    /// (`zh`, `zh-Hans`, `zh_CN`, `en-US`, `en-GB` …).
    fn from_str(tag: &str) -> Result<Self, Self::Err> {
        let lower = tag.trim().to_ascii_lowercase().replace('_', "-");
        match lower.as_str() {
            "zh-cn" | "zh" | "zh-hans" | "zh-hans-cn" => Ok(Locale::ZhCn),
            "en" => Ok(Locale::En),
            other if other.starts_with("en-") && other.len() <= 6 => Ok(Locale::En),
            _ => Err(LocaleError(tag.to_string())),
        }
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Locale {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Locale {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let tag = String::deserialize(deserializer)?;
        tag.parse().map_err(serde::de::Error::custom)
    }
}

/// A string: `zh-CN` or `en` in answers; requests may also use close variants.
impl schemars::JsonSchema for Locale {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Locale".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "zh-CN or en (requests may also say zh, zh_CN, zh-Hans, en-US …)",
            "examples": ["zh-CN", "en"],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_variants_of_a_tag_are_understood() {
        assert_eq!("zh-cn".parse::<Locale>(), Ok(Locale::ZhCn));
        assert_eq!("zh_CN".parse::<Locale>(), Ok(Locale::ZhCn));
        assert_eq!("en-GB".parse::<Locale>(), Ok(Locale::En));
        assert!("fr".parse::<Locale>().is_err());
        assert!("english".parse::<Locale>().is_err());
    }

    #[test]
    fn a_date_reads_as_month_and_day_without_leading_zeros() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        assert_eq!(Locale::ZhCn.spoken_date(date), "3月5日");
        assert_eq!(Locale::En.spoken_date(date), "5 March");
        let date = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(Locale::ZhCn.spoken_date(date), "11月27日");
        assert_eq!(Locale::En.spoken_date(date), "27 November");
    }
}
