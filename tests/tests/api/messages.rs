//! Each refusal says what happened, in French and English, and not something near it (issue 13,
//! "Messages that say what happened").

use crate::helpers::*;
use serde_json::{Value, json};

/// The French and English detail of a problem.
fn details(p: &Value) -> (String, String) {
    (
        p["detail"].as_str().unwrap_or_default().to_owned(),
        p["detail_en"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn a_badly_signed_payment_notice_is_told_about_its_signature_not_a_token() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-signature");
    let created = app
        .submitted(&citizen, &extract_request("Diallo", "Mariam", "Bamako"))
        .await;
    let notice = json!({"provider_txn": "om-sig", "payment_reference": created["payment_reference"],
        "amount": 750, "currency": "XOF", "status": "succeeded"});
    let (bytes, good) = app.signed_notice(&notice, PAYMENT_SECRET);
    let (_, wrong) = app.signed_notice(&notice, b"not-the-secret-0123456789abcdefgh");
    let t = good.split(',').next().unwrap().trim_start_matches("t=");
    let stale = guichet_payments::sign(
        PAYMENT_SECRET,
        "sandbox",
        &bytes,
        t.parse::<i64>().unwrap() - 3600,
    );
    for (signature, says_fr, says_en) in [
        ("", "non signée", "Unsigned"),
        ("t=12,v2=abc", "non signée", "Unsigned"),
        (wrong.as_str(), "ne correspond pas", "does not match"),
        (stale.as_str(), "trop ancienne", "too old"),
    ] {
        let p = problem(app.webhook("sandbox", bytes.clone(), signature).await, 401).await;
        assert_eq!(p["type"], "https://guichet.ml/problems/invalid-signature");
        let (fr, en) = details(&p);
        assert!(
            fr.contains(says_fr) && en.contains(says_en),
            "{signature}: {p}"
        );
        assert!(!fr.contains("Jeton") && !en.contains("token"), "{p}");
    }
    let view = app
        .application(&citizen, created["id"].as_str().unwrap())
        .await;
    assert_eq!(view["status"], "awaiting_payment", "nothing recorded");
}

#[tokio::test]
async fn a_date_that_does_not_exist_is_not_called_badly_formatted() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-date");
    let mut request = extract_request("Keita", "Awa", "Bamako");
    request["applicant"]["birth_date"] = json!("1990-02-30");
    let p = problem(app.submit(&citizen, &request).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "applicant.birth_date");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("n'existe pas : 1990-02-30"),
        "{p}"
    );
    assert!(
        !p["errors"][0]["message_en"]
            .as_str()
            .unwrap()
            .contains("format")
    );
    request["applicant"]["birth_date"] = json!("30/02/1990");
    let p = problem(app.submit(&citizen, &request).await, 422).await;
    assert!(
        p["errors"][0]["message_en"]
            .as_str()
            .unwrap()
            .contains("YYYY-MM-DD"),
        "{p}"
    );
}

#[tokio::test]
async fn an_unknown_kind_is_answered_with_the_kinds_that_can_be_asked_for() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-kind");
    for kind in ["casier", "criminal-record", "consular_card"] {
        let mut request = extract_request("Keita", "Awa", "Bamako");
        request["kind"] = json!(kind);
        let p = problem(app.submit(&citizen, &request).await, 422).await;
        assert_eq!(p["errors"][0]["field"], "kind");
        let message = p["errors"][0]["message"].as_str().unwrap();
        let message_en = p["errors"][0]["message_en"].as_str().unwrap();
        for offered in ["criminal_record_extract", "nationality_certificate", "visa"] {
            assert!(
                message.contains(offered) && message_en.contains(offered),
                "{kind}: {p}"
            );
        }
    }
}

#[tokio::test]
async fn limits_and_media_types_are_said_as_people_say_them() {
    let app = spawn_app().await;
    // Over the 4 MB a PDF to verify may weigh.
    let p = problem(
        app.http
            .post(app.url("/v1/verify"))
            .header("content-type", "application/pdf")
            .body(vec![b'%'; 4 * 1024 * 1024 + 1])
            .send()
            .await
            .unwrap(),
        413,
    )
    .await;
    assert_eq!(
        details(&p),
        (
            "Le corps de la requête dépasse 4 Mo.".to_owned(),
            "The request body is larger than 4 MB.".to_owned()
        )
    );
    // A type the verifier does not read: told which it does.
    let p = problem(
        app.http
            .post(app.url("/v1/verify"))
            .header("content-type", "image/gif")
            .body(b"GIF89a".to_vec())
            .send()
            .await
            .unwrap(),
        415,
    )
    .await;
    let (fr, en) = details(&p);
    for accepted in [
        "application/json",
        "application/pdf",
        "image/png",
        "image/jpeg",
    ] {
        assert!(fr.contains(accepted) && en.contains(accepted), "{p}");
    }
    // A broken picture, and one without a code: said so.
    let picture = |bytes: Vec<u8>| {
        app.http
            .post(app.url("/v1/verify"))
            .header("content-type", "image/png")
            .body(bytes)
            .send()
    };
    let p = problem(picture(vec![0x89, b'P', b'N', b'G']).await.unwrap(), 422).await;
    assert!(
        p["errors"][0]["message_en"]
            .as_str()
            .unwrap()
            .contains("Unreadable picture"),
        "{p}"
    );
    let mut blank = Vec::new();
    image::GrayImage::from_pixel(200, 200, image::Luma([255]))
        .write_to(
            &mut std::io::Cursor::new(&mut blank),
            image::ImageFormat::Png,
        )
        .unwrap();
    let p = problem(picture(blank).await.unwrap(), 422).await;
    assert!(
        p["errors"][0]["message_en"]
            .as_str()
            .unwrap()
            .contains("No Guichet QR code"),
        "{p}"
    );
}

#[tokio::test]
async fn a_misspelt_place_of_birth_is_questioned_before_paying() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-place");
    let typo = app
        .submitted(&citizen, &extract_request("Keita", "Awa", "Bamakoo"))
        .await;
    // Still accepted, and sent to the central service as before, but said so.
    assert_eq!(typo["routing"]["reason"], "place_not_listed", "{typo}");
    assert_eq!(typo["routing"]["office"], typo["office"]);
    assert_eq!(typo["routing"]["suggestions"][0], "Bamako", "{typo}");
    let right = app
        .submitted(&citizen, &extract_request("Keita", "Awa", "Bamako"))
        .await;
    assert_eq!(right["routing"]["reason"], "place_of_birth");
    assert_eq!(right["routing"]["office"], "TGI-BKO-C3");
    assert!(right["routing"].get("suggestions").is_none(), "{right}");
}
