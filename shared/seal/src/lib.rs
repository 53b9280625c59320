//! The seal printed as a QR code on every document: `GCH1:` + base45(COSE_Sign1), Ed25519.
//!
//! The payload is a CBOR map with small integer keys, so the QR stays small enough for a phone to
//! read from paper; dates are integers `YYYYMMDD`. Anyone holding the published public keys can
//! check a seal offline. docs/seal.md gives the format byte by byte, with a test vector.
//! The same keys sign the issued file as a PDF reader checks it (`file`).

pub mod file;

use base64::Engine;
use ciborium::value::{Integer, Value};
use coset::{
    CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana,
};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use guichet_core::domain::{
    DocumentNumber, KindCode, OfficeCode, SealedHolder, VisaClaims, VisaKind, VisaScope, rfc3339,
};
pub use guichet_core::domain::{SEAL_PREFIX as PREFIX, SealClaims, SealError};
use guichet_core::ports::{FileSigner, KeyStoreError, SealReader, Sealer, StoredSealKey};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use time::{Date, Month, OffsetDateTime};

/// Payload keys. Never renumber: printed documents carry them.
mod key {
    pub const NUMBER: i64 = 1;
    pub const KIND: i64 = 2;
    pub const SURNAME: i64 = 3;
    pub const GIVEN_NAMES: i64 = 4;
    pub const BIRTH_DATE: i64 = 5;
    pub const OFFICE: i64 = 6;
    pub const ISSUED_ON: i64 = 7;
    pub const EXPIRES_ON: i64 = 8;
    /// Absent for a person (every seal made before organisations could hold documents).
    pub const HOLDER_TYPE: i64 = 9;
    pub const ORGANISATION_NAME: i64 = 10;
    pub const REGISTRATION_NUMBER: i64 = 11;
    /// A visa's terms (docs/seal.md): present together, on visas only.
    pub const PASSPORT_NUMBER: i64 = 12;
    pub const NATIONALITY: i64 = 13;
    pub const VISA_TYPE: i64 = 14;
    pub const VISA_SCOPE: i64 = 15;
    pub const ENTRIES: i64 = 16;
    pub const VALID_FROM: i64 = 17;
    pub const STAY_DAYS: i64 = 18;
}

/// Claims 14, 15 and 16's values.
const VISA_TYPES: [(VisaKind, i64); 4] = [
    (VisaKind::Tourism, 1),
    (VisaKind::Family, 2),
    (VisaKind::Business, 3),
    (VisaKind::Transit, 4),
];
const VISA_SCOPES: [(VisaScope, i64); 2] = [(VisaScope::National, 1), (VisaScope::Aes, 2)];
/// A value's code in its table.
fn code<T: PartialEq>(table: &[(T, i64)], value: T) -> i64 {
    table
        .iter()
        .find(|(k, _)| *k == value)
        .map_or(0, |(_, c)| *c)
}

/// The value a code stands for, if the table has it.
fn value_of<T: Copy>(table: &[(T, i64)], n: i64) -> Option<T> {
    table.iter().find(|(_, c)| *c == n).map(|(v, _)| *v)
}

const SINGLE_ENTRY: i64 = 1;
const MULTIPLE_ENTRIES: i64 = 2;

/// Claim 9's value for an organisation.
const ORGANISATION: i64 = 2;

/// A seal key pair; the key id is derived from the public key so it cannot drift.
pub struct SealKey {
    pub signing: SigningKey,
    pub kid: String,
    pub created_at: OffsetDateTime,
    /// When it was declared compromised: it signs nothing more, and its seals do not verify.
    pub compromised_at: Option<OffsetDateTime>,
}

impl SealKey {
    pub fn from_secret(secret: [u8; 32], created_at: OffsetDateTime) -> Self {
        let signing = SigningKey::from_bytes(&secret);
        let kid = key_id(&signing.verifying_key());
        SealKey {
            signing,
            kid,
            created_at,
            compromised_at: None,
        }
    }
}

/// A new signing key made from the operating system's randomness, as a key store keeps it.
pub fn generate(created_at: OffsetDateTime) -> Result<StoredSealKey, KeyStoreError> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| KeyStoreError::Unusable(format!("no random numbers: {e}")))?;
    Ok(store(&SealKey::from_secret(secret, created_at)))
}

/// The key as a key store keeps it.
pub fn store(key: &SealKey) -> StoredSealKey {
    StoredSealKey {
        kid: key.kid.clone(),
        created_at: key.created_at,
        secret: SecretString::from(hex::encode(key.signing.to_bytes())),
        compromised: None,
    }
}

/// The key a stored one holds, or `None` when its secret is not 32 bytes of hex or does not
/// match its key id.
pub fn unstore(stored: &StoredSealKey) -> Option<SealKey> {
    let secret: [u8; 32] = hex::decode(stored.secret.expose_secret())
        .ok()?
        .try_into()
        .ok()?;
    let mut key = SealKey::from_secret(secret, stored.created_at);
    key.compromised_at = stored.compromised.as_ref().map(|c| c.at);
    (key.kid == stored.kid).then_some(key)
}

/// The first 8 bytes of SHA-256 of the raw public key, base64url.
pub fn key_id(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..8])
}

pub use guichet_core::domain::RETIREMENT_GRACE;

/// A published verification key and its validity period.
#[derive(Debug, Clone)]
pub struct PublicSealKey {
    pub kid: String,
    pub key: VerifyingKey,
    pub created_at: OffsetDateTime,
    /// When the next key took over; `None` for the key signing now.
    pub retired_at: Option<OffsetDateTime>,
    /// When it was declared compromised: nothing it sealed verifies.
    pub compromised_at: Option<OffsetDateTime>,
}

impl PublicSealKey {
    /// The last date of issue this key's seals may carry (`None`: no limit, it signs now).
    pub fn signs_until(&self) -> Option<Date> {
        self.retired_at.map(|r| (r + RETIREMENT_GRACE).date())
    }
}

/// Every key this service ever sealed with: one signs now, all verify.
pub struct SealKeys {
    active: SealKey,
    public: Vec<PublicSealKey>,
    /// The root the files' signatures chain to, derived from the first key.
    file_root: file::FileRoot,
    /// Each key's companion that signs files, in the order of `public`; the last signs now.
    file_keys: Vec<file::FileKey>,
    file_signature_room: usize,
}

impl SealKeys {
    /// The keys a key store holds: every one must read back, and there must be one.
    pub fn from_stored(stored: &[StoredSealKey]) -> Result<Self, KeyStoreError> {
        let keys = stored
            .iter()
            .map(|k| {
                unstore(k).ok_or_else(|| {
                    KeyStoreError::Unusable(format!("seal key {} does not match its key id", k.kid))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        SealKeys::try_new(keys)
    }

    /// The newest key signs; older ones stay for verification.
    pub fn new(keys: Vec<SealKey>) -> Option<Self> {
        SealKeys::try_new(keys).ok()
    }

    fn try_new(mut keys: Vec<SealKey>) -> Result<Self, KeyStoreError> {
        keys.sort_by_key(|k| k.created_at);
        // A compromised key never signs again: the newest key must be a sound one.
        if keys.last().is_some_and(|k| k.compromised_at.is_some()) {
            return Err(KeyStoreError::Unusable(
                "the newest seal key is compromised: start a new one (guichet keys rotate)".into(),
            ));
        }
        let unusable = |e: file::CertificateError| KeyStoreError::Unusable(e.to_string());
        let first = keys
            .first()
            .ok_or_else(|| KeyStoreError::Unusable("no seal key yet".into()))?;
        let file_root = file::FileRoot::derive(&first.signing.to_bytes(), first.created_at)
            .map_err(unusable)?;
        let file_keys = keys
            .iter()
            .map(|k| file::FileKey::derive(&k.signing.to_bytes(), &k.kid, k.created_at, &file_root))
            .collect::<Result<Vec<_>, _>>()
            .map_err(unusable)?;
        let public = keys
            .iter()
            .enumerate()
            .map(|(i, k)| PublicSealKey {
                kid: k.kid.clone(),
                key: k.signing.verifying_key(),
                created_at: k.created_at,
                retired_at: keys.get(i + 1).map(|next| next.created_at),
                compromised_at: k.compromised_at,
            })
            .collect();
        let file_signature_room = file_keys.last().map_or(0, file::FileKey::signature_room);
        let active = keys
            .pop()
            .ok_or_else(|| KeyStoreError::Unusable("no seal key yet".into()))?;
        Ok(SealKeys {
            active,
            public,
            file_root,
            file_keys,
            file_signature_room,
        })
    }

    /// The root the files' signatures chain to (DER): what a PDF reader is told to trust.
    pub fn file_root(&self) -> &[u8] {
        &self.file_root.der
    }

    /// The root, then every key's file-signing certificate, oldest first, as PEM: what
    /// `GET /v1/keys/certificates` serves.
    pub fn certificates_pem(&self) -> String {
        let mut all = vec![self.file_root.der.as_slice()];
        all.extend(self.file_keys.iter().map(|k| k.der.as_slice()));
        file::pem(&all)
    }

    pub fn public_keys(&self) -> &[PublicSealKey] {
        &self.public
    }

    pub fn active_kid(&self) -> &str {
        &self.active.kid
    }

    /// The public keys as a JWK Set (RFC 8037 `OKP`/`Ed25519`), each with its validity period:
    /// `created_at`, and for a retired key `retired_at` and `signs_until`, the last date of issue
    /// its seals may carry. A compromised key leaves the set: only its id stays, marked
    /// `compromised` with the date, so a verifier refuses its seals rather than finding no key.
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<_> = self
            .public
            .iter()
            .map(|k| {
                if let Some(at) = k.compromised_at {
                    return serde_json::json!({
                        "kty": "OKP",
                        "crv": "Ed25519",
                        "kid": k.kid,
                        "status": "compromised",
                        "created_at": rfc3339(k.created_at),
                        "compromised_at": rfc3339(at),
                    });
                }
                let mut jwk = serde_json::json!({
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "alg": "EdDSA",
                    "use": "sig",
                    "kid": k.kid,
                    "x": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(k.key.as_bytes()),
                    "status": if k.retired_at.is_some() { "retired" } else { "active" },
                    "created_at": rfc3339(k.created_at),
                });
                if let (Some(retired), Some(until)) = (k.retired_at, k.signs_until()) {
                    jwk["retired_at"] = rfc3339(retired).into();
                    jwk["signs_until"] = until.to_string().into();
                }
                jwk
            })
            .collect::<Vec<_>>();
        // Each seal key's companion that signs the files, with its certificate and the root's
        // (`x5c`): a keys file is then enough to check a file's own signature offline. A reader
        // of seals skips them (`kty` is not `OKP`).
        let b64 = |der: &[u8]| base64::engine::general_purpose::STANDARD.encode(der);
        let files = self.public.iter().zip(&self.file_keys).map(|(k, f)| {
            if k.compromised_at.is_some() {
                return serde_json::json!({
                    "kty": "EC",
                    "kid": format!("{}.pdf", k.kid),
                    "status": "compromised",
                });
            }
            let mut jwk = f.jwk();
            jwk["kid"] = format!("{}.pdf", k.kid).into();
            jwk["x5c"] = serde_json::json!([b64(&f.der), b64(&self.file_root.der)]);
            jwk["status"] = if k.retired_at.is_some() {
                "retired"
            } else {
                "active"
            }
            .into();
            jwk
        });
        serde_json::json!({ "keys": keys.into_iter().chain(files).collect::<Vec<_>>() })
    }

    /// Signs the claims with the active key.
    pub fn seal(&self, claims: &SealClaims) -> String {
        let protected = HeaderBuilder::new()
            .algorithm(iana::Algorithm::EdDSA)
            .key_id(self.active.kid.as_bytes().to_vec())
            .build();
        let sign1 = CoseSign1Builder::new()
            .protected(protected)
            .payload(encode_claims(claims))
            .create_signature(b"", |data| {
                self.active.signing.sign(data).to_bytes().to_vec()
            })
            .build();
        // Serialising a structure we just built cannot fail short of running out of memory.
        let bytes = sign1.to_tagged_vec().unwrap_or_default();
        format!("{PREFIX}{}", base45::encode(bytes))
    }
}

/// The external data a feed record's signature covers beside its payload: a record and a seal
/// are never taken for one another, though one key signs both.
pub const RECORD_AAD: &[u8] = b"guichet/aes-feed/v1";

impl SealKeys {
    /// A record for partners (an AES feed item): its bytes in a tagged COSE_Sign1 by the active
    /// seal key, its `kid` the key's, over `RECORD_AAD`; base64url without padding.
    pub fn sign_record(&self, payload: &[u8]) -> String {
        let protected = HeaderBuilder::new()
            .algorithm(iana::Algorithm::EdDSA)
            .key_id(self.active.kid.as_bytes().to_vec())
            .build();
        let sign1 = CoseSign1Builder::new()
            .protected(protected)
            .payload(payload.to_vec())
            .create_signature(RECORD_AAD, |data| {
                self.active.signing.sign(data).to_bytes().to_vec()
            })
            .build();
        let bytes = sign1.to_tagged_vec().unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }
}

/// Checks a record signed by `sign_record` against the keys (`GET /v1/keys`), and returns its
/// payload: what a partner state's system does offline.
pub fn open_record(text: &str, keys: &impl KeyLookup) -> Result<Vec<u8>, SealError> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim())
        .map_err(|_| SealError::Encoding)?;
    let sign1 = CoseSign1::from_tagged_slice(&bytes).map_err(|_| SealError::Structure)?;
    if sign1.protected.header.alg
        != Some(coset::RegisteredLabelWithPrivate::Assigned(
            iana::Algorithm::EdDSA,
        ))
    {
        return Err(SealError::Algorithm);
    }
    let kid =
        std::str::from_utf8(&sign1.protected.header.key_id).map_err(|_| SealError::UnknownKey)?;
    if keys.compromised(kid) {
        return Err(SealError::KeyCompromised);
    }
    let key = keys.lookup(kid).ok_or(SealError::UnknownKey)?;
    sign1.verify_signature(RECORD_AAD, |sig, data| {
        let sig = Signature::from_slice(sig).map_err(|_| SealError::Signature)?;
        key.key
            .verify_strict(data, &sig)
            .map_err(|_| SealError::Signature)
    })?;
    sign1.payload.ok_or(SealError::Payload)
}

impl Sealer for SealKeys {
    fn seal(&self, claims: &SealClaims) -> String {
        SealKeys::seal(self, claims)
    }

    fn kid(&self) -> String {
        self.active.kid.clone()
    }

    fn sign_record(&self, payload: &[u8]) -> String {
        SealKeys::sign_record(self, payload)
    }
}

impl FileSigner for SealKeys {
    fn file_signature_room(&self) -> usize {
        self.file_signature_room
    }

    fn sign_file(&self, digest: &[u8; 32]) -> Result<Vec<u8>, String> {
        self.file_keys
            .last()
            .ok_or_else(|| "no key signs files".to_owned())?
            .sign(digest)
            .map_err(|e| format!("signing the file: {e}"))
    }
}

impl SealReader for SealKeys {
    fn open(&self, text: &str) -> Result<SealClaims, SealError> {
        open(text, self)
    }
}

impl SealReader for JwkSet {
    fn open(&self, text: &str) -> Result<SealClaims, SealError> {
        open(text, self)
    }
}

/// Looks a verification key up by its id: a `SealKeys` in the service, a keys file offline.
pub trait KeyLookup {
    fn lookup(&self, kid: &str) -> Option<&PublicSealKey>;
    /// Whether `kid` was declared compromised: its seals are refused.
    fn compromised(&self, kid: &str) -> bool;
}

impl KeyLookup for SealKeys {
    fn lookup(&self, kid: &str) -> Option<&PublicSealKey> {
        self.public.iter().find(|k| k.kid == kid)
    }

    fn compromised(&self, kid: &str) -> bool {
        self.lookup(kid).is_some_and(|k| k.compromised_at.is_some())
    }
}

/// Reads a JWK Set as `GET /v1/keys` serves it: the seal keys, the roots the files' own
/// signatures chain to, and the ids of the keys declared compromised.
pub struct JwkSet(Vec<PublicSealKey>, Vec<Vec<u8>>, Vec<String>);

impl JwkSet {
    pub fn parse(json: &serde_json::Value) -> Option<Self> {
        let keys = json.get("keys")?.as_array()?;
        let time = |k: &serde_json::Value, name: &str| {
            k.get(name).and_then(|v| v.as_str()).map(|t| {
                OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
            })
        };
        let mut out = Vec::new();
        let mut roots: Vec<Vec<u8>> = Vec::new();
        let mut compromised = Vec::new();
        for k in keys {
            if k.get("status").and_then(|s| s.as_str()) == Some("compromised") {
                if k.get("kty").and_then(|t| t.as_str()) == Some("OKP") {
                    compromised.push(k.get("kid")?.as_str()?.to_owned());
                }
                continue;
            }
            if k.get("kty")?.as_str()? == "EC" {
                // The chain's last certificate is the root; a chain that does not read is skipped,
                // which leaves a file's signature unchecked, never wrongly trusted.
                let root = k
                    .get("x5c")
                    .and_then(|c| c.as_array())
                    .and_then(|c| c.last())
                    .and_then(|c| c.as_str())
                    .and_then(|c| base64::engine::general_purpose::STANDARD.decode(c).ok());
                if let Some(root) = root.filter(|r| !roots.contains(r)) {
                    roots.push(root);
                }
                continue;
            }
            if k.get("kty")?.as_str()? != "OKP" || k.get("crv")?.as_str()? != "Ed25519" {
                continue;
            }
            let x = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(k.get("x")?.as_str()?)
                .ok()?;
            out.push(PublicSealKey {
                kid: k.get("kid")?.as_str()?.to_owned(),
                key: VerifyingKey::from_bytes(&x.try_into().ok()?).ok()?,
                created_at: time(k, "created_at")??,
                // A retirement date that does not read is refused, never taken as "still active".
                retired_at: time(k, "retired_at")
                    .map(|t| t.ok_or(()))
                    .transpose()
                    .ok()?,
                compromised_at: None,
            });
        }
        Some(JwkSet(out, roots, compromised))
    }

    /// The roots (DER) the files' own signatures chain to.
    pub fn file_roots(&self) -> &[Vec<u8>] {
        &self.1
    }
}

impl KeyLookup for JwkSet {
    fn lookup(&self, kid: &str) -> Option<&PublicSealKey> {
        self.0.iter().find(|k| k.kid == kid)
    }

    fn compromised(&self, kid: &str) -> bool {
        self.2.iter().any(|k| k == kid)
    }
}

/// Checks a seal's signature and reads its claims. Strict: any flipped byte fails. Takes the
/// seal or the link a QR code carries (`…/verifier#GCH1:…`), as a phone reads it.
pub fn open(text: &str, keys: &impl KeyLookup) -> Result<SealClaims, SealError> {
    let text = match text.trim() {
        t if t.starts_with(PREFIX) => t.to_owned(),
        t => guichet_core::domain::seal_in_code(t).ok_or(SealError::Prefix)?,
    };
    let encoded = text.strip_prefix(PREFIX).ok_or(SealError::Prefix)?;
    let bytes = base45::decode(encoded).map_err(|_| SealError::Encoding)?;
    let sign1 = CoseSign1::from_tagged_slice(&bytes)
        .or_else(|_| CoseSign1::from_slice(&bytes))
        .map_err(|_| SealError::Structure)?;
    let alg = sign1.protected.header.alg.as_ref();
    if alg
        != Some(&coset::RegisteredLabelWithPrivate::Assigned(
            iana::Algorithm::EdDSA,
        ))
    {
        return Err(SealError::Algorithm);
    }
    let kid =
        std::str::from_utf8(&sign1.protected.header.key_id).map_err(|_| SealError::UnknownKey)?;
    // A compromised key's seals are refused whatever they say: its holder could sign anything.
    if keys.compromised(kid) {
        return Err(SealError::KeyCompromised);
    }
    let key = keys.lookup(kid).ok_or(SealError::UnknownKey)?;
    sign1.verify_signature(b"", |sig, data| {
        let sig = Signature::from_slice(sig).map_err(|_| SealError::Signature)?;
        // verify_strict refuses malleable signatures and weak keys.
        key.key
            .verify_strict(data, &sig)
            .map_err(|_| SealError::Signature)
    })?;
    let payload = sign1.payload.as_deref().ok_or(SealError::Payload)?;
    // The signature is good, so the payload is ours; a decode failure means a version we do not read.
    let claims = decode_claims(payload).ok_or(SealError::Payload)?;
    // A retired key signs nothing new: should it leak after a rotation, its seals on later
    // documents are refused.
    if key
        .signs_until()
        .is_some_and(|until| claims.issued_on > until)
    {
        return Err(SealError::KeyRetired);
    }
    Ok(claims)
}

fn date_int(d: Date) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(u8::from(d.month())) * 100 + i64::from(d.day())
}

fn int_date(n: i64) -> Option<Date> {
    let year = i32::try_from(n / 10_000).ok()?;
    let month = Month::try_from(u8::try_from(n / 100 % 100).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(n % 100).ok()?).ok()
}

fn encode_claims(c: &SealClaims) -> Vec<u8> {
    let int = |k: i64| Value::Integer(Integer::from(k));
    let mut map = vec![
        (int(key::NUMBER), Value::Text(c.number.to_string())),
        (int(key::KIND), int(i64::from(c.kind.0))),
    ];
    match &c.holder {
        SealedHolder::Person {
            surname,
            given_names,
            birth_date,
        } => map.extend([
            (int(key::SURNAME), Value::Text(surname.clone())),
            (int(key::GIVEN_NAMES), Value::Text(given_names.clone())),
            (int(key::BIRTH_DATE), int(date_int(*birth_date))),
        ]),
        SealedHolder::Organisation {
            name,
            registration_number,
        } => map.extend([
            (int(key::HOLDER_TYPE), int(ORGANISATION)),
            (int(key::ORGANISATION_NAME), Value::Text(name.clone())),
            (
                int(key::REGISTRATION_NUMBER),
                Value::Text(registration_number.clone()),
            ),
        ]),
    }
    map.extend([
        (int(key::OFFICE), Value::Text(c.office.to_string())),
        (int(key::ISSUED_ON), int(date_int(c.issued_on))),
    ]);
    if let Some(e) = c.expires_on {
        map.push((int(key::EXPIRES_ON), int(date_int(e))));
    }
    if let Some(v) = &c.visa {
        map.extend([
            (
                int(key::PASSPORT_NUMBER),
                Value::Text(v.passport_number.clone()),
            ),
            (int(key::NATIONALITY), Value::Text(v.nationality.clone())),
            (int(key::VISA_TYPE), int(code(&VISA_TYPES, v.visa_type))),
            (int(key::VISA_SCOPE), int(code(&VISA_SCOPES, v.scope))),
            (
                int(key::ENTRIES),
                int(if v.multiple_entries {
                    MULTIPLE_ENTRIES
                } else {
                    SINGLE_ENTRY
                }),
            ),
            (int(key::VALID_FROM), int(date_int(v.valid_from))),
            (int(key::STAY_DAYS), int(i64::from(v.stay_days))),
        ]);
    }
    let mut out = Vec::new();
    // Writing CBOR into a Vec cannot fail.
    let _ = ciborium::into_writer(&Value::Map(map), &mut out);
    out
}

fn decode_claims(bytes: &[u8]) -> Option<SealClaims> {
    let Value::Map(entries) = ciborium::from_reader::<Value, _>(bytes).ok()? else {
        return None;
    };
    let get = |k: i64| {
        entries
            .iter()
            .find(|(key, _)| key.as_integer().and_then(|i| i64::try_from(i).ok()) == Some(k))
            .map(|(_, v)| v)
    };
    let text = |k| get(k).and_then(Value::as_text).map(str::to_owned);
    let int = |k| {
        get(k)
            .and_then(Value::as_integer)
            .and_then(|i| i64::try_from(i).ok())
    };
    // Which kind a code and a prefix name is the registry's to say (`Kinds`), not the seal's.
    let kind = KindCode(u16::try_from(int(key::KIND)?).ok()?);
    let number: DocumentNumber = text(key::NUMBER)?.parse().ok()?;
    let holder = match int(key::HOLDER_TYPE) {
        None => SealedHolder::Person {
            surname: text(key::SURNAME)?,
            given_names: text(key::GIVEN_NAMES)?,
            birth_date: int_date(int(key::BIRTH_DATE)?)?,
        },
        Some(ORGANISATION) => SealedHolder::Organisation {
            name: text(key::ORGANISATION_NAME)?,
            registration_number: text(key::REGISTRATION_NUMBER)?,
        },
        Some(_) => return None,
    };
    let visa = match text(key::PASSPORT_NUMBER) {
        None => None,
        Some(passport_number) => Some(VisaClaims {
            passport_number,
            nationality: text(key::NATIONALITY)?,
            visa_type: value_of(&VISA_TYPES, int(key::VISA_TYPE)?)?,
            scope: value_of(&VISA_SCOPES, int(key::VISA_SCOPE)?)?,
            multiple_entries: match int(key::ENTRIES)? {
                SINGLE_ENTRY => false,
                MULTIPLE_ENTRIES => true,
                _ => return None,
            },
            valid_from: int_date(int(key::VALID_FROM)?)?,
            stay_days: u16::try_from(int(key::STAY_DAYS)?).ok()?,
        }),
    };
    Some(SealClaims {
        number,
        kind,
        holder,
        office: OfficeCode::parse(&text(key::OFFICE)?).ok()?,
        issued_on: int_date(int(key::ISSUED_ON)?)?,
        expires_on: match int(key::EXPIRES_ON) {
            Some(n) => Some(int_date(n)?),
            None => None,
        },
        visa,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    pub(crate) fn claims() -> SealClaims {
        SealClaims::example()
    }

    fn keys(seed: u8) -> SealKeys {
        SealKeys::new(vec![SealKey::from_secret(
            [seed; 32],
            datetime!(2026-01-01 0:00 UTC),
        )])
        .unwrap()
    }

    #[test]
    fn a_visa_seal_carries_its_terms_and_reads_them_back() {
        use time::macros::date;
        let k = keys(3);
        let mut c = claims();
        c.visa = Some(VisaClaims {
            passport_number: "19FR12345".into(),
            nationality: "D<<".into(),
            visa_type: VisaKind::Business,
            scope: VisaScope::Aes,
            multiple_entries: true,
            valid_from: date!(2027 - 01 - 10),
            stay_days: 20,
        });
        let sealed = k.seal(&c);
        assert_eq!(open(&sealed, &k).unwrap(), c);
        // Under 330 characters: still a version-12 QR code at error correction M.
        assert!(sealed.len() < 330, "{}", sealed.len());
        // Every seal made before visas reads as before.
        assert_eq!(open(&k.seal(&claims()), &k).unwrap().visa, None);
    }

    #[test]
    fn a_seal_opens_with_its_key_and_says_what_was_sealed() {
        let k = keys(1);
        let text = k.seal(&claims());
        assert!(text.starts_with(PREFIX));
        assert_eq!(open(&text, &k).unwrap(), claims());
        let jwks = JwkSet::parse(&k.jwks()).unwrap();
        assert_eq!(
            open(&text, &jwks).unwrap(),
            claims(),
            "the published JWK Set verifies it too"
        );
    }

    /// An organisation's seal says so (claim 9) and carries its name and registration number
    /// instead of a person's names and birth date.
    #[test]
    fn an_organisation_holds_a_seal_of_its_own() {
        let k = keys(1);
        let mut c = claims();
        c.holder = SealedHolder::Organisation {
            name: "Transports Sahel SA".into(),
            registration_number: "MA.BKO.2019.B.1234".into(),
        };
        let text = k.seal(&c);
        assert_eq!(open(&text, &k).unwrap(), c);
        assert_ne!(open(&text, &k).unwrap(), claims());
    }

    #[test]
    fn another_key_or_any_changed_character_fails() {
        let text = keys(1).seal(&claims());
        assert_eq!(open(&text, &keys(2)), Err(SealError::UnknownKey));
        let k = keys(1);
        let alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
        for i in PREFIX.len()..text.len() {
            let original = text.as_bytes()[i] as char;
            let replacement = alphabet.chars().find(|c| *c != original).unwrap();
            let mut tampered = text.clone();
            tampered.replace_range(i..=i, &replacement.to_string());
            assert!(
                open(&tampered, &k).is_err(),
                "changing character {i} went unnoticed"
            );
        }
    }

    #[test]
    fn a_rotation_keeps_old_seals_valid_and_bounds_the_retired_key() {
        let old = SealKey::from_secret([1; 32], datetime!(2026-01-01 0:00 UTC));
        let before = SealKeys::new(vec![SealKey::from_secret(
            [1; 32],
            datetime!(2026-01-01 0:00 UTC),
        )])
        .unwrap();
        let sealed_before = before.seal(&claims());
        let rotated = SealKeys::new(vec![
            SealKey::from_secret([2; 32], datetime!(2027-03-01 8:00 UTC)),
            old,
        ])
        .unwrap();
        assert_ne!(rotated.active_kid(), before.active_kid());
        // Issued 2026-11-25, before the rotation: still valid, online and from the published set.
        let published = JwkSet::parse(&rotated.jwks()).unwrap();
        assert_eq!(open(&sealed_before, &rotated), Ok(claims()));
        assert_eq!(open(&sealed_before, &published), Ok(claims()));
        let jwks = rotated.jwks();
        let retired = &jwks["keys"][0];
        assert_eq!(
            (retired["status"].as_str(), retired["signs_until"].as_str()),
            (Some("retired"), Some("2027-03-02"))
        );
        assert_eq!(jwks["keys"][1]["status"], "active");
        // The retired key, stolen, seals a document dated after its retirement: refused.
        let mut late = claims();
        late.issued_on = time::macros::date!(2027 - 03 - 03);
        let forged = before.seal(&late);
        assert_eq!(open(&forged, &rotated), Err(SealError::KeyRetired));
        assert_eq!(open(&forged, &published), Err(SealError::KeyRetired));
        // The day after the rotation is still within the grace a warm function needs.
        late.issued_on = time::macros::date!(2027 - 03 - 02);
        assert_eq!(open(&before.seal(&late), &rotated), Ok(late));
        // A key set whose retirement date does not read is refused as a whole.
        let mut broken = rotated.jwks();
        broken["keys"][0]["retired_at"] = "last spring".into();
        assert!(JwkSet::parse(&broken).is_none());
    }

    #[test]
    fn a_stored_key_reads_back_and_never_shows_its_secret() {
        let key = SealKey::from_secret([7; 32], datetime!(2026-01-01 0:00 UTC));
        let stored = store(&key);
        assert!(!format!("{stored:?}").contains(stored.secret.expose_secret()));
        assert_eq!(unstore(&stored).unwrap().kid, key.kid);
        let mut other = store(&SealKey::from_secret(
            [8; 32],
            datetime!(2026-01-01 0:00 UTC),
        ));
        other.kid = key.kid.clone();
        assert!(
            unstore(&other).is_none(),
            "a secret that is not its key id's is refused"
        );
        let fresh = generate(datetime!(2026-01-01 0:00 UTC)).unwrap();
        assert!(SealKeys::from_stored(&[stored, fresh]).is_ok());
        assert!(SealKeys::from_stored(&[]).is_err());
    }

    #[test]
    fn the_seal_fits_a_small_qr_code() {
        let text = keys(1).seal(&claims());
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
            .unwrap();
        let qrcode::Version::Normal(v) = code.version() else {
            panic!("micro QR")
        };
        assert!(v <= 10, "QR version {v} for {} characters", text.len());
    }
}

#[cfg(test)]
mod vector;

/// The key set as published (`KeySetDocument`): the JWK Set and the certificates as served, and
/// the keys read from it. What checks seals where no private key is.
pub struct PublishedKeySet {
    document: guichet_core::ports::KeySetDocument,
    set: JwkSet,
}

impl PublishedKeySet {
    /// What `keys` publish.
    pub fn of(keys: &SealKeys) -> Self {
        let document = guichet_core::ports::KeySetDocument {
            jwks: keys.jwks(),
            certificates: keys.certificates_pem(),
        };
        let set = JwkSet::parse(&document.jwks)
            .unwrap_or_else(|| unreachable!("a key set reads the JWK Set it makes"));
        PublishedKeySet { document, set }
    }

    /// A published document, when its JWK Set reads.
    pub fn from_document(document: guichet_core::ports::KeySetDocument) -> Option<Self> {
        let set = JwkSet::parse(&document.jwks)?;
        Some(PublishedKeySet { document, set })
    }

    pub fn document(&self) -> &guichet_core::ports::KeySetDocument {
        &self.document
    }

    pub fn jwks(&self) -> &serde_json::Value {
        &self.document.jwks
    }

    pub fn certificates_pem(&self) -> &str {
        &self.document.certificates
    }
}

impl SealReader for PublishedKeySet {
    fn open(&self, text: &str) -> Result<SealClaims, SealError> {
        open(text, &self.set)
    }
}

/// How long a function keeps the published set before reading it again: a rotation or a key
/// declared compromised reaches every warm instance within this.
pub const KEY_SET_REFRESH: std::time::Duration = std::time::Duration::from_secs(300);

/// The key set a function checks seals with: fixed (`guichet serve`, which holds the keys), or
/// read from where it is published and read again every `KEY_SET_REFRESH` (Lambda). A failed
/// read keeps the set it had.
pub struct KeySource {
    store: Option<std::sync::Arc<dyn guichet_core::ports::PublishedKeys>>,
    current: std::sync::RwLock<Option<(std::time::Instant, std::sync::Arc<PublishedKeySet>)>>,
}

impl KeySource {
    pub fn fixed(set: PublishedKeySet) -> Self {
        KeySource {
            store: None,
            current: std::sync::RwLock::new(Some((
                std::time::Instant::now(),
                std::sync::Arc::new(set),
            ))),
        }
    }

    /// Empty until the first `refresh`.
    pub fn stored(store: std::sync::Arc<dyn guichet_core::ports::PublishedKeys>) -> Self {
        KeySource {
            store: Some(store),
            current: std::sync::RwLock::new(None),
        }
    }

    /// Reads the published set again when it is older than `KEY_SET_REFRESH` (or missing).
    pub async fn refresh(&self) {
        let Some(store) = &self.store else {
            return;
        };
        let fresh = self
            .current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .is_some_and(|(at, _)| at.elapsed() < KEY_SET_REFRESH);
        if fresh {
            return;
        }
        match store.published().await {
            Ok(Some(document)) => match PublishedKeySet::from_document(document) {
                Some(set) => {
                    *self
                        .current
                        .write()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) =
                        Some((std::time::Instant::now(), std::sync::Arc::new(set)));
                }
                None => tracing::error!("the published key set does not read; keeping ours"),
            },
            Ok(None) => tracing::error!(
                "no key set is published yet: run `guichet keys rotate` (docs/deploy.md)"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "the published key set could not be read; keeping ours")
            }
        }
    }

    /// The set in hand, if any was read.
    pub fn current(&self) -> Option<std::sync::Arc<PublishedKeySet>> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .map(|(_, set)| set.clone())
    }
}

impl SealReader for KeySource {
    fn open(&self, text: &str) -> Result<SealClaims, SealError> {
        match self.current() {
            Some(set) => set.open(text),
            None => Err(SealError::UnknownKey),
        }
    }
}
