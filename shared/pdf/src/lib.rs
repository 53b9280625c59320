//! Issued documents as PDF: A4, French, an embedded subset font so every accent prints, and the
//! seal as a vector QR code. Every kind's document is drawn from its template (`layout`, files in
//! `templates/`) inside the common frame (`frame`).

mod frame;
mod layout;
mod page;
mod portrait;
mod qr;
mod sfnt;
mod sign;
mod subset;

use guichet_core::ports::{DocumentRenderer, Printable, RenderError};
use guichet_core::settings::Env;
use layout::Template;
use printpdf::ParsedFont;
pub use sign::{SignedFile, Unsigned, signed_file};
use std::collections::BTreeMap;

/// The printed width of the seal's QR code, quiet zone included, in millimetres: at version 10
/// (57 modules and 8 of quiet zone) a module is 0.62 mm, which a phone reads from 20 cm.
pub const QR_SIZE_MM: f32 = 40.0;
// A phone camera needs at least 25 mm of code to read it from paper.
const _: () = assert!(QR_SIZE_MM >= 25.0);

const REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// The fonts, parsed once per process (parsing costs about a millisecond each), and read once
/// for the cut each document makes of them. They are compiled in, so they are the process's:
/// the page measures text with them too (`page::width_mm`).
static FONTS: std::sync::OnceLock<Result<Fonts, String>> = std::sync::OnceLock::new();

fn fonts() -> Result<&'static Fonts, String> {
    FONTS
        .get_or_init(Fonts::load)
        .as_ref()
        .map_err(Clone::clone)
}

struct Fonts {
    regular: (ParsedFont, subset::Source),
    bold: (ParsedFont, subset::Source),
}

impl Fonts {
    /// A weight's parsed font and what the cut reads of it.
    fn of(&self, weight: page::Weight) -> (&ParsedFont, &subset::Source) {
        let (font, source) = match weight {
            page::Weight::Regular => &self.regular,
            page::Weight::Bold => &self.bold,
        };
        (font, source)
    }

    /// How wide `text` prints in `weight` at `size_pt`, in millimetres, by the font's own
    /// advance widths (a character the font lacks counts as its missing glyph).
    fn width_mm(&self, weight: page::Weight, text: &str, size_pt: f32) -> f32 {
        let (font, source) = self.of(weight);
        let units: u32 = text
            .chars()
            .map(|c| {
                let glyph = font.lookup_glyph_index(u32::from(c)).unwrap_or(0);
                u32::from(source.advance(glyph))
            })
            .sum();
        units as f32 / source.units_per_em() * size_pt * 25.4 / 72.0
    }

    fn load() -> Result<Self, String> {
        let read = |bytes: &'static [u8], name: &str| {
            let font = ParsedFont::from_bytes(bytes, 0, &mut Vec::new())
                .ok_or_else(|| format!("{name} does not parse"))?;
            let source = subset::Source::read(bytes).map_err(|e| format!("{name}: {e}"))?;
            Ok::<_, String>((font, source))
        };
        Ok(Fonts {
            regular: read(REGULAR_TTF, "DejaVuSans")?,
            bold: read(BOLD_TTF, "DejaVuSans-Bold")?,
        })
    }
}

/// The templates shipped with this version, by name: every kind's document is drawn from one.
const TEMPLATES: [(&str, &str); 3] = [
    (
        "criminal_record_extract",
        include_str!("../templates/criminal_record_extract.json"),
    ),
    (
        "nationality_certificate",
        include_str!("../templates/nationality_certificate.json"),
    ),
    ("visa", include_str!("../templates/visa.json")),
];

/// Draws the documents of the kinds that have a template, with the fonts parsed once.
pub struct PdfRenderer {
    fonts: &'static Fonts,
    templates: BTreeMap<String, Template>,
    /// Printed under the QR code: where a person without a scanner checks a document
    /// (`GUICHET_VERIFY_URL`, default `https://guichet.ml/verifier`).
    verify_url: String,
}

impl PdfRenderer {
    pub fn new(verify_url: impl Into<String>) -> Result<Self, RenderError> {
        let mut templates = BTreeMap::new();
        for (name, json) in TEMPLATES {
            let t = Template::parse(json)
                .map_err(|e| RenderError::Drawing(format!("template {name}: {e}")))?;
            templates.insert(name.to_owned(), t);
        }
        Ok(PdfRenderer {
            fonts: fonts().map_err(RenderError::Drawing)?,
            templates,
            verify_url: verify_url.into(),
        })
    }

    /// With the settings it reads: `GUICHET_VERIFY_URL`, and `GUICHET_TEMPLATES_DIR` where an
    /// operator's templates are (beside the catalogue that declares their kinds).
    pub fn from_env(env: &Env) -> Result<Self, RenderError> {
        let url = guichet_core::settings::verify_url(env)
            .map_err(|e| RenderError::Drawing(e.to_string()))?;
        let renderer = Self::new(url)?;
        match env.get("GUICHET_TEMPLATES_DIR") {
            Some(dir) => renderer.with_templates_dir(std::path::Path::new(&dir)),
            None => Ok(renderer),
        }
    }

    /// Adds every `<name>.json` of `dir` as the template `name` (one of the same name as a
    /// shipped template replaces it); a missing folder adds none, a template that does not read
    /// stops the start with its file's name.
    pub fn with_templates_dir(mut self, dir: &std::path::Path) -> Result<Self, RenderError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(self),
            Err(e) => return Err(RenderError::Drawing(format!("{}: {e}", dir.display()))),
        };
        for entry in entries {
            let path = entry
                .map_err(|e| RenderError::Drawing(format!("{}: {e}", dir.display())))?
                .path();
            let (Some(name), Some("json")) = (
                path.file_stem().and_then(|s| s.to_str()),
                path.extension().and_then(|s| s.to_str()),
            ) else {
                continue;
            };
            let json = std::fs::read_to_string(&path)
                .map_err(|e| RenderError::Drawing(format!("{}: {e}", path.display())))?;
            let t = Template::parse(&json)
                .map_err(|e| RenderError::Drawing(format!("template {}: {e}", path.display())))?;
            self.templates.insert(name.to_owned(), t);
        }
        Ok(self)
    }
}

impl DocumentRenderer for PdfRenderer {
    fn render(&self, document: &Printable<'_>) -> Result<Vec<u8>, RenderError> {
        self.templates
            .get(document.template)
            .ok_or_else(|| RenderError::NoTemplate(document.template.to_owned()))?
            .render(self.fonts, document, &self.verify_url)
    }

    fn has_template(&self, name: &str) -> bool {
        self.templates.contains_key(name)
    }
}

/// "25 novembre 2026", as dates are written on French administrative documents.
pub fn french_date(d: time::Date) -> String {
    const MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let day = if d.day() == 1 {
        "1er".to_owned()
    } else {
        d.day().to_string()
    };
    format!(
        "{day} {} {}",
        MONTHS[usize::from(u8::from(d.month())) - 1],
        d.year()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    /// Every kind's seal, with the longest names the seal carries (two-byte letters throughout) and
    /// the longest office code the catalogue accepts, stays at QR version 11 or below at error
    /// correction M as the link the QR code carries (the verify page's address, then the seal;
    /// 10 or below bare, as documents printed before the link carry it). Prints each kind's size
    /// for the record.
    #[test]
    fn every_kind_of_seal_fits_a_version_11_qr_code() {
        use guichet_core::domain::{
            DocumentNumber, GIVEN_NAMES_BYTES, OFFICE_MAX, ORGANISATION_BYTES, OfficeCode,
            Organisation, SURNAME_BYTES, SealClaims, SealedHolder, fit,
        };
        use guichet_seal::{PREFIX, SealKey, SealKeys, open};
        use time::macros::datetime;
        let keys = SealKeys::new(vec![SealKey::from_secret(
            [9; 32],
            datetime!(2026-01-01 0:00 UTC),
        )])
        .unwrap();
        let catalogue = guichet_core::catalogue::Catalogue::default_catalogue();
        for k in catalogue.kinds().iter() {
            let names = k.names();
            let kind = names.kind;
            let mut claims = SealClaims::example();
            claims.kind = names.code;
            claims.number = DocumentNumber::new(names.prefix, 2026, 999_999).unwrap();
            // The typical seal expires when the catalogue gives the kind a validity; the longest always does.
            let mut typical = claims.clone();
            if catalogue
                .service(kind)
                .and_then(|s| s.validity_days)
                .is_none()
            {
                typical.expires_on = None;
            }
            let typical = keys.seal(&typical);
            claims.holder = SealedHolder::Person {
                surname: fit(&"É".repeat(80), SURNAME_BYTES),
                given_names: fit(&"Ï".repeat(100), GIVEN_NAMES_BYTES),
                birth_date: time::macros::date!(1990 - 04 - 12),
            };
            claims.office = OfficeCode::parse(&"X".repeat(OFFICE_MAX)).unwrap();
            let person = keys.seal(&claims);
            assert_eq!(open(&person, &keys).unwrap(), claims);
            // Any kind may be about an organisation (a data kind's `holder`).
            claims.holder = SealedHolder::Organisation {
                name: fit(&"É".repeat(80), ORGANISATION_BYTES),
                registration_number: "M".repeat(Organisation::NUMBER_MAX),
            };
            let organisation = keys.seal(&claims);
            assert_eq!(open(&organisation, &keys).unwrap(), claims);
            let worst = if organisation.len() > person.len() {
                organisation
            } else {
                person
            };
            // As the page draws it.
            let version = |text: &str| (crate::qr::modules(text.as_bytes()).unwrap().0 - 17) / 4;
            let cose = |text: &str| base45::decode(&text[PREFIX.len()..]).unwrap().len();
            let link =
                |seal: &str| guichet_core::domain::seal_link("https://guichet.ml/verifier", seal);
            let (typical_link, worst_link) = (link(&typical), link(&worst));
            println!(
                "{kind}: typical {} characters ({} bytes COSE), QR version {} ({} as a link of {}); longest {} characters ({} bytes), QR version {} ({} as a link of {}); module {:.2} mm",
                typical.len(),
                cose(&typical),
                version(&typical),
                version(&typical_link),
                typical_link.len(),
                worst.len(),
                cose(&worst),
                version(&worst),
                version(&worst_link),
                worst_link.len(),
                crate::QR_SIZE_MM / (17 + 4 * version(&worst_link) + 8) as f32,
            );
            assert!(version(&worst) <= 10, "{kind}: {} characters", worst.len());
            assert!(
                version(&worst_link) <= 11,
                "{kind}: {} characters",
                worst_link.len()
            );
        }
    }

    /// `app`'s document drawn as its kind says, with `content`, and its text as a reader gets it.
    fn drawn(
        app: &guichet_core::domain::Application,
        content: serde_json::Value,
    ) -> (Vec<u8>, String) {
        use guichet_core::catalogue::Catalogue;
        use guichet_core::domain::{DocumentRef, SealClaims};
        use guichet_seal::{SealKey, SealKeys};
        use time::macros::datetime;
        let keys = SealKeys::new(vec![SealKey::from_secret(
            [7; 32],
            datetime!(2026-01-01 0:00 UTC),
        )])
        .unwrap();
        let catalogue = Catalogue::default_catalogue();
        let kind = catalogue.kind(app.kind).unwrap();
        let mut document = DocumentRef::example();
        document.number =
            guichet_core::domain::DocumentNumber::new(kind.names().prefix, 2026, 123).unwrap();
        if catalogue.service(app.kind).unwrap().validity_days.is_none() {
            document.expires_at = None;
        }
        let holder = kind.holder(app);
        let seal = keys.seal(&SealClaims::for_document(
            app,
            &holder,
            &document,
            kind.names().code,
        ));
        let renderer = PdfRenderer::new("https://guichet.ml/verifier").unwrap();
        assert!(renderer.has_template(kind.template()));
        let pdf = renderer
            .render(&Printable {
                application: app,
                template: kind.template(),
                title: &kind.names().title,
                content: &content,
                holder: &holder,
                office: catalogue.office(&app.office).unwrap(),
                entry: catalogue.entry(app.kind).unwrap(),
                document: &document,
                seal: &seal,
                signer: &keys,
                portrait: None,
            })
            .unwrap();
        let parsed = printpdf::PdfDocument::parse(
            &pdf,
            &printpdf::PdfParseOptions::default(),
            &mut Vec::new(),
        )
        .unwrap();
        let text = parsed.extract_text().concat().concat();
        (pdf, text)
    }

    /// The file signs itself (PAdES B-B): the signature covers every byte but its own value, checks
    /// against the root of the keys that signed it and no other, and any changed or added byte
    /// shows. `pdfsig` reads the same file in the API tests.
    #[test]
    fn the_file_carries_a_signature_that_any_changed_byte_breaks() {
        use guichet_seal::file::{FileSignatureError, verify};
        use guichet_seal::{SealKey, SealKeys};
        use time::macros::datetime;
        let app = guichet_core::domain::Application::example();
        let (pdf, _) = drawn(&app, serde_json::json!({"convictions": []}));
        if let Ok(path) = std::env::var("GUICHET_PDF_OUT") {
            std::fs::write(path, &pdf).unwrap();
        }
        let keys = |seed| {
            SealKeys::new(vec![SealKey::from_secret(
                [seed; 32],
                datetime!(2026-01-01 0:00 UTC),
            )])
            .unwrap()
        };
        let root = vec![keys(7).file_root().to_vec()];
        let signed = signed_file(&pdf).unwrap();
        let subject = verify(&signed.cms, &signed.digest, &root).unwrap();
        assert!(subject.contains("Guichet"), "{subject}");
        assert_eq!(
            verify(&signed.cms, &signed.digest, &[keys(8).file_root().to_vec()]),
            Err(FileSignatureError::Untrusted),
            "another service's root vouches for nothing here"
        );
        // Deterministic: the same application signs to the same file.
        assert_eq!(drawn(&app, serde_json::json!({"convictions": []})).0, pdf);
        let value = {
            let at = pdf.windows(10).position(|w| w == b"/Contents<").unwrap() + 9;
            at..at + pdf[at..].iter().position(|b| *b == b'>').unwrap() + 1
        };
        let mut checked = 0;
        for i in (0..pdf.len()).step_by(61) {
            if value.contains(&i) {
                continue;
            }
            let mut changed = pdf.clone();
            changed[i] ^= 0x01;
            let outcome = signed_file(&changed)
                .map_err(|e| e.to_string())
                .and_then(|s| verify(&s.cms, &s.digest, &root).map_err(|e| e.to_string()));
            assert!(outcome.is_err(), "byte {i} changed went unnoticed");
            checked += 1;
        }
        assert!(checked > 200);
        let mut appended = pdf.clone();
        appended.extend_from_slice(b"\n% an update\n");
        assert_eq!(signed_file(&appended), Err(Unsigned::Partial));
    }

    /// The extract embeds its fonts cut to what it prints: a one-page document a 3G phone
    /// downloads in seconds (the whole DejaVu Sans and Bold would make it ~750 KB), every
    /// character of it still in the fonts (pdftotext reads it back in the API tests).
    #[test]
    fn an_extract_embeds_only_the_glyphs_it_prints() {
        let app = guichet_core::domain::Application::example();
        let (pdf, text) = drawn(&app, serde_json::json!({"convictions": []}));
        println!("one extract: {} bytes", pdf.len());
        assert!(pdf.len() < 60_000, "{} bytes", pdf.len());
        for expected in ["RÉPUBLIQUE DU MALI", "Traoré", "Keïta", "NÉANT", "délivré"] {
            assert!(text.contains(expected), "{expected:?} not in {text:?}");
        }
    }

    /// The extract's convictions, each with its date, court, offence and sentence, from the
    /// template's list; "NÉANT" only when there is none.
    #[test]
    fn an_extract_lists_its_convictions() {
        let app = guichet_core::domain::Application::example();
        let (pdf, text) = drawn(
            &app,
            serde_json::json!({"convictions": [
                {"date": "2019-03-14", "court": "TGI de Kati", "offence": "Escroquerie", "sentence": "Un an avec sursis"},
                {"date": "2021-08-01", "court": "TGI de Ségou", "offence": "Vol", "sentence": "Six mois"}
            ]}),
        );
        if let Ok(path) = std::env::var("GUICHET_PDF_OUT") {
            std::fs::write(path, &pdf).unwrap();
        }
        for expected in [
            "1. 14 mars 2019 — TGI de Kati",
            "Infraction : Escroquerie",
            "Peine : Un an avec sursis",
            "2. 1er août 2021 — TGI de Ségou",
            "Le Greffier en chef",
            "Bulletin n°3",
            "Textes applicables : Code de procédure pénale, dispositions relatives au casier judiciaire",
        ] {
            assert!(text.contains(expected), "{expected:?} not in {text:?}");
        }
        assert!(!text.contains("NÉANT"));
    }

    /// Convictions at the catalogue's limit, each field at its longest, flow onto continuation
    /// pages: no entry split, every page numbered, the seal and the signatory on the last.
    #[test]
    fn a_long_record_continues_on_further_pages() {
        use guichet_core::domain::ExtractRecord;
        let app = guichet_core::domain::Application::example();
        let long = |word: &str, max: usize| {
            let mut s = String::new();
            while s.chars().count() + word.len() < max {
                s.push_str(word);
                s.push(' ');
            }
            s.trim_end().to_owned()
        };
        let convictions: Vec<serde_json::Value> = (0..ExtractRecord::MAX_CONVICTIONS)
            .map(|i| {
                serde_json::json!({"date": "2019-03-14", "court": long("Tribunal", 120),
                "offence": format!("Infraction n° {} {}", i + 1, long("détournement", 180)),
                "sentence": long("emprisonnement", 200)})
            })
            .collect();
        let (pdf, text) = drawn(&app, serde_json::json!({ "convictions": convictions }));
        if let Ok(path) = std::env::var("GUICHET_LONG_PDF_OUT") {
            std::fs::write(path, &pdf).unwrap();
        }
        let parsed = printpdf::PdfDocument::parse(
            &pdf,
            &printpdf::PdfParseOptions::default(),
            &mut Vec::new(),
        )
        .unwrap();
        let pages = parsed.pages.len();
        println!(
            "{} convictions at their longest: {pages} pages, {} bytes",
            convictions.len(),
            pdf.len()
        );
        assert!((2..=4).contains(&pages), "{pages} pages");
        for expected in [
            format!("Infraction n° {}", ExtractRecord::MAX_CONVICTIONS),
            format!("page {pages}/{pages}"),
            "(suite)".to_owned(),
            "Le Greffier en chef".to_owned(),
        ] {
            assert!(text.contains(&expected), "{expected:?} not in {text:?}");
        }
        // The code on the first page and on the last, with the signature.
        assert_eq!(text.matches("Document délivré électroniquement").count(), 2);
    }

    /// The certificate comes from its template: the legal basis in words, the Malian parent,
    /// the signatory's title, no expiry.
    #[test]
    fn a_nationality_certificate_prints_its_basis_and_parent() {
        use guichet_core::domain::DocumentKind;
        let mut app = guichet_core::domain::Application::example();
        app.kind = DocumentKind::NATIONALITY_CERTIFICATE;
        app.details = serde_json::json!({"basis": "born_in_mali_to_malian_parent", "parent": {
            "surname": "Traoré", "given_names": "Sékou", "birth_date": "1961-03-09",
            "birth_place": "Ségou", "relationship": "father"}});
        let kind = guichet_core::catalogue::Catalogue::default_catalogue();
        let kind = kind.kind(app.kind).unwrap();
        let content = |basis: &str| {
            let mut errors = guichet_core::domain::FieldErrors::default();
            kind.content(
                Some(&serde_json::json!({ "basis": basis })),
                &app,
                app.created_at.date(),
                &mut errors,
            )
            .unwrap_or_else(|| panic!("{errors:?}"))
        };
        // Corrected to marriage by the clerk: the certificate names no parent.
        let (_, married) = drawn(&app, content("marriage"));
        assert!(married.contains("par le mariage"), "{married}");
        assert!(!married.contains("Parent malien"), "{married}");
        let (pdf, text) = drawn(&app, content("born_in_mali_to_malian_parent"));
        println!("one certificate: {} bytes", pdf.len());
        if let Ok(path) = std::env::var("GUICHET_CERTIFICATE_PDF_OUT") {
            std::fs::write(path, &pdf).unwrap();
        }
        for expected in [
            "CERTIFICAT DE NATIONALITÉ MALIENNE",
            "EST DE NATIONALITÉ MALIENNE",
            "par filiation",
            "Sékou Traoré, père",
            "9 mars 1961 à Ségou",
            "Le Président du Tribunal",
            "sans limitation de durée",
            "Code des personnes et de la famille",
            "Keïta",
            "CN-2026-000123-",
        ] {
            assert!(text.contains(expected), "{expected:?} not in {text:?}");
        }
        assert!(pdf.len() < 60_000, "{} bytes", pdf.len());
    }

    #[test]
    fn dates_read_as_in_french() {
        assert_eq!(french_date(date!(2026 - 08 - 01)), "1er août 2026");
        assert_eq!(french_date(date!(2026 - 12 - 25)), "25 décembre 2026");
    }
}
