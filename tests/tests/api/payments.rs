//! Money is never lost and never counted twice: late failures, expired applications, and the
//! aggregator gateway that carries Orange Money, Moov Money and cards.

use crate::helpers::*;
use guichet_core::domain::{PaymentOutcome, Provider};
use guichet_payments::{CinetPay, CinetPayConfig};
use serde_json::{Value, json};
use std::collections::HashMap;

async fn notice(app: &TestApp, reference: &str, txn: &str, status: &str) -> Value {
    let body = json!({ "provider_txn": txn, "payment_reference": reference,
                       "amount": 750, "currency": "XOF", "status": status });
    let (bytes, sig) = app.signed_notice(&body, PAYMENT_SECRET);
    let resp = app.webhook("sandbox", bytes, &sig).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn a_failure_arriving_after_the_success_never_unpays() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-late-failure");
    let created = app
        .submitted(&citizen, &extract_request("Sidibé", "Oumou", "Bamako"))
        .await;
    let id = created["id"].as_str().unwrap();
    let reference = created["payment_reference"].as_str().unwrap();
    assert_eq!(
        notice(&app, reference, "om-1", "succeeded").await["outcome"],
        "applied"
    );
    // The same transaction reported failed afterwards (providers do resend, out of order), and
    // another transaction's failure: neither touches a paid application.
    let resent = notice(&app, reference, "om-1", "failed").await;
    assert_eq!(
        (&resent["outcome"], &resent["first_outcome"]),
        (&json!("duplicate"), &json!("applied"))
    );
    assert_eq!(
        notice(&app, reference, "om-2", "failed").await["outcome"],
        "failed"
    );
    let view = app.application(&citizen, id).await;
    assert_eq!(view["status"], "in_review");
    assert_eq!(view["history"].as_array().unwrap().len(), 1);
    let first = app
        .server
        .backend
        .payments
        .payment(Provider::Sandbox, "om-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.outcome, PaymentOutcome::Applied);
}

#[tokio::test]
async fn a_payment_for_an_expired_application_is_kept_for_refund() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-expired");
    let created = app
        .submitted(&citizen, &extract_request("Konaté", "Bakary", "Bamako"))
        .await;
    let id = created["id"].as_str().unwrap();
    // A week and a day later, the reconcile step closes it.
    let later = time::OffsetDateTime::now_utc() + time::Duration::days(8);
    let report = guichet_core::usecases::reconcile::reconcile(
        &app.server.functions.reconcile.sweeping(),
        later,
    )
    .await
    .unwrap();
    assert_eq!(report.expired, 1);
    assert_eq!(app.application(&citizen, id).await["status"], "expired");
    // The citizen pays anyway: recorded against the application, for refund, never applied.
    let reference = created["payment_reference"].as_str().unwrap();
    assert_eq!(
        notice(&app, reference, "om-late", "succeeded").await["outcome"],
        "not_payable"
    );
    let kept = app
        .server
        .backend
        .payments
        .payment(Provider::Sandbox, "om-late")
        .await
        .unwrap()
        .expect("the payment is on record");
    assert_eq!(
        kept.application_id.map(|i| i.to_string()).as_deref(),
        Some(id)
    );
    assert_eq!(kept.amount, 750);
    assert_eq!(app.application(&citizen, id).await["status"], "expired");
}

const CINETPAY_SECRET: &[u8] = b"cinetpay-test-secret";

fn cinetpay_form(
    reference: &str,
    txn: &str,
    amount: &str,
    result: &str,
) -> HashMap<String, String> {
    [
        ("cpm_site_id", "445160"),
        ("cpm_trans_id", txn),
        ("cpm_trans_date", "2026-11-25 10:12:00"),
        ("cpm_amount", amount),
        ("cpm_currency", "XOF"),
        ("signature", "b7c1"),
        ("payment_method", "OMML"),
        ("cel_phone_num", "70000000"),
        ("cpm_phone_prefixe", "223"),
        ("cpm_language", "fr"),
        ("cpm_version", "V4"),
        ("cpm_payment_config", "SINGLE"),
        ("cpm_page_action", "PAYMENT"),
        ("cpm_custom", reference),
        ("cpm_designation", "Bulletin n°3"),
        ("cpm_error_message", result),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

async fn post_cinetpay(
    app: &TestApp,
    form: &HashMap<String, String>,
    token: &str,
) -> reqwest::Response {
    app.http
        .post(app.url("/v1/payments/webhook/cinetpay"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-token", token)
        .body(
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .finish(),
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn orange_money_through_cinetpay_pays_once_and_forgeries_are_refused() {
    let app = spawn_app_with(|c| {
        c.payments.cinetpay = Some(CinetPayConfig {
            site_id: "445160".into(),
            secret: secret(CINETPAY_SECRET),
        })
    })
    .await;
    let citizen = app.citizen("c-cinetpay");
    let created = app
        .submitted(&citizen, &extract_request("Dembélé", "Issa", "Bamako"))
        .await;
    let id = created["id"].as_str().unwrap();
    let reference = created["payment_reference"].as_str().unwrap();

    // Forged (wrong key) and tampered (amount changed after signing): 401, nothing recorded.
    let form = cinetpay_form(reference, "cp-1", "750", "SUCCES");
    let forged = CinetPay::token(b"a-guessed-secret", &form);
    problem(post_cinetpay(&app, &form, &forged).await, 401).await;
    let token = CinetPay::token(CINETPAY_SECRET, &form);
    let mut cheaper = form.clone();
    cheaper.insert("cpm_amount".into(), "7".into());
    problem(post_cinetpay(&app, &cheaper, &token).await, 401).await;
    assert!(
        app.server
            .backend
            .payments
            .payment(Provider::Cinetpay, "cp-1")
            .await
            .unwrap()
            .is_none()
    );

    // Authentic, delivered three times: applied once, then said to be a duplicate.
    for delivery in 0..3 {
        let ack: Value = post_cinetpay(&app, &form, &token)
            .await
            .json()
            .await
            .unwrap();
        let expected = if delivery == 0 {
            "applied"
        } else {
            "duplicate"
        };
        assert_eq!(ack["outcome"], expected, "{ack}");
    }
    let view = app.application(&citizen, id).await;
    assert_eq!(view["status"], "in_review");
    assert_eq!(view["history"].as_array().unwrap().len(), 1);
    let recorded = app
        .server
        .backend
        .payments
        .payment(Provider::Cinetpay, "cp-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(recorded.method.as_deref(), Some("orange_money"));

    // A gateway that is not configured does not exist.
    let other = spawn_app().await;
    let resp = post_cinetpay(&other, &form, &token).await;
    problem(resp, 404).await;
}
