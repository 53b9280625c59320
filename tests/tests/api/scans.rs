//! Every genuine document verifies from a picture of it, as people send them: each kind's
//! printed page scanned at 100 to 300 dpi, PNG and JPEG (quality 75), grey and colour, straight
//! and 3° askew, posted to `POST /v1/verify` as the picture itself (issue 13, "A verifier that
//! reads every genuine document"). 72 dpi is reported, not required.

use crate::helpers::*;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use serde_json::{Value, json};
use std::path::Path;

const KAYES: &str = "TGI-KAY";
const DPIS: [u32; 5] = [100, 110, 150, 200, 300];

/// The last page (the seal's) as a scanner would give it.
pub fn scan(pdf: &Path, dpi: u32, grey: bool) -> DynamicImage {
    image::open(last_page_png(pdf, dpi, grey)).unwrap()
}

/// The page turned by `degrees` about its centre, the corners filled white, as a sheet laid
/// askew on the glass.
pub fn askew(page: &DynamicImage, degrees: f32) -> DynamicImage {
    let src = page.to_rgb8();
    let (w, h) = src.dimensions();
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let (sx, sy) = (cos * dx + sin * dy + cx, -sin * dx + cos * dy + cy);
        if sx >= 0.0 && sy >= 0.0 && (sx as u32) < w && (sy as u32) < h {
            *src.get_pixel(sx as u32, sy as u32)
        } else {
            Rgb([255, 255, 255])
        }
    }))
}

pub fn encoded(picture: &DynamicImage, jpeg: bool, grey: bool) -> Vec<u8> {
    let picture = if grey {
        DynamicImage::ImageLuma8(picture.to_luma8())
    } else {
        DynamicImage::ImageRgb8(picture.to_rgb8())
    };
    let mut bytes = Vec::new();
    if jpeg {
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 75)
            .encode_image(&picture)
            .unwrap();
    } else {
        picture
            .write_to(&mut std::io::Cursor::new(&mut bytes), ImageFormat::Png)
            .unwrap();
    }
    bytes
}

async fn verify_picture(app: &TestApp, bytes: Vec<u8>, jpeg: bool) -> (u16, Value) {
    let resp = app
        .http
        .post(app.url("/v1/verify"))
        .header(
            "content-type",
            if jpeg { "image/jpeg" } else { "image/png" },
        )
        .body(bytes)
        .send()
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn every_kind_verifies_from_scans_and_photos_of_its_page() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-scans");
    let extract = app.issued_application(&citizen, "Sangaré").await;
    let certificate = app.proposed_certificate(&citizen, "Kayes", KAYES).await;
    let president = app.token("signatory", Some(KAYES), "president-kayes");
    let signed = app
        .sign(&president, &certificate, &json!({"decision": "sign"}))
        .await;
    assert_eq!(signed.status(), 200);
    app.wait_for_status(&citizen, &certificate, "issued").await;

    let mut failures = Vec::new();
    let mut checked = 0;
    for id in [extract["id"].as_str().unwrap(), certificate.as_str()] {
        let pdf = app.dir.path().join(format!("{id}.pdf"));
        std::fs::write(&pdf, app.download(&citizen, id).await).unwrap();
        for grey in [false, true] {
            for dpi in DPIS {
                let page = scan(&pdf, dpi, grey);
                for rotated in [false, true] {
                    let picture = if rotated {
                        askew(&page, 3.0)
                    } else {
                        page.clone()
                    };
                    for jpeg in [false, true] {
                        let (status, answer) =
                            verify_picture(&app, encoded(&picture, jpeg, grey), jpeg).await;
                        checked += 1;
                        if status != 200 || answer["status"] != "valid" {
                            failures.push(format!(
                                "{id} at {dpi} dpi, {}, {}{}: {status} {answer}",
                                if jpeg { "JPEG" } else { "PNG" },
                                if grey { "grey" } else { "colour" },
                                if rotated { ", 3° askew" } else { "" }
                            ));
                        }
                    }
                }
            }
            // 72 dpi: reported only (a 40 mm code is then 113 pixels for 57 modules).
            let (status, answer) =
                verify_picture(&app, encoded(&scan(&pdf, 72, grey), false, grey), false).await;
            println!(
                "{id} at 72 dpi, PNG, {}: {status} {}",
                if grey { "grey" } else { "colour" },
                answer["status"]
            );
        }
    }
    println!("{checked} pictures verified, {} failed", failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The page looks like what it is: the title centred on the page (measured on the pixels), the
/// office's stamp, and what the QR code is for written under it.
#[tokio::test]
async fn the_title_is_centred_and_the_stamp_and_the_code_say_what_they_are() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-look");
    let extract = app.issued_application(&citizen, "Sangaré").await;
    let id = extract["id"].as_str().unwrap();
    let pdf = app.dir.path().join("look.pdf");
    std::fs::write(&pdf, app.download(&citizen, id).await).unwrap();
    let text = pdf_text(&pdf);
    let decided = crate::helpers::french_date_today();
    for expected in [
        "CACHET ÉLECTRONIQUE — GUICHET",
        "Vérifier ce document",
        "Verify this document",
        "EXTRAIT DU CASIER JUDICIAIRE",
        // The clerk who decided, by title and by the name their token gave, and when.
        "Le Greffier en chef",
        &format!("Agent clerk-{BAMAKO_REGISTRY}, décision du {decided}"),
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
    // The title's line (its baseline 49 mm from the top, 16 pt): as much paper left and right.
    let page = scan(&pdf, 100, true).to_luma8();
    let px_per_mm = 100.0 / 25.4;
    let (top, bottom) = ((43.0 * px_per_mm) as u32, (50.0 * px_per_mm) as u32);
    let inked: Vec<u32> = (0..page.width())
        .filter(|x| (top..bottom).any(|y| page.get_pixel(*x, y).0[0] < 128))
        .collect();
    let (left, right) = (
        *inked.first().unwrap() as f32,
        (page.width() - 1 - inked.last().unwrap()) as f32,
    );
    assert!(
        (left - right).abs() / px_per_mm < 1.5,
        "the title is {:.1} mm from the left edge and {:.1} mm from the right",
        left / px_per_mm,
        right / px_per_mm
    );
}
