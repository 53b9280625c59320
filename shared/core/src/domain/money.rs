//! Money: integer francs CFA. No floats anywhere near a fee.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Currency {
    #[serde(rename = "XOF")]
    Xof,
}

impl Currency {
    pub fn parse(s: &str) -> Option<Self> {
        (s == "XOF").then_some(Currency::Xof)
    }

    pub fn as_str(self) -> &'static str {
        "XOF"
    }
}

/// An amount in the currency's smallest unit (the franc CFA has no subunit in use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub amount: u64,
    pub currency: Currency,
}

impl Money {
    pub const fn xof(amount: u64) -> Self {
        Money {
            amount,
            currency: Currency::Xof,
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // French grouping with a narrow no-break space, as printed on receipts: 1 500 FCFA.
        let digits = self.amount.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push('\u{202F}');
            }
            grouped.push(c);
        }
        write!(f, "{grouped} FCFA")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_a_receipt() {
        assert_eq!(Money::xof(750).to_string(), "750 FCFA");
        assert_eq!(Money::xof(1500).to_string(), "1\u{202F}500 FCFA");
        assert_eq!(Currency::parse("EUR"), None);
    }
}
