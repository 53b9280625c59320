//! Who a document is about. Most documents are about the person who asked (`applicant`); some
//! (a tank truck's gauging certificate) are about an organisation, while a person still asks.

use super::{Applicant, BirthDate, PersonName};
use crate::messages::Msg;
use serde::{Deserialize, Serialize};

/// A document's holder, as the registry keeps it and a verifier may see it. Stored as it always
/// was for a person (`{surname, given_names, birth_date}`); an organisation is
/// `{"organisation": {name, registration_number}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Holder {
    Organisation { organisation: Organisation },
    Person(Person),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub surname: PersonName,
    pub given_names: PersonName,
    pub birth_date: BirthDate,
}

/// A company or another registered body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    pub name: String,
    /// Its number in the trade register (RCCM) or the register that knows it, exactly as
    /// written there: the seal carries it whole.
    pub registration_number: String,
}

impl Organisation {
    pub const NAME_MAX: usize = 80;
    pub const NUMBER_MAX: usize = 20;

    pub fn name(raw: &str) -> Result<String, Msg> {
        super::clean_text(raw, Self::NAME_MAX)
    }

    /// Letters, digits, and `.`, `/`, `-` and spaces between them, at most 20 characters.
    pub fn registration_number(raw: &str) -> Result<String, Msg> {
        let cleaned = super::clean_text(raw, Self::NUMBER_MAX)?;
        if cleaned
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " ./-".contains(c))
        {
            Ok(cleaned)
        } else {
            Err(Msg::InvalidRegistrationNumber)
        }
    }
}

impl Holder {
    /// The applicant, as holder of a document about them.
    pub fn person(a: &Applicant) -> Self {
        Holder::Person(Person {
            surname: a.surname.clone(),
            given_names: a.given_names.clone(),
            birth_date: a.birth_date,
        })
    }

    pub fn as_person(&self) -> Option<&Person> {
        match self {
            Holder::Person(p) => Some(p),
            Holder::Organisation { .. } => None,
        }
    }

    pub fn as_organisation(&self) -> Option<&Organisation> {
        match self {
            Holder::Organisation { organisation } => Some(organisation),
            Holder::Person(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_person_is_stored_as_before_and_an_organisation_beside_it() {
        let before =
            json!({"surname": "Traoré", "given_names": "Aminata", "birth_date": "1990-04-12"});
        let h: Holder = serde_json::from_value(before.clone()).unwrap();
        assert!(h.as_person().is_some());
        assert_eq!(serde_json::to_value(&h).unwrap(), before);
        let org = json!({"organisation": {"name": "Transports Sahel SA", "registration_number": "MA.BKO.2019.B.1234"}});
        let h: Holder = serde_json::from_value(org.clone()).unwrap();
        assert_eq!(h.as_organisation().unwrap().name, "Transports Sahel SA");
        assert_eq!(serde_json::to_value(&h).unwrap(), org);
    }

    #[test]
    fn a_registration_number_is_plain() {
        assert_eq!(
            Organisation::registration_number(" MA.BKO.2019.B.1234 ").unwrap(),
            "MA.BKO.2019.B.1234"
        );
        assert_eq!(
            Organisation::registration_number("MA<BKO>"),
            Err(Msg::InvalidRegistrationNumber)
        );
        assert!(Organisation::registration_number(&"1".repeat(21)).is_err());
    }
}
