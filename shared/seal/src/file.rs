//! The issued file's own signature, the one a PDF reader checks (PAdES baseline B-B): a detached
//! CMS SignedData over the digest of the file's signed bytes, made with an ECDSA P-256 key whose
//! X.509 certificate chains to the Guichet root published at `GET /v1/keys/certificates`.
//!
//! PDF readers do not validate Ed25519 yet, so every seal key has a P-256 companion derived from
//! its secret (HMAC-SHA256 under a label of its own): it rotates with the seal key, needs no
//! second secret to keep, and cannot be mistaken for it. The root's key is derived the same way
//! from the first seal key ever kept, so it stays the same across rotations; both live in the one
//! secret store, which holds every key ever used, so a separate root secret there would guard
//! nothing more. Certificates are made at load, deterministically (RFC 6979 signatures, dates
//! from the keys' creation), so every function that loads the keys publishes the same bytes.

use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode, Reader as _};
use hmac::{Hmac, Mac, digest::KeyInit};
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{DerSignature, Signature, SigningKey, VerifyingKey};
use p256::pkcs8::EncodePublicKey;
use sha2::{Digest, Sha256};
use std::str::FromStr;
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use x509_cert::attr::Attribute;

mod oid {
    use der::asn1::ObjectIdentifier as Oid;
    pub const DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
    pub const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
    pub const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
    pub const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
    /// ESS signing-certificate-v2 (RFC 5035), which PAdES B-B requires.
    pub const SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
    pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    pub const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
}

const ROOT_LABEL: &[u8] = b"guichet/pdf-signature/root/v1";
const SIGNING_LABEL: &[u8] = b"guichet/pdf-signature/signing/v1";
/// How long the root is valid: longer than any document it will vouch for.
const ROOT_YEARS: i32 = 30;
/// How long a signing certificate is valid: keys rotate well within it.
const SIGNING_YEARS: i32 = 10;

#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    #[error("PDF signature certificate: {0}")]
    Build(String),
}

fn build_error(e: impl std::fmt::Display) -> CertificateError {
    CertificateError::Build(e.to_string())
}

/// The P-256 key a label derives from a seal key's secret. A derived value that is not a valid
/// scalar (about one chance in 2^128) moves on to the next counter.
fn derive(secret: &[u8; 32], label: &[u8]) -> SigningKey {
    let mut counter = 0u8;
    loop {
        // HMAC pads a short key with zeros to its block: the same, without a fallible call.
        let mut key = [0u8; 64];
        key[..32].copy_from_slice(secret);
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&key.into());
        mac.update(label);
        mac.update(&[counter]);
        if let Ok(key) = SigningKey::from_slice(&mac.finalize().into_bytes()) {
            return key;
        }
        counter = counter.wrapping_add(1);
    }
}

fn time(at: OffsetDateTime) -> Result<Time, CertificateError> {
    let since = std::time::Duration::from_secs(
        u64::try_from(at.unix_timestamp()).map_err(|_| build_error("a date before 1970"))?,
    );
    // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050.
    Ok(if at.year() < 2050 {
        Time::UtcTime(der::asn1::UtcTime::from_unix_duration(since).map_err(build_error)?)
    } else {
        Time::GeneralTime(
            der::asn1::GeneralizedTime::from_unix_duration(since).map_err(build_error)?,
        )
    })
}

fn validity(from: OffsetDateTime, years: i32) -> Result<Validity, CertificateError> {
    let until = from
        .replace_year(from.year() + years)
        .or_else(|_| (from + time::Duration::days(1)).replace_year(from.year() + years))
        .map_err(build_error)?;
    Ok(Validity {
        not_before: time(from)?,
        not_after: time(until)?,
    })
}

fn spki(key: &SigningKey) -> Result<SubjectPublicKeyInfoOwned, CertificateError> {
    let der = key
        .verifying_key()
        .to_public_key_der()
        .map_err(build_error)?;
    SubjectPublicKeyInfoOwned::from_der(der.as_bytes()).map_err(build_error)
}

/// A positive serial number from the key it certifies: unique per key, the same at every load.
fn serial(key: &SigningKey) -> Result<SerialNumber, CertificateError> {
    let digest = Sha256::digest(key.verifying_key().to_encoded_point(true).as_bytes());
    let mut bytes = [0u8; 12];
    bytes.copy_from_slice(&digest[..12]);
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::new(&bytes).map_err(build_error)
}

fn name(text: &str) -> Result<Name, CertificateError> {
    Name::from_str(text).map_err(build_error)
}

/// The certificate authority every issued file's signature chains to.
pub struct FileRoot {
    key: SigningKey,
    name: Name,
    pub certificate: Certificate,
    pub der: Vec<u8>,
}

impl FileRoot {
    /// The root of the service whose first seal key has `secret` (made `created_at`).
    pub fn derive(secret: &[u8; 32], created_at: OffsetDateTime) -> Result<Self, CertificateError> {
        let key = derive(secret, ROOT_LABEL);
        let name = name("CN=Guichet racine des documents,O=Guichet,C=ML")?;
        let builder = CertificateBuilder::new(
            Profile::Root,
            serial(&key)?,
            validity(created_at, ROOT_YEARS)?,
            name.clone(),
            spki(&key)?,
            &key,
        )
        .map_err(build_error)?;
        let certificate = builder.build::<DerSignature>().map_err(build_error)?;
        let der = certificate.to_der().map_err(build_error)?;
        Ok(FileRoot {
            key,
            name,
            certificate,
            der,
        })
    }
}

/// A seal key's companion: the P-256 key that signs files, and its certificate from the root.
pub struct FileKey {
    key: SigningKey,
    certificate: Certificate,
    pub der: Vec<u8>,
    /// The signing certificate's digest, as the signature names it (ESS signing-certificate-v2).
    cert_hash: [u8; 32],
}

impl FileKey {
    pub fn derive(
        secret: &[u8; 32],
        kid: &str,
        created_at: OffsetDateTime,
        root: &FileRoot,
    ) -> Result<Self, CertificateError> {
        let key = derive(secret, SIGNING_LABEL);
        let subject = name(&format!(
            "CN=Guichet signature des documents {kid},O=Guichet,C=ML"
        ))?;
        let builder = CertificateBuilder::new(
            Profile::Leaf {
                issuer: root.name.clone(),
                enable_key_agreement: false,
                enable_key_encipherment: false,
            },
            serial(&key)?,
            validity(created_at, SIGNING_YEARS)?,
            subject,
            spki(&key)?,
            &root.key,
        )
        .map_err(build_error)?;
        let certificate = builder.build::<DerSignature>().map_err(build_error)?;
        let der = certificate.to_der().map_err(build_error)?;
        Ok(FileKey {
            key,
            cert_hash: Sha256::digest(&der).into(),
            certificate,
            der,
        })
    }

    /// The public key as a JWK (RFC 7518 `EC`, `P-256`, `ES256`).
    pub fn jwk(&self) -> serde_json::Value {
        use base64::Engine;
        let point = self.key.verifying_key().to_encoded_point(false);
        let b64 = |b: Option<&[u8]>| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b.unwrap_or_default())
        };
        serde_json::json!({
            "kty": "EC",
            "crv": "P-256",
            "alg": "ES256",
            "use": "sig",
            "x": b64(point.x().map(|x| &x[..])),
            "y": b64(point.y().map(|y| &y[..])),
        })
    }

    /// The detached CMS signature over `digest`, the SHA-256 of the file's signed byte range.
    /// Deterministic: the same file signs to the same bytes.
    pub fn sign(&self, digest: &[u8; 32]) -> Result<Vec<u8>, der::Error> {
        let attrs = signed_attributes(digest, &self.cert_hash)?;
        let signature: DerSignature = self.key.sign(&attrs.to_der()?);
        let sha256 = AlgorithmIdentifierOwned {
            oid: oid::SHA256,
            parameters: None,
        };
        let signer = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: self.certificate.tbs_certificate.issuer.clone(),
                serial_number: self.certificate.tbs_certificate.serial_number.clone(),
            }),
            digest_alg: sha256.clone(),
            signed_attrs: Some(attrs),
            signature_algorithm: AlgorithmIdentifierOwned {
                oid: oid::ECDSA_SHA256,
                parameters: None,
            },
            signature: OctetString::new(signature.as_bytes())?,
            unsigned_attrs: None,
        };
        let signed = SignedData {
            version: CmsVersion::V1,
            digest_algorithms: SetOfVec::try_from(vec![sha256])?,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: oid::DATA,
                econtent: None,
            },
            // The signing certificate only: whoever checks trusts the root already, and each
            // certificate carried costs a file about 1 KB of hexadecimal.
            certificates: Some(CertificateSet(SetOfVec::try_from(vec![
                CertificateChoices::Certificate(self.certificate.clone()),
            ])?)),
            crls: None,
            signer_infos: SignerInfos(SetOfVec::try_from(vec![signer])?),
        };
        ContentInfo {
            content_type: oid::SIGNED_DATA,
            content: Any::encode_from(&signed)?,
        }
        .to_der()
    }

    /// The most bytes `sign` returns: a DER ECDSA signature is at most 72 bytes, and the rest
    /// of the structure does not depend on the digest.
    pub fn signature_room(&self) -> usize {
        let probe = self.sign(&[0xff; 32]).map(|s| s.len()).unwrap_or(2048);
        // The probe's signature may be up to 2 bytes shorter than the longest, and its lengths
        // one byte shorter each where they cross 128 or 256.
        probe + 8
    }
}

fn signed_attributes(
    digest: &[u8; 32],
    cert_hash: &[u8; 32],
) -> Result<SetOfVec<Attribute>, der::Error> {
    let attribute = |oid: ObjectIdentifier, value: Any| -> Result<Attribute, der::Error> {
        Ok(Attribute {
            oid,
            values: SetOfVec::try_from(vec![value])?,
        })
    };
    // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }, ESSCertIDv2 ::=
    // SEQUENCE { hashAlgorithm DEFAULT sha256 (so absent), certHash OCTET STRING }.
    let mut ess = vec![0x30, 38, 0x30, 36, 0x30, 34, 0x04, 32];
    ess.extend_from_slice(cert_hash);
    SetOfVec::try_from(vec![
        attribute(oid::CONTENT_TYPE, Any::encode_from(&oid::DATA)?)?,
        attribute(
            oid::MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(digest.as_slice())?)?,
        )?,
        attribute(oid::SIGNING_CERTIFICATE_V2, Any::from_der(&ess)?)?,
    ])
}

/// Why a file's signature does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileSignatureError {
    #[error("the file's signature does not read as CMS")]
    Structure,
    #[error("the file's signing certificate is not one the Guichet root issued")]
    Untrusted,
    #[error("the file's bytes are not the ones that were signed")]
    Digest,
    #[error("the file's signature does not match its signing certificate")]
    Signature,
}

/// Checks a detached CMS signature (`cms`, as the file's `/Contents` holds it, trailing zeros
/// allowed) over `digest` against trusted roots (DER). Returns the signing certificate's subject.
pub fn verify(
    cms: &[u8],
    digest: &[u8; 32],
    roots: &[Vec<u8>],
) -> Result<String, FileSignatureError> {
    let structure = |_| FileSignatureError::Structure;
    let mut reader = der::SliceReader::new(cms).map_err(structure)?;
    let info = ContentInfo::decode(&mut reader).map_err(structure)?;
    let rest = reader
        .read_slice(reader.remaining_len())
        .map_err(structure)?;
    if info.content_type != oid::SIGNED_DATA || rest.iter().any(|b| *b != 0) {
        return Err(FileSignatureError::Structure);
    }
    let signed: SignedData = info.content.decode_as().map_err(structure)?;
    let [signer] = signed.signer_infos.0.as_slice() else {
        return Err(FileSignatureError::Structure);
    };
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &signer.sid else {
        return Err(FileSignatureError::Structure);
    };
    let certificate = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .find_map(|c| match c {
            CertificateChoices::Certificate(c)
                if c.tbs_certificate.issuer == sid.issuer
                    && c.tbs_certificate.serial_number == sid.serial_number =>
            {
                Some(c)
            }
            _ => None,
        })
        .ok_or(FileSignatureError::Untrusted)?;
    // The certificate must carry a root's signature: the root's key checks its signed part.
    let tbs = certificate.tbs_certificate.to_der().map_err(structure)?;
    let issued_by_root = roots.iter().any(|root| {
        let Ok(root) = Certificate::from_der(root) else {
            return false;
        };
        root.tbs_certificate.subject == certificate.tbs_certificate.issuer
            && verifying_key(&root.tbs_certificate.subject_public_key_info).is_some_and(|key| {
                certificate.signature_algorithm.oid == oid::ECDSA_SHA256
                    && certificate
                        .signature
                        .as_bytes()
                        .and_then(|s| Signature::from_der(s).ok())
                        .is_some_and(|s| key.verify(&tbs, &s).is_ok())
            })
    });
    if !issued_by_root {
        return Err(FileSignatureError::Untrusted);
    }
    let attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or(FileSignatureError::Structure)?;
    let value = |oid: ObjectIdentifier| {
        attrs
            .iter()
            .find(|a| a.oid == oid)
            .and_then(|a| a.values.get(0))
    };
    let carried = value(oid::MESSAGE_DIGEST)
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .ok_or(FileSignatureError::Structure)?;
    // Not secret, so no need for a constant-time comparison: anyone can hash the file.
    if carried.as_bytes() != digest.as_slice() {
        return Err(FileSignatureError::Digest);
    }
    if signer.signature_algorithm.oid != oid::ECDSA_SHA256 || signer.digest_alg.oid != oid::SHA256 {
        return Err(FileSignatureError::Structure);
    }
    let key = verifying_key(&certificate.tbs_certificate.subject_public_key_info)
        .ok_or(FileSignatureError::Structure)?;
    let signature = Signature::from_der(signer.signature.as_bytes())
        .map_err(|_| FileSignatureError::Signature)?;
    key.verify(&attrs.to_der().map_err(structure)?, &signature)
        .map_err(|_| FileSignatureError::Signature)?;
    Ok(certificate.tbs_certificate.subject.to_string())
}

fn verifying_key(spki: &SubjectPublicKeyInfoOwned) -> Option<VerifyingKey> {
    VerifyingKey::from_sec1_bytes(spki.subject_public_key.as_bytes()?).ok()
}

/// DER certificates as PEM text, one block each.
pub fn pem(certificates: &[&[u8]]) -> String {
    use base64::Engine;
    let mut out = String::new();
    for der in certificates {
        out.push_str("-----BEGIN CERTIFICATE-----\n");
        let text = base64::engine::general_purpose::STANDARD.encode(der);
        for line in text.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(line));
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
    }
    out
}
