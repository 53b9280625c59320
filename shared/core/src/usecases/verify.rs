//! Anyone checks a document: by its number, by the text of its QR seal, or by the PDF itself.

use crate::domain::{
    DocumentNumber, DocumentStatus, FieldErrors, IssuedDocument, SEAL_PREFIX as PREFIX, SealClaims,
    SealError, VerificationCode,
};
use crate::error::Error;
use crate::kinds::Kinds;
use crate::messages::Msg;
use crate::ports::{Clock, DocumentRegistry, SealReader};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    Valid,
    Revoked,
    Expired,
    Unknown,
    /// The registry holds the document, but this file is not the one it issued.
    Modified,
    /// A number alone says nothing: the code printed beside it is needed too.
    CodeRequired,
}

impl Validity {
    pub fn as_str(self) -> &'static str {
        match self {
            Validity::Valid => "valid",
            Validity::Revoked => "revoked",
            Validity::Expired => "expired",
            Validity::Unknown => "unknown",
            Validity::Modified => "modified",
            Validity::CodeRequired => "code_required",
        }
    }
}

/// How much of the holder a verifier is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disclosure {
    /// The verifier holds the document (its seal or its file): they see what it says.
    Full,
    /// The verifier typed the number and the code printed beside it: they hold the paper, and
    /// the initials and birth year are enough to match it, and too little to learn more.
    Initials,
}

/// What a verifier learns. The holder is shown only for a document the registry knows, so a
/// guessed number reveals nothing more than the document would.
#[derive(Debug, Clone)]
pub struct Verification {
    pub disclosure: Disclosure,
    pub number: Option<DocumentNumber>,
    pub status: Validity,
    pub document: Option<IssuedDocument>,
    /// For a seal: whether its signature verified.
    pub signature_valid: Option<bool>,
    /// For a PDF: whether it is byte for byte the issued file.
    pub identical_file: Option<bool>,
    /// For a `modified` file: the registry's word on the document it claims to be.
    pub document_status: Option<Validity>,
}

fn validity(doc: Option<&IssuedDocument>, now: OffsetDateTime) -> Validity {
    match doc {
        None => Validity::Unknown,
        Some(d) if d.status == DocumentStatus::Revoked => Validity::Revoked,
        Some(d) if d.is_expired(now) => Validity::Expired,
        Some(_) => Validity::Valid,
    }
}

/// What checking a document needs: the registry, the seal keys, the kinds, the time.
pub struct Checking<'a> {
    pub documents: &'a dyn DocumentRegistry,
    pub kinds: &'a Kinds,
    pub seals: &'a dyn SealReader,
    pub clock: &'a dyn Clock,
}

/// A number alone: every well-formed number is answered alike, issued or not, and nothing is
/// looked up. Numbers are sequential, so walking them must teach nothing, not even which exist.
pub fn by_number(kinds: &Kinds, raw: &str) -> Result<Verification, Error> {
    kinds.number(raw).map_err(|m| Error::invalid("number", m))?;
    Ok(Verification {
        disclosure: Disclosure::Initials,
        number: None,
        status: Validity::CodeRequired,
        document: None,
        signature_valid: None,
        identical_file: None,
        document_status: None,
    })
}

/// The number and the code printed beside it. A wrong code is answered as an unknown number
/// (the caller counts it against whoever asked); the right one gives the status, the dates and
/// the holder's initials and birth year.
pub async fn by_number_and_code(
    ports: &Checking<'_>,
    raw_number: &str,
    raw_code: &str,
) -> Result<Verification, Error> {
    let mut errors = FieldErrors::default();
    let number = errors.check("number", ports.kinds.number(raw_number));
    let code = errors.check(
        "code",
        VerificationCode::parse(raw_code).ok_or(Msg::InvalidVerificationCode),
    );
    errors.into_result()?;
    let (Some(number), Some(code)) = (number, code) else {
        return Err(Error::invalid("number", Msg::InvalidDocumentNumber));
    };
    let doc = ports
        .documents
        .document(&number)
        .await?
        .filter(|d| d.has_code(&code));
    Ok(Verification {
        disclosure: Disclosure::Initials,
        number: Some(number),
        status: validity(doc.as_ref(), ports.clock.now()),
        document: doc,
        signature_valid: None,
        identical_file: None,
        document_status: None,
    })
}

pub async fn by_seal(ports: &Checking<'_>, text: &str) -> Result<Verification, Error> {
    match ports.seals.open(text) {
        Err(SealError::Prefix) | Err(SealError::Encoding) => {
            Err(Error::invalid("seal", Msg::InvalidSeal))
        }
        Err(e) => {
            tracing::info!(reason = %e, "seal refused");
            Ok(Verification {
                disclosure: Disclosure::Full,
                number: None,
                status: Validity::Unknown,
                document: None,
                signature_valid: Some(false),
                identical_file: None,
                document_status: None,
            })
        }
        Ok(claims) => {
            let doc = ports.documents.document(&claims.number).await?;
            // A good signature over claims the registry does not hold means our key signed
            // something we never issued: report it unknown, never valid.
            let consistent = doc
                .as_ref()
                .is_some_and(|d| holder_matches(ports.kinds, d, &claims));
            let doc = doc.filter(|_| consistent);
            Ok(Verification {
                disclosure: Disclosure::Full,
                number: Some(claims.number),
                status: validity(doc.as_ref(), ports.clock.now()),
                document: doc,
                signature_valid: Some(true),
                identical_file: None,
                document_status: None,
            })
        }
    }
}

/// The seal names the document's kind and holder as the registry knows them.
fn holder_matches(kinds: &Kinds, d: &IssuedDocument, c: &SealClaims) -> bool {
    kinds.get(d.kind).map(|k| k.names().code) == Some(c.kind) && c.holder.is(&d.holder)
}

/// The PDF itself: its seal (kept in the file's metadata) says which document it claims to be,
/// and its hash says whether it is that document's file, untouched. A file that is not is never
/// `valid`: it is `modified`, with the registry's word on the document beside it.
pub async fn by_pdf(ports: &Checking<'_>, pdf: &[u8]) -> Result<Verification, Error> {
    let Some(seal) = find_seal(pdf) else {
        return Err(Error::invalid("body", Msg::NoSealInPdf));
    };
    let mut v = by_seal(ports, &seal).await?;
    let hash = hex::encode(Sha256::digest(pdf));
    let identical = v.document.as_ref().is_some_and(|d| d.sha256 == hash);
    v.identical_file = Some(identical);
    if v.document.is_some() && !identical {
        v.document_status = Some(v.status);
        v.status = Validity::Modified;
    }
    Ok(v)
}

/// The seal kept in the file's metadata: plain, or as PDF writes Unicode strings (`<FEFF…>`,
/// UTF-16BE in hex).
pub fn find_seal(bytes: &[u8]) -> Option<String> {
    plain_seal(bytes).or_else(|| utf16_hex_seal(bytes))
}

fn is_base45(b: u8) -> bool {
    b.is_ascii_digit() || b.is_ascii_uppercase() || b" $%*+-./:".contains(&b)
}

fn plain_seal(bytes: &[u8]) -> Option<String> {
    let start = bytes
        .windows(PREFIX.len())
        .position(|w| w == PREFIX.as_bytes())?;
    let run = bytes[start..].iter().take_while(|b| is_base45(**b)).count();
    String::from_utf8(bytes[start..start + run].to_vec()).ok()
}

fn utf16_hex_seal(bytes: &[u8]) -> Option<String> {
    let needle: String = PREFIX
        .chars()
        .map(|c| format!("{:04X}", c as u32))
        .collect();
    let start = bytes
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))?;
    let run = bytes[start..]
        .iter()
        .take_while(|b| b.is_ascii_hexdigit())
        .count();
    let raw = hex::decode(&bytes[start..start + run - run % 4]).ok()?;
    let units: Vec<u16> = raw
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    let text = String::from_utf16(&units).ok()?;
    text.bytes().all(is_base45).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seal_is_found_plain_or_as_a_pdf_unicode_string() {
        let seal = "GCH1:6BF 0$A:.";
        assert_eq!(
            find_seal(format!("/Keywords ({seal}) >>").as_bytes()).as_deref(),
            Some(seal)
        );
        let hex: String = seal.chars().map(|c| format!("{:04X}", c as u32)).collect();
        assert_eq!(
            find_seal(format!("/Keywords <FEFF{hex}>").as_bytes()).as_deref(),
            Some(seal)
        );
        assert_eq!(find_seal(b"%PDF-1.7 nothing here"), None);
    }
}
