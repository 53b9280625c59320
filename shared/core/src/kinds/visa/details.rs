//! What a traveller asks for: the visa's type, scope and entries, the stay, the purpose, a host,
//! and the passport (`passport`). Every rule a form can break is checked here, before anything is
//! stored or charged: a traveller who needs no visa is told so; dates must make a stay that starts
//! today or later; the stay fits the type; the passport outlives the departure by six months; the
//! applicant is the passport's holder. The limits (the longest stay per type, who needs no visa)
//! are the catalogue's to give (`VisaRules`).

use super::super::parse_choice;
use super::passport::{Nationality, Passport, PassportForm, names_agree};
use crate::domain::{
    Applicant, FieldErrors, OfficeCode, PersonName, Phone, clean_text as clean, format_iso_date,
    parse_iso_date,
};
use crate::messages::Msg;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum VisaType {
    Tourism,
    Family,
    Business,
    Transit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Valid in Mali.
    National,
    /// The Alliance of Sahel States' common visa ("Visa Liptako"): Mali, Burkina Faso, Niger.
    Aes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entries {
    Single,
    Multiple,
}

const TYPES: [(&str, VisaType); 4] = [
    ("tourism", VisaType::Tourism),
    ("family", VisaType::Family),
    ("business", VisaType::Business),
    ("transit", VisaType::Transit),
];
const SCOPES: [(&str, Scope); 2] = [("national", Scope::National), ("aes", Scope::Aes)];
const ENTRIES: [(&str, Entries); 2] =
    [("single", Entries::Single), ("multiple", Entries::Multiple)];

impl VisaType {
    pub const ALL: [VisaType; 4] = [
        VisaType::Tourism,
        VisaType::Family,
        VisaType::Business,
        VisaType::Transit,
    ];

    pub fn parse(raw: &str) -> Result<Self, Msg> {
        parse_choice(raw.trim(), &TYPES)
    }

    pub fn as_str(self) -> &'static str {
        name_of(self, &TYPES)
    }
}

fn name_of<T: PartialEq>(value: T, choices: &[(&'static str, T)]) -> &'static str {
    choices
        .iter()
        .find(|(_, v)| *v == value)
        .map_or("", |(n, _)| n)
}

/// What the catalogue says of visas: where one may be asked for, the longest stay of each
/// type, and whose nationals need none.
#[derive(Debug, Clone)]
pub struct VisaRules {
    /// The missions abroad and, inside Mali, the border police directorate.
    pub missions: BTreeSet<OfficeCode>,
    pub max_stay_days: BTreeMap<VisaType, u32>,
    /// ICAO nationality codes (`SEN`, `BFA`) whose holders enter without a visa.
    pub exempt: BTreeSet<String>,
    /// Days from the arrival an AES visa may be used, as the operator sets it.
    pub aes_validity_days: Option<u32>,
    /// Where border officers record crossings.
    pub border_posts: BTreeSet<OfficeCode>,
    /// The partner states whose systems read the AES feed.
    pub aes_partners: BTreeSet<String>,
}

impl VisaRules {
    /// ECOWAS's twelve member states and the three of the Alliance of Sahel States, whose
    /// nationals enter Mali without a visa.
    pub const EXEMPT: [&'static str; 15] = [
        "BEN", "CPV", "CIV", "GMB", "GHA", "GIN", "GNB", "LBR", "NGA", "SEN", "SLE", "TGO", "MLI",
        "BFA", "NER",
    ];
}

/// The host of a family visit, or of a business one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostForm {
    pub name: String,
    pub address: String,
    pub phone: String,
}

/// A visa application's details as the JSON carries them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisaForm {
    pub mission: String,
    pub visa_type: String,
    pub scope: String,
    pub entries: String,
    pub arrival_date: String,
    pub departure_date: String,
    pub purpose: String,
    #[serde(default)]
    pub host: Option<HostForm>,
    pub passport: PassportForm,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub name: PersonName,
    pub address: String,
    pub phone: Phone,
}

/// A visa application's details, every rule kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisaDetails {
    pub mission: OfficeCode,
    pub visa_type: VisaType,
    pub scope: Scope,
    pub entries: Entries,
    pub arrival_date: Date,
    pub departure_date: Date,
    pub purpose: String,
    pub host: Option<Host>,
    pub passport: Passport,
}

/// Why a form is not a visa application at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoVisa {
    /// The traveller's nationality enters without a visa: nothing to store, nothing to charge.
    NotRequired { nationality: Nationality },
}

impl VisaDetails {
    pub const PURPOSE_MAX: usize = 500;
    pub const ADDRESS_MAX: usize = 200;

    /// Reads `details` of a visa application; field errors go to `errors` under `details.…`.
    pub fn parse(
        form: &VisaForm,
        applicant: Option<&Applicant>,
        rules: &VisaRules,
        today: Date,
        errors: &mut FieldErrors,
    ) -> Result<Option<VisaDetails>, NoVisa> {
        let before = errors.0.len();
        // Whether a visa is needed at all comes first: an exempt traveller is told so, not asked
        // to fix a form they need not fill.
        if let Ok(nationality) = Nationality::parse(&form.passport.nationality)
            && rules
                .exempt
                .contains(nationality.as_str().trim_end_matches('<'))
        {
            return Err(NoVisa::NotRequired { nationality });
        }
        let mission = errors.check(
            "details.mission",
            OfficeCode::parse(form.mission.trim())
                .ok()
                .filter(|m| rules.missions.contains(m))
                .ok_or_else(|| Msg::UnknownChoice {
                    choices: rules
                        .missions
                        .iter()
                        .map(|m| m.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                }),
        );
        let visa_type = errors.check("details.visa_type", VisaType::parse(&form.visa_type));
        let scope = errors.check("details.scope", parse_choice(form.scope.trim(), &SCOPES));
        let entries = errors.check(
            "details.entries",
            parse_choice(form.entries.trim(), &ENTRIES),
        );
        let arrival = errors.check(
            "details.arrival_date",
            parse_iso_date(&form.arrival_date).and_then(|d| {
                if d < today {
                    Err(Msg::DateInPast)
                } else {
                    Ok(d)
                }
            }),
        );
        let departure = errors.check(
            "details.departure_date",
            parse_iso_date(&form.departure_date),
        );
        if let (Some(a), Some(d)) = (arrival, departure) {
            if d < a {
                errors.push("details.departure_date", Msg::DepartureBeforeArrival);
            } else if let Some(max) = visa_type.and_then(|t| rules.max_stay_days.get(&t)) {
                // Both days count: arriving on the 1st and leaving on the 3rd is three days.
                let days = (d - a).whole_days() + 1;
                if days > i64::from(*max) {
                    errors.push(
                        "details.departure_date",
                        Msg::StayTooLong { max_days: *max },
                    );
                }
            }
        }
        let purpose = errors.check("details.purpose", clean(&form.purpose, Self::PURPOSE_MAX));
        let host = match (&form.host, visa_type) {
            (None, Some(VisaType::Family)) => {
                errors.push("details.host", Msg::Required);
                None
            }
            (None, _) => None,
            (Some(h), _) => {
                let name = errors.check("details.host.name", PersonName::parse(&h.name));
                let address =
                    errors.check("details.host.address", clean(&h.address, Self::ADDRESS_MAX));
                let phone = errors.check("details.host.phone", Phone::parse(&h.phone));
                match (name, address, phone) {
                    (Some(name), Some(address), Some(phone)) => Some(Host {
                        name,
                        address,
                        phone,
                    }),
                    _ => None,
                }
            }
        };
        let passport = Passport::parse(&form.passport, "details.passport", today, errors);
        if let Some(p) = &passport {
            if let Some(d) = departure
                && !p.valid_six_months_after(d)
            {
                errors.push(
                    "details.passport.expiry_date",
                    Msg::PassportExpiresTooSoon {
                        departure: format_iso_date(d),
                    },
                );
            }
            // The applicant is the traveller: the names the form gives are the passport's.
            if let Some(applicant) = applicant
                && !names_agree(applicant.surname.as_str(), &p.surname)
            {
                errors.push(
                    "applicant.surname",
                    Msg::DisagreesWithPassport {
                        passport: p.surname.clone(),
                    },
                );
            }
            if let Some(applicant) = applicant
                && !names_agree(applicant.given_names.as_str(), &p.given_names)
            {
                errors.push(
                    "applicant.given_names",
                    Msg::DisagreesWithPassport {
                        passport: p.given_names.clone(),
                    },
                );
            }
        }
        if errors.0.len() > before {
            return Ok(None);
        }
        let (
            Some(mission),
            Some(visa_type),
            Some(scope),
            Some(entries),
            Some(arrival_date),
            Some(departure_date),
            Some(purpose),
            Some(passport),
        ) = (
            mission, visa_type, scope, entries, arrival, departure, purpose, passport,
        )
        else {
            return Ok(None);
        };
        Ok(Some(VisaDetails {
            mission,
            visa_type,
            scope,
            entries,
            arrival_date,
            departure_date,
            purpose,
            host,
            passport,
        }))
    }

    /// As the application keeps them (and the fee table reads `visa_type`, `scope`, `entries`).
    pub fn to_json(&self) -> Value {
        let p = &self.passport;
        json!({
            "mission": self.mission.as_str(),
            "visa_type": self.visa_type.as_str(),
            "scope": name_of(self.scope, &SCOPES),
            "entries": name_of(self.entries, &ENTRIES),
            "arrival_date": format_iso_date(self.arrival_date),
            "departure_date": format_iso_date(self.departure_date),
            "purpose": self.purpose,
            "host": self.host.as_ref().map(|h| json!({
                "name": h.name.as_str(), "address": h.address, "phone": String::from(h.phone.clone()),
            })),
            "passport": {
                "mrz": p.mrz.join("\n"),
                "number": p.number.as_str(),
                "nationality": p.nationality.as_str(),
                "surname": p.surname,
                "given_names": p.given_names,
                "birth_date": format_iso_date(p.birth_date),
                "sex": p.sex.as_str(),
                "expiry_date": format_iso_date(p.expiry_date),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::passport::specimen;
    use super::*;
    use crate::domain::Application;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 04);

    fn rules() -> VisaRules {
        VisaRules {
            missions: ["AMB-PARIS", "DGPF"]
                .into_iter()
                .map(|m| OfficeCode::parse(m).unwrap())
                .collect(),
            max_stay_days: BTreeMap::from([
                (VisaType::Tourism, 90),
                (VisaType::Family, 90),
                (VisaType::Business, 90),
                (VisaType::Transit, 7),
            ]),
            exempt: VisaRules::EXEMPT.iter().map(|c| c.to_string()).collect(),
            aes_validity_days: None,
            border_posts: BTreeSet::new(),
            aes_partners: BTreeSet::new(),
        }
    }

    /// The specimen traveller applying.
    fn applicant() -> Applicant {
        let mut a = Application::example().applicant;
        a.surname = PersonName::parse("Eriksson").unwrap();
        a.given_names = PersonName::parse("Anna Maria").unwrap();
        a
    }

    fn form() -> VisaForm {
        VisaForm {
            mission: "AMB-PARIS".into(),
            visa_type: "tourism".into(),
            scope: "aes".into(),
            entries: "single".into(),
            arrival_date: "2027-01-10".into(),
            departure_date: "2027-01-24".into(),
            purpose: "Visite de Bamako et de Ségou".into(),
            host: None,
            passport: specimen::form(),
        }
    }

    fn parse(form: &VisaForm) -> Result<Result<VisaDetails, Vec<(String, Msg)>>, NoVisa> {
        let mut errors = FieldErrors::default();
        let parsed = VisaDetails::parse(form, Some(&applicant()), &rules(), TODAY, &mut errors)?;
        Ok(parsed.ok_or_else(|| errors.0.into_iter().map(|e| (e.field, e.message)).collect()))
    }

    fn refused(form: &VisaForm) -> Vec<(String, Msg)> {
        parse(form).unwrap().unwrap_err()
    }

    #[test]
    fn a_visa_application_reads_and_keeps_what_the_fee_table_reads() {
        let d = parse(&form()).unwrap().unwrap();
        assert_eq!(
            (d.visa_type, d.scope, d.entries),
            (VisaType::Tourism, Scope::Aes, Entries::Single)
        );
        let json = d.to_json();
        assert_eq!(
            (
                json["visa_type"].as_str(),
                json["scope"].as_str(),
                json["entries"].as_str()
            ),
            (Some("tourism"), Some("aes"), Some("single"))
        );
        assert_eq!(json["passport"]["nationality"], "UTO");
        assert_eq!(json["passport"]["mrz"].as_str().unwrap().lines().count(), 2);
    }

    /// ECOWAS and AES nationals need no visa: told so before anything else is looked at.
    #[test]
    fn a_traveller_who_needs_no_visa_is_told_so() {
        for code in ["SEN", "CIV", "BFA", "NER", "MLI"] {
            let mut f = form();
            f.passport.nationality = code.into();
            f.visa_type = "cruise".into();
            assert!(
                matches!(parse(&f), Err(NoVisa::NotRequired { nationality }) if nationality.as_str() == code),
                "{code}"
            );
        }
    }

    #[test]
    fn the_stay_fits_its_type_and_its_dates() {
        let mut f = form();
        f.departure_date = "2027-04-09".into(); // 90 days, both counted
        assert!(parse(&f).unwrap().is_ok());
        f.departure_date = "2027-04-10".into();
        assert_eq!(
            refused(&f),
            [(
                "details.departure_date".into(),
                Msg::StayTooLong { max_days: 90 }
            )]
        );
        f.visa_type = "transit".into();
        f.departure_date = "2027-01-17".into(); // 8 days
        assert_eq!(
            refused(&f),
            [(
                "details.departure_date".into(),
                Msg::StayTooLong { max_days: 7 }
            )]
        );
        f.departure_date = "2027-01-09".into();
        assert_eq!(
            refused(&f),
            [("details.departure_date".into(), Msg::DepartureBeforeArrival)]
        );
        let mut f = form();
        f.arrival_date = "2026-12-03".into();
        assert_eq!(
            refused(&f),
            [("details.arrival_date".into(), Msg::DateInPast)]
        );
    }

    /// The passport outlives the departure by six months: 2032-04-15 covers a departure on
    /// 2031-10-15, not one a day later.
    #[test]
    fn a_passport_expiring_too_soon_is_refused() {
        let mut f = form();
        f.arrival_date = "2031-10-10".into();
        f.departure_date = "2031-10-15".into();
        assert!(parse(&f).unwrap().is_ok());
        f.departure_date = "2031-10-16".into();
        assert_eq!(
            refused(&f),
            [(
                "details.passport.expiry_date".into(),
                Msg::PassportExpiresTooSoon {
                    departure: "2031-10-16".into()
                }
            )]
        );
    }

    #[test]
    fn the_applicant_is_the_passport_holder_and_a_family_visit_names_its_host() {
        let mut errors = FieldErrors::default();
        let mut other = applicant();
        other.surname = PersonName::parse("Traoré").unwrap();
        assert!(
            VisaDetails::parse(&form(), Some(&other), &rules(), TODAY, &mut errors)
                .unwrap()
                .is_none()
        );
        assert_eq!(errors.0[0].field, "applicant.surname");
        let mut f = form();
        f.visa_type = "family".into();
        assert_eq!(refused(&f), [("details.host".into(), Msg::Required)]);
        f.host = Some(HostForm {
            name: "Awa Diarra".into(),
            address: "Rue 305, Badalabougou, Bamako".into(),
            phone: "+223 70 00 00 00".into(),
        });
        assert!(parse(&f).unwrap().is_ok());
        let mut f = form();
        f.mission = "AMB-LONDON".into();
        assert!(matches!(
            &refused(&f)[..],
            [(field, Msg::UnknownChoice { choices })] if field == "details.mission" && choices.contains("AMB-PARIS")
        ));
    }
}
