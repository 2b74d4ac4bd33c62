//! The product's word-valued enums (channels, entity kinds, handoff reasons, scopes …) are
//! each a fixed set of words that travel through JSON, YAML, SQL and metric labels. This
//! file declares such an enum once, variant by variant with its word, and derives from that
//! one list what used to be written out by hand beside serde's `rename_all`: `as_str`,
//! `Display` and `FromStr`. serde and the JSON Schema read the same words (each variant is
//! renamed to its word), so the wire cannot drift from `as_str`.
//!
//! A declarative macro rather than `strum`: strum would still need serde's `rename_all`
//! repeated in its own attribute, and its parse error does not name the allowed words.

use std::fmt;

/// A word that is not one of an enum's words. Its message names the thing and lists what
/// is allowed: "unknown channel `fax`: use web, app or ivr".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{word}`: use {}", Choices(allowed))]
pub struct UnknownWord {
    /// What the word should have named (`channel`, `scope`, `delivery status`).
    pub what: &'static str,
    /// The word as given.
    pub word: String,
    /// The words the enum accepts, in declaration order.
    pub allowed: &'static [&'static str],
}

/// `a, b or c`.
struct Choices(&'static [&'static str]);

impl fmt::Display for Choices {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some((last, rest)) = self.0.split_last() else {
            return Ok(());
        };
        if !rest.is_empty() {
            write!(f, "{} or ", rest.join(", "))?;
        }
        f.write_str(last)
    }
}

/// Declares an enum whose variants are words:
///
/// ```ignore
/// vocab_enum! {
///     /// How soon a human must pick a handoff up.
///     #[derive(Default, Serialize, Deserialize)]
///     pub enum Priority ("priority") {
///         #[default]
///         Normal = "normal",
///         High = "high",
///         Urgent = "urgent",
///     }
/// }
/// ```
///
/// It derives `Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord` and
/// `schemars::JsonSchema`, renames every variant to its word for serde and the schema, and
/// writes `ALL`, `as_str`, `Display` and `FromStr` (failing with [`UnknownWord`], which names the
/// string in parentheses). serde itself is left to the declaration: derive `Serialize` and
/// `Deserialize` there when the enum travels through serde (most do), or write them by hand
/// when reading should fail differently (`Channel` reads through `FromStr`).
macro_rules! vocab_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident = $word:literal
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ::schemars::JsonSchema)]
        $vis enum $name {
            $(
                $(#[$variant_meta])*
                #[serde(rename = $word)]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$($word),+].len()] = [$($name::$variant),+];

            /// The word for this value, as the API, the content files and the store write it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::domain::UnknownWord;

            /// Accepts exactly the words [`Self::as_str`] writes.
            fn from_str(word: &str) -> ::std::result::Result<Self, Self::Err> {
                match word {
                    $($word => Ok($name::$variant),)+
                    _ => Err($crate::domain::UnknownWord {
                        what: $what,
                        word: word.to_string(),
                        allowed: &[$($word),+],
                    }),
                }
            }
        }
    };
}

pub(crate) use vocab_enum;

#[cfg(test)]
mod tests {
    vocab_enum! {
        /// A test enum that travels through serde.
        #[derive(serde::Serialize, serde::Deserialize)]
        enum Shade ("shade") {
            Light = "light",
            DeepBlue = "deep_blue",
        }
    }

    #[test]
    fn serde_writes_and_reads_the_declared_words() {
        assert_eq!(
            serde_json::to_string(&Shade::DeepBlue).unwrap(),
            "\"deep_blue\""
        );
        assert_eq!(
            serde_json::from_str::<Shade>("\"light\"").unwrap(),
            Shade::Light
        );
        assert_eq!(Shade::DeepBlue.to_string(), "deep_blue");
        assert_eq!("deep_blue".parse::<Shade>(), Ok(Shade::DeepBlue));
        assert_eq!(Shade::ALL, [Shade::Light, Shade::DeepBlue]);
    }

    #[test]
    fn a_wrong_word_is_named_with_the_words_allowed() {
        let error = "DeepBlue".parse::<Shade>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown shade `DeepBlue`: use light or deep_blue"
        );
    }

    #[test]
    fn the_schema_lists_the_words() {
        let schema = serde_json::to_value(schemars::schema_for!(Shade)).unwrap();
        assert_eq!(schema["enum"], serde_json::json!(["light", "deep_blue"]));
    }
}
