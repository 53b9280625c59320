//! What a document's seal asserts, and how much of it fits. The seal's encoding and signature
//! (COSE_Sign1, Ed25519, base45) are `guichet-seal`'s; the claims and their size budget are the
//! domain's, because the catalogue and the issue step must respect them.

use super::{Application, DocumentNumber, DocumentRef, Holder, KindCode, OfficeCode};
use time::Date;

/// Room in the seal, so that its QR code stays at version 10 or below (311 characters at error
/// correction M) whatever the document: names longer than this many UTF-8 bytes are cut at a
/// character boundary and end with `…`; office codes are at most `OFFICE_MAX` characters (the
/// catalogue refuses longer ones).
pub const SURNAME_BYTES: usize = 20;
pub const GIVEN_NAMES_BYTES: usize = 28;
pub const OFFICE_MAX: usize = 16;
/// An organisation's name, cut the same way; its registration number is carried whole
/// (`Organisation::NUMBER_MAX`). Together no longer than a person's names and birth date.
pub const ORGANISATION_BYTES: usize = 32;

/// A name as the seal carries it: whole when it fits in `max` bytes, else its beginning and `…`.
pub fn fit(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let mut out = String::new();
    for c in name.chars() {
        if out.len() + c.len_utf8() + '…'.len_utf8() > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Who a seal says the document is about, names cut to fit (`fit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealedHolder {
    Person {
        surname: String,
        given_names: String,
        birth_date: Date,
    },
    Organisation {
        name: String,
        registration_number: String,
    },
}

impl SealedHolder {
    /// What a seal carries of `holder`.
    pub fn of(holder: &Holder) -> Self {
        match holder {
            Holder::Person(p) => SealedHolder::Person {
                surname: fit(p.surname.as_str(), SURNAME_BYTES),
                given_names: fit(p.given_names.as_str(), GIVEN_NAMES_BYTES),
                birth_date: p.birth_date.date(),
            },
            Holder::Organisation { organisation } => SealedHolder::Organisation {
                name: fit(&organisation.name, ORGANISATION_BYTES),
                registration_number: organisation.registration_number.clone(),
            },
        }
    }

    /// Whether the seal's holder is `holder`: names cut to fit, or whole in seals made before
    /// names were cut.
    pub fn is(&self, holder: &Holder) -> bool {
        let same = |name: &str, sealed: &str, max| name == sealed || fit(name, max) == sealed;
        match (self, holder) {
            (
                SealedHolder::Person {
                    surname,
                    given_names,
                    birth_date,
                },
                Holder::Person(p),
            ) => {
                same(p.surname.as_str(), surname, SURNAME_BYTES)
                    && same(p.given_names.as_str(), given_names, GIVEN_NAMES_BYTES)
                    && p.birth_date.date() == *birth_date
            }
            (
                SealedHolder::Organisation {
                    name,
                    registration_number,
                },
                Holder::Organisation { organisation },
            ) => {
                same(&organisation.name, name, ORGANISATION_BYTES)
                    && organisation.registration_number == *registration_number
            }
            _ => false,
        }
    }
}

/// What a seal asserts about a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealClaims {
    pub number: DocumentNumber,
    /// The kind's seal code (`crate::kinds::KindNames::code`).
    pub kind: KindCode,
    pub holder: SealedHolder,
    pub office: OfficeCode,
    pub issued_on: Date,
    pub expires_on: Option<Date>,
    /// A visa's own terms, for a border officer's phone to read offline.
    pub visa: Option<VisaClaims>,
}

/// What a visa's seal says beyond every document's claims (docs/seal.md, claims 12–18); its last
/// day is the seal's expiry (claim 8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisaClaims {
    pub passport_number: String,
    /// ICAO 9303's code (`FRA`, `D<<`).
    pub nationality: String,
    pub visa_type: VisaKind,
    pub scope: VisaScope,
    pub multiple_entries: bool,
    pub valid_from: Date,
    pub stay_days: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisaKind {
    Tourism,
    Family,
    Business,
    Transit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisaScope {
    National,
    Aes,
}

impl VisaKind {
    pub const ALL: [(VisaKind, &'static str); 4] = [
        (VisaKind::Tourism, "tourism"),
        (VisaKind::Family, "family"),
        (VisaKind::Business, "business"),
        (VisaKind::Transit, "transit"),
    ];

    pub fn parse(name: &str) -> Option<VisaKind> {
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(k, _)| *k)
    }

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("", |(_, n)| n)
    }
}

impl VisaScope {
    pub fn parse(name: &str) -> Option<VisaScope> {
        match name {
            "national" => Some(VisaScope::National),
            "aes" => Some(VisaScope::Aes),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VisaScope::National => "national",
            VisaScope::Aes => "aes",
        }
    }
}

impl SealClaims {
    /// The claims of the published test vector (docs/seal.md): an extract for Aminata Traoré.
    pub fn example() -> Self {
        use time::macros::date;
        let document = DocumentRef::example();
        SealClaims {
            number: document.number,
            kind: KindCode(1),
            holder: SealedHolder::Person {
                surname: "Traoré".into(),
                given_names: "Aminata".into(),
                birth_date: date!(1990 - 04 - 12),
            },
            office: OfficeCode::parse("TGI-BKO-C3")
                .unwrap_or_else(|_| unreachable!("a well-formed office code")),
            issued_on: document.issued_at.date(),
            expires_on: document.expires_at.map(|e| e.date()),
            visa: None,
        }
    }

    /// What the seal of `app`'s document about `holder` asserts, issued as `document` says;
    /// `kind` is its kind's seal code.
    pub fn for_document(
        app: &Application,
        holder: &Holder,
        document: &DocumentRef,
        kind: KindCode,
    ) -> Self {
        SealClaims {
            number: document.number,
            kind,
            holder: SealedHolder::of(holder),
            office: app.office.clone(),
            issued_on: document.issued_at.date(),
            expires_on: document.expires_at.map(|e| e.date()),
            visa: None,
        }
    }
}

/// Why a seal does not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("not a Guichet seal (no GCH1: prefix)")]
    Prefix,
    #[error("not base45")]
    Encoding,
    #[error("not a COSE_Sign1 structure")]
    Structure,
    #[error("not signed with EdDSA")]
    Algorithm,
    #[error("signed with an unknown key")]
    UnknownKey,
    #[error("signature does not verify")]
    Signature,
    #[error("signed with a key retired before the document's date of issue")]
    KeyRetired,
    #[error("payload is not a valid claim set")]
    Payload,
}

/// The text every seal starts with.
pub const SEAL_PREFIX: &str = "GCH1:";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut_at_a_character_boundary() {
        assert_eq!(fit("Traoré", SURNAME_BYTES), "Traoré");
        let long = "Diallo-Keïta-Traoré-Coulibaly";
        let cut = fit(long, SURNAME_BYTES);
        assert!(cut.len() <= SURNAME_BYTES, "{cut}");
        assert!(cut.ends_with('…'));
        assert!(long.starts_with(cut.trim_end_matches('…')));
        assert_eq!(fit("éééééééééééé", 7), "éé…");
    }
}
