//! Speech for IVR platforms: SSML 1.0 that TTS engines accept. Each paragraph of the
//! reply becomes a paragraph of speech with a pause after it; elderly callers hear it
//! slower.

/// The SSML namespace.
const SSML_NS: &str = "http://www.w3.org/2001/10/synthesis";
/// The pause between paragraphs.
const PARAGRAPH_BREAK: &str = "400ms";

/// Escapes text for XML content.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Long numbers (hotlines, card tails) are read digit by digit: "四零零", not "四百".
const DIGITS_FROM: usize = 5;

/// Escapes `text`, wrapping each run of digits and dashes with at least [`DIGITS_FROM`]
/// digits in `<say-as interpret-as="digits">`. Amounts (`2000`) stay numbers.
fn with_digits_spoken(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    while at < chars.len() {
        if chars[at].is_ascii_digit() {
            let end = (at..chars.len())
                .find(|&i| {
                    !(chars[i].is_ascii_digit()
                        || (chars[i] == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
                })
                .unwrap_or(chars.len());
            let run: String = chars[at..end].iter().collect();
            if run.chars().filter(char::is_ascii_digit).count() >= DIGITS_FROM {
                out.push_str("<say-as interpret-as=\"digits\">");
                out.push_str(&run);
                out.push_str("</say-as>");
            } else {
                out.push_str(&run);
            }
            at = end;
        } else {
            out.push_str(&escape(&chars[at].to_string()));
            at += 1;
        }
    }
    out
}

/// A date the reply promises, as written in its text (`12月1日`, `1 December`), and the
/// order of its fields for the TTS engine (`md`, `dm`).
#[derive(Clone, Debug, PartialEq)]
pub struct SpokenDate {
    pub text: String,
    pub format: &'static str,
}

/// Wraps each occurrence of `dates` in `<say-as interpret-as="date">`, so that "12月1日"
/// is read as a date and not as two numbers; the rest goes through [`with_digits_spoken`].
fn with_dates_spoken(text: &str, dates: &[SpokenDate]) -> String {
    let first = dates
        .iter()
        .filter(|d| !d.text.is_empty())
        .filter_map(|d| text.find(&d.text).map(|at| (at, d)))
        .min_by_key(|(at, _)| *at);
    match first {
        None => with_digits_spoken(text),
        Some((at, date)) => {
            let end = at + date.text.len();
            format!(
                "{}<say-as interpret-as=\"date\" format=\"{}\">{}</say-as>{}",
                with_digits_spoken(&text[..at]),
                date.format,
                escape(&date.text),
                with_dates_spoken(&text[end..], dates)
            )
        }
    }
}

/// An SSML document speaking `paragraphs` in `lang`; `dates` are read as dates.
pub fn speak(paragraphs: &[String], lang: &str, slow: bool, dates: &[SpokenDate]) -> String {
    let mut body = String::new();
    for paragraph in paragraphs.iter().filter(|p| !p.trim().is_empty()) {
        body.push_str("<p>");
        body.push_str(&with_dates_spoken(paragraph.trim(), dates));
        body.push_str("</p><break time=\"");
        body.push_str(PARAGRAPH_BREAK);
        body.push_str("\"/>");
    }
    if slow {
        body = format!("<prosody rate=\"slow\">{body}</prosody>");
    }
    format!("<speak version=\"1.0\" xmlns=\"{SSML_NS}\" xml:lang=\"{lang}\">{body}</speak>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hotline_numbers_are_read_digit_by_digit_and_amounts_as_numbers() {
        assert_eq!(
            with_digits_spoken("请拨打 400-000-9555,金额 2000 元"),
            "请拨打 <say-as interpret-as=\"digits\">400-000-9555</say-as>,金额 2000 元"
        );
    }

    #[test]
    fn promised_dates_are_read_as_dates() {
        let date = SpokenDate {
            text: "12月1日".into(),
            format: "md",
        };
        assert_eq!(
            with_dates_spoken("请在 12月1日 前拨打 95555", &[date]),
            "请在 <say-as interpret-as=\"date\" format=\"md\">12月1日</say-as> 前拨打 <say-as interpret-as=\"digits\">95555</say-as>"
        );
    }

    #[test]
    fn text_is_escaped_inside_paragraphs() {
        let ssml = speak(&["a < b & c".to_string()], "en", false, &[]);
        assert_eq!(
            ssml,
            "<speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"en\"><p>a &lt; b &amp; c</p><break time=\"400ms\"/></speak>"
        );
    }
}
