//! Each document embeds its fonts cut to the characters it prints (a few KB instead of the
//! 700 KB of DejaVu Sans), so the PDF stays small on a 3G connection. What the cut needs of a
//! font (its glyph offsets, metrics, the names it must keep) is read once per process
//! (`Source`); a document's cut then copies only its glyphs: the characters', and the pieces of
//! the composite ones (an accented letter is its letter and its accent). Glyphs are renumbered
//! in the original order from 1 (0 stays the missing glyph), with a Unicode cmap of the cut
//! font's own so printpdf maps text to them. A character the font lacks prints as the missing
//! glyph, as it would with the whole font. allsorts' subsetter did this before, parsing the
//! whole font each time: a quarter of an issue's time (docs/stack.md, guichet-pdf).

use super::sfnt::{self, u16_at, u32_at};
use printpdf::ParsedFont;
use std::collections::{BTreeMap, BTreeSet};

/// A font as the cut reads it, prepared once per process.
pub(crate) struct Source {
    glyf: &'static [u8],
    /// Where each glyph starts in `glyf`, and where the last ends.
    offsets: Vec<usize>,
    hmtx: &'static [u8],
    long_metrics: usize,
    head: Vec<u8>,
    hhea: Vec<u8>,
    maxp: Vec<u8>,
    post: Vec<u8>,
    name: Vec<u8>,
}

impl Source {
    pub(crate) fn read(font: &'static [u8]) -> Result<Source, String> {
        let all = sfnt::tables(font).ok_or("the font's table directory does not read")?;
        let get = |tag: &[u8; 4]| {
            all.iter()
                .find(|(t, _)| t == tag)
                .map(|(_, d)| *d)
                .ok_or_else(|| format!("the font has no {} table", String::from_utf8_lossy(tag)))
        };
        let head = get(b"head")?;
        let hhea = get(b"hhea")?;
        let maxp = get(b"maxp")?;
        let loca = get(b"loca")?;
        let glyphs = usize::from(u16_at(maxp, 4).ok_or("maxp")?);
        let long = u16_at(head, 50).ok_or("head")? == 1;
        let offsets = (0..=glyphs)
            .map(|g| {
                if long {
                    u32_at(loca, 4 * g).map(|o| o as usize)
                } else {
                    u16_at(loca, 2 * g).map(|o| usize::from(o) * 2)
                }
            })
            .collect::<Option<Vec<_>>>()
            .ok_or("loca is shorter than maxp says")?;
        let glyf = get(b"glyf")?;
        if offsets.windows(2).any(|w| w[0] > w[1]) || offsets[glyphs] > glyf.len() {
            return Err("loca points outside glyf".into());
        }
        let hmtx = get(b"hmtx")?;
        let long_metrics = usize::from(u16_at(hhea, 34).ok_or("hhea")?);
        if long_metrics == 0
            || hmtx.len() < 4 * long_metrics + 2 * (glyphs - long_metrics.min(glyphs))
        {
            return Err("hmtx is shorter than hhea says".into());
        }
        // Version 3: no glyph names (the cut renumbers the glyphs; PDF readers do not read
        // names in an embedded TrueType font).
        let mut post = get(b"post")?.get(..32).ok_or("post")?.to_vec();
        post[..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
        Ok(Source {
            glyf,
            offsets,
            hmtx,
            long_metrics,
            head: head.to_vec(),
            hhea: hhea.to_vec(),
            maxp: maxp.to_vec(),
            post,
            name: sfnt::minimal_names(get(b"name")?).ok_or("name")?,
        })
    }

    /// Font units per em (`head`), which advance widths count in.
    pub(crate) fn units_per_em(&self) -> f32 {
        f32::from(u16_at(&self.head, 18).filter(|u| *u > 0).unwrap_or(2048))
    }

    /// A glyph's advance width in font units (0 for a glyph the font does not have).
    pub(crate) fn advance(&self, id: u16) -> u16 {
        self.metric(id)
            .map(|m| u16::from_be_bytes([m[0], m[1]]))
            .unwrap_or(0)
    }

    fn glyph(&self, id: u16) -> Option<&'static [u8]> {
        let g = usize::from(id);
        self.glyf
            .get(*self.offsets.get(g)?..*self.offsets.get(g + 1)?)
    }

    /// The glyph's advance width and left side bearing, as `hmtx` stores them.
    fn metric(&self, id: u16) -> Option<[u8; 4]> {
        let g = usize::from(id);
        let at = if g < self.long_metrics {
            4 * g
        } else {
            4 * (self.long_metrics - 1)
        };
        let mut m: [u8; 4] = self.hmtx.get(at..at + 4)?.try_into().ok()?;
        if g >= self.long_metrics {
            let lsb = 4 * self.long_metrics + 2 * (g - self.long_metrics);
            m[2..].copy_from_slice(self.hmtx.get(lsb..lsb + 2)?);
        }
        Some(m)
    }
}

/// `font` (parsed from `source`'s file) cut to the glyphs of `chars`.
pub(crate) fn cut(
    source: &Source,
    font: &ParsedFont,
    chars: &BTreeSet<char>,
) -> Result<ParsedFont, String> {
    let bytes = cut_bytes(source, font, chars).ok_or("the font does not cut")?;
    ParsedFont::from_bytes(&bytes, 0, &mut Vec::new())
        .ok_or_else(|| "the cut font does not parse".to_owned())
}

fn cut_bytes(source: &Source, font: &ParsedFont, chars: &BTreeSet<char>) -> Option<Vec<u8>> {
    let mapped: Vec<(char, u16)> = chars
        .iter()
        .filter_map(|c| Some((*c, font.lookup_glyph_index(u32::from(*c))?)))
        .filter(|(_, g)| *g != 0)
        .collect();
    // The glyphs printed, and those the composite ones are made of, at any depth.
    let mut kept: BTreeSet<u16> = BTreeSet::from([0]);
    let mut todo: Vec<u16> = mapped.iter().map(|(_, g)| *g).collect();
    while let Some(g) = todo.pop() {
        if kept.insert(g) {
            todo.extend(sfnt::components(source.glyph(g)?)?);
        }
    }
    let new_id: BTreeMap<u16, u16> = kept
        .iter()
        .enumerate()
        .map(|(new, old)| Some((*old, u16::try_from(new).ok()?)))
        .collect::<Option<_>>()?;
    let count = u16::try_from(kept.len()).ok()?;

    let mut glyf = Vec::new();
    let mut loca = Vec::with_capacity(4 * (kept.len() + 1));
    let mut hmtx = Vec::with_capacity(4 * kept.len());
    for old in &kept {
        loca.extend_from_slice(&u32::try_from(glyf.len()).ok()?.to_be_bytes());
        glyf.extend(sfnt::unhinted(source.glyph(*old)?, |c| {
            new_id.get(&c).copied()
        })?);
        while glyf.len() % 4 != 0 {
            glyf.push(0);
        }
        hmtx.extend_from_slice(&source.metric(*old)?);
    }
    loca.extend_from_slice(&u32::try_from(glyf.len()).ok()?.to_be_bytes());

    let mut head = source.head.clone();
    head.get_mut(50..52)?.copy_from_slice(&1u16.to_be_bytes());
    let mut hhea = source.hhea.clone();
    hhea.get_mut(34..36)?.copy_from_slice(&count.to_be_bytes());
    let mut maxp = source.maxp.clone();
    maxp.get_mut(4..6)?.copy_from_slice(&count.to_be_bytes());
    let cmap = cmap(
        &mapped
            .iter()
            .map(|(c, g)| Some((u32::from(*c), *new_id.get(g)?)))
            .collect::<Option<Vec<_>>>()?,
    )?;
    // What a PDF's CIDFontType2 needs (ISO 32000 9.9: glyf, head, hhea, hmtx, loca, maxp), cmap
    // and post for readers that look for them, and the names a font must carry.
    sfnt::assemble(vec![
        (*b"cmap", cmap),
        (*b"glyf", glyf),
        (*b"head", head),
        (*b"hhea", hhea),
        (*b"hmtx", hmtx),
        (*b"loca", loca),
        (*b"maxp", maxp),
        (*b"name", source.name.clone()),
        (*b"post", source.post.clone()),
    ])
}

/// A Windows Unicode cmap of `(character, glyph)` pairs in character order: format 4 for the
/// Basic Multilingual Plane (every Latin letter), and format 12 beside it when a character lies
/// beyond.
fn cmap(pairs: &[(u32, u16)]) -> Option<Vec<u8>> {
    let bmp: Vec<(u16, u16)> = pairs
        .iter()
        .filter_map(|(c, g)| Some((u16::try_from(*c).ok().filter(|c| *c != 0xFFFF)?, *g)))
        .collect();
    // Runs of consecutive characters on consecutive glyphs share a segment.
    let mut segments: Vec<(u16, u16, u16)> = Vec::new(); // (start, end, first glyph)
    for (c, g) in bmp {
        match segments.last_mut() {
            Some((start, end, first)) if c == *end + 1 && g == first.wrapping_add(c - *start) => {
                *end = c
            }
            _ => segments.push((c, c, g)),
        }
    }
    segments.push((0xFFFF, 0xFFFF, 0));
    let n = u16::try_from(segments.len()).ok()?;
    let mut selector = 0u16;
    while (1u16 << (selector + 1)) <= n {
        selector += 1;
    }
    let range = 2 * (1u16 << selector);
    let mut format4 = Vec::new();
    for v in [4u16, 0, 0, 2 * n, range, selector, 2 * n - range] {
        format4.extend_from_slice(&v.to_be_bytes());
    }
    format4.extend(segments.iter().flat_map(|(_, end, _)| end.to_be_bytes()));
    format4.extend_from_slice(&[0, 0]);
    format4.extend(
        segments
            .iter()
            .flat_map(|(start, _, _)| start.to_be_bytes()),
    );
    format4.extend(segments.iter().flat_map(|(start, end, first)| {
        // The last segment maps 0xFFFF to glyph 0: a delta of 1.
        let delta = if *start == 0xFFFF && *end == 0xFFFF {
            1
        } else {
            first.wrapping_sub(*start)
        };
        delta.to_be_bytes()
    }));
    format4.extend(segments.iter().flat_map(|_| 0u16.to_be_bytes()));
    let length = u16::try_from(format4.len()).ok()?;
    format4[2..4].copy_from_slice(&length.to_be_bytes());

    let wide = pairs.iter().any(|(c, _)| *c > 0xFFFF);
    let mut subtables = vec![(1u16, format4)];
    if wide {
        let mut format12 = Vec::new();
        format12.extend_from_slice(&12u16.to_be_bytes());
        format12.extend_from_slice(&0u16.to_be_bytes());
        let length = u32::try_from(16 + 12 * pairs.len()).ok()?;
        format12.extend_from_slice(&length.to_be_bytes());
        format12.extend_from_slice(&0u32.to_be_bytes());
        format12.extend_from_slice(&u32::try_from(pairs.len()).ok()?.to_be_bytes());
        for (c, g) in pairs {
            for v in [*c, *c, u32::from(*g)] {
                format12.extend_from_slice(&v.to_be_bytes());
            }
        }
        subtables.push((10, format12));
    }
    let mut out = Vec::new();
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&u16::try_from(subtables.len()).ok()?.to_be_bytes());
    let mut offset = 4 + 8 * subtables.len();
    for (encoding, table) in &subtables {
        for v in [3u16, *encoding] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out.extend_from_slice(&u32::try_from(offset).ok()?.to_be_bytes());
        offset += table.len();
    }
    for (_, table) in subtables {
        out.extend(table);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

    /// The cut font maps every character to a glyph of the same width and outline as the whole
    /// font's, accented letters keep their pieces, and the file sums as the format says.
    #[test]
    fn a_cut_font_draws_its_characters_as_the_whole_font_does() {
        let source = Source::read(FONT).unwrap();
        let whole = ParsedFont::from_bytes(FONT, 0, &mut Vec::new()).unwrap();
        let text = "AÉéèêëàçœŒ€'«»0Ñ ĀāŠšŽž—…𝔸";
        let chars: BTreeSet<char> = text.chars().collect();
        let bytes = cut_bytes(&source, &whole, &chars).unwrap();
        println!(
            "DejaVu Sans: {} bytes, cut to {} characters {} bytes",
            FONT.len(),
            chars.len(),
            bytes.len()
        );
        assert!(bytes.len() < 12_000, "{} bytes", bytes.len());
        assert_eq!(sfnt::checksum(&bytes), 0xB1B0_AFBA);
        let cut = ParsedFont::from_bytes(&bytes, 0, &mut Vec::new()).unwrap();
        let cut_source = Source::read(Box::leak(bytes.clone().into_boxed_slice())).unwrap();
        for c in chars {
            let Some(old) = whole.lookup_glyph_index(u32::from(c)).filter(|g| *g != 0) else {
                assert_eq!(cut.lookup_glyph_index(u32::from(c)).unwrap_or(0), 0, "{c}");
                continue;
            };
            let new = cut.lookup_glyph_index(u32::from(c)).unwrap_or(0);
            assert_ne!(new, 0, "{c} has a glyph");
            assert_eq!(
                cut_source.metric(new).map(|m| [m[0], m[1]]),
                source.metric(old).map(|m| [m[0], m[1]]),
                "{c}'s advance"
            );
            let (theirs, ours) = (source.glyph(old).unwrap(), cut_source.glyph(new).unwrap());
            assert_eq!(
                sfnt::components(ours).unwrap().len(),
                sfnt::components(theirs).unwrap().len(),
                "{c}'s pieces"
            );
            if theirs.is_empty() {
                assert!(ours.is_empty(), "{c} draws nothing");
            } else if sfnt::components(theirs).unwrap().is_empty() {
                // A simple glyph: the same outline, less its instructions.
                assert_eq!(ours[..10], theirs[..10], "{c}'s bounding box");
            }
        }
        // Nothing to print: the missing glyph alone, still a font.
        let empty = cut_bytes(&source, &whole, &BTreeSet::new()).unwrap();
        assert!(ParsedFont::from_bytes(&empty, 0, &mut Vec::new()).is_some());
    }
}
