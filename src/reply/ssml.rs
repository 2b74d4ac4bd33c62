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

/// An SSML document speaking `paragraphs` in `lang`.
pub fn speak(paragraphs: &[String], lang: &str, slow: bool) -> String {
    let mut body = String::new();
    for paragraph in paragraphs.iter().filter(|p| !p.trim().is_empty()) {
        body.push_str("<p>");
        body.push_str(&escape(paragraph.trim()));
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
    fn text_is_escaped_inside_paragraphs() {
        let ssml = speak(&["a < b & c".to_string()], "en", false);
        assert_eq!(
            ssml,
            "<speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"en\"><p>a &lt; b &amp; c</p><break time=\"400ms\"/></speak>"
        );
    }
}
