//! What issuing one document of each kind costs: the seal alone, and the seal plus the whole
//! PDF. `scripts/bench.sh` runs this beside the ReportLab peer and prints the ratios.

use criterion::{Criterion, criterion_group, criterion_main};
use guichet_core::catalogue::Catalogue;
use guichet_core::domain::{Application, DocumentKind, DocumentNumber, DocumentRef, SealClaims};
use guichet_core::ports::{DocumentRenderer, FileSigner, Printable};
use guichet_pdf::PdfRenderer;
use guichet_seal::{SealKey, SealKeys};
use serde_json::{Value, json};
use std::hint::black_box;
use time::macros::datetime;

/// Each kind's sample: the application, what the office approved, and its bench's name.
fn samples() -> Vec<(&'static str, Application, Value)> {
    let extract = Application::example();
    let mut certificate = Application::example();
    certificate.kind = DocumentKind::NATIONALITY_CERTIFICATE;
    certificate.details = json!({"basis": "born_in_mali_to_malian_parent", "parent": {
        "surname": "Traoré", "given_names": "Sékou", "birth_date": "1961-03-09",
        "birth_place": "Ségou", "relationship": "father"}});
    vec![
        ("issue_extract_pdf", extract, json!({"convictions": []})),
        (
            "issue_nationality_certificate_pdf",
            certificate,
            json!({"basis": "born_in_mali_to_malian_parent"}),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let renderer = PdfRenderer::new("https://guichet.ml/verifier").unwrap();
    let keys = SealKeys::new(vec![SealKey::from_secret(
        [7; 32],
        datetime!(2026-01-01 0:00 UTC),
    )])
    .unwrap();
    let catalogue = Catalogue::default_catalogue();
    for (name, app, content) in samples() {
        let kind = catalogue.kind(app.kind).unwrap();
        let office = catalogue.office(&app.office).unwrap();
        let mut document = DocumentRef::example();
        document.number = DocumentNumber::new(kind.names().prefix, 2026, 123).unwrap();
        let holder = kind.holder(&app);
        let claims = SealClaims::for_document(&app, &holder, &document, kind.names().code);
        let issue = |signer: &dyn FileSigner| {
            let seal = keys.seal(&claims);
            renderer
                .render(&Printable {
                    application: &app,
                    template: kind.template(),
                    title: &kind.names().title,
                    content: &content,
                    holder: &holder,
                    office,
                    entry: catalogue.entry(app.kind).unwrap(),
                    document: &document,
                    seal: &seal,
                    signer,
                    portrait: None,
                })
                .unwrap()
        };
        let signed = issue(&keys).len();
        let unsigned = issue(&NoFileSignature).len();
        eprintln!(
            "{name}: {signed} bytes, of which the file's own signature {} bytes",
            signed - unsigned
        );
        c.bench_function(name, |b| b.iter(|| black_box(issue(&keys))));
        // The same document with an empty signature: the difference is what signing costs.
        c.bench_function(&format!("{name}_unsigned"), |b| {
            b.iter(|| black_box(issue(&NoFileSignature)))
        });
        if name == "issue_extract_pdf" {
            c.bench_function("seal", |b| {
                b.iter(|| black_box(keys.seal(black_box(&claims))))
            });
        }
    }
}

/// Keeps no room and signs nothing: the peer that prices the file's own signature.
struct NoFileSignature;

impl FileSigner for NoFileSignature {
    fn file_signature_room(&self) -> usize {
        0
    }

    fn sign_file(&self, _: &[u8; 32]) -> Result<Vec<u8>, String> {
        Ok(Vec::new())
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
