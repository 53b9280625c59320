//! Reading requests: bounded, strictly typed JSON bodies, query strings, headers.

use crate::domain::FieldErrors;
use crate::error::Error;
use crate::messages::Msg;
use lambda_http::{Body, Request};
use serde::de::DeserializeOwned;

/// The largest JSON body any route accepts.
pub const JSON_LIMIT: usize = 64 * 1024;

pub fn body_bytes(req: &Request) -> &[u8] {
    match req.body() {
        Body::Empty => &[],
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    }
}

pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

pub fn content_type(req: &Request) -> Option<String> {
    header(req, "content-type").map(|ct| {
        ct.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    })
}

/// Parses a JSON body: 415 when it is not JSON, 413 over the limit, 400 when it does not parse,
/// 422 naming the field when a value has the wrong type or a field is unknown.
pub fn json_body<T: DeserializeOwned>(req: &Request, limit: usize) -> Result<T, Error> {
    let bytes = body_bytes(req);
    if bytes.len() > limit {
        return Err(Error::TooLarge { limit });
    }
    match content_type(req).as_deref() {
        Some("application/json") | None => {}
        Some(_) => return Err(Error::UnsupportedMediaType),
    }
    parse_json(bytes)
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
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
    let (field, message) = if serde_message.starts_with("unknown field") {
        (path.to_owned(), Msg::UnknownField)
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
        (path.to_owned(), Msg::WrongType { expected })
    } else {
        (path.to_owned(), Msg::WrongType { expected: "value" })
    };
    let mut errors = FieldErrors::default();
    errors.push(if field == "." { String::new() } else { field }, message);
    Error::Invalid(errors)
}

/// The request's `Idempotency-Key`, with the body it protects.
pub fn idempotency(req: &Request) -> Option<crate::usecases::idempotency::Idempotency<'_>> {
    header(req, "idempotency-key").map(|key| crate::usecases::idempotency::Idempotency {
        key,
        body: body_bytes(req),
    })
}

/// The first value of a query parameter, decoded.
pub fn query_param(req: &Request, name: &str) -> Option<String> {
    let query = req.uri().query()?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
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
