//! Reading a seal's QR code the way a phone does: from the pixels of a photo or a scan, or from
//! the squares an issued PDF draws, rendered to pixels first. What a file says elsewhere (its
//! metadata) is only compared with what the QR code says, never trusted instead of it.
//!
//! Two decoders: rqrr (quick, and exact on clean pictures) and then rxing, the Rust port of
//! ZXing, whose hybrid binariser and finder-pattern search read what rqrr misses: 100–150 dpi
//! scans, JPEG blocks, grey photocopies, a page a few degrees askew. A large picture is read
//! smaller first; then as it is, at half size (a photo's sensor noise averages out) and cut at
//! its mean grey; a PDF's squares are rendered at three resolutions before giving up.

use image::GrayImage;

/// The most pixels a picture may have: a 40-megapixel photo. Reading one holds the grey picture
/// and up to two working copies of it (about 120 MB at this size): a few kilobytes of PNG can
/// claim gigapixels, and the verify route reads pictures from anyone.
pub const MAX_PIXELS: u64 = 40_000_000;

/// Why a picture was not read.
#[derive(Debug)]
pub enum PictureError {
    /// More than `MAX_PIXELS`, or a side over 10,000 pixels: refused before decoding.
    TooLarge,
    /// Not a PNG or JPEG that decodes.
    Unreadable(image::ImageError),
}

impl std::fmt::Display for PictureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PictureError::TooLarge => write!(
                f,
                "the picture has more than {} million pixels",
                MAX_PIXELS / 1_000_000
            ),
            PictureError::Unreadable(e) => write!(f, "the picture cannot be decoded: {e}"),
        }
    }
}

impl std::error::Error for PictureError {}

/// The texts of the QR codes in a picture (PNG or JPEG bytes).
pub fn image_codes(bytes: &[u8]) -> Result<Vec<String>, PictureError> {
    let reader = || {
        let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| PictureError::Unreadable(e.into()))?;
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(10_000);
        limits.max_image_height = Some(10_000);
        limits.max_alloc = Some(512 << 20);
        reader.limits(limits);
        Ok(reader)
    };
    let (w, h) = reader()?.into_dimensions().map_err(|e| match e {
        image::ImageError::Limits(_) => PictureError::TooLarge,
        other => PictureError::Unreadable(other),
    })?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(PictureError::TooLarge);
    }
    let grey = reader()?
        .decode()
        .map_err(|e| match e {
            image::ImageError::Limits(_) => PictureError::TooLarge,
            other => PictureError::Unreadable(other),
        })?
        .into_luma8();
    Ok(picture_codes(&grey))
}

/// The texts of the QR codes a PDF draws as filled rectangles (how Guichet draws its seal).
pub fn pdf_codes(pdf: &[u8]) -> Vec<String> {
    let rects: Vec<Rect> = streams(pdf)
        .iter()
        .flat_map(|s| filled_rectangles(s))
        .collect();
    for scale in [4.0, 2.0, 8.0] {
        let found = render_rectangles(&rects, scale)
            .map(|page| picture_codes(&page))
            .unwrap_or_default();
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

/// A picture's longest side past which it is first read smaller: a 300 dpi scan of a page or a
/// 12-megapixel photo holds its 40 mm code at several pixels per module even at this size, and
/// reading a tenth of the pixels takes a tenth of the time.
const READ_FIRST_AT: u32 = 1600;

/// Tries the picture (first brought down to `READ_FIRST_AT` when larger), as it is, at half size,
/// then cut at its mean grey; each with rqrr, then rxing.
pub fn picture_codes(img: &GrayImage) -> Vec<String> {
    let resized = |width: u32, height: u32| {
        image::imageops::resize(
            img,
            width.max(1),
            height.max(1),
            image::imageops::FilterType::Triangle,
        )
    };
    let (w, h) = img.dimensions();
    let longest = w.max(h);
    // One working picture at a time, made when the one before read nothing: a large picture is
    // held once and a copy at most.
    let mut attempts: Vec<Box<dyn Fn() -> Option<GrayImage> + '_>> = Vec::new();
    if longest > READ_FIRST_AT + READ_FIRST_AT / 4 {
        let (w, h) = (
            u64::from(w) * u64::from(READ_FIRST_AT) / u64::from(longest),
            u64::from(h) * u64::from(READ_FIRST_AT) / u64::from(longest),
        );
        attempts.push(Box::new(move || Some(resized(w as u32, h as u32))));
    }
    attempts.push(Box::new(|| None)); // the picture itself, borrowed
    attempts.push(Box::new(move || Some(resized(w / 2, h / 2))));
    attempts.push(Box::new(|| Some(binarise(img))));
    for decoder in [decode_rqrr as fn(&GrayImage) -> Vec<String>, decode_rxing] {
        for attempt in &attempts {
            let made = attempt();
            let found = decoder(made.as_ref().unwrap_or(img));
            if !found.is_empty() {
                return found;
            }
        }
    }
    Vec::new()
}

fn decode_rqrr(img: &GrayImage) -> Vec<String> {
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        img.width() as usize,
        img.height() as usize,
        |x, y| img.get_pixel(x as u32, y as u32).0[0],
    );
    prepared
        .detect_grids()
        .iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, text)| text))
        .collect()
}

/// One code (a Guichet page carries one seal), searched hard: rxing's multiple-code reader
/// splits the picture again and again, for nothing here.
fn decode_rxing(img: &GrayImage) -> Vec<String> {
    let mut hints = rxing::DecodeHints::default().with(rxing::DecodeHintValue::TryHarder(true));
    rxing::helpers::detect_in_luma_slice_with_hints(
        img.as_raw(),
        img.width(),
        img.height(),
        Some(rxing::BarcodeFormat::QR_CODE),
        &mut hints,
    )
    .map(|found| vec![found.getText().to_owned()])
    .unwrap_or_default()
}

fn binarise(img: &GrayImage) -> GrayImage {
    let pixels = u64::from(img.width()) * u64::from(img.height());
    let sum: u64 = img.pixels().map(|p| u64::from(p.0[0])).sum();
    let mean = u8::try_from(sum / pixels.max(1)).unwrap_or(128);
    GrayImage::from_fn(img.width(), img.height(), |x, y| {
        image::Luma([if img.get_pixel(x, y).0[0] < mean {
            0
        } else {
            255
        }])
    })
}

/// A rectangle filled in a dark colour, in PDF points (origin bottom left).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rect {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

/// Renders the dark filled rectangles of every content stream, `scale` pixels per point, on a
/// white page cropped to them with a margin. Other drawing (text, lines, images, rotated or
/// skewed coordinates) is not rendered: a QR code drawn another way is simply not found.
fn render_rectangles(rects: &[Rect], scale: f32) -> Option<GrayImage> {
    let margin = 16.0;
    let left = rects.iter().map(|r| r.x.min(r.x + r.w)).reduce(f32::min)? - margin;
    let right = rects.iter().map(|r| r.x.max(r.x + r.w)).reduce(f32::max)? + margin;
    let bottom = rects.iter().map(|r| r.y.min(r.y + r.h)).reduce(f32::min)? - margin;
    let top = rects.iter().map(|r| r.y.max(r.y + r.h)).reduce(f32::max)? + margin;
    // A3 is 1191 points tall: anything much larger is not a document, and would cost hundreds of
    // megabytes of pixels.
    let (across, down) = (right - left, top - bottom);
    if !(across.is_finite() && down.is_finite()) || across > 1500.0 || down > 1500.0 {
        return None;
    }
    let px = |v: f32| (v * scale).round() as i64;
    let (width, height) = (px(right - left), px(top - bottom));
    // The finest of the three resolutions is for small drawings (a seal alone): a whole page's
    // worth of squares at it would be 144 million pixels.
    if width.saturating_mul(height) > 40_000_000 {
        return None;
    }
    let mut page = GrayImage::from_pixel(
        u32::try_from(width).ok()?,
        u32::try_from(height).ok()?,
        image::Luma([255]),
    );
    // A seal is a few hundred squares; a drawing that would paint the page over many times is
    // not one, and is not painted pixel by pixel.
    if rects.len() > 20_000 {
        return None;
    }
    let mut paint_budget = width.saturating_mul(height).saturating_mul(2);
    for r in rects.iter().copied() {
        let x0 = px(r.x.min(r.x + r.w) - left).clamp(0, width);
        let x1 = px(r.x.max(r.x + r.w) - left).clamp(0, width);
        let y0 = px(top - r.y.max(r.y + r.h)).clamp(0, height);
        let y1 = px(top - r.y.min(r.y + r.h)).clamp(0, height);
        paint_budget -= (x1 - x0) * (y1 - y0);
        if paint_budget < 0 {
            return None;
        }
        for y in y0..y1 {
            for x in x0..x1 {
                page.put_pixel(x as u32, y as u32, image::Luma([0]));
            }
        }
    }
    Some(page)
}

/// The decoded bytes of every stream (Flate-compressed or not), 64 MiB in all at most: a hostile
/// file of many small compressed streams cannot inflate to gigabytes.
fn streams(pdf: &[u8]) -> Vec<Vec<u8>> {
    use std::io::Read as _;
    let mut budget: u64 = 64 << 20;
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = find(&pdf[at..], b"stream") {
        let keyword = at + found;
        at = keyword + b"stream".len();
        // `endstream` contains `stream`; the dictionary before a real one ends with `>>`.
        let before = &pdf[..keyword];
        if before.ends_with(b"end") || !before.trim_ascii_end().ends_with(b">>") {
            continue;
        }
        let mut start = at;
        if pdf.get(start) == Some(&b'\r') {
            start += 1;
        }
        if pdf.get(start) == Some(&b'\n') {
            start += 1;
        }
        let Some(len) = find(&pdf[start..], b"endstream") else {
            break;
        };
        let raw = &pdf[start..start + len];
        // A stream's dictionary is short: look for its start in the 4 KiB before it only.
        let near = &before[before.len().saturating_sub(4096)..];
        let dict_start = near.windows(2).rposition(|w| w == b"<<").unwrap_or(0);
        let flate = find(&near[dict_start..], b"FlateDecode").is_some();
        if flate {
            let mut decoded = Vec::new();
            // Decompressing a hostile stream is bounded: 16 MiB is far beyond any page.
            if flate2::read::ZlibDecoder::new(raw)
                .take((16 << 20).min(budget))
                .read_to_end(&mut decoded)
                .is_ok()
            {
                budget = budget.saturating_sub(decoded.len() as u64);
                out.push(decoded);
            }
            if budget == 0 {
                break;
            }
        } else {
            out.push(raw.to_vec());
        }
        at = start + len;
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Where a content stream's coordinates go on the page: `x' = a·x + e`, `y' = d·y + f`. Guichet
/// draws its seal in module units under such a scale (every document since the seal is drawn
/// that way; those before drew it in page points, the identity). A rotation or skew is not
/// followed: what it draws is left out.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Placement {
    a: f32,
    d: f32,
    e: f32,
    f: f32,
    straight: bool,
}

impl Placement {
    const IDENTITY: Placement = Placement {
        a: 1.0,
        d: 1.0,
        e: 0.0,
        f: 0.0,
        straight: true,
    };

    /// This placement after `cm` with the operands [a b c d e f] (the new matrix applies first).
    fn then(self, m: [f32; 6]) -> Placement {
        let [a, b, c, d, e, f] = m;
        Placement {
            a: a * self.a,
            d: d * self.d,
            e: e * self.a + self.e,
            f: f * self.d + self.f,
            straight: self.straight && b == 0.0 && c == 0.0,
        }
    }

    fn place(self, r: Rect) -> Option<Rect> {
        self.straight.then_some(Rect {
            x: self.a * r.x + self.e,
            y: self.d * r.y + self.f,
            w: self.a * r.w,
            h: self.d * r.h,
        })
    }
}

/// The rectangles a content stream fills while the fill colour is dark, on the page.
fn filled_rectangles(content: &[u8]) -> Vec<Rect> {
    let mut numbers: Vec<f32> = Vec::new();
    let mut pending: Vec<Rect> = Vec::new();
    let mut filled = Vec::new();
    let mut dark = true;
    let mut placement = Placement::IDENTITY;
    let mut unsaved = 0u32;
    // `q` saves the placement and the fill colour, `Q` restores them; a hostile stream's
    // nesting is bounded.
    let mut saved: Vec<(Placement, bool)> = Vec::new();
    for token in content
        .split(|b| b.is_ascii_whitespace())
        .filter(|t| !t.is_empty())
    {
        if let Some(n) = std::str::from_utf8(token)
            .ok()
            .and_then(|t| t.parse::<f32>().ok())
            .filter(|n| n.is_finite())
        {
            numbers.push(n);
            continue;
        }
        let last = |k: usize| {
            numbers
                .get(numbers.len().saturating_sub(k)..)
                .unwrap_or(&[])
        };
        match token {
            b"re" => {
                if let [x, y, w, h] = *last(4) {
                    pending.extend(placement.place(Rect { x, y, w, h }));
                }
            }
            b"cm" => {
                if let [a, b, c, d, e, f] = *last(6) {
                    placement = placement.then([a, b, c, d, e, f]);
                }
            }
            b"q" if saved.len() < 64 => saved.push((placement, dark)),
            // Nested deeper than that: not followed, and its Q must not pop an outer state.
            b"q" => unsaved += 1,
            b"Q" if unsaved > 0 => unsaved -= 1,
            b"Q" => {
                if let Some((p, d)) = saved.pop() {
                    (placement, dark) = (p, d);
                }
            }
            b"f" | b"F" | b"f*" | b"B" | b"B*" => {
                if dark {
                    filled.append(&mut pending);
                }
                pending.clear();
            }
            b"n" | b"S" | b"s" => pending.clear(),
            b"g" => dark = last(1).first().is_some_and(|g| *g < 0.5),
            b"rg" => {
                if let [r, g, b] = *last(3) {
                    dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5;
                }
            }
            b"k" => {
                if let [c, m, y, k] = *last(4) {
                    dark = k > 0.5 || (c + m + y) / 3.0 > 0.5;
                }
            }
            _ => {}
        }
        numbers.clear();
    }
    filled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rectangles_drawn_under_a_scale_land_where_the_page_shows_them() {
        // Module units, y downwards from the code's top left corner at (100, 200).
        let content = b"q 2 0 0 -2 100 200 cm 0 0 0 rg 1 3 4 1 re f Q 5 5 1 1 re f \
                        q 0 1 -1 0 0 0 cm 9 9 1 1 re f Q";
        assert_eq!(
            filled_rectangles(content),
            [
                Rect {
                    x: 102.0,
                    y: 194.0,
                    w: 8.0,
                    h: -2.0
                },
                Rect {
                    x: 5.0,
                    y: 5.0,
                    w: 1.0,
                    h: 1.0
                }
            ],
            "placed by the scale, then by none after Q; a rotated one left out"
        );
    }

    #[test]
    fn a_picture_that_claims_to_be_huge_is_refused_before_it_is_decoded() {
        // A valid PNG header claiming 60,000 × 60,000 pixels.
        let mut png = Vec::new();
        image::GrayImage::new(1, 1)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let claim = |png: &mut Vec<u8>, side: u32| {
            png[16..20].copy_from_slice(&side.to_be_bytes());
            png[20..24].copy_from_slice(&side.to_be_bytes());
            // The header chunk's checksum, so the claim reads as a genuine one.
            let mut crc = flate2::Crc::new();
            crc.update(&png[12..29]);
            png[29..33].copy_from_slice(&crc.sum().to_be_bytes());
        };
        claim(&mut png, 60_000);
        assert!(matches!(image_codes(&png), Err(PictureError::TooLarge)));
        // Within each side's limit, but 81 million pixels in all.
        claim(&mut png, 9_000);
        assert!(matches!(image_codes(&png), Err(PictureError::TooLarge)));
        // A picture that is not one.
        assert!(matches!(
            image_codes(b"\x89PNG nothing"),
            Err(PictureError::Unreadable(_))
        ));
    }

    #[test]
    fn dark_filled_rectangles_are_kept_and_others_are_not() {
        let content = b"BT (1 2 3 4 re f) Tj ET 0 0 0 rg 10 20 3 4 re f 1 1 1 rg 0 0 5 5 re f \
                        0 g 1 1 2 2 re S 0.2 0.2 0.2 rg 7 8 1 1 re\nf*";
        assert_eq!(
            filled_rectangles(content),
            [
                Rect {
                    x: 10.0,
                    y: 20.0,
                    w: 3.0,
                    h: 4.0
                },
                Rect {
                    x: 7.0,
                    y: 8.0,
                    w: 1.0,
                    h: 1.0
                }
            ]
        );
    }

    #[test]
    fn a_qr_code_drawn_as_rectangles_is_read_back() {
        let text = "GCH1:HELLO GUICHET";
        let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).unwrap();
        let width = code.width();
        let colors = code.to_colors();
        let mut content = String::from("0 0 0 rg\n");
        for row in 0..width {
            for col in 0..width {
                if colors[row * width + col] == qrcode::Color::Dark {
                    let (x, y) = (100.0 + col as f32 * 2.0, 700.0 - row as f32 * 2.0);
                    content += &format!("{x} {y} 2 2 re\nf\n");
                }
            }
        }
        let mut pdf = b"%PDF-1.7\n1 0 obj\n<</Length 9/Filter/FlateDecode>>\nstream\n".to_vec();
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut z, content.as_bytes()).unwrap();
        pdf.extend(z.finish().unwrap());
        pdf.extend(b"\nendstream\nendobj\n%%EOF\n");
        assert_eq!(pdf_codes(&pdf), [text]);
        assert!(pdf_codes(b"%PDF-1.7\nnothing drawn\n%%EOF").is_empty());
    }
}
