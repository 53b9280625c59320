//! Issued documents as PDF: A4, French, an embedded subset font so every accent prints, and the
//! seal as a vector QR code. One module per document kind; the page tools are shared.

mod extract;
mod page;
mod qr;

pub use extract::{ExtractContent, render_extract};

use printpdf::ParsedFont;

/// The printed width of the seal's QR code, quiet zone included, in millimetres: at version 10
/// (57 modules and 8 of quiet zone) a module is 0.62 mm, which a phone reads from 20 cm.
pub const QR_SIZE_MM: f32 = 40.0;
// A phone camera needs at least 25 mm of code to read it from paper.
const _: () = assert!(QR_SIZE_MM >= 25.0);

const REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// The fonts, parsed once per process (parsing costs about a millisecond each).
pub struct Fonts {
    pub(crate) regular: ParsedFont,
    pub(crate) bold: ParsedFont,
}

impl Fonts {
    pub fn load() -> Result<Self, String> {
        let parse = |bytes: &[u8], name: &str| {
            ParsedFont::from_bytes(bytes, 0, &mut Vec::new())
                .ok_or_else(|| format!("{name} does not parse"))
        };
        Ok(Fonts {
            regular: parse(REGULAR_TTF, "DejaVuSans")?,
            bold: parse(BOLD_TTF, "DejaVuSans-Bold")?,
        })
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

    #[test]
    fn dates_read_as_in_french() {
        assert_eq!(french_date(date!(2026 - 08 - 01)), "1er août 2026");
        assert_eq!(french_date(date!(2026 - 12 - 25)), "25 décembre 2026");
    }
}
