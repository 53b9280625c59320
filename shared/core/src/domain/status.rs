//! Where an application stands, and the only moves between standings the State allows.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    AwaitingPayment,
    /// `screening` was a status no code ever moved to; screening is a workflow step now, and a
    /// stored `screening` reads as `in_review` (docs/design.md).
    #[serde(alias = "screening")]
    InReview,
    /// The clerk proposed; a signatory of the office must sign.
    AwaitingSignature,
    NeedsInfo,
    Approved,
    Rejected,
    Issued,
    Expired,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::AwaitingPayment,
        Status::InReview,
        Status::AwaitingSignature,
        Status::NeedsInfo,
        Status::Approved,
        Status::Rejected,
        Status::Issued,
        Status::Expired,
        Status::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::AwaitingPayment => "awaiting_payment",
            Status::InReview => "in_review",
            Status::AwaitingSignature => "awaiting_signature",
            Status::NeedsInfo => "needs_info",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Issued => "issued",
            Status::Expired => "expired",
            Status::Cancelled => "cancelled",
        }
    }

    /// The table of legal moves. Everything not listed is refused.
    pub fn can_move_to(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (AwaitingPayment, InReview | NeedsInfo | Expired | Cancelled)
                | (
                    InReview,
                    Approved | Rejected | NeedsInfo | AwaitingSignature
                )
                | (AwaitingSignature, Approved | InReview)
                | (NeedsInfo, InReview | Cancelled | Expired)
                | (Approved, Issued)
        )
    }

    /// A workflow step is open: someone of the office has to act.
    pub fn is_under_review(self) -> bool {
        matches!(self, Status::InReview | Status::AwaitingSignature)
    }

    /// No move leaves these.
    pub fn is_final(self) -> bool {
        Status::ALL.iter().all(|to| !self.can_move_to(*to))
    }
}

impl FromStr for Status {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or(())
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_happy_path_is_legal_and_shortcuts_are_not() {
        use Status::*;
        for (a, b) in [
            (AwaitingPayment, InReview),
            (InReview, Approved),
            (InReview, AwaitingSignature),
            (AwaitingSignature, Approved),
            (AwaitingSignature, InReview),
            (Approved, Issued),
        ] {
            assert!(a.can_move_to(b), "{a} -> {b}");
        }
        for (a, b) in [
            (AwaitingPayment, Approved),
            (AwaitingPayment, Issued),
            (InReview, Issued),
            (Issued, Approved),
            (Rejected, InReview),
            (AwaitingPayment, AwaitingSignature),
            (AwaitingSignature, Issued),
            (AwaitingSignature, Rejected),
        ] {
            assert!(!a.can_move_to(b), "{a} -> {b}");
        }
        for s in [Issued, Rejected, Expired, Cancelled] {
            assert!(s.is_final(), "{s}");
        }
        assert!(!Approved.is_final());
        let stored: Status = serde_json::from_str("\"screening\"").unwrap();
        assert_eq!(stored, InReview);
    }
}
