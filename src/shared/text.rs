//! Free text as people type it: the one rule for length limits and control characters, used by every
//! parser that accepts a name, a note, a search or any other text field.
//!
//! A single line (names, titles, searches) refuses every control character; a block (notes,
//! descriptions, messages) allows line breaks and tabs. Both are trimmed and counted in characters,
//! as Postgres counts `varchar(n)`.

use super::errors::FieldError;

/// The longest search or filter text the lists accept.
pub const SEARCH_MAX_CHARS: usize = 200;

/// Why a text was refused, before a field name is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    Empty,
    TooLong(usize),
    ControlCharacter,
}

impl TextError {
    pub fn message(self) -> String {
        match self {
            Self::Empty => "This field is required".to_owned(),
            Self::TooLong(max) => format!("At most {max} characters"),
            Self::ControlCharacter => "Must not contain control characters".to_owned(),
        }
    }

    pub fn at(self, field: &str) -> FieldError {
        FieldError::new(field, self.message())
    }
}

/// True for characters no text field stores: C0 and C1 controls, DEL, and the Unicode line and
/// paragraph separators (which break single-line displays and logs).
fn is_forbidden(c: char, allow_breaks: bool) -> bool {
    if allow_breaks && matches!(c, '\n' | '\r' | '\t') {
        return false;
    }
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

fn check(raw: &str, max: usize, allow_breaks: bool) -> Result<&str, TextError> {
    let text = raw.trim();
    if text.chars().any(|c| is_forbidden(c, allow_breaks)) {
        return Err(TextError::ControlCharacter);
    }
    if text.chars().count() > max {
        return Err(TextError::TooLong(max));
    }
    Ok(text)
}

/// A required single line: trimmed, 1 to `max` characters, no control characters.
pub fn line(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    match check(raw, max, false) {
        Ok("") => Err(TextError::Empty.at(field)),
        Ok(t) => Ok(t.to_owned()),
        Err(e) => Err(e.at(field)),
    }
}

/// An optional single line: blank is `None`.
pub fn optional_line(field: &str, raw: &str, max: usize) -> Result<Option<String>, FieldError> {
    check(raw, max, false)
        .map(|t| (!t.is_empty()).then(|| t.to_owned()))
        .map_err(|e| e.at(field))
}

/// An optional block of text (line breaks and tabs allowed): blank is `None`.
pub fn optional_block(field: &str, raw: &str, max: usize) -> Result<Option<String>, FieldError> {
    check(raw, max, true)
        .map(|t| (!t.is_empty()).then(|| t.to_owned()))
        .map_err(|e| e.at(field))
}

/// A required block of text.
pub fn block(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    match check(raw, max, true) {
        Ok("") => Err(TextError::Empty.at(field)),
        Ok(t) => Ok(t.to_owned()),
        Err(e) => Err(e.at(field)),
    }
}

/// A search or filter box: optional, at most [`SEARCH_MAX_CHARS`].
pub fn search(field: &str, raw: Option<&str>) -> Result<Option<String>, FieldError> {
    match raw {
        None => Ok(None),
        Some(raw) => optional_line(field, raw, SEARCH_MAX_CHARS),
    }
}

/// The first control character anywhere in `raw` (line breaks included), for the edge guard that
/// keeps such bytes out of every query string and body.
pub fn has_control(raw: &str, allow_breaks: bool) -> bool {
    raw.chars().any(|c| is_forbidden(c, allow_breaks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_trimmed_counted_in_characters_and_refuse_controls() {
        assert_eq!(line("name", "  Ann  ", 10).unwrap(), "Ann");
        assert_eq!(line("name", "ééééé", 5).unwrap(), "ééééé");
        assert_eq!(
            line("name", "éééééé", 5).unwrap_err().message,
            "At most 5 characters"
        );
        assert_eq!(line("name", "  ", 5).unwrap_err().field, "name");
        for bad in ["a\u{0}b", "a\nb", "a\tb", "a\u{7f}b", "a\u{85}b", "a\u{2028}b"] {
            assert_eq!(
                line("name", bad, 50).unwrap_err().message,
                "Must not contain control characters",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn blocks_keep_line_breaks_but_not_other_controls() {
        assert_eq!(
            optional_block("notes", " one\ntwo\r\n\tthree ", 50)
                .unwrap()
                .as_deref(),
            Some("one\ntwo\r\n\tthree")
        );
        assert!(optional_block("notes", "a\u{0}", 50).is_err());
        assert!(optional_block("notes", "a\u{1b}[31m", 50).is_err());
        assert_eq!(optional_block("notes", "   ", 50).unwrap(), None);
    }

    #[test]
    fn searches_are_optional_and_bounded() {
        assert_eq!(search("search", None).unwrap(), None);
        assert_eq!(search("search", Some(" x ")).unwrap().as_deref(), Some("x"));
        assert!(search("search", Some(&"x".repeat(SEARCH_MAX_CHARS + 1))).is_err());
        assert!(search("search", Some("\u{0}")).is_err());
    }
}
