//! The traveller's passport as a visa application types it: its machine-readable zone (ICAO Doc
//! 9303, TD3: two lines of 44) is parsed and every check digit verified by the `mrz` crate, and
//! each typed field must say what the zone says. The zone is what a border officer's reader sees;
//! a form that disagrees with it is a typo or a lie, and is refused field by field before anything
//! is stored or charged.

use crate::domain::{FieldErrors, parse_iso_date};
use crate::messages::{MrzPart, Msg};
use serde::Deserialize;
use time::{Date, Month};

/// The passport fields of a visa application, as the JSON carries them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassportForm {
    pub mrz: String,
    pub number: String,
    /// The MRZ's ICAO 9303 code (`FRA`, `D<<`).
    pub nationality: String,
    pub surname: String,
    pub given_names: String,
    pub birth_date: String,
    pub sex: String,
    pub expiry_date: String,
}

/// The holder's sex as a passport prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Female,
    Male,
    /// `X` on the page, `<` in the zone.
    Unspecified,
}

impl Sex {
    /// As a passport's page prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
            Sex::Unspecified => "X",
        }
    }
}

/// A passport number as the zone carries it: 1 to 20 of `A–Z`, `0–9`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PassportNumber(String);

impl PassportNumber {
    pub fn parse(raw: &str) -> Result<Self, Msg> {
        let n: String = raw
            .trim()
            .chars()
            .filter(|c| *c != ' ')
            .collect::<String>()
            .to_uppercase();
        if n.is_empty() || n.len() > 20 || !n.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Msg::InvalidPassportNumber);
        }
        Ok(PassportNumber(n))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A nationality as ICAO 9303 codes it: three cells of `A–Z` and `<` fillers (`MLI`, `D<<`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Nationality(String);

impl Nationality {
    pub fn parse(raw: &str) -> Result<Self, Msg> {
        let code = raw.trim().to_uppercase();
        let letters = code.trim_end_matches('<');
        if letters.is_empty()
            || code.len() > 3
            || !letters.chars().all(|c| c.is_ascii_uppercase())
            || code[letters.len()..].chars().any(|c| c != '<')
        {
            return Err(Msg::InvalidNationality);
        }
        Ok(Nationality(format!("{letters:<<3}")))
    }

    /// The three cells, fillers included (`D<<`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A passport whose zone verified and whose every typed field agrees with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passport {
    pub number: PassportNumber,
    pub nationality: Nationality,
    pub surname: String,
    pub given_names: String,
    pub birth_date: Date,
    pub sex: Sex,
    pub expiry_date: Date,
    /// The two lines, as verified.
    pub mrz: [String; 2],
}

impl Passport {
    /// Reads the form at `at` (`details.passport`): the zone first, then each field against it.
    /// Every problem is recorded in `errors`, under the field it is about.
    pub fn parse(
        form: &PassportForm,
        at: &str,
        today: Date,
        errors: &mut FieldErrors,
    ) -> Option<Self> {
        let field = |name: &str| format!("{at}.{name}");
        let before = errors.0.len();
        let number = errors.check(&field("number"), PassportNumber::parse(&form.number));
        let nationality =
            errors.check(&field("nationality"), Nationality::parse(&form.nationality));
        let birth_date = errors.check(&field("birth_date"), parse_iso_date(&form.birth_date));
        let expiry_date = errors.check(&field("expiry_date"), parse_iso_date(&form.expiry_date));
        let sex = errors.check(
            &field("sex"),
            match form.sex.trim().to_uppercase().as_str() {
                "F" => Ok(Sex::Female),
                "M" => Ok(Sex::Male),
                "X" | "<" => Ok(Sex::Unspecified),
                _ => Err(Msg::UnknownChoice {
                    choices: "F, M, X".into(),
                }),
            },
        );
        let zone = match read_zone(&form.mrz, today) {
            Ok(zone) => zone,
            Err(m) => {
                errors.push(field("mrz"), m);
                return None;
            }
        };
        let mut disagree = |name: &str, mrz: &str| {
            errors.push(
                field(name),
                Msg::DisagreesWithMrz {
                    mrz: mrz.to_owned(),
                },
            )
        };
        if let Some(n) = &number
            && n.as_str() != zone.number
        {
            disagree("number", &zone.number);
        }
        if let Some(n) = &nationality
            && n.as_str() != zone.nationality
        {
            disagree("nationality", &zone.nationality);
        }
        if !same_name(&form.surname, &zone.surname, zone.names_full) {
            disagree("surname", &zone.surname);
        }
        if !same_name(&form.given_names, &zone.given_names, zone.names_full) {
            disagree("given_names", &zone.given_names);
        }
        if let Some(d) = birth_date
            && zone.birth_date.is_some_and(|z| z != d)
        {
            disagree("birth_date", &zone.birth_date_text);
        }
        if let Some(d) = expiry_date
            && d != zone.expiry_date
        {
            disagree("expiry_date", &zone.expiry_date.to_string());
        }
        if let Some(s) = sex
            && s != zone.sex
        {
            disagree("sex", zone.sex_text);
        }
        if errors.0.len() > before {
            return None;
        }
        Some(Passport {
            number: number?,
            nationality: nationality?,
            surname: clean_name(&form.surname),
            given_names: clean_name(&form.given_names),
            birth_date: birth_date?,
            sex: sex?,
            expiry_date: expiry_date?,
            mrz: zone.lines,
        })
    }

    /// Whether the passport is still valid on `date` plus six months (what a visa's departure
    /// date needs).
    pub fn valid_six_months_after(&self, date: Date) -> bool {
        let month = u8::from(date.month()) + 6;
        let (year, month) = if month > 12 {
            (date.year() + 1, month - 12)
        } else {
            (date.year(), month)
        };
        let month = Month::try_from(month).unwrap_or(Month::December);
        // The 31st of a shorter month is that month's last day.
        let day = date.day().min(month.length(year));
        Date::from_calendar_date(year, month, day).is_ok_and(|limit| self.expiry_date >= limit)
    }
}

/// What the zone says, checked.
struct Zone {
    lines: [String; 2],
    number: String,
    nationality: String,
    surname: String,
    given_names: String,
    /// Whether the names fill line 1 to its end: a longer name is cut there.
    names_full: bool,
    birth_date: Option<Date>,
    birth_date_text: String,
    expiry_date: Date,
    sex: Sex,
    sex_text: &'static str,
}

fn read_zone(raw: &str, today: Date) -> Result<Zone, Msg> {
    let lines: Vec<String> = raw
        .lines()
        .map(|l| l.trim().replace(' ', "<").to_uppercase())
        .filter(|l| !l.is_empty())
        .collect();
    let [line1, line2] = lines.as_slice() else {
        return Err(Msg::MrzShape);
    };
    // A birth year written 26 is 2026 only if that is not after this year.
    let pivot = u32::try_from(today.year() % 100).unwrap_or(0);
    let zone = mrz::parse_td3_with(
        line1,
        line2,
        &mrz::ParseOptions::default().with_pivot_yy(pivot),
    )
    .map_err(|e| match e {
        mrz::MrzError::BadDocumentCode(_) => Msg::MrzNotAPassport,
        _ => Msg::MrzShape,
    })?;
    let checks = &zone.checks;
    for (ok, part) in [
        (checks.document_number, MrzPart::DocumentNumber),
        (checks.date_of_birth, MrzPart::BirthDate),
        (checks.date_of_expiry, MrzPart::ExpiryDate),
        (checks.personal_number, MrzPart::PersonalNumber),
        (checks.composite, MrzPart::Composite),
    ] {
        if ok == Some(false) {
            return Err(Msg::MrzCheckDigit { part });
        }
    }
    let date = |d: mrz::Date| {
        Month::try_from(u8::try_from(d.month).ok()?)
            .ok()
            .and_then(|m| Date::from_calendar_date(d.year, m, u8::try_from(d.day).ok()?).ok())
    };
    // ICAO lets an issuer leave an unknown birth date to fillers; an expiry date must be a day.
    let birth_date = match zone.date_of_birth {
        mrz::MrzDate::Calendar(d) => Some(date(d).ok_or(Msg::MrzDateInvalid)?),
        mrz::MrzDate::Unknown | mrz::MrzDate::PartiallyUnknown(_) => None,
        _ => return Err(Msg::MrzDateInvalid),
    };
    let expiry_date = zone
        .date_of_expiry
        .calendar()
        .and_then(date)
        .ok_or(Msg::MrzDateInvalid)?;
    let (sex, sex_text) = match zone.sex {
        mrz::Sex::Female => (Sex::Female, "F"),
        mrz::Sex::Male => (Sex::Male, "M"),
        _ => (Sex::Unspecified, "X"),
    };
    Ok(Zone {
        number: zone
            .document_number_full
            .clone()
            .unwrap_or_else(|| zone.document_number.clone()),
        nationality: format!("{:<<3}", zone.nationality.trim_end_matches('<')),
        names_full: !line1.ends_with('<'),
        surname: zone.surname.clone(),
        given_names: zone.given_names.clone(),
        birth_date,
        birth_date_text: zone.date_of_birth.to_string(),
        expiry_date,
        sex,
        sex_text,
        lines: [line1.clone(), line2.clone()],
    })
}

fn clean_name(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A typed name as the zone would print it: transliterated as Doc 9303 prescribes (É → E,
/// Ä → AE), anything but letters a separator, runs of separators one space.
fn as_in_zone(name: &str, style: mrz::TransliterationStyle) -> String {
    mrz::transliterate(name, style)
        .chars()
        .map(|c| if c.is_ascii_uppercase() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a typed name is the zone's: either way Doc 9303 transliterates (Ä as AE or as A), and
/// when the zone's names run to the end of line 1, the start of a longer name.
/// Whether two typed names are one, as a passport's zone would print them (accents, case and
/// punctuation aside).
pub(super) fn names_agree(a: &str, b: &str) -> bool {
    let styles = [
        mrz::TransliterationStyle::Expanded,
        mrz::TransliterationStyle::Simple,
    ];
    styles.iter().any(|sa| {
        styles
            .iter()
            .any(|sb| as_in_zone(a, *sa) == as_in_zone(b, *sb))
    })
}

fn same_name(typed: &str, zone: &str, zone_full: bool) -> bool {
    let zone = zone.split_whitespace().collect::<Vec<_>>().join(" ");
    [
        mrz::TransliterationStyle::Expanded,
        mrz::TransliterationStyle::Simple,
    ]
    .into_iter()
    .map(|style| as_in_zone(typed, style))
    .any(|t| t == zone || (zone_full && !zone.is_empty() && t.starts_with(&zone)))
}

/// ICAO's specimen passport, for the tests of this module and of the visa's details.
#[cfg(test)]
pub(super) mod specimen {
    use super::PassportForm;

    /// Doc 9303 part 4's specimen, line 1.
    pub const LINE1: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";

    /// Line 2 of a passport `L898902C3`, born 1974-08-12, female, expiring `expiry` (YYMMDD),
    /// personal number `ZE184226B`, every check digit computed.
    pub fn line2(expiry: &str) -> String {
        let digit = |s: &str| mrz::check_digit(s).unwrap().to_string();
        let number = "L898902C3";
        let personal = "ZE184226B<<<<<";
        let mut l = format!(
            "{number}{}UTO740812{}F{expiry}{}{personal}{}",
            digit(number),
            digit("740812"),
            digit(expiry),
            digit(personal)
        );
        let composite: String = [&l[0..10], &l[13..20], &l[21..43]].concat();
        l.push_str(&digit(&composite));
        l
    }

    /// The specimen's form, expiring 2032-04-15, every field as the zone says.
    pub fn form() -> PassportForm {
        PassportForm {
            mrz: format!("{LINE1}\n{}", line2("320415")),
            number: "L898902C3".into(),
            nationality: "UTO".into(),
            surname: "Eriksson".into(),
            given_names: "Anna Maria".into(),
            birth_date: "1974-08-12".into(),
            sex: "F".into(),
            expiry_date: "2032-04-15".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::specimen::{LINE1, form, line2};
    use super::*;
    use time::macros::date;

    fn parse(form: &PassportForm) -> Result<Passport, Vec<(String, Msg)>> {
        let mut errors = FieldErrors::default();
        Passport::parse(form, "details.passport", date!(2026 - 12 - 04), &mut errors)
            .ok_or_else(|| errors.0.into_iter().map(|e| (e.field, e.message)).collect())
    }

    #[test]
    fn a_passport_whose_fields_agree_with_its_zone_reads() {
        let p = parse(&form()).unwrap();
        assert_eq!(p.number.as_str(), "L898902C3");
        assert_eq!(p.birth_date, date!(1974 - 08 - 12));
        assert_eq!(p.expiry_date, date!(2032 - 04 - 15));
        assert_eq!(p.sex, Sex::Female);
        // Lower case, Windows line ends, stray spaces, a name typed with its accents: the same
        // passport.
        let mut f = form();
        f.mrz = format!(
            "  {}\r\n {} \n",
            LINE1.to_lowercase(),
            line2("320415").to_lowercase()
        );
        f.surname = "Ériksson".into();
        assert!(parse(&f).is_ok());
        assert!(p.valid_six_months_after(date!(2031 - 10 - 15)));
        assert!(!p.valid_six_months_after(date!(2031 - 10 - 16)));
    }

    /// Each check digit the zone prints, wrong in turn: refused, naming which.
    #[test]
    fn every_wrong_check_digit_is_named() {
        let good = line2("320415");
        for (at, part) in [
            (9, MrzPart::DocumentNumber),
            (19, MrzPart::BirthDate),
            (27, MrzPart::ExpiryDate),
            (42, MrzPart::PersonalNumber),
            (43, MrzPart::Composite),
        ] {
            let mut l = good.clone().into_bytes();
            l[at] = if l[at] == b'0' { b'1' } else { b'0' };
            let mut f = form();
            f.mrz = format!("{LINE1}\n{}", String::from_utf8(l).unwrap());
            assert_eq!(
                parse(&f).unwrap_err(),
                [(
                    "details.passport.mrz".to_owned(),
                    Msg::MrzCheckDigit { part }
                )],
                "check digit at {at}"
            );
        }
        let mut f = form();
        f.mrz = LINE1.into();
        assert_eq!(parse(&f).unwrap_err()[0].1, Msg::MrzShape);
        f.mrz = format!("I{}\n{}", &LINE1[1..], good);
        assert_eq!(parse(&f).unwrap_err()[0].1, Msg::MrzNotAPassport);
    }

    /// A typed field that is not what the zone says is refused under its own name, quoting the zone.
    #[test]
    fn a_field_that_disagrees_with_the_zone_is_named() {
        type Change = fn(&mut PassportForm);
        let cases: [(&str, Change); 6] = [
            ("number", |f| f.number = "L898902C4".into()),
            ("nationality", |f| f.nationality = "FRA".into()),
            ("surname", |f| f.surname = "Erikson".into()),
            ("birth_date", |f| f.birth_date = "1974-08-21".into()),
            ("sex", |f| f.sex = "M".into()),
            ("expiry_date", |f| f.expiry_date = "2032-04-16".into()),
        ];
        for (name, change) in cases {
            let mut f = form();
            change(&mut f);
            let errors = parse(&f).unwrap_err();
            assert_eq!(errors.len(), 1, "{name}: {errors:?}");
            assert_eq!(errors[0].0, format!("details.passport.{name}"));
            assert!(
                matches!(errors[0].1, Msg::DisagreesWithMrz { .. }),
                "{errors:?}"
            );
        }
    }

    #[test]
    fn nationalities_are_icao_codes() {
        assert_eq!(Nationality::parse("d").unwrap().as_str(), "D<<");
        assert_eq!(Nationality::parse("D<<").unwrap().as_str(), "D<<");
        assert_eq!(Nationality::parse("fra").unwrap().as_str(), "FRA");
        for bad in ["", "FRAN", "F1A", "<FR", "F<A"] {
            assert!(Nationality::parse(bad).is_err(), "{bad:?}");
        }
    }
}
