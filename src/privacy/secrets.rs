//! One-time codes and passwords. A bank never asks for them in chat, yet customers type
//! them ("验证码是 385920", "my password is Abc12345"), often because a fraudster told them
//! to. Whatever follows such a word and looks like a code is masked whole: unlike a card,
//! no part of it helps an agent.

use super::span::{PiiKind, PiiSpan, digit_value};

/// Words after which a code follows. ASCII words match whole words, in any case.
const KEYWORDS: [&str; 14] = [
    "验证码",
    "动态码",
    "校验码",
    "短信码",
    "动态密码",
    "交易密码",
    "取款密码",
    "登录密码",
    "密码",
    "口令",
    "password",
    "passcode",
    "otp",
    "pin",
];

/// Fillers between the word and the code: `是`, `为`, colons, quotes, spaces, `is`.
fn is_filler(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{3000}' | ':' | '：' | '=' | '是' | '为' | '"' | '“' | '「' | '『' | '\''
    )
}

fn is_code_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || digit_value(c).is_some() || matches!(c, 'Ａ'..='Ｚ' | 'ａ'..='ｚ')
}

/// Shortest and longest code masked: 4-digit PINs to long passwords.
const CODE_CHARS: std::ops::RangeInclusive<usize> = 4..=32;
/// Most filler characters between the word and the code.
const MAX_FILLER: usize = 6;

/// Whether a keyword may start with `c` (lower case): called at every character of every
/// text masked (messages, replies, and stored text when it is read back), so most
/// characters are ruled out with one lookup before any keyword is compared.
fn may_start_keyword(c: char) -> bool {
    static INITIALS: std::sync::LazyLock<Vec<char>> = std::sync::LazyLock::new(|| {
        let mut first: Vec<char> = KEYWORDS.iter().filter_map(|k| k.chars().next()).collect();
        first.sort_unstable();
        first.dedup();
        first
    });
    INITIALS.binary_search(&c).is_ok()
}

fn keyword_at(chars: &[char], at: usize) -> Option<usize> {
    let first = chars.get(at)?.to_ascii_lowercase();
    if !may_start_keyword(first) {
        return None;
    }
    KEYWORDS
        .iter()
        .filter(|k| k.starts_with(first))
        .find_map(|keyword| {
            let len = keyword.chars().count();
            let candidate = chars.get(at..at + len)?;
            let matches = candidate
                .iter()
                .zip(keyword.chars())
                .all(|(c, k)| c.to_ascii_lowercase() == k);
            let ascii = keyword.is_ascii();
            let whole_word = !ascii
                || ((at == 0 || !chars[at - 1].is_ascii_alphabetic())
                    && chars.get(at + len).is_none_or(|c| !c.is_ascii_alphabetic()));
            (matches && whole_word).then_some(len)
        })
}

/// Codes after a keyword, as spans of `chars`.
pub(super) fn find_secrets(chars: &[char]) -> Vec<PiiSpan> {
    let mut spans = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let Some(len) = keyword_at(chars, at) else {
            at += 1;
            continue;
        };
        let mut start = at + len;
        let mut skipped = 0;
        loop {
            if skipped < MAX_FILLER && chars.get(start).is_some_and(|&c| is_filler(c)) {
                start += 1;
                skipped += 1;
            } else if chars.get(start..start + 3).is_some_and(|w| {
                w[0].eq_ignore_ascii_case(&'i') && w[1].eq_ignore_ascii_case(&'s') && w[2] == ' '
            }) {
                start += 3;
            } else {
                break;
            }
        }
        let mut end = start;
        while end < chars.len() && is_code_char(chars[end]) {
            end += 1;
        }
        let code = &chars[start..end];
        if CODE_CHARS.contains(&code.len()) && code.iter().any(|&c| digit_value(c).is_some()) {
            spans.push(PiiSpan {
                kind: PiiKind::Secret,
                start,
                end,
            });
            at = end;
        } else {
            at += len;
        }
    }
    spans
}
