//! docs/seal.md gives a test vector (a key, the claims, the payload, the seal text) so that anyone
//! can write a verifier in any language and check it against ours. This test reads the vector
//! from the page and checks that our code produces exactly it, and opens it.

use coset::{CoseSign1, TaggedCborSerializable};
use guichet::seal::{self, SealClaims, SealKey, SealKeys};
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
    let page =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/seal.md")).unwrap();
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
    let cose = base45::decode(text.strip_prefix(seal::PREFIX).unwrap()).unwrap();
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
    assert_eq!(seal::open(&vector(&page, "seal"), &keys).unwrap(), claims);
}

/// Every kind's seal, with the longest names the seal carries (two-byte letters throughout) and
/// the longest office code the catalogue accepts, stays at QR version 10 or below at error
/// correction M (printed at least 25 mm wide: `pdf::QR_SIZE_MM` asserts it). Prints each kind's size
/// for the record.
#[test]
fn every_kind_of_seal_fits_a_version_10_qr_code() {
    use guichet::domain::{DocumentKind, DocumentNumber, OfficeCode};
    let keys = SealKeys::new(vec![SealKey::from_secret(
        [9; 32],
        datetime!(2026-01-01 0:00 UTC),
    )])
    .unwrap();
    for kind in DocumentKind::ALL {
        let mut claims = SealClaims::example();
        claims.kind = kind;
        claims.number = DocumentNumber::new(kind, 2026, 999_999).unwrap();
        // The typical seal expires when the catalogue gives the kind a validity; the longest always does.
        let catalogue = guichet::catalogue::Catalogue::default_catalogue();
        let mut typical = claims.clone();
        if catalogue
            .service(kind)
            .and_then(|s| s.validity_days)
            .is_none()
        {
            typical.expires_on = None;
        }
        let typical = keys.seal(&typical);
        claims.surname = seal::fit(&"É".repeat(80), seal::SURNAME_BYTES);
        claims.given_names = seal::fit(&"Ï".repeat(100), seal::GIVEN_NAMES_BYTES);
        claims.office = OfficeCode::parse(&"X".repeat(seal::OFFICE_MAX)).unwrap();
        let worst = keys.seal(&claims);
        assert_eq!(seal::open(&worst, &keys).unwrap(), claims);
        let version = |text: &str| match qrcode::QrCode::with_error_correction_level(
            text.as_bytes(),
            qrcode::EcLevel::M,
        )
        .unwrap()
        .version()
        {
            qrcode::Version::Normal(v) => v,
            qrcode::Version::Micro(_) => panic!("a micro QR code"),
        };
        let cose = |text: &str| base45::decode(&text[seal::PREFIX.len()..]).unwrap().len();
        println!(
            "{kind}: typical {} characters ({} bytes COSE), QR version {}; longest {} characters ({} bytes), QR version {}; module {:.2} mm",
            typical.len(),
            cose(&typical),
            version(&typical),
            worst.len(),
            cose(&worst),
            version(&worst),
            guichet::pdf::QR_SIZE_MM / (17 + 4 * version(&worst) + 8) as f32,
        );
        assert!(version(&worst) <= 10, "{kind}: {} characters", worst.len());
    }
}
