//! Security screening of visa applications: the traveller matched against the watchlist the
//! security services keep. A real list needs more than equal strings: accents and case folded,
//! the transliterations of one name (Mohamed and Muhammad), given names and surname in any order,
//! a middle name missing on one side, a birth year that agrees within one or is unknown. Each
//! candidate carries its score and the features that made it, so the screening officer sees why
//! (as OpenSanctions' matcher explains its results). Matching decides nothing: an officer does.

pub mod names;

use names::{Agreement, agree, keys, tokens};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// The score from which a watchlist entry is shown to the screening officer.
pub const THRESHOLD: f64 = 0.8;

/// A person on the list: a name, the aliases known, and what else is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchEntry {
    pub id: String,
    /// The name first, then its aliases.
    pub names: Vec<String>,
    pub birth_year: Option<i32>,
    /// ICAO nationality code, when known.
    pub nationality: Option<String>,
}

/// One load of the list; its version is the SHA-256 of the file loaded (its first 16 hex digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watchlist {
    pub version: String,
    pub entries: Vec<WatchEntry>,
    /// Each entry's names, folded into parts once, at load.
    parts: Vec<Vec<Vec<String>>>,
    /// Entries by the keys of their parts (`names::keys`): a traveller is scored only against
    /// the entries that share a key with enough of their name's parts.
    index: HashMap<String, Vec<u32>>,
}

/// Why a candidate is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feature {
    /// `name_literal`, `name_synonym`, `name_phonetic`, `name_spelling`, `name_order`,
    /// `name_missing_part`, `birth_year_match`, `birth_year_unknown`.
    pub feature: String,
    pub detail: String,
}

/// An entry the traveller may be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub entry_id: String,
    /// The entry's name (or alias) that matched.
    pub name: String,
    /// From `THRESHOLD` to 1.
    pub score: f64,
    pub features: Vec<Feature>,
}

// Scores are computed from agreements and are always finite: equality is total.
impl Eq for Candidate {}

/// What matching found for one application, kept on it for the screening unit alone, with what
/// its officers then decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningRecord {
    /// The watchlist version matched against.
    pub list_version: String,
    #[serde(with = "time::serde::rfc3339")]
    pub screened_at: time::OffsetDateTime,
    /// The name and birth year matched, as the passport gives them.
    pub name: String,
    pub birth_year: Option<i32>,
    pub candidates: Vec<Candidate>,
    /// Each officer's outcome, oldest first (a referral, then the supervisor's).
    #[serde(default)]
    pub decisions: Vec<ScreeningDecision>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningDecision {
    /// `clear`, `refer` or `deny`.
    pub outcome: String,
    pub reason: Option<String>,
    pub by: crate::domain::Actor,
    #[serde(with = "time::serde::rfc3339")]
    pub at: time::OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WatchlistError {
    #[error("watchlist line {line}: {message}")]
    Line { line: u64, message: String },
    #[error("watchlist: {0}")]
    File(String),
}

/// The ids a new list adds, removes and changes against the one in force.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ListChanges {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    id: String,
    name: String,
    #[serde(default)]
    aliases: String,
    #[serde(default)]
    birth_year: Option<i32>,
    #[serde(default)]
    nationality: Option<String>,
}

impl Watchlist {
    /// A list as the security services hand it over: CSV with a header
    /// `id,name,aliases,birth_year,nationality`, aliases separated by `;`. Every row must read,
    /// and ids are unique: a list that half loads would screen against half a list.
    pub fn from_csv(bytes: &[u8]) -> Result<Self, WatchlistError> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(bytes);
        let headers = reader
            .headers()
            .map_err(|e| WatchlistError::File(e.to_string()))?
            .clone();
        // The header first: a renamed or missing column is named before any row is read.
        const COLUMNS: [&str; 5] = ["id", "name", "aliases", "birth_year", "nationality"];
        let missing: Vec<&str> = ["id", "name"]
            .into_iter()
            .filter(|c| !headers.iter().any(|h| h == *c))
            .collect();
        let unknown: Vec<&str> = headers.iter().filter(|h| !COLUMNS.contains(h)).collect();
        if !missing.is_empty() || !unknown.is_empty() {
            let mut said = Vec::new();
            if !missing.is_empty() {
                said.push(format!("the header lacks {}", missing.join(", ")));
            }
            if !unknown.is_empty() {
                said.push(format!("unknown column(s) {}", unknown.join(", ")));
            }
            return Err(WatchlistError::File(format!(
                "{}: the header is {}",
                said.join("; "),
                COLUMNS.join(",")
            )));
        }
        let mut entries: Vec<WatchEntry> = Vec::new();
        let mut ids: HashSet<String> = HashSet::new();
        for record in reader.records() {
            let record = record.map_err(|e| WatchlistError::Line {
                line: e.position().map_or(0, |p| p.line()),
                message: e.to_string(),
            })?;
            let line = record.position().map_or(0, |p| p.line());
            let fail = |message: String| WatchlistError::Line { line, message };
            let row: Row = record
                .deserialize(Some(&headers))
                .map_err(|e| fail(e.to_string()))?;
            if row.id.is_empty() || tokens(&row.name).is_empty() {
                return Err(fail("an entry needs an id and a name".into()));
            }
            if !ids.insert(row.id.clone()) {
                return Err(fail(format!("id {} twice", row.id)));
            }
            if row.birth_year.is_some_and(|y| !(1900..=2100).contains(&y)) {
                return Err(fail("birth_year is a year".into()));
            }
            let mut names = vec![row.name];
            names.extend(
                row.aliases
                    .split(';')
                    .map(str::trim)
                    .filter(|a| !tokens(a).is_empty())
                    .map(str::to_owned),
            );
            entries.push(WatchEntry {
                id: row.id,
                names,
                birth_year: row.birth_year,
                nationality: row.nationality.filter(|n| !n.is_empty()),
            });
        }
        if entries.is_empty() {
            return Err(WatchlistError::File("no entry".into()));
        }
        let parts: Vec<Vec<Vec<String>>> = entries
            .iter()
            .map(|e| e.names.iter().map(|n| tokens(n)).collect())
            .collect();
        let mut index: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, names) in parts.iter().enumerate() {
            let i =
                u32::try_from(i).map_err(|_| WatchlistError::File("too many entries".into()))?;
            for key in names.iter().flatten().flat_map(|p| keys(p)) {
                let postings = index.entry(key).or_default();
                if postings.last() != Some(&i) {
                    postings.push(i);
                }
            }
        }
        Ok(Watchlist {
            version: hex::encode(&Sha256::digest(bytes)[..8]),
            entries,
            parts,
            index,
        })
    }

    /// What changes from `before` to this list, by entry id: added, removed, changed.
    pub fn changes_from(&self, before: &Watchlist) -> ListChanges {
        let old: HashMap<&str, &WatchEntry> =
            before.entries.iter().map(|e| (e.id.as_str(), e)).collect();
        let new: HashMap<&str, &WatchEntry> =
            self.entries.iter().map(|e| (e.id.as_str(), e)).collect();
        let mut changes = ListChanges::default();
        for e in &self.entries {
            match old.get(e.id.as_str()) {
                None => changes.added.push(e.id.clone()),
                Some(was) if *was != e => changes.changed.push(e.id.clone()),
                Some(_) => {}
            }
        }
        for e in &before.entries {
            if !new.contains_key(e.id.as_str()) {
                changes.removed.push(e.id.clone());
            }
        }
        changes
    }

    /// The entries the traveller may be, best first. Only entries sharing an index key with
    /// as many of the traveller's parts as a match needs are scored.
    pub fn candidates(&self, full_name: &str, birth_year: Option<i32>) -> Vec<Candidate> {
        let query = tokens(full_name);
        // Which of the traveller's parts (a bit each) reach each entry.
        let mut reached: HashMap<u32, u64> = HashMap::new();
        for (i, part) in query.iter().enumerate().take(64) {
            for key in keys(part) {
                for e in self.index.get(&key).into_iter().flatten() {
                    *reached.entry(*e).or_default() |= 1 << i;
                }
            }
        }
        let candidates = reached
            .into_iter()
            .filter(|(e, parts_reached)| {
                let shortest = self
                    .parts
                    .get(*e as usize)
                    .and_then(|names| names.iter().map(Vec::len).min())
                    .unwrap_or(0);
                // A match pairs every part of the shorter name, and two parts at least.
                (parts_reached.count_ones() as usize) >= query.len().min(shortest).min(2)
            })
            .filter_map(|(e, _)| self.best(e as usize, &query, birth_year));
        ranked(candidates)
    }

    /// The same answer as `candidates`, by scoring every entry: what the index is checked
    /// against (tests, the benchmark), and never used to screen.
    pub fn candidates_by_scan(&self, full_name: &str, birth_year: Option<i32>) -> Vec<Candidate> {
        let query = tokens(full_name);
        ranked((0..self.entries.len()).filter_map(|e| self.best(e, &query, birth_year)))
    }

    /// Entry `e`'s best-scoring name against the traveller's parts, from the threshold up.
    fn best(&self, e: usize, query: &[String], birth_year: Option<i32>) -> Option<Candidate> {
        let (entry, names) = (self.entries.get(e)?, self.parts.get(e)?);
        entry
            .names
            .iter()
            .zip(names)
            .filter_map(|(name, parts)| {
                let (score, features) = score(query, parts, birth_year, entry.birth_year)?;
                Some(Candidate {
                    entry_id: entry.id.clone(),
                    name: name.clone(),
                    score,
                    features,
                })
            })
            .max_by(|a, b| a.score.total_cmp(&b.score))
            .filter(|c| c.score >= THRESHOLD)
    }
}

/// Best first; equal scores by entry id, so the order is the same every time.
fn ranked(candidates: impl Iterator<Item = Candidate>) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = candidates.collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.entry_id.cmp(&b.entry_id))
    });
    out
}

/// The score of a traveller's name parts against an entry's, and why; `None` when they cannot be
/// one person: a part of the shorter name unmatched, or birth years more than one apart.
fn score(
    query: &[String],
    entry: &[String],
    query_year: Option<i32>,
    entry_year: Option<i32>,
) -> Option<(f64, Vec<Feature>)> {
    let shorter = query.len().min(entry.len());
    if shorter == 0 {
        return None;
    }
    // Every pair that agrees, strongest first, then each part used once.
    let mut pairs: Vec<(Agreement, usize, usize)> = Vec::new();
    for (i, q) in query.iter().enumerate() {
        for (j, e) in entry.iter().enumerate() {
            if let Some(a) = agree(q, e) {
                pairs.push((a, i, j));
            }
        }
    }
    pairs.sort();
    let (mut used_q, mut used_e) = (vec![false; query.len()], vec![false; entry.len()]);
    let mut matched = Vec::new();
    for (a, i, j) in pairs {
        if !used_q[i] && !used_e[j] {
            used_q[i] = true;
            used_e[j] = true;
            matched.push((a, i, j));
        }
    }
    // A single shared part (a common given name) is no match between two full names.
    if matched.len() < shorter || matched.len() < shorter.min(2) {
        return None;
    }
    let mut features: Vec<Feature> = matched
        .iter()
        .map(|(a, i, j)| Feature {
            feature: a.feature().into(),
            detail: format!("{} ~ {}", query[*i], entry[*j]),
        })
        .collect();
    matched.sort_by_key(|(_, i, _)| *i);
    if matched.windows(2).any(|w| w[0].2 > w[1].2) {
        features.push(Feature {
            feature: "name_order".into(),
            detail: "the parts stand in another order".into(),
        });
    }
    let longer = query.len().max(entry.len());
    if matched.len() < longer {
        features.push(Feature {
            feature: "name_missing_part".into(),
            detail: format!("{} part(s) on one side only", longer - matched.len()),
        });
    }
    let agreement = matched.iter().map(|(a, ..)| a.weight()).sum::<f64>() / matched.len() as f64;
    // A missing middle name costs a little: the parts that are there all agree.
    let coverage = (matched.len() as f64 / longer as f64).powf(0.25);
    let year = match (query_year, entry_year) {
        (Some(q), Some(e)) if (q - e).abs() <= 1 => {
            features.push(Feature {
                feature: "birth_year_match".into(),
                detail: format!("{q} ~ {e}"),
            });
            1.0
        }
        (Some(_), Some(_)) => return None,
        _ => {
            features.push(Feature {
                feature: "birth_year_unknown".into(),
                detail: "a birth year is missing on one side".into(),
            });
            0.95
        }
    };
    let score = (agreement * coverage * year * 100.0).round() / 100.0;
    Some((score, features))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "id,name,aliases,birth_year,nationality
W-1,Mohamed Ould Salem,Abou Salem;Mohammed Salem,1978,MRT
W-2,Ousmane Diallo Keita,,1985,
W-3,Abdoulaye Traoré,,,
W-4,Ibrahim Coulibaly,,1990,CIV
";

    fn list() -> Watchlist {
        Watchlist::from_csv(LIST.as_bytes()).unwrap()
    }

    fn hit(name: &str, year: Option<i32>) -> Option<Candidate> {
        list().candidates(name, year).into_iter().next()
    }

    fn features(c: &Candidate) -> Vec<&str> {
        c.features.iter().map(|f| f.feature.as_str()).collect()
    }

    /// Each spelling a real list must see through finds its entry, and says how.
    #[test]
    fn every_spelling_of_a_listed_person_is_a_candidate() {
        for (name, year, entry, feature) in [
            ("Muhammad Ould Salem", Some(1978), "W-1", "name_synonym"),
            ("MOHAMMED OULD SALEM", Some(1979), "W-1", "name_synonym"),
            ("Salem Ould Mohamed", Some(1977), "W-1", "name_order"),
            ("Mohamed Salem", None, "W-1", "birth_year_unknown"),
            ("Usman Keita", Some(1985), "W-2", "name_missing_part"),
            ("Keïta Ousmane", Some(1986), "W-2", "name_order"),
            ("Abdullahi Traore", Some(1960), "W-3", "name_synonym"),
            ("ABDOULAYE TRAORÉ", None, "W-3", "name_literal"),
            ("Ibrahima Koulibaly", Some(1990), "W-4", "name_phonetic"),
        ] {
            let c = hit(name, year).unwrap_or_else(|| panic!("{name}: no candidate"));
            assert_eq!(c.entry_id, entry, "{name}");
            assert!(
                c.score >= THRESHOLD && c.score <= 1.0,
                "{name}: {}",
                c.score
            );
            assert!(features(&c).contains(&feature), "{name}: {:?}", c.features);
        }
        let exact = hit("Mohamed Ould Salem", Some(1978)).unwrap();
        assert_eq!(exact.score, 1.0);
        assert!(hit("Mohamed Salem", None).unwrap().score < 1.0);
    }

    /// A different person with a similar name is not put before an officer.
    #[test]
    fn a_different_person_with_a_similar_name_is_not_a_candidate() {
        for (name, year) in [
            ("Mohamed Ould Salem", Some(1990)), // the birth year is 12 years apart
            ("Mahmoud Ould Salem", Some(1978)), // another given name
            ("Mohamed Ould Ahmed", Some(1978)), // another family
            ("Ousmane Diarra", Some(1985)),     // another surname
            ("Ibrahim Konaté", Some(1990)),
            ("Aminata Traoré", None),
        ] {
            assert_eq!(hit(name, year), None, "{name}");
        }
    }

    #[test]
    fn a_list_that_does_not_read_is_refused_whole_and_each_load_has_a_version() {
        let l = list();
        assert_eq!(l.entries.len(), 4);
        assert_eq!(l.entries[0].names.len(), 3);
        assert_eq!(l.version.len(), 16);
        let other = Watchlist::from_csv(format!("{LIST}W-5,Awa Diarra,,,\n").as_bytes()).unwrap();
        assert_ne!(other.version, l.version);
        let twice = format!("{LIST}W-1,Someone Else,,,\n");
        assert!(
            Watchlist::from_csv(twice.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("W-1 twice")
        );
        let bad_year = format!("{LIST}W-9,Awa Diarra,,nineteen,\n");
        assert!(matches!(
            Watchlist::from_csv(bad_year.as_bytes()),
            Err(WatchlistError::Line { .. })
        ));
        assert!(Watchlist::from_csv(b"id,name\n").is_err());
    }
}
