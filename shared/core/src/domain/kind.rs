//! The names a kind of document goes by: its name in the contract (`criminal_record_extract`),
//! the two letters that open its numbers (`CJ`), and the small code its seals carry. What a kind
//! *is* (its details, workflow, template) is `crate::kinds`'; these are only its names, so that
//! applications, numbers and seals can carry them without knowing every kind.

use crate::messages::Msg;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The longest kind name: 40 ASCII characters (`snake_case`).
pub const KIND_NAME_MAX: usize = 40;

/// A kind's name as the contract spells it. Kept inline (no allocation, `Copy`) because every
/// application, event and document carries one; only its syntax is checked here, whether such a
/// kind exists is the registry's (`crate::kinds::Kinds`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentKind {
    len: u8,
    bytes: [u8; KIND_NAME_MAX],
}

impl DocumentKind {
    pub const CRIMINAL_RECORD_EXTRACT: DocumentKind =
        DocumentKind::known("criminal_record_extract");
    pub const NATIONALITY_CERTIFICATE: DocumentKind =
        DocumentKind::known("nationality_certificate");
    pub const VISA: DocumentKind = DocumentKind::known("visa");

    /// A name fixed in the code; a malformed one fails the build.
    const fn known(name: &str) -> DocumentKind {
        let b = name.as_bytes();
        assert!(!b.is_empty() && b.len() <= KIND_NAME_MAX);
        let mut bytes = [0u8; KIND_NAME_MAX];
        let mut i = 0;
        while i < b.len() {
            assert!(b[i].is_ascii_lowercase() || b[i].is_ascii_digit() || b[i] == b'_');
            bytes[i] = b[i];
            i += 1;
        }
        DocumentKind {
            len: b.len() as u8,
            bytes,
        }
    }

    /// `snake_case`: a lower-case letter, then lower-case letters, digits and `_`, at most 40.
    pub fn parse(name: &str) -> Result<DocumentKind, Msg> {
        let b = name.as_bytes();
        let well_formed = (3..=KIND_NAME_MAX).contains(&b.len())
            && b[0].is_ascii_lowercase()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_');
        if !well_formed {
            return Err(Msg::UnknownKind {
                offered: String::new(),
            });
        }
        let mut bytes = [0u8; KIND_NAME_MAX];
        bytes[..b.len()].copy_from_slice(b);
        Ok(DocumentKind {
            len: b.len() as u8,
            bytes,
        })
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored (`parse`, `known`).
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl FromStr for DocumentKind {
    type Err = Msg;
    fn from_str(s: &str) -> Result<Self, Msg> {
        DocumentKind::parse(s)
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentKind({})", self.as_str())
    }
}

impl Serialize for DocumentKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DocumentKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DocumentKind::parse(&s).map_err(|_| serde::de::Error::custom(format!("not a kind: {s}")))
    }
}

/// The two capital letters that open a kind's document numbers (`CJ-2026-000123-7`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NumberPrefix([u8; 2]);

impl NumberPrefix {
    pub const fn known(p: &str) -> NumberPrefix {
        let b = p.as_bytes();
        assert!(b.len() == 2 && b[0].is_ascii_uppercase() && b[1].is_ascii_uppercase());
        NumberPrefix([b[0], b[1]])
    }

    pub fn parse(p: &str) -> Option<NumberPrefix> {
        match p.as_bytes() {
            [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => {
                Some(NumberPrefix([*a, *b]))
            }
            _ => None,
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    pub(crate) fn letters(&self) -> [u8; 2] {
        self.0
    }
}

impl fmt::Display for NumberPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for NumberPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NumberPrefix({})", self.as_str())
    }
}

impl Serialize for NumberPrefix {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for NumberPrefix {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        NumberPrefix::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("not two capital letters: {s}")))
    }
}

/// The number a seal carries for its kind (CBOR key 2). Never renumbered: printed documents
/// carry these. 1–7 were given before kinds were types (extract 1, certificate 2, the
/// civil-status copies 3–5, consular card 6, visa 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct KindCode(pub u16);

impl fmt::Display for KindCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_by_syntax_and_round_trip() {
        let k: DocumentKind = "criminal_record_extract".parse().unwrap();
        assert_eq!(k, DocumentKind::CRIMINAL_RECORD_EXTRACT);
        assert_eq!(k.to_string(), "criminal_record_extract");
        assert_eq!(
            serde_json::to_string(&k).unwrap(),
            "\"criminal_record_extract\""
        );
        let back: DocumentKind = serde_json::from_str("\"tank_truck_gauging\"").unwrap();
        assert_eq!(back.as_str(), "tank_truck_gauging");
        for bad in ["", "Visa", "1visa", "vi-sa", "v", &"x".repeat(41), "visa é"] {
            assert_eq!(
                bad.parse::<DocumentKind>(),
                Err(Msg::UnknownKind {
                    offered: String::new()
                }),
                "{bad}"
            );
        }
        assert_eq!(NumberPrefix::parse("CJ"), Some(NumberPrefix::known("CJ")));
        for bad in ["C", "cj", "CJX", "C1"] {
            assert_eq!(NumberPrefix::parse(bad), None, "{bad}");
        }
    }
}
