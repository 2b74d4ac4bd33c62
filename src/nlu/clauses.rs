//! Cutting a message into clauses, so that one message can raise several demands
//! ("ATM吞了我两千块,而且还乱扣我年费" is two). Clauses end at punctuation and before
//! the content's clause-break words (`而且`, `另外`, `also`).

use aho_corasick::AhoCorasick;

use super::boundaries::stands_alone;
use super::normalize::normalize;

/// A clause: character offsets in the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClauseSpan {
    pub start: usize,
    pub end: usize,
}

pub struct ClauseSplitter {
    breaks: Option<AhoCorasick>,
}

fn ends_clause(c: char) -> bool {
    matches!(c, ',' | ';' | '.' | '!' | '?' | '\n' | '~')
}

/// A comma or point between digits is part of a number (`1,000`, `3.5万`), not the end
/// of a clause.
fn inside_number(chars: &[char], at: usize) -> bool {
    matches!(chars[at], ',' | '.')
        && at > 0
        && chars[at - 1].is_ascii_digit()
        && chars.get(at + 1).is_some_and(|c| c.is_ascii_digit())
}

impl ClauseSplitter {
    pub fn new(break_words: &[String]) -> ClauseSplitter {
        let patterns: Vec<String> = break_words
            .iter()
            .map(|w| normalize(w).to_text())
            .filter(|w| !w.trim().is_empty())
            .collect();
        ClauseSplitter {
            breaks: (!patterns.is_empty())
                .then(|| AhoCorasick::new(&patterns).ok())
                .flatten(),
        }
    }

    /// The clauses of a normalised message that contain at least one letter or character.
    pub fn split(&self, chars: &[char]) -> Vec<ClauseSpan> {
        let mut cuts = vec![false; chars.len() + 1];
        if let Some(breaks) = &self.breaks {
            let text: String = chars.iter().collect();
            let char_at: Vec<usize> = {
                let mut map = vec![0; text.len() + 1];
                for (i, (byte, _)) in text.char_indices().enumerate() {
                    map[byte] = i;
                }
                map[text.len()] = chars.len();
                map
            };
            for hit in breaks
                .find_iter(&text)
                .filter(|hit| stands_alone(&text, hit.start(), hit.end()))
            {
                cuts[char_at[hit.start()]] = true;
            }
        }
        let mut spans = Vec::new();
        let mut start = 0;
        for i in 0..=chars.len() {
            let at_end = i == chars.len();
            let ends = !at_end && ends_clause(chars[i]) && !inside_number(chars, i);
            if at_end || ends || (cuts[i] && i > start) {
                if chars[start..i].iter().any(|c| c.is_alphanumeric()) {
                    spans.push(ClauseSpan { start, end: i });
                }
                start = if at_end || !ends { i } else { i + 1 };
            }
        }
        spans
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_and_break_words_start_clauses() {
        let splitter = ClauseSplitter::new(&["而且".to_string()]);
        let text: Vec<char> = "atm吞了我两千块而且还乱扣我年费!!".chars().collect();
        let clauses: Vec<String> = splitter
            .split(&text)
            .into_iter()
            .map(|c| text[c.start..c.end].iter().collect())
            .collect();
        assert_eq!(clauses, vec!["atm吞了我两千块", "而且还乱扣我年费"]);
    }

    #[test]
    fn numbers_and_words_inside_words_do_not_cut() {
        let splitter = ClauseSplitter::new(&["also".to_string()]);
        let text: Vec<char> = "the atm ate 1,000 yuan, 3.5 of it was mine. i also lost my card"
            .chars()
            .collect();
        let clauses: Vec<String> = splitter
            .split(&text)
            .into_iter()
            .map(|c| text[c.start..c.end].iter().collect())
            .collect();
        assert_eq!(
            clauses,
            vec![
                "the atm ate 1,000 yuan",
                " 3.5 of it was mine",
                " i ",
                "also lost my card"
            ]
        );
    }
}
