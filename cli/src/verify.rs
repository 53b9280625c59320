//! `guichet verify`: checks a document with no network, against a keys file from
//! `guichet keys export` or `GET /v1/keys`. It reads the QR code as a phone would: from an issued
//! PDF (the squares it draws), a photo or a scan (PNG, JPEG), or the text already read from it.
//! Revocations need the online check; this one proves the document was sealed by the service,
//! with a key valid at its date of issue, and is within its validity.

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
    Invalid(String),
}

/// `input` is the text of a seal, or the path of a PDF, PNG or JPEG file.
pub fn check(keys_file: &Path, input: &str, today: Date) -> anyhow::Result<Offline> {
    let keys_json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(keys_file).with_context(|| format!("reading {}", keys_file.display()))?,
    )
    .context("the keys file is not JSON")?;
    let keys =
        JwkSet::parse(&keys_json).context("the keys file is not a JWK Set of Ed25519 keys")?;
    let mut file = None;
    let text = if input.starts_with(seal::PREFIX) {
        input.to_owned()
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
        let signed = guichet_pdf::signed_file(&bytes).map_err(|e| e.to_string());
        let checked = signed.and_then(|s| {
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
    let mut seals = codes.into_iter().filter(|c| c.starts_with(seal::PREFIX));
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
    let show = |c: &SealClaims| {
        format!(
            "{} — {}\n  titulaire / holder: {}\n  délivré / issued: {} par {}{}",
            c.number,
            title(c),
            holder(c),
            c.issued_on,
            c.office,
            c.expires_on
                .map(|e| format!(", valable jusqu'au / valid until {e}"))
                .unwrap_or_default()
        )
    };
    match result {
        Offline::Valid(c) => format!("VALIDE / VALID: {}", show(c)),
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
        Offline::Invalid(why) => format!("INVALIDE / INVALID: {why}"),
    }
}
