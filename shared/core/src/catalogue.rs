//! What can be asked for, what it costs, who keeps it: one data file, read once at start.
//!
//! The default ships inside the binary and is written to the data directory on first start, where
//! an operator may edit it; the file is checked as a whole when it is loaded, so a typo in an
//! office code stops the start instead of misrouting a criminal record.

use crate::domain::{Applicant, DocumentKind, Money, OfficeCode, Role};
use crate::kinds::{DataKind, Declaration, Kind, KindError, Kinds};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

/// The catalogue shipped with this version.
pub const DEFAULT_JSON: &str = include_str!("../catalogue/catalogue.json");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub kind: DocumentKind,
    /// The fee, unless a line of `fees` matches the application's details.
    pub fee: Money,
    /// Fees that depend on what is asked (a visa's type, scope and entries): the first line whose
    /// every `when` value equals the details' value at that path is the fee.
    #[serde(default)]
    pub fees: Vec<FeeLine>,
    /// How long an issued document is commonly accepted; none for acts that do not expire.
    pub validity_days: Option<u32>,
    pub online: bool,
    /// A kind declared here, by data alone (`crate::kinds::DataKind`); absent, the kind is one
    /// written in Rust.
    #[serde(default)]
    pub declares: Option<Declaration>,
    /// The title each role signs this kind's documents with (`{"signatory": "Le Président du
    /// Tribunal"}`), printed with the name of the officer who decided; a role not listed signs
    /// with its template's `signature`.
    #[serde(default)]
    pub titles: std::collections::BTreeMap<String, String>,
    /// The texts the document is issued under, printed on it as written here (a sentence). It is
    /// the operator's to state: the service does not make up a legal reference.
    #[serde(default)]
    pub legal_basis: Option<String>,
    /// What the service is, for the page before its form: a sentence or two in French, and in
    /// English.
    #[serde(default)]
    pub about: Option<String>,
    #[serde(default)]
    pub about_en: Option<String>,
    /// The usual number of working days from payment to the document, as the office commits to
    /// it: told before applying and after paying.
    #[serde(default)]
    pub usual_days: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeLine {
    /// Detail paths (`visa_type`, `passport.nationality`) and the value each must have.
    pub when: std::collections::BTreeMap<String, serde_json::Value>,
    pub fee: Money,
}

/// The values a fee depends on: the details' value at each path a fee line names (a path the
/// details do not have is left out). Kept on the application when it is made, they are what was
/// priced, and so what a later answer may not change.
pub type FeeTerms = std::collections::BTreeMap<String, serde_json::Value>;

impl Service {
    /// What an application with these (parsed) details costs: the fee table is the only place
    /// fees live.
    pub fn fee_for(&self, details: &serde_json::Value) -> Money {
        self.fee_for_terms(&self.fee_terms(details))
    }

    /// What these terms cost: the first line whose every `when` value equals the term at that
    /// path, else the service's fee.
    pub fn fee_for_terms(&self, terms: &FeeTerms) -> Money {
        self.fees
            .iter()
            .find(|line| {
                line.when
                    .iter()
                    .all(|(path, want)| terms.get(path).is_some_and(|got| got == want))
            })
            .map_or(self.fee, |line| line.fee)
    }

    /// The details' values at every path a fee line names.
    pub fn fee_terms(&self, details: &serde_json::Value) -> FeeTerms {
        self.fees
            .iter()
            .flat_map(|line| line.when.keys())
            .filter_map(|path| {
                let value = path.split('.').try_fold(details, |v, key| v.get(key))?;
                Some((path.clone(), value.clone()))
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Office {
    pub code: OfficeCode,
    pub name: String,
    pub city: String,
    /// Where to write or go (a street address, a post box), as the operator states it.
    #[serde(default)]
    pub address: Option<String>,
    /// How to reach it (a phone, an email), as the operator states it.
    #[serde(default)]
    pub contact: Option<String>,
}

impl Office {
    /// How a refused applicant contests the decision, and whom they write to.
    pub fn how_to_contest(&self) -> crate::messages::Msg {
        crate::messages::Msg::HowToContest(Box::new(self.clone()))
    }
}

/// Which office decides: by the applicant's place of birth (a court keeps the records of the
/// people born in its district), or always the same one (`office`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoutingFile {
    #[serde(default)]
    places: HashMap<String, OfficeCode>,
    born_abroad: Option<OfficeCode>,
    place_not_listed: Option<OfficeCode>,
    office: Option<OfficeCode>,
}

#[derive(Debug, Clone)]
enum Routing {
    ByBirth {
        /// By the place's folded name (`normalise_place`).
        places: HashMap<String, OfficeCode>,
        /// The places as the catalogue spells them, each with its folded name, for suggestions.
        names: Vec<(String, String)>,
        born_abroad: OfficeCode,
        place_not_listed: OfficeCode,
    },
    Fixed(OfficeCode),
}

/// Why an application went to the office it went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteReason {
    /// The court of the district where the applicant was born.
    PlaceOfBirth,
    /// Born outside Mali: the office the catalogue names for them.
    BornAbroad,
    /// A place in Mali the catalogue does not list (perhaps misspelt): the central office.
    PlaceNotListed,
    /// The kind has one office for everyone.
    SingleOffice,
}

impl RouteReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RouteReason::PlaceOfBirth => "place_of_birth",
            RouteReason::BornAbroad => "born_abroad",
            RouteReason::PlaceNotListed => "place_not_listed",
            RouteReason::SingleOffice => "single_office",
        }
    }
}

/// Where an application goes, why, and (for a place not listed) the listed places closest to
/// what was typed: "Bamakoo" is most likely Bamako, and can be corrected before paying.
#[derive(Debug, Clone)]
pub struct Routed<'c> {
    pub office: &'c Office,
    pub reason: RouteReason,
    pub suggestions: Vec<String>,
}

/// How alike two folded place names must be (Jaro-Winkler) to suggest one for the other.
const SUGGESTION_SIMILARITY: f64 = 0.85;
const SUGGESTIONS: usize = 3;

impl RoutingFile {
    fn resolve(self, kind: DocumentKind) -> Result<Routing, CatalogueError> {
        match (self.office, self.born_abroad, self.place_not_listed) {
            (Some(office), None, None) if self.places.is_empty() => Ok(Routing::Fixed(office)),
            (None, Some(born_abroad), Some(place_not_listed)) => {
                let mut names: Vec<(String, String)> = self
                    .places
                    .keys()
                    .map(|place| (place.clone(), normalise_place(place)))
                    .collect();
                names.sort();
                Ok(Routing::ByBirth {
                    places: self
                        .places
                        .into_iter()
                        .map(|(place, office)| (normalise_place(&place), office))
                        .collect(),
                    names,
                    born_abroad,
                    place_not_listed,
                })
            }
            _ => Err(CatalogueError::RoutingShape(kind)),
        }
    }
}

impl Routing {
    fn offices(&self) -> Vec<&OfficeCode> {
        match self {
            Routing::ByBirth {
                places,
                born_abroad,
                place_not_listed,
                ..
            } => places
                .values()
                .chain([born_abroad, place_not_listed])
                .collect(),
            Routing::Fixed(office) => vec![office],
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    version: u32,
    services: Vec<Service>,
    offices: Vec<Office>,
    routing: HashMap<DocumentKind, RoutingFile>,
    #[serde(default)]
    visas: Option<VisasFile>,
}

/// What the catalogue says of visas (`crate::kinds::visa::details::VisaRules`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct VisasFile {
    /// Office codes where a visa may be asked for: missions abroad, the border police inside Mali.
    missions: Vec<OfficeCode>,
    /// The longest stay of each type, in days (`tourism`, `family`, `business`, `transit`).
    max_stay_days: std::collections::BTreeMap<String, u32>,
    /// ICAO nationality codes whose holders need no visa.
    exempt: Vec<String>,
    /// How many days from the arrival an AES visa ("Visa Liptako") may be used: the member
    /// states have not published it yet, so the operator sets it. Absent, an AES visa is valid
    /// like a national one (to the departure and its grace).
    #[serde(default)]
    aes_validity_days: Option<u32>,
    /// The border posts whose officers record crossings (airports, land posts).
    #[serde(default)]
    border_posts: Vec<OfficeCode>,
    /// The states whose systems read the AES feed (`BFA`, `NER`).
    #[serde(default)]
    aes_partners: Vec<String>,
}

impl VisasFile {
    fn resolve(
        self,
        offices: &HashMap<OfficeCode, Office>,
    ) -> Result<crate::kinds::visa::details::VisaRules, CatalogueError> {
        use crate::kinds::visa::details::{VisaRules, VisaType};
        let wrong = |message: String| CatalogueError::Visas(message);
        if let Some(m) = self.missions.iter().find(|m| !offices.contains_key(*m)) {
            return Err(CatalogueError::UnknownOffice(m.to_string()));
        }
        let mut max_stay_days = std::collections::BTreeMap::new();
        for (name, days) in self.max_stay_days {
            let t = VisaType::parse(&name)
                .map_err(|_| wrong(format!("max_stay_days: {name} is not a visa type")))?;
            max_stay_days.insert(t, days);
        }
        if let Some(missing) = VisaType::ALL
            .iter()
            .find(|t| !max_stay_days.contains_key(t))
        {
            return Err(wrong(format!(
                "max_stay_days: no longest stay for {}",
                missing.as_str()
            )));
        }
        let mut exempt = std::collections::BTreeSet::new();
        for code in self.exempt {
            let n = crate::kinds::visa::passport::Nationality::parse(&code)
                .map_err(|_| wrong(format!("exempt: {code} is not an ICAO nationality code")))?;
            exempt.insert(n.as_str().trim_end_matches('<').to_owned());
        }
        if let Some(p) = self.border_posts.iter().find(|p| !offices.contains_key(*p)) {
            return Err(CatalogueError::UnknownOffice(p.to_string()));
        }
        if let Some(s) = self
            .aes_partners
            .iter()
            .find(|s| crate::domain::PartnerState::parse(s).is_none())
        {
            return Err(wrong(format!("aes_partners: {s} is not a state code")));
        }
        if self.aes_validity_days == Some(0) {
            return Err(wrong("aes_validity_days: at least one day".into()));
        }
        Ok(VisaRules {
            missions: self.missions.into_iter().collect(),
            max_stay_days,
            exempt,
            aes_validity_days: self.aes_validity_days,
            border_posts: self.border_posts.into_iter().collect(),
            aes_partners: self.aes_partners.into_iter().collect(),
        })
    }
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
    #[error("catalogue visas: {0}")]
    Visas(String),
    #[error("office code {0} is longer than the {max} characters a seal has room for", max = crate::domain::OFFICE_MAX)]
    OfficeCodeTooLong(String),
    /// The entry names no kind written in Rust and declares none of its own: it cannot be
    /// asked for, decided or drawn, and is refused rather than run as another kind.
    #[error(
        "catalogue entry {0}: no kind of that name exists, so it has no details, workflow or template; remove the entry, correct its name, or declare the kind in it (`declares`: docs/design.md)"
    )]
    NoSuchKind(DocumentKind),
    #[error("catalogue kinds: {0}")]
    Kinds(#[from] KindError),
    #[error("catalogue {path}: {message}")]
    Read { path: String, message: String },
    #[error("catalogue entry {kind}: {message}")]
    Declaration { kind: DocumentKind, message: String },
    #[error(
        "catalogue entry {0} is a kind written in Rust: it cannot also be declared (remove `declares`, or give the new kind another name)"
    )]
    DeclaresBuiltin(DocumentKind),
    #[error(
        "catalogue routing for {0}: give either `office` alone, or `born_abroad` and `place_not_listed` (with `places`)"
    )]
    RoutingShape(DocumentKind),
    #[error("catalogue entry {kind}: its template {template} cannot be found")]
    NoTemplate {
        kind: DocumentKind,
        template: String,
    },
}

#[derive(Debug, Clone)]
pub struct Catalogue {
    pub version: u32,
    kinds: Kinds,
    services: HashMap<DocumentKind, Service>,
    offices: HashMap<OfficeCode, Office>,
    routing: HashMap<DocumentKind, Routing>,
    visas: Option<crate::kinds::visa::details::VisaRules>,
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
        for (kind, r) in file.routing {
            let r = r.resolve(kind)?;
            if let Some(missing) = r.offices().into_iter().find(|c| !offices.contains_key(*c)) {
                return Err(CatalogueError::UnknownOffice(missing.to_string()));
            }
            routing.insert(kind, r);
        }
        let visas = file.visas.map(|v| v.resolve(&offices)).transpose()?;
        let mut all = Kinds::builtin();
        // The visa exists where the catalogue says where visas are asked for and who needs none.
        if let Some(rules) = &visas {
            all.push(Arc::new(crate::kinds::Visa::new(rules.clone())));
        }
        for s in &file.services {
            let Some(declaration) = &s.declares else {
                continue;
            };
            if all.iter().any(|k| k.names().kind == s.kind) {
                return Err(CatalogueError::DeclaresBuiltin(s.kind));
            }
            let kind = DataKind::new(s.kind, declaration).map_err(|message| {
                CatalogueError::Declaration {
                    kind: s.kind,
                    message,
                }
            })?;
            all.push(Arc::new(kind));
        }
        let kinds = Kinds::new(all)?;
        // A step a central unit acts on names an office this catalogue lists.
        for k in kinds.iter() {
            if let Some(o) = k
                .workflow()
                .central_offices()
                .find(|o| !offices.contains_key(*o))
            {
                return Err(CatalogueError::UnknownOffice(o.to_string()));
            }
        }
        let mut services = HashMap::new();
        for s in file.services {
            if kinds.get(s.kind).is_none() {
                return Err(CatalogueError::NoSuchKind(s.kind));
            }
            let chooses_office = kinds.get(s.kind).is_some_and(|k| !k.offices().is_empty());
            if s.online && !routing.contains_key(&s.kind) && !chooses_office {
                return Err(CatalogueError::NoRouting(s.kind));
            }
            if let Some(role) = s.titles.keys().find(|r| Role::parse(r).is_none()) {
                return Err(CatalogueError::Declaration {
                    kind: s.kind,
                    message: format!("titles: {role} is not a role"),
                });
            }
            if services.insert(s.kind, s.clone()).is_some() {
                return Err(CatalogueError::Duplicate(s.kind.to_string()));
            }
        }
        Ok(Catalogue {
            version: file.version,
            kinds,
            services,
            offices,
            routing,
            visas,
        })
    }

    /// The catalogue an operator keeps in a file.
    pub fn from_file(path: &std::path::Path) -> Result<Self, CatalogueError> {
        let text = std::fs::read_to_string(path).map_err(|e| CatalogueError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Self::parse(&text)
    }

    /// The catalogue a function reads: the file `GUICHET_CATALOGUE` names (shipped beside the
    /// function or on a layer), else the one shipped in the binary.
    pub fn from_env(env: &crate::settings::Env) -> Result<Self, CatalogueError> {
        match env.get("GUICHET_CATALOGUE") {
            Some(path) => Self::from_file(std::path::Path::new(&path)),
            None => Self::parse(DEFAULT_JSON),
        }
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

    /// Refuses to start when a kind offered online has no template to draw its documents.
    pub fn check_templates(&self, has: impl Fn(&str) -> bool) -> Result<(), CatalogueError> {
        for service in self.offered() {
            if let Some(kind) = self.kind(service.kind)
                && !has(kind.template())
            {
                return Err(CatalogueError::NoTemplate {
                    kind: service.kind,
                    template: kind.template().to_owned(),
                });
            }
        }
        Ok(())
    }

    /// Every kind this service knows, offered or not.
    pub fn kinds(&self) -> &Kinds {
        &self.kinds
    }

    /// What a kind is, for an application already made (whether still offered or not).
    pub fn kind(&self, kind: DocumentKind) -> Option<&dyn Kind> {
        self.kinds.get(kind)
    }

    /// The services offered online, in a stable order.
    pub fn offered(&self) -> Vec<&Service> {
        let mut all: Vec<&Service> = self.services.values().filter(|s| s.online).collect();
        all.sort_by(|a, b| a.kind.as_str().cmp(b.kind.as_str()));
        all
    }

    /// The service for a kind, if it can be asked for online.
    pub fn service(&self, kind: DocumentKind) -> Option<&Service> {
        self.services.get(&kind).filter(|s| s.online)
    }

    /// Where visas are asked for, how long each type lets a traveller stay, and who needs none;
    /// `None` when this catalogue offers no visa.
    pub fn visa_rules(&self) -> Option<&crate::kinds::visa::details::VisaRules> {
        self.visas.as_ref()
    }

    /// The entry of a kind, offered online or not: what its issued documents print.
    pub fn entry(&self, kind: DocumentKind) -> Option<&Service> {
        self.services.get(&kind)
    }

    pub fn office(&self, code: &OfficeCode) -> Option<&Office> {
        self.offices.get(code)
    }

    /// The office that keeps this kind of record for this person.
    pub fn route(&self, kind: DocumentKind, applicant: &Applicant) -> Option<&Office> {
        self.routing(kind, applicant).map(|r| r.office)
    }

    /// The office, with why, and the closest listed places when the place of birth is not one.
    pub fn routing(&self, kind: DocumentKind, applicant: &Applicant) -> Option<Routed<'_>> {
        let (code, reason, suggestions) = match self.routing.get(&kind)? {
            Routing::Fixed(office) => (office, RouteReason::SingleOffice, Vec::new()),
            Routing::ByBirth { born_abroad, .. } if !applicant.birth_country.is_mali() => {
                (born_abroad, RouteReason::BornAbroad, Vec::new())
            }
            Routing::ByBirth {
                places,
                names,
                place_not_listed,
                ..
            } => {
                let typed = normalise_place(applicant.birth_place.as_str());
                match places.get(&typed) {
                    Some(office) => (office, RouteReason::PlaceOfBirth, Vec::new()),
                    None => (
                        place_not_listed,
                        RouteReason::PlaceNotListed,
                        closest(&typed, names),
                    ),
                }
            }
        };
        Some(Routed {
            office: self.offices.get(code)?,
            reason,
            suggestions,
        })
    }
}

/// The listed places most like `typed` (already folded), the likest first.
fn closest(typed: &str, names: &[(String, String)]) -> Vec<String> {
    let mut scored: Vec<(f64, &String)> = names
        .iter()
        .map(|(name, folded)| (strsim::jaro_winkler(typed, folded), name))
        .filter(|(score, _)| *score >= SUGGESTION_SIMILARITY)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(SUGGESTIONS)
        .map(|(_, name)| name.clone())
        .collect()
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
            DocumentKind::CRIMINAL_RECORD_EXTRACT,
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
    fn a_place_not_listed_is_routed_centrally_with_the_places_it_may_mean() {
        let c = Catalogue::default_catalogue();
        let kind = DocumentKind::CRIMINAL_RECORD_EXTRACT;
        let typo = c.routing(kind, &born_in("Bamakoo", None)).unwrap();
        assert_eq!(typo.reason, RouteReason::PlaceNotListed);
        assert_eq!(typo.office.code.as_str(), "MJ-CJC");
        assert_eq!(typo.suggestions.first().map(String::as_str), Some("Bamako"));
        assert!(typo.suggestions.len() <= SUGGESTIONS);
        let accents = c.routing(kind, &born_in("Segu", None)).unwrap();
        assert!(
            accents.suggestions.iter().any(|s| s == "Ségou"),
            "{accents:?}"
        );
        let nowhere = c.routing(kind, &born_in("Hameau inconnu", None)).unwrap();
        assert_eq!(
            (nowhere.reason, nowhere.suggestions.len()),
            (RouteReason::PlaceNotListed, 0)
        );
        let listed = c.routing(kind, &born_in("Bamako", None)).unwrap();
        assert_eq!(
            (listed.reason, listed.suggestions.len()),
            (RouteReason::PlaceOfBirth, 0)
        );
        let abroad = c.routing(kind, &born_in("Bamakoo", Some("CI"))).unwrap();
        assert_eq!(
            (abroad.reason, abroad.suggestions.len()),
            (RouteReason::BornAbroad, 0)
        );
    }

    #[test]
    fn the_fee_comes_from_the_table_and_unoffered_kinds_are_absent() {
        let c = Catalogue::default_catalogue();
        assert_eq!(
            c.service(DocumentKind::CRIMINAL_RECORD_EXTRACT)
                .unwrap()
                .fee,
            Money::xof(750)
        );
        assert_eq!(
            c.service(DocumentKind::NATIONALITY_CERTIFICATE)
                .unwrap()
                .validity_days,
            None,
            "a nationality certificate does not expire"
        );
        let visa = c.service(DocumentKind::VISA).unwrap();
        let fee = |details| visa.fee_for(&details).amount;
        use serde_json::json;
        assert_eq!(
            fee(json!({"visa_type": "tourism", "scope": "national", "entries": "single"})),
            60_000
        );
        assert_eq!(
            fee(json!({"visa_type": "transit", "scope": "aes", "entries": "single"})),
            75_000
        );
        assert_eq!(
            fee(json!({"visa_type": "business", "scope": "national", "entries": "multiple"})),
            120_000
        );
        assert!(
            c.service(DocumentKind::parse("consular_card").unwrap())
                .is_none()
        );
        // What the fee depends on, and only that, is kept as the terms priced.
        let details = json!({"visa_type": "transit", "scope": "national", "entries": "single", "purpose": "x"});
        let terms = visa.fee_terms(&details);
        assert_eq!(
            terms.keys().collect::<Vec<_>>(),
            ["entries", "scope", "visa_type"]
        );
        assert_eq!(visa.fee_for_terms(&terms), visa.fee_for(&details));
        assert_eq!(visa.fee_for_terms(&terms).amount, 25_000);
    }

    #[test]
    fn a_fee_may_depend_on_the_details() {
        let json = DEFAULT_JSON.replacen(
            "\"validity_days\": 90,",
            "\"validity_days\": 90, \"fees\": [{\"when\": {\"purpose\": \"concours\", \"x.y\": 2}, \"fee\": {\"amount\": 1000, \"currency\": \"XOF\"}}],",
            1,
        );
        let c = Catalogue::parse(&json).unwrap();
        let s = c.service(DocumentKind::CRIMINAL_RECORD_EXTRACT).unwrap();
        let fee = |d| s.fee_for(&d).amount;
        assert_eq!(
            fee(serde_json::json!({"purpose": "concours", "x": {"y": 2}})),
            1000
        );
        assert_eq!(
            fee(serde_json::json!({"purpose": "concours", "x": {"y": 3}})),
            750
        );
        assert_eq!(fee(serde_json::json!({})), 750);
    }

    /// The hazard of an operator's edit: a kind with no type behind it was once approved empty
    /// and issued as a criminal record extract reading "NÉANT". It is refused at load, by name.
    #[test]
    fn an_entry_without_a_kind_behind_it_is_refused_by_name() {
        let bad = DEFAULT_JSON.replacen(
            "\"services\": [",
            "\"services\": [{\"kind\": \"birth_certificate_copy\", \"fee\": {\"amount\": 500, \"currency\": \"XOF\"}, \"validity_days\": null, \"online\": true},",
            1,
        );
        let err = Catalogue::parse(&bad).unwrap_err();
        assert!(
            matches!(&err, CatalogueError::NoSuchKind(k) if k.as_str() == "birth_certificate_copy"),
            "{err}"
        );
        assert!(err.to_string().contains("birth_certificate_copy"), "{err}");
    }

    /// The shipped catalogue's visa rules: the missions, the longest stays the issue names, and
    /// ECOWAS's and the AES's nationals exempt; a rule naming an unlisted office or an unknown
    /// type stops the load.
    #[test]
    fn visas_are_asked_for_at_listed_missions_within_the_catalogue_s_limits() {
        use crate::kinds::visa::details::{VisaRules, VisaType};
        let c = Catalogue::default_catalogue();
        let rules = c.visa_rules().unwrap();
        assert!(
            rules
                .missions
                .contains(&OfficeCode::parse("AMB-PARIS").unwrap())
        );
        assert_eq!(rules.max_stay_days[&VisaType::Transit], 7);
        assert_eq!(rules.exempt.len(), VisaRules::EXEMPT.len());
        for code in VisaRules::EXEMPT {
            assert!(rules.exempt.contains(code), "{code}");
        }
        let bad = DEFAULT_JSON.replacen("\"AMB-BEIJING\", \"DGPF\"]", "\"AMB-LIMA\"]", 1);
        assert!(
            matches!(Catalogue::parse(&bad), Err(CatalogueError::UnknownOffice(o)) if o == "AMB-LIMA")
        );
        let bad = DEFAULT_JSON.replacen("\"transit\": 7", "\"cruise\": 7", 1);
        assert!(
            Catalogue::parse(&bad)
                .unwrap_err()
                .to_string()
                .contains("cruise is not a visa type")
        );
    }

    /// Officers' titles are the catalogue's, by role; a title for something that is not a role
    /// (a typo would silently print the default title) stops the load.
    #[test]
    fn titles_are_given_by_role_and_only_by_role() {
        let c = Catalogue::default_catalogue();
        let extract = c.entry(DocumentKind::CRIMINAL_RECORD_EXTRACT).unwrap();
        assert_eq!(extract.titles["clerk"], "Le Greffier en chef");
        assert!(
            extract
                .legal_basis
                .as_deref()
                .is_some_and(|b| b.contains("Code de procédure pénale"))
        );
        let bad = DEFAULT_JSON.replacen(
            "\"signatory\": \"Le Président",
            "\"signatroy\": \"Le Président",
            1,
        );
        let err = Catalogue::parse(&bad).unwrap_err();
        assert!(err.to_string().contains("signatroy is not a role"), "{err}");
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
