//! Sums of money: `两千块`, `3.5万`, `5000元`, `¥200`, `$200`, `200 dollars`, and bare
//! numbers right after a money verb (`取了2000`).

use super::Found;
use super::numbers::{format_value, number_at, starts_number};
use super::text::{ends_with_at, longest_at, matches_at, skip_spaces, word_starts_at};
use crate::domain::EntityKind;

/// Currency words after a number.
const UNITS: &[&str] = &[
    "块钱",
    "元钱",
    "人民币",
    "块",
    "元",
    "圆",
    "rmb",
    "yuan",
    "dollars",
    "dollar",
    "bucks",
    "usd",
    "美元",
    "美金",
    "欧元",
    "港币",
    "刀",
];
/// Currency signs or words before a number.
const PREFIXES: &[&str] = &["¥", "￥", "$", "rmb", "人民币", "usd", "cny"];
/// Verbs after which a bare number is money (`取了2000`, `withdrew 500`).
const MONEY_VERBS: &[&str] = &[
    "取",
    "存",
    "转",
    "扣",
    "吞",
    "付",
    "还",
    "汇",
    "充",
    "借",
    "少了",
    "多扣",
    "withdrew",
    "withdraw",
    "deposited",
    "deposit",
    "transferred",
    "transfer",
    "sent",
    "charged",
    "paid",
    "took out",
    "lost",
];
/// What follows a number that is a time, a date, a count or a rank rather than money.
const NOT_MONEY_AFTER: &[char] = &[
    '点', '号', '日', '月', '年', '时', ':', '分', '岁', '位', '次', '个', '天', '%', '楼', '周',
    '遍', '张', '笔', '人', '秒', '小', '家', '台', '条',
];

pub fn find(chars: &[char]) -> Vec<Found> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let continues_number = i > 0 && (chars[i - 1].is_ascii_digit() || chars[i - 1] == '.');
        if !starts_number(chars[i]) || continues_number {
            i += 1;
            continue;
        }
        let Some(number) = number_at(chars, i) else {
            i += 1;
            continue;
        };
        let end = i + number.len;
        let after = skip_spaces(chars, end);
        let unit = longest_at(chars, after, UNITS.iter().copied()).map(|(_, n)| n);
        let prefixed = PREFIXES.iter().find(|p| {
            let before = chars[..i]
                .iter()
                .rposition(|&c| c != ' ')
                .map_or(0, |p| p + 1);
            ends_with_at(chars, before, p)
        });
        let next = chars.get(end).copied();
        let followed_by_non_money = next.is_some_and(|c| NOT_MONEY_AFTER.contains(&c));
        let after_money_verb = MONEY_VERBS.iter().any(|verb| {
            (i.saturating_sub(verb.chars().count() + 3)..i).any(|start| {
                matches_at(chars, start, verb) && (!verb.is_ascii() || word_starts_at(chars, start))
            })
        });
        let is_money = match (unit, prefixed) {
            (Some(_), _) | (None, Some(_)) => true,
            (None, None) if followed_by_non_money => false,
            (None, None) if !number.plain_digits => {
                number.value >= 100.0 && has_magnitude(&chars[i..end])
            }
            (None, None) => after_money_verb && number.value >= 10.0 && number.len <= 9,
        };
        if is_money && number.value > 0.0 {
            let span_start = prefixed.map_or(i, |p| {
                let before = chars[..i]
                    .iter()
                    .rposition(|&c| c != ' ')
                    .map_or(0, |p| p + 1);
                before - p.chars().count()
            });
            let span_end = unit.map_or(end, |n| after + n);
            found.push(Found::new(
                EntityKind::Amount,
                format_value(number.value),
                span_start,
                span_end,
            ));
            i = span_end;
        } else {
            i = end.max(i + 1);
        }
    }
    found
}

/// A number written with a magnitude (`两千`, `3.5万`, `5k`) and no counter after it is
/// money in a bank's conversation.
fn has_magnitude(number: &[char]) -> bool {
    number
        .iter()
        .any(|c| matches!(c, '百' | '千' | '万' | '亿' | 'k' | 'w'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amounts(text: &str) -> Vec<(String, String)> {
        let chars: Vec<char> = text.chars().collect();
        find(&chars)
            .into_iter()
            .map(|f| (f.value, chars[f.start..f.end].iter().collect()))
            .collect()
    }

    #[test]
    fn amounts_in_the_ways_customers_write_them() {
        assert_eq!(
            amounts("atm吞了我两千块"),
            vec![("2000".into(), "两千块".into())]
        );
        assert_eq!(
            amounts("买了3.5万的理财"),
            vec![("35000".into(), "3.5万".into())]
        );
        assert_eq!(amounts("五千元"), vec![("5000".into(), "五千元".into())]);
        assert_eq!(
            amounts("取了2000没出钞"),
            vec![("2000".into(), "2000".into())]
        );
        assert_eq!(amounts("it kept $200"), vec![("200".into(), "$200".into())]);
        assert_eq!(
            amounts("took 500 dollars"),
            vec![("500".into(), "500 dollars".into())]
        );
    }

    #[test]
    fn times_counts_and_bare_numbers_are_not_money() {
        assert!(amounts("昨天下午3点").is_empty());
        assert!(amounts("等了2个小时").is_empty());
        assert!(amounts("第一次").is_empty());
        assert!(amounts("我今年65岁").is_empty());
        assert!(amounts("快一点").is_empty());
    }
}
