//! The kinds of document Guichet knows how to ask for.

use crate::messages::Msg;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    CriminalRecordExtract,
    NationalityCertificate,
    BirthCertificateCopy,
    MarriageCertificateCopy,
    DeathCertificateCopy,
    ConsularCard,
    Visa,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 7] = [
        DocumentKind::CriminalRecordExtract,
        DocumentKind::NationalityCertificate,
        DocumentKind::BirthCertificateCopy,
        DocumentKind::MarriageCertificateCopy,
        DocumentKind::DeathCertificateCopy,
        DocumentKind::ConsularCard,
        DocumentKind::Visa,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::CriminalRecordExtract => "criminal_record_extract",
            DocumentKind::NationalityCertificate => "nationality_certificate",
            DocumentKind::BirthCertificateCopy => "birth_certificate_copy",
            DocumentKind::MarriageCertificateCopy => "marriage_certificate_copy",
            DocumentKind::DeathCertificateCopy => "death_certificate_copy",
            DocumentKind::ConsularCard => "consular_card",
            DocumentKind::Visa => "visa",
        }
    }

    /// The two letters that open a document number of this kind (`CJ-2026-000123-7`).
    pub fn number_prefix(self) -> &'static str {
        match self {
            DocumentKind::CriminalRecordExtract => "CJ",
            DocumentKind::NationalityCertificate => "CN",
            DocumentKind::BirthCertificateCopy => "AN",
            DocumentKind::MarriageCertificateCopy => "AM",
            DocumentKind::DeathCertificateCopy => "AD",
            DocumentKind::ConsularCard => "CC",
            DocumentKind::Visa => "VS",
        }
    }

    /// A small, stable code: the kind in the seal's payload, and the seed of the check digit.
    /// Never renumber: printed documents carry these.
    pub fn code(self) -> u8 {
        match self {
            DocumentKind::CriminalRecordExtract => 1,
            DocumentKind::NationalityCertificate => 2,
            DocumentKind::BirthCertificateCopy => 3,
            DocumentKind::MarriageCertificateCopy => 4,
            DocumentKind::DeathCertificateCopy => 5,
            DocumentKind::ConsularCard => 6,
            DocumentKind::Visa => 7,
        }
    }

    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn from_prefix(prefix: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.number_prefix() == prefix)
    }

    /// The title printed on the document and shown to citizens.
    pub fn title_fr(self) -> &'static str {
        match self {
            DocumentKind::CriminalRecordExtract => "Extrait du casier judiciaire — Bulletin n°3",
            DocumentKind::NationalityCertificate => "Certificat de nationalité malienne",
            DocumentKind::BirthCertificateCopy => "Copie d'acte de naissance",
            DocumentKind::MarriageCertificateCopy => "Copie d'acte de mariage",
            DocumentKind::DeathCertificateCopy => "Copie d'acte de décès",
            DocumentKind::ConsularCard => "Carte consulaire",
            DocumentKind::Visa => "Visa électronique",
        }
    }
}

impl FromStr for DocumentKind {
    type Err = Msg;
    fn from_str(s: &str) -> Result<Self, Msg> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(Msg::UnknownKind)
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_prefixes_and_names_are_unique_and_round_trip() {
        for k in DocumentKind::ALL {
            assert_eq!(k.as_str().parse::<DocumentKind>().unwrap(), k);
            assert_eq!(DocumentKind::from_code(k.code()), Some(k));
            assert_eq!(DocumentKind::from_prefix(k.number_prefix()), Some(k));
            assert!(k.code() < 10, "the code seeds a decimal check digit");
        }
        assert_eq!("passport".parse::<DocumentKind>(), Err(Msg::UnknownKind));
    }
}
