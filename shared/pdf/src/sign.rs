//! The file's own signature, the one PDF readers check (PAdES B-B): an invisible signature field
//! whose dictionary holds a detached CMS signature over every byte of the file but its own
//! `/Contents`. The file is written with room for the signature, then the byte range is filled in,
//! hashed and signed in place (docs/seal.md, "The file's own signature").

use guichet_core::ports::{FileSigner, RenderError};
use lopdf::{Dictionary, Object, StringFormat};
use sha2::{Digest, Sha256};

/// Written where the byte range goes, then overwritten: as wide as any offset a document has.
const PLACEHOLDER: i64 = 9_999_999_999;

fn drawing(what: &str) -> impl FnOnce(lopdf::Error) -> RenderError + '_ {
    move |e| RenderError::Drawing(format!("{what}: {e}"))
}

/// Adds the signature field to the last page and the form to the catalogue, with room for a
/// signature of `room` bytes, signed at `signed_at` (the issue, so the file stays a function of
/// the application).
pub fn prepare(
    file: &mut lopdf::Document,
    room: usize,
    signed_at: time::OffsetDateTime,
) -> Result<(), RenderError> {
    let signature = file.add_object(Dictionary::from_iter([
        ("Type", Object::Name(b"Sig".to_vec())),
        ("Filter", Object::Name(b"Adobe.PPKLite".to_vec())),
        ("SubFilter", Object::Name(b"ETSI.CAdES.detached".to_vec())),
        (
            "ByteRange",
            Object::Array(vec![
                Object::Integer(0),
                Object::Integer(PLACEHOLDER),
                Object::Integer(PLACEHOLDER),
                Object::Integer(PLACEHOLDER),
            ]),
        ),
        (
            "Contents",
            Object::String(vec![0; room], StringFormat::Hexadecimal),
        ),
        (
            "M",
            Object::String(pdf_date(signed_at).into_bytes(), StringFormat::Literal),
        ),
    ]));
    let last_page = *file
        .get_pages()
        .values()
        .last()
        .ok_or_else(|| RenderError::Drawing("a document without a page".into()))?;
    let field = file.add_object(Dictionary::from_iter([
        ("Type", Object::Name(b"Annot".to_vec())),
        ("Subtype", Object::Name(b"Widget".to_vec())),
        ("FT", Object::Name(b"Sig".to_vec())),
        (
            "T",
            Object::String(b"Guichet".to_vec(), StringFormat::Literal),
        ),
        ("V", Object::Reference(signature)),
        (
            "Rect",
            Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]),
        ),
        // Printed and locked; a zero rectangle makes it invisible.
        ("F", Object::Integer(132)),
        ("P", Object::Reference(last_page)),
    ]));
    file.get_object_mut(last_page)
        .and_then(Object::as_dict_mut)
        .map_err(drawing("the last page"))?
        .set("Annots", Object::Array(vec![Object::Reference(field)]));
    file.catalog_mut().map_err(drawing("the catalogue"))?.set(
        "AcroForm",
        Dictionary::from_iter([
            ("Fields", Object::Array(vec![Object::Reference(field)])),
            // Signatures exist; the file is to be changed only by appending.
            ("SigFlags", Object::Integer(3)),
        ]),
    );
    Ok(())
}

/// The file's identifier (`/ID`): the first 16 bytes of the seal's SHA-256, as a string.
pub fn file_id(seal: &str) -> Object {
    Object::String(
        Sha256::digest(seal.as_bytes())[..16].to_vec(),
        StringFormat::Hexadecimal,
    )
}

/// `D:YYYYMMDDHHmmSSZ`, the PDF's date format, in UTC.
fn pdf_date(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Fills in the byte range of a file `prepare` made, and signs it in place.
pub fn sign(bytes: &mut [u8], signer: &dyn FileSigner) -> Result<(), RenderError> {
    let missing = || RenderError::Drawing("the file has no room for its signature".into());
    let room = signer.file_signature_room();
    let range_at = find(bytes, b"/ByteRange[").ok_or_else(missing)? + b"/ByteRange".len();
    let range_end = range_at + find(&bytes[range_at..], b"]").ok_or_else(missing)? + 1;
    let mut needle = b"/Contents<".to_vec();
    needle.extend(std::iter::repeat_n(b'0', 2 * room));
    needle.push(b'>');
    let start = find(bytes, &needle).ok_or_else(missing)? + b"/Contents".len();
    let end = start + 2 * room + 2;
    let ranges = format!("[0 {start} {end} {}", bytes.len() - end);
    let width = range_end - range_at - 1;
    if ranges.len() > width {
        return Err(missing());
    }
    bytes[range_at..range_end - 1].copy_from_slice(format!("{ranges:<width$}").as_bytes());
    let digest = digest(bytes, start, end);
    let cms = signer.sign_file(&digest).map_err(RenderError::Drawing)?;
    if cms.len() > room {
        return Err(RenderError::Drawing(format!(
            "a signature of {} bytes in a room of {room}",
            cms.len()
        )));
    }
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for (i, b) in cms.iter().enumerate() {
        bytes[start + 1 + 2 * i] = HEX[usize::from(b >> 4)];
        bytes[start + 2 + 2 * i] = HEX[usize::from(b & 0x0f)];
    }
    Ok(())
}

fn digest(bytes: &[u8], start: usize, end: usize) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(&bytes[..start]);
    hash.update(&bytes[end..]);
    hash.finalize().into()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// What a file's own signature covers, as a verifier reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedFile {
    /// SHA-256 of the bytes the byte range names.
    pub digest: [u8; 32],
    /// The signature (DER, maybe followed by the zeros that fill its room).
    pub cms: Vec<u8>,
}

/// Why a file's own signature cannot be checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unsigned {
    #[error("the file carries no PDF signature")]
    NoSignature,
    /// Bytes were added after the signed ones, or the range skips more than the signature.
    #[error("the file's PDF signature does not cover the whole file")]
    Partial,
}

/// The file's last signature and what it covers. Only a signature that covers every byte but its
/// own value counts: an update appended to a signed file is a changed file.
pub fn signed_file(bytes: &[u8]) -> Result<SignedFile, Unsigned> {
    let at = bytes
        .windows(b"/ByteRange".len())
        .rposition(|w| w == b"/ByteRange")
        .ok_or(Unsigned::NoSignature)?
        + b"/ByteRange".len();
    let rest = &bytes[at..];
    let open = rest
        .iter()
        .take(8)
        .position(|b| *b == b'[')
        .ok_or(Unsigned::NoSignature)?;
    let close = rest
        .iter()
        .take(80)
        .position(|b| *b == b']')
        .ok_or(Unsigned::NoSignature)?;
    let numbers: Vec<usize> = std::str::from_utf8(&rest[open + 1..close])
        .map_err(|_| Unsigned::NoSignature)?
        .split_ascii_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|_| Unsigned::NoSignature)?;
    let [0, start, end, tail] = numbers[..] else {
        return Err(Unsigned::Partial);
    };
    if !(start + 2 <= end && end.checked_add(tail) == Some(bytes.len())) {
        return Err(Unsigned::Partial);
    }
    let hex = &bytes[start..end];
    let (Some(b'<'), Some(b'>')) = (hex.first(), hex.last()) else {
        return Err(Unsigned::Partial);
    };
    let hex = &hex[1..hex.len() - 1];
    if !hex.len().is_multiple_of(2) {
        return Err(Unsigned::Partial);
    }
    let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let cms = hex
        .chunks(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect::<Option<Vec<u8>>>()
        .ok_or(Unsigned::Partial)?;
    Ok(SignedFile {
        digest: digest(bytes, start, end),
        cms,
    })
}
