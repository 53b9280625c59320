//! What can be asked for, what it costs, who keeps it: one data file, read once at start.
//!
//! The default ships inside the binary and is written to the data directory on first start, where
//! an operator may edit it; the file is checked as a whole when it is loaded, so a typo in an
//! office code stops the start instead of misrouting a criminal record.

use crate::domain::{Applicant, DocumentKind, Money, OfficeCode};
use serde::Deserialize;
use std::collections::HashMap;

/// The catalogue shipped with this version.
pub const DEFAULT_JSON: &str = include_str!("../catalogue/catalogue.json");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub kind: DocumentKind,
    /// The fee table: one fee per kind.
    pub fee: Money,
    /// How long an issued document is commonly accepted; none for acts that do not expire.
    pub validity_days: Option<u32>,
    pub online: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Office {
    pub code: OfficeCode,
    pub name: String,
    pub city: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Routing {
    places: HashMap<String, OfficeCode>,
    born_abroad: OfficeCode,
    place_not_listed: OfficeCode,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    version: u32,
    services: Vec<Service>,
    offices: Vec<Office>,
    routing: HashMap<DocumentKind, Routing>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("catalogue is not valid JSON of the expected shape: {0}")]
    Shape(#[from] serde_json::Error),
    #[error("catalogue names office {0}, which it does not list")]
    UnknownOffice(String),
    #[error("catalogue offers {0} online without routing for it")]
    NoRouting(DocumentKind),
    #[error("catalogue lists {0} twice")]
    Duplicate(String),
    #[error("office code {0} is longer than the {max} characters a seal has room for", max = crate::domain::OFFICE_MAX)]
    OfficeCodeTooLong(String),
}

#[derive(Debug, Clone)]
pub struct Catalogue {
    pub version: u32,
    services: HashMap<DocumentKind, Service>,
    offices: HashMap<OfficeCode, Office>,
    routing: HashMap<DocumentKind, Routing>,
}

impl Catalogue {
    pub fn parse(json: &str) -> Result<Self, CatalogueError> {
        let file: CatalogueFile = serde_json::from_str(json)?;
        let mut offices = HashMap::new();
        for o in file.offices {
            if o.code.as_str().len() > crate::domain::OFFICE_MAX {
                return Err(CatalogueError::OfficeCodeTooLong(o.code.to_string()));
            }
            if offices.insert(o.code.clone(), o.clone()).is_some() {
                return Err(CatalogueError::Duplicate(o.code.to_string()));
            }
        }
        let mut routing = HashMap::new();
        for (kind, mut r) in file.routing {
            let targets = r
                .places
                .values()
                .chain([&r.born_abroad, &r.place_not_listed]);
            if let Some(missing) = targets.into_iter().find(|c| !offices.contains_key(*c)) {
                return Err(CatalogueError::UnknownOffice(missing.to_string()));
            }
            r.places = r
                .places
                .into_iter()
                .map(|(place, office)| (normalise_place(&place), office))
                .collect();
            routing.insert(kind, r);
        }
        let mut services = HashMap::new();
        for s in file.services {
            if s.online && !routing.contains_key(&s.kind) {
                return Err(CatalogueError::NoRouting(s.kind));
            }
            if services.insert(s.kind, s.clone()).is_some() {
                return Err(CatalogueError::Duplicate(s.kind.to_string()));
            }
        }
        Ok(Catalogue {
            version: file.version,
            services,
            offices,
            routing,
        })
    }

    pub fn default_catalogue() -> Self {
        // The shipped file is checked by a unit test; failing here is a build defect.
        Self::parse(DEFAULT_JSON).expect("the shipped catalogue is valid")
    }

    /// Every office, in a stable order.
    pub fn office_codes(&self) -> Vec<OfficeCode> {
        let mut codes: Vec<OfficeCode> = self.offices.keys().cloned().collect();
        codes.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        codes
    }

    /// The service for a kind, if it can be asked for online.
    pub fn service(&self, kind: DocumentKind) -> Option<&Service> {
        self.services.get(&kind).filter(|s| s.online)
    }

    pub fn office(&self, code: &OfficeCode) -> Option<&Office> {
        self.offices.get(code)
    }

    /// The office that keeps this kind of record for this person.
    pub fn route(&self, kind: DocumentKind, applicant: &Applicant) -> Option<&Office> {
        let r = self.routing.get(&kind)?;
        let code = if !applicant.birth_country.is_mali() {
            &r.born_abroad
        } else {
            r.places
                .get(&normalise_place(applicant.birth_place.as_str()))
                .unwrap_or(&r.place_not_listed)
        };
        self.offices.get(code)
    }
}

/// "Ségou", "SEGOU" and "segou " are one place; so are "Commune-III" and "commune iii".
fn normalise_place(raw: &str) -> String {
    let folded: String = raw
        .chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'á' | 'À' | 'Â' | 'Ä' | 'Á' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'î' | 'ï' | 'í' | 'Î' | 'Ï' | 'Í' => 'i',
            'ô' | 'ö' | 'ó' | 'Ô' | 'Ö' | 'Ó' => 'o',
            'ù' | 'û' | 'ü' | 'ú' | 'Ù' | 'Û' | 'Ü' | 'Ú' => 'u',
            'ç' | 'Ç' => 'c',
            '-' | '\'' | '’' | ',' | '.' => ' ',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ApplicantInput, FieldErrors};
    use time::macros::date;

    fn born_in(place: &str, country: Option<&str>) -> Applicant {
        let input = ApplicantInput {
            surname: Some("Keïta".into()),
            given_names: Some("Mariam".into()),
            birth_date: Some("1992-01-15".into()),
            birth_place: Some(place.into()),
            birth_country: country.map(Into::into),
            ..Default::default()
        };
        Applicant::parse(
            &input,
            date!(2026 - 11 - 25),
            "applicant",
            &mut FieldErrors::default(),
        )
        .unwrap()
    }

    fn route(place: &str, country: Option<&str>) -> String {
        let c = Catalogue::default_catalogue();
        c.route(
            DocumentKind::CriminalRecordExtract,
            &born_in(place, country),
        )
        .unwrap()
        .code
        .to_string()
    }

    #[test]
    fn the_shipped_catalogue_routes_by_place_of_birth() {
        assert_eq!(route("Bamako", None), "TGI-BKO-C3");
        assert_eq!(route("bamako commune-i", None), "TGI-BKO-C1");
        assert_eq!(route("SEGOU", None), "TGI-SEG");
        assert_eq!(route("Djenné", None), "TGI-MPT");
        assert_eq!(route("Paris", Some("FR")), "MJ-CJC");
        assert_eq!(
            route("Bamako", Some("CI")),
            "MJ-CJC",
            "a Bamako abroad is not ours"
        );
        assert_eq!(route("Hameau inconnu", None), "MJ-CJC");
    }

    #[test]
    fn the_fee_comes_from_the_table_and_unoffered_kinds_are_absent() {
        let c = Catalogue::default_catalogue();
        assert_eq!(
            c.service(DocumentKind::CriminalRecordExtract).unwrap().fee,
            Money::xof(750)
        );
        assert!(c.service(DocumentKind::Visa).is_none());
    }

    #[test]
    fn a_routing_to_an_unlisted_office_is_refused() {
        let bad = DEFAULT_JSON.replace(
            "\"born_abroad\": \"MJ-CJC\"",
            "\"born_abroad\": \"NOWHERE\"",
        );
        assert!(
            matches!(Catalogue::parse(&bad), Err(CatalogueError::UnknownOffice(c)) if c == "NOWHERE")
        );
    }
}
