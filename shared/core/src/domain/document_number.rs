//! Document numbers people can read aloud and type: `CJ-2026-000123-7`.
//!
//! The last digit is a Damm check digit over the year and the sequence, seeded with the kind's
//! code. Damm's quasigroup catches every single-digit substitution and every swap of two
//! neighbouring digits; seeding with the kind means a prefix typed as another known prefix changes
//! the expected digit too (each row of the table is a permutation, so a different seed can never
//! reach the same result). A typo is thus caught before any lookup.

use super::DocumentKind;
use crate::messages::Msg;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

const DAMM: [[u8; 10]; 10] = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
    [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
    [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
    [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

/// The largest sequence a year can hold in six digits.
pub const MAX_SEQUENCE: u32 = 999_999;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DocumentNumber {
    kind: DocumentKind,
    year: u16,
    sequence: u32,
}

impl DocumentNumber {
    /// `None` when the year has run out of six-digit sequences or is not four digits.
    pub fn new(kind: DocumentKind, year: u16, sequence: u32) -> Option<Self> {
        ((1000..=9999).contains(&year) && (1..=MAX_SEQUENCE).contains(&sequence)).then_some(
            DocumentNumber {
                kind,
                year,
                sequence,
            },
        )
    }

    pub fn kind(&self) -> DocumentKind {
        self.kind
    }

    pub fn year(&self) -> u16 {
        self.year
    }

    pub fn sequence(&self) -> u32 {
        self.sequence
    }

    pub fn check_digit(&self) -> u8 {
        check_digit(self.kind, &format!("{:04}{:06}", self.year, self.sequence))
    }
}

fn check_digit(kind: DocumentKind, digits: &str) -> u8 {
    digits.bytes().fold(kind.code(), |interim, d| {
        DAMM[interim as usize][(d - b'0') as usize]
    })
}

impl FromStr for DocumentNumber {
    type Err = Msg;
    fn from_str(s: &str) -> Result<Self, Msg> {
        let invalid = || Msg::InvalidDocumentNumber;
        let s = s.trim().to_ascii_uppercase();
        let parts: Vec<&str> = s.split('-').collect();
        let [prefix, year, seq, check] = parts.as_slice() else {
            return Err(invalid());
        };
        let all_digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(year, 4) || !all_digits(seq, 6) || !all_digits(check, 1) {
            return Err(invalid());
        }
        let kind = DocumentKind::from_prefix(prefix).ok_or_else(invalid)?;
        let number = DocumentNumber::new(
            kind,
            year.parse().map_err(|_| invalid())?,
            seq.parse().map_err(|_| invalid())?,
        )
        .ok_or_else(invalid)?;
        if check.as_bytes()[0] - b'0' != number.check_digit() {
            return Err(invalid());
        }
        Ok(number)
    }
}

impl fmt::Display for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{:04}-{:06}-{}",
            self.kind.number_prefix(),
            self.year,
            self.sequence,
            self.check_digit()
        )
    }
}

impl TryFrom<String> for DocumentNumber {
    type Error = Msg;
    fn try_from(s: String) -> Result<Self, Msg> {
        s.parse()
    }
}

impl From<DocumentNumber> for String {
    fn from(n: DocumentNumber) -> Self {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn number(kind: DocumentKind, year: u16, seq: u32) -> String {
        DocumentNumber::new(kind, year, seq).unwrap().to_string()
    }

    #[test]
    fn formats_and_parses() {
        let n = DocumentNumber::new(DocumentKind::CriminalRecordExtract, 2026, 123).unwrap();
        let text = n.to_string();
        assert!(text.starts_with("CJ-2026-000123-"), "{text}");
        assert_eq!(text.parse::<DocumentNumber>().unwrap(), n);
        assert_eq!(text.to_lowercase().parse::<DocumentNumber>().unwrap(), n);
        assert!(DocumentNumber::new(DocumentKind::Visa, 2026, 0).is_none());
        assert!(DocumentNumber::new(DocumentKind::Visa, 2026, MAX_SEQUENCE + 1).is_none());
        for junk in [
            "",
            "CJ-2026-000123",
            "XX-2026-000123-1",
            "CJ-26-000123-1",
            "CJ-2026-123-1",
            "CJ-2026-00012a-1",
        ] {
            assert!(junk.parse::<DocumentNumber>().is_err(), "{junk}");
        }
    }

    proptest! {
        #[test]
        fn every_single_character_typo_is_caught(
            kind in proptest::sample::select(DocumentKind::ALL.to_vec()),
            year in 2000u16..2100, seq in 1u32..=MAX_SEQUENCE,
            pos in 0usize..16, replacement in proptest::char::range('-', 'Z'),
        ) {
            let good = number(kind, year, seq);
            let mut chars: Vec<char> = good.chars().collect();
            let pos = pos % chars.len();
            prop_assume!(chars[pos] != replacement);
            chars[pos] = replacement;
            let typo: String = chars.into_iter().collect();
            prop_assert!(typo.parse::<DocumentNumber>().is_err(), "{} -> {} accepted", good, typo);
        }

        #[test]
        fn every_swap_of_neighbours_is_caught(
            kind in proptest::sample::select(DocumentKind::ALL.to_vec()),
            year in 2000u16..2100, seq in 1u32..=MAX_SEQUENCE, pos in 0usize..15,
        ) {
            let good = number(kind, year, seq);
            let mut chars: Vec<char> = good.chars().collect();
            let pos = pos % (chars.len() - 1);
            prop_assume!(chars[pos] != chars[pos + 1]);
            chars.swap(pos, pos + 1);
            let swapped: String = chars.into_iter().collect();
            prop_assert!(swapped.parse::<DocumentNumber>().is_err(), "{} -> {} accepted", good, swapped);
        }
    }

    #[test]
    fn a_prefix_typed_as_another_known_prefix_is_caught() {
        for a in DocumentKind::ALL {
            for b in DocumentKind::ALL.into_iter().filter(|b| *b != a) {
                for seq in [1, 42, 123, 999_999] {
                    let good = number(a, 2026, seq);
                    let forged = format!("{}{}", b.number_prefix(), &good[2..]);
                    assert!(
                        forged.parse::<DocumentNumber>().is_err(),
                        "{good} -> {forged}"
                    );
                }
            }
        }
    }
}
