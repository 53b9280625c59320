//! The holder's photo on a document (a visa's): the JPEG the applicant sent, checked and
//! downscaled to what print at the printed size needs, then placed as an image on the page the
//! template reserved for it. The file stays small: a 30 × 38 mm photo at 200 dpi is a few
//! kilobytes of JPEG.

use lopdf::{Dictionary, Object, Stream};

/// The photo's resolution on paper.
const DPI: f32 = 200.0;
/// JPEG quality of the downscaled photo: a face stays recognisable, the file stays light.
const QUALITY: u8 = 70;
/// The most pixels a photo may have before it is even decoded (a bomb is refused, not inflated).
const MAX_PIXELS: u64 = 40_000_000;

/// The photo, downscaled to `width_mm` × `height_mm` at `DPI` (cropped to that ratio from its
/// centre), as a baseline JPEG with its width and height in pixels.
pub fn downscale(
    jpeg: &[u8],
    width_mm: f32,
    height_mm: f32,
) -> Result<(Vec<u8>, u32, u32), String> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(jpeg));
    reader.set_format(image::ImageFormat::Jpeg);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|e| format!("the photo does not decode: {e}"))?;
    let px = |mm: f32| ((mm / 25.4) * DPI).round().max(1.0) as u32;
    let (w, h) = (px(width_mm), px(height_mm));
    let small = img.resize_to_fill(w, h, image::imageops::FilterType::Triangle);
    let rgb = small.to_rgb8();
    let mut out = Vec::with_capacity(16 * 1024);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(&rgb)
        .map_err(|e| format!("the photo does not encode: {e}"))?;
    Ok((out, w, h))
}

/// Places the JPEG on page `page` (0-based) at `x`, `y_top` (mm from the top-left corner),
/// `width` × `height` mm: an image XObject, and a content stream that draws it.
pub fn place(
    file: &mut lopdf::Document,
    page: usize,
    (x, y_top, width, height): (f32, f32, f32, f32),
    (jpeg, w_px, h_px): (Vec<u8>, u32, u32),
) -> Result<(), String> {
    let page_id = *file
        .get_pages()
        .values()
        .nth(page)
        .ok_or("no such page for the photo")?;
    let mut dict = Dictionary::new();
    dict.set("Type", "XObject");
    dict.set("Subtype", "Image");
    dict.set("Width", i64::from(w_px));
    dict.set("Height", i64::from(h_px));
    dict.set("ColorSpace", "DeviceRGB");
    dict.set("BitsPerComponent", 8);
    dict.set("Filter", "DCTDecode");
    let image = file.add_object(Stream::new(dict, jpeg));
    let pt = |mm: f32| mm * 72.0 / 25.4;
    let bottom = super::page::A4_HEIGHT - y_top - height;
    let draw = format!(
        "q {:.2} 0 0 {:.2} {:.2} {:.2} cm /Portrait Do Q\n",
        pt(width),
        pt(height),
        pt(x),
        pt(bottom)
    );
    let content = file.add_object(Stream::new(Dictionary::new(), draw.into_bytes()));
    // The page's resources may be its own dictionary or one it refers to.
    let resources = match file
        .get_object(page_id)
        .and_then(Object::as_dict)
        .map_err(|e| e.to_string())?
        .get(b"Resources")
    {
        Ok(Object::Reference(id)) => Some(*id),
        _ => None,
    };
    let add_xobject = |res: &mut Dictionary| {
        let mut xobjects = match res.get(b"XObject") {
            Ok(Object::Dictionary(d)) => d.clone(),
            _ => Dictionary::new(),
        };
        xobjects.set("Portrait", Object::Reference(image));
        res.set("XObject", Object::Dictionary(xobjects));
    };
    match resources {
        Some(id) => add_xobject(
            file.get_object_mut(id)
                .and_then(Object::as_dict_mut)
                .map_err(|e| e.to_string())?,
        ),
        None => {
            let page = file
                .get_object_mut(page_id)
                .and_then(Object::as_dict_mut)
                .map_err(|e| e.to_string())?;
            let mut res = match page.get(b"Resources") {
                Ok(Object::Dictionary(d)) => d.clone(),
                _ => Dictionary::new(),
            };
            add_xobject(&mut res);
            page.set("Resources", Object::Dictionary(res));
        }
    }
    let page = file
        .get_object_mut(page_id)
        .and_then(Object::as_dict_mut)
        .map_err(|e| e.to_string())?;
    let mut contents = match page.get(b"Contents") {
        Ok(Object::Array(a)) => a.clone(),
        Ok(other) => vec![other.clone()],
        Err(_) => Vec::new(),
    };
    contents.push(Object::Reference(content));
    page.set("Contents", Object::Array(contents));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_photo_becomes_a_few_kilobytes_at_print_size() {
        let big = image::RgbImage::from_fn(1200, 1600, |x, y| {
            image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8])
        });
        let mut jpeg = std::io::Cursor::new(Vec::new());
        big.write_to(&mut jpeg, image::ImageFormat::Jpeg).unwrap();
        let (small, w, h) = downscale(jpeg.get_ref(), 30.0, 38.0).unwrap();
        assert_eq!((w, h), (236, 299));
        assert!(small.len() < 40 * 1024, "{}", small.len());
        assert!(downscale(b"not a jpeg", 30.0, 38.0).is_err());
    }
}
