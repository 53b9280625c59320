//! Clients that push too hard, or from where they should not: rate limits and browser origins.

use crate::helpers::*;
use guichet_http::limits::{Rate, RateLimits};
use serde_json::json;

fn limits(submit: u32, verify: u32, failed_auth: u32) -> RateLimits {
    RateLimits {
        refused: Rate {
            burst: 50,
            per_minute: 50.0 / 60.0,
        },
        attach: Rate {
            burst: 60,
            per_minute: 1.0,
        },
        submit: Rate {
            burst: submit,
            per_minute: f64::from(submit) / 60.0,
        },
        verify: Rate {
            burst: verify,
            per_minute: f64::from(verify),
        },
        failed_auth: Rate {
            burst: failed_auth,
            per_minute: f64::from(failed_auth),
        },
    }
}

#[tokio::test]
async fn past_its_budget_a_client_gets_429_with_retry_after_and_others_are_untouched() {
    let app = &spawn_app_with(|c| c.http.rate_limits = limits(3, 5, 2)).await;

    // Submissions, per applicant: three an hour here.
    let citizen = app.citizen("busy");
    for _ in 0..3 {
        app.submitted(&citizen, &extract_request("Traoré", "Awa", "Bamako"))
            .await;
    }
    let refused = app
        .submit(&citizen, &extract_request("Traoré", "Awa", "Bamako"))
        .await;
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=1200).contains(&retry_after), "{retry_after}");
    let body = problem(refused, 429).await;
    assert!(body["detail_en"].as_str().unwrap().contains("try again"));
    app.submitted(
        &app.citizen("someone-else"),
        &extract_request("Diarra", "Sekou", "Bamako"),
    )
    .await;

    // Public lookups, per address: five a minute here; the keys stay open.
    let lookup = || async {
        app.http
            .get(app.url("/v1/verify/CJ-2026-000001-6"))
            .send()
            .await
            .unwrap()
    };
    for _ in 0..5 {
        assert_ne!(lookup().await.status(), 429);
    }
    problem(lookup().await, 429).await;
    let keys = app.http.get(app.url("/v1/keys")).send().await.unwrap();
    assert_eq!(keys.status(), 200);

    // Refused tokens, per address: two a minute here; a valid token still passes.
    let bad = |token: &'static str| async move {
        app.http
            .get(app.url("/v1/applications"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    };
    problem(bad("not-a-token").await, 401).await;
    problem(bad("still-not-a-token").await, 401).await;
    problem(bad("a-third-guess").await, 429).await;
    let mine = app.get(&citizen, "/v1/applications").await;
    assert_eq!(mine.status(), 200);
}

#[tokio::test]
async fn only_listed_origins_get_cors_headers() {
    let app = &spawn_app_with(|c| c.http.cors_origins = vec!["https://guichet.ml".into()]).await;
    let preflight = |origin: &'static str| async move {
        app.http
            .request(reqwest::Method::OPTIONS, app.url("/v1/applications"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
            .await
            .unwrap()
    };
    let allowed = preflight("https://guichet.ml").await;
    assert_eq!(allowed.status(), 204);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://guichet.ml"
    );
    assert!(
        allowed.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("idempotency-key")
    );
    let refused = preflight("https://evil.example").await;
    assert_eq!(refused.status(), 403);
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    // A real call from an allowed page carries the header; from another, it does not.
    let from = |origin: &'static str| async move {
        app.http
            .get(app.url("/v1/keys"))
            .header("origin", origin)
            .send()
            .await
            .unwrap()
    };
    let ok = from("https://guichet.ml").await;
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://guichet.ml"
    );
    assert_eq!(ok.headers()["x-content-type-options"], "nosniff");
    let other = from("https://evil.example").await;
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

/// Accepted submissions 3 an hour here, refused ones 20, files their own budget.
fn submission_limits() -> RateLimits {
    RateLimits {
        refused: Rate {
            burst: 20,
            per_minute: 20.0 / 60.0,
        },
        ..limits(3, 60, 10)
    }
}

/// Issue 26, item 10: refused forms count against a ceiling of their own, so ten of them do
/// not use up a citizen's allowance; announcing files does not either. Past its own ceiling, a
/// client sending only refused forms is slowed.
async fn refused_forms_do_not_lock_a_citizen_out(instances: &[&TestApp]) {
    let at = |i: usize| instances[i % instances.len()];
    let citizen = at(0).citizen("mistypes-a-lot");
    let mut wrong = extract_request("Traoré", "Awa", "Bamako");
    wrong["applicant"]["birth_date"] = json!("12/04/1990");
    for i in 0..10 {
        problem(at(i).submit(&citizen, &wrong).await, 422).await;
    }
    let certificate = at(0)
        .submitted(&citizen, &certificate_request("Coulibaly", "Kayes"))
        .await;
    for i in 1..3 {
        at(i)
            .submitted(&citizen, &extract_request("Traoré", "Awa", "Bamako"))
            .await;
    }
    // The allowance is used up, on every instance alike.
    for app in instances {
        let over = app
            .submit(&citizen, &extract_request("Traoré", "Awa", "Bamako"))
            .await;
        let retry_after: u64 = over.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=3600).contains(&retry_after), "{retry_after}");
        problem(over, 429).await;
    }
    // Files are announced from a budget of their own.
    let id = certificate["id"].as_str().unwrap();
    let bytes = scanned_act("acte");
    let ticket = at(1)
        .announce(
            &citizen,
            id,
            &json!({"name": "birth_certificate", "content_type": "application/pdf",
                    "size": bytes.len(), "sha256": sha256_hex(&bytes)}),
        )
        .await;
    assert_eq!(ticket.status(), 201);

    // A client that only ever sends refused forms meets its own ceiling: 20 here.
    let script = at(0).citizen("sends-garbage");
    for i in 0..20 {
        problem(at(i).submit(&script, &wrong).await, 422).await;
    }
    problem(at(1).submit(&script, &wrong).await, 429).await;
}

#[tokio::test]
async fn refused_forms_do_not_lock_a_citizen_out_of_the_embedded_service() {
    let app = spawn_app_with(|c| c.http.rate_limits = submission_limits()).await;
    refused_forms_do_not_lock_a_citizen_out(&[&app]).await;
}

/// On AWS the counts are in the table, so two instances of the service count together.
#[tokio::test]
async fn two_instances_on_aws_count_one_allowance() {
    let mut settings = aws_settings().await;
    settings.http.rate_limits = submission_limits();
    let clock: std::sync::Arc<dyn guichet_core::ports::Clock> =
        std::sync::Arc::new(guichet_core::ports::SystemClock);
    let a = serve(&settings, clock.clone(), tempfile::tempdir().unwrap()).await;
    let b = serve(&settings, clock, tempfile::tempdir().unwrap()).await;
    refused_forms_do_not_lock_a_citizen_out(&[&a, &b]).await;
}
