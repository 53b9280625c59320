//! Small helpers for parsing text fields: collected errors and bounded, cleaned strings.

use super::FieldError;
use crate::messages::Msg;

/// Every field error of one request, so a citizen fixes the whole form in one round trip.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn push(&mut self, field: impl Into<String>, message: Msg) {
        self.0.push(FieldError {
            field: field.into(),
            message,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keeps the value when it parsed, records the error under `field` when it did not.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, Msg>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(m) => {
                self.push(field, m);
                None
            }
        }
    }

    /// A required field: absent is an error of its own.
    pub fn required<T>(&mut self, field: &str, value: Option<Result<T, Msg>>) -> Option<T> {
        match value {
            None => {
                self.push(field, Msg::Required);
                None
            }
            Some(parsed) => self.check(field, parsed),
        }
    }

    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

/// A time as the contract writes it: RFC 3339, UTC.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Trims, collapses inner runs of whitespace, and bounds the length in characters.
pub fn clean(raw: &str, max: usize) -> Result<String, Msg> {
    let cleaned = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.is_empty() {
        return Err(Msg::NotEmpty);
    }
    if cleaned.chars().count() > max {
        return Err(Msg::TooLong { max });
    }
    if cleaned.chars().any(char::is_control) {
        return Err(Msg::WrongType { expected: "string" });
    }
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_collapses_whitespace_and_bounds_length() {
        assert_eq!(clean("  Awa   Traoré ", 20).unwrap(), "Awa Traoré");
        assert_eq!(clean("   ", 20), Err(Msg::NotEmpty));
        assert_eq!(clean("abcdef", 5), Err(Msg::TooLong { max: 5 }));
        assert_eq!(clean("é".repeat(5).as_str(), 5).unwrap().chars().count(), 5);
    }
}
