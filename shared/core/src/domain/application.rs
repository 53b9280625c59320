//! An application: one person asking the State for one document.

use super::record::ExtractRecord;
use super::{
    Applicant, ApplicationId, DocumentKind, DocumentNumber, DomainError, Money, OfficeCode,
    PaymentReference, Revocation, Status, Subject,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Who made a change: recorded on every status change and every decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Actor {
    Applicant {
        subject: Subject,
    },
    Staff {
        subject: Subject,
        role: String,
        office: Option<OfficeCode>,
    },
    /// A step of the pipeline itself (`payment`, `issue`, `reconcile`).
    System {
        step: String,
    },
}

impl Actor {
    pub fn system(step: &str) -> Self {
        Actor::System {
            step: step.to_owned(),
        }
    }
}

/// What an audit event records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// The status moved (`from` → `to`).
    #[default]
    Transition,
    /// A staff member opened the application or its document; nothing changed (`from` = `to`).
    /// The person it concerns may ask who read it (loi 2013-015).
    Read,
    /// The issued document was revoked (`from` = `to` = issued); the reason is the revocation's.
    Revocation,
    /// An approval still without its document: the reconcile step asked for it again
    /// (`from` = `to` = approved).
    Redrive,
}

impl EntryKind {
    fn is_transition(&self) -> bool {
        *self == EntryKind::Transition
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub from: Status,
    pub to: Status,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: Actor,
    pub reason: Option<String>,
    /// Absent in stored transitions, so events written before reads were recorded hash the same.
    #[serde(default, skip_serializing_if = "EntryKind::is_transition")]
    pub event: EntryKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionOutcome {
    Approve,
    Reject,
    RequestInfo,
}

impl DecisionOutcome {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "approve" => Some(DecisionOutcome::Approve),
            "reject" => Some(DecisionOutcome::Reject),
            "request_info" => Some(DecisionOutcome::RequestInfo),
            _ => None,
        }
    }

    pub fn target(self) -> Status {
        match self {
            DecisionOutcome::Approve => Status::Approved,
            DecisionOutcome::Reject => Status::Rejected,
            DecisionOutcome::RequestInfo => Status::NeedsInfo,
        }
    }
}

/// What the office decided, and what the document will say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub outcome: DecisionOutcome,
    pub reason: Option<String>,
    pub record: Option<ExtractRecord>,
    pub by: Actor,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// The number and date a document is issued under, fixed before the PDF is made so that
/// issuing again (a redelivered message, a crash) gives the same document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRef {
    pub number: DocumentNumber,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub revoked_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub id: ApplicationId,
    pub kind: DocumentKind,
    pub subject: Subject,
    pub applicant: Applicant,
    /// Per-kind details, already checked (for the extract: `{purpose?}`).
    pub details: serde_json::Value,
    pub office: OfficeCode,
    pub fee: Money,
    pub payment_reference: PaymentReference,
    status: Status,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub decision: Option<Decision>,
    pub document: Option<DocumentRef>,
    /// How many times the reconcile step asked again for its document, and when it last did.
    #[serde(default)]
    pub redrives: u32,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub redriven_at: Option<OffsetDateTime>,
    /// The last event of its audit trail, written by the store in the same write as the event: a
    /// trail cut short at its end no longer reaches it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_head: Option<AuditHead>,
    /// The version this copy was read at; every write is conditional on it.
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHead {
    pub seq: u64,
    pub hash: String,
}

/// Everything needed to open a new application.
pub struct NewApplication {
    pub id: ApplicationId,
    pub kind: DocumentKind,
    pub subject: Subject,
    pub applicant: Applicant,
    pub details: serde_json::Value,
    pub office: OfficeCode,
    pub fee: Money,
    pub payment_reference: PaymentReference,
    pub at: OffsetDateTime,
}

impl DocumentRef {
    /// The document of the seal's test vector (`SealClaims::example`): extract n° 123 of 2026.
    pub fn example() -> Self {
        use time::macros::datetime;
        DocumentRef {
            number: DocumentNumber::new(DocumentKind::CriminalRecordExtract, 2026, 123)
                .unwrap_or_else(|| unreachable!("123 is a valid sequence number")),
            issued_at: datetime!(2026-11-25 10:05 UTC),
            expires_at: Some(datetime!(2027-02-23 10:05 UTC)),
            revoked_at: None,
        }
    }
}

impl Application {
    /// An extract application for the person of the seal's test vector (`SealClaims::example`),
    /// as benches and examples draw it.
    pub fn example() -> Self {
        use crate::domain::{ApplicantInput, FieldErrors};
        use time::macros::{date, datetime};
        let input = ApplicantInput {
            surname: Some("Traoré".into()),
            given_names: Some("Aminata Fatoumata".into()),
            birth_date: Some("1990-04-12".into()),
            birth_place: Some("Bamako".into()),
            father_name: Some("Sékou Traoré".into()),
            mother_name: Some("Mariam Keïta".into()),
            ..Default::default()
        };
        let applicant = Applicant::parse(
            &input,
            date!(2026 - 11 - 25),
            "applicant",
            &mut FieldErrors::default(),
        )
        .unwrap_or_else(|| unreachable!("a well-formed applicant"));
        Application::open(NewApplication {
            id: ApplicationId::new(ulid::Ulid::from_parts(1_764_064_800_000, 1)),
            kind: DocumentKind::CriminalRecordExtract,
            subject: Subject::parse("example")
                .unwrap_or_else(|_| unreachable!("a well-formed subject")),
            applicant,
            details: serde_json::json!({}),
            office: OfficeCode::parse("TGI-BKO-C3")
                .unwrap_or_else(|_| unreachable!("a well-formed office code")),
            fee: Money::xof(750),
            payment_reference: PaymentReference::generate(),
            at: datetime!(2026-11-25 10:00 UTC),
        })
    }

    pub fn open(new: NewApplication) -> Self {
        Application {
            id: new.id,
            kind: new.kind,
            subject: new.subject,
            applicant: new.applicant,
            details: new.details,
            office: new.office,
            fee: new.fee,
            payment_reference: new.payment_reference,
            status: Status::AwaitingPayment,
            created_at: new.at,
            updated_at: new.at,
            decision: None,
            document: None,
            redrives: 0,
            redriven_at: None,
            audit_head: None,
            version: 0,
        }
    }

    pub fn status(&self) -> Status {
        self.status
    }

    /// The one way a status changes. Refuses what the table in `Status::can_move_to` does not allow.
    pub fn transition(
        &mut self,
        to: Status,
        actor: Actor,
        at: OffsetDateTime,
        reason: Option<String>,
    ) -> Result<StatusChange, DomainError> {
        if !self.status.can_move_to(to) {
            return Err(DomainError::IllegalTransition {
                from: self.status,
                to,
            });
        }
        let change = StatusChange {
            from: self.status,
            to,
            at,
            actor,
            reason,
            event: EntryKind::Transition,
        };
        self.status = to;
        self.updated_at = at;
        Ok(change)
    }

    /// The audit event of a staff read: what was read (`application` or `document`) as reason.
    pub fn read_by(&self, actor: Actor, at: OffsetDateTime, what: &str) -> StatusChange {
        StatusChange {
            from: self.status,
            to: self.status,
            at,
            actor,
            reason: Some(what.to_owned()),
            event: EntryKind::Read,
        }
    }

    /// Counts one more request for the approved application's document, made at `at`.
    pub fn redrive(&mut self, at: OffsetDateTime) -> Result<StatusChange, DomainError> {
        if self.status != Status::Approved {
            return Err(DomainError::IllegalTransition {
                from: self.status,
                to: Status::Issued,
            });
        }
        self.redrives += 1;
        self.redriven_at = Some(at);
        Ok(StatusChange {
            from: self.status,
            to: self.status,
            at,
            actor: Actor::system("reconcile"),
            reason: Some(format!("issuance asked again ({})", self.redrives)),
            event: EntryKind::Redrive,
        })
    }

    /// Marks the issued document revoked; the event goes in the application's audit trail.
    pub fn revoke_document(
        &mut self,
        revocation: &Revocation,
    ) -> Result<StatusChange, DomainError> {
        let status = self.status;
        let document = self
            .document
            .as_mut()
            .ok_or(DomainError::NoDocument { status })?;
        document.revoked_at = Some(revocation.at);
        self.updated_at = revocation.at;
        Ok(StatusChange {
            from: self.status,
            to: self.status,
            at: revocation.at,
            actor: revocation.by.clone(),
            reason: Some(revocation.reason.clone()),
            event: EntryKind::Revocation,
        })
    }

    /// Records the office's decision and moves the application accordingly.
    pub fn decide(&mut self, decision: Decision) -> Result<StatusChange, DomainError> {
        let change = self.transition(
            decision.outcome.target(),
            decision.by.clone(),
            decision.at,
            decision.reason.clone(),
        )?;
        self.decision = Some(decision);
        Ok(change)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn transition_refuses_illegal_moves_and_leaves_the_application_untouched() {
        let mut app = Application::example();
        let before = app.clone();
        let err = app.transition(
            Status::Issued,
            Actor::system("test"),
            datetime!(2026-11-25 11:00 UTC),
            None,
        );
        assert_eq!(
            err,
            Err(DomainError::IllegalTransition {
                from: Status::AwaitingPayment,
                to: Status::Issued
            })
        );
        assert_eq!(app, before);
        let change = app
            .transition(
                Status::InReview,
                Actor::system("payment"),
                datetime!(2026-11-25 11:00 UTC),
                None,
            )
            .unwrap();
        assert_eq!(
            (change.from, change.to),
            (Status::AwaitingPayment, Status::InReview)
        );
        assert_eq!(app.status(), Status::InReview);
    }

    #[test]
    fn round_trips_through_json_with_its_status() {
        let app = Application::example();
        let json = serde_json::to_string(&app).unwrap();
        let back: Application = serde_json::from_str(&json).unwrap();
        assert_eq!(back, app);
    }
}
