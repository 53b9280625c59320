//! Reading JSON bodies strictly: a syntax error is malformed; a value of the wrong type, a
//! missing or an unknown field is an error naming the field, in the messages' words.

use crate::domain::FieldErrors;
use crate::error::Error;
use crate::messages::Msg;
use serde::de::DeserializeOwned;

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    // Every body is an object: an array would be read as a struct's fields in order, and its
    // error would name an element instead of saying what is wrong.
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{')
        && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
    {
        let mut errors = FieldErrors::default();
        errors.push("body", Msg::BodyNotAnObject);
        return Err(Error::Invalid(errors));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => field_error(&path, &inner.to_string()),
            _ => Error::Malformed(format!("line {}, column {}", inner.line(), inner.column())),
        }
    })?;
    Ok(value)
}

/// A part of a body kept as JSON until the kind it belongs to reads it (an application's
/// `details`, a decision's `content`): the same strict reading, its fields named under `at`.
pub fn parse_value_at<T: DeserializeOwned>(
    value: &serde_json::Value,
    at: &str,
    errors: &mut FieldErrors,
) -> Option<T> {
    match serde_path_to_error::deserialize(value.clone()) {
        Ok(v) => Some(v),
        Err(e) => {
            let path = e.path().to_string();
            let full = if path == "." || path.is_empty() {
                at.to_owned()
            } else {
                format!("{at}.{path}")
            };
            if let Error::Invalid(found) = field_error(&full, &e.into_inner().to_string()) {
                errors.0.extend(found.0);
            }
            None
        }
    }
}

/// Turns serde's words into a field path and one of our messages.
fn field_error(path: &str, serde_message: &str) -> Error {
    let join = |name: &str| {
        if path == "." || path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let quoted = serde_message.split('`').nth(1).unwrap_or("");
    // serde_path_to_error's path already ends with an unknown field's name, but stops at the
    // parent of a missing one.
    let root = path == "." || path.is_empty();
    let (field, message) = if serde_message.starts_with("unknown field") {
        (path.to_owned(), Msg::UnknownField)
    } else if serde_message.starts_with("duplicate field") {
        (join(quoted), Msg::DuplicateField)
    } else if serde_message.starts_with("missing field") {
        (join(quoted), Msg::Required)
    } else if serde_message.starts_with("invalid type")
        || serde_message.starts_with("invalid value")
    {
        let expected = serde_message.rsplit("expected ").next().unwrap_or("");
        let expected = match expected {
            e if e.contains("string") => "string",
            e if e.contains("sequence") => "array",
            e if e.contains("map") || e.contains("struct") => "object",
            e if e.contains("integer") => "integer",
            _ => "value",
        };
        if root && expected == "object" {
            ("body".to_owned(), Msg::BodyNotAnObject)
        } else {
            (path.to_owned(), Msg::WrongType { expected })
        }
    } else {
        (path.to_owned(), Msg::WrongType { expected: "value" })
    };
    let mut errors = FieldErrors::default();
    errors.push(
        if field == "." {
            "body".to_owned()
        } else {
            field
        },
        message,
    );
    Error::Invalid(errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        name: Option<String>,
    }

    fn field_of(e: Error) -> (String, Msg) {
        match e {
            Error::Invalid(errors) => (errors.0[0].field.clone(), errors.0[0].message.clone()),
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn a_body_that_is_no_object_or_repeats_a_key_says_so() {
        let (field, msg) = field_of(parse_json::<Outer>(b"[1, 2]").unwrap_err());
        assert_eq!((field.as_str(), msg), ("body", Msg::BodyNotAnObject));
        let (field, msg) =
            field_of(parse_json::<Outer>(br#"{"inner": {"name": "a", "name": "b"}}"#).unwrap_err());
        assert_eq!((field.as_str(), msg), ("inner.name", Msg::DuplicateField));
    }

    #[test]
    fn syntax_errors_are_malformed_and_data_errors_name_the_field() {
        assert!(matches!(
            parse_json::<Outer>(b"{\"inner\": "),
            Err(Error::Malformed(_))
        ));
        assert!(matches!(
            parse_json::<Outer>(b"not json"),
            Err(Error::Malformed(_))
        ));
        assert_eq!(
            field_of(parse_json::<Outer>(br#"{"inner": {"name": 3}}"#).unwrap_err()),
            ("inner.name".into(), Msg::WrongType { expected: "string" })
        );
        assert_eq!(
            field_of(parse_json::<Outer>(br#"{"inner": {"nom": "x"}}"#).unwrap_err()),
            ("inner.nom".into(), Msg::UnknownField)
        );
        assert_eq!(
            field_of(parse_json::<Outer>(br#"{"extra": 1}"#).unwrap_err()),
            ("extra".into(), Msg::UnknownField)
        );
    }
}
