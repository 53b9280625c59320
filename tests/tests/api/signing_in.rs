//! Signing in with an identity provider (issue 15): its RS256 and ES256 ID tokens, checked
//! against the JWK Set read from its URL at start (and again when the provider rotates its
//! keys), their claims mapped to a role and an office;
//! anything else refused. The service's own HS256 tokens keep working beside them. The pages'
//! way in: authorization code with PKCE, the code exchanged by `POST /v1/sign-in`.

use crate::helpers::*;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::Digest as _;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const ISSUER: &str = "https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_TEST";
const CLIENT: &str = "guichet-portal";
/// Test keys made for these tests with openssl (RSA 2048, PKCS#1 DER; P-256, PKCS#8 DER), and the
/// provider's JWK Set that publishes their public halves.
const RSA_DER: &str = "MIIEpAIBAAKCAQEA0xrWR9HE52otZv3yhjEvMMEcGyYx9g3K5CxpAlMwYe9XOoeYWCiG99D5FN9YZJwUogg3c465/KqRTbD4ia4WFhmYphCXj4/avfv8oPAXgTbpKL6LVSHHofPiyebFY+O+4SrDieKGjLnxpw2goOaXaGHlGvk9Ipu8ids+0q2/oOZKAyHdWLISvl0YqGavKwvNX7mO2yTzMrpRqWN0qxALmxzBkqe7vOMUHFzV09ZybZX3pIHrFRuZzmuVd0rpIrFAinj4zBXft8VyhmzsZ2ZSrPt37wIKxHr94TmjXMF7FgpRmhqnt6Rf/tf4/3Rmn6QZbNkvryQ5FenNDP8LN8Tu/wIDAQABAoIBABl6TDE3xmldfaRH8syyQ+1A6Sj3p6D4EiwOlg/TRWwUbDUip0bAgWWIQX984xilY7IYhsS6DYVKeqXjPWO0cHLzXOJx7zDC3lX+gwNTZqrQGzyxHnTEUmkf25edc+Y11tQrCpVqEu4KBPmx4dh5a/2LjxB90xyJqiwDG2Zm1NFQsZq085bWfChN413ZWz8kEeEgbxwfHnVhp+8H9wtbtuoYMP5/uSP9Ffhd+3l9KmPQ6aXD3FpZyNabIUWOiaTwY0jih9G1esBJayKfs9P2FOG4VOum/4MjNprUcdaiibHvMG0nK8rAQQzKZw43+37rzFwzwTEYMcZoPLNpwUQyrrkCgYEA9hMTE0LXbHZbm3OkBQzlQAzbjEkQ3OWn2sCkCdy92xCA6m/iRCCJSbpwnwBG09/ZKU+NxS9IWh2xnFPx4TVF6LYnwlrUL1jF+BT/wPl3muPlFDYFRx2K9tyyF4CXe6ZPx5mrsIXWZMMsxmJ7fpGzF7k//+qIVxfiml7ExLIlt/kCgYEA256r2kqbx0kOZcw15qzHJvWcN9wThKMhRym+AcBMUpB+94c2b8278TUMcJWwR9yOMy3SoQtI2FUlwaPpig5mPPkK6CQWBz/XDjWWMf6UZ8AdeSIho+FeDFtRU90wBf3R3QalBNK+Z01bvmowRypdlgDR/htnBFRZJUKMAqbUzLcCgYEAnvQHWGPPADMcTbhPdSu1UsB7eY0hJW/8E6Ro0i4TPdTVUZrgUB2sUUHryenF1ss8XiETdRJr7DpOJqtbDZz6Aa7Y1AUUF1mC2BPIeYEsL5OSwJF8q0l8IKbDK8dXEvqFgmvTqf1qVkB1RdkL6OB5DZQOsWNwmsHFEO6ysFRbZRECgYEAt8zThp1qQh6iLg/6DFQNWE21sAo/S4I7F5OXsV9+gJrtp7tBk9BaukPrZU3hekLbv3laDe2jyWl5b9X+XcwvRFgpCJ8q0GZdVUcDrFOjYDEoeXhXLxAt5amHJui2iE0klhY5hQ/ayhmz7mhwfx61tBR7qm7EiJsPAF/xTUbSUYECgYBK7jEMs1fcjXcMPwT79nEu6Mb5xqSk1NUmlemV9Rax/5NPFqA4/3XKLpuaRxz1LVrTbV8Or34haQjE2zhT6GI7+nbir1bcM60q5EHC5YGFkSgyFLy+F5dK7C0cyCExIT8fmVI/EFLzxNpaD1blHqq9fWtZRpYDHDjLhllnckQG2Q==";
const EC_DER: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgfoPaLtBp9IDf1KDy/KGWqqrr6T8+SBaUSg9dBSF/sUmhRANCAASxM8va7U4XjmbHo9UMCzVdMZ+aJR9tg0wIaAQk4OOQqphj66qZdErHXG20Hl7ASe0RacYhIE9aW1dD7kL6GpFX";

fn jwks() -> Value {
    json!({ "keys": [
        { "kty": "RSA", "kid": "rsa-1", "alg": "RS256", "use": "sig", "e": "AQAB",
          "n": "0xrWR9HE52otZv3yhjEvMMEcGyYx9g3K5CxpAlMwYe9XOoeYWCiG99D5FN9YZJwUogg3c465_KqRTbD4ia4WFhmYphCXj4_avfv8oPAXgTbpKL6LVSHHofPiyebFY-O-4SrDieKGjLnxpw2goOaXaGHlGvk9Ipu8ids-0q2_oOZKAyHdWLISvl0YqGavKwvNX7mO2yTzMrpRqWN0qxALmxzBkqe7vOMUHFzV09ZybZX3pIHrFRuZzmuVd0rpIrFAinj4zBXft8VyhmzsZ2ZSrPt37wIKxHr94TmjXMF7FgpRmhqnt6Rf_tf4_3Rmn6QZbNkvryQ5FenNDP8LN8Tu_w" },
        { "kty": "EC", "kid": "ec-1", "alg": "ES256", "use": "sig", "crv": "P-256",
          "x": "sTPL2u1OF45mx6PVDAs1XTGfmiUfbYNMCGgEJODjkKo", "y": "mGPrqpl0SsdcbbQeXsBJ7RFpxiEgT1pbV0PuQvoakVc" }
    ]})
}

fn der(b64: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap()
}

/// An ID token as the provider signs it, with `claims` over the usual ones.
fn id_token(alg: Algorithm, kid: &str, claims: Value) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut all = json!({ "iss": ISSUER, "aud": CLIENT, "sub": "5f1c7a2e-0b7d-4c1e-9a51-2d3c4b5a6f70",
        "iat": now, "exp": now + 3600, "token_use": "id" });
    for (k, v) in claims.as_object().unwrap() {
        all[k] = v.clone();
    }
    let key = match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_der(&der(RSA_DER)),
        _ => EncodingKey::from_ec_der(&der(EC_DER)),
    };
    let mut header = Header::new(alg);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, &all, &key).unwrap()
}

async fn status(app: &TestApp, token: &str, path: &str) -> u16 {
    app.get(token, path).await.status().as_u16()
}

/// A code the stand-in gave: the challenge, the return address, and whom it signs in.
struct Grant {
    challenge: String,
    redirect_uri: String,
    claims: Value,
}

/// A stand-in identity provider, answering as Cognito's hosted pages do: `/oauth2/authorize`
/// signs in at once whoever `sign_in_next_as` named (no login form to fill) and comes back with
/// a code; `/oauth2/token` gives that code's ID token once, to the verifier of its challenge
/// (RFC 7636, S256), for the same return address; `/.well-known/jwks.json` publishes the keys,
/// counting its readers.
pub struct StandInProvider {
    pub base: String,
    pub published: Arc<Mutex<Value>>,
    pub reads: Arc<AtomicUsize>,
    next: Arc<Mutex<Value>>,
}

impl StandInProvider {
    pub async fn start() -> StandInProvider {
        use axum::extract::RawQuery;
        use axum::response::{IntoResponse, Redirect};
        let pairs = |raw: &str| -> HashMap<String, String> {
            form_urlencoded::parse(raw.as_bytes())
                .into_owned()
                .collect()
        };
        let json_answer = |v: Value| ([("content-type", "application/json")], v.to_string());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let published = Arc::new(Mutex::new(jwks()));
        let reads = Arc::new(AtomicUsize::new(0));
        let next = Arc::new(Mutex::new(json!({})));
        let grants: Arc<Mutex<HashMap<String, Grant>>> = Arc::default();
        let (served, counted) = (published.clone(), reads.clone());
        let (chosen, given, taken) = (next.clone(), grants.clone(), grants);
        let app = axum::Router::new()
            .route(
                "/.well-known/jwks.json",
                axum::routing::get(move || async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let set = served.lock().unwrap().to_string();
                    ([("content-type", "application/json")], set)
                }),
            )
            .route(
                "/oauth2/authorize",
                axum::routing::get(move |RawQuery(raw): RawQuery| async move {
                    let q = pairs(&raw.unwrap_or_default());
                    let ok = q.get("response_type").map(String::as_str) == Some("code")
                        && q.get("client_id").map(String::as_str) == Some(CLIENT)
                        && q.get("code_challenge_method").map(String::as_str) == Some("S256")
                        && q.get("scope").is_some_and(|s| s.split(' ').any(|s| s == "openid"))
                        && q.get("code_challenge").is_some_and(|c| c.len() == 43)
                        && q.get("redirect_uri").is_some_and(|r| r.starts_with("http://127.0.0.1:"));
                    if !ok {
                        return (axum::http::StatusCode::BAD_REQUEST, "invalid_request").into_response();
                    }
                    let code = ulid::Ulid::new().to_string();
                    let redirect_uri = q["redirect_uri"].clone();
                    given.lock().unwrap().insert(
                        code.clone(),
                        Grant {
                            challenge: q["code_challenge"].clone(),
                            redirect_uri: redirect_uri.clone(),
                            claims: chosen.lock().unwrap().clone(),
                        },
                    );
                    let state = q.get("state").cloned().unwrap_or_default();
                    Redirect::to(&format!("{redirect_uri}?code={code}&state={state}")).into_response()
                }),
            )
            .route(
                "/oauth2/token",
                axum::routing::post(move |body: String| async move {
                    let f = pairs(&body);
                    let field = |name: &str| f.get(name).map(String::as_str).unwrap_or_default();
                    // Used once: a code is gone whether or not this exchange succeeds.
                    let grant = taken.lock().unwrap().remove(field("code"));
                    let verified = grant.as_ref().is_some_and(|g| {
                        let digest = sha2::Sha256::digest(field("code_verifier").as_bytes());
                        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest) == g.challenge
                            && g.redirect_uri == field("redirect_uri")
                    });
                    match grant {
                        Some(g)
                            if verified
                                && field("grant_type") == "authorization_code"
                                && field("client_id") == CLIENT =>
                        {
                            json_answer(json!({
                                "id_token": id_token(Algorithm::ES256, "ec-1", g.claims),
                                "access_token": "not-for-guichet", "token_type": "Bearer", "expires_in": 3600
                            }))
                            .into_response()
                        }
                        _ => (
                            axum::http::StatusCode::BAD_REQUEST,
                            json_answer(json!({ "error": "invalid_grant" })),
                        )
                            .into_response(),
                    }
                }),
            );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        StandInProvider {
            base,
            published,
            reads,
            next,
        }
    }

    /// The service's settings for this provider, with its sign-in pages.
    pub fn settings(&self) -> guichet_http::auth::OidcSettings {
        let mut s = guichet_http::auth::OidcSettings::new(ISSUER, CLIENT);
        s.jwks_url = Some(format!("{}/.well-known/jwks.json", self.base));
        s.authorization_url = Some(format!("{}/oauth2/authorize", self.base));
        s.token_url = Some(format!("{}/oauth2/token", self.base));
        s
    }

    /// Whom the next sign-in is: these claims over the usual ones.
    pub fn sign_in_next_as(&self, claims: Value) {
        *self.next.lock().unwrap() = claims;
    }
}

#[tokio::test]
async fn an_identity_providers_tokens_sign_people_in_with_their_role_and_office() {
    let provider = StandInProvider::start().await;
    let (published, reads) = (provider.published.clone(), provider.reads.clone());
    let clock = Arc::new(ShiftedClock::default());
    let settings = provider.settings();
    let app = spawn_app_on_with(clock.clone(), |s| {
        s.http.tokens.oidc = Some(settings);
    })
    .await;
    assert_eq!(reads.load(Ordering::SeqCst), 1, "read once at start");
    let work = format!("/v1/work?office={BAMAKO_REGISTRY}");

    // A citizen (no role claim: an applicant), RS256.
    let citizen = id_token(Algorithm::RS256, "rsa-1", json!({}));
    assert_eq!(status(&app, &citizen, "/v1/applications").await, 200);
    assert_eq!(status(&app, &citizen, &work).await, 403);
    let created = app
        .submit(&citizen, &extract_request("Traoré", "Awa", "Bamako"))
        .await;
    assert_eq!(created.status(), 201);

    // A clerk of the Bamako registry, ES256; a signatory by a list of groups.
    let clerk = id_token(
        Algorithm::ES256,
        "ec-1",
        json!({ "cognito:groups": ["clerk", format!("office:{BAMAKO_REGISTRY}")], "name": "Awa Diallo" }),
    );
    assert_eq!(status(&app, &clerk, &work).await, 200);
    let signatory = id_token(
        Algorithm::RS256,
        "rsa-1",
        json!({ "cognito:groups": ["staff", "signatory", format!("office:{BAMAKO_REGISTRY}")] }),
    );
    assert_eq!(status(&app, &signatory, &work).await, 200);

    // What a user may write themselves (Cognito's custom attributes) makes no officer; a token
    // for several clients passes when it was given to us.
    let self_made = id_token(
        Algorithm::RS256,
        "rsa-1",
        json!({ "custom:role": "admin", "custom:office": BAMAKO_REGISTRY }),
    );
    assert_eq!(status(&app, &self_made, &work).await, 403);
    let shared = id_token(
        Algorithm::RS256,
        "rsa-1",
        json!({ "aud": [CLIENT, "another-app"], "azp": CLIENT }),
    );
    assert_eq!(status(&app, &shared, "/v1/applications").await, 200);

    // The provider rotates its keys: a token signed with the new one makes us read the set
    // again, once; made-up key ids then do not, until five minutes have passed.
    let publish = |kid: &str| {
        let mut set = published.lock().unwrap();
        let mut key = set["keys"][0].clone();
        key["kid"] = json!(kid);
        set["keys"].as_array_mut().unwrap().push(key);
    };
    publish("rsa-2");
    let rotated = id_token(Algorithm::RS256, "rsa-2", json!({}));
    assert_eq!(status(&app, &rotated, "/v1/applications").await, 200);
    assert_eq!(reads.load(Ordering::SeqCst), 2);
    for _ in 0..5 {
        let made_up = id_token(Algorithm::RS256, "rsa-3", json!({}));
        assert_eq!(status(&app, &made_up, "/v1/applications").await, 401);
    }
    assert_eq!(reads.load(Ordering::SeqCst), 2, "no storm of reads");
    publish("rsa-3");
    clock.advance(time::Duration::minutes(6));
    let rotated_again = id_token(Algorithm::RS256, "rsa-3", json!({}));
    assert_eq!(status(&app, &rotated_again, "/v1/applications").await, 200);
    assert_eq!(reads.load(Ordering::SeqCst), 3);

    // Refused: staff without an office, another audience or issuer, expired, an unknown key, a
    // key of the set used with another algorithm, a partner, and HS256 signed with the
    // provider's public key (the algorithm-confusion forgery).
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for (why, token) in [
        (
            "staff without an office",
            id_token(
                Algorithm::ES256,
                "ec-1",
                json!({ "cognito:groups": ["clerk"] }),
            ),
        ),
        (
            "another audience",
            id_token(Algorithm::RS256, "rsa-1", json!({ "aud": "another-app" })),
        ),
        (
            "another issuer",
            id_token(
                Algorithm::RS256,
                "rsa-1",
                json!({ "iss": "https://accounts.example.com" }),
            ),
        ),
        (
            "expired",
            id_token(Algorithm::RS256, "rsa-1", json!({ "exp": now - 600 })),
        ),
        (
            "unknown key",
            id_token(Algorithm::RS256, "rsa-4", json!({})),
        ),
        (
            "the EC key's id on an RS256 token",
            id_token(Algorithm::RS256, "ec-1", json!({})),
        ),
        (
            "two offices",
            id_token(
                Algorithm::ES256,
                "ec-1",
                json!({ "cognito:groups": ["clerk", "office:TGI-KAY", format!("office:{BAMAKO_REGISTRY}")] }),
            ),
        ),
        (
            "a token for several clients, given to another",
            id_token(
                Algorithm::RS256,
                "rsa-1",
                json!({ "aud": [CLIENT, "another-app"], "azp": "another-app" }),
            ),
        ),
        (
            "a partner",
            id_token(
                Algorithm::RS256,
                "rsa-1",
                json!({ "cognito:groups": ["partner"] }),
            ),
        ),
    ] {
        assert_eq!(status(&app, &token, "/v1/applications").await, 401, "{why}");
    }
    let mut confused = Header::new(Algorithm::HS256);
    confused.kid = Some("rsa-1".into());
    let forged = jsonwebtoken::encode(
        &confused,
        &json!({ "iss": ISSUER, "aud": CLIENT, "sub": "x", "exp": now + 600, "role": "admin", "office": BAMAKO_REGISTRY }),
        &EncodingKey::from_secret(jwks()["keys"][0]["n"].as_str().unwrap().as_bytes()),
    )
    .unwrap();
    assert_eq!(status(&app, &forged, "/v1/applications").await, 401);

    // The service's own tokens beside the provider's.
    assert_eq!(
        status(&app, &app.citizen("local-citizen"), "/v1/applications").await,
        200
    );

    // The provider withdraws a key: once the set is read again, its tokens stop passing.
    publish("rsa-5");
    published.lock().unwrap()["keys"]
        .as_array_mut()
        .unwrap()
        .retain(|k| k["kid"] != "rsa-1");
    clock.advance(time::Duration::minutes(6));
    let citizen = id_token(Algorithm::RS256, "rsa-1", json!({}));
    assert_eq!(status(&app, &citizen, "/v1/applications").await, 200);
    let newest = id_token(Algorithm::RS256, "rsa-5", json!({}));
    assert_eq!(status(&app, &newest, "/v1/applications").await, 200);
    assert_eq!(status(&app, &citizen, "/v1/applications").await, 401);
}

/// The pages' way in: to the provider with a PKCE challenge, back with a code, the code and its
/// verifier exchanged by the API for the provider's ID token, checked and read (`me`).
#[tokio::test]
async fn the_pages_sign_in_through_the_provider_with_a_code_and_its_verifier() {
    let provider = StandInProvider::start().await;
    let settings = provider.settings();
    let app = spawn_app_with(|s| s.http.tokens.oidc = Some(settings)).await;
    let options: Value = app.public_json("/v1/sign-in").await;
    let endpoint = options["provider"]["authorization_endpoint"]
        .as_str()
        .unwrap();
    assert_eq!(options["provider"]["client_id"], CLIENT);
    let back = app.url("/console");

    // The provider's sign-in, as a browser goes through it: a code on the way back.
    let code_for = |verifier: &str| {
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()));
        let url = reqwest::Url::parse_with_params(
            endpoint,
            [
                ("response_type", "code"),
                ("client_id", CLIENT),
                ("redirect_uri", back.as_str()),
                ("scope", "openid profile"),
                ("state", "s1"),
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
            ],
        )
        .unwrap();
        let http = app.http.clone();
        async move {
            let answer = http.get(url).send().await.unwrap();
            assert_eq!(answer.status(), 303, "the provider sends the browser back");
            let location = answer.headers()["location"].to_str().unwrap().to_owned();
            let back = reqwest::Url::parse(&location).unwrap();
            back.query_pairs()
                .find(|(k, _)| k == "code")
                .unwrap()
                .1
                .into_owned()
        }
    };
    let exchange = |code: String, verifier: &str| {
        let body = json!({ "code": code, "code_verifier": verifier, "redirect_uri": back });
        let http = app.http.clone();
        let url = app.url("/v1/sign-in");
        async move { http.post(url).json(&body).send().await.unwrap() }
    };

    provider.sign_in_next_as(json!({
        "cognito:groups": ["clerk", "office:TGI-KAY"], "name": "Awa Diallo"
    }));
    let verifier = "v".repeat(43) + "-tilde~dot.";
    let code = code_for(&verifier).await;
    let signed = exchange(code.clone(), &verifier).await;
    assert_eq!(signed.status(), 200);
    let signed: Value = signed.json().await.unwrap();
    assert_eq!(
        signed["me"],
        json!({ "subject": "5f1c7a2e-0b7d-4c1e-9a51-2d3c4b5a6f70", "role": "clerk",
            "office": "TGI-KAY", "name": "Awa Diallo", "second_factor": false })
    );
    let token = signed["token"].as_str().unwrap();
    let me: Value = app.get(token, "/v1/me").await.json().await.unwrap();
    assert_eq!(me, signed["me"]);
    assert_eq!(status(&app, token, "/v1/work?office=TGI-KAY").await, 200);

    // A code works once, and only with its own verifier; a verifier that is not one is
    // answered field by field before the provider is asked.
    let replayed = exchange(code, &verifier).await;
    assert_eq!(replayed.status(), 403);
    let said: Value = replayed.json().await.unwrap();
    assert!(
        said["detail"]
            .as_str()
            .unwrap()
            .contains("reconnectez-vous"),
        "{said}"
    );
    let stolen = code_for(&verifier).await;
    assert_eq!(exchange(stolen, &"w".repeat(43)).await.status(), 403);
    let malformed = exchange(code_for(&verifier).await, "short").await;
    assert_eq!(malformed.status(), 422);
    let said: Value = malformed.json().await.unwrap();
    assert_eq!(said["errors"][0]["field"], "code_verifier", "{said}");

    // Without a token `/v1/me` is 401; without a provider there is nothing to exchange.
    assert_eq!(
        app.http
            .get(app.url("/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let plain = spawn_app().await;
    let options: Value = plain.public_json("/v1/sign-in").await;
    assert_eq!(options, json!({}));
    let none = plain
        .http
        .post(plain.url("/v1/sign-in"))
        .json(&json!({ "code": "c", "code_verifier": verifier, "redirect_uri": back }))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 404);
}

/// The development sign-in gives any role to whoever asks, and the sandbox marks a fee paid for
/// nothing: neither exists in production, and the sign-in not beside an identity provider.
#[tokio::test]
async fn the_development_sign_in_and_the_sandbox_exist_only_in_development() {
    let status = |app: &TestApp, method: reqwest::Method, path: &str| {
        let key = app.server.dev_key.clone().unwrap_or_default();
        let req = app
            .http
            .request(method, app.url(path))
            .json(&json!({ "role": "admin", "sub": "x", "key": key }));
        async move { req.send().await.unwrap().status().as_u16() }
    };
    let development = spawn_app().await;
    assert_eq!(
        status(&development, reqwest::Method::GET, "/dev/sign-in").await,
        200
    );
    assert_eq!(
        status(&development, reqwest::Method::POST, "/dev/sign-in").await,
        200
    );

    let provider = StandInProvider::start().await;
    let oidc = provider.settings();
    let production = spawn_app_with(|s| {
        s.environment = guichet_core::settings::Environment::Production;
        s.payments.sandbox = false;
        s.http.tokens.oidc = Some(oidc);
    })
    .await;
    let citizen = production.citizen("c-prod");
    let unpaid = production
        .submit(&citizen, &extract_request("Traoré", "Awa", "Bamako"))
        .await;
    assert_eq!(unpaid.status(), 201);
    let unpaid: Value = unpaid.json().await.unwrap();
    let reference = unpaid["payment_reference"].as_str().unwrap();
    for (method, path) in [
        (reqwest::Method::GET, "/dev/sign-in".to_owned()),
        (reqwest::Method::POST, "/dev/sign-in".to_owned()),
        (
            reqwest::Method::GET,
            format!("/v1/payments/sandbox/checkout/{reference}"),
        ),
    ] {
        assert_eq!(
            status(&production, method.clone(), &path).await,
            404,
            "{method} {path}"
        );
    }
    let offered: Value = production.public_json("/v1/payments/providers").await;
    assert!(!offered.to_string().contains("sandbox"), "{offered}");
    let pay = production
        .post_json(
            &citizen,
            &format!(
                "/v1/applications/{}/payment",
                unpaid["id"].as_str().unwrap()
            ),
            &json!({ "provider": "sandbox" }),
        )
        .await;
    assert_eq!(pay.status(), 422);

    let settings = provider.settings();
    let beside_a_provider = spawn_app_with(|s| s.http.tokens.oidc = Some(settings)).await;
    assert_eq!(
        status(&beside_a_provider, reqwest::Method::POST, "/dev/sign-in").await,
        404
    );
}

/// Issue 26, item 5: the development sign-in answers only the developer who started the
/// server: the key it printed, in a request addressed to this machine by name. A reverse proxy
/// on the same machine (nginx's default `proxy_pass` sends `Host: 127.0.0.1:8080`, from a
/// loopback peer) passes the address rule but not the key; a page of another site whose name
/// was rebound to 127.0.0.1 sends its own name as `Host`.
#[tokio::test]
async fn the_development_sign_in_answers_only_whoever_holds_its_key_on_this_machine() {
    let app = spawn_app().await;
    let key = app
        .server
        .dev_key
        .clone()
        .expect("a development server has a key");
    assert!(key.len() >= 32, "{key}");
    let sign_in = |body: Value, host: Option<&'static str>| {
        let mut req = app.http.post(app.url("/dev/sign-in")).json(&body);
        if let Some(host) = host {
            req = req.header("host", host);
        }
        async move { req.send().await.unwrap() }
    };
    let admin = |key: Option<&str>| match key {
        Some(k) => json!({ "role": "admin", "sub": "dev", "key": k }),
        None => json!({ "role": "admin", "sub": "dev" }),
    };
    let p = problem(sign_in(admin(None), None).await, 403).await;
    assert!(
        p["detail"].as_str().unwrap().contains("guichet serve"),
        "{p}"
    );
    assert!(p["detail_en"].as_str().unwrap().contains("key"), "{p}");
    problem(
        sign_in(admin(Some("0123456789abcdef0123456789abcdef")), None).await,
        403,
    )
    .await;
    problem(sign_in(admin(Some(&key[..31])), None).await, 403).await;
    // The right key, in a request for another site's name: refused all the same.
    for host in ["guichet.ml", "127.0.0.1.nip.io:8080", "rebound.example"] {
        let p = problem(sign_in(admin(Some(&key)), Some(host)).await, 403).await;
        assert!(
            p["detail_en"].as_str().unwrap().contains("this machine"),
            "{host}: {p}"
        );
        let roles = app
            .http
            .get(app.url("/dev/sign-in"))
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(roles.status(), 403, "{host}");
    }
    for host in [None, Some("localhost"), Some("127.0.0.1:8080")] {
        let ok = sign_in(admin(Some(&key)), host).await;
        assert_eq!(ok.status(), 200, "{host:?}");
        let token = ok.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let me: Value = app.get(&token, "/v1/me").await.json().await.unwrap();
        assert_eq!(me["role"], "admin");
    }
}

/// Issue 26, item 2: in production the service's own tokens are for partner systems alone, each
/// named (revocable within a minute) and short-lived; staff sign in through the identity
/// provider, and sign only with a second factor; without a provider the service does not start.
#[tokio::test]
async fn in_production_staff_come_through_the_provider_and_partners_tokens_can_be_revoked() {
    use guichet_core::ports::Clock as _;
    use guichet_core::settings::Environment;
    let dir = tempfile::tempdir().unwrap();
    let mut alone = guichet_cli::settings::Settings::development(dir.path());
    alone.environment = Environment::Production;
    let backend = guichet_cli::backend::open_local(&alone).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let clock: Arc<dyn guichet_core::ports::Clock> = Arc::new(ShiftedClock::default());
    match guichet_cli::serve::start(backend, &alone, clock, listener).await {
        Ok(_) => panic!("production started without an identity provider"),
        Err(e) => assert!(
            e.to_string().contains("GUICHET_OIDC_ISSUER"),
            "the refusal says what is missing: {e}"
        ),
    }

    let provider = StandInProvider::start().await;
    let oidc = provider.settings();
    let clock = Arc::new(ShiftedClock::default());
    let app = spawn_app_on_with(clock.clone(), |s| {
        s.environment = Environment::Production;
        s.http.tokens.oidc = Some(oidc);
        s.http.tokens.for_production(&[]);
    })
    .await;
    let secret = &app.server.backend.token_secret;
    let tokens = &app.settings.http.tokens;
    let here = guichet_http::auth::Authenticator::new(tokens, secret);
    let work = format!("/v1/work?office={BAMAKO_REGISTRY}");

    // An own staff token, however it was made (a development build, a leaked secret), is refused;
    // `guichet token` does not make one.
    let anywhere =
        guichet_http::auth::Authenticator::hs256(secret, &tokens.issuer, &tokens.audience);
    let own_admin = guichet_cli::token::mint(
        &anywhere,
        "admin",
        None,
        "ops",
        None,
        time::Duration::hours(1),
        clock.now(),
    )
    .unwrap();
    assert_eq!(status(&app, &own_admin.token, &work).await, 401);
    let refused = guichet_cli::token::mint(
        &here,
        "clerk",
        Some(BAMAKO_REGISTRY),
        "clerk1",
        None,
        time::Duration::hours(1),
        clock.now(),
    )
    .unwrap_err();
    assert!(
        refused.to_string().contains("identity provider"),
        "{refused}"
    );

    // Staff through the provider; the signatory signs only once signed in with a second factor.
    let person = |sub: &str, groups: Value, amr: Option<Value>| {
        let mut claims =
            json!({ "sub": sub, "name": format!("Agent {sub}"), "cognito:groups": groups });
        if let Some(amr) = amr {
            claims["amr"] = amr;
        }
        id_token(Algorithm::RS256, "rsa-1", claims)
    };
    let citizen = person("citizen-prod", json!([]), None);
    let clerk = person(
        "clerk-prod",
        json!(["clerk", format!("office:{BAMAKO_REGISTRY}")]),
        None,
    );
    let groups = json!(["signatory", format!("office:{BAMAKO_REGISTRY}")]);
    let id = app.certificate_in_review(&citizen, "Bamako").await;
    let proposed = app
        .decide(&clerk, &id, &json!({"decision": "approve"}))
        .await;
    assert_eq!(proposed.status(), 200);
    let one_factor = person("signatory-prod", groups.clone(), Some(json!(["pwd"])));
    assert_eq!(
        status(&app, &one_factor, &work).await,
        200,
        "reading needs no second factor"
    );
    let me: Value = app.get(&one_factor, "/v1/me").await.json().await.unwrap();
    assert_eq!(me["second_factor"], false, "{me}");
    let p = problem(
        app.sign(&one_factor, &id, &json!({"decision": "sign"}))
            .await,
        403,
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("second facteur"),
        "{p}"
    );
    assert!(
        p["detail_en"].as_str().unwrap().contains("second factor"),
        "{p}"
    );
    let two_factors = person("signatory-prod", groups, Some(json!(["pwd", "mfa"])));
    assert_eq!(
        app.sign(&two_factors, &id, &json!({"decision": "sign"}))
            .await
            .status(),
        200
    );

    // A partner's token: at most 90 days, named, and refused within a minute of its revocation.
    assert!(
        guichet_cli::token::mint_partner(
            &here,
            "bfa-system",
            "BFA",
            time::Duration::days(91),
            clock.now()
        )
        .is_err()
    );
    let bfa = guichet_cli::token::mint_partner(
        &here,
        "bfa-system",
        "BFA",
        time::Duration::days(90),
        clock.now(),
    )
    .unwrap();
    let ner = guichet_cli::token::mint_partner(
        &here,
        "ner-system",
        "NER",
        time::Duration::days(30),
        clock.now(),
    )
    .unwrap();
    assert_eq!(status(&app, &bfa.token, "/v1/aes/visas").await, 200);
    // Typed in small letters, the id names the same token.
    guichet_cli::token::revoke(
        app.server.backend.revoked_tokens.as_ref(),
        &bfa.jti.to_lowercase(),
        "A. Coulibaly, DSI",
        clock.now(),
    )
    .await
    .unwrap();
    clock.advance(guichet_http::auth::DENY_REFRESH + time::Duration::seconds(1));
    assert_eq!(status(&app, &bfa.token, "/v1/aes/visas").await, 401);
    assert_eq!(status(&app, &ner.token, "/v1/aes/visas").await, 200);
}
