//! docs/seal.md gives a test vector (a key, the claims, the payload, the seal text) so that anyone
//! can write a verifier in any language and check it against ours. This test reads the vector
//! from the page and checks that our code produces exactly it, and opens it.

use crate::{PREFIX, SealClaims, SealKey, SealKeys, open};
use coset::{CoseSign1, TaggedCborSerializable};
use time::macros::datetime;

/// The value of `- name: `value`` in the page's test-vector section.
fn vector(page: &str, name: &str) -> String {
    let section = page
        .split("## Test vector")
        .nth(1)
        .expect("docs/seal.md has a test vector section");
    let prefix = format!("- {name}: `");
    let line = section
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("the test vector gives {name}"));
    line[prefix.len()..].trim_end_matches('`').to_owned()
}

#[test]
fn the_published_test_vector_is_what_the_code_makes_and_opens() {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/seal.md"))
        .unwrap();
    let secret: [u8; 32] = hex::decode(vector(&page, "secret key (hex)"))
        .unwrap()
        .try_into()
        .unwrap();
    let key = SealKey::from_secret(secret, datetime!(2026-01-01 0:00 UTC));
    let keys = SealKeys::new(vec![key]).unwrap();
    let claims = SealClaims::example();
    assert_eq!(claims.number.to_string(), vector(&page, "number"));

    let jwks = keys.jwks();
    assert_eq!(jwks["keys"][0]["kid"], vector(&page, "kid"));
    assert_eq!(
        jwks["keys"][0]["x"],
        vector(&page, "public key (x, base64url)")
    );

    let text = keys.seal(&claims);
    let cose = base45::decode(text.strip_prefix(PREFIX).unwrap()).unwrap();
    let sign1 = CoseSign1::from_tagged_slice(&cose).unwrap();
    assert_eq!(
        hex::encode(sign1.payload.as_deref().unwrap()),
        vector(&page, "payload (CBOR, hex)")
    );
    assert_eq!(
        hex::encode(sign1.protected.original_data.clone().unwrap()),
        vector(&page, "protected header (CBOR, hex)")
    );
    assert_eq!(
        hex::encode(&sign1.signature),
        vector(&page, "signature (hex)")
    );
    assert_eq!(
        hex::encode(&cose),
        vector(&page, "COSE_Sign1 (tagged CBOR, hex)")
    );
    assert_eq!(text, vector(&page, "seal"));
    // As the PDF draws it: error correction M, and the QR version the page states.
    let qr =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).unwrap();
    let qrcode::Version::Normal(version) = qr.version() else {
        panic!("a micro QR code")
    };
    assert_eq!(
        version.to_string(),
        vector(&page, "QR version at error correction M")
    );
    assert_eq!(open(&vector(&page, "seal"), &keys).unwrap(), claims);
    // The link printed since the verify page, and the seal read back from it.
    let link = vector(
        &page,
        "link, for `GUICHET_VERIFY_URL` = `https://guichet.ml/verifier`",
    );
    assert_eq!(
        guichet_core::domain::seal_link("https://guichet.ml/verifier", &text),
        link
    );
    assert_eq!(open(&link, &keys).unwrap(), claims);
}
