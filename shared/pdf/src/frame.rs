//! What every Guichet document has around its content: the file's metadata (with the seal),
//! the State's header, the seal's QR code with how to verify it, the footer, and the fonts cut
//! to the page. The extract (`extract`) and the templates (`layout`) draw inside it.

use super::page::{A4_HEIGHT, A4_WIDTH, Page, Weight};
use super::{Fonts, qr, sign};
use guichet_core::ports::{Printable, RenderError};
use printpdf::{Mm, PdfDocument, PdfPage, PdfSaveOptions};

pub const LEFT: f32 = 20.0;
pub const RIGHT: f32 = A4_WIDTH - 20.0;

/// The top of the QR code, bottom right of the last page.
pub const QR_TOP: f32 = A4_HEIGHT - 20.0 - super::QR_SIZE_MM - 12.0;
/// How tall the stamp is.
pub const STAMP_HEIGHT: f32 = 16.0;
/// Where the content of an earlier page may go down to: the footer starts below.
pub const PAGE_BOTTOM: f32 = A4_HEIGHT - 24.0;
/// Where a continuation page's content starts, below its heading.
pub const CONTINUED_TOP: f32 = 40.0;

/// A document titled `title`, dated by its issue (not by the clock, so the file is a function
/// of the application), the seal in its keywords: the online check of a file reads it there,
/// and the offline verifier refuses a file whose QR code says otherwise.
pub fn document(c: &Printable<'_>, title: &str) -> Result<PdfDocument, RenderError> {
    let number = c.document.number.to_string();
    let mut doc = PdfDocument::new(&format!("{title} n° {number}"));
    let issued = printpdf::DateTime::from_unix_timestamp(c.document.issued_at.unix_timestamp())
        .map_err(|e| RenderError::Drawing(format!("issue date: {e}")))?;
    doc.metadata.info.creation_date = issued;
    doc.metadata.info.modification_date = issued;
    doc.metadata.info.metadata_date = issued;
    doc.metadata.info.author = c.office.name.clone();
    doc.metadata.info.creator = "Guichet".into();
    doc.metadata.info.producer = "Guichet".into();
    doc.metadata.info.subject = number;
    doc.metadata.info.keywords = vec![c.seal.to_owned()];
    Ok(doc)
}

/// The ministry (left, two lines, then the office) and the Republic's motto (right).
pub fn header(p: &mut Page, authority: &[&str], office: &str) {
    let mut y = 20.0;
    for line in authority.iter().take(2) {
        p.text(LEFT, y, 9.0, Weight::Bold, line);
        y += 4.5;
    }
    p.text(LEFT, y + 1.0, 8.5, Weight::Regular, office);
    p.text(135.0, 20.0, 9.0, Weight::Bold, "RÉPUBLIQUE DU MALI");
    p.text(
        131.0,
        24.5,
        8.5,
        Weight::Regular,
        "Un Peuple – Un But – Une Foi",
    );
}

/// The title between two rules, with the document's number and the verification code a
/// verifier types with it: returns where content starts.
pub fn title(
    p: &mut Page,
    title: &str,
    subtitle: Option<&str>,
    number: &str,
    code: Option<&str>,
) -> f32 {
    p.rule(LEFT, RIGHT, 38.0, 0.8);
    p.centred(49.0, 16.0, Weight::Bold, title);
    let mut y = 49.0;
    if let Some(s) = subtitle {
        y += 8.0;
        p.centred(y, 12.0, Weight::Regular, s);
    }
    y += 8.0;
    let line = match code {
        Some(code) => {
            format!("N° {number}   ·   Code de vérification / Verification code : {code}")
        }
        None => format!("N° {number}"),
    };
    p.centred(y, 10.0, Weight::Bold, &line);
    p.rule(LEFT, RIGHT, y + 5.0, 0.8);
    y + 15.0
}

/// The seal bottom right at 40 mm, comfortably above what a phone camera needs from paper, how
/// to verify it beside it, and the footer.
pub fn seal_and_footer(
    p: &mut Page,
    c: &Printable<'_>,
    verify_url: &str,
) -> Result<(), RenderError> {
    let qr_size = super::QR_SIZE_MM;
    let qr_top = QR_TOP;
    let link = guichet_core::domain::seal_link(verify_url, c.seal);
    qr::draw(p, &link, RIGHT - qr_size, qr_top, qr_size)
        .map_err(|e| RenderError::Drawing(format!("QR code: {e}")))?;
    // Under the code, what it is for, in both languages: a reader who has never met one knows
    // to point a phone at it.
    let below = qr_top + qr_size + 3.0;
    for (i, label) in ["Vérifier ce document", "Verify this document"]
        .into_iter()
        .enumerate()
    {
        let size = 7.0;
        let weight = if i == 0 {
            Weight::Bold
        } else {
            Weight::Regular
        };
        p.centred_on(
            RIGHT - qr_size / 2.0,
            below + 3.0 * i as f32,
            size,
            weight,
            label,
        );
    }
    let note_width = RIGHT - qr_size - LEFT - 6.0;
    let mut ny = qr_top + 8.0;
    ny = p.paragraph(LEFT, ny, note_width, 8.5, Weight::Regular,
        "Document délivré électroniquement par Guichet. Il a la même valeur qu'un original papier. Son authenticité se vérifie en scannant le code QR, ou en saisissant son numéro et son code de vérification sur :");
    ny = p.paragraph(LEFT, ny + 1.0, note_width, 8.5, Weight::Bold, verify_url) + 2.0;
    p.paragraph(LEFT, ny, note_width, 7.5, Weight::Regular,
        "Electronically issued document. Verify it by scanning the QR code or entering its number and verification code at the address above.");
    Ok(())
}

/// The office's stamp, drawn: a double frame with the Republic, the office's name and what it
/// is, at the right margin beside the place, date and signatory (the top of the frame at `y`).
pub fn stamp(p: &mut Page, y: f32, office: &str) {
    const WIDTH: f32 = 58.0;
    const X: f32 = RIGHT - WIDTH;
    p.outline(X, y, WIDTH, STAMP_HEIGHT, 1.2);
    p.outline(X + 1.0, y + 1.0, WIDTH - 2.0, 14.0, 0.4);
    let centre = X + WIDTH / 2.0;
    let line = |p: &mut Page, y: f32, size: f32, weight: Weight, text: &str| {
        p.centred_on(centre, y, size, weight, text);
    };
    line(p, y + 4.5, 6.5, Weight::Bold, "RÉPUBLIQUE DU MALI");
    let mut names = super::page::wrap(office, WIDTH - 5.0, 6.0, Weight::Regular);
    if names.len() > 2 {
        names.truncate(2);
        names[1].push('…');
    }
    let mut ny = y + 7.6;
    for name in &names {
        line(p, ny, 6.0, Weight::Regular, name);
        ny += 2.6;
    }
    line(
        p,
        y + 14.0,
        5.5,
        Weight::Bold,
        "CACHET ÉLECTRONIQUE — GUICHET",
    );
}

/// A page after the first: the document's title and number, continued.
pub fn continued(p: &mut Page, title: &str, number: &str) {
    p.text(LEFT, 20.0, 9.0, Weight::Bold, "RÉPUBLIQUE DU MALI");
    p.text(
        LEFT,
        27.0,
        10.0,
        Weight::Bold,
        &format!("{title} — N° {number} (suite)"),
    );
    p.rule(LEFT, RIGHT, 31.0, 0.8);
}

/// Every page's footer: the number, and which page of how many (a missing page shows).
fn footer(p: &mut Page, number: &str, page: usize, of: usize) {
    p.rule(LEFT, RIGHT, A4_HEIGHT - 18.0, 0.4);
    p.text(
        LEFT,
        A4_HEIGHT - 13.0,
        7.5,
        Weight::Regular,
        &format!("N° {number} — page {page}/{of}"),
    );
}

/// The file, each page with its footer, the fonts cut once to what every page prints
/// (`Page::finish`), signed as PDF readers check it (`sign`).
pub fn save(
    mut doc: PdfDocument,
    mut pages: Vec<Page>,
    c: &Printable<'_>,
    fonts: &Fonts,
) -> Result<Vec<u8>, RenderError> {
    let number = &c.document.number.to_string();
    let of = pages.len();
    let portrait = pages
        .iter()
        .enumerate()
        .find_map(|(i, p)| p.portrait.map(|slot| (i, slot)));
    for (i, p) in pages.iter_mut().enumerate() {
        footer(p, number, i + 1, of);
    }
    let ops = Page::finish(pages, &mut doc, fonts).map_err(RenderError::Drawing)?;
    let mut file = doc
        .with_pages(
            ops.into_iter()
                .map(|ops| PdfPage::new(Mm(A4_WIDTH), Mm(A4_HEIGHT), ops))
                .collect(),
        )
        .to_lopdf_document(
            &PdfSaveOptions {
                subset_fonts: false,
                ..Default::default()
            },
            &mut Vec::new(),
        );
    // printpdf names the file with random characters; named after its seal instead, the file is
    // a function of the application, and a second issue of it is the same bytes.
    let id = sign::file_id(c.seal);
    file.trailer
        .set("ID", lopdf::Object::Array(vec![id.clone(), id]));
    if let (Some((page, slot)), Some(jpeg)) = (portrait, c.portrait) {
        let small =
            super::portrait::downscale(jpeg, slot.2, slot.3).map_err(RenderError::Drawing)?;
        super::portrait::place(&mut file, page, slot, small).map_err(RenderError::Drawing)?;
    }
    compress(&mut file).map_err(|e| RenderError::Drawing(format!("compressing: {e}")))?;
    sign::prepare(
        &mut file,
        c.signer.file_signature_room(),
        c.document.issued_at,
    )?;
    let mut bytes = Vec::with_capacity(24 * 1024);
    file.save_to(&mut bytes)
        .map_err(|e| RenderError::Drawing(format!("writing: {e}")))?;
    sign::sign(&mut bytes, c.signer)?;
    Ok(bytes)
}

/// Every stream deflated at zlib's default level. printpdf's own `save` asks lopdf for the
/// best level, which took a quarter of an issue's time for about 1% of its bytes
/// (docs/stack.md, guichet-pdf).
fn compress(file: &mut lopdf::Document) -> std::io::Result<()> {
    use std::io::Write;
    for object in file.objects.values_mut() {
        let lopdf::Object::Stream(stream) = object else {
            continue;
        };
        if stream.dict.has(b"Filter") {
            continue;
        }
        let mut z = flate2::write::ZlibEncoder::new(
            Vec::with_capacity(stream.content.len() / 2),
            flate2::Compression::default(),
        );
        z.write_all(&stream.content)?;
        let packed = z.finish()?;
        if packed.len() < stream.content.len() {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(packed);
        }
    }
    Ok(())
}
