//! The seal drawn as a QR code of vector squares: sharp at any print resolution.

use super::page::Page;
use qrcode::{Color, EcLevel, QrCode};

/// Draws the QR code with its top-left corner at (`x`, `y`), `size` millimetres wide including
/// the four-module quiet zone a scanner needs. Error correction M survives a fold or a stain.
pub fn draw(
    page: &mut Page,
    text: &str,
    x: f32,
    y: f32,
    size: f32,
) -> Result<(), qrcode::types::QrError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?;
    let width = code.width();
    let module = size / (width + 8) as f32;
    let colors = code.to_colors();
    page.set_fill_black();
    for row in 0..width {
        // One rectangle per run of dark modules: a tenth of the operations of one per module.
        let mut col = 0;
        while col < width {
            if colors[row * width + col] == Color::Dark {
                let start = col;
                while col < width && colors[row * width + col] == Color::Dark {
                    col += 1;
                }
                page.filled_box(
                    x + (start + 4) as f32 * module,
                    y + (row + 4) as f32 * module,
                    (col - start) as f32 * module,
                    module,
                );
            } else {
                col += 1;
            }
        }
    }
    Ok(())
}
