//! Who is calling: bearer JWTs checked for signature, expiry, issuer and audience, against the
//! service's clock. Two kinds: the service's own HS256 tokens (local use, partners' systems,
//! `guichet token`), and an identity provider's (Cognito or any OpenID Connect provider) signed
//! RS256 or ES256 with a key of its published JWK Set, whose claims are mapped to a role and an
//! office by configuration (docs/security.md, "Signing in").

use super::request::header;
use guichet_core::Error;
use guichet_core::domain::{OfficeCode, OfficerName, PartnerState, Principal, Role, Subject};
use guichet_core::settings::{Env, SettingError};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use lambda_http::Request;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// How tokens are checked: `GUICHET_JWT_SECRET` (HS256, at least 32 characters; when unset the
/// backend supplies one), `GUICHET_JWT_ISSUER` and `GUICHET_JWT_AUDIENCE`; and an identity
/// provider's, when `GUICHET_OIDC_ISSUER` is set.
#[derive(Debug, Clone)]
pub struct TokenSettings {
    pub secret: Option<SecretString>,
    pub issuer: String,
    pub audience: String,
    pub oidc: Option<OidcSettings>,
    /// The roles the service's own tokens may carry (`GUICHET_OWN_TOKEN_ROLES`, comma
    /// separated): in production `partner` alone unless an operator lists more, since staff and
    /// citizens sign in through the identity provider (its second factor, its off-boarding);
    /// every role in development.
    pub own_roles: Vec<Role>,
    /// Production: the service's own tokens must carry a `jti` and live at most
    /// `own_token_lifetime` of their role.
    pub production: bool,
}

/// How long one of the service's own tokens may live: a partner system's 90 days (its
/// operator renews it), anyone else's a day.
pub fn own_token_lifetime(role: Role) -> time::Duration {
    match role {
        Role::Partner => time::Duration::days(90),
        _ => time::Duration::hours(24),
    }
}

impl TokenSettings {
    pub fn read(env: &Env) -> Result<Self, SettingError> {
        let production = guichet_core::settings::Environment::read(env)?.is_production();
        let listed = env
            .get("GUICHET_OWN_TOKEN_ROLES")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(|r| {
                        Role::parse(r).ok_or_else(|| SettingError::Invalid {
                            name: "GUICHET_OWN_TOKEN_ROLES",
                            why: format!("{r:?} is not a role"),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        // Partner systems have no other way in: in production the list adds to them.
        let own_roles = match listed {
            Some(listed) if production => {
                let mut roles = vec![Role::Partner];
                roles.extend(listed.into_iter().filter(|r| *r != Role::Partner));
                roles
            }
            Some(listed) => listed,
            None if production => vec![Role::Partner],
            None => Role::ALL.to_vec(),
        };
        Ok(TokenSettings {
            secret: env.secret("GUICHET_JWT_SECRET", 32)?,
            issuer: env.or("GUICHET_JWT_ISSUER", "guichet-local"),
            audience: env.or("GUICHET_JWT_AUDIENCE", "guichet"),
            oidc: OidcSettings::read(env)?,
            own_roles,
            production,
        })
    }

    /// Production's rules: the service's own tokens for partners alone (unless `also` are
    /// listed), each with a `jti` and a short life.
    pub fn for_production(&mut self, also: &[Role]) {
        self.production = true;
        self.own_roles = std::iter::once(Role::Partner)
            .chain(also.iter().copied())
            .collect();
    }
}

/// An identity provider: `GUICHET_OIDC_ISSUER` (its `iss`, exactly), `GUICHET_OIDC_AUDIENCE`
/// (the client id its ID tokens name in `aud`), its keys (`GUICHET_OIDC_JWKS_URL`, read at cold
/// start, or `GUICHET_OIDC_JWKS`, the JWK Set itself), and where its tokens say who is who:
/// `GUICHET_OIDC_ROLE_CLAIM` (`cognito:groups`; a string, or a list whose first known role
/// counts), `GUICHET_OIDC_OFFICE_CLAIM` (`cognito:groups`; a string, or a list holding one
/// `office:<code>`), `GUICHET_OIDC_NAME_CLAIM` (`name`), and the role of a token without one,
/// `GUICHET_OIDC_DEFAULT_ROLE` (`applicant`: a citizen's account carries no role). Groups by
/// default because only the provider's administrators set them, where a user may write their own
/// attributes (Cognito's `custom:*`) unless the app client forbids it.
/// For the pages' sign-in (authorization code with PKCE, `crate::signin`): the provider's
/// `GUICHET_OIDC_AUTHORIZATION_URL` and `GUICHET_OIDC_TOKEN_URL`, and `GUICHET_OIDC_SCOPE`
/// (`openid profile`). Every address is https, or http to this machine (tests, a local provider).
#[derive(Debug, Clone)]
pub struct OidcSettings {
    pub issuer: String,
    pub audience: String,
    pub jwks_url: Option<String>,
    pub keys: Option<jsonwebtoken::jwk::JwkSet>,
    pub role_claim: String,
    pub office_claim: String,
    pub name_claim: String,
    pub default_role: Option<Role>,
    pub authorization_url: Option<String>,
    pub token_url: Option<String>,
    pub scope: String,
    /// Where a token says its sign-in had a second factor: `GUICHET_OIDC_MFA`, `claim:value`
    /// (`amr:mfa`, RFC 8176: the claim a string or a list holding the value), or `enforced`
    /// when the provider asks a second factor of every sign-in (a Cognito pool with MFA
    /// required, whose ID tokens carry no `amr`).
    pub mfa: MfaEvidence,
}

/// How the provider's tokens show a second factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MfaEvidence {
    Claim { claim: String, value: String },
    Enforced,
}

/// What marks an office among a list of groups: `office:TGI-BKO-C3`.
pub const OFFICE_GROUP_PREFIX: &str = "office:";

impl OidcSettings {
    fn read(env: &Env) -> Result<Option<Self>, SettingError> {
        let Some(issuer) = env.get("GUICHET_OIDC_ISSUER") else {
            return Ok(None);
        };
        let invalid = |name: &'static str, why: String| SettingError::Invalid { name, why };
        let audience = env.get("GUICHET_OIDC_AUDIENCE").ok_or_else(|| {
            invalid(
                "GUICHET_OIDC_AUDIENCE",
                "the client id the provider's tokens are for".into(),
            )
        })?;
        let keys = env
            .get("GUICHET_OIDC_JWKS")
            .map(|json| {
                serde_json::from_str(&json)
                    .map_err(|e| invalid("GUICHET_OIDC_JWKS", format!("not a JWK Set: {e}")))
            })
            .transpose()?;
        let jwks_url = secure_address(env, "GUICHET_OIDC_JWKS_URL")?;
        if keys.is_none() && jwks_url.is_none() {
            return Err(invalid(
                "GUICHET_OIDC_JWKS_URL",
                "set it (or GUICHET_OIDC_JWKS) with GUICHET_OIDC_ISSUER".into(),
            ));
        }
        let default_role = match env.or("GUICHET_OIDC_DEFAULT_ROLE", "applicant").as_str() {
            "" | "none" => None,
            r => Some(Role::parse(r).ok_or_else(|| {
                invalid("GUICHET_OIDC_DEFAULT_ROLE", format!("{r:?} is not a role"))
            })?),
        };
        let authorization_url = secure_address(env, "GUICHET_OIDC_AUTHORIZATION_URL")?;
        let token_url = secure_address(env, "GUICHET_OIDC_TOKEN_URL")?;
        if authorization_url.is_some() != token_url.is_some() {
            return Err(invalid(
                "GUICHET_OIDC_TOKEN_URL",
                "set both GUICHET_OIDC_AUTHORIZATION_URL and GUICHET_OIDC_TOKEN_URL, or neither"
                    .into(),
            ));
        }
        let mut settings = OidcSettings::new(&issuer, &audience);
        settings.jwks_url = jwks_url;
        settings.keys = keys;
        settings.role_claim = env.or("GUICHET_OIDC_ROLE_CLAIM", &settings.role_claim);
        settings.office_claim = env.or("GUICHET_OIDC_OFFICE_CLAIM", &settings.office_claim);
        settings.name_claim = env.or("GUICHET_OIDC_NAME_CLAIM", &settings.name_claim);
        settings.default_role = default_role;
        settings.authorization_url = authorization_url;
        settings.token_url = token_url;
        settings.scope = env.or("GUICHET_OIDC_SCOPE", &settings.scope);
        settings.mfa = match env.or("GUICHET_OIDC_MFA", "amr:mfa").as_str() {
            "enforced" => MfaEvidence::Enforced,
            other => match other.split_once(':') {
                Some((claim, value)) if !claim.is_empty() && !value.is_empty() => {
                    MfaEvidence::Claim {
                        claim: claim.to_owned(),
                        value: value.to_owned(),
                    }
                }
                _ => {
                    return Err(invalid(
                        "GUICHET_OIDC_MFA",
                        format!("{other:?}: `claim:value` (amr:mfa) or `enforced`"),
                    ));
                }
            },
        };
        Ok(Some(settings))
    }

    /// A provider with the default claims and no keys yet.
    pub fn new(issuer: &str, audience: &str) -> Self {
        OidcSettings {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            jwks_url: None,
            keys: None,
            role_claim: "cognito:groups".into(),
            office_claim: "cognito:groups".into(),
            name_claim: "name".into(),
            default_role: Some(Role::Applicant),
            authorization_url: None,
            token_url: None,
            scope: "openid profile".into(),
            mfa: MfaEvidence::Claim {
                claim: "amr".into(),
                value: "mfa".into(),
            },
        }
    }

    /// Reads the provider's JWK Set from its URL at cold start (and again, later, when a token
    /// names a key the set did not have: `Authenticator::authenticate`). A provider that does not
    /// answer does not stop the service: its keys are read again at the first token.
    pub async fn fetch_keys(&mut self) {
        let Some(url) = self.jwks_url.as_deref() else {
            return;
        };
        match fetch_jwks(url).await {
            Ok(set) => self.keys = Some(set),
            Err(why) => tracing::error!(
                %why,
                "the identity provider's keys could not be read at start; they will be read at the first token"
            ),
        }
    }
}

/// An address we send to or trust answers from: https, or http to this machine only.
fn secure_address(env: &Env, name: &'static str) -> Result<Option<String>, SettingError> {
    let url = guichet_core::settings::address(env, name)?;
    if let Some(u) = &url
        && !u.starts_with("https://")
        && !is_loopback(u)
    {
        return Err(SettingError::Invalid {
            name,
            why: format!("{u:?}: an identity provider is reached over https"),
        });
    }
    Ok(url)
}

fn is_loopback(url: &str) -> bool {
    let rest = url.strip_prefix("http://").unwrap_or_default();
    rest.starts_with("[::1]")
        || matches!(
            rest.split(['/', ':']).next().unwrap_or_default(),
            "127.0.0.1" | "localhost"
        )
}

/// At most this much is read from the identity provider (a JWK Set is a few KB).
pub(crate) const PROVIDER_ANSWER_LIMIT: usize = 64 * 1024;

/// A client for the identity provider: a short timeout, no redirects followed.
pub(crate) fn provider_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())
}

/// The body of `answer`, refused past `PROVIDER_ANSWER_LIMIT`.
pub(crate) async fn bounded_body(mut answer: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = answer.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > PROVIDER_ANSWER_LIMIT {
            return Err(format!("answer over {PROVIDER_ANSWER_LIMIT} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn fetch_jwks(url: &str) -> Result<jsonwebtoken::jwk::JwkSet, String> {
    let answer = provider_client()?
        .get(url)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    // Redirects are not followed: a 3xx is as much a failure as a 4xx or 5xx.
    if !answer.status().is_success() {
        return Err(format!("{url}: {}", answer.status()));
    }
    let body = bounded_body(answer)
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    serde_json::from_slice(&body).map_err(|e| format!("{url} is not a JWK Set: {e}"))
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    office: Option<String>,
    /// The person's name (OpenID Connect's `name`), printed on what an officer decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// A partner system's state (`BFA`, `NER`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    state: Option<String>,
    /// The token's id, for revoking it (`guichet token revoke`); required in production.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jti: Option<String>,
    iss: String,
    aud: String,
    exp: i64,
    iat: i64,
    nbf: i64,
}

/// Checks tokens (and, for local development, mints them). Built once at cold start.
pub struct Authenticator {
    decoding: DecodingKey,
    encoding: EncodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    oidc: Option<Provider>,
    own_roles: Vec<Role>,
    production: bool,
    /// The own tokens revoked, where a deny list is kept.
    deny: Option<DenyList>,
}

/// The deny list of the service's own tokens, read through a cache of at most `DENY_REFRESH`
/// (by the service's clock).
pub struct DenyList {
    store: std::sync::Arc<dyn guichet_core::ports::RevokedTokens>,
    copy: std::sync::RwLock<DenyCopy>,
    /// One read at a time: requests arriving meanwhile wait for its answer rather than ask
    /// again or give up.
    reading: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct DenyCopy {
    /// When the ids in hand were read.
    read_at: Option<OffsetDateTime>,
    /// When the store was last asked, whatever it answered.
    tried_at: Option<OffsetDateTime>,
    ids: std::collections::HashSet<String>,
}

/// A revoked token stops passing within this.
pub const DENY_REFRESH: time::Duration = time::Duration::seconds(60);
/// While the store cannot be read, the copy in hand holds this long; older, the service's own
/// tokens wait for the store (503) rather than pass unchecked.
pub const DENY_STALE: time::Duration = time::Duration::minutes(5);
/// After a failed read the store is asked again no sooner than this: a failing table is not
/// hammered by every request.
const DENY_RETRY: time::Duration = time::Duration::seconds(5);

impl DenyList {
    pub fn new(store: std::sync::Arc<dyn guichet_core::ports::RevokedTokens>) -> Self {
        DenyList {
            store,
            copy: Default::default(),
            reading: tokio::sync::Mutex::new(()),
        }
    }

    /// Whether `at` is less than `span` before `now`; a time after `now` (another request's
    /// clock read a moment later) counts as within.
    fn within(at: Option<OffsetDateTime>, now: OffsetDateTime, span: time::Duration) -> bool {
        at.is_some_and(|at| now < at || now - at < span)
    }

    fn times(&self) -> (Option<OffsetDateTime>, Option<OffsetDateTime>) {
        let copy = self
            .copy
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (copy.read_at, copy.tried_at)
    }

    /// Reads the list again when the copy is older than `DENY_REFRESH`.
    async fn refresh(&self, now: OffsetDateTime) -> Result<(), Error> {
        if Self::within(self.times().0, now, DENY_REFRESH) {
            return Ok(());
        }
        let _reading = self.reading.lock().await;
        // What the read just finished found holds for us too.
        let (read_at, tried_at) = self.times();
        if Self::within(read_at, now, DENY_REFRESH) {
            return Ok(());
        }
        let mut failure = None;
        if !Self::within(tried_at, now, DENY_RETRY) {
            self.copy
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .tried_at = Some(now);
            match self.store.revoked(now).await {
                Ok(ids) => {
                    let mut copy = self
                        .copy
                        .write()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    copy.read_at = Some(now);
                    copy.ids = ids.into_iter().collect();
                    return Ok(());
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the revoked tokens could not be read again");
                    failure = Some(e);
                }
            }
        }
        if Self::within(read_at, now, DENY_STALE) {
            return Ok(());
        }
        Err(Error::Store(failure.unwrap_or_else(|| {
            guichet_core::ports::StoreError::Fault(guichet_core::ports::Fault::new(
                guichet_core::ports::FaultKind::Unavailable,
                "the revoked tokens could not be read",
            ))
        })))
    }

    fn contains(&self, jti: &str) -> bool {
        self.copy
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .ids
            .contains(jti)
    }
}

/// An identity provider's keys, by key id, each with the one algorithm it verifies.
struct Provider {
    keys: std::sync::RwLock<Vec<(String, Algorithm, DecodingKey)>>,
    settings: OidcSettings,
    /// When the set was last read again for a key id it lacked: made-up ids cannot make us ask
    /// the provider more than once per `REREAD_AFTER`.
    reread: tokio::sync::Mutex<Option<OffsetDateTime>>,
}

/// Providers publish a new key before they sign with it; a key id we do not know is read for
/// at most this often.
const REREAD_AFTER: time::Duration = time::Duration::minutes(5);

impl Provider {
    fn new(settings: &OidcSettings) -> Self {
        Provider {
            keys: std::sync::RwLock::new(settings.keys.as_ref().map(usable).unwrap_or_default()),
            settings: settings.clone(),
            reread: tokio::sync::Mutex::new(None),
        }
    }

    /// The key `kid` verifying `alg`, when the set has it.
    fn key(&self, kid: &str, alg: Algorithm) -> Option<(Algorithm, DecodingKey)> {
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .find(|(k, a, _)| k == kid && *a == alg)
            .map(|(_, a, key)| (*a, key.clone()))
    }

    /// Reads the set again when `token` names a key it lacks (the provider rotated its keys
    /// since cold start), unless it was read for that less than `REREAD_AFTER` ago.
    async fn learn_key_of(&self, token: &str, now: OffsetDateTime) {
        let Some(url) = self.settings.jwks_url.as_deref() else {
            return;
        };
        let Ok(Header {
            kid: Some(kid),
            alg,
            ..
        }) = jsonwebtoken::decode_header(token)
        else {
            return;
        };
        if alg == Algorithm::HS256 || self.key(&kid, alg).is_some() {
            return;
        }
        let mut last = self.reread.lock().await;
        if last.is_some_and(|at| now - at < REREAD_AFTER) {
            return;
        }
        *last = Some(now);
        // A key the provider withdrew stops passing; but a failed read, or a set with nothing we
        // can use, keeps the keys we have, and their tokens keep passing.
        match fetch_jwks(url).await.map(|set| usable(&set)) {
            Ok(keys) if !keys.is_empty() => {
                *self
                    .keys
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = keys;
            }
            Ok(_) => tracing::warn!(
                "the identity provider's key set, read again, has no RS256 or ES256 key; keeping ours"
            ),
            Err(why) => {
                tracing::warn!(%why, "the identity provider's keys could not be read again")
            }
        }
    }
}

/// The set's RS256 and ES256 keys, by key id.
fn usable(set: &jsonwebtoken::jwk::JwkSet) -> Vec<(String, Algorithm, DecodingKey)> {
    set.keys
        .iter()
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            // Only RS256 and ES256, whatever else the set publishes: an HS256 or `none`
            // token can never pass for the provider's.
            let algorithm = match (&jwk.algorithm, jwk.common.key_algorithm) {
                (
                    jsonwebtoken::jwk::AlgorithmParameters::RSA(_),
                    None | Some(jsonwebtoken::jwk::KeyAlgorithm::RS256),
                ) => Algorithm::RS256,
                (
                    jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(ec),
                    None | Some(jsonwebtoken::jwk::KeyAlgorithm::ES256),
                ) if ec.curve == jsonwebtoken::jwk::EllipticCurve::P256 => Algorithm::ES256,
                _ => return None,
            };
            Some((kid, algorithm, DecodingKey::from_jwk(jwk).ok()?))
        })
        .collect()
}

/// Tolerated clock difference between the token's issuer and us.
const LEEWAY_SECONDS: u64 = 60;

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// HMAC-SHA256 tokens with a shared secret of at least 32 bytes.
    pub fn hs256(secret: &SecretString, issuer: &str, audience: &str) -> Self {
        let key = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry and not-before are checked against the service's clock, below.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        Authenticator {
            decoding: DecodingKey::from_secret(key),
            encoding: EncodingKey::from_secret(key),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            oidc: None,
            own_roles: Role::ALL.to_vec(),
            production: false,
            deny: None,
        }
    }

    /// Refuses the own tokens `deny` lists.
    pub fn with_deny_list(mut self, deny: DenyList) -> Self {
        self.deny = Some(deny);
        self
    }

    /// The roles the service's own tokens may carry here.
    pub fn own_roles(&self) -> &[Role] {
        &self.own_roles
    }

    /// Whether production's rules hold: own tokens named, and short-lived but a partner's.
    pub fn is_production(&self) -> bool {
        self.production
    }

    /// The checker of these settings, with `secret` when the settings name none.
    pub fn new(settings: &TokenSettings, secret: &SecretString) -> Self {
        let mut auth = Self::hs256(
            settings.secret.as_ref().unwrap_or(secret),
            &settings.issuer,
            &settings.audience,
        );
        auth.oidc = settings.oidc.as_ref().map(Provider::new);
        auth.own_roles = settings.own_roles.clone();
        auth.production = settings.production;
        if settings
            .oidc
            .as_ref()
            .and_then(|s| s.keys.as_ref())
            .is_some_and(|set| usable(set).is_empty())
        {
            tracing::error!(
                "the identity provider publishes no RS256 or ES256 key: none of its tokens will pass"
            );
        }
        auth
    }

    pub async fn authenticate(
        &self,
        req: &Request,
        now: OffsetDateTime,
    ) -> Result<Principal, Error> {
        let token = header(req, "authorization")
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .ok_or(Error::Unauthenticated)?
            .trim();
        self.check_learning(token, now).await
    }

    /// `check`, after reading the provider's keys again if the token names one we lack, and
    /// the deny list if its copy is old.
    pub async fn check_learning(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<Principal, Error> {
        if let Some(provider) = &self.oidc {
            provider.learn_key_of(token, now).await;
        }
        // Only a valid own token makes the deny list be read: a provider's or a forged one is
        // answered without the store.
        if let Some(deny) = &self.deny
            && jsonwebtoken::decode_header(token).is_ok_and(|h| h.alg == Algorithm::HS256)
        {
            self.check(token, now)?;
            deny.refresh(now).await?;
        }
        self.check(token, now)
    }

    /// The identity provider's settings, when there is one.
    pub fn provider(&self) -> Option<&OidcSettings> {
        self.oidc.as_ref().map(|p| &p.settings)
    }

    pub fn check(&self, token: &str, now: OffsetDateTime) -> Result<Principal, Error> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Error::Unauthenticated)?;
        if header.alg != Algorithm::HS256 {
            return self.check_provider(token, &header, now);
        }
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| Error::Unauthenticated)?;
        let c = data.claims;
        let now = now.unix_timestamp();
        let leeway = LEEWAY_SECONDS as i64;
        if c.exp + leeway <= now || c.nbf - leeway > now {
            return Err(Error::Unauthenticated);
        }
        // The service's own tokens carry only the roles allowed here (in production, partners);
        // there, each names itself and lives no longer than its role may.
        if !self.own_roles.contains(&c.role) {
            return Err(Error::Unauthenticated);
        }
        if self.production
            && (c.jti.is_none()
                || c.iat - leeway > now
                || c.exp
                    .checked_sub(c.iat)
                    .is_none_or(|life| life > own_token_lifetime(c.role).whole_seconds() + leeway))
        {
            return Err(Error::Unauthenticated);
        }
        if let (Some(deny), Some(jti)) = (&self.deny, &c.jti)
            && deny.contains(jti)
        {
            return Err(Error::Unauthenticated);
        }
        let subject = Subject::parse(&c.sub).map_err(|_| Error::Unauthenticated)?;
        let office = c
            .office
            .as_deref()
            .map(OfficeCode::parse)
            .transpose()
            .map_err(|_| Error::Unauthenticated)?;
        if c.role.needs_office() && office.is_none() {
            return Err(Error::Unauthenticated);
        }
        let name = c
            .name
            .as_deref()
            .map(|n| OfficerName::parse(n).ok_or(Error::Unauthenticated))
            .transpose()?;
        let state = c
            .state
            .as_deref()
            .map(|s| PartnerState::parse(s).ok_or(Error::Unauthenticated))
            .transpose()?;
        // A partner speaks for its state and no office; nobody else speaks for a state.
        if (c.role == Role::Partner) != state.is_some()
            || (c.role == Role::Partner && office.is_some())
        {
            return Err(Error::Unauthenticated);
        }
        Ok(Principal {
            subject,
            role: c.role,
            office,
            name,
            state,
            // In production an own token is a partner's, or a role an operator listed: it says
            // nothing of a second factor, so it never signs. Development's stand for anyone.
            mfa: !self.production,
        })
    }

    /// An identity provider's token: its key by `kid`, that key's one algorithm, the provider's
    /// issuer and our client id, our clock; then its claims mapped to a role and an office.
    fn check_provider(
        &self,
        token: &str,
        header: &Header,
        now: OffsetDateTime,
    ) -> Result<Principal, Error> {
        let provider = self.oidc.as_ref().ok_or(Error::Unauthenticated)?;
        let kid = header.kid.as_deref().ok_or(Error::Unauthenticated)?;
        let (algorithm, key) = provider
            .key(kid, header.alg)
            .ok_or(Error::Unauthenticated)?;
        let s = &provider.settings;
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&s.issuer]);
        validation.set_audience(&[&s.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let claims = jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
            token,
            &key,
            &validation,
        )
        .map_err(|_| Error::Unauthenticated)?
        .claims;
        let number = |name: &str| claims.get(name).and_then(serde_json::Value::as_i64);
        let text = |name: &str| claims.get(name).and_then(serde_json::Value::as_str);
        let now = now.unix_timestamp();
        let leeway = LEEWAY_SECONDS as i64;
        let exp = number("exp").ok_or(Error::Unauthenticated)?;
        if exp + leeway <= now || number("nbf").is_some_and(|nbf| nbf - leeway > now) {
            return Err(Error::Unauthenticated);
        }
        // A string, or a list (groups) whose first known role counts; else the default.
        let role = match claims.get(&s.role_claim) {
            Some(serde_json::Value::String(r)) => Role::parse(r),
            Some(serde_json::Value::Array(list)) => {
                list.iter().filter_map(|r| r.as_str()).find_map(Role::parse)
            }
            _ => None,
        }
        .or(s.default_role)
        .ok_or(Error::Unauthenticated)?;
        // Partners are other states' systems, on the service's own tokens.
        if role == Role::Partner {
            return Err(Error::Unauthenticated);
        }
        let subject =
            Subject::parse(text("sub").unwrap_or_default()).map_err(|_| Error::Unauthenticated)?;
        // A token for several clients must have been given to us (OpenID Connect Core 3.1.3.7).
        if claims
            .get("aud")
            .and_then(serde_json::Value::as_array)
            .is_some_and(|list| list.len() > 1)
            && text("azp") != Some(s.audience.as_str())
        {
            return Err(Error::Unauthenticated);
        }
        let office = match claims.get(&s.office_claim) {
            Some(serde_json::Value::String(o)) => Some(o.as_str()),
            // Among groups, the one `office:<code>`; two offices are one too many.
            Some(serde_json::Value::Array(list)) => {
                let mut offices = list
                    .iter()
                    .filter_map(|g| g.as_str()?.strip_prefix(OFFICE_GROUP_PREFIX));
                match (offices.next(), offices.next()) {
                    (Some(one), None) => Some(one),
                    (None, _) => None,
                    (Some(_), Some(_)) => return Err(Error::Unauthenticated),
                }
            }
            _ => None,
        }
        .map(OfficeCode::parse)
        .transpose()
        .map_err(|_| Error::Unauthenticated)?;
        if role.needs_office() && office.is_none() {
            return Err(Error::Unauthenticated);
        }
        let name = text(&s.name_claim).and_then(OfficerName::parse);
        let mfa = match &s.mfa {
            MfaEvidence::Enforced => true,
            MfaEvidence::Claim { claim, value } => match claims.get(claim) {
                Some(serde_json::Value::String(v)) => v == value,
                Some(serde_json::Value::Array(list)) => {
                    list.iter().any(|v| v.as_str() == Some(value.as_str()))
                }
                _ => false,
            },
        };
        Ok(Principal {
            subject,
            role,
            office: office.filter(|_| role.needs_office()),
            name,
            state: None,
            mfa,
        })
    }

    /// One of the service's own tokens for `principal`, named by a fresh `jti` (which
    /// `guichet token revoke` takes).
    pub fn mint(
        &self,
        principal: &Principal,
        ttl: time::Duration,
        now: OffsetDateTime,
    ) -> Result<String, Error> {
        Ok(self.mint_named(principal, ttl, now)?.0)
    }

    /// `mint`, and the token's id.
    pub fn mint_named(
        &self,
        principal: &Principal,
        ttl: time::Duration,
        now: OffsetDateTime,
    ) -> Result<(String, String), Error> {
        let jti = ulid::Ulid::new().to_string();
        let claims = Claims {
            jti: Some(jti.clone()),
            sub: principal.subject.to_string(),
            role: principal.role,
            office: principal.office.as_ref().map(ToString::to_string),
            name: principal.name.as_ref().map(|n| n.as_str().to_owned()),
            state: principal.state.as_ref().map(|s| s.as_str().to_owned()),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: (now + ttl).unix_timestamp(),
            iat: now.unix_timestamp(),
            nbf: now.unix_timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map(|token| (token, jti))
            .map_err(|e| Error::Internal(format!("minting a token: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(byte: u8) -> SecretString {
        SecretString::from(String::from_utf8(vec![byte; 32]).unwrap())
    }

    fn auth() -> Authenticator {
        Authenticator::hs256(&secret(b'7'), "guichet-test", "guichet")
    }

    fn now() -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    fn clerk() -> Principal {
        Principal {
            subject: Subject::parse("clerk1").unwrap(),
            role: Role::Clerk,
            office: Some(OfficeCode::parse("TGI-BKO-C3").unwrap()),
            name: None,
            state: None,
            mfa: true,
        }
    }

    #[test]
    fn an_identity_provider_is_reached_over_https_or_on_this_machine() {
        let read = |url: &str| {
            TokenSettings::read(&Env::vars(&[
                ("GUICHET_OIDC_ISSUER", "https://idp.example"),
                ("GUICHET_OIDC_AUDIENCE", "portal"),
                ("GUICHET_OIDC_JWKS_URL", url),
            ]))
        };
        assert!(read("https://idp.example/jwks.json").is_ok());
        assert!(read("http://127.0.0.1:9000/jwks.json").is_ok());
        assert!(read("http://localhost:9000/jwks.json").is_ok());
        assert!(read("http://[::1]:9000/jwks.json").is_ok());
        assert!(read("http://idp.example/jwks.json").is_err());
        assert!(read("http://127.0.0.1.evil.example/jwks.json").is_err());
        let half = TokenSettings::read(&Env::vars(&[
            ("GUICHET_OIDC_ISSUER", "https://idp.example"),
            ("GUICHET_OIDC_AUDIENCE", "portal"),
            ("GUICHET_OIDC_JWKS_URL", "https://idp.example/jwks.json"),
            (
                "GUICHET_OIDC_AUTHORIZATION_URL",
                "https://idp.example/oauth2/authorize",
            ),
        ]));
        assert!(
            half.is_err(),
            "an authorization address needs its token address"
        );
    }

    #[test]
    fn a_minted_token_checks_out_and_a_tampered_one_does_not() {
        let a = auth();
        let token = a
            .mint(
                &clerk(),
                time::Duration::hours(1),
                OffsetDateTime::now_utc(),
            )
            .unwrap();
        assert_eq!(a.check(&token, now()).unwrap(), clerk());
        let mut tampered = token.clone();
        tampered.pop();
        tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert!(matches!(
            a.check(&tampered, now()),
            Err(Error::Unauthenticated)
        ));
    }

    #[test]
    fn clocks_may_differ_by_a_minute_and_no_more() {
        let a = auth();
        let now = OffsetDateTime::now_utc();
        let minted_at = |offset: i64, ttl_seconds: i64| {
            a.mint(
                &clerk(),
                time::Duration::seconds(ttl_seconds),
                now + time::Duration::seconds(offset),
            )
            .unwrap()
        };
        // Not yet valid (nbf ahead of our clock): 30 s is skew, 2 minutes is not.
        assert!(a.check(&minted_at(30, 3600), now).is_ok());
        assert!(a.check(&minted_at(120, 3600), now).is_err());
        // Expired (exp behind our clock): 30 s ago is skew, 2 minutes ago is not.
        assert!(a.check(&minted_at(-330, 300), now).is_ok());
        assert!(a.check(&minted_at(-420, 300), now).is_err());
        // The service's clock decides, not the machine's: a token good now is expired a day on.
        let fresh = minted_at(0, 3600);
        assert!(a.check(&fresh, now + time::Duration::days(1)).is_err());
    }

    #[test]
    fn a_token_without_expiry_is_refused() {
        let a = auth();
        let t = OffsetDateTime::now_utc().unix_timestamp();
        let claims = serde_json::json!({
            "sub": "clerk1", "role": "clerk", "office": "TGI-BKO-C3",
            "iss": "guichet-test", "aud": "guichet", "iat": t, "nbf": t
        });
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&[b'7'; 32]),
        )
        .unwrap();
        assert!(a.check(&token, now()).is_err());
        let staff_without_office = serde_json::json!({
            "sub": "clerk1", "role": "clerk", "iss": "guichet-test", "aud": "guichet",
            "iat": t, "nbf": t, "exp": t + 600
        });
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &staff_without_office,
            &EncodingKey::from_secret(&[b'7'; 32]),
        )
        .unwrap();
        assert!(a.check(&token, now()).is_err());
    }

    #[test]
    fn expired_foreign_and_unsigned_tokens_are_refused() {
        let a = auth();
        let old = a
            .mint(
                &clerk(),
                time::Duration::minutes(1),
                OffsetDateTime::now_utc() - time::Duration::hours(1),
            )
            .unwrap();
        assert!(a.check(&old, now()).is_err());
        let other = Authenticator::hs256(&secret(b'8'), "guichet-test", "guichet");
        let foreign = other
            .mint(
                &clerk(),
                time::Duration::hours(1),
                OffsetDateTime::now_utc(),
            )
            .unwrap();
        assert!(a.check(&foreign, now()).is_err());
        let wrong_aud = Authenticator::hs256(&secret(b'7'), "guichet-test", "elsewhere");
        let t = wrong_aud
            .mint(
                &clerk(),
                time::Duration::hours(1),
                OffsetDateTime::now_utc(),
            )
            .unwrap();
        assert!(a.check(&t, now()).is_err());
        // alg "none": header {"alg":"none"} with the same claims.
        let token = a
            .mint(
                &clerk(),
                time::Duration::hours(1),
                OffsetDateTime::now_utc(),
            )
            .unwrap();
        let payload = token.split('.').nth(1).unwrap();
        let none = format!("eyJhbGciOiJub25lIn0.{payload}.");
        assert!(a.check(&none, now()).is_err());
    }

    fn partner() -> Principal {
        Principal {
            subject: Subject::parse("bfa-system").unwrap(),
            role: Role::Partner,
            office: None,
            name: None,
            state: guichet_core::domain::PartnerState::parse("BFA"),
            mfa: true,
        }
    }

    #[test]
    fn production_takes_its_own_tokens_from_partners_alone_unless_told() {
        let read = |vars: &[(&str, &str)]| TokenSettings::read(&Env::vars(vars));
        let dev = read(&[]).unwrap();
        assert!(!dev.production);
        assert_eq!(dev.own_roles, Role::ALL.to_vec());
        let prod = read(&[("GUICHET_ENV", "production")]).unwrap();
        assert!(prod.production);
        assert_eq!(prod.own_roles, vec![Role::Partner]);
        let listed = read(&[
            ("GUICHET_ENV", "production"),
            ("GUICHET_OWN_TOKEN_ROLES", "partner, clerk"),
        ])
        .unwrap();
        assert_eq!(listed.own_roles, vec![Role::Partner, Role::Clerk]);
        let without_partner = read(&[
            ("GUICHET_ENV", "production"),
            ("GUICHET_OWN_TOKEN_ROLES", "clerk"),
        ])
        .unwrap();
        assert_eq!(
            without_partner.own_roles,
            vec![Role::Partner, Role::Clerk],
            "a list adds to the partners, who have no other way in"
        );
        assert!(
            read(&[("GUICHET_OWN_TOKEN_ROLES", "partner,boss")]).is_err(),
            "an unknown role is an error, not silently nothing"
        );
    }

    #[test]
    fn in_production_an_own_staff_token_fails_and_a_partners_lives_at_most_ninety_days() {
        let settings = |production: bool| {
            let mut s = TokenSettings::read(&Env::empty()).unwrap();
            s.issuer = "guichet-test".into();
            if production {
                s.for_production(&[]);
            }
            s
        };
        let dev = Authenticator::new(&settings(false), &secret(b'7'));
        let prod = Authenticator::new(&settings(true), &secret(b'7'));
        let now = now();
        let staff = dev.mint(&clerk(), time::Duration::hours(1), now).unwrap();
        assert_eq!(dev.check(&staff, now).unwrap(), clerk());
        assert!(matches!(
            prod.check(&staff, now),
            Err(Error::Unauthenticated)
        ));
        let system = dev.mint(&partner(), time::Duration::days(90), now).unwrap();
        // In production an own token never stands for a second factor.
        let seen = prod.check(&system, now).unwrap();
        assert_eq!(
            seen,
            Principal {
                mfa: false,
                ..partner()
            }
        );
        assert!(
            seen.second_factor_for_signing().is_ok(),
            "a partner signs nothing anyway"
        );
        // Issued "in the future" (valid from now on), a token could outlive its span: refused.
        let t = now.unix_timestamp();
        let day = 86_400;
        let ahead = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &serde_json::json!({
                "sub": "bfa-system", "role": "partner", "state": "BFA", "jti": "01ABC",
                "iss": "guichet-test", "aud": "guichet", "iat": t + 400 * day, "nbf": t,
                "exp": t + 401 * day
            }),
            &EncodingKey::from_secret(&[b'7'; 32]),
        )
        .unwrap();
        assert!(prod.check(&ahead, now).is_err());
        let too_long = dev.mint(&partner(), time::Duration::days(91), now).unwrap();
        assert!(prod.check(&too_long, now).is_err());
        assert!(
            dev.check(&too_long, now).is_ok(),
            "development keeps its tokens"
        );
        // A token without an id could not be revoked: production refuses it.
        let t = now.unix_timestamp();
        let unnamed = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &serde_json::json!({
                "sub": "bfa-system", "role": "partner", "state": "BFA",
                "iss": "guichet-test", "aud": "guichet", "iat": t, "nbf": t, "exp": t + 600
            }),
            &EncodingKey::from_secret(&[b'7'; 32]),
        )
        .unwrap();
        assert!(dev.check(&unnamed, now).is_ok());
        assert!(prod.check(&unnamed, now).is_err());
        // Each token is named apart.
        let (_, a) = dev
            .mint_named(&partner(), time::Duration::hours(1), now)
            .unwrap();
        let (_, b) = dev
            .mint_named(&partner(), time::Duration::hours(1), now)
            .unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn a_providers_token_shows_a_second_factor_as_configured() {
        let read = |mfa: Option<&str>| {
            let mut vars = vec![
                ("GUICHET_OIDC_ISSUER", "https://idp.example"),
                ("GUICHET_OIDC_AUDIENCE", "portal"),
                ("GUICHET_OIDC_JWKS", r#"{"keys":[]}"#),
            ];
            if let Some(m) = mfa {
                vars.push(("GUICHET_OIDC_MFA", m));
            }
            TokenSettings::read(&Env::vars(&vars)).map(|s| s.oidc.unwrap().mfa)
        };
        assert_eq!(
            read(None).unwrap(),
            MfaEvidence::Claim {
                claim: "amr".into(),
                value: "mfa".into()
            }
        );
        assert_eq!(read(Some("enforced")).unwrap(), MfaEvidence::Enforced);
        assert_eq!(
            read(Some("acr:urn:mace:incommon:iap:silver")).unwrap(),
            MfaEvidence::Claim {
                claim: "acr".into(),
                value: "urn:mace:incommon:iap:silver".into()
            }
        );
        assert!(read(Some("amr")).is_err());
        assert!(read(Some(":mfa")).is_err());
    }

    /// A deny list in memory that fails when told, counting its reads.
    struct Flaky {
        ids: std::sync::Mutex<Vec<String>>,
        down: std::sync::atomic::AtomicBool,
        reads: std::sync::atomic::AtomicUsize,
    }

    impl Flaky {
        fn new() -> std::sync::Arc<Self> {
            std::sync::Arc::new(Flaky {
                ids: Default::default(),
                down: false.into(),
                reads: 0.into(),
            })
        }
    }

    #[async_trait::async_trait]
    impl guichet_core::ports::RevokedTokens for Flaky {
        async fn revoke(
            &self,
            _: &guichet_core::ports::TokenRevocation,
        ) -> Result<(), guichet_core::ports::StoreError> {
            unreachable!("the checker only reads")
        }
        async fn revoked(
            &self,
            _: OffsetDateTime,
        ) -> Result<Vec<String>, guichet_core::ports::StoreError> {
            use std::sync::atomic::Ordering::SeqCst;
            self.reads.fetch_add(1, SeqCst);
            // A store that takes its time, so that requests overlap the read.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            if self.down.load(SeqCst) {
                return Err(guichet_core::ports::StoreError::Fault(
                    guichet_core::ports::Fault::new(
                        guichet_core::ports::FaultKind::Unavailable,
                        "down",
                    ),
                ));
            }
            Ok(self.ids.lock().unwrap().clone())
        }
    }

    #[tokio::test]
    async fn a_revoked_token_stops_within_a_minute_and_a_failing_store_is_neither_hammered_nor_trusted_for_ever()
     {
        use std::sync::atomic::Ordering::SeqCst;
        let minter = auth();
        let t0 = now();
        let (revoked, jti) = minter
            .mint_named(&partner(), time::Duration::days(30), t0)
            .unwrap();
        let (kept, _) = minter
            .mint_named(&partner(), time::Duration::days(30), t0)
            .unwrap();
        let store = Flaky::new();
        let checker = auth().with_deny_list(DenyList::new(store.clone()));
        assert!(checker.check_learning(&revoked, t0).await.is_ok());
        assert_eq!(store.reads.load(SeqCst), 1);
        // Revoked: it passes while the copy is younger than DENY_REFRESH, then no more.
        store.ids.lock().unwrap().push(jti.clone());
        let t59 = t0 + DENY_REFRESH - time::Duration::seconds(1);
        assert!(checker.check_learning(&revoked, t59).await.is_ok());
        let t60 = t0 + DENY_REFRESH;
        assert!(matches!(
            checker.check_learning(&revoked, t60).await,
            Err(Error::Unauthenticated)
        ));
        assert!(checker.check_learning(&kept, t60).await.is_ok());
        assert_eq!(store.reads.load(SeqCst), 2);
        // A forged token costs no read, even with the copy old.
        let t = t60 + DENY_REFRESH;
        let forged = Authenticator::hs256(&secret(b'8'), "guichet-test", "guichet")
            .mint(&partner(), time::Duration::hours(1), t)
            .unwrap();
        assert!(checker.check_learning(&forged, t).await.is_err());
        assert_eq!(store.reads.load(SeqCst), 2);
        // The store fails: the copy (read at t60) holds five minutes, the store asked every
        // 5 s at most.
        store.down.store(true, SeqCst);
        for _ in 0..10 {
            assert!(checker.check_learning(&kept, t).await.is_ok());
        }
        assert_eq!(store.reads.load(SeqCst), 3, "one read, not one per request");
        assert!(matches!(
            checker.check_learning(&revoked, t).await,
            Err(Error::Unauthenticated)
        ));
        let stale = t60 + DENY_STALE;
        assert!(matches!(
            checker.check_learning(&kept, stale).await,
            Err(Error::Store(_))
        ));
        store.down.store(false, SeqCst);
        let back = stale + time::Duration::seconds(6);
        assert!(checker.check_learning(&kept, back).await.is_ok());
    }

    #[tokio::test]
    async fn requests_arriving_during_the_first_read_wait_for_it() {
        let t0 = now();
        let token = auth()
            .mint(&partner(), time::Duration::days(1), t0)
            .unwrap();
        let store = Flaky::new();
        let checker = auth().with_deny_list(DenyList::new(store.clone()));
        let (a, b, c) = tokio::join!(
            checker.check_learning(&token, t0),
            checker.check_learning(&token, t0),
            checker.check_learning(&token, t0),
        );
        assert!(a.is_ok() && b.is_ok() && c.is_ok(), "{a:?} {b:?} {c:?}");
        assert_eq!(store.reads.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
