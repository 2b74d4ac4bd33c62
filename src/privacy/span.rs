//! What every detector reports and reads: the kinds of personal data, where a finding
//! sits, and the digits customers type. `detect.rs` (numbers, e-mail addresses) calls
//! `secrets.rs` (codes after a keyword), and both build on this file, so the dependency
//! runs one way.

/// A kind of personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PiiKind {
    CardNumber,
    IdNumber,
    Phone,
    Email,
    /// A one-time code or password typed after a word that names it.
    Secret,
}

/// Where personal data sits in a text, in character (not byte) offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PiiSpan {
    pub kind: PiiKind,
    pub start: usize,
    pub end: usize,
}

/// The value of an ASCII or full-width digit (customers type both).
pub fn digit_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}
