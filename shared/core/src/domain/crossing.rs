//! A traveller crossing a border on a visa: recorded by a border officer at a post, kept on the
//! visa's application (so two posts recording at once are settled by the application's
//! version), and audited like every change.

use super::{Actor, OfficeCode};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Entry,
    Exit,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Entry => "entry",
            Direction::Exit => "exit",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Crossing {
    pub direction: Direction,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The border post (`PAF-BKO-AIRPORT`).
    pub post: OfficeCode,
    pub by: Actor,
    /// What the post should know and let pass: `exit_without_entry`, `overstay`,
    /// `entry_without_exit`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
    /// The request that recorded it, when it came with an `Idempotency-Key` (a digest of who
    /// sent which key): a replay answers with this crossing, not whichever came last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
}

/// Why an entry is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrossingRefusal {
    /// A single-entry visa used already: when and where.
    SecondEntry {
        on: Date,
        post: OfficeCode,
    },
    NotYetValid {
        from: Date,
    },
    Expired {
        on: Date,
    },
    Revoked,
    /// The passport shown is not the one the visa was issued on.
    WrongPassport,
}

impl CrossingRefusal {
    pub fn reason(&self) -> &'static str {
        match self {
            CrossingRefusal::SecondEntry { .. } => "second_entry",
            CrossingRefusal::NotYetValid { .. } => "not_yet_valid",
            CrossingRefusal::Expired { .. } => "expired",
            CrossingRefusal::Revoked => "revoked",
            CrossingRefusal::WrongPassport => "wrong_passport",
        }
    }
}

/// The visa's terms as a border post reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisaTerms {
    pub multiple_entries: bool,
    pub valid_from: Date,
    pub valid_until: Date,
    pub stay_days: i64,
    pub revoked: bool,
}

/// Days spent inside by `crossings` up to `today`, both ends of each stay counted; a stay still
/// open counts to today.
pub fn days_inside(crossings: &[Crossing], today: Date) -> i64 {
    let mut total = 0;
    let mut entered: Option<Date> = None;
    for c in crossings {
        match (c.direction, entered) {
            (Direction::Entry, None) => entered = Some(c.at.date()),
            (Direction::Exit, Some(from)) => {
                total += (c.at.date() - from).whole_days() + 1;
                entered = None;
            }
            _ => {}
        }
    }
    if let Some(from) = entered {
        total += (today - from).whole_days() + 1;
    }
    total
}

/// Whether the traveller is inside, by the last crossing recorded.
pub fn inside(crossings: &[Crossing]) -> bool {
    crossings
        .last()
        .is_some_and(|c| c.direction == Direction::Entry)
}

/// The one rule of a crossing: an entry is refused when the visa does not allow it (shown with
/// another passport, revoked, not yet or no longer valid, a single entry used); an exit is never
/// refused, only flagged (`wrong_passport` among them).
pub fn check(
    terms: &VisaTerms,
    past: &[Crossing],
    direction: Direction,
    today: Date,
    passport_matches: bool,
) -> Result<Vec<String>, CrossingRefusal> {
    let mut flags = Vec::new();
    match direction {
        Direction::Entry => {
            if !passport_matches {
                return Err(CrossingRefusal::WrongPassport);
            }
            if terms.revoked {
                return Err(CrossingRefusal::Revoked);
            }
            if today < terms.valid_from {
                return Err(CrossingRefusal::NotYetValid {
                    from: terms.valid_from,
                });
            }
            if today > terms.valid_until {
                return Err(CrossingRefusal::Expired {
                    on: terms.valid_until,
                });
            }
            if !terms.multiple_entries
                && let Some(first) = past.iter().find(|c| c.direction == Direction::Entry)
            {
                return Err(CrossingRefusal::SecondEntry {
                    on: first.at.date(),
                    post: first.post.clone(),
                });
            }
            if inside(past) {
                flags.push("entry_without_exit".into());
            }
        }
        Direction::Exit => {
            if !passport_matches {
                flags.push("wrong_passport".into());
            }
            if !inside(past) {
                flags.push("exit_without_entry".into());
            }
            if today > terms.valid_until || days_inside(past, today) > terms.stay_days {
                flags.push("overstay".into());
            }
        }
    }
    Ok(flags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn crossing(direction: Direction, at: OffsetDateTime) -> Crossing {
        Crossing {
            direction,
            at,
            post: OfficeCode::parse("PAF-BKO-AIRPORT").unwrap(),
            by: Actor::system("test"),
            flags: Vec::new(),
            request: None,
        }
    }

    fn terms(multiple: bool) -> VisaTerms {
        VisaTerms {
            multiple_entries: multiple,
            valid_from: date!(2027 - 01 - 10),
            valid_until: date!(2027 - 02 - 04),
            stay_days: 11,
            revoked: false,
        }
    }

    #[test]
    fn a_single_entry_is_used_once_and_an_exit_is_never_refused() {
        let entered = vec![crossing(Direction::Entry, datetime!(2027-01-12 08:00 UTC))];
        let today = date!(2027 - 01 - 20);
        assert_eq!(
            check(&terms(false), &entered, Direction::Entry, today, true),
            Err(CrossingRefusal::SecondEntry {
                on: date!(2027 - 01 - 12),
                post: OfficeCode::parse("PAF-BKO-AIRPORT").unwrap()
            })
        );
        assert_eq!(
            check(&terms(true), &entered, Direction::Entry, today, true),
            Ok(vec!["entry_without_exit".to_owned()])
        );
        assert_eq!(
            check(&terms(false), &entered, Direction::Exit, today, true),
            Ok(vec![])
        );
        assert_eq!(
            check(&terms(false), &[], Direction::Exit, today, true),
            Ok(vec!["exit_without_entry".to_owned()])
        );
        assert_eq!(days_inside(&entered, today), 9);
        let late = date!(2027 - 01 - 25);
        assert_eq!(
            check(&terms(false), &entered, Direction::Exit, late, true),
            Ok(vec!["overstay".to_owned()])
        );
    }

    #[test]
    fn an_entry_outside_the_validity_or_on_a_revoked_visa_is_refused() {
        let t = terms(true);
        assert!(matches!(
            check(&t, &[], Direction::Entry, date!(2027 - 01 - 09), true),
            Err(CrossingRefusal::NotYetValid { .. })
        ));
        assert!(matches!(
            check(&t, &[], Direction::Entry, date!(2027 - 02 - 05), true),
            Err(CrossingRefusal::Expired { .. })
        ));
        assert_eq!(
            check(&t, &[], Direction::Entry, date!(2027 - 02 - 04), true),
            Ok(vec![])
        );
        let revoked = VisaTerms { revoked: true, ..t };
        assert_eq!(
            check(&revoked, &[], Direction::Entry, date!(2027 - 01 - 15), true),
            Err(CrossingRefusal::Revoked)
        );
    }

    #[test]
    fn another_passport_is_refused_at_entry_and_flagged_at_exit() {
        let today = date!(2027 - 01 - 15);
        let t = terms(true);
        assert_eq!(
            check(&t, &[], Direction::Entry, today, false),
            Err(CrossingRefusal::WrongPassport)
        );
        let flags = check(&t, &[], Direction::Exit, today, false).unwrap();
        assert!(flags.contains(&"wrong_passport".to_owned()), "{flags:?}");
    }
}
