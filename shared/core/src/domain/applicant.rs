//! The person a document is about. A value of these types is valid by construction.

use super::text::{FieldErrors, clean};
use crate::messages::Msg;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::Date;
use time::macros::{date, format_description};

/// A surname or given names: letters of any script, spaces, hyphens and apostrophes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl PersonName {
    pub const MAX: usize = 80;

    pub fn parse(raw: &str) -> Result<Self, Msg> {
        let cleaned = clean(raw, Self::MAX)?;
        let ok = cleaned.chars().any(char::is_alphabetic)
            && cleaned
                .chars()
                .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’' | '.'));
        if ok {
            Ok(PersonName(cleaned))
        } else {
            Err(Msg::InvalidName)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A place name as the citizen writes it ("Bamako", "Kayes", "Paris").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlaceName(String);

impl PlaceName {
    pub const MAX: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, Msg> {
        let cleaned = clean(raw, Self::MAX)?;
        if cleaned.chars().any(char::is_alphabetic) {
            Ok(PlaceName(cleaned))
        } else {
            Err(Msg::InvalidName)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A date of birth: a real calendar date, not in the future, not before 1900.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BirthDate(Date);

impl BirthDate {
    pub fn parse(raw: &str, today: Date) -> Result<Self, Msg> {
        let d = parse_iso_date(raw)?;
        if d > today {
            Err(Msg::DateInFuture)
        } else if d < date!(1900 - 01 - 01) {
            Err(Msg::DateTooOld)
        } else {
            Ok(BirthDate(d))
        }
    }

    pub fn date(self) -> Date {
        self.0
    }
}

/// Parses `YYYY-MM-DD`, the only date form the contract accepts.
pub fn parse_iso_date(raw: &str) -> Result<Date, Msg> {
    let raw = raw.trim();
    Date::parse(raw, format_description!("[year]-[month]-[day]")).map_err(|_| {
        // In the right form but no such day (1990-02-30, 2026-13-01): say that, not the form.
        let shaped = raw.len() == 10
            && raw.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            });
        if shaped {
            Msg::NoSuchDate {
                date: raw.to_owned(),
            }
        } else {
            Msg::InvalidDate
        }
    })
}

pub fn format_iso_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl TryFrom<String> for BirthDate {
    type Error = Msg;
    fn try_from(s: String) -> Result<Self, Msg> {
        // Stored values were checked against "today" when they were taken; only the form is re-checked.
        parse_iso_date(&s).map(BirthDate)
    }
}

impl From<BirthDate> for String {
    fn from(d: BirthDate) -> Self {
        format_iso_date(d.0)
    }
}

impl fmt::Display for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_iso_date(self.0))
    }
}

/// Mali's national identification number (NINA): 14 digits and a letter; spaces are dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nina(String);

impl Nina {
    pub fn parse(raw: &str) -> Result<Self, Msg> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let bytes = compact.as_bytes();
        let ok = bytes.len() == 15
            && bytes[..14].iter().all(u8::is_ascii_digit)
            && bytes[14].is_ascii_uppercase();
        if ok {
            Ok(Nina(compact))
        } else {
            Err(Msg::InvalidNina)
        }
    }
}

/// An email address, checked for shape only; whether it receives mail is the mail server's business.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Msg> {
        let s = raw.trim();
        let ok = s.len() <= 254
            && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            && matches!(s.split_once('@'), Some((local, domain))
                if !local.is_empty() && !domain.contains('@') && domain.contains('.')
                    && !domain.starts_with('.') && !domain.ends_with('.'));
        if ok {
            Ok(Email(s.to_owned()))
        } else {
            Err(Msg::InvalidEmail)
        }
    }
}

/// A phone number in E.164 form (`+22370000000`), read as people write it: a Malian number of
/// 8 digits alone or after 223, +223 or 00223; any other country's after + or 00; spaces, dots,
/// dashes and brackets between the digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

/// Mali's country calling code, and the length of its national numbers.
const MALI: &str = "223";
const MALI_DIGITS: usize = 8;

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, Msg> {
        let compact: String = raw
            .chars()
            .filter(|c| !(c.is_whitespace() || matches!(c, '.' | '-' | '(' | ')' | '/')))
            .collect();
        if compact.is_empty()
            || !compact
                .trim_start_matches('+')
                .bytes()
                .all(|b| b.is_ascii_digit())
        {
            return Err(Msg::InvalidPhone);
        }
        let international = compact
            .strip_prefix('+')
            .or_else(|| compact.strip_prefix("00"));
        let digits = match international {
            Some(digits) => digits.to_owned(),
            None if compact.len() == MALI_DIGITS => format!("{MALI}{compact}"),
            None if compact.len() == MALI.len() + MALI_DIGITS && compact.starts_with(MALI) => {
                compact
            }
            None => return Err(Msg::InvalidPhone),
        };
        let malian_ok = digits
            .strip_prefix(MALI)
            .is_none_or(|national| national.len() == MALI_DIGITS);
        let ok = (8..=15).contains(&digits.len())
            && !digits.starts_with('0')
            && digits.bytes().all(|b| b.is_ascii_digit())
            && malian_ok;
        if ok {
            Ok(Phone(format!("+{digits}")))
        } else {
            Err(Msg::InvalidPhone)
        }
    }
}

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode(String);

impl CountryCode {
    pub fn mali() -> Self {
        CountryCode("ML".into())
    }

    pub fn parse(raw: &str) -> Result<Self, Msg> {
        let s = raw.trim().to_ascii_uppercase();
        if s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(CountryCode(s))
        } else {
            Err(Msg::InvalidCountry)
        }
    }

    pub fn is_mali(&self) -> bool {
        self.0 == "ML"
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_conversions {
    ($($t:ident),*) => {$(
        impl TryFrom<String> for $t {
            type Error = Msg;
            fn try_from(s: String) -> Result<Self, Msg> {
                $t::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> Self {
                v.0
            }
        }
    )*};
}
string_conversions!(PersonName, PlaceName, Nina, Email, CountryCode);

/// A stored phone reads as it was kept: any E.164 number the rule of its day accepted (a `+`,
/// 8 to 15 digits), so a stricter rule for what people type never makes a stored application
/// unreadable.
impl TryFrom<String> for Phone {
    type Error = Msg;
    fn try_from(s: String) -> Result<Self, Msg> {
        let e164 = s.strip_prefix('+').is_some_and(|digits| {
            (8..=15).contains(&digits.len())
                && digits.bytes().all(|b| b.is_ascii_digit())
                && !digits.starts_with('0')
        });
        if e164 { Ok(Phone(s)) } else { Phone::parse(&s) }
    }
}

impl From<Phone> for String {
    fn from(v: Phone) -> Self {
        v.0
    }
}

/// The identity fields of the form, as the citizen sent them.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantInput {
    /// Nom
    pub surname: Option<String>,
    /// Prénoms
    pub given_names: Option<String>,
    /// Date de naissance, `YYYY-MM-DD`
    #[schema(format = Date)]
    pub birth_date: Option<String>,
    /// Lieu de naissance (commune, ville)
    pub birth_place: Option<String>,
    /// Pays de naissance, ISO 3166-1 alpha-2; `ML` when absent
    pub birth_country: Option<String>,
    /// Numéro d'identification nationale
    pub nina: Option<String>,
    pub father_name: Option<String>,
    pub mother_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A person whose every field has been checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub surname: PersonName,
    pub given_names: PersonName,
    pub birth_date: BirthDate,
    pub birth_place: PlaceName,
    pub birth_country: CountryCode,
    pub nina: Option<Nina>,
    pub father_name: Option<PersonName>,
    pub mother_name: Option<PersonName>,
    pub email: Option<Email>,
    pub phone: Option<Phone>,
}

impl Applicant {
    /// The fields a form must fill (`Applicant::parse` refuses a form without them); a kind that
    /// does not route by the place of birth leaves that out.
    pub fn required_fields(birth_place_optional: bool) -> Vec<&'static str> {
        let mut fields = vec!["surname", "given_names", "birth_date"];
        if !birth_place_optional {
            fields.push("birth_place");
        }
        fields
    }

    /// Checks every field and reports all that fail, each under `prefix.field`.
    pub fn parse(
        input: &ApplicantInput,
        today: Date,
        prefix: &str,
        errors: &mut FieldErrors,
    ) -> Option<Applicant> {
        let f = |name: &str| format!("{prefix}.{name}");
        let surname = errors.required(
            &f("surname"),
            non_blank(&input.surname).map(PersonName::parse),
        );
        let given_names = errors.required(
            &f("given_names"),
            non_blank(&input.given_names).map(PersonName::parse),
        );
        let birth_date = errors.required(
            &f("birth_date"),
            non_blank(&input.birth_date).map(|s| BirthDate::parse(s, today)),
        );
        let birth_place = errors.required(
            &f("birth_place"),
            non_blank(&input.birth_place).map(PlaceName::parse),
        );
        let birth_country = match non_blank(&input.birth_country) {
            None => Some(CountryCode::mali()),
            Some(s) => errors.check(&f("birth_country"), CountryCode::parse(s)),
        };
        let nina = optional(errors, f("nina"), &input.nina, Nina::parse);
        let father_name = optional(
            errors,
            f("father_name"),
            &input.father_name,
            PersonName::parse,
        );
        let mother_name = optional(
            errors,
            f("mother_name"),
            &input.mother_name,
            PersonName::parse,
        );
        let email = optional(errors, f("email"), &input.email, Email::parse);
        let phone = optional(errors, f("phone"), &input.phone, Phone::parse);
        Some(Applicant {
            surname: surname?,
            given_names: given_names?,
            birth_date: birth_date?,
            birth_place: birth_place?,
            birth_country: birth_country?,
            nina: nina?,
            father_name: father_name?,
            mother_name: mother_name?,
            email: email?,
            phone: phone?,
        })
    }
}

fn non_blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.trim().is_empty())
}

/// An optional field: absent or blank is `Some(None)`, present but invalid is `None` (and recorded).
fn optional<T>(
    errors: &mut FieldErrors,
    field: String,
    value: &Option<String>,
    parse: fn(&str) -> Result<T, Msg>,
) -> Option<Option<T>> {
    match non_blank(value) {
        None => Some(None),
        Some(s) => errors.check(&field, parse(s)).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        date!(2026 - 11 - 25)
    }

    fn input() -> ApplicantInput {
        ApplicantInput {
            surname: Some("Traoré".into()),
            given_names: Some("Aminata  Fatoumata".into()),
            birth_date: Some("1990-04-12".into()),
            birth_place: Some("Bamako".into()),
            nina: Some("12345678901234 a".into()),
            phone: Some("+223 70 00 00 00".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_form_parses_and_normalises() {
        let mut errors = FieldErrors::default();
        let a = Applicant::parse(&input(), today(), "applicant", &mut errors).unwrap();
        assert!(errors.is_empty());
        assert_eq!(a.given_names.as_str(), "Aminata Fatoumata");
        assert_eq!(String::from(a.nina.unwrap()), "12345678901234A");
        assert_eq!(String::from(a.phone.unwrap()), "+22370000000");
        assert!(a.birth_country.is_mali());
    }

    #[test]
    fn phones_are_read_as_people_write_them() {
        for (written, stored) in [
            ("70 12 34 56", "+22370123456"),
            ("70.12.34.56", "+22370123456"),
            ("70-12-34-56", "+22370123456"),
            ("+223 70 12 34 56", "+22370123456"),
            ("00223 70 12 34 56", "+22370123456"),
            ("223 70123456", "+22370123456"),
            ("+33 6 12 34 56 78", "+33612345678"),
            ("+1 (212) 555-0100", "+12125550100"),
        ] {
            assert_eq!(
                Phone::parse(written).map(String::from),
                Ok(stored.to_owned()),
                "{written}"
            );
        }
        for wrong in [
            "",
            "7012345",
            "701234567",
            "+223 70 12 34 5",
            "+223 70 12 34 567",
            "06 12 34 56 78",
            "+0 12345678",
            "70 12 34 5x",
            "+1234567",
            "+1234567890123456",
        ] {
            assert_eq!(Phone::parse(wrong), Err(Msg::InvalidPhone), "{wrong:?}");
        }
    }

    #[test]
    fn a_stored_phone_of_an_older_rule_still_reads() {
        let stored: Phone = serde_json::from_str("\"+2237012345\"").unwrap();
        assert_eq!(String::from(stored), "+2237012345");
        assert!(serde_json::from_str::<Phone>("\"12\"").is_err());
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = ApplicantInput {
            surname: None,
            given_names: Some("R2-D2".into()),
            birth_date: Some("2030-01-01".into()),
            birth_place: Some("  ".into()),
            email: Some("nobody".into()),
            nina: Some("123".into()),
            ..Default::default()
        };
        let mut errors = FieldErrors::default();
        assert!(Applicant::parse(&bad, today(), "applicant", &mut errors).is_none());
        let fields: Vec<_> = errors
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.message.clone()))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("applicant.surname", Msg::Required),
                ("applicant.given_names", Msg::InvalidName),
                ("applicant.birth_date", Msg::DateInFuture),
                ("applicant.birth_place", Msg::Required),
                ("applicant.nina", Msg::InvalidNina),
                ("applicant.email", Msg::InvalidEmail),
            ]
        );
    }

    #[test]
    fn dates_are_strict() {
        assert_eq!(
            BirthDate::parse("1990-02-30", today()),
            Err(Msg::NoSuchDate {
                date: "1990-02-30".into()
            })
        );
        assert_eq!(
            BirthDate::parse("1990-13-01", today()),
            Err(Msg::NoSuchDate {
                date: "1990-13-01".into()
            })
        );
        assert_eq!(
            BirthDate::parse("12/04/1990", today()),
            Err(Msg::InvalidDate)
        );
        assert_eq!(
            BirthDate::parse("1899-12-31", today()),
            Err(Msg::DateTooOld)
        );
        assert!(BirthDate::parse("2026-11-25", today()).is_ok());
    }
}
