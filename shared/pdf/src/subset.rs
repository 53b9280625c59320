//! Each document embeds its fonts cut to the characters it prints (about 20 KB instead of 700 KB
//! for DejaVu Sans), so the PDF stays small on a 3G connection. printpdf subsets only with its
//! `text_layout` feature, which brings a whole text-shaping engine we do not use (docs/stack.md);
//! allsorts, already under printpdf, does the cut.

use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile, subset};
use printpdf::ParsedFont;
use std::collections::BTreeSet;

/// `font` (parsed from `bytes`) cut to the glyphs of `chars`, with a Unicode cmap of its own so
/// printpdf maps text to the cut font's glyphs. A character the font lacks prints as the missing
/// glyph, as it would with the whole font.
pub(crate) fn cut(
    font: &ParsedFont,
    bytes: &[u8],
    chars: &BTreeSet<char>,
) -> Result<ParsedFont, String> {
    // Glyph 0 (.notdef) first and no repeats: allsorts requires both.
    let mut glyphs: Vec<u16> = chars
        .iter()
        .filter_map(|c| font.lookup_glyph_index(u32::from(*c)))
        .filter(|g| *g != 0)
        .collect();
    glyphs.sort_unstable();
    glyphs.dedup();
    glyphs.insert(0, 0);
    let data = ReadScope::new(bytes)
        .read::<FontData<'_>>()
        .map_err(|e| format!("font: {e}"))?;
    let provider = data
        .table_provider(0)
        .map_err(|e| format!("font tables: {e}"))?;
    let cut = subset(&provider, &glyphs, &SubsetProfile::Pdf, CmapTarget::Unicode)
        .map_err(|e| format!("subsetting: {e}"))?;
    let cut = super::slim::slim(&cut).unwrap_or(cut);
    ParsedFont::from_bytes(&cut, 0, &mut Vec::new())
        .ok_or_else(|| "the subset font does not parse".to_owned())
}
