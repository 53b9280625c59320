//! `guichet verify` as a border officer runs it: no network, a keys file, and the document as it
//! comes — the PDF, a scan of the printed page, a phone photo, the text of the seal. It exits 0
//! for a valid document and nothing else.

use crate::harness::*;
use image::{GrayImage, Luma};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn guichet(args: &[&str]) -> Output {
    guichet_command()
        .args(args)
        .output()
        .expect("the guichet binary runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `guichet verify --keys KEYS INPUT`: (exit code, what it printed).
fn verify(keys: &Path, input: &str) -> (i32, String) {
    let out = guichet(&["verify", "--keys", keys.to_str().unwrap(), input]);
    (out.status.code().unwrap_or(-1), text(&out))
}

fn export_keys(data: &Path, to: &Path) {
    let out = guichet(&["keys", "export", "--data", data.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    std::fs::write(to, &out.stdout).unwrap();
}

/// One extract issued by `guichet demo` against the running server: its PDF.
fn demo_document(server: &Server) -> PathBuf {
    let data = server.data.to_str().unwrap();
    let out = guichet(&["demo", "--url", &server.base, "--data", data]);
    assert!(out.status.success(), "{}", text(&out));
    let mut pdfs: Vec<_> = std::fs::read_dir(server.data.join("demo"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    pdfs.sort_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap());
    pdfs.pop().expect("the demo saved the issued PDF")
}

/// The printed page through an office scanner at 300 dpi, greyscale.
fn scan(pdf: &Path) -> GrayImage {
    let prefix = pdf.with_extension("scan");
    let out = Command::new("pdftoppm")
        .args(["-r", "300", "-gray", "-png", "-singlefile"])
        .arg(pdf)
        .arg(&prefix)
        .output()
        .expect("pdftoppm is needed (Debian package poppler-utils)");
    assert!(out.status.success(), "{}", text(&out));
    image::open(format!("{}.png", prefix.display()))
        .unwrap()
        .to_luma8()
}

/// What paper, a hand and a sensor do to a page: turned a little, grey paper and toner, noise.
fn handled(page: &GrayImage, degrees: f32, seed: u64) -> GrayImage {
    let (w, h) = page.dimensions();
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let mut state = seed;
    GrayImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let (sx, sy) = (cos * dx + sin * dy + cx, -sin * dx + cos * dy + cy);
        let sample = |x: f32, y: f32| {
            if x < 0.0 || y < 0.0 || x >= (w - 1) as f32 || y >= (h - 1) as f32 {
                return 255.0;
            }
            let (x0, y0) = (x.floor() as u32, y.floor() as u32);
            let (fx, fy) = (x - x0 as f32, y - y0 as f32);
            let p = |x, y| f32::from(page.get_pixel(x, y).0[0]);
            let top = p(x0, y0) * (1.0 - fx) + p(x0 + 1, y0) * fx;
            let bottom = p(x0, y0 + 1) * (1.0 - fx) + p(x0 + 1, y0 + 1) * fx;
            top * (1.0 - fy) + bottom * fy
        };
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let noise = (state % 41) as f32 - 20.0;
        let grey = 45.0 + sample(sx, sy) * (180.0 / 255.0) + noise;
        Luma([grey.clamp(0.0, 255.0) as u8])
    })
}

#[tokio::test]
async fn the_offline_verifier_reads_the_pdf_a_scan_or_a_photo_and_refuses_anything_else() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::new(dir.path(), &[]);
    server.start().await;
    let pdf = demo_document(&server);
    let keys = dir.path().join("keys.json");
    export_keys(&server.data, &keys);
    server.kill();
    let number = pdf
        .file_stem()
        .unwrap()
        .to_str()
        .unwrap()
        .trim_start_matches("extrait-")
        .to_owned();

    // The issued PDF: its QR code read from the squares it draws.
    let (code, said) = verify(&keys, pdf.to_str().unwrap());
    assert_eq!(code, 0, "{said}");
    assert!(said.starts_with("VALIDE / VALID"), "{said}");
    assert!(said.contains(&number), "{said}");
    // Offline, whether it was revoked is unknown, and said (issue 27, item 13).
    assert!(said.contains("Revocation NOT checked"), "{said}");

    // The printed page, scanned (PNG) and photographed (JPEG, turned, noisy).
    let page = scan(&pdf);
    let scanned = dir.path().join("scan.png");
    handled(&page, 1.5, 7).save(&scanned).unwrap();
    let (code, said) = verify(&keys, scanned.to_str().unwrap());
    assert_eq!(code, 0, "scanned page: {said}");
    assert!(said.contains(&number), "{said}");
    let photo = dir.path().join("photo.jpg");
    let mut jpeg = std::fs::File::create(&photo).unwrap();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 70)
        .encode_image(&handled(&page, -4.0, 11))
        .unwrap();
    let (code, said) = verify(&keys, photo.to_str().unwrap());
    assert_eq!(code, 0, "photo: {said}");

    // A page with no seal on it, a seal with one character changed, a file edited after issue.
    let blank = dir.path().join("blank.png");
    GrayImage::from_pixel(800, 1100, Luma([250]))
        .save(&blank)
        .unwrap();
    let (code, said) = verify(&keys, blank.to_str().unwrap());
    assert_eq!(code, 1, "{said}");
    assert!(said.contains("INVALIDE"), "{said}");
    // A file that cannot be read is not an invalid document: another exit code (issue 27, item 11).
    let (code, said) = verify(&keys, dir.path().join("absent.pdf").to_str().unwrap());
    assert_eq!(code, 2, "{said}");
    let seal = guichet_core::usecases::verify::find_seal(&std::fs::read(&pdf).unwrap()).unwrap();
    let mut changed = seal.clone().into_bytes();
    let at = changed.len() / 2;
    changed[at] = if changed[at] == b'A' { b'B' } else { b'A' };
    let (code, said) = verify(&keys, &String::from_utf8(changed).unwrap());
    assert_eq!(code, 1, "{said}");
    let mut edited = std::fs::read(&pdf).unwrap();
    let marker = b"/Keywords<FEFF";
    let start = edited
        .windows(marker.len())
        .position(|w| w == marker)
        .expect("the seal is kept in the metadata, as UTF-16 hex")
        + marker.len();
    let end = start + edited[start..].iter().position(|b| *b == b'>').unwrap();
    // The seal's last character made another one: the QR code drawn on the page is untouched.
    let last = &mut edited[end - 4..end];
    let other: &[u8] = if last == b"0030" { b"0031" } else { b"0030" };
    last.copy_from_slice(other);
    let edited_path = dir.path().join("edited.pdf");
    std::fs::write(&edited_path, &edited).unwrap();
    let (code, said) = verify(&keys, edited_path.to_str().unwrap());
    assert_eq!(code, 1, "{said}");
    assert!(said.contains("altered"), "{said}");
    // One byte changed inside the embedded font: the page prints the same, the seal is genuine,
    // and the file's own signature says it is not the issued file.
    let mut changed = std::fs::read(&pdf).unwrap();
    let font = changed
        .windows(8)
        .position(|w| w == b"/Length1")
        .expect("an embedded font");
    let at = font
        + changed[font..]
            .windows(7)
            .position(|w| w == b"stream\n")
            .unwrap()
        + 200;
    changed[at] ^= 0x20;
    let changed_path = dir.path().join("changed.pdf");
    std::fs::write(&changed_path, &changed).unwrap();
    let (code, said) = verify(&keys, changed_path.to_str().unwrap());
    assert_eq!(code, 1, "{said}");
    for expected in [
        "FICHIER MODIFIÉ / MODIFIED FILE",
        "Le sceau est authentique",
        "The seal is genuine",
        &number,
    ] {
        assert!(said.contains(expected), "{expected:?} not in {said}");
    }

    // Another service's keys do not know this seal.
    let stranger = dir.path().join("stranger.json");
    std::fs::create_dir_all(dir.path().join("other-service")).unwrap();
    export_keys(&dir.path().join("other-service"), &stranger);
    let (code, said) = verify(&stranger, pdf.to_str().unwrap());
    assert_eq!(code, 1, "{said}");
    assert!(said.contains("unknown key"), "{said}");

    // A rotation: the old document still verifies with the new keys file, and the service signs
    // new ones with the new key, which the old keys file does not know.
    let out = guichet(&["keys", "rotate", "--data", server.data.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let rotated = dir.path().join("keys-rotated.json");
    export_keys(&server.data, &rotated);
    let jwks: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&rotated).unwrap()).unwrap();
    let statuses: Vec<_> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["kty"].as_str().unwrap(), k["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("OKP", "retired"),
            ("OKP", "active"),
            ("EC", "retired"),
            ("EC", "active")
        ],
        "each seal key with its companion that signs the files"
    );
    assert!(jwks["keys"][0]["signs_until"].is_string());
    let (code, said) = verify(&rotated, pdf.to_str().unwrap());
    assert_eq!(code, 0, "signed before the rotation: {said}");
    server.start().await;
    let published: serde_json::Value = reqwest::get(server.url("/v1/keys"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        published, jwks,
        "GET /v1/keys publishes the retired key too"
    );
    let newer = demo_document(&server);
    assert_eq!(verify(&rotated, newer.to_str().unwrap()).0, 0);
    let (code, said) = verify(&keys, newer.to_str().unwrap());
    assert_eq!(code, 1, "{said}");

    // Revoked from the operator's desk, by name (issue 27, item 11); the first revocation stands.
    let data = server.data.to_str().unwrap();
    let revoke = [
        "revoke",
        number.as_str(),
        "--reason",
        "Délivré par erreur.",
        "--by",
        "A. Coulibaly, DSI",
        "--data",
        data,
    ];
    let out = guichet(&revoke);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("revoked"), "{}", text(&out));
    let again = guichet(&revoke);
    assert!(!again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("revoked already"), "{}", text(&again));

    // The audit trails of both documents hold; an event removed from the store is reported.
    let audit = guichet(&["audit", "verify", "--data", data]);
    assert!(audit.status.success(), "{}", text(&audit));
    assert!(text(&audit).contains("2 applications"), "{}", text(&audit));
    let db = rusqlite::Connection::open(server.data.join("guichet.sqlite")).unwrap();
    let removed = db
        .execute(
            "DELETE FROM audit_events WHERE rowid = (SELECT max(rowid) FROM audit_events)",
            [],
        )
        .unwrap();
    assert_eq!(removed, 1);
    let audit = guichet(&["audit", "verify", "--data", data]);
    assert_eq!(audit.status.code(), Some(1), "{}", text(&audit));
    assert!(
        text(&audit).contains("1 trail(s) broken"),
        "{}",
        text(&audit)
    );
}
