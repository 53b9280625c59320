//! The JSON bodies of the v1 contract, as clients see them; each built from the domain in one
//! place. Their schemas feed the OpenAPI document.

use guichet_core::catalogue::Catalogue;
use guichet_core::domain::{
    Actor, Applicant, Application, EntryKind, IssuedDocument, Money, Person, Principal, Status,
    StatusChange, Step, rfc3339,
};
use guichet_core::messages::Msg;
use guichet_core::ports::AuditEvent;
use guichet_core::screening::ScreeningRecord;
use guichet_core::usecases::verify::{Disclosure, Validity, Verification};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct MoneyView {
    pub amount: u64,
    /// Always `XOF` (franc CFA).
    pub currency: String,
}

impl From<Money> for MoneyView {
    fn from(m: Money) -> Self {
        MoneyView {
            amount: m.amount,
            currency: m.currency.as_str().into(),
        }
    }
}

/// `201` answer to a submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationCreated {
    pub id: String,
    pub kind: String,
    pub status: String,
    /// The office that keeps the record and decides.
    pub office: String,
    pub office_name: String,
    pub fee: MoneyView,
    /// Quote it to the payment provider.
    pub payment_reference: String,
    pub created_at: String,
    /// Why it went to that office: for a place of birth the catalogue does not list, say so
    /// (with the listed places it may mean) before the applicant pays.
    pub routing: RoutingView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoutingView {
    pub office: String,
    /// `place_of_birth`, `born_abroad`, `place_not_listed` or `single_office`.
    pub reason: String,
    /// For `place_not_listed`: the listed places closest to what was typed, the closest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
}

impl ApplicationCreated {
    pub fn new(app: &Application, catalogue: &Catalogue) -> Self {
        let routed = catalogue.routing(app.kind, &app.applicant);
        ApplicationCreated {
            routing: RoutingView {
                office: app.office.to_string(),
                reason: routed
                    .as_ref()
                    .map(|r| r.reason.as_str())
                    .unwrap_or("single_office")
                    .into(),
                suggestions: routed.map(|r| r.suggestions).unwrap_or_default(),
            },
            id: app.id.to_string(),
            kind: app.kind.to_string(),
            status: app.status().to_string(),
            office: app.office.to_string(),
            office_name: office_name(app, catalogue),
            fee: app.fee.into(),
            payment_reference: app.payment_reference.to_string(),
            created_at: rfc3339(app.created_at),
        }
    }
}

fn office_name(app: &Application, catalogue: &Catalogue) -> String {
    catalogue
        .office(&app.office)
        .map(|o| o.name.clone())
        .unwrap_or_default()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicantView {
    pub surname: String,
    pub given_names: String,
    pub birth_date: String,
    pub birth_place: String,
    pub birth_country: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nina: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub father_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mother_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl From<&Applicant> for ApplicantView {
    fn from(a: &Applicant) -> Self {
        ApplicantView {
            surname: a.surname.as_str().into(),
            given_names: a.given_names.as_str().into(),
            birth_date: a.birth_date.to_string(),
            birth_place: a.birth_place.as_str().into(),
            birth_country: a.birth_country.as_str().into(),
            nina: a.nina.clone().map(String::from),
            father_name: a.father_name.as_ref().map(|n| n.as_str().into()),
            mother_name: a.mother_name.as_ref().map(|n| n.as_str().into()),
            email: a.email.clone().map(String::from),
            phone: a.phone.clone().map(String::from),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub from: String,
    pub to: String,
    pub at: String,
    /// `applicant`, a staff role, or the pipeline step that made the change.
    pub by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `applicant`, a staff role, or the pipeline step: who acted, without naming staff.
fn by(actor: &Actor) -> String {
    match actor {
        Actor::Applicant { .. } => "applicant".into(),
        Actor::Staff { role, .. } => role.clone(),
        Actor::System { step } => step.clone(),
    }
}

impl From<&StatusChange> for HistoryEntry {
    fn from(c: &StatusChange) -> Self {
        HistoryEntry {
            from: c.from.to_string(),
            to: c.to.to_string(),
            at: rfc3339(c.at),
            by: by(&c.actor),
            reason: c.reason.clone(),
        }
    }
}

/// The steps of the application's workflow kept from its applicant (screening).
fn confidential_steps<'c>(app: &Application, catalogue: &'c Catalogue) -> Vec<&'c Step> {
    catalogue
        .kind(app.kind)
        .map(|k| {
            k.workflow()
                .steps
                .iter()
                .filter(|s| s.confidential)
                .collect()
        })
        .unwrap_or_default()
}

/// How `viewer` reads the changes and reads of an application whose kind keeps steps to a unit
/// (screening): the unit's own staff as they are; anyone else sees the unit's people as the
/// security services, with no office (docs/security.md, "What each viewer reads of a visa").
struct Lens<'c> {
    /// The roles of the unit's steps (and whom they are referred to), masked for outsiders.
    unit_roles: Vec<&'c str>,
    /// The viewer is of the unit: nothing is masked.
    insider: bool,
    /// The viewer is the applicant: every decision reads as the office's, too.
    applicant: bool,
}

/// How the security services are named to whoever is not of the unit.
pub const SECURITY_SERVICES: &str = "security_services";

impl<'c> Lens<'c> {
    fn new(app: &Application, catalogue: &'c Catalogue, viewer: &Principal) -> Self {
        let steps = confidential_steps(app, catalogue);
        Lens {
            unit_roles: steps
                .iter()
                .flat_map(|s| s.roles.iter().copied().chain(s.referred_to))
                .map(|r| r.as_str())
                .collect(),
            insider: viewer.role.is_staff()
                && steps.iter().any(|s| s.staffed_by(viewer, &app.office)),
            applicant: !viewer.role.is_staff(),
        }
    }

    fn see(&self, c: &StatusChange) -> StatusChange {
        let mut c = c.clone();
        if self.insider || self.unit_roles.is_empty() {
            return c;
        }
        // For the applicant of a kind with a unit, every decision reads as the office's: a
        // refusal by screening is then not told apart from one by the consul by who made it.
        let decision = matches!(c.actor, Actor::Staff { .. }) && c.event == EntryKind::Transition;
        if self.applicant && decision {
            c.actor = Actor::System {
                step: "office".into(),
            };
        }
        if let Actor::Staff {
            role, office, name, ..
        } = &mut c.actor
            && self.unit_roles.contains(&role.as_str())
        {
            *role = SECURITY_SERVICES.into();
            *office = None;
            *name = None;
        }
        c
    }

    /// Who did a step, as this viewer may read it.
    fn by(&self, actor: &Actor) -> String {
        match actor {
            Actor::Staff { role, .. }
                if !self.insider && self.unit_roles.contains(&role.as_str()) =>
            {
                SECURITY_SERVICES.into()
            }
            other => by(other),
        }
    }

    /// The officer who did a step, by name, for the staff who may know it: never for the
    /// applicant, and the unit's officers only for the unit.
    fn name(&self, actor: &Actor) -> Option<String> {
        match actor {
            Actor::Staff { role, name, .. }
                if !self.applicant
                    && (self.insider || !self.unit_roles.contains(&role.as_str())) =>
            {
                name.as_ref().map(|n| n.as_str().to_owned())
            }
            _ => None,
        }
    }
}

/// One step of the kind's workflow, as it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepView {
    /// As the kind's workflow names it (`review`, `examination`, `signature`).
    pub name: String,
    /// `waiting` (an earlier step is open), `open`, `done` or `rejected`.
    pub state: String,
    /// The staff role that did it, once done or rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The officer who did it, by name: for staff alone, and a confidential step's only for its
    /// own unit (others read `security_services` in `by`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// The steps `viewer` may see: a confidential step only to its own staff; and to the applicant
/// of a kind that has one, no step once the application is refused (which step refused it is
/// what they must not learn).
fn steps(
    app: &Application,
    catalogue: &Catalogue,
    viewer: &Principal,
    lens: &Lens<'_>,
) -> Vec<StepView> {
    let Some(kind) = catalogue.kind(app.kind) else {
        return Vec::new();
    };
    let workflow = kind.workflow();
    let has_confidential = workflow.steps.iter().any(|s| s.confidential);
    if !viewer.role.is_staff() && has_confidential && app.status() == Status::Rejected {
        return Vec::new();
    }
    app.steps_of(workflow)
        .into_iter()
        .filter(|(step, _, _)| !step.confidential || step.staffed_by(viewer, &app.office))
        .map(|(step, state, record)| StepView {
            name: step.name.clone(),
            state: state.as_str().into(),
            by: record.map(|r| lens.by(&r.by)),
            by_name: record.and_then(|r| lens.name(&r.by)),
            at: record.map(|r| rfc3339(r.at)),
        })
        .collect()
}

/// A staff member who opened the application or its document.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessEntry {
    pub at: String,
    /// The staff role.
    pub by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
    /// `application` or `document`.
    pub what: String,
}

impl AccessEntry {
    fn from_change(c: &StatusChange) -> Option<Self> {
        match &c.actor {
            Actor::Staff { role, office, .. } => Some(AccessEntry {
                at: rfc3339(c.at),
                by: role.clone(),
                office: office.as_ref().map(ToString::to_string),
                what: c.reason.clone().unwrap_or_default(),
            }),
            _ => None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub decision: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub decided_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    pub number: String,
    pub issued_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Where to download the PDF.
    pub download: String,
    /// The code printed beside the number (`7KQ2-M9XD`), which a verifier types with it; absent
    /// on documents issued before codes existed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_code: Option<String>,
    /// `valid`, or `revoked` once revoked (verifiers are told it is no longer valid).
    pub status: String,
    /// Set once the document is revoked: verifiers are told it is no longer valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation_reason: Option<String>,
}

/// A document's registry entry after `POST /v1/documents/{number}/revoke`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevokedDocument {
    pub number: String,
    /// `revoked`.
    pub status: String,
    pub revoked_at: String,
    pub reason: String,
}

impl RevokedDocument {
    pub fn new(doc: &IssuedDocument) -> Option<Self> {
        let r = doc.revocation.as_ref()?;
        Some(RevokedDocument {
            number: doc.number.to_string(),
            status: "revoked".into(),
            revoked_at: rfc3339(r.at),
            reason: r.reason.clone(),
        })
    }
}

/// An application in full, for its applicant or the staff of its office.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: String,
    pub kind: String,
    pub status: String,
    pub office: String,
    pub office_name: String,
    pub fee: MoneyView,
    pub payment_reference: String,
    pub created_at: String,
    pub updated_at: String,
    pub applicant: ApplicantView,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// The kind's workflow steps, in order: which are done, by whom and when.
    pub steps: Vec<StepView>,
    /// The files joined, one standing per name.
    pub attachments: Vec<AttachmentView>,
    /// Status changes, oldest first.
    pub history: Vec<HistoryEntry>,
    /// Every time staff opened it, oldest first: the holder's right to know who read their data.
    pub accesses: Vec<AccessEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<DecisionView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<DocumentView>,
    /// Border crossings on an issued visa, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub crossings: Vec<CrossingView>,
    /// How the fee was paid: the receipt (`GET …/receipt` gives it as a file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentView>,
    /// A fee owed back (a paid application cancelled), and whether it was paid back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund: Option<RefundView>,
    /// Once refused: how to contest it, and the office to write to (French and English).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contest: Option<ContestView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentView {
    pub amount: u64,
    pub currency: String,
    /// `sandbox`, `cinetpay`…
    pub provider: String,
    /// The provider's transaction id.
    pub transaction: String,
    pub paid_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The receipt as a file.
    pub receipt: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RefundView {
    pub amount: u64,
    pub currency: String,
    pub due_since: String,
    /// `due`, or `refunded`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refunded_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContestView {
    pub office: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    pub how: String,
    pub how_en: String,
}

impl ApplicationView {
    /// The application as `viewer` may read it: its applicant never sees the steps kept from
    /// them (screening), nor who on them acted.
    pub fn new(
        app: &Application,
        history: &[AuditEvent],
        catalogue: &Catalogue,
        viewer: &Principal,
    ) -> Self {
        let lens = Lens::new(app, catalogue, viewer);
        let seen = |c: &StatusChange| lens.see(c);
        // The document shows once it is really issued, not while its number is only reserved.
        let document = app
            .document
            .as_ref()
            .filter(|_| app.status() == Status::Issued)
            .map(|d| DocumentView {
                number: d.number.to_string(),
                issued_at: rfc3339(d.issued_at),
                expires_at: d.expires_at.map(rfc3339),
                download: format!("/v1/applications/{}/document", app.id),
                status: if d.revoked_at.is_some() {
                    "revoked".into()
                } else {
                    "valid".into()
                },
                verification_code: d.code.as_ref().map(ToString::to_string),
                revoked_at: d.revoked_at.map(rfc3339),
                revocation_reason: history
                    .iter()
                    .rev()
                    .find(|e| e.change.event == EntryKind::Revocation)
                    .and_then(|e| e.change.reason.clone()),
            });
        ApplicationView {
            id: app.id.to_string(),
            kind: app.kind.to_string(),
            status: app.status().to_string(),
            office: app.office.to_string(),
            office_name: office_name(app, catalogue),
            fee: app.fee.into(),
            payment_reference: app.payment_reference.to_string(),
            created_at: rfc3339(app.created_at),
            updated_at: rfc3339(app.updated_at),
            applicant: (&app.applicant).into(),
            details: app.details.clone(),
            steps: steps(app, catalogue, viewer, &lens),
            attachments: app.attachments.iter().map(AttachmentView::from).collect(),
            history: history
                .iter()
                .filter(|e| e.change.event == EntryKind::Transition)
                .map(|e| (&seen(&e.change)).into())
                .collect(),
            accesses: history
                .iter()
                .filter(|e| e.change.event == EntryKind::Read)
                .filter_map(|e| AccessEntry::from_change(&seen(&e.change)))
                .collect(),
            decision: app.decision.as_ref().map(|d| DecisionView {
                decision: serde_json::to_value(d.outcome)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                reason: d.reason.clone(),
                decided_at: rfc3339(d.at),
            }),
            document,
            crossings: app
                .crossings
                .iter()
                .map(|c| CrossingView {
                    direction: c.direction.as_str().into(),
                    at: rfc3339(c.at),
                    post: c.post.to_string(),
                    flags: c.flags.clone(),
                })
                .collect(),
            payment: app.paid.as_ref().map(|p| PaymentView {
                amount: p.amount,
                currency: p.currency.clone(),
                provider: p.provider.as_str().to_owned(),
                transaction: p.provider_txn.clone(),
                paid_at: rfc3339(p.at),
                method: p.method.clone(),
                receipt: format!("/v1/applications/{}/receipt", app.id),
            }),
            refund: app.refund.as_ref().map(|r| RefundView {
                amount: r.amount,
                currency: r.currency.clone(),
                due_since: rfc3339(r.due_since),
                status: if r.refunded.is_some() {
                    "refunded".into()
                } else {
                    "due".into()
                },
                refunded_at: r.refunded.as_ref().map(|d| rfc3339(d.at)),
            }),
            contest: (app.status() == Status::Rejected)
                .then(|| catalogue.office(&app.office))
                .flatten()
                .map(|o| {
                    let how = o.how_to_contest().bilingual();
                    ContestView {
                        office: o.name.clone(),
                        address: o.address.clone(),
                        contact: o.contact.clone(),
                        how: how.fr,
                        how_en: how.en,
                    }
                }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationSummary {
    pub id: String,
    pub kind: String,
    pub status: String,
    pub office: String,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_number: Option<String>,
}

impl From<&Application> for ApplicationSummary {
    fn from(app: &Application) -> Self {
        ApplicationSummary {
            id: app.id.to_string(),
            kind: app.kind.to_string(),
            status: app.status().to_string(),
            office: app.office.to_string(),
            created_at: rfc3339(app.created_at),
            updated_at: rfc3339(app.updated_at),
            document_number: app
                .document
                .as_ref()
                .filter(|_| app.status() == Status::Issued)
                .map(|d| d.number.to_string()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationList {
    pub items: Vec<ApplicationSummary>,
    /// Present when more exist: pass it as `cursor` for the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// One application waiting in an office's queue. No personal data: the clerk opens the
/// application (`GET /v1/applications/{id}`) to see who asks, and that read is on record.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkItem {
    pub id: String,
    /// The application's reference (`GCH-…`), as the applicant quotes it.
    pub reference: String,
    pub kind: String,
    pub status: String,
    pub created_at: String,
    /// When it entered its current status.
    pub waiting_since: String,
}

impl From<&Application> for WorkItem {
    fn from(app: &Application) -> Self {
        WorkItem {
            id: app.id.to_string(),
            reference: app.payment_reference.to_string(),
            kind: app.kind.to_string(),
            status: app.status().to_string(),
            created_at: rfc3339(app.created_at),
            waiting_since: rfc3339(app.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkQueue {
    pub office: String,
    /// The status listed; empty for a search (`q`), which looks through every status.
    pub status: String,
    pub items: Vec<WorkItem>,
}

/// What matching found for one application, and what the screening unit decided: for the
/// unit's staff alone.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScreeningView {
    /// The watchlist version matched against (empty when no list was loaded).
    pub list_version: String,
    pub screened_at: String,
    /// The name and birth year matched, as the passport gives them.
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<i32>,
    /// The entries the traveller may be, best first.
    pub candidates: Vec<CandidateView>,
    /// Each outcome, oldest first.
    pub decisions: Vec<ScreeningDecisionView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateView {
    pub entry_id: String,
    /// The entry's name or alias that matched.
    pub name: String,
    /// From 0.8 to 1.
    pub score: f64,
    /// Why: each feature of the match.
    pub features: Vec<FeatureView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeatureView {
    /// `name_literal`, `name_synonym`, `name_phonetic`, `name_spelling`, `name_order`,
    /// `name_missing_part`, `birth_year_match`, `birth_year_unknown`.
    pub feature: String,
    pub detail: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScreeningDecisionView {
    /// `clear`, `refer` or `deny`.
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The role of the officer.
    pub by: String,
    pub at: String,
}

impl From<&ScreeningRecord> for ScreeningView {
    fn from(r: &ScreeningRecord) -> Self {
        ScreeningView {
            list_version: r.list_version.clone(),
            screened_at: rfc3339(r.screened_at),
            name: r.name.clone(),
            birth_year: r.birth_year,
            candidates: r
                .candidates
                .iter()
                .map(|c| CandidateView {
                    entry_id: c.entry_id.clone(),
                    name: c.name.clone(),
                    score: c.score,
                    features: c
                        .features
                        .iter()
                        .map(|f| FeatureView {
                            feature: f.feature.clone(),
                            detail: f.detail.clone(),
                        })
                        .collect(),
                })
                .collect(),
            decisions: r
                .decisions
                .iter()
                .map(|d| ScreeningDecisionView {
                    outcome: d.outcome.clone(),
                    reason: d.reason.clone(),
                    by: by(&d.by),
                    at: rfc3339(d.at),
                })
                .collect(),
        }
    }
}

/// `201` answer to a crossing: the visa as the post must know it now.
#[derive(Debug, Serialize, ToSchema)]
pub struct CrossingRecorded {
    pub visa: CrossedVisaView,
    /// Entries made on the visa, this one included.
    pub crossings_used: usize,
    /// Days of stay the visa still allows after today.
    pub stay_days_left: i64,
    /// What the post should know and let pass: `exit_without_entry`, `overstay`,
    /// `entry_without_exit`.
    pub flags: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CrossedVisaView {
    pub number: String,
    /// `valid` or `revoked`.
    pub status: String,
    /// `single` or `multiple`.
    pub entries: String,
    pub valid_until: String,
}

impl CrossingRecorded {
    pub fn new(r: &guichet_core::usecases::border::Recorded, today: time::Date) -> Self {
        CrossingRecorded {
            visa: CrossedVisaView {
                number: r.number.to_string(),
                status: if r.revoked { "revoked" } else { "valid" }.into(),
                entries: if r.terms.multiple_entries {
                    "multiple"
                } else {
                    "single"
                }
                .into(),
                valid_until: guichet_core::domain::format_iso_date(r.terms.valid_until),
            },
            crossings_used: r.crossings_used(),
            stay_days_left: r.stay_days_left(today),
            flags: r.crossing.flags.clone(),
        }
    }
}

/// A page of the AES partners' feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct AesFeedPage {
    pub items: Vec<AesFeedItem>,
    /// The cursor to read on from (`?after=`): the last item's `seq`, or the one given when
    /// there is nothing new.
    pub next: String,
}

/// One event on an AES visa (docs/aes.md).
#[derive(Debug, Serialize, ToSchema)]
pub struct AesFeedItem {
    pub seq: u64,
    /// `issued`, `revoked` or `crossed`.
    pub event: String,
    /// The visa as partners see it (docs/aes.md): number, status, type, scope, entries,
    /// validity, the holder as the passport names them, and for `crossed` the crossing.
    #[schema(value_type = Object)]
    pub visa: serde_json::Value,
    /// `{seq, event, visa}` as a COSE_Sign1 (tagged, EdDSA, the seal key's `kid`, external data
    /// `guichet/aes-feed/v1`), base64url: what a partner checks offline against `GET /v1/keys`.
    pub signed: String,
}

impl From<&guichet_core::ports::FeedRecord> for AesFeedItem {
    fn from(r: &guichet_core::ports::FeedRecord) -> Self {
        AesFeedItem {
            seq: r.seq,
            event: r.event.clone(),
            visa: r.visa.clone(),
            signed: r.signed.clone(),
        }
    }
}

#[derive(Debug, Default, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AesVerifyRequest {
    /// The text of the e-visa's QR code (`GCH1:…`).
    pub seal: Option<String>,
}

/// A partner's check of one AES visa.
#[derive(Debug, Serialize, ToSchema)]
pub struct AesVerification {
    /// `valid`, `revoked` or `expired`.
    pub status: String,
    #[schema(value_type = Object)]
    pub visa: serde_json::Value,
    /// Entries recorded on it at Mali's borders.
    pub entries_used: usize,
}

/// One border crossing on a visa.
#[derive(Debug, Serialize, ToSchema)]
pub struct CrossingView {
    /// `entry` or `exit`.
    pub direction: String,
    pub at: String,
    /// The border post.
    pub post: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
}

/// `POST /v1/applications/{id}/payment`: which provider's page to pay on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartPaymentRequest {
    /// `sandbox` (outside production), `cinetpay` (Orange Money, Moov Money, cards) where the
    /// deployment has a CinetPay contract.
    pub provider: String,
}

/// `GET /v1/payments/providers`: the providers a payment can be started with here, for a
/// front end to offer.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentProviders {
    /// `sandbox` (outside production), `cinetpay` (with a CinetPay contract).
    pub providers: Vec<String>,
}

/// The page to send the citizen's browser to; paying there moves the application to review
/// when the provider's notice arrives.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckoutView {
    pub checkout_url: String,
    pub provider: String,
    pub payment_reference: String,
    pub amount: MoneyView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentAck {
    pub received: bool,
    /// `applied`, `failed`, `amount_mismatch`, `unmatched` or `not_payable`.
    pub outcome: String,
    /// Present when `outcome` is `duplicate`: the transaction was received before, nothing is
    /// done again, and this says what its first delivery did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_outcome: Option<String>,
}

impl PaymentAck {
    pub fn of(receipt: guichet_core::usecases::payment::Receipt) -> Self {
        let first = receipt.outcome.as_str().to_owned();
        if receipt.replay {
            PaymentAck {
                received: true,
                outcome: "duplicate".into(),
                first_outcome: Some(first),
            }
        } else {
            PaymentAck {
                received: true,
                outcome: first,
                first_outcome: None,
            }
        }
    }
}

/// `POST /v1/verify` as JSON: the seal read from the QR code, or the number and the code
/// printed beside it.
#[derive(Debug, Default, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The text read from the QR code, `GCH1:…`.
    #[schema(pattern = "^GCH1:[0-9A-Z $%*+./:-]+$")]
    pub seal: Option<String>,
    /// The document's number, as printed (`CJ-2026-000001-6`), with `code`.
    pub number: Option<String>,
    /// The verification code printed beside the number (`7KQ2-M9XD`; either case, with or
    /// without the dash). Sent in the body, so it stays out of access logs.
    pub code: Option<String>,
}

/// What `POST /v1/verify` with JSON asks to check.
pub enum VerifyAsked {
    Seal(String),
    NumberAndCode { number: String, code: String },
}

impl VerifyRequest {
    /// The seal, or the number with its code: one or the other, named field by field.
    pub fn asked(self) -> Result<VerifyAsked, guichet_core::Error> {
        use guichet_core::domain::FieldErrors;
        match (self.seal, self.number, self.code) {
            (Some(seal), None, None) => Ok(VerifyAsked::Seal(seal)),
            (None, Some(number), Some(code)) => Ok(VerifyAsked::NumberAndCode { number, code }),
            (None, Some(_), None) => Err(guichet_core::Error::invalid("code", Msg::Required)),
            (None, None, Some(_)) => Err(guichet_core::Error::invalid("number", Msg::Required)),
            _ => {
                let mut errors = FieldErrors::default();
                errors.push("seal", Msg::SealOrNumberAndCode);
                Err(guichet_core::Error::Invalid(errors))
            }
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HolderView {
    /// In full; or, when `masked`, its initials (`T.`).
    pub surname: String,
    /// In full; or, when `masked`, their initials (`A. F.`).
    pub given_names: String,
    /// `YYYY-MM-DD`, or the year alone when `masked`.
    pub birth_date: String,
    /// True for a check by number and code: compare the initials and year with the paper.
    pub masked: bool,
    /// When `masked`: every name's initial, given names first (`A. F. T.`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initials: Option<String>,
}

/// The organisation a document is about (a company's trade register entry is public, so it is
/// never masked).
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationView {
    pub name: String,
    pub registration_number: String,
}

impl HolderView {
    fn new(h: &Person, disclosure: Disclosure) -> Self {
        match disclosure {
            Disclosure::Full => HolderView {
                surname: h.surname.as_str().into(),
                given_names: h.given_names.as_str().into(),
                birth_date: h.birth_date.to_string(),
                masked: false,
                initials: None,
            },
            Disclosure::Initials => {
                let given = initials(h.given_names.as_str());
                let surname = initials(h.surname.as_str());
                HolderView {
                    initials: Some(format!("{given} {surname}")),
                    surname,
                    given_names: given,
                    birth_date: h.birth_date.date().year().to_string(),
                    masked: true,
                }
            }
        }
    }
}

/// Each word's first letter and a dot, nothing of its length: `Aminata Fatoumata` → `A. F.`;
/// a hyphenated name's parts each (`Marie-Claire` → `M.-C.`).
fn initials(name: &str) -> String {
    name.split_whitespace()
        .map(|word| {
            word.split('-')
                .filter_map(|part| part.chars().next())
                .map(|c| format!("{c}."))
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyResult {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// `valid`, `revoked`, `expired` or `unknown`; `modified` for a file that is not the issued
    /// one; `code_required` for a number alone (`GET /v1/verify/{number}`).
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// When it was revoked, for a `revoked` document (the reason is not public).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
    // Absent when the document is about an organisation (`organisation`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<HolderView>,
    /// The organisation the document is about (a data kind may name one), instead of a person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<OrganisationView>,
    /// For a seal or a PDF: `valid` or `invalid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// For a PDF: whether it is byte for byte the issued file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identical_file: Option<bool>,
    /// `status` is `modified` for a PDF that is not byte for byte the issued file (never a bare
    /// `valid`); this is then the registry's status of the document it claims to be (`valid`,
    /// `revoked`, `expired`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_status: Option<String>,
    /// What the status means for the person checking, in French and in English (for a
    /// `modified` file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_en: Option<String>,
}

impl VerifyResult {
    pub fn new(v: &Verification, catalogue: &Catalogue) -> Self {
        let d = v.document.as_ref();
        let message = (v.status == Validity::Modified).then(|| Msg::FileModified.bilingual());
        VerifyResult {
            number: v.number.map(|n| n.to_string()),
            status: v.status.as_str().into(),
            kind: d.map(|d| d.kind.to_string()),
            title: d
                .and_then(|d| catalogue.kind(d.kind))
                .map(|k| k.names().title.clone()),
            issued_at: d.map(|d| rfc3339(d.issued_at)),
            expires_at: d.and_then(|d| d.expires_at.map(rfc3339)),
            revoked_at: d.and_then(|d| d.revocation.as_ref().map(|r| rfc3339(r.at))),
            office: d.map(|d| d.office.to_string()),
            holder: d
                .and_then(|d| d.holder.as_person())
                .map(|p| HolderView::new(p, v.disclosure)),
            organisation: d
                .and_then(|d| d.holder.as_organisation())
                .map(|o| OrganisationView {
                    name: o.name.clone(),
                    registration_number: o.registration_number.clone(),
                }),
            signature: v
                .signature_valid
                .map(|ok| if ok { "valid" } else { "invalid" }.into()),
            identical_file: v.identical_file,
            document_status: v.document_status.map(|s| s.as_str().into()),
            message: message.as_ref().map(|m| m.fr.clone()),
            message_en: message.map(|m| m.en),
        }
    }
}

/// `GET /v1/catalogue`: what can be asked for, and what a front end needs to draw each form and
/// each officer's step without knowing the kind in advance.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueView {
    pub version: u32,
    pub services: Vec<ServiceView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceView {
    pub kind: String,
    pub title: String,
    pub title_en: String,
    pub fee: MoneyView,
    /// Fees that depend on the details: the first line whose every `when` value (keyed by a
    /// detail's path, `visa_type`) equals the details' is the fee; none matching, `fee`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fees: Vec<FeeLineView>,
    /// JSON Schema of the application's `details`.
    #[schema(value_type = Object)]
    pub details_schema: serde_json::Value,
    pub attachments: Vec<AttachmentSpecView>,
    pub steps: Vec<StepSpecView>,
    /// How long an issued document is commonly accepted; absent: no limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validity_days: Option<u32>,
    /// The applicant's fields this kind requires (`surname`, `given_names`, `birth_date`, and
    /// `birth_place` where the office is chosen by it).
    pub applicant_required: Vec<String>,
    /// What the service is, in French and in English, for the page before the form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about_en: Option<String>,
    /// The usual number of working days from payment to the document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usual_days: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeeLineView {
    #[schema(value_type = Object)]
    pub when: std::collections::BTreeMap<String, serde_json::Value>,
    pub fee: MoneyView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentSpecView {
    pub name: String,
    pub required: bool,
    pub content_types: Vec<String>,
    pub max_bytes: u64,
    /// What the applicant is asked for, in French; absent, the name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepSpecView {
    pub name: String,
    /// The staff roles that act on it, in the application's office.
    pub roles: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallel_group: Option<String>,
    /// The step whose actor may not act on this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub second_person_of: Option<String>,
    /// The central unit whose staff act on it, whatever the application's office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
    /// The role a referral hands it to; while referred, staff see its state as `referred`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referred_to: Option<String>,
    pub action: StepActionView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepActionView {
    pub method: String,
    /// With `{id}` for the application.
    pub path: String,
    /// JSON Schema of the request's body.
    #[schema(value_type = Object)]
    pub body_schema: serde_json::Value,
}

/// A JSON Schema condition on one property's value: `then` when it is one of `values`, `else`
/// otherwise (and while it is not chosen).
fn when(
    property: &str,
    values: &[&str],
    then: serde_json::Value,
    otherwise: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "if": {"required": [property], "properties": {property: {"enum": values}}},
        "then": then,
        "else": otherwise,
    })
}

impl CatalogueView {
    pub fn new(catalogue: &Catalogue) -> Self {
        use guichet_core::domain::StepAction;
        let services = catalogue
            .offered()
            .into_iter()
            .filter_map(|service| {
                let kind = catalogue.kind(service.kind)?;
                let names = kind.names();
                let steps = kind
                    .workflow()
                    .steps
                    .iter()
                    .map(|step| {
                        let (path, body_schema) = match step.action {
                            StepAction::Decide => (
                                "/v1/applications/{id}/decision",
                                serde_json::json!({
                                    "type": "object",
                                    "additionalProperties": false,
                                    "required": ["decision"],
                                    "properties": {
                                        "decision": {"type": "string", "enum": ["approve", "reject", "request_info"]},
                                        "reason": {"type": "string", "maxLength": 500, "description": "Obligatoire pour rejeter ou demander des informations / required to reject or ask for information"},
                                        kind.content_field(): kind.content_schema(),
                                    },
                                    // What the document will say goes with an approval alone; a
                                    // refusal or a question gives its reason.
                                    "allOf": [
                                        when("decision", &["approve"], serde_json::json!({}), serde_json::json!({"properties": {kind.content_field(): false}})),
                                        when("decision", &["reject", "request_info"], serde_json::json!({"required": ["reason"]}), serde_json::json!({})),
                                    ],
                                }),
                            ),
                            StepAction::Sign => (
                                "/v1/applications/{id}/signature",
                                serde_json::json!({
                                    "type": "object",
                                    "additionalProperties": false,
                                    "required": ["decision"],
                                    "properties": {
                                        "decision": {"type": "string", "enum": ["sign", "refuse"]},
                                        "reason": {"type": "string", "maxLength": 500, "description": "Obligatoire pour refuser / required to refuse"},
                                    },
                                    "allOf": [when("decision", &["refuse"], serde_json::json!({"required": ["reason"]}), serde_json::json!({}))],
                                }),
                            ),
                            StepAction::Screen => (
                                "/v1/applications/{id}/screening",
                                serde_json::json!({
                                    "type": "object",
                                    "additionalProperties": false,
                                    "required": ["outcome"],
                                    "properties": {
                                        "outcome": {"type": "string", "enum": ["clear", "refer", "deny"]},
                                        "reason": {"type": "string", "maxLength": 500, "description": "Gardé par l'unité de criblage, jamais montré au demandeur ; obligatoire pour transmettre / kept by the screening unit, never shown to the applicant; required to refer"},
                                    },
                                    "allOf": [when("outcome", &["refer"], serde_json::json!({"required": ["reason"]}), serde_json::json!({}))],
                                }),
                            ),
                        };
                        StepSpecView {
                            name: step.name.clone(),
                            roles: step.roles.iter().map(|r| r.as_str().to_owned()).collect(),
                            parallel_group: step.parallel_group.clone(),
                            second_person_of: step.second_person_of.clone(),
                            office: step.office.as_ref().map(ToString::to_string),
                            referred_to: step.referred_to.map(|r| r.as_str().to_owned()),
                            action: StepActionView {
                                method: "POST".into(),
                                path: path.into(),
                                body_schema,
                            },
                        }
                    })
                    .collect();
                Some(ServiceView {
                    kind: names.kind.to_string(),
                    title: names.title.clone(),
                    title_en: names.title_en.clone(),
                    fee: service.fee.into(),
                    fees: service
                        .fees
                        .iter()
                        .map(|line| FeeLineView {
                            when: line.when.clone(),
                            fee: line.fee.into(),
                        })
                        .collect(),
                    details_schema: kind.details_schema(),
                    attachments: kind
                        .attachments()
                        .iter()
                        .map(|a| AttachmentSpecView {
                            name: a.name.clone(),
                            required: a.required,
                            content_types: a.content_types.clone(),
                            max_bytes: a.max_bytes,
                            label: a.label.clone(),
                            label_en: a.label_en.clone(),
                        })
                        .collect(),
                    steps,
                    validity_days: service.validity_days,
                    applicant_required: guichet_core::domain::Applicant::required_fields(
                        kind.birth_place_optional(),
                    )
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
                    about: service.about.clone(),
                    about_en: service.about_en.clone(),
                    usual_days: service.usual_days,
                })
            })
            .collect();
        CatalogueView {
            version: catalogue.version,
            services,
        }
    }
}

/// One file joined to an application, as its applicant and its office see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: String,
    pub name: String,
    /// `pending` (not arrived or not checked yet), `accepted` or `quarantined`.
    pub state: String,
    /// Why the check refused it, in French and English, for a `quarantined` one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_en: Option<String>,
    pub content_type: String,
    pub size: u64,
}

impl From<&guichet_core::domain::Attachment> for AttachmentView {
    fn from(a: &guichet_core::domain::Attachment) -> Self {
        let reason = a.refusal.map(|r| r.message().bilingual());
        AttachmentView {
            id: a.id.to_string(),
            name: a.name.clone(),
            state: a.state.as_str().into(),
            reason: reason.as_ref().map(|r| r.fr.clone()),
            reason_en: reason.map(|r| r.en),
            content_type: a.content_type.as_str().into(),
            size: a.size,
        }
    }
}

/// `201` answer to an announced attachment: where to send its bytes.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadTicket {
    pub id: String,
    /// PUT the bytes here, with `upload_headers`, before `expires_at`.
    pub upload_url: String,
    pub upload_headers: std::collections::BTreeMap<String, String>,
    pub expires_at: String,
}

impl UploadTicket {
    pub fn new(
        a: &guichet_core::domain::Attachment,
        target: &guichet_core::ports::UploadTarget,
    ) -> Self {
        UploadTicket {
            id: a.id.to_string(),
            upload_url: target.url.clone(),
            upload_headers: target.headers.iter().cloned().collect(),
            expires_at: rfc3339(a.upload_expires_at),
        }
    }
}

/// `GET /v1/sign-in`: how the pages sign people in here.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignInOptions {
    /// The identity provider, when the deployment has one the pages can send people to; absent,
    /// sign-in goes another way (the development sign-in of `guichet serve`, or none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderSignIn>,
}

/// Where the pages send a person to sign in: OAuth 2.0 authorization code with PKCE (S256).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderSignIn {
    pub authorization_endpoint: String,
    pub client_id: String,
    pub scope: String,
}

/// `POST /v1/sign-in`: what the provider gave the page on its way back, and the PKCE verifier
/// the page kept.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub code: String,
    pub code_verifier: String,
    /// The address the page asked the provider to come back to, exactly.
    pub redirect_uri: String,
}

/// A signed-in person: the token to send as `Authorization: Bearer`, and who it says they are.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedIn {
    pub token: String,
    pub me: MeView,
}

/// `GET /v1/me`: who the token says the caller is, as the service reads it (the provider's
/// claims mapped to a role and an office).
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub subject: String,
    /// `applicant`, `clerk`, `signatory`, `consular_officer`, `screening_officer`, `admin`…
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether this sign-in had a second factor: a signatory or an administrator signs, decides
    /// and revokes only with one.
    pub second_factor: bool,
}

impl From<&Principal> for MeView {
    fn from(p: &Principal) -> Self {
        MeView {
            subject: p.subject.to_string(),
            role: p.role.as_str().to_owned(),
            office: p.office.as_ref().map(ToString::to_string),
            name: p.name.as_ref().map(|n| n.as_str().to_owned()),
            second_factor: p.mfa,
        }
    }
}

/// A file kept in a bucket, for a page: its short-lived link (a page's `fetch` could not follow a
/// redirect to the bucket's origin; a navigation to the link needs no permission of it).
#[derive(Debug, Serialize, ToSchema)]
pub struct FileLink {
    pub url: String,
}
