//! A small page writer over printpdf's operations: text at a position, wrapped paragraphs, rules,
//! filled boxes. Coordinates are millimetres from the top-left corner, as a designer measures.

use super::{Fonts, subset};
use printpdf::{
    Color, CurTransMat, FontId, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFont,
    PdfFontHandle, Point, Pt, Rect, Rgb, TextItem,
};
use std::collections::BTreeSet;

pub const A4_WIDTH: f32 = 210.0;
pub const A4_HEIGHT: f32 = 297.0;

pub struct Page {
    pub ops: Vec<Op>,
    /// Where the holder's photo goes on this page, if the template put it here: x, y from the
    /// top, width, height (mm).
    pub portrait: Option<(f32, f32, f32, f32)>,
    /// The characters printed in each weight: the fonts are cut to them when the page is done.
    used: [BTreeSet<char>; 2],
}

#[derive(Clone, Copy)]
pub enum Weight {
    Regular,
    Bold,
}

impl Weight {
    const ALL: [Weight; 2] = [Weight::Regular, Weight::Bold];

    fn index(self) -> usize {
        match self {
            Weight::Regular => 0,
            Weight::Bold => 1,
        }
    }

    /// The font's name in the PDF's resources; fixed, so the file depends only on its content.
    fn font_id(self) -> FontId {
        FontId(
            match self {
                Weight::Regular => "F1",
                Weight::Bold => "F2",
            }
            .to_owned(),
        )
    }
}

/// DejaVu Sans averages about 0.55 em per character in French text; used to wrap and centre.
const AVERAGE_ADVANCE_EM: f32 = 0.55;
const PT_PER_MM: f32 = 72.0 / 25.4;

impl Page {
    pub fn new() -> Self {
        Page {
            ops: Vec::new(),
            portrait: None,
            used: Default::default(),
        }
    }

    /// Adds to `doc` each weight's font cut to what the pages printed, and hands back each
    /// page's operations.
    pub fn finish(
        pages: Vec<Page>,
        doc: &mut PdfDocument,
        fonts: &Fonts,
    ) -> Result<Vec<Vec<Op>>, String> {
        for weight in Weight::ALL {
            let used: BTreeSet<char> = pages
                .iter()
                .flat_map(|p| p.used[weight.index()].iter().copied())
                .collect();
            if used.is_empty() {
                continue;
            }
            let (font, source) = fonts.of(weight);
            let cut = subset::cut(source, font, &used)?;
            doc.resources
                .fonts
                .map
                .insert(weight.font_id(), PdfFont::new(cut));
        }
        Ok(pages.into_iter().map(|p| p.ops).collect())
    }

    fn point(x: f32, y_from_top: f32) -> Point {
        Point::new(Mm(x), Mm(A4_HEIGHT - y_from_top))
    }

    pub fn text(&mut self, x: f32, y: f32, size: f32, weight: Weight, text: &str) {
        self.used[weight.index()].extend(text.chars());
        let font = weight.font_id();
        // Text is in the page's initial fill colour, black: the one thing drawn in another
        // state (the seal) saves and restores it.
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(font),
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: Self::point(x, y),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_owned())],
            },
            Op::EndTextSection,
        ]);
    }

    /// `text` centred on the page.
    pub fn centred(&mut self, y: f32, size: f32, weight: Weight, text: &str) {
        self.centred_on(A4_WIDTH / 2.0, y, size, weight, text);
    }

    /// `text` centred on `centre` (millimetres from the left edge), never past the page's 10 mm
    /// edge.
    pub fn centred_on(&mut self, centre: f32, y: f32, size: f32, weight: Weight, text: &str) {
        let width = width_mm(text, size, weight);
        self.text((centre - width / 2.0).max(10.0), y, size, weight, text);
    }

    /// Writes `text` wrapped to `width` millimetres; returns the y below the last line.
    pub fn paragraph(
        &mut self,
        x: f32,
        y: f32,
        width: f32,
        size: f32,
        weight: Weight,
        text: &str,
    ) -> f32 {
        self.write(x, y, &Wrapped::new(text, width, size, weight))
    }

    /// Writes lines wrapped before; returns the y below the last one.
    pub fn write(&mut self, x: f32, y: f32, w: &Wrapped) -> f32 {
        let mut y = y;
        for line in &w.lines {
            self.text(x, y, w.size, w.weight, line);
            y += w.line_height();
        }
        y
    }

    pub fn rule(&mut self, x1: f32, x2: f32, y: f32, thickness_pt: f32) {
        self.stroke(&[(x1, y), (x2, y)], false, thickness_pt);
    }

    /// A rectangle's outline, `x`,`y` its top-left corner.
    pub fn outline(&mut self, x: f32, y: f32, width: f32, height: f32, thickness_pt: f32) {
        let corners = [
            (x, y),
            (x + width, y),
            (x + width, y + height),
            (x, y + height),
        ];
        self.stroke(&corners, true, thickness_pt);
    }

    /// A black line through `points` (closed back to the first when `closed`).
    fn stroke(&mut self, points: &[(f32, f32)], closed: bool, thickness_pt: f32) {
        self.ops.extend([
            Op::SetOutlineColor { col: black() },
            Op::SetOutlineThickness {
                pt: Pt(thickness_pt),
            },
            Op::DrawLine {
                line: Line {
                    points: points
                        .iter()
                        .map(|&(x, y)| LinePoint {
                            p: Self::point(x, y),
                            bezier: false,
                        })
                        .collect(),
                    is_closed: closed,
                },
            },
        ]);
    }

    /// Dark cells of a grid (a QR code's modules), each `(column, row, length)` a run along a
    /// row, the grid's top-left corner at (`x`, `y`) and its cells `cell` millimetres wide. The
    /// runs are drawn in cell units under one transformation, so each is four small integers in
    /// the file instead of four decimals: a third of the content stream, and of its compression
    /// time. Readers of the seal (`guichet verify`'s scanner) apply the transformation.
    pub fn cell_runs(&mut self, x: f32, y: f32, cell: f32, runs: &[(usize, usize, usize)]) {
        let origin = Self::point(x, y);
        let side = Pt::from(Mm(cell)).0;
        self.ops.extend([
            Op::SaveGraphicsState,
            Op::SetTransformationMatrix {
                matrix: CurTransMat::Raw([side, 0.0, 0.0, -side, origin.x.0, origin.y.0]),
            },
            Op::SetFillColor { col: black() },
        ]);
        self.ops
            .extend(runs.iter().map(|&(column, row, length)| Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(column as f32),
                    y: Pt(row as f32),
                    width: Pt(length as f32),
                    height: Pt(1.0),
                    mode: Some(PaintMode::Fill),
                    winding_order: None,
                },
            }));
        self.ops.push(Op::RestoreGraphicsState);
    }
}

fn black() -> Color {
    Color::Rgb(Rgb {
        r: 0.0,
        g: 0.0,
        b: 0.0,
        icc_profile: None,
    })
}

/// Text wrapped to a width once, so that what it needs (to decide a page break) and what is
/// written are the same lines, measured once.
pub struct Wrapped {
    lines: Vec<String>,
    size: f32,
    weight: Weight,
}

impl Wrapped {
    pub fn new(text: &str, width_mm: f32, size: f32, weight: Weight) -> Wrapped {
        Wrapped {
            lines: wrap(text, width_mm, size, weight),
            size,
            weight,
        }
    }

    fn line_height(&self) -> f32 {
        self.size / PT_PER_MM * 1.35
    }

    /// The height the lines take.
    pub fn height(&self) -> f32 {
        self.lines.len() as f32 * self.line_height()
    }
}

/// How wide `text` prints, by the font's own advances; by an average advance should the fonts
/// not load (the renderer then refuses to start, so only a test sees it).
pub fn width_mm(text: &str, size_pt: f32, weight: Weight) -> f32 {
    match super::fonts() {
        Ok(fonts) => fonts.width_mm(weight, text, size_pt),
        Err(_) => text.chars().count() as f32 * size_pt * AVERAGE_ADVANCE_EM / PT_PER_MM,
    }
}

/// Greedy word wrap on the printed width; a word longer than a line gets a line of its own.
pub fn wrap(text: &str, width_mm: f32, size_pt: f32, weight: Weight) -> Vec<String> {
    // French sets a space before : ; ! ? and inside « »: such a mark stays with its word.
    let mut words: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match words.last_mut() {
            Some(last) if matches!(word, ":" | ";" | "!" | "?" | "»") => {
                last.push(' ');
                last.push_str(word);
            }
            _ => words.push(word.to_owned()),
        }
    }
    let space = self::width_mm(" ", size_pt, weight);
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut current_width = 0.0;
    for word in &words {
        // Advances add up: a line's width is its words' and spaces' (no kerning is applied).
        let width = self::width_mm(word, size_pt, weight);
        if current.is_empty() {
            current.push_str(word);
            current_width = width;
        } else if current_width + space + width > width_mm {
            lines.push(std::mem::replace(&mut current, word.clone()));
            current_width = width;
        } else {
            current.push(' ');
            current.push_str(word);
            current_width += space + width;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_in_order() {
        let text = "Vol qualifié avec circonstances aggravantes commis en réunion la nuit";
        let lines = wrap(text, 40.0, 10.0, Weight::Regular);
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), text);
        for line in &lines {
            assert!(
                width_mm(line, 10.0, Weight::Regular) <= 40.0 || !line.contains(' '),
                "{line}"
            );
        }
        assert!(wrap("", 40.0, 10.0, Weight::Regular).is_empty());
        // Room for the words but not the colon: the colon does not go to a line of its own.
        let room = width_mm("ses capacités sont les suivantes", 10.0, Weight::Regular) + 0.5;
        let colon = wrap(
            "ses capacités sont les suivantes :",
            room,
            10.0,
            Weight::Regular,
        );
        assert!(colon.last().unwrap().ends_with("suivantes :"), "{colon:?}");
        // Bold is wider than regular: the same text takes at least as many lines.
        assert!(wrap(text, 40.0, 10.0, Weight::Bold).len() >= lines.len());
    }
}
