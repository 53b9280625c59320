//! Signing in with an identity provider (issue 15): its RS256 and ES256 ID tokens, checked
//! against the JWK Set read from its URL at start (and again when the provider rotates its
//! keys), their claims mapped to a role and an office;
//! anything else refused. The service's own HS256 tokens keep working beside them.

use crate::helpers::*;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
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

#[tokio::test]
async fn an_identity_providers_tokens_sign_people_in_with_their_role_and_office() {
    // The provider's JWK Set, served as its well-known URL serves it, counting its readers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jwks_url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    let published = Arc::new(Mutex::new(jwks()));
    let reads = Arc::new(AtomicUsize::new(0));
    let (served, counted) = (published.clone(), reads.clone());
    tokio::spawn(async move {
        let app = axum::Router::new().route(
            "/.well-known/jwks.json",
            axum::routing::get(move || async move {
                counted.fetch_add(1, Ordering::SeqCst);
                let set = served.lock().unwrap().to_string();
                ([("content-type", "application/json")], set)
            }),
        );
        axum::serve(listener, app).await.unwrap();
    });
    let clock = Arc::new(ShiftedClock::default());
    let app = spawn_app_on_with(clock.clone(), |s| {
        s.http.tokens.oidc = Some(guichet_http::auth::OidcSettings {
            issuer: ISSUER.into(),
            audience: CLIENT.into(),
            jwks_url: Some(jwks_url),
            keys: None,
            role_claim: "custom:role".into(),
            office_claim: "custom:office".into(),
            name_claim: "name".into(),
            default_role: Some(guichet_core::domain::Role::Applicant),
        });
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
        json!({ "custom:role": "clerk", "custom:office": BAMAKO_REGISTRY, "name": "Awa Diallo" }),
    );
    assert_eq!(status(&app, &clerk, &work).await, 200);
    let signatory = id_token(
        Algorithm::RS256,
        "rsa-1",
        json!({ "custom:role": ["staff", "signatory"], "custom:office": BAMAKO_REGISTRY }),
    );
    assert_eq!(status(&app, &signatory, &work).await, 200);

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
            id_token(Algorithm::ES256, "ec-1", json!({ "custom:role": "clerk" })),
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
            "a partner",
            id_token(
                Algorithm::RS256,
                "rsa-1",
                json!({ "custom:role": "partner" }),
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
