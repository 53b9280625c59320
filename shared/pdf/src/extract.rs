//! Extrait du casier judiciaire — Bulletin n°3.

use super::frame::{self, LEFT, RIGHT};
use super::page::{Page, Weight};
use super::{Fonts, french_date};
use guichet_core::domain::ExtractRecord;
use guichet_core::ports::{Printable, RenderError};
const LABEL_WIDTH: f32 = 52.0;

pub(crate) fn render_extract(
    fonts: &Fonts,
    c: &Printable<'_>,
    verify_url: &str,
) -> Result<Vec<u8>, RenderError> {
    let record: ExtractRecord = serde_json::from_value(c.content.clone())
        .map_err(|e| RenderError::Drawing(format!("the extract's record does not read: {e}")))?;
    let number = c.document.number.to_string();
    let doc = frame::document(c, "Extrait du casier judiciaire")?;
    let mut p = Page::new();
    let app = c.application;
    let a = &app.applicant;
    frame::header(
        &mut p,
        &["MINISTÈRE DE LA JUSTICE", "ET DES DROITS DE L'HOMME"],
        &c.office.name,
    );
    frame::title(
        &mut p,
        "EXTRAIT DU CASIER JUDICIAIRE",
        Some("Bulletin n°3"),
        &number,
    );

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
    if record.convictions.is_empty() {
        p.centred(y + 2.0, 18.0, Weight::Bold, "NÉANT");
        y += 12.0;
    } else {
        for (i, conviction) in record.convictions.iter().enumerate() {
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

    frame::seal_and_footer(&mut p, c, verify_url)?;
    frame::save(doc, p, fonts)
}
