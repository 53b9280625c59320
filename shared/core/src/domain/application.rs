//! An application: one person asking the State for one document.

use super::attachment::{Attachment, AttachmentId, AttachmentState, Refusal};
use super::workflow::{Step, StepAct, StepAction, StepOutcome, StepRecord, StepState, Workflow};
use super::{
    Applicant, ApplicationId, DocumentKind, DocumentNumber, DomainError, Money, NumberPrefix,
    OfficeCode, PaymentReference, Revocation, Status, Subject,
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
        /// Kept from the token when it names the officer: printed on what they decide.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<crate::domain::OfficerName>,
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

    /// The person acting, if a person acts.
    pub fn subject(&self) -> Option<&Subject> {
        match self {
            Actor::Applicant { subject } | Actor::Staff { subject, .. } => Some(subject),
            Actor::System { .. } => None,
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
    /// A workflow step was done while others of its stage are still open; the status stays
    /// (`from` = `to`), the step is named.
    Step,
    /// A border post recorded a crossing on the issued visa (`from` = `to` = issued); the reason
    /// says which way and where.
    Crossing,
    /// The seal key that sealed its document was declared compromised: the document no longer
    /// verifies and is to be issued again (`from` = `to`); the reason names the key and who
    /// declared it.
    KeyCompromised,
    /// The applicant changed where they are told of it (`from` = `to`); the reason says which of
    /// email and phone, never the values.
    Contact,
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
    /// The workflow step acted on, when the change is one; absent before steps were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionOutcome {
    Approve,
    Reject,
    RequestInfo,
}

/// What the office decided, and what the document will say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub outcome: DecisionOutcome,
    pub reason: Option<String>,
    /// What the document will say, as the kind parsed it (the extract's convictions, the
    /// certificate's legal basis). Stored extracts' decisions call it `record`.
    #[serde(alias = "record")]
    pub content: Option<serde_json::Value>,
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
    /// Printed beside the number; the registry keeps only its hash. None on documents issued
    /// before codes existed (they verify by their seal or their file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<super::VerificationCode>,
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
    /// What the fee was computed from (the details at each path a fee line names), when it was
    /// asked: once paid, an answer may not change them, and no document is issued on terms that
    /// cost more. Empty for a kind of one fee, and for applications made before it was kept.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub fee_terms: std::collections::BTreeMap<String, serde_json::Value>,
    pub payment_reference: PaymentReference,
    status: Status,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub decision: Option<Decision>,
    /// The workflow steps acted on and still standing, in the order they were done.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepRecord>,
    /// The files joined to it, one standing per name (a new upload replaces a refused one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// The attachments its kind required when it was made: the gate between payment and review.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_attachments: Vec<String>,
    /// Paid, and waiting in `needs_info` for required attachments (not for an answer to the
    /// office): the last one accepted sends it to review by itself.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub awaiting_attachments: bool,
    pub document: Option<DocumentRef>,
    /// What matching against the watchlist found, and what the screening unit decided: for
    /// its staff only (never in the applicant's view).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screening: Option<crate::screening::ScreeningRecord>,
    /// Earlier matchings set aside (a corrected name, a new list before a decision), with what
    /// was decided on them: the screening unit's record, never shown to the applicant.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub screenings_before: Vec<crate::screening::ScreeningRecord>,
    /// Border crossings on the issued visa, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub crossings: Vec<super::Crossing>,
    /// How many times the reconcile step asked again for its document, and when it last did.
    #[serde(default)]
    pub redrives: u32,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub redriven_at: Option<OffsetDateTime>,
    /// The payment pages opened for it, oldest first: a start repeated with its
    /// `Idempotency-Key` answers with the page it opened, not a second one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checkouts: Vec<CheckoutRecord>,
    /// The payment that paid it, as its provider reported it: the applicant's receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<PaidWith>,
    /// A fee paid for nothing (cancelled after payment): owed back until an operator records the
    /// refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund: Option<RefundDue>,
    /// The last event of its audit trail, written by the store in the same write as the event: a
    /// trail cut short at its end no longer reaches it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_head: Option<AuditHead>,
    /// The version this copy was read at; every write is conditional on it.
    pub version: u64,
}

/// How the fee was paid, for the receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaidWith {
    pub provider: super::Provider,
    pub provider_txn: String,
    pub amount: u64,
    pub currency: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// How the citizen paid, when the provider says (`orange_money`, `card`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

/// A fee to pay back, and, once done, how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundDue {
    pub amount: u64,
    pub currency: String,
    #[serde(with = "time::serde::rfc3339")]
    pub due_since: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded: Option<Refunded>,
}

/// A refund made: the provider's reference for it, who recorded it, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refunded {
    pub reference: String,
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A payment page a provider opened for the application's fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutRecord {
    pub provider: super::Provider,
    pub url: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
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
    pub fee_terms: std::collections::BTreeMap<String, serde_json::Value>,
    pub payment_reference: PaymentReference,
    pub required_attachments: Vec<String>,
    pub at: OffsetDateTime,
}

impl DocumentRef {
    /// The document of the seal's test vector (`SealClaims::example`): extract n° 123 of 2026.
    pub fn example() -> Self {
        use time::macros::datetime;
        DocumentRef {
            number: DocumentNumber::new(NumberPrefix::known("CJ"), 2026, 123)
                .unwrap_or_else(|| unreachable!("123 is a valid sequence number")),
            issued_at: datetime!(2026-11-25 10:05 UTC),
            expires_at: Some(datetime!(2027-02-23 10:05 UTC)),
            revoked_at: None,
            code: None,
        }
    }
}

impl Application {
    /// Who decided what the document says, and when: the last step done (the clerk's review of
    /// an extract, the signatory's signature of a certificate, a visa's consular review, never
    /// its screening), or for an application stored before steps were kept, its decision.
    pub fn decided(&self) -> Option<(&Actor, OffsetDateTime)> {
        match self
            .steps
            .iter()
            .rev()
            .find(|r| r.state == crate::domain::StepState::Done && !r.confidential)
        {
            Some(step) => Some((&step.by, step.at)),
            None => self.decision.as_ref().map(|d| (&d.by, d.at)),
        }
    }

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
            kind: DocumentKind::CRIMINAL_RECORD_EXTRACT,
            subject: Subject::parse("example")
                .unwrap_or_else(|_| unreachable!("a well-formed subject")),
            applicant,
            details: serde_json::json!({}),
            office: OfficeCode::parse("TGI-BKO-C3")
                .unwrap_or_else(|_| unreachable!("a well-formed office code")),
            fee: Money::xof(750),
            fee_terms: Default::default(),
            payment_reference: PaymentReference::generate(),
            required_attachments: Vec::new(),
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
            fee_terms: new.fee_terms,
            payment_reference: new.payment_reference,
            status: Status::AwaitingPayment,
            created_at: new.at,
            updated_at: new.at,
            decision: None,
            steps: Vec::new(),
            attachments: Vec::new(),
            required_attachments: new.required_attachments,
            awaiting_attachments: false,
            document: None,
            screening: None,
            screenings_before: Vec::new(),
            crossings: Vec::new(),
            redrives: 0,
            redriven_at: None,
            checkouts: Vec::new(),
            paid: None,
            refund: None,
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
            step: None,
        };
        self.status = to;
        self.updated_at = at;
        Ok(change)
    }

    /// Payment received: to the office's review, or to `needs_info` while a required attachment
    /// is missing or not accepted yet (the message says which).
    pub fn pay(&mut self, at: OffsetDateTime, with: PaidWith) -> Result<StatusChange, DomainError> {
        self.paid = Some(with);
        let missing = self.missing_attachments();
        if missing.is_empty() {
            return self.transition(Status::InReview, Actor::system("payment"), at, None);
        }
        let m = crate::messages::Msg::AttachmentsMissing {
            names: missing.join(", "),
        }
        .bilingual();
        let change = self.transition(
            Status::NeedsInfo,
            Actor::system("payment"),
            at,
            Some(format!("{} — {}", m.fr, m.en)),
        )?;
        self.awaiting_attachments = true;
        Ok(change)
    }

    /// The required attachments not accepted yet.
    pub fn missing_attachments(&self) -> Vec<String> {
        self.required_attachments
            .iter()
            .filter(|name| {
                !self
                    .attachments
                    .iter()
                    .any(|a| &a.name == *name && a.state == AttachmentState::Accepted)
            })
            .cloned()
            .collect()
    }

    /// Joins an announced file, replacing a pending or refused one of the same name. Files are
    /// joined before review, or while the office waits for them; an accepted one stays.
    pub fn announce_attachment(&mut self, attachment: Attachment) -> Result<(), DomainError> {
        if !matches!(self.status, Status::AwaitingPayment | Status::NeedsInfo) {
            return Err(DomainError::IllegalTransition {
                from: self.status,
                to: self.status,
            });
        }
        // An accepted proof stays, unless the office asked for more: then a clearer or another
        // one may take its place (and is checked like the first).
        if self.status != Status::NeedsInfo
            && self
                .attachments
                .iter()
                .any(|a| a.name == attachment.name && a.state == AttachmentState::Accepted)
        {
            return Err(DomainError::AttachmentAccepted);
        }
        self.attachments.retain(|a| a.name != attachment.name);
        self.updated_at = attachment.announced_at;
        self.attachments.push(attachment);
        Ok(())
    }

    /// Records the check of a pending attachment; when the last required one is accepted while
    /// the application waits for it, it goes to review. `None` when nothing was pending under
    /// that id (checked already, or replaced).
    pub fn check_attachment(
        &mut self,
        id: AttachmentId,
        refusal: Option<Refusal>,
        at: OffsetDateTime,
    ) -> Result<Option<Vec<StatusChange>>, DomainError> {
        let Some(a) = self
            .attachments
            .iter_mut()
            .find(|a| a.id == id && a.state == AttachmentState::Pending)
        else {
            return Ok(None);
        };
        a.state = match refusal {
            None => AttachmentState::Accepted,
            Some(_) => AttachmentState::Quarantined,
        };
        a.refusal = refusal;
        a.checked_at = Some(at);
        self.updated_at = at;
        let mut changes = Vec::new();
        if self.awaiting_attachments
            && self.status == Status::NeedsInfo
            && self.missing_attachments().is_empty()
        {
            changes.push(self.transition(
                Status::InReview,
                Actor::system("attachments"),
                at,
                None,
            )?);
            self.awaiting_attachments = false;
        }
        Ok(Some(changes))
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
            step: None,
        }
    }

    /// Notes in the trail that the key which sealed its document was declared compromised.
    pub fn key_compromised(&self, kid: &str, by: &str, at: OffsetDateTime) -> StatusChange {
        StatusChange {
            from: self.status,
            to: self.status,
            at,
            actor: Actor::system("keys"),
            reason: Some(format!(
                "seal key {kid} declared compromised by {by}: the document is to be issued again"
            )),
            event: EntryKind::KeyCompromised,
            step: None,
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
            step: None,
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
            step: None,
        })
    }

    /// How each step of `workflow` stands: done or rejected by whom and when, open to act on
    /// now, or waiting for an earlier step.
    pub fn steps_of<'w>(
        &self,
        workflow: &'w Workflow,
    ) -> Vec<(&'w Step, StepState, Option<&StepRecord>)> {
        let mut out = Vec::new();
        let mut reached = true;
        for stage in workflow.stages() {
            let mut all_done = true;
            for step in stage {
                let record = self.steps.iter().rev().find(|r| r.name == step.name);
                let state = match record {
                    Some(r) => r.state,
                    None if reached && self.status.is_under_review() => StepState::Open,
                    None => StepState::Waiting,
                };
                all_done &= state == StepState::Done;
                out.push((step, state, record));
            }
            reached &= all_done;
        }
        out
    }

    /// The one way a workflow step is acted on: checks that the person may act on an open step
    /// (its role, and never the person who did the step it is the second person of), records
    /// the step, and moves the status through `transition` (or records the step alone while
    /// other steps of its stage are open). A decision's content goes with it.
    pub fn act(
        &mut self,
        workflow: &Workflow,
        act: StepAct<'_>,
        content: Option<serde_json::Value>,
    ) -> Result<StatusChange, DomainError> {
        let action = act.outcome.action();
        let office = self.office.clone();
        let mine = |s: &Step| s.action == action && s.staffed_by(act.who, &office);
        if !workflow.steps.iter().any(|s| s.action == action) {
            let steps: Vec<String> = workflow
                .steps
                .iter()
                .map(|s| format!("{} ({})", s.name, s.action.route()))
                .collect();
            return Err(DomainError::NoStepOfAction {
                steps: steps.join(", "),
            });
        }
        if !workflow.steps.iter().any(mine) {
            return Err(DomainError::NotYourStep { action });
        }
        let wrong_status = DomainError::IllegalTransition {
            from: self.status,
            to: self.status,
        };
        let expected = match action {
            StepAction::Decide | StepAction::Screen => Status::InReview,
            StepAction::Sign => Status::AwaitingSignature,
        };
        if self.status != expected {
            return Err(wrong_status);
        }
        let states = self.steps_of(workflow);
        let actionable = |state: StepState| matches!(state, StepState::Open | StepState::Referred);
        let Some((step, state, _)) = states
            .iter()
            .find(|(s, state, _)| actionable(*state) && mine(s))
        else {
            return Err(wrong_status);
        };
        if !step.actor_may(act.who, &office, *state) {
            return Err(DomainError::Referred {
                step: step.name.clone(),
            });
        }
        let step = (*step).clone();
        if let Some(of) = &step.second_person_of {
            let first = self.steps.iter().rev().find(|r| &r.name == of);
            if first.is_some_and(|r| r.by.subject() == Some(&act.who.subject)) {
                return Err(DomainError::SamePerson {
                    step: step.name.clone(),
                    of: of.clone(),
                });
            }
        }
        let record = |state| StepRecord {
            name: step.name.clone(),
            state,
            by: act.who.actor(),
            at: act.at,
            confidential: step.confidential,
        };
        let to = match act.outcome {
            StepOutcome::Approve | StepOutcome::Sign | StepOutcome::Clear => {
                self.steps.retain(|r| r.name != step.name);
                self.steps.push(record(StepState::Done));
                self.after_done(workflow, &step.name)
            }
            StepOutcome::Reject | StepOutcome::Deny => {
                self.steps.retain(|r| r.name != step.name);
                self.steps.push(record(StepState::Rejected));
                Some(Status::Rejected)
            }
            StepOutcome::Refer => {
                self.steps.push(record(StepState::Referred));
                None
            }
            StepOutcome::RequestInfo => Some(Status::NeedsInfo),
            StepOutcome::Refuse => {
                // The proposal goes back: the step it came from, and its stage, open again.
                let of = step.second_person_of.as_deref().unwrap_or_default();
                let stage: Vec<&str> = workflow
                    .stages()
                    .into_iter()
                    .find(|st| st.iter().any(|s| s.name == of))
                    .map(|st| st.iter().map(|s| s.name.as_str()).collect())
                    .unwrap_or_default();
                self.steps.retain(|r| !stage.contains(&r.name.as_str()));
                Some(Status::InReview)
            }
        };
        // A confidential step's reasons stay with its staff: what the applicant reads of a
        // denial is the refusal, never why.
        let public_reason = if step.confidential {
            (act.outcome == StepOutcome::Deny).then(|| {
                let m = crate::messages::Msg::ApplicationRefused.bilingual();
                format!("{} — {}", m.fr, m.en)
            })
        } else {
            act.reason.clone()
        };
        let decision = match act.outcome {
            StepOutcome::Approve => Some(DecisionOutcome::Approve),
            StepOutcome::Reject | StepOutcome::Deny => Some(DecisionOutcome::Reject),
            StepOutcome::RequestInfo => Some(DecisionOutcome::RequestInfo),
            _ => None,
        };
        if let Some(outcome) = decision {
            self.decision = Some(Decision {
                outcome,
                reason: public_reason.clone(),
                content,
                by: act.who.actor(),
                at: act.at,
            });
        }
        let mut change = match to {
            Some(to) => self.transition(to, act.who.actor(), act.at, public_reason)?,
            // The status stays, and so does when it was entered: the queues are ordered by it,
            // and one step done does not send an application to the back of the other's.
            None => StatusChange {
                from: self.status,
                to: self.status,
                at: act.at,
                actor: act.who.actor(),
                reason: public_reason,
                event: EntryKind::Step,
                step: None,
            },
        };
        change.step = Some(step.name);
        Ok(change)
    }

    /// Where the step `done` leads: nowhere while its stage has open steps; else to the next
    /// stage (awaiting a signature, or examined again), or to approval after the last stage.
    fn after_done(&self, workflow: &Workflow, done: &str) -> Option<Status> {
        let stages = workflow.stages();
        let stage_of = |name: &str| {
            stages
                .iter()
                .position(|st| st.iter().any(|s| s.name == name))
        };
        let states = self.steps_of(workflow);
        let Some((next, _, _)) = states.iter().find(|(_, s, _)| *s != StepState::Done) else {
            return Some(Status::Approved);
        };
        if stage_of(&next.name) == stage_of(done) {
            return None;
        }
        let to = match next.action {
            StepAction::Sign => Status::AwaitingSignature,
            StepAction::Decide | StepAction::Screen => Status::InReview,
        };
        (to != self.status).then_some(to)
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

    fn staff(sub: &str, role: crate::domain::Role) -> crate::domain::Principal {
        crate::domain::Principal {
            subject: Subject::parse(sub).unwrap(),
            role,
            office: Some(OfficeCode::parse("TGI-BKO-C3").unwrap()),
            name: None,
            state: None,
            mfa: true,
        }
    }

    /// Propose, then sign: the clerk's approval waits for a signatory, who is never the clerk;
    /// a refusal sends it back with the examination open again.
    #[test]
    fn a_two_person_workflow_moves_through_its_steps() {
        use crate::domain::{Role, StepAct, StepOutcome, StepState};
        use crate::kinds::{Kind, Nationality};
        let kind = Nationality::new();
        let flow = kind.workflow();
        let mut app = Application::example();
        app.transition(
            Status::InReview,
            Actor::system("payment"),
            datetime!(2026-11-25 11:00 UTC),
            None,
        )
        .unwrap();
        let at = datetime!(2026-11-25 12:00 UTC);
        let act = |who, outcome, reason: Option<&str>| StepAct {
            outcome,
            who,
            at,
            reason: reason.map(Into::into),
        };
        let (clerk, president) = (
            staff("clerk1", Role::Clerk),
            staff("pres1", Role::Signatory),
        );
        assert_eq!(
            app.act(flow, act(&president, StepOutcome::Approve, None), None),
            Err(DomainError::NotYourStep {
                action: StepAction::Decide
            })
        );
        assert!(
            app.act(flow, act(&president, StepOutcome::Sign, None), None)
                .is_err()
        );
        let change = app
            .act(
                flow,
                act(&clerk, StepOutcome::Approve, None),
                Some(serde_json::json!({"basis": "marriage"})),
            )
            .unwrap();
        assert_eq!(
            (change.to, change.step.as_deref()),
            (Status::AwaitingSignature, Some("examination"))
        );
        let states: Vec<StepState> = app.steps_of(flow).iter().map(|(_, s, _)| *s).collect();
        assert_eq!(states, vec![StepState::Done, StepState::Open]);
        // The same subject holding the signatory role in another token is still the clerk.
        let clerk_as_signatory = staff("clerk1", Role::Signatory);
        assert_eq!(
            app.act(
                flow,
                act(&clerk_as_signatory, StepOutcome::Sign, None),
                None
            ),
            Err(DomainError::SamePerson {
                step: "signature".into(),
                of: "examination".into()
            })
        );
        let back = app
            .act(
                flow,
                act(&president, StepOutcome::Refuse, Some("pièce illisible")),
                None,
            )
            .unwrap();
        assert_eq!(back.to, Status::InReview);
        let states: Vec<StepState> = app.steps_of(flow).iter().map(|(_, s, _)| *s).collect();
        assert_eq!(states, vec![StepState::Open, StepState::Waiting]);
        app.act(
            flow,
            act(&clerk, StepOutcome::Approve, None),
            Some(serde_json::json!({})),
        )
        .unwrap();
        let signed = app
            .act(flow, act(&president, StepOutcome::Sign, None), None)
            .unwrap();
        assert_eq!(
            (signed.from, signed.to),
            (Status::AwaitingSignature, Status::Approved)
        );
        assert_eq!(
            app.decision.as_ref().unwrap().content,
            Some(serde_json::json!({}))
        );
    }

    #[test]
    fn parallel_steps_must_all_pass_and_the_status_waits_for_them() {
        use crate::domain::{Role, Step, StepAct, StepOutcome, Workflow};
        let step = |name: &str, role| Step {
            parallel_group: Some("checks".into()),
            ..Step::decide(name, &[role])
        };
        let flow = Workflow {
            steps: vec![
                step("consular_review", Role::ConsularOfficer),
                step("screening", Role::ScreeningOfficer),
            ],
        };
        let mut app = Application::example();
        app.transition(
            Status::InReview,
            Actor::system("payment"),
            datetime!(2026-11-25 11:00 UTC),
            None,
        )
        .unwrap();
        let at = datetime!(2026-11-25 12:00 UTC);
        let consul = staff("c1", Role::ConsularOfficer);
        let screener = staff("s1", Role::ScreeningOfficer);
        let first = app
            .act(
                &flow,
                StepAct {
                    outcome: StepOutcome::Approve,
                    who: &screener,
                    at,
                    reason: None,
                },
                None,
            )
            .unwrap();
        assert_eq!(
            (first.from, first.to, first.event),
            (Status::InReview, Status::InReview, EntryKind::Step)
        );
        assert_eq!(app.status(), Status::InReview);
        let second = app
            .act(
                &flow,
                StepAct {
                    outcome: StepOutcome::Approve,
                    who: &consul,
                    at,
                    reason: None,
                },
                None,
            )
            .unwrap();
        assert_eq!(second.to, Status::Approved);
    }

    /// An application stored before kinds were types: its decision's `record`, no steps, no
    /// attachments, and a status of `screening`, still reads, as the same application.
    #[test]
    fn an_application_stored_before_reads_as_it_was() {
        let mut app = Application::example();
        app.decision = Some(Decision {
            outcome: DecisionOutcome::Approve,
            reason: None,
            content: Some(serde_json::json!({"convictions": []})),
            by: Actor::system("test"),
            at: datetime!(2026-11-25 12:00 UTC),
        });
        let mut stored = serde_json::to_value(&app).unwrap();
        let decision = stored["decision"].as_object_mut().unwrap();
        let content = decision.remove("content").unwrap();
        decision.insert("record".into(), content);
        for gone in [
            "steps",
            "attachments",
            "required_attachments",
            "awaiting_attachments",
        ] {
            assert!(
                stored.get(gone).is_none(),
                "{gone} is not written when empty"
            );
        }
        let back: Application = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(back, app);
        stored["status"] = serde_json::json!("screening");
        let screening: Application = serde_json::from_value(stored).unwrap();
        assert_eq!(screening.status(), Status::InReview);
    }

    #[test]
    fn round_trips_through_json_with_its_status() {
        let app = Application::example();
        let json = serde_json::to_string(&app).unwrap();
        let back: Application = serde_json::from_str(&json).unwrap();
        assert_eq!(back, app);
    }
}
