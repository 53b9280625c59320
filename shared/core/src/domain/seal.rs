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
    #[error("signed with a key declared compromised: the document must be issued again")]
    KeyCompromised,
    #[error("payload is not a valid claim set")]
    Payload,
}

/// How long after its retirement a key's seals still count: a function started before a rotation
/// keeps signing with the key it loaded until its next cold start, and a document's date of issue
/// is fixed when its number is reserved, before it is sealed.
pub const RETIREMENT_GRACE: time::Duration = time::Duration::days(1);

/// The text every seal starts with.
pub const SEAL_PREFIX: &str = "GCH1:";

/// What a document's QR code says since the verify page (docs/seal.md, "The link"): the page's
/// address, `#`, and the seal with its two characters a link cannot carry written as
/// percent-escapes (`%` as `%25`, space as `%20`). A browser never sends the fragment, so the
/// seal reaches no server; the escapes are in the QR code's alphanumeric set, so the seal part
/// stays as compact as the bare seal.
pub fn seal_link(verify_url: &str, seal: &str) -> String {
    let mut link = String::with_capacity(verify_url.len() + 1 + seal.len() + 16);
    link.push_str(verify_url);
    link.push('#');
    for c in seal.chars() {
        match c {
            '%' => link.push_str("%25"),
            ' ' => link.push_str("%20"),
            c => link.push(c),
        }
    }
    link
}

/// The seal a QR code carries, whichever form it has: the bare seal (every document issued
/// before the link) or a link whose fragment is the seal, percent-escaped (any character may
/// be escaped: a browser or a scanner app may have escaped more than we did). Anything else is
/// not a Guichet code.
pub fn seal_in_code(text: &str) -> Option<String> {
    let text = text.trim();
    if text.starts_with(SEAL_PREFIX) {
        return Some(text.to_owned());
    }
    let (_, fragment) = text.split_once('#')?;
    let mut bytes = Vec::with_capacity(fragment.len());
    let mut rest = fragment.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%' {
            let hex = tail.get(..2)?;
            let hex = std::str::from_utf8(hex).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(b);
            rest = tail;
        }
    }
    let seal = String::from_utf8(bytes).ok()?;
    let base45 = |b: u8| b.is_ascii_digit() || b.is_ascii_uppercase() || b" $%*+-./:".contains(&b);
    (seal.starts_with(SEAL_PREFIX) && seal.bytes().all(base45)).then_some(seal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seal_reads_back_from_its_link_and_bare() {
        let seal = "GCH1:6BFOXN*TS0BI$ZD-PHQ7I9AD66ZF%:K9 0.C4:8";
        let link = seal_link("https://guichet.ml/verifier", seal);
        assert_eq!(
            link,
            "https://guichet.ml/verifier#GCH1:6BFOXN*TS0BI$ZD-PHQ7I9AD66ZF%25:K9%200.C4:8"
        );
        assert_eq!(seal_in_code(&link).as_deref(), Some(seal));
        assert_eq!(seal_in_code(seal).as_deref(), Some(seal));
        // Escaped further by a browser, or upper/lower-case escapes: the same seal.
        let more = link.replace("GCH1:", "GCH1%3a").replace('$', "%24");
        assert_eq!(seal_in_code(&more).as_deref(), Some(seal));
        for not_ours in [
            "https://example.com/",
            "https://guichet.ml/verifier#",
            "https://guichet.ml/verifier#GCH1:abc",
            "https://guichet.ml/verifier#GCH1:AB%2",
            "https://guichet.ml/verifier#GCH1:AB%zz",
            "https://guichet.ml/verifier#GCH1:A%0AB",
            "GCH2:ABC",
        ] {
            assert_eq!(seal_in_code(not_ours), None, "{not_ours}");
        }
    }

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
