//! Certificat de nationalité malienne: asked by the person it concerns, examined by a clerk of
//! the court of their place of birth (born abroad: the court the catalogue names), who proposes;
//! signed by the president of that court, who is never the clerk who proposed. The legal basis
//! is printed on the certificate, which is valid without limit of time.

use super::{AttachmentSpec, Kind, KindNames, choice, proof};
use crate::domain::{
    Applicant, Application, BirthDate, DocumentKind, FieldErrors, KindCode, NumberPrefix,
    PersonName, PlaceName, Role, Step, StepAction, Workflow,
};
use crate::json::parse_value_at;
use crate::messages::Msg;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::Date;

/// Why the person is Malian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    BornInMaliToMalianParent,
    BornAbroadToMalianParent,
    Marriage,
    Naturalisation,
}

const BASES: [(&str, Basis); 4] = [
    (
        "born_in_mali_to_malian_parent",
        Basis::BornInMaliToMalianParent,
    ),
    (
        "born_abroad_to_malian_parent",
        Basis::BornAbroadToMalianParent,
    ),
    ("marriage", Basis::Marriage),
    ("naturalisation", Basis::Naturalisation),
];

impl Basis {
    /// Nationality by descent: the Malian parent is named.
    pub fn is_by_descent(self) -> bool {
        matches!(
            self,
            Basis::BornInMaliToMalianParent | Basis::BornAbroadToMalianParent
        )
    }

    /// Whether the basis agrees with where the person was born.
    fn fits(self, applicant: &Applicant) -> bool {
        match self {
            Basis::BornInMaliToMalianParent => applicant.birth_country.is_mali(),
            Basis::BornAbroadToMalianParent => !applicant.birth_country.is_mali(),
            Basis::Marriage | Basis::Naturalisation => true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    Father,
    Mother,
}

/// The Malian parent, for nationality by descent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parent {
    pub surname: PersonName,
    pub given_names: PersonName,
    pub birth_date: BirthDate,
    pub birth_place: PlaceName,
    pub relationship: Relationship,
}

/// The certificate's details, as kept on the application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NationalityDetails {
    pub basis: Basis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Parent>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DetailsInput {
    basis: Option<String>,
    parent: Option<ParentInput>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParentInput {
    surname: Option<String>,
    given_names: Option<String>,
    birth_date: Option<String>,
    birth_place: Option<String>,
    relationship: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContentInput {
    basis: Option<String>,
}

#[derive(Debug)]
pub struct Nationality {
    names: KindNames,
    attachments: Vec<AttachmentSpec>,
    workflow: Workflow,
}

impl Nationality {
    pub fn new() -> Self {
        Nationality {
            names: KindNames {
                kind: DocumentKind::NATIONALITY_CERTIFICATE,
                prefix: NumberPrefix::known("CN"),
                code: KindCode(2),
                title: "Certificat de nationalité malienne".into(),
                title_en: "Certificate of Malian nationality".into(),
            },
            attachments: vec![
                proof(
                    "birth_certificate",
                    "Acte de naissance (ou jugement supplétif)",
                    "Birth certificate (or substitute judgment)",
                ),
                proof(
                    "parent_nationality_proof",
                    "Preuve de la nationalité malienne du parent",
                    "Proof of the parent's Malian nationality",
                ),
            ],
            workflow: Workflow {
                steps: vec![
                    Step::decide("examination", &[Role::Clerk]),
                    Step {
                        second_person_of: Some("examination".into()),
                        action: StepAction::Sign,
                        ..Step::decide("signature", &[Role::Signatory])
                    },
                ],
            },
        }
    }

    fn parent(
        input: Option<&ParentInput>,
        applicant: Option<&Applicant>,
        today: Date,
        errors: &mut FieldErrors,
    ) -> Option<Parent> {
        let Some(p) = input else {
            errors.push("details.parent", Msg::ParentRequired);
            return None;
        };
        let f = |name: &str| format!("details.parent.{name}");
        let surname = errors.required(&f("surname"), p.surname.as_deref().map(PersonName::parse));
        let given_names = errors.required(
            &f("given_names"),
            p.given_names.as_deref().map(PersonName::parse),
        );
        let birth_date = errors.required(
            &f("birth_date"),
            p.birth_date.as_deref().map(|d| {
                let d = BirthDate::parse(d, today)?;
                if applicant.is_some_and(|a| d.date() >= a.birth_date.date()) {
                    Err(Msg::ParentBornAfterChild)
                } else {
                    Ok(d)
                }
            }),
        );
        let birth_place = errors.required(
            &f("birth_place"),
            p.birth_place.as_deref().map(PlaceName::parse),
        );
        let relationship = choice(
            p.relationship.as_deref(),
            &[
                ("father", Relationship::Father),
                ("mother", Relationship::Mother),
            ],
            &f("relationship"),
            errors,
        );
        Some(Parent {
            surname: surname?,
            given_names: given_names?,
            birth_date: birth_date?,
            birth_place: birth_place?,
            relationship: relationship?,
        })
    }
}

impl Default for Nationality {
    fn default() -> Self {
        Self::new()
    }
}

impl Kind for Nationality {
    fn names(&self) -> &KindNames {
        &self.names
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
        let input: DetailsInput = parse_value_at(raw, "details", errors)?;
        let before = errors.0.len();
        let basis = choice(input.basis.as_deref(), &BASES, "details.basis", errors);
        if let (Some(basis), Some(applicant)) = (basis, applicant)
            && !basis.fits(applicant)
        {
            errors.push("details.basis", Msg::BasisDisagreesWithBirthPlace);
        }
        // The parent is checked whenever given, and asked for when the basis is by descent.
        let parent = match (basis.map(|b| b.is_by_descent()), &input.parent) {
            (Some(true), p) => Self::parent(p.as_ref(), applicant, today, errors),
            (Some(false), Some(_)) => {
                errors.push("details.parent", Msg::ParentNotExpected);
                None
            }
            (None, Some(p)) => Self::parent(Some(p), applicant, today, errors),
            (_, None) => None,
        };
        if errors.0.len() > before {
            return None;
        }
        let basis = basis?;
        serde_json::to_value(NationalityDetails { basis, parent }).ok()
    }

    fn details_schema(&self) -> Value {
        let name = json!({"type": "string", "maxLength": PersonName::MAX});
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["basis"],
            "properties": {
                "basis": {"type": "string", "enum": BASES.map(|(n, _)| n)},
                "parent": {
                    "description": "Le parent malien, obligatoire pour la nationalité par filiation / the Malian parent, required by descent",
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["surname", "given_names", "birth_date", "birth_place", "relationship"],
                    "properties": {
                        "surname": name,
                        "given_names": name,
                        "birth_date": {"type": "string", "format": "date"},
                        "birth_place": {"type": "string", "maxLength": PlaceName::MAX},
                        "relationship": {"type": "string", "enum": ["father", "mother"]}
                    }
                }
            }
        })
    }

    /// The legal basis printed, the applicant's unless the clerk corrects it.
    fn content(
        &self,
        raw: Option<&Value>,
        app: &Application,
        _: Date,
        errors: &mut FieldErrors,
    ) -> Option<Value> {
        let asked: NationalityDetails = serde_json::from_value(app.details.clone()).ok()?;
        let basis = match raw {
            None => asked.basis,
            Some(raw) => {
                let input: ContentInput = parse_value_at(raw, "content", errors)?;
                match input.basis {
                    None => asked.basis,
                    Some(b) => choice(Some(&b), &BASES, "content.basis", errors)?,
                }
            }
        };
        if basis.is_by_descent() && asked.parent.is_none() {
            errors.push("content.basis", Msg::ParentRequired);
            return None;
        }
        if !basis.fits(&app.applicant) {
            errors.push("content.basis", Msg::BasisDisagreesWithBirthPlace);
            return None;
        }
        // The parent is printed only under a basis by descent: a basis corrected to marriage
        // or naturalisation names no parent on the certificate.
        let parent = asked.parent.filter(|_| basis.is_by_descent());
        Some(json!({ "basis": basis, "parent": parent }))
    }

    fn content_schema(&self) -> Value {
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {"basis": {"type": "string", "enum": BASES.map(|(n, _)| n)}}
        })
    }

    fn attachments(&self) -> &[AttachmentSpec] {
        &self.attachments
    }

    fn workflow(&self) -> &Workflow {
        &self.workflow
    }

    fn template(&self) -> &str {
        "nationality_certificate"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ApplicantInput;
    use time::macros::date;

    fn applicant(country: Option<&str>) -> Applicant {
        let input = ApplicantInput {
            surname: Some("Coulibaly".into()),
            given_names: Some("Moussa".into()),
            birth_date: Some("1995-06-01".into()),
            birth_place: Some("Kayes".into()),
            birth_country: country.map(Into::into),
            ..Default::default()
        };
        Applicant::parse(
            &input,
            date!(2026 - 12 - 01),
            "applicant",
            &mut FieldErrors::default(),
        )
        .unwrap()
    }

    fn details(raw: Value, country: Option<&str>) -> Result<Value, Vec<(String, Msg)>> {
        let mut errors = FieldErrors::default();
        Nationality::new()
            .details(
                Some(&raw),
                Some(&applicant(country)),
                date!(2026 - 12 - 01),
                &mut errors,
            )
            .filter(|_| errors.is_empty())
            .ok_or_else(|| errors.0.into_iter().map(|e| (e.field, e.message)).collect())
    }

    #[test]
    fn descent_needs_the_parent_and_the_basis_must_fit_the_birth_place() {
        let parent = json!({"surname": "Coulibaly", "given_names": "Adama", "birth_date": "1960-02-03",
            "birth_place": "Kayes", "relationship": "father"});
        let ok = details(
            json!({"basis": "born_in_mali_to_malian_parent", "parent": parent}),
            None,
        )
        .unwrap();
        assert_eq!(ok["basis"], "born_in_mali_to_malian_parent");
        assert_eq!(ok["parent"]["relationship"], "father");
        assert_eq!(
            details(json!({"basis": "born_in_mali_to_malian_parent"}), None).unwrap_err(),
            vec![("details.parent".into(), Msg::ParentRequired)]
        );
        assert_eq!(
            details(
                json!({"basis": "born_abroad_to_malian_parent", "parent": parent}),
                None
            )
            .unwrap_err()[0]
                .0,
            "details.basis"
        );
        assert!(
            details(
                json!({"basis": "born_abroad_to_malian_parent", "parent": parent}),
                Some("FR")
            )
            .is_ok()
        );
        assert_eq!(
            details(json!({"basis": "marriage", "parent": parent}), None).unwrap_err(),
            vec![("details.parent".into(), Msg::ParentNotExpected)]
        );
        let e = details(json!({"basis": "birth"}), None).unwrap_err();
        assert_eq!(e[0].0, "details.basis");
        assert!(
            e[0].1.bilingual().fr.contains("naturalisation"),
            "{:?}",
            e[0].1
        );
        let mut young = parent.clone();
        young["birth_date"] = json!("2000-01-01");
        assert_eq!(
            details(
                json!({"basis": "born_in_mali_to_malian_parent", "parent": young}),
                None
            )
            .unwrap_err(),
            vec![(
                "details.parent.birth_date".into(),
                Msg::ParentBornAfterChild
            )]
        );
        assert_eq!(
            details(json!({"basis": "marriage", "spouse": "x"}), None).unwrap_err(),
            vec![("details.spouse".into(), Msg::UnknownField)]
        );
    }
}
