//! Extrait du casier judiciaire — Bulletin n°3.

use super::page::{A4_HEIGHT, A4_WIDTH, Page, Weight};
use super::{Fonts, french_date, qr};
use guichet_core::ports::{Printable, RenderError};
use printpdf::{Mm, PdfDocument, PdfPage, PdfSaveOptions};

const LEFT: f32 = 20.0;
const RIGHT: f32 = A4_WIDTH - 20.0;
const LABEL_WIDTH: f32 = 52.0;

pub(crate) fn render_extract(
    fonts: &Fonts,
    c: &Printable<'_>,
    verify_url: &str,
) -> Result<Vec<u8>, RenderError> {
    let number = c.document.number.to_string();
    let mut doc = PdfDocument::new(&format!("Extrait du casier judiciaire n° {number}"));
    // Fixed metadata dates keep the file a function of the application, not of the clock.
    let issued = printpdf::DateTime::from_unix_timestamp(c.document.issued_at.unix_timestamp())
        .map_err(|e| RenderError::Drawing(format!("issue date: {e}")))?;
    doc.metadata.info.creation_date = issued;
    doc.metadata.info.modification_date = issued;
    doc.metadata.info.metadata_date = issued;
    doc.metadata.info.author = c.office.name.clone();
    doc.metadata.info.creator = "Guichet".into();
    doc.metadata.info.producer = "Guichet".into();
    doc.metadata.info.subject = number.clone();
    // The seal travels in the metadata too: the online check of a file reads it there, and the
    // offline verifier refuses a file whose QR code says otherwise.
    doc.metadata.info.keywords = vec![c.seal.to_owned()];

    let mut p = Page::new();
    let app = c.application;
    let a = &app.applicant;

    p.text(LEFT, 20.0, 9.0, Weight::Bold, "MINISTÈRE DE LA JUSTICE");
    p.text(LEFT, 24.5, 9.0, Weight::Bold, "ET DES DROITS DE L'HOMME");
    p.text(LEFT, 30.0, 8.5, Weight::Regular, &c.office.name);
    p.text(135.0, 20.0, 9.0, Weight::Bold, "RÉPUBLIQUE DU MALI");
    p.text(
        131.0,
        24.5,
        8.5,
        Weight::Regular,
        "Un Peuple – Un But – Une Foi",
    );

    p.rule(LEFT, RIGHT, 38.0, 0.8);
    p.centred(49.0, 16.0, Weight::Bold, "EXTRAIT DU CASIER JUDICIAIRE");
    p.centred(57.0, 12.0, Weight::Regular, "Bulletin n°3");
    p.centred(65.0, 10.0, Weight::Bold, &format!("N° {number}"));
    p.rule(LEFT, RIGHT, 70.0, 0.8);

    p.text(
        LEFT,
        80.0,
        11.0,
        Weight::Bold,
        "Identité de la personne concernée",
    );
    let mut y = 89.0;
    let mut row = |p: &mut Page, label: &str, value: &str| {
        p.text(LEFT, y, 10.0, Weight::Regular, label);
        y = p.paragraph(
            LEFT + LABEL_WIDTH,
            y,
            RIGHT - LEFT - LABEL_WIDTH,
            10.0,
            Weight::Bold,
            value,
        ) + 1.5;
    };
    row(&mut p, "Nom :", a.surname.as_str());
    row(&mut p, "Prénoms :", a.given_names.as_str());
    row(&mut p, "Né(e) le :", &french_date(a.birth_date.date()));
    let place = if a.birth_country.is_mali() {
        format!("{} (Mali)", a.birth_place.as_str())
    } else {
        format!("{} ({})", a.birth_place.as_str(), a.birth_country.as_str())
    };
    row(&mut p, "à :", &place);
    if let Some(father) = &a.father_name {
        row(&mut p, "Fils/fille de :", father.as_str());
    }
    if let Some(mother) = &a.mother_name {
        row(&mut p, "et de :", mother.as_str());
    }
    if let Some(nina) = &a.nina {
        row(&mut p, "NINA :", &String::from(nina.clone()));
    }

    y += 5.0;
    p.text(LEFT, y, 11.0, Weight::Bold, "Relevé des condamnations");
    y += 9.0;
    if c.record.convictions.is_empty() {
        p.centred(y + 2.0, 18.0, Weight::Bold, "NÉANT");
        y += 12.0;
    } else {
        for (i, conviction) in c.record.convictions.iter().enumerate() {
            let head = format!(
                "{}. {} — {}",
                i + 1,
                french_date(conviction.date),
                conviction.court
            );
            y = p.paragraph(LEFT, y, RIGHT - LEFT, 10.0, Weight::Bold, &head);
            y = p.paragraph(
                LEFT + 6.0,
                y,
                RIGHT - LEFT - 6.0,
                10.0,
                Weight::Regular,
                &format!("Infraction : {}", conviction.offence),
            );
            y = p.paragraph(
                LEFT + 6.0,
                y,
                RIGHT - LEFT - 6.0,
                10.0,
                Weight::Regular,
                &format!("Peine : {}", conviction.sentence),
            ) + 2.0;
        }
    }

    let issued = french_date(c.document.issued_at.date());
    y += 6.0;
    p.text(
        LEFT,
        y,
        10.0,
        Weight::Regular,
        &format!("Délivré à {}, le {issued}", c.office.city),
    );
    y += 6.0;
    p.text(LEFT, y, 10.0, Weight::Regular, "Le Greffier en chef");
    if let Some(expires) = c.document.expires_at {
        y += 6.0;
        p.text(
            LEFT,
            y,
            9.0,
            Weight::Regular,
            &format!("Valable jusqu'au {}", french_date(expires.date())),
        );
    }

    // The seal sits bottom right at 40 mm, comfortably above what a phone camera needs from paper.
    let qr_size = super::QR_SIZE_MM;
    let qr_top = A4_HEIGHT - 20.0 - qr_size - 12.0;
    qr::draw(&mut p, c.seal, RIGHT - qr_size, qr_top, qr_size)
        .map_err(|e| RenderError::Drawing(format!("QR code: {e}")))?;
    let note_width = RIGHT - qr_size - LEFT - 6.0;
    let mut ny = qr_top + 8.0;
    ny = p.paragraph(LEFT, ny, note_width, 8.5, Weight::Regular,
        "Document délivré électroniquement par Guichet. Il a la même valeur qu'un original papier. Son authenticité se vérifie en scannant le code QR, ou en saisissant son numéro sur :");
    ny = p.paragraph(LEFT, ny + 1.0, note_width, 8.5, Weight::Bold, verify_url) + 2.0;
    p.paragraph(LEFT, ny, note_width, 7.5, Weight::Regular,
        "Electronically issued document. Verify it by scanning the QR code or entering its number at the address above.");

    p.rule(LEFT, RIGHT, A4_HEIGHT - 18.0, 0.4);
    p.text(
        LEFT,
        A4_HEIGHT - 13.0,
        7.5,
        Weight::Regular,
        &format!("N° {number} — page 1/1"),
    );

    let ops = p.finish(&mut doc, fonts).map_err(RenderError::Drawing)?;
    // The fonts are already cut to the page (`page::Page::finish`).
    let bytes = doc
        .with_pages(vec![PdfPage::new(Mm(A4_WIDTH), Mm(A4_HEIGHT), ops)])
        .save(
            &PdfSaveOptions {
                subset_fonts: false,
                ..Default::default()
            },
            &mut Vec::new(),
        );
    Ok(bytes)
}
