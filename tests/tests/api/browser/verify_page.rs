//! The verify page (issue 15, item 4): a photo of a printed page read in the browser and its seal
//! checked there against the published keys, online and then with the network cut; a forged
//! seal refused whether it comes as a picture or as the link; the camera; the two languages.

use super::{Browser, Network, weigh};
use crate::helpers::*;
use crate::scans::{askew, encoded, scan};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// `link` with the holder's name changed in the signed claims, the signature kept: what a forger
/// who edits a genuine code makes.
fn forged(link: &str, genuine_name: &str, forged_name: &str) -> String {
    assert_eq!(genuine_name.len(), forged_name.len());
    let seal = guichet_core::domain::seal_in_code(link).unwrap();
    let mut cose = base45::decode(&seal["GCH1:".len()..]).unwrap();
    let at = cose
        .windows(genuine_name.len())
        .position(|w| w == genuine_name.as_bytes())
        .expect("the name is in the claims");
    cose[at..at + forged_name.len()].copy_from_slice(forged_name.as_bytes());
    guichet_core::domain::seal_link(
        &link[..link.find('#').unwrap()],
        &format!("GCH1:{}", base45::encode(&cose)),
    )
}

/// `text` as a QR code, `module` pixels a module, centred on a white `width` × `height` picture.
fn qr_image(text: &str, module: u32, width: u32, height: u32) -> image::GrayImage {
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).unwrap();
    let modules = code.width() as u32;
    let colors = code.to_colors();
    let (left, top) = (
        (width - modules * module) / 2,
        (height - modules * module) / 2,
    );
    image::GrayImage::from_fn(width, height, |x, y| {
        let dark = x >= left
            && y >= top
            && (x - left) / module < modules
            && (y - top) / module < modules
            && colors[(((y - top) / module) * modules + (x - left) / module) as usize]
                == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    })
}

/// `text` as a QR code in a PNG picture, 8 pixels a module, as a screen or a print shows it.
fn qr_picture(text: &str, path: &Path) {
    let side = (qrcode::QrCode::new(text.as_bytes()).unwrap().width() as u32 + 8) * 8;
    qr_image(text, 8, side, side).save(path).unwrap();
}

/// A camera's film of `text`'s QR code held up to a phone (640 × 480, 4 pixels a module), as
/// the one Y4M frame Chromium's fake camera plays in a loop: luma from the picture, no colour.
fn camera_film(text: &str, path: &Path) {
    let (width, height) = (640, 480);
    let frame = qr_image(text, 4, width, height);
    let mut y4m =
        format!("YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\nFRAME\n").into_bytes();
    y4m.extend_from_slice(frame.as_raw());
    y4m.resize(y4m.len() + (width * height / 2) as usize, 128);
    std::fs::write(path, y4m).unwrap();
}

/// What the page concluded: its verdict key, whether the registry was reached, and its text.
async fn verdict(browser: &Browser) -> (String, bool, String) {
    let result = browser.find("#verdict").await;
    let key = result.attr("data-verdict").await.unwrap().unwrap();
    let online = result.attr("data-online").await.unwrap().as_deref() == Some("yes");
    (key, online, result.text().await.unwrap())
}

/// Clears the last verdict, so the next wait sees the next one.
async fn forget(browser: &Browser) {
    browser
        .eval("document.getElementById('result').replaceChildren(); return true")
        .await;
}

async fn check_photo(browser: &Browser, photo: &Path) -> (String, bool, String) {
    forget(browser).await;
    browser.choose_file("#photo", photo).await;
    verdict(browser).await
}

#[tokio::test]
async fn the_verify_page_reads_a_photo_of_a_printed_page_and_checks_its_seal_offline() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-verify-page");
    let extract = app.issued_application(&citizen, "Sangaré").await;
    let id = extract["id"].as_str().unwrap();
    let pdf = app.dir.path().join("extract.pdf");
    std::fs::write(&pdf, app.download(&citizen, id).await).unwrap();
    let link = qr_codes(&pdf)
        .pop()
        .expect("the extract carries its QR code");
    assert!(
        link.starts_with("https://guichet.ml/verifier#GCH1:"),
        "the QR code is the verify page's link: {link}"
    );
    // A phone's photo of the printed page: 150 dpi, 3° askew, JPEG.
    let files = |name: &str| -> PathBuf { app.dir.path().join(name) };
    let photo = files("photo.jpg");
    std::fs::write(
        &photo,
        encoded(&askew(&scan(&pdf, 150, false), 3.0), true, false),
    )
    .unwrap();
    let forgery = forged(&link, "Sangaré", "Sangarè");
    let forged_photo = files("forged.png");
    qr_picture(&forgery, &forged_photo);

    let film = files("camera.y4m");
    camera_film(&link, &film);

    let network = Network::to(&app.base).await;
    let browser = Browser::with_camera(&film).await;

    // First visit: the page, its scripts, the service worker and what it keeps for offline use.
    browser.goto(&network.url("/verifier")).await;
    browser.find("body[data-offline='ready']").await;
    weigh("verifier", network.received());
    browser.accessibility("verifier").await;
    browser.screenshots("verifier").await;

    // Online: the photo's seal checks here, and the registry says it stands.
    let (key, online, text) = check_photo(&browser, &photo).await;
    assert_eq!((key.as_str(), online), ("verdict_valid", true), "{text}");
    for expected in [
        "Document authentique et valide",
        "Sangaré",
        "Registre consulté en ligne",
        // The code links to the State's address; this test's page is elsewhere, and says so.
        "https://guichet.ml/verifier",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
    browser.accessibility("verifier-valid").await;
    browser.screenshots("verifier-valid").await;

    // The language switch: the verdict and the page in English, then back.
    browser.click("#lang").await;
    let (_, _, english) = verdict(&browser).await;
    assert!(english.contains("Genuine and valid document"), "{english}");
    assert_eq!(
        browser.eval("return document.documentElement.lang").await,
        json!("en")
    );
    assert_eq!(browser.text("h1").await, "Verify a document");
    browser.screenshots("verifier-english").await;
    browser.click("#lang").await;
    assert_eq!(browser.text("h1").await, "Vérifier un document");

    // Typed: the number and the code printed beside it, both told at once when wrong; right,
    // the registry's answer with the holder's initials only.
    forget(&browser).await;
    browser.fill("#number", "CJ-2026-1").await;
    browser.fill("#code", "12").await;
    browser.click("#number-form button[type=submit]").await;
    assert!(!browser.text("#number-error").await.is_empty());
    assert!(browser.text("#code-error").await.contains("7KQ2-M9XD"));
    let document = &extract["document"];
    browser
        .fill("#number", document["number"].as_str().unwrap())
        .await;
    browser
        .fill(
            "#code",
            &document["verification_code"]
                .as_str()
                .unwrap()
                .to_lowercase(),
        )
        .await;
    browser.click("#number-form button[type=submit]").await;
    let (key, _, text) = verdict(&browser).await;
    assert_eq!(key, "verdict_valid", "{text}");
    assert!(
        text.contains("A. S.") && !text.contains("Sangaré"),
        "{text}"
    );

    // The camera, filming the printed code: read, checked, and the camera let go.
    forget(&browser).await;
    browser.click("#camera").await;
    let (key, online, text) = verdict(&browser).await;
    assert_eq!((key.as_str(), online), ("verdict_valid", true), "{text}");
    assert_eq!(
        browser
            .eval("return document.getElementById('video').hidden && !document.getElementById('video').srcObject")
            .await,
        json!(true),
        "the camera is stopped once the code is read"
    );

    // The network is cut: the page comes back from the device, and still checks the signature.
    network.cut();
    browser.goto(&network.url("/verifier")).await;
    assert_eq!(browser.text("h1").await, "Vérifier un document");
    let (key, online, text) = check_photo(&browser, &photo).await;
    assert_eq!(
        (key.as_str(), online),
        ("verdict_genuine_offline", false),
        "{text}"
    );
    assert!(
        text.contains("Signature vérifiée sur cet appareil"),
        "{text}"
    );
    assert!(text.contains("Révocation NON vérifiée"), "{text}");
    browser.screenshots("verifier-offline").await;

    // A forged code: as a picture, and as the link a phone's camera opens.
    let (key, _, text) = check_photo(&browser, &forged_photo).await;
    assert_eq!(key, "verdict_forged", "{text}");
    assert!(text.contains("falsifié"), "{text}");
    browser.screenshots("verifier-forged").await;
    forget(&browser).await;
    let fragment = &forgery[forgery.find('#').unwrap()..];
    browser
        .goto(&network.url(&format!("/verify{fragment}")))
        .await;
    let (key, _, _) = verdict(&browser).await;
    assert_eq!(key, "verdict_forged");
    // The genuine link, opened offline.
    let fragment = &link[link.find('#').unwrap()..];
    browser
        .goto(&network.url(&format!("/verifier{fragment}")))
        .await;
    let (key, online, _) = verdict(&browser).await;
    assert_eq!((key.as_str(), online), ("verdict_genuine_offline", false));

    // Where the browser lacks Ed25519 the small library checks the same, as strictly.
    let fallback = |seal: &str| {
        format!(
            "const done = arguments[arguments.length - 1];
             import('/assets/seal.js').then(m => m.verify({seal:?}, JSON.parse(localStorage.getItem('guichet-keys')), {{ fallback: true }}))
               .then(r => done({{ ok: r.ok, reason: r.reason || null, engine: r.engine || null }}), e => done({{ error: String(e) }}));"
        )
    };
    let genuine: Value = browser
        .client
        .execute_async(&fallback(&link), vec![])
        .await
        .unwrap();
    assert_eq!(
        genuine,
        json!({"ok": true, "reason": null, "engine": "fallback"})
    );
    let refused: Value = browser
        .client
        .execute_async(&fallback(&forgery), vec![])
        .await
        .unwrap();
    assert_eq!(
        refused,
        json!({"ok": false, "reason": "signature", "engine": null})
    );
    browser.close().await;
}

/// Issue 26, item 11, in the browser: once its key is declared compromised and the service has
/// the new key set, the page refuses the seal it signed, and says why.
#[tokio::test]
async fn the_verify_page_refuses_a_seal_of_a_compromised_key() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-verify-compromised");
    let extract = app.issued_application(&citizen, "Sangaré").await;
    let pdf = app.dir.path().join("compromised.pdf");
    std::fs::write(
        &pdf,
        app.download(&citizen, extract["id"].as_str().unwrap())
            .await,
    )
    .unwrap();
    let link = qr_codes(&pdf).pop().unwrap();
    let keys: Value = app.public_json("/v1/keys").await;
    let kid = keys["keys"][0]["kid"].as_str().unwrap().to_owned();
    guichet_cli::keys::compromise(&app.settings, &kid, "ops")
        .await
        .unwrap();
    let settings = app.settings.clone();
    let dir = app.dir;
    app.server.shutdown().await;
    let app = serve(
        &settings,
        std::sync::Arc::new(guichet_core::ports::SystemClock),
        dir,
    )
    .await;

    let browser = Browser::start().await;
    let fragment = &link[link.find('#').unwrap()..];
    browser
        .goto(&app.url(&format!("/verifier{fragment}")))
        .await;
    let (key, _, text) = verdict(&browser).await;
    assert_eq!(key, "verdict_forged", "{text}");
    assert!(text.contains("compromise"), "{text}");
    browser.close().await;
}

/// Issue 27, item 6: each answer of the registry gets its own words. A number whose check
/// character is wrong is said to be mistyped, beside it; the registry's refusal to answer more
/// (429) is not "unknown to the registry"; a new entry clears the last verdict at once.
#[tokio::test]
async fn the_verify_page_tells_each_answer_of_the_registry_apart() {
    use guichet_http::limits::{Rate, RateLimits};
    let app = spawn_app_with(|s| {
        s.http.rate_limits = RateLimits {
            verify: Rate {
                burst: 2,
                per_minute: 0.01,
            },
            ..RateLimits::unlimited()
        }
    })
    .await;
    let good = guichet_core::domain::DocumentNumber::new(
        guichet_core::domain::NumberPrefix::known("CJ"),
        2026,
        123,
    )
    .unwrap()
    .to_string();
    let (body, check) = good.split_at(good.len() - 1);
    let mistyped = format!("{body}{}", if check == "0" { 1 } else { 0 });
    let browser = Browser::start().await;
    browser.goto(&app.url("/verifier")).await;
    let submit = || browser.click("#number-form button[type=submit]");

    // Well formed, unknown: the registry's own verdict.
    browser.fill("#number", &good).await;
    browser.fill("#code", "7KQ2-M9XD").await;
    submit().await;
    let (key, _, _) = verdict(&browser).await;
    assert_eq!(key, "verdict_unknown_code");
    // Typing again clears it before anything is sent.
    browser.fill("#number", &mistyped).await;
    assert_eq!(
        browser
            .eval("return document.getElementById('verdict') === null")
            .await,
        json!(true)
    );
    // The check character is wrong: said beside the number, no verdict.
    submit().await;
    let beside = browser.text("#number-error").await;
    assert!(beside.contains("mal saisi"), "{beside}");
    assert_eq!(
        browser
            .eval("return document.getElementById('result').textContent")
            .await,
        json!("")
    );
    browser.screenshots("verifier-mistyped").await;

    // The registry has answered enough for this connection: it says so, not "unknown".
    browser.fill("#number", &good).await;
    let patience = guichet_tests::patience::Patience::new("the registry never refused");
    let said = loop {
        submit().await;
        let said = browser.find("#result .result").await.text().await.unwrap();
        if said.contains("Trop de vérifications") {
            break said;
        }
        assert!(
            said.contains("inconnu") || said.contains("Vérification"),
            "{said}"
        );
        patience.wait().await;
    };
    assert!(!said.contains("inconnu"), "{said}");
    browser.close().await;
}
