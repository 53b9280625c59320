//! The pages' sign-in with the identity provider: OAuth 2.0 authorization code with PKCE
//! (RFC 7636, S256). The page sends the person to the provider with a challenge, comes back with
//! a code, and hands it here with the verifier it kept; we exchange it at the provider's token
//! endpoint (so the pages only ever call their own origin, and their Content-Security-Policy
//! names no one else) and answer the ID token only once it passes the checks every token passes.

use crate::api::{MeView, ProviderSignIn, SignInOptions, SignInRequest, SignedIn};
use crate::auth::{Authenticator, bounded_body, provider_client};
use guichet_core::Error;
use guichet_core::domain::FieldErrors;
use guichet_core::messages::Msg;
use time::OffsetDateTime;

/// `GET /v1/sign-in`.
pub fn options(auth: &Authenticator) -> SignInOptions {
    SignInOptions {
        provider: auth.provider().and_then(|p| {
            Some(ProviderSignIn {
                authorization_endpoint: p.authorization_url.clone()?,
                client_id: p.audience.clone(),
                scope: p.scope.clone(),
            })
        }),
    }
}

/// `POST /v1/sign-in`: the code exchanged for the provider's ID token, checked.
pub async fn exchange(
    auth: &Authenticator,
    request: SignInRequest,
    now: OffsetDateTime,
) -> Result<SignedIn, Error> {
    let provider = auth.provider().ok_or(Error::NotFound)?;
    let token_url = provider.token_url.as_deref().ok_or(Error::NotFound)?;
    check(&request)?;
    let answer = provider_client()
        .map_err(Error::Internal)?
        .post(token_url)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", request.code.as_str()),
            ("redirect_uri", request.redirect_uri.as_str()),
            ("client_id", provider.audience.as_str()),
            ("code_verifier", request.code_verifier.as_str()),
        ])
        .send()
        .await
        .map_err(|e| {
            Error::ProviderUnavailable(format!("identity provider: {}", e.without_url()))
        })?;
    let status = answer.status();
    // RFC 6749 5.2: a refused grant is a 400 (or 401 for the client); anything else is an outage.
    if status.as_u16() == 400 || status.as_u16() == 401 {
        return Err(Error::Refused(Msg::SignInRefused));
    }
    if !status.is_success() {
        return Err(Error::ProviderUnavailable(format!(
            "identity provider's token endpoint: {status}"
        )));
    }
    let body = bounded_body(answer)
        .await
        .map_err(|e| Error::ProviderUnavailable(format!("identity provider: {e}")))?;
    #[derive(serde::Deserialize)]
    struct Tokens {
        id_token: String,
    }
    let tokens: Tokens = serde_json::from_slice(&body).map_err(|_| {
        Error::ProviderUnavailable("identity provider: an answer without an ID token".into())
    })?;
    let who = auth.check_learning(&tokens.id_token, now).await?;
    Ok(SignedIn {
        me: MeView::from(&who),
        token: tokens.id_token,
    })
}

/// Each field as RFC 7636 and 6749 write it, before anything is sent to the provider.
fn check(request: &SignInRequest) -> Result<(), Error> {
    let mut errors = FieldErrors::default();
    let visible = |s: &str| s.bytes().all(|b| b.is_ascii_graphic());
    if request.code.is_empty() || request.code.len() > 2048 || !visible(&request.code) {
        errors.push("code", Msg::InvalidSignInCode);
    }
    let v = &request.code_verifier;
    if !(43..=128).contains(&v.len())
        || !v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
    {
        errors.push("code_verifier", Msg::InvalidSignInCode);
    }
    let uri = &request.redirect_uri;
    let loopback = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"]
        .iter()
        .any(|p| uri.starts_with(p));
    if uri.len() > 2048
        || !(uri.starts_with("https://") || loopback)
        || uri.contains('#')
        || !visible(uri)
    {
        errors.push("redirect_uri", Msg::InvalidAddress);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(code: &str, verifier: &str, uri: &str) -> SignInRequest {
        SignInRequest {
            code: code.into(),
            code_verifier: verifier.into(),
            redirect_uri: uri.into(),
        }
    }

    #[test]
    fn codes_verifiers_and_addresses_are_checked_before_the_provider_is_asked() {
        let verifier = "a".repeat(43);
        assert!(check(&request("abc", &verifier, "https://guichet.ml/")).is_ok());
        assert!(check(&request("abc", &verifier, "http://127.0.0.1:8080/console")).is_ok());
        for (field, bad) in [
            ("code", request("", &verifier, "https://guichet.ml/")),
            ("code", request("a b", &verifier, "https://guichet.ml/")),
            (
                "code_verifier",
                request("abc", "short", "https://guichet.ml/"),
            ),
            (
                "code_verifier",
                request("abc", &"é".repeat(30), "https://guichet.ml/"),
            ),
            (
                "redirect_uri",
                request("abc", &verifier, "http://guichet.ml/"),
            ),
            (
                "redirect_uri",
                request("abc", &verifier, "https://guichet.ml/#x"),
            ),
            (
                "redirect_uri",
                request("abc", &verifier, "javascript:alert(1)"),
            ),
        ] {
            match check(&bad) {
                Err(Error::Invalid(e)) => assert!(
                    e.0.iter().any(|f| f.field == field),
                    "{field} named for {:?}",
                    bad.redirect_uri
                ),
                other => panic!("{field}: {other:?}"),
            }
        }
    }
}
