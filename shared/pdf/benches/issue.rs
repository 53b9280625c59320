//! What issuing one extract costs: the seal alone, and the seal plus the whole PDF.
//! `scripts/bench.sh` runs this beside the ReportLab peer and prints the ratio.

use criterion::{Criterion, criterion_group, criterion_main};
use guichet_core::catalogue::Catalogue;
use guichet_core::domain::{Application, DocumentRef, KindCode, SealClaims};
use guichet_core::ports::{DocumentRenderer, Printable};
use guichet_pdf::PdfRenderer;
use guichet_seal::{SealKey, SealKeys};
use std::hint::black_box;
use time::macros::datetime;

fn bench(c: &mut Criterion) {
    let renderer = PdfRenderer::new("https://guichet.ml/verifier").unwrap();
    let keys = SealKeys::new(vec![SealKey::from_secret(
        [7; 32],
        datetime!(2026-01-01 0:00 UTC),
    )])
    .unwrap();
    let catalogue = Catalogue::default_catalogue();
    let app = Application::example();
    let office = catalogue.office(&app.office).unwrap();
    let document = DocumentRef::example();
    let claims = SealClaims::for_document(&app, &document, KindCode(1));
    let record = serde_json::json!({"convictions": []});
    let issue = || {
        let seal = keys.seal(&claims);
        renderer
            .render(&Printable {
                application: &app,
                template: "criminal_record_extract",
                title: "Extrait du casier judiciaire",
                content: &record,
                office,
                document: &document,
                seal: &seal,
            })
            .unwrap()
    };
    eprintln!(
        "one extract: {} bytes, seal {} characters",
        issue().len(),
        keys.seal(&claims).len()
    );
    c.bench_function("seal", |b| {
        b.iter(|| black_box(keys.seal(black_box(&claims))))
    });
    c.bench_function("issue_extract_pdf", |b| b.iter(|| black_box(issue())));
}

criterion_group!(benches, bench);
criterion_main!(benches);
