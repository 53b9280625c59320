//! The seal drawn as a QR code of vector squares: sharp at any print resolution.
//!
//! The `qrcode` crate encodes the seal (segments, error correction, placement), but choosing the
//! mask its way (eight boxed closures per module) was a third of an issue's time. The mask is
//! chosen here by the same four penalty rules (ISO/IEC 18004 7.8.3, as that crate scores them),
//! over a plain grid, so the code drawn is the one that crate would draw, in a tenth of the time.

use super::page::Page;
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::types::QrError;
use qrcode::{Color, EcLevel};

/// In the order the `qrcode` crate tries them: the first of equal scores wins, as there.
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// The modules of `text`'s QR code at error correction M (a fold or a stain survives it), row
/// by row, dark as `true`; and its width.
pub fn modules(text: &[u8]) -> Result<(usize, Vec<bool>), QrError> {
    let bits = segments(text)?;
    let version = bits.version();
    let width = version.width() as usize;
    if width > 128 {
        // Far beyond any seal (version 10 is 57 wide): the crate's own, slower, choice.
        let code = qrcode::QrCode::with_bits(bits, EcLevel::M)?;
        return Ok((
            width,
            code.to_colors().iter().map(|c| *c == Color::Dark).collect(),
        ));
    }
    let (data, ec) = qrcode::ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M)?;
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    let mut best: Option<(u32, Vec<bool>)> = None;
    for mask in MASKS {
        let mut masked = canvas.clone();
        masked.apply_mask(mask);
        let dark: Vec<bool> = masked
            .into_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        let score = penalty(&Lines::of(&dark, width));
        if best.as_ref().is_none_or(|(lowest, _)| score < *lowest) {
            best = Some((score, dark));
        }
    }
    let (_, dark) = best.ok_or(QrError::InvalidVersion)?;
    Ok((width, dark))
}

/// The link to the verify page as two segments: its address (and the `#`) in byte mode, the seal
/// after it in alphanumeric mode, 5.5 bits a character, in the smallest version that holds them.
/// The crate's own segmentation, asked to optimise for the large versions' longer length
/// fields, costs the longest seal a version more. Any other text is segmented by the crate.
fn segments(text: &[u8]) -> Result<qrcode::bits::Bits, QrError> {
    let alphanumeric =
        |b: &u8| b.is_ascii_digit() || b.is_ascii_uppercase() || b" $%*+-./:".contains(b);
    if let Some(hash) = text.iter().position(|b| *b == b'#') {
        let (address, seal) = text.split_at(hash + 1);
        if !seal.is_empty() && seal.iter().all(alphanumeric) {
            for v in 1..=40 {
                let mut bits = qrcode::bits::Bits::new(qrcode::Version::Normal(v));
                let fits = bits.push_byte_data(address).is_ok()
                    && bits.push_alphanumeric_data(seal).is_ok()
                    && bits.push_terminator(EcLevel::M).is_ok();
                if fits {
                    return Ok(bits);
                }
            }
            return Err(QrError::DataTooLong);
        }
    }
    qrcode::bits::encode_auto(text, EcLevel::M)
}

/// A code's rows and columns as bits (bit `k` of a line is its module `k`), so each penalty
/// rule is a few shifts and a population count per line rather than a branch per module.
struct Lines {
    rows: Vec<u128>,
    columns: Vec<u128>,
    width: usize,
}

impl Lines {
    fn of(dark: &[bool], width: usize) -> Lines {
        let mut rows = vec![0u128; width];
        let mut columns = vec![0u128; width];
        for (y, row) in dark.chunks_exact(width).enumerate() {
            for (x, _) in row.iter().enumerate().filter(|(_, d)| **d) {
                rows[y] |= 1 << x;
                columns[x] |= 1 << y;
            }
        }
        Lines {
            rows,
            columns,
            width,
        }
    }
}

/// The penalty of a masked code, scored as the `qrcode` crate scores it: runs of five or more
/// alike (N1), 2×2 blocks alike (N2), finder-like 1:1:3:1:1 runs beside four light modules
/// (N3), and the distance from half dark (N4, unrounded). Lower is easier to read.
fn penalty(code: &Lines) -> u32 {
    let w = code.width;
    // Bits 0..w-1: where a module and the next one may be compared.
    let pairs = (1u128 << (w - 1)) - 1;
    let mut score = 0;
    for &line in code.rows.iter().chain(&code.columns) {
        // N1: bit k when modules k and k+1 agree; a run of L alike is L-1 such bits, and four
        // of them in a row start at L-4 places: L-2 = that count + 2 for each run.
        let alike = !(line ^ (line >> 1)) & pairs;
        let long = alike & (alike >> 1) & (alike >> 2) & (alike >> 3);
        score += long.count_ones() + 2 * (long & !(long << 1)).count_ones();
        // N3: dark, light, dark ×3, light, dark starting at bit j, with four light modules (or
        // the edge) before or after.
        let mut finders = line
            & !(line >> 1)
            & (line >> 2)
            & (line >> 3)
            & (line >> 4)
            & !(line >> 5)
            & (line >> 6);
        while finders != 0 {
            let j = finders.trailing_zeros() as usize;
            finders &= finders - 1;
            let before = line & ((1u128 << j) - 1) & !((1u128 << j.saturating_sub(4)) - 1);
            let after = line.checked_shr(j as u32 + 7).unwrap_or(0) & 0b1111;
            if before == 0 || after == 0 {
                score += 40;
            }
        }
    }
    for pair in code.rows.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let square = !(a ^ b) & !(a ^ (a >> 1)) & !(b ^ (b >> 1)) & pairs;
        score += 3 * square.count_ones();
    }
    let dark: usize = code.rows.iter().map(|r| r.count_ones() as usize).sum();
    score + (dark * 200 / (w * w)).abs_diff(100) as u32
}

/// Draws the QR code with its top-left corner at (`x`, `y`), `size` millimetres wide including
/// the four-module quiet zone a scanner needs.
pub fn draw(page: &mut Page, text: &str, x: f32, y: f32, size: f32) -> Result<(), QrError> {
    let (width, dark) = modules(text.as_bytes())?;
    let module = size / (width + 8) as f32;
    // One rectangle per run of dark modules: a tenth of the operations of one per module.
    let mut runs = Vec::new();
    for (row, line) in dark.chunks(width).enumerate() {
        let mut column = 0;
        while column < width {
            let length = line[column..].iter().take_while(|d| **d).count();
            if length > 0 {
                runs.push((column, row, length));
            }
            column += length.max(1);
        }
    }
    page.cell_runs(x + 4.0 * module, y + 4.0 * module, module, &runs);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrcode::QrCode;

    /// The code drawn is the `qrcode` crate's own, mask and all, for seals of every length a
    /// kind prints (versions 7 to 10) and beyond (up to version 27, the widest line of bits,
    /// and past it).
    #[test]
    fn the_mask_chosen_is_the_one_the_qrcode_crate_chooses() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for len in (120..=420).step_by(7).chain([900, 1800, 3000]) {
            let text: String = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    // The seal's alphabet: base45 after `GCH1:`.
                    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"[(seed % 45) as usize] as char
                })
                .collect();
            let theirs = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).unwrap();
            let (width, ours) = modules(text.as_bytes()).unwrap();
            assert_eq!(width, theirs.width(), "{len} characters");
            let theirs: Vec<bool> = theirs
                .to_colors()
                .iter()
                .map(|c| *c == Color::Dark)
                .collect();
            assert_eq!(ours, theirs, "{len} characters");
            // The same seal as the link printed since the verify page: the crate draws the
            // same code from our two segments, in a smaller version than from its own.
            let link = format!("https://guichet.ml/verifier#{}", text.replace(' ', "%20"));
            let theirs = QrCode::with_bits(segments(link.as_bytes()).unwrap(), EcLevel::M).unwrap();
            let (width, ours) = modules(link.as_bytes()).unwrap();
            assert_eq!(width, theirs.width(), "a link of {len} characters");
            let theirs: Vec<bool> = theirs
                .to_colors()
                .iter()
                .map(|c| *c == Color::Dark)
                .collect();
            assert_eq!(ours, theirs, "a link of {len} characters");
            let auto = QrCode::with_error_correction_level(link.as_bytes(), EcLevel::M).unwrap();
            assert!(width <= auto.width(), "a link of {len} characters");
        }
    }
}
