//! `guichet verify`: checks a document with no network, against a keys file from
//! `guichet keys export` or `GET /v1/keys`. Revocations need the online check; this one proves
//! the document was sealed by the service and is within its validity.

use anyhow::{Context as _, bail};
use guichet::seal::{self, JwkSet, SealClaims};
use std::path::Path;
use time::Date;

#[derive(Debug, PartialEq, Eq)]
pub enum Offline {
    Valid(SealClaims),
    Expired(SealClaims),
    Invalid(String),
}

/// `input` is a PDF issued by Guichet, or the text of a seal.
pub fn check(keys_file: &Path, input: &str, today: Date) -> anyhow::Result<Offline> {
    let keys_json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(keys_file).with_context(|| format!("reading {}", keys_file.display()))?,
    )
    .context("the keys file is not JSON")?;
    let keys =
        JwkSet::parse(&keys_json).context("the keys file is not a JWK Set of Ed25519 keys")?;
    let text = if input.starts_with(seal::PREFIX) {
        input.to_owned()
    } else {
        let bytes = std::fs::read(input).with_context(|| format!("reading {input}"))?;
        if !bytes.starts_with(b"%PDF-") {
            bail!("{input} is neither a PDF nor a seal text (photos and scans: not yet supported)");
        }
        match guichet::usecases::verify::find_seal(&bytes) {
            Some(text) => text,
            None => return Ok(Offline::Invalid("no Guichet seal in this PDF".into())),
        }
    };
    Ok(match seal::open(&text, &keys) {
        Err(e) => Offline::Invalid(e.to_string()),
        Ok(claims) if claims.expires_on.is_some_and(|e| e < today) => Offline::Expired(claims),
        Ok(claims) => Offline::Valid(claims),
    })
}

pub fn describe(result: &Offline) -> String {
    let show = |c: &SealClaims| {
        format!(
            "{} — {}\n  titulaire / holder: {} {}, né(e) le {}\n  délivré / issued: {} par {}{}",
            c.number,
            c.kind.title_fr(),
            c.given_names,
            c.surname,
            c.birth_date,
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
        Offline::Invalid(why) => format!("INVALIDE / INVALID: {why}"),
    }
}
