//! What a PDF reader needs of an embedded TrueType font, and nothing more. The subset keeps the
//! font's `name` table (15 KB of copyright and naming strings in many languages, as much as the
//! glyphs) and its hinting (the `fpgm`, `prep` and `cvt ` programs and each glyph's
//! instructions), which PDF readers do not run: pdf.js, Chrome, macOS and poppler rasterise
//! outlines unhinted. Both go: the names become the few a font must have (copyright, family,
//! style, full name, PostScript name), the instructions are cut from every glyph.

/// Tables a PDF's CIDFontType2 needs (ISO 32000 9.9: glyf, head, hhea, hmtx, loca, maxp; cmap and
/// post kept for readers that look for them).
const KEEP: [&[u8; 4]; 8] = [
    b"cmap", b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp", b"post",
];

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}

fn tables(font: &[u8]) -> Option<Vec<([u8; 4], &[u8])>> {
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

/// One glyph without its instructions.
fn unhinted(glyph: &[u8]) -> Option<Vec<u8>> {
    if glyph.is_empty() {
        return Some(Vec::new());
    }
    let contours = u16_at(glyph, 0)? as i16;
    if contours >= 0 {
        let ends = 10 + 2 * contours as usize;
        let instructions = usize::from(u16_at(glyph, ends)?);
        let mut out = glyph.get(..ends)?.to_vec();
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(glyph.get(ends + 2 + instructions..)?);
        return Some(out);
    }
    // A composite: its components, then instructions if the last says so.
    const ARGS_ARE_WORDS: u16 = 0x0001;
    const SCALE: u16 = 0x0008;
    const MORE: u16 = 0x0020;
    const XY_SCALE: u16 = 0x0040;
    const TWO_BY_TWO: u16 = 0x0080;
    const INSTRUCTIONS: u16 = 0x0100;
    let mut out = glyph.get(..10)?.to_vec();
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
        let mut component = glyph.get(at..at + len)?.to_vec();
        let cleared = flags & !INSTRUCTIONS;
        component[..2].copy_from_slice(&cleared.to_be_bytes());
        out.extend_from_slice(&component);
        at += len;
        if flags & MORE == 0 {
            return Some(out);
        }
    }
}

/// The glyphs without instructions, and a long-format `loca` to find them.
fn unhinted_glyphs(glyf: &[u8], loca: &[u8], long: bool) -> Option<(Vec<u8>, Vec<u8>)> {
    let offsets: Vec<usize> = if long {
        loca.chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
            .collect()
    } else {
        loca.chunks_exact(2)
            .map(|c| usize::from(u16::from_be_bytes([c[0], c[1]])) * 2)
            .collect()
    };
    let mut new_glyf = Vec::with_capacity(glyf.len());
    let mut new_loca = Vec::with_capacity(offsets.len() * 4);
    for pair in offsets.windows(2) {
        new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).ok()?.to_be_bytes());
        let glyph = unhinted(glyf.get(pair[0]..pair[1])?)?;
        new_glyf.extend_from_slice(&glyph);
        while new_glyf.len() % 4 != 0 {
            new_glyf.push(0);
        }
    }
    new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).ok()?.to_be_bytes());
    Some((new_glyf, new_loca))
}

/// A `name` table with one English (Windows, Unicode BMP) record for each of the names a font
/// must carry, copied from the font's own.
fn minimal_names(name: &[u8]) -> Option<Vec<u8>> {
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

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, c| {
        let mut word = [0u8; 4];
        word[..c.len()].copy_from_slice(c);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// The font with only what a PDF reader uses; `None` when it does not read as a TrueType font
/// (the caller then embeds it as it was).
pub(crate) fn slim(font: &[u8]) -> Option<Vec<u8>> {
    let all = tables(font)?;
    let get = |tag: &[u8; 4]| all.iter().find(|(t, _)| t == tag).map(|(_, d)| *d);
    let mut head = get(b"head")?.to_vec();
    let long = u16_at(&head, 50)? == 1;
    let (glyf, loca) = unhinted_glyphs(get(b"glyf")?, get(b"loca")?, long)?;
    // indexToLocFormat: long offsets now; checkSumAdjustment is set once the file is laid out.
    head.get_mut(50..52)?.copy_from_slice(&1u16.to_be_bytes());
    head.get_mut(8..12)?.copy_from_slice(&[0; 4]);
    let mut out_tables: Vec<([u8; 4], Vec<u8>)> = Vec::new();
    for (tag, data) in &all {
        let data = match tag {
            b"glyf" => glyf.clone(),
            b"loca" => loca.clone(),
            b"head" => head.clone(),
            b"name" => minimal_names(data)?,
            t if KEEP.contains(&t) => data.to_vec(),
            _ => continue,
        };
        out_tables.push((*tag, data));
    }
    out_tables.sort_by_key(|t| t.0);
    let n = u16::try_from(out_tables.len()).ok()?;
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
    let mut offset = 12 + 16 * out_tables.len();
    let mut head_at = None;
    for (tag, data) in &out_tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&u32::try_from(offset).ok()?.to_be_bytes());
        out.extend_from_slice(&u32::try_from(data.len()).ok()?.to_be_bytes());
        if tag == b"head" {
            head_at = Some(offset);
        }
        offset += data.len().div_ceil(4) * 4;
    }
    for (_, data) in &out_tables {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slim_font_keeps_every_glyph_outline_and_loses_the_rest() {
        let font = include_bytes!("../fonts/DejaVuSans.ttf");
        let slim = slim(font).unwrap();
        println!(
            "DejaVu Sans: {} bytes, slim {} bytes",
            font.len(),
            slim.len()
        );
        assert!(slim.len() < font.len() * 4 / 5);
        let names: Vec<[u8; 4]> = tables(&slim).unwrap().iter().map(|(t, _)| *t).collect();
        assert!(!names.contains(b"fpgm") && !names.contains(b"GSUB"));
        assert!(names.contains(b"glyf") && names.contains(b"name"));
        let parsed = printpdf::ParsedFont::from_bytes(&slim, 0, &mut Vec::new()).unwrap();
        let original = printpdf::ParsedFont::from_bytes(font, 0, &mut Vec::new()).unwrap();
        for c in "AÉéïçœ€'«»0".chars() {
            assert_eq!(
                parsed.lookup_glyph_index(u32::from(c)),
                original.lookup_glyph_index(u32::from(c)),
                "{c}"
            );
        }
        assert_eq!(
            checksum(&slim),
            0xB1B0_AFBA,
            "the whole font sums as the format says"
        );
    }
}
