//! Bank locations: a branch (`人民路支行`, with the suffixes from the content's lexicon), a
//! street (`中山路`, `解放大街88号`), or in English `Renmin Road branch`.

use super::Found;
use super::text::{Initials, matches_at, word_ends_at};
use crate::domain::EntityKind;

/// Characters that cannot be part of a place name: they end the backward scan from a
/// suffix (`我在人民路支行` → `人民路支行`).
const STOP: &[char] = &[
    '在', '的', '了', '我', '是', '去', '到', '从', '那', '这', '个', '家', '台', '边', '里', '和',
    '跟', '把', '被', '你', '们', '取', '存', '就', '也', '都', '还', '又', '说', '吞', '用', '给',
    '向', '对', '该', '附', '近', '旁',
];
const STREET_ENDINGS: &[&str] = &["大道", "大街", "路", "街", "巷"];
const EN_PLACE_WORDS: &[&str] = &[
    "branch", "street", "road", "avenue", "mall", "plaza", "square", "centre", "center",
];
const EN_STOP: &[&str] = &[
    "the", "at", "in", "my", "a", "an", "of", "on", "near", "your", "our", "from", "to", "by",
    "this", "that", "machine", "atm", "i", "was", "it", "bank", "used", "local",
];
/// The longest place name kept before a suffix.
const MAX_NAME: usize = 10;

fn is_name_char(c: char) -> bool {
    (c.is_alphanumeric() || c == '-') && !STOP.contains(&c)
}

/// Stop characters that also begin place names (`和平路`, `向阳路`): part of the name
/// when nothing but the start of the message, punctuation or another stop character
/// comes before them (`在和平路支行`, but `我和朋友…`).
const NAME_STARTS: &[char] = &['和', '向'];

/// Scans back from `end` over name characters; returns the start.
fn name_start(chars: &[char], end: usize) -> usize {
    let mut start = end;
    while start > 0 && end - start < MAX_NAME && is_name_char(chars[start - 1]) {
        start -= 1;
    }
    if start > 0 && start < end && NAME_STARTS.contains(&chars[start - 1]) {
        let before = start.checked_sub(2).map(|i| chars[i]);
        let boundary = before.is_none_or(|c| STOP.contains(&c) || !c.is_alphanumeric());
        if boundary && end - start < MAX_NAME {
            start -= 1;
        }
    }
    start
}

/// The content's place suffixes (`支行`, `网点`), longest first, with their initials.
pub struct Suffixes {
    words: Vec<String>,
    initials: Initials,
}

impl Suffixes {
    pub fn new(words: Vec<String>) -> Suffixes {
        let initials = Initials::of(words.iter().map(String::as_str));
        Suffixes { words, initials }
    }
}

pub fn find(chars: &[char], suffixes: &Suffixes) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    let overlaps =
        |found: &[Found], s: usize, e: usize| found.iter().any(|f| s < f.end && f.start < e);

    for at in 0..chars.len() {
        if !suffixes.initials.may_start(chars[at]) {
            continue;
        }
        for suffix in &suffixes.words {
            if !matches_at(chars, at, suffix) {
                continue;
            }
            let end = at + suffix.chars().count();
            let start = name_start(chars, at);
            if at - start >= 2 && !overlaps(&found, start, end) {
                let text: String = chars[start..end].iter().collect();
                found.push(Found::new(EntityKind::Location, text, start, end));
            }
        }
    }
    for at in 0..chars.len() {
        for ending in STREET_ENDINGS {
            if !matches_at(chars, at, ending) {
                continue;
            }
            let mut end = at + ending.chars().count();
            let start = name_start(chars, at);
            // `解放大街88号`: a house number belongs to the street.
            let digits = chars[end..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            if digits > 0 && chars.get(end + digits) == Some(&'号') {
                end += digits + 1;
            }
            let name_len = at - start;
            let is_han_name = chars[start..at].iter().all(|c| !c.is_ascii());
            if (1..=6).contains(&name_len) && is_han_name && !overlaps(&found, start, end) {
                let text: String = chars[start..end].iter().collect();
                found.push(Found::new(EntityKind::Location, text, start, end));
            }
        }
    }
    let english: Vec<Found> = find_english(chars)
        .into_iter()
        .filter(|f| !overlaps(&found, f.start, f.end))
        .collect();
    found.extend(english);
    found
}

/// `… Renmin Road branch`: up to three words before an English place word.
fn find_english(chars: &[char]) -> Vec<Found> {
    let text: String = chars.iter().collect();
    let words: Vec<(usize, &str)> = text
        .char_indices()
        .filter(|(i, c)| {
            c.is_ascii_alphanumeric()
                && (*i == 0 || !text[..*i].ends_with(|p: char| p.is_ascii_alphanumeric()))
        })
        .map(|(i, _)| {
            let end = text[i..]
                .find(|c: char| !c.is_ascii_alphanumeric())
                .map_or(text.len(), |e| i + e);
            (i, &text[i..end])
        })
        .collect();
    let mut found = Vec::new();
    let mut last_end = 0;
    for (index, (_, word)) in words.iter().enumerate() {
        if !EN_PLACE_WORDS.contains(word) {
            continue;
        }
        let mut first = index;
        while first > 0 && index - first < 3 && !EN_STOP.contains(&words[first - 1].1) {
            first -= 1;
        }
        // A following place word belongs to the same name (`Renmin Road branch`).
        let mut last = index;
        if words
            .get(index + 1)
            .is_some_and(|w| EN_PLACE_WORDS.contains(&w.1))
        {
            last = index + 1;
        }
        if first == index || words[first].0 < last_end {
            continue;
        }
        let start_byte = words[first].0;
        let end_byte = words[last].0 + words[last].1.len();
        let start = text[..start_byte].chars().count();
        let end = text[..end_byte].chars().count();
        if word_ends_at(chars, end) {
            found.push(Found::new(
                EntityKind::Location,
                text[start_byte..end_byte].to_string(),
                start,
                end,
            ));
            last_end = end_byte;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places(text: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        let suffixes = vec!["支行".to_string(), "网点".to_string()];
        find(&chars, &Suffixes::new(suffixes))
            .into_iter()
            .map(|f| f.value)
            .collect()
    }

    #[test]
    fn a_branch_name_ends_at_its_suffix_and_starts_after_a_particle() {
        assert_eq!(places("我在人民路支行的atm取钱"), vec!["人民路支行"]);
        assert_eq!(places("在中山路那个网点"), vec!["中山路"]);
        assert_eq!(places("解放大街88号的取款机"), vec!["解放大街88号"]);
    }

    #[test]
    fn a_name_may_begin_with_a_particle_character() {
        assert_eq!(places("和平路支行"), vec!["和平路支行"]);
        assert_eq!(places("在和谐路支行取钱"), vec!["和谐路支行"]);
        assert_eq!(places("向阳路网点"), vec!["向阳路网点"]);
        assert_eq!(places("我和朋友在人民路支行"), vec!["人民路支行"]);
    }

    #[test]
    fn english_branch_names_are_found() {
        assert_eq!(
            places("at the renmin road branch yesterday"),
            vec!["renmin road branch"]
        );
        assert!(places("the branch").is_empty());
    }
}
