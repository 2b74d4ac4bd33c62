//! Where a phrase found inside a text stands as a word of its own. Phrase lists are
//! matched as substrings, which is right for Chinese (no spaces between words) and wrong
//! for English: `yes` inside `yesterday`, `hi` inside `this`, `sue` inside `issue`. A
//! match that starts or ends with a Latin letter or digit must therefore start and end at
//! a word boundary; a longer English phrase may still take an inflection (`charge` in
//! `charged`), a two- or three-letter one may not (`hi` is not `his`).

/// Endings a phrase of four letters or more may take and still be the same word.
const INFLECTIONS: [&str; 6] = ["s", "es", "ed", "d", "ing", "ly"];

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Whether `text[start..end]` (byte offsets) stands as a word of its own.
pub fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let matched = &text[start..end];
    let starts_word = matched.chars().next().is_some_and(is_word);
    let ends_word = matched.chars().next_back().is_some_and(is_word);
    if starts_word && text[..start].chars().next_back().is_some_and(is_word) {
        return false;
    }
    if !ends_word {
        return true;
    }
    let rest: String = text[end..].chars().take_while(|&c| is_word(c)).collect();
    rest.is_empty()
        || (matched.chars().count() >= 4
            && !matched.chars().all(|c| c.is_ascii_digit())
            && INFLECTIONS.contains(&rest.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str, phrase: &str) -> bool {
        text.match_indices(phrase)
            .any(|(at, _)| stands_alone(text, at, at + phrase.len()))
    }

    #[test]
    fn english_phrases_are_words_not_pieces_of_words() {
        assert!(!found("my card got stuck yesterday", "yes"));
        assert!(!found("what kind of bank is this", "hi"));
        assert!(!found("i have an issue with my card", "sue"));
        assert!(!found("i only noticed it today", "no"));
        assert!(!found("that is his card", "hi"));
        assert!(found("yes, that's right", "yes"));
        assert!(found("i will sue you", "sue"));
        assert!(found("you charged me twice", "charge"));
        assert!(found("no.", "no"));
    }

    #[test]
    fn chinese_phrases_match_anywhere() {
        assert!(found("我的卡被atm吞了", "吞了"));
        assert!(found("atm吞了我的卡", "atm吞"));
        assert!(found("我要打12378投诉", "12378"));
        assert!(!found("手机13812378000", "12378"));
    }
}
