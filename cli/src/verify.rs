//! `guichet verify`: checks a document with no network, against a keys file from
//! `guichet keys export` or `GET /v1/keys`. It reads the QR code as a phone would: from an issued
//! PDF (the squares it draws), a photo or a scan (PNG, JPEG), or the text already read from it.
//! Revocations need the online check; this one proves the document was sealed by the service,
//! with a key valid at its date of issue, and is within its validity; and for a PDF, that the file
//! is the one issued (its own signature, PAdES).

use anyhow::{Context as _, bail};
use guichet_core::domain::SealedHolder;
use guichet_seal::{self as seal, JwkSet, SealClaims};
use std::path::Path;
use time::Date;

#[derive(Debug, PartialEq, Eq)]
pub enum Offline {
    Valid(SealClaims),
    Expired(SealClaims),
    /// The seal is genuine, but the PDF is not the file that was issued: its own signature fails
    /// or is missing (why). What the seal says is the document; the file's text may differ.
    NotTheIssuedFile(SealClaims, String),
    /// The seal is genuine and the PDF was issued before files were signed: nothing proves the
    /// file unchanged, so its text is to be compared with the seal's.
    ValidSealOnly(SealClaims),
    Invalid(String),
}

/// The first day the service signed its files: a PDF sealed earlier carries no file signature,
/// and its seal (which a forger cannot redate) is all there is to check. Any later one must.
pub const FILES_SIGNED_SINCE: Date = time::macros::date!(2026 - 12 - 05);

/// `input` is the text of a seal, or the path of a PDF, PNG or JPEG file.
pub fn check(keys_file: &Path, input: &str, today: Date) -> anyhow::Result<Offline> {
    let keys_json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(keys_file).with_context(|| format!("reading {}", keys_file.display()))?,
    )
    .context("the keys file is not JSON")?;
    let keys =
        JwkSet::parse(&keys_json).context("the keys file is not a JWK Set of Ed25519 keys")?;
    let mut file = None;
    let text = if let Some(seal) = guichet_core::domain::seal_in_code(input) {
        seal
    } else {
        let bytes = std::fs::read(input).with_context(|| format!("reading {input}"))?;
        let text = match read_seal(&bytes)? {
            Ok(text) => text,
            Err(why) => return Ok(Offline::Invalid(why)),
        };
        file = Some(bytes);
        text
    };
    let claims = match seal::open(&text, &keys) {
        Err(e) => return Ok(Offline::Invalid(e.to_string())),
        Ok(claims) => claims,
    };
    // A PDF also signs itself: only the issued file's bytes pass. A picture has no such
    // signature; what it shows is compared with the seal by whoever holds it.
    if let Some(bytes) = file.filter(|b| b.starts_with(b"%PDF-")) {
        if keys.file_roots().is_empty() {
            bail!(
                "the keys file holds no root for the files' own signatures: export it again (guichet keys export, or GET /v1/keys)"
            );
        }
        let signed = guichet_pdf::signed_file(&bytes);
        if signed == Err(guichet_pdf::Unsigned::NoSignature)
            && claims.issued_on < FILES_SIGNED_SINCE
        {
            return Ok(if claims.expires_on.is_some_and(|e| e < today) {
                Offline::Expired(claims)
            } else {
                Offline::ValidSealOnly(claims)
            });
        }
        let checked = signed.map_err(|e| e.to_string()).and_then(|s| {
            seal::file::verify(&s.cms, &s.digest, keys.file_roots()).map_err(|e| e.to_string())
        });
        if let Err(why) = checked {
            return Ok(Offline::NotTheIssuedFile(claims, why));
        }
    }
    Ok(if claims.expires_on.is_some_and(|e| e < today) {
        Offline::Expired(claims)
    } else {
        Offline::Valid(claims)
    })
}

/// The seal a file's QR code carries, or why there is none to check.
fn read_seal(bytes: &[u8]) -> anyhow::Result<Result<String, String>> {
    let codes = if bytes.starts_with(b"%PDF-") {
        guichet_scan::pdf_codes(bytes)
    } else if bytes.starts_with(b"\x89PNG") || bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        guichet_scan::image_codes(bytes)?
    } else {
        bail!("the file is neither a PDF nor a PNG or JPEG picture, and not a seal text (GCH1:…)");
    };
    // The link printed since the verify page, or the bare seal printed before it.
    let mut seals = codes
        .iter()
        .filter_map(|c| guichet_core::domain::seal_in_code(c));
    let Some(seal) = seals.next() else {
        return Ok(Err("no Guichet QR code could be read in this file".into()));
    };
    if seals.any(|other| other != seal) {
        return Ok(Err("the file carries two different seals".into()));
    }
    // An issued PDF also keeps its seal in its metadata; a file whose two copies differ was edited.
    if bytes.starts_with(b"%PDF-")
        && guichet_core::usecases::verify::find_seal(bytes).is_some_and(|kept| kept != seal)
    {
        return Ok(Err(
            "the QR code and the seal kept in the file's metadata differ: the file was altered"
                .into(),
        ));
    }
    Ok(Ok(seal))
}

pub fn describe(result: &Offline) -> String {
    // The kinds written in Rust are known here; a kind added by an operator's catalogue is
    // named by its number's prefix.
    let kinds = guichet_core::kinds::Kinds::new(guichet_core::kinds::Kinds::builtin()).ok();
    let title = |c: &SealClaims| {
        kinds
            .as_ref()
            .and_then(|k| k.by_code(c.kind))
            .map(|k| k.names().title.clone())
            .unwrap_or_else(|| format!("document {}", c.number.prefix()))
    };
    let holder = |c: &SealClaims| match &c.holder {
        SealedHolder::Person {
            surname,
            given_names,
            birth_date,
        } => format!("{given_names} {surname}, né(e) le {birth_date}"),
        SealedHolder::Organisation {
            name,
            registration_number,
        } => format!("{name}, immatriculation / registration {registration_number}"),
    };
    let visa = |c: &SealClaims| {
        c.visa
            .as_ref()
            .map(|v| {
                format!(
                    "\n  visa: {} {}, {}, passeport / passport {} ({}), du / from {} — séjour / stay {} jours / days",
                    v.visa_type.as_str(),
                    v.scope.as_str(),
                    if v.multiple_entries {
                        "entrées multiples / multiple entries"
                    } else {
                        "une entrée / single entry"
                    },
                    v.passport_number,
                    v.nationality,
                    v.valid_from,
                    v.stay_days
                )
            })
            .unwrap_or_default()
    };
    let show = |c: &SealClaims| {
        format!(
            "{} — {}\n  titulaire / holder: {}\n  délivré / issued: {} par {}{}{}",
            c.number,
            title(c),
            holder(c),
            c.issued_on,
            c.office,
            c.expires_on
                .map(|e| format!(", valable jusqu'au / valid until {e}"))
                .unwrap_or_default(),
            visa(c)
        )
    };
    let unrevoked = guichet_core::messages::Msg::RevocationNotCheckedOffline.bilingual();
    let unrevoked = format!("\n  {}\n  {}", unrevoked.fr, unrevoked.en);
    match result {
        Offline::Valid(c) => format!("VALIDE / VALID: {}{unrevoked}", show(c)),
        Offline::Expired(c) => format!("EXPIRÉ / EXPIRED: {}", show(c)),
        Offline::NotTheIssuedFile(c, why) => {
            let m = guichet_core::messages::Msg::FileNotTheIssuedOne.bilingual();
            format!(
                "FICHIER MODIFIÉ / MODIFIED FILE ({why})\n  {}\n  {}\n  Le sceau dit / the seal says: {}",
                m.fr,
                m.en,
                show(c)
            )
        }
        Offline::ValidSealOnly(c) => {
            let m = guichet_core::messages::Msg::FileIssuedBeforeSignatures.bilingual();
            format!(
                "VALIDE / VALID: {}\n  {}\n  {}{unrevoked}",
                show(c),
                m.fr,
                m.en
            )
        }
        Offline::Invalid(why) => format!("INVALIDE / INVALID: {why}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_core::catalogue::Catalogue;
    use guichet_core::domain::{Application, DocumentRef, SealClaims};
    use guichet_core::ports::{DocumentRenderer, Printable};
    use guichet_seal::{SealKey, SealKeys};
    use time::macros::{date, datetime};

    /// The example extract, issued at `issued_at`, as the service signs it.
    fn issued(keys: &SealKeys, issued_at: time::OffsetDateTime) -> Vec<u8> {
        let catalogue = Catalogue::default_catalogue();
        let app = Application::example();
        let kind = catalogue.kind(app.kind).unwrap();
        let mut document = DocumentRef::example();
        document.issued_at = issued_at;
        document.expires_at = Some(issued_at + time::Duration::days(90));
        let holder = kind.holder(&app);
        let seal = keys.seal(&SealClaims::for_document(
            &app,
            &holder,
            &document,
            kind.names().code,
        ));
        guichet_pdf::PdfRenderer::new("https://guichet.ml/verifier")
            .unwrap()
            .render(&Printable {
                application: &app,
                template: kind.template(),
                title: &kind.names().title,
                content: &serde_json::json!({"convictions": []}),
                holder: &holder,
                office: catalogue.office(&app.office).unwrap(),
                entry: catalogue.entry(app.kind).unwrap(),
                document: &document,
                seal: &seal,
                signer: keys,
                portrait: None,
            })
            .unwrap()
    }

    /// A file without its signature passes on its seal alone only if it was sealed before files
    /// were signed; the date is the seal's, which no one can change. Stripping the signature of a
    /// later file makes it a modified one.
    #[test]
    fn only_a_file_sealed_before_files_were_signed_may_lack_a_signature() {
        let dir = tempfile::tempdir().unwrap();
        let keys = SealKeys::new(vec![SealKey::from_secret(
            [3; 32],
            datetime!(2026-01-01 0:00 UTC),
        )])
        .unwrap();
        let keys_file = dir.path().join("keys.json");
        std::fs::write(&keys_file, keys.jwks().to_string()).unwrap();
        let strip = |pdf: &[u8]| {
            let text = pdf.to_vec();
            let at = text.windows(10).position(|w| w == b"/ByteRange").unwrap();
            let mut out = text;
            out[at..at + 10].copy_from_slice(b"/ByteRangX");
            out
        };
        let check = |pdf: &[u8], today| {
            let path = dir.path().join("file.pdf");
            std::fs::write(&path, pdf).unwrap();
            check(&keys_file, path.to_str().unwrap(), today).unwrap()
        };
        let before = issued(&keys, datetime!(2026-11-25 10:05 UTC));
        let today = date!(2026 - 12 - 10);
        assert!(matches!(check(&before, today), Offline::Valid(_)));
        assert!(matches!(
            check(&strip(&before), today),
            Offline::ValidSealOnly(_)
        ));
        let after = issued(&keys, datetime!(2027-01-04 9:00 UTC));
        let later = date!(2027 - 01 - 10);
        assert!(matches!(check(&after, later), Offline::Valid(_)));
        assert!(
            matches!(check(&strip(&after), later), Offline::NotTheIssuedFile(_, why) if why.contains("no PDF signature"))
        );
        assert!(describe(&check(&strip(&before), today)).contains("Compare the printed text"));
    }
}
