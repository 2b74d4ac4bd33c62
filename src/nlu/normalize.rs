//! Normalisation: full-width → half-width, traditional → simplified Chinese, lower case,
//! Chinese punctuation → ASCII. Every step maps one character to one character, so an
//! offset in the normalised text is the same offset in what the customer typed.

/// Text after normalisation, character-aligned with the original.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Normalized {
    chars: Vec<char>,
}

impl Normalized {
    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    pub fn to_text(&self) -> String {
        self.chars.iter().collect()
    }

    pub fn len(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }
}

/// One character, width-folded and lower-cased.
fn fold(c: char) -> char {
    let c = match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '。' | '｡' => '.',
        '、' => ',',
        '“' | '”' | '「' | '」' => '"',
        '‘' | '’' => '\'',
        '【' => '[',
        '】' => ']',
        '…' => '.',
        _ => c,
    };
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

const HAN: std::ops::RangeInclusive<char> = '\u{4E00}'..='\u{9FFF}';

fn has_han(chars: &[char]) -> bool {
    chars.iter().any(|c| HAN.contains(c))
}

/// Whether converting to simplified may change `c`: a Han character the conversion
/// changes on its own, or any other character outside ASCII (kept to the conversion, to
/// be safe). Most messages are all simplified already, and the conversion was a tenth of
/// a parse: it is skipped for them. Which Han characters change is found once, by
/// converting each of them alone.
fn may_change(c: char) -> bool {
    static CHANGES: std::sync::LazyLock<Vec<bool>> = std::sync::LazyLock::new(|| {
        let all: String = HAN.flat_map(|c| [c, '\n']).collect();
        let converted = to_simplified(&all);
        let changed: Vec<bool> = HAN
            .zip(converted.split('\n'))
            .map(|(c, after)| after.chars().ne([c]))
            .collect();
        if changed.len() == HAN.count() {
            changed
        } else {
            vec![true; HAN.count()]
        }
    });
    if HAN.contains(&c) {
        CHANGES[c as usize - *HAN.start() as usize]
    } else {
        !c.is_ascii()
    }
}

/// Traditional to simplified Chinese with OpenCC's `t2s` dictionaries (Apache-2.0, built
/// into the binary); built once, on first use.
fn to_simplified(text: &str) -> String {
    use ferrous_opencc::{OpenCC, config::BuiltinConfig};
    static CONVERTER: std::sync::OnceLock<Option<OpenCC>> = std::sync::OnceLock::new();
    match CONVERTER.get_or_init(|| OpenCC::from_config(BuiltinConfig::T2s).ok()) {
        Some(converter) => converter.convert(text),
        None => text.to_string(),
    }
}

/// Normalises a customer message.
pub fn normalize(text: &str) -> Normalized {
    let folded: Vec<char> = text.chars().map(fold).collect();
    // Traditional characters appear in both locales (Hong Kong and Taiwan customers write
    // in either language); converting is skipped when the conversion would change the
    // length, which keeps offsets exact (it happens only for rare phrase-level rules).
    if has_han(&folded) && folded.iter().any(|&c| may_change(c)) {
        let joined: String = folded.iter().collect();
        let simplified = to_simplified(&joined);
        let chars: Vec<char> = simplified.chars().collect();
        if chars.len() == folded.len() {
            return Normalized { chars };
        }
    }
    Normalized { chars: folded }
}

/// Whether a character carries meaning for matching (letters, digits, Chinese).
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(text: &str) -> String {
        normalize(text).to_text()
    }

    #[test]
    fn full_width_letters_and_digits_become_ascii() {
        assert_eq!(norm("ＡＴＭ吞了２０００元！"), "atm吞了2000元!");
    }

    #[test]
    fn traditional_chinese_becomes_simplified() {
        assert_eq!(norm("提款機吞了我的錢"), "提款机吞了我的钱");
    }

    #[test]
    fn offsets_are_preserved() {
        let text = "ＡＴＭ機器，吞了兩千塊。";
        assert_eq!(normalize(text).len(), text.chars().count());
    }
}
