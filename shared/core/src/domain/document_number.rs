//! Document numbers people can read aloud and type: `CJ-2026-000123-1`.
//!
//! The last digit is a Damm check digit over the year and the sequence, seeded by the prefix
//! (`seed`). Damm's quasigroup catches every single-digit substitution and every swap of two
//! neighbouring digits; seeding by the prefix means a prefix typed as another prefix of a
//! different seed changes the expected digit too (each column of the table is a permutation, so
//! a different seed never reaches the same result). Ten seeds cannot tell a hundred kinds apart,
//! so the registry (`crate::kinds`) refuses two kinds whose prefixes share a seed and are one
//! letter or one swap apart: a typo in a known prefix is thus caught before any lookup, for any
//! number of kinds. Whether a well-formed prefix names a kind is the registry's to say.

use super::NumberPrefix;
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
    prefix: NumberPrefix,
    year: u16,
    sequence: u32,
}

impl DocumentNumber {
    /// `None` when the year has run out of six-digit sequences or is not four digits.
    pub fn new(prefix: NumberPrefix, year: u16, sequence: u32) -> Option<Self> {
        ((1000..=9999).contains(&year) && (1..=MAX_SEQUENCE).contains(&sequence)).then_some(
            DocumentNumber {
                prefix,
                year,
                sequence,
            },
        )
    }

    pub fn prefix(&self) -> NumberPrefix {
        self.prefix
    }

    pub fn year(&self) -> u16 {
        self.year
    }

    pub fn sequence(&self) -> u32 {
        self.sequence
    }

    pub fn check_digit(&self) -> u8 {
        check_digit(
            seed(self.prefix),
            &format!("{:04}{:06}", self.year, self.sequence),
        )
    }
}

/// The prefixes numbered before this scheme, each with the seed it had then (the kind's code):
/// every number already printed keeps its check digit.
const FIRST_PREFIXES: [(&str, u8); 7] = [
    ("CJ", 1),
    ("CN", 2),
    ("AN", 3),
    ("AM", 4),
    ("AD", 5),
    ("CC", 6),
    ("VS", 7),
];

/// Where the check digit starts from: the first prefixes' own, and for every other prefix its two
/// letters read as a base-26 number, modulo 10.
pub fn seed(prefix: NumberPrefix) -> u8 {
    if let Some((_, s)) = FIRST_PREFIXES.iter().find(|(p, _)| *p == prefix.as_str()) {
        return *s;
    }
    let [a, b] = prefix.letters();
    ((u16::from(a - b'A') * 26 + u16::from(b - b'A')) % 10) as u8
}

fn check_digit(seed: u8, digits: &str) -> u8 {
    digits.bytes().fold(seed, |interim, d| {
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
        let prefix = NumberPrefix::parse(prefix).ok_or_else(invalid)?;
        let number = DocumentNumber::new(
            prefix,
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
            self.prefix,
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

    const CJ: NumberPrefix = NumberPrefix::known("CJ");

    fn number(prefix: NumberPrefix, year: u16, seq: u32) -> String {
        DocumentNumber::new(prefix, year, seq).unwrap().to_string()
    }

    fn prefixes() -> impl Strategy<Value = NumberPrefix> {
        (b'A'..=b'Z', b'A'..=b'Z').prop_map(|(a, b)| {
            NumberPrefix::parse(&String::from_utf8(vec![a, b]).unwrap()).unwrap()
        })
    }

    #[test]
    fn formats_and_parses() {
        let n = DocumentNumber::new(CJ, 2026, 123).unwrap();
        let text = n.to_string();
        assert!(text.starts_with("CJ-2026-000123-"), "{text}");
        assert_eq!(text.parse::<DocumentNumber>().unwrap(), n);
        assert_eq!(text.to_lowercase().parse::<DocumentNumber>().unwrap(), n);
        assert!(DocumentNumber::new(CJ, 2026, 0).is_none());
        assert!(DocumentNumber::new(CJ, 2026, MAX_SEQUENCE + 1).is_none());
        for junk in [
            "",
            "CJ-2026-000123",
            "C-2026-000123-1",
            "C1-2026-000123-1",
            "CJ-26-000123-1",
            "CJ-2026-123-1",
            "CJ-2026-00012a-1",
        ] {
            assert!(junk.parse::<DocumentNumber>().is_err(), "{junk}");
        }
    }

    /// Numbers printed before prefixes had their own seeds keep their check digits: the seal
    /// vector's, and one per first prefix, as the old scheme (seeded with the kind's code) made them.
    #[test]
    fn numbers_printed_before_still_parse() {
        assert_eq!(
            DocumentNumber::new(CJ, 2026, 123).unwrap().to_string(),
            "CJ-2026-000123-1"
        );
        for (prefix, code) in FIRST_PREFIXES {
            let n = DocumentNumber::new(NumberPrefix::known(prefix), 2026, 4242).unwrap();
            let old = check_digit(code, "2026004242");
            assert_eq!(n.to_string(), format!("{prefix}-2026-004242-{old}"));
        }
    }

    proptest! {
        #[test]
        fn every_single_digit_typo_is_caught(
            prefix in prefixes(), year in 2000u16..2100, seq in 1u32..=MAX_SEQUENCE,
            pos in 3usize..16, replacement in proptest::char::range('-', '9'),
        ) {
            let good = number(prefix, year, seq);
            let mut chars: Vec<char> = good.chars().collect();
            let pos = pos % chars.len();
            prop_assume!(pos >= 3 && chars[pos] != replacement);
            chars[pos] = replacement;
            let typo: String = chars.into_iter().collect();
            prop_assert!(typo.parse::<DocumentNumber>().is_err(), "{} -> {} accepted", good, typo);
        }

        #[test]
        fn every_swap_of_neighbouring_digits_is_caught(
            prefix in prefixes(), year in 2000u16..2100, seq in 1u32..=MAX_SEQUENCE, pos in 2usize..15,
        ) {
            let good = number(prefix, year, seq);
            let mut chars: Vec<char> = good.chars().collect();
            let pos = pos % (chars.len() - 1);
            prop_assume!(pos >= 2 && chars[pos] != chars[pos + 1]);
            chars.swap(pos, pos + 1);
            let swapped: String = chars.into_iter().collect();
            prop_assert!(swapped.parse::<DocumentNumber>().is_err(), "{} -> {} accepted", good, swapped);
        }

        #[test]
        fn a_prefix_of_another_seed_changes_the_check_digit(
            a in prefixes(), b in prefixes(), seq in 1u32..=MAX_SEQUENCE,
        ) {
            prop_assume!(seed(a) != seed(b));
            let good = number(a, 2026, seq);
            let forged = format!("{b}{}", &good[2..]);
            prop_assert!(forged.parse::<DocumentNumber>().is_err(), "{} -> {}", good, forged);
        }
    }
}
