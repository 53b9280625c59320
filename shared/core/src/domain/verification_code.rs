//! The verification code printed beside a document's number: whoever holds the paper types both
//! to check it online, so a number alone (numbers are sequential) tells nothing about anyone.

use super::DocumentNumber;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// Crockford's base 32: no I, L, O or U, so nothing is misread or mistyped.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Eight characters of five bits: 40 random bits.
const LENGTH: usize = 8;

/// Eight characters of Crockford's base 32, printed `XXXX-XXXX`; kept whole on the application
/// (to draw the same document again) and only as a hash in the registry.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VerificationCode(String);

impl VerificationCode {
    /// A new code, from the operating system's randomness.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 5];
        getrandom::fill(&mut bytes)?;
        let bits = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let code = (0..LENGTH)
            .rev()
            .map(|i| ALPHABET[((bits >> (5 * i)) & 31) as usize] as char)
            .collect();
        Ok(VerificationCode(code))
    }

    /// A code as a person types it: either case, with or without the dash or spaces, and the
    /// letters people mistake for digits read as those digits (O as 0, I and L as 1).
    pub fn parse(typed: &str) -> Option<Self> {
        let code: String = typed
            .chars()
            .filter(|c| !matches!(c, '-' | ' '))
            .map(|c| match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            })
            .collect();
        (code.len() == LENGTH && code.bytes().all(|b| ALPHABET.contains(&b)))
            .then_some(VerificationCode(code))
    }

    /// What the registry keeps: SHA-256 over the number and the code, hex. The number salts it,
    /// so one table of hashes does not serve for every document.
    pub fn hash(&self, number: &DocumentNumber) -> String {
        hex::encode(Sha256::digest(format!(
            "guichet/code/v1:{number}:{}",
            self.0
        )))
    }
}

impl fmt::Display for VerificationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", &self.0[..4], &self.0[4..])
    }
}

/// Like a password, a code is not for the logs.
impl fmt::Debug for VerificationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VerificationCode(…)")
    }
}

impl TryFrom<String> for VerificationCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        VerificationCode::parse(&s).ok_or_else(|| "not a verification code".to_owned())
    }
}

impl From<VerificationCode> for String {
    fn from(c: VerificationCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_forty_bits_typed_as_people_type_it() {
        let a = VerificationCode::generate().unwrap();
        let b = VerificationCode::generate().unwrap();
        assert_ne!(a, b);
        let shown = a.to_string();
        assert_eq!(shown.len(), 9);
        assert_eq!(&shown[4..5], "-");
        assert_eq!(VerificationCode::parse(&shown), Some(a.clone()));
        assert_eq!(
            VerificationCode::parse(&shown.to_lowercase().replace('-', " ")),
            Some(a.clone())
        );
        assert_eq!(
            VerificationCode::parse("7kq2-m9xo"),
            VerificationCode::parse("7KQ2M9X0")
        );
        assert_eq!(
            VerificationCode::parse("IL00-0000"),
            VerificationCode::parse("1100-0000")
        );
        for wrong in ["", "7KQ2-M9X", "7KQ2-M9XDD", "7KQ2-M9XU", "7KQ2_M9XD"] {
            assert_eq!(VerificationCode::parse(wrong), None, "{wrong}");
        }
        assert!(!format!("{a:?}").contains(&shown[..4]));
        let number = crate::domain::DocumentRef::example().number;
        assert_ne!(a.hash(&number), b.hash(&number));
        assert_eq!(a.hash(&number).len(), 64);
    }
}
