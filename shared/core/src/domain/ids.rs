//! Identifiers: each a type of its own so an office code is never passed where a subject is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An application's id: a ULID, sortable by creation time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ApplicationId(ulid::Ulid);

impl ApplicationId {
    pub fn new(ulid: ulid::Ulid) -> Self {
        Self(ulid)
    }
}

impl FromStr for ApplicationId {
    type Err = ulid::DecodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ulid::Ulid::from_string(s).map(Self)
    }
}

impl TryFrom<String> for ApplicationId {
    type Error = ulid::DecodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<ApplicationId> for String {
    fn from(id: ApplicationId) -> Self {
        id.to_string()
    }
}

impl fmt::Display for ApplicationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

macro_rules! token_id {
    ($(#[$doc:meta])* $name:ident, $max:expr, $allowed:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, InvalidId> {
                let ok = !s.is_empty() && s.len() <= $max && s.chars().all($allowed);
                if ok { Ok(Self(s.to_owned())) } else { Err(InvalidId(stringify!($name))) }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> Self {
                v.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// A value that is not a well-formed identifier of the named type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {0}")]
pub struct InvalidId(pub &'static str);

fn subject_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | ':' | '|')
}

fn code_char(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'
}

token_id!(
    /// Who a token speaks for (`sub`): the owner of applications.
    Subject, 128, subject_char
);
token_id!(
    /// An office of the State: a court registry, a consulate, a civil-status centre (`TGI-BKO-C3`).
    OfficeCode, 32, code_char
);
token_id!(
    /// What the applicant quotes to the payment provider (`GCH-7K3M9QF2XD`).
    PaymentReference, 32, code_char
);

impl PaymentReference {
    /// A fresh, unguessable reference: 50 random bits in Crockford base32.
    pub fn generate() -> Self {
        let ulid = ulid::Ulid::new().to_string();
        // The last 10 characters of a ULID are random bits, not the timestamp.
        Self(format!("GCH-{}", &ulid[16..]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_refuse_junk() {
        let id = ApplicationId::new(ulid::Ulid::new());
        assert_eq!(id.to_string().parse::<ApplicationId>().unwrap(), id);
        assert!("not-a-ulid".parse::<ApplicationId>().is_err());
        assert!(OfficeCode::parse("TGI-BKO-C3").is_ok());
        assert!(OfficeCode::parse("tgi bko").is_err());
        assert!(Subject::parse("").is_err());
        let r = PaymentReference::generate();
        assert!(PaymentReference::parse(r.as_str()).is_ok());
        assert_ne!(r, PaymentReference::generate());
    }
}
