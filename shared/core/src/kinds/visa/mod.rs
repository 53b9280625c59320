//! The visa (issue 14): asked for by a traveller at one of Mali's missions (or, inside Mali, at
//! the border police directorate), examined by a consular officer of that mission while the
//! central screening unit matches the traveller against the watchlist, side by side; issued only
//! when both have passed. The traveller is the passport's holder (`passport`), what they ask for
//! is read by `details`; a national of a state whose people enter without a visa is told so.

pub mod details;
pub mod passport;

use super::{AttachmentSpec, Kind, KindNames, NotNeeded};
use crate::domain::{
    Applicant, Application, BirthDate, DocumentKind, FieldErrors, Holder, KindCode, NumberPrefix,
    OfficeCode, Person, PersonName, Role, Step, StepAction, Workflow, format_iso_date,
    parse_iso_date,
};
use crate::json::parse_value_at;
use crate::messages::Msg;
use details::{NoVisa, VisaDetails, VisaForm, VisaRules, VisaType};
use passport::Nationality;
use serde::Deserialize;
use serde_json::{Value, json};
use time::{Date, Duration};

/// The central unit whose officers screen every visa, whatever mission it was asked at.
pub const SCREENING_OFFICE: &str = "SCREENING";

/// The largest photo a traveller may send: it is downscaled for the e-visa anyway.
pub const PHOTO_MAX: u64 = 2 * 1024 * 1024;

/// Days a visa stays usable after the planned departure: a late flight is not an overstay.
pub const GRACE_DAYS: i64 = 15;

/// The time from payment to decision a mission aims for (India's e-Visa decides in 72 hours).
pub const DECISION_TARGET_HOURS: i64 = 72;

#[derive(Debug)]
pub struct Visa {
    names: KindNames,
    attachments: Vec<AttachmentSpec>,
    workflow: Workflow,
    rules: VisaRules,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContentInput {}

impl Visa {
    pub const KIND: DocumentKind = DocumentKind::VISA;

    pub fn new(rules: VisaRules) -> Self {
        let screening = OfficeCode::parse(SCREENING_OFFICE)
            .unwrap_or_else(|_| unreachable!("a well-formed office code"));
        Visa {
            names: KindNames {
                kind: DocumentKind::VISA,
                prefix: NumberPrefix::known("VS"),
                code: KindCode(7),
                title: "Visa électronique".into(),
                title_en: "Electronic visa".into(),
            },
            attachments: vec![
                AttachmentSpec {
                    name: "photo".into(),
                    required: true,
                    content_types: vec!["image/jpeg".into()],
                    max_bytes: PHOTO_MAX,
                    label: Some("Photo d'identité (JPEG)".into()),
                    label_en: Some("Passport photo (JPEG)".into()),
                },
                super::proof(
                    "passport_page",
                    "Page d'identité du passeport",
                    "Passport identity page",
                ),
            ],
            workflow: Workflow {
                steps: vec![
                    Step {
                        parallel_group: Some("checks".into()),
                        ..Step::decide("consular_review", &[Role::ConsularOfficer])
                    },
                    Step {
                        parallel_group: Some("checks".into()),
                        action: StepAction::Screen,
                        office: Some(screening),
                        confidential: true,
                        referred_to: Some(Role::ScreeningSupervisor),
                        ..Step::decide(
                            "screening",
                            &[Role::ScreeningOfficer, Role::ScreeningSupervisor],
                        )
                    },
                ],
            },
            rules,
        }
    }

    /// The details as the application keeps them, read back.
    pub fn stored(app: &Application) -> Option<StoredVisa> {
        serde_json::from_value(app.details.clone()).ok()
    }
}

/// What the issued visa says beyond the application: when it may be used and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validity {
    pub from: Date,
    pub until: Date,
    pub stay_days: i64,
}

impl Validity {
    /// A national visa is valid from the arrival to the departure and its grace; an AES visa,
    /// for the days the catalogue gives from the arrival (never less than the stay asked for),
    /// since it is meant for travel across the three states.
    fn of(arrival: Date, departure: Date, aes_days: Option<u32>) -> Self {
        let stay_days = (departure - arrival).whole_days() + 1;
        let until = match aes_days {
            Some(days) => arrival + Duration::days(i64::from(days).max(stay_days) - 1),
            None => departure + Duration::days(GRACE_DAYS),
        };
        Validity {
            from: arrival,
            until,
            stay_days,
        }
    }
}

/// The parts of a stored visa application later steps read (screening, issuing, the border).
#[derive(Debug, Clone, Deserialize)]
pub struct StoredVisa {
    pub mission: String,
    pub visa_type: String,
    pub scope: String,
    pub entries: String,
    pub arrival_date: String,
    pub departure_date: String,
    pub passport: StoredPassport,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StoredPassport {
    pub number: String,
    pub nationality: String,
    pub surname: String,
    pub given_names: String,
    pub birth_date: String,
    pub sex: String,
    pub expiry_date: String,
}

impl StoredVisa {
    /// The traveller's whole name as the passport gives it, given names first.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.passport.given_names, self.passport.surname)
    }

    pub fn birth_year(&self) -> Option<i32> {
        parse_iso_date(&self.passport.birth_date)
            .ok()
            .map(|d| d.year())
    }
}

impl Kind for Visa {
    fn names(&self) -> &KindNames {
        &self.names
    }

    fn not_needed(&self, raw: Option<&Value>) -> Option<NotNeeded> {
        let typed = raw?.pointer("/passport/nationality")?.as_str()?;
        let nationality = Nationality::parse(typed).ok()?;
        let code = nationality.as_str().trim_end_matches('<');
        self.rules.exempt.contains(code).then(|| NotNeeded {
            problem: "visa-not-required",
            field: "details.passport.nationality",
            message: Msg::VisaNotRequired {
                nationality: code.to_owned(),
            },
        })
    }

    fn birth_place_optional(&self) -> bool {
        true
    }

    fn office(&self, details: &Value) -> Option<OfficeCode> {
        details
            .get("mission")
            .and_then(Value::as_str)
            .and_then(|m| OfficeCode::parse(m).ok())
    }

    fn office_field(&self) -> Option<&'static str> {
        Some("details.mission")
    }

    fn offices(&self) -> Vec<OfficeCode> {
        self.rules.missions.iter().cloned().collect()
    }

    fn details(
        &self,
        raw: Option<&Value>,
        applicant: Option<&Applicant>,
        today: Date,
        errors: &mut FieldErrors,
    ) -> Option<Value> {
        let Some(raw) = raw else {
            errors.push("details", Msg::Required);
            return None;
        };
        let form: VisaForm = parse_value_at(raw, "details", errors)?;
        match VisaDetails::parse(&form, applicant, &self.rules, today, errors) {
            Ok(details) => details.map(|d| d.to_json()),
            Err(NoVisa::NotRequired { nationality }) => {
                errors.push(
                    "details.passport.nationality",
                    Msg::VisaNotRequired {
                        nationality: nationality.as_str().trim_end_matches('<').to_owned(),
                    },
                );
                None
            }
        }
    }

    fn details_schema(&self) -> Value {
        let text = |max: usize| json!({"type": "string", "maxLength": max});
        let date = json!({"type": "string", "format": "date"});
        let missions: Vec<&str> = self.rules.missions.iter().map(|m| m.as_str()).collect();
        let stays: serde_json::Map<String, Value> = self
            .rules
            .max_stay_days
            .iter()
            .map(|(t, d)| (t.as_str().to_owned(), json!(d)))
            .collect();
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["mission", "visa_type", "scope", "entries", "arrival_date", "departure_date", "purpose", "passport"],
            "x-max-stay-days": stays,
            "properties": {
                "mission": {"type": "string", "enum": missions},
                "visa_type": {"type": "string", "enum": VisaType::ALL.map(VisaType::as_str)},
                "scope": {"type": "string", "enum": ["national", "aes"]},
                "entries": {"type": "string", "enum": ["single", "multiple"]},
                "arrival_date": date,
                "departure_date": date,
                "purpose": text(VisaDetails::PURPOSE_MAX),
                "host": {
                    "description": "Obligatoire pour une visite familiale / required for a family visit",
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["name", "address", "phone"],
                    "properties": {
                        "name": text(PersonName::MAX),
                        "address": text(VisaDetails::ADDRESS_MAX),
                        "phone": {"type": "string"}
                    }
                },
                "passport": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["mrz", "number", "nationality", "surname", "given_names", "birth_date", "sex", "expiry_date"],
                    "properties": {
                        "mrz": {"type": "string", "description": "Les deux lignes de 44 caractères, séparées par un saut de ligne / both lines of 44, separated by a newline"},
                        "number": {"type": "string", "maxLength": 9},
                        "nationality": {"type": "string", "minLength": 3, "maxLength": 3},
                        "surname": {"type": "string"},
                        "given_names": {"type": "string"},
                        "birth_date": date,
                        "sex": {"type": "string", "enum": ["F", "M", "X"]},
                        "expiry_date": date
                    }
                }
            }
        })
    }

    /// The consular officer approves the stay as asked: the visa is valid from the arrival to
    /// the departure and its grace, for the stay's days.
    fn content(
        &self,
        raw: Option<&Value>,
        app: &Application,
        _: Date,
        errors: &mut FieldErrors,
    ) -> Option<Value> {
        if let Some(raw) = raw {
            parse_value_at::<ContentInput>(raw, "content", errors)?;
        }
        let stored = Self::stored(app)?;
        let arrival = parse_iso_date(&stored.arrival_date).ok()?;
        let departure = parse_iso_date(&stored.departure_date).ok()?;
        let aes_days = self
            .rules
            .aes_validity_days
            .filter(|_| stored.scope == "aes");
        let v = Validity::of(arrival, departure, aes_days);
        Some(json!({
            "valid_from": format_iso_date(v.from),
            "valid_until": format_iso_date(v.until),
            "stay_days": v.stay_days,
        }))
    }

    fn content_schema(&self) -> Value {
        json!({"type": "object", "additionalProperties": false, "properties": {}})
    }

    fn attachments(&self) -> &[AttachmentSpec] {
        &self.attachments
    }

    /// A holder hears of each border crossing recorded with their visa: a visa used by someone
    /// else is noticed by the one person who knows.
    fn notified(&self) -> &[crate::domain::EventType] {
        use crate::domain::EventType::*;
        &[
            Paid,
            InfoRequested,
            Approved,
            Rejected,
            Issued,
            Revoked,
            Crossed,
        ]
    }

    fn workflow(&self) -> &Workflow {
        &self.workflow
    }

    fn template(&self) -> &str {
        "visa"
    }

    /// The traveller, as the passport names them.
    fn holder(&self, app: &Application) -> Holder {
        let from_passport = Self::stored(app).and_then(|v| {
            Some(Holder::Person(Person {
                surname: PersonName::parse(&v.passport.surname).ok()?,
                given_names: PersonName::parse(&v.passport.given_names).ok()?,
                birth_date: BirthDate::parse(&v.passport.birth_date, app.created_at.date()).ok()?,
            }))
        });
        from_passport.unwrap_or_else(|| Holder::person(&app.applicant))
    }

    fn portrait(&self) -> Option<&str> {
        Some("photo")
    }

    fn visa_claims(&self, app: &Application) -> Option<crate::domain::VisaClaims> {
        use crate::domain::{VisaClaims, VisaKind, VisaScope};
        let v = Self::stored(app)?;
        let content = app.decision.as_ref()?.content.as_ref()?;
        Some(VisaClaims {
            passport_number: v.passport.number.clone(),
            nationality: v.passport.nationality.clone(),
            visa_type: VisaKind::parse(&v.visa_type)?,
            scope: VisaScope::parse(&v.scope)?,
            multiple_entries: v.entries == "multiple",
            valid_from: parse_iso_date(content.get("valid_from")?.as_str()?).ok()?,
            stay_days: u16::try_from(content.get("stay_days")?.as_u64()?).ok()?,
        })
    }

    fn screened(&self, app: &Application) -> Option<(String, Option<i32>)> {
        Self::stored(app).map(|v| (v.full_name(), v.birth_year()))
    }

    fn expires(&self, content: &Value) -> Option<Date> {
        content
            .get("valid_until")
            .and_then(Value::as_str)
            .and_then(|d| parse_iso_date(d).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visa_runs_its_two_checks_side_by_side_and_screening_stays_confidential() {
        let v = Visa::new(
            crate::catalogue::Catalogue::default_catalogue()
                .visa_rules()
                .unwrap()
                .clone(),
        );
        assert_eq!(v.workflow().check(), Ok(()));
        let stages = v.workflow().stages();
        assert_eq!(stages.len(), 1);
        assert_eq!(stages[0].len(), 2);
        let screening = v.workflow().step("screening").unwrap();
        assert!(screening.confidential);
        assert_eq!(
            screening.office.as_ref().unwrap().as_str(),
            SCREENING_OFFICE
        );
        let (arrival, departure) = (
            time::macros::date!(2027 - 01 - 10),
            time::macros::date!(2027 - 01 - 20),
        );
        let national = Validity::of(arrival, departure, None);
        assert_eq!(national.stay_days, 11);
        assert_eq!(national.until, time::macros::date!(2027 - 02 - 04));
        let aes = Validity::of(arrival, departure, Some(90));
        assert_eq!(aes.until, time::macros::date!(2027 - 04 - 09));
        assert_eq!(Validity::of(arrival, departure, Some(5)).until, departure);
    }

    #[test]
    fn an_exempt_nationality_is_not_needed_before_anything_else_is_read() {
        let v = Visa::new(
            crate::catalogue::Catalogue::default_catalogue()
                .visa_rules()
                .unwrap()
                .clone(),
        );
        let raw = json!({"passport": {"nationality": "SEN"}});
        let n = v.not_needed(Some(&raw)).unwrap();
        assert_eq!(n.problem, "visa-not-required");
        assert!(
            v.not_needed(Some(&json!({"passport": {"nationality": "FRA"}})))
                .is_none()
        );
        assert!(v.not_needed(None).is_none());
    }
}
