//! The TrueType file format, as far as cutting a font for a PDF needs it: reading the table
//! directory, a glyph's components, a glyph without its hinting, the few names a font must carry,
//! and laying tables out as a font file. PDF readers rasterise outlines unhinted (pdf.js, Chrome,
//! macOS, poppler), so the instructions (`fpgm`, `prep`, `cvt ` and each glyph's) are left out,
//! and the `name` table (15 KB of strings in many languages in DejaVu Sans) keeps five names.

pub(crate) fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

pub(crate) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}

pub(crate) fn tables(font: &[u8]) -> Option<Vec<([u8; 4], &[u8])>> {
    let n = usize::from(u16_at(font, 4)?);
    (0..n)
        .map(|i| {
            let rec = 12 + 16 * i;
            let tag: [u8; 4] = font.get(rec..rec + 4)?.try_into().ok()?;
            let off = u32_at(font, rec + 8)? as usize;
            let len = u32_at(font, rec + 12)? as usize;
            Some((tag, font.get(off..off + len)?))
        })
        .collect()
}

const ARGS_ARE_WORDS: u16 = 0x0001;
const SCALE: u16 = 0x0008;
const MORE: u16 = 0x0020;
const XY_SCALE: u16 = 0x0040;
const TWO_BY_TWO: u16 = 0x0080;
const INSTRUCTIONS: u16 = 0x0100;

/// A composite glyph's components: where each record starts and how long it is.
fn component_records(glyph: &[u8]) -> Option<Vec<(usize, usize)>> {
    let mut records = Vec::new();
    let mut at = 10;
    loop {
        let flags = u16_at(glyph, at)?;
        let mut len = 4 + if flags & ARGS_ARE_WORDS != 0 { 4 } else { 2 };
        len += if flags & SCALE != 0 {
            2
        } else if flags & XY_SCALE != 0 {
            4
        } else if flags & TWO_BY_TWO != 0 {
            8
        } else {
            0
        };
        glyph.get(at..at + len)?;
        records.push((at, len));
        at += len;
        if flags & MORE == 0 || records.len() > 64 {
            return Some(records);
        }
    }
}

fn is_composite(glyph: &[u8]) -> bool {
    glyph.len() >= 10 && (glyph[0] & 0x80) != 0
}

/// The glyphs a composite glyph (an accented letter: the letter and its accent) is made of.
pub(crate) fn components(glyph: &[u8]) -> Option<Vec<u16>> {
    if !is_composite(glyph) {
        return Some(Vec::new());
    }
    component_records(glyph)?
        .into_iter()
        .map(|(at, _)| u16_at(glyph, at + 2))
        .collect()
}

/// One glyph without its instructions, a composite's components renumbered by `new_id`.
pub(crate) fn unhinted(glyph: &[u8], new_id: impl Fn(u16) -> Option<u16>) -> Option<Vec<u8>> {
    if glyph.is_empty() {
        return Some(Vec::new());
    }
    if !is_composite(glyph) {
        let contours = usize::from(u16_at(glyph, 0)?);
        let ends = 10 + 2 * contours;
        let instructions = usize::from(u16_at(glyph, ends)?);
        let mut out = glyph.get(..ends)?.to_vec();
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(glyph.get(ends + 2 + instructions..)?);
        return Some(out);
    }
    let mut out = glyph.get(..10)?.to_vec();
    for (at, len) in component_records(glyph)? {
        let mut component = glyph.get(at..at + len)?.to_vec();
        let flags = u16_at(&component, 0)? & !INSTRUCTIONS;
        component[..2].copy_from_slice(&flags.to_be_bytes());
        let id = new_id(u16_at(&component, 2)?)?;
        component[2..4].copy_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&component);
    }
    Some(out)
}

/// A `name` table with one English (Windows, Unicode BMP) record for each of the names a font
/// must carry, copied from the font's own.
pub(crate) fn minimal_names(name: &[u8]) -> Option<Vec<u8>> {
    let count = usize::from(u16_at(name, 2)?);
    let strings = usize::from(u16_at(name, 4)?);
    let mut kept: Vec<(u16, Vec<u8>)> = Vec::new();
    for id in [0u16, 1, 2, 4, 6] {
        let found = (0..count).find_map(|i| {
            let r = 6 + 12 * i;
            let (platform, encoding, language, name_id) = (
                u16_at(name, r)?,
                u16_at(name, r + 2)?,
                u16_at(name, r + 4)?,
                u16_at(name, r + 6)?,
            );
            if (platform, encoding, language, name_id) != (3, 1, 0x409, id) {
                return None;
            }
            let len = usize::from(u16_at(name, r + 8)?);
            let off = usize::from(u16_at(name, r + 10)?);
            name.get(strings + off..strings + off + len)
                .map(<[u8]>::to_vec)
        });
        if let Some(s) = found {
            kept.push((id, s));
        }
    }
    let mut out = Vec::new();
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&u16::try_from(kept.len()).ok()?.to_be_bytes());
    out.extend_from_slice(&u16::try_from(6 + 12 * kept.len()).ok()?.to_be_bytes());
    let mut offset = 0usize;
    for (id, s) in &kept {
        for v in [
            3u16,
            1,
            0x409,
            *id,
            u16::try_from(s.len()).ok()?,
            u16::try_from(offset).ok()?,
        ] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        offset += s.len();
    }
    for (_, s) in &kept {
        out.extend_from_slice(s);
    }
    Some(out)
}

pub(crate) fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, c| {
        let mut word = [0u8; 4];
        word[..c.len()].copy_from_slice(c);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// A font file of these tables (their tags sorted, each padded to four bytes, the directory's
/// checksums and the `head` table's `checkSumAdjustment` set).
pub(crate) fn assemble(mut tables: Vec<([u8; 4], Vec<u8>)>) -> Option<Vec<u8>> {
    tables.sort_by_key(|t| t.0);
    let n = u16::try_from(tables.len()).ok()?;
    let mut entry_selector = 0u16;
    while (1u16 << (entry_selector + 1)) <= n {
        entry_selector += 1;
    }
    let search_range = (1u16 << entry_selector) * 16;
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    for v in [n, search_range, entry_selector, n * 16 - search_range] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in &mut tables {
        if tag == b"head" {
            data.get_mut(8..12)?.copy_from_slice(&[0; 4]);
            head_at = Some(offset);
        }
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&u32::try_from(offset).ok()?.to_be_bytes());
        out.extend_from_slice(&u32::try_from(data.len()).ok()?.to_be_bytes());
        offset += data.len().div_ceil(4) * 4;
    }
    for (_, data) in &tables {
        out.extend_from_slice(data);
        while out.len() % 4 != 0 {
            out.push(0);
        }
    }
    let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
    let at = head_at? + 8;
    out.get_mut(at..at + 4)?
        .copy_from_slice(&adjustment.to_be_bytes());
    Some(out)
}
