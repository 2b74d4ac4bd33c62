//! Small helpers for scanning normalised text by characters.

/// The first characters of a list of words: entity finders look at every character of
/// every message, and most characters start none of their words. One lookup here rules
/// such a position out before any word is compared.
pub struct Initials(Vec<char>);

impl Initials {
    pub fn of<'w>(words: impl IntoIterator<Item = &'w str>) -> Initials {
        let mut first: Vec<char> = words.into_iter().filter_map(|w| w.chars().next()).collect();
        first.sort_unstable();
        first.dedup();
        Initials(first)
    }

    /// Whether one of the words may start with `c`.
    pub fn may_start(&self, c: char) -> bool {
        self.0.binary_search(&c).is_ok()
    }
}

/// Whether `word` occurs in `chars` at `at`.
pub fn matches_at(chars: &[char], at: usize, word: &str) -> bool {
    (at..)
        .zip(word.chars())
        .all(|(i, c)| chars.get(i) == Some(&c))
}

/// The longest of `words` at `at`, with its length in characters. Called at every
/// character of a message for several word lists, so it takes them as they are (no list
/// built per call) and rules a word out by its first character.
pub fn longest_at<'w>(
    chars: &[char],
    at: usize,
    words: impl IntoIterator<Item = &'w str>,
) -> Option<(&'w str, usize)> {
    let first = *chars.get(at)?;
    words
        .into_iter()
        .filter(|w| w.starts_with(first) && matches_at(chars, at, w))
        .map(|w| (w, w.chars().count()))
        .max_by_key(|(_, n)| *n)
}

/// Whether `word` (of `len` chars) ends exactly at `end`.
pub fn ends_with_at(chars: &[char], end: usize, word: &str) -> bool {
    let len = word.chars().count();
    end >= len && matches_at(chars, end - len, word)
}

/// Skips spaces from `at`.
pub fn skip_spaces(chars: &[char], mut at: usize) -> usize {
    while chars.get(at) == Some(&' ') {
        at += 1;
    }
    at
}

/// Whether an English word boundary lies before `at` (start of text or a non-letter).
pub fn word_starts_at(chars: &[char], at: usize) -> bool {
    at == 0 || !chars[at - 1].is_ascii_alphanumeric()
}

/// Whether an English word boundary lies at `end`.
pub fn word_ends_at(chars: &[char], end: usize) -> bool {
    chars.get(end).is_none_or(|c| !c.is_ascii_alphanumeric())
}

/// Whether `word` occurs at `at` as a whole English word.
pub fn word_at(chars: &[char], at: usize, word: &str) -> bool {
    word_starts_at(chars, at)
        && matches_at(chars, at, word)
        && word_ends_at(chars, at + word.chars().count())
}
