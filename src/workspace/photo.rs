//! Making a photo from a member's usual one: cropped square and scaled to [`SIZE`] px,
//! optionally grayscale, a coloured ring round it, and the badge in its lower right corner;
//! a PNG. Decoding, scaling and encoding are the `image` crate's; drawing and the SVG artwork
//! are `tiny-skia`'s and `resvg`'s.

use anyhow::{anyhow, Result};
use image::{imageops::FilterType, DynamicImage, RgbaImage};
use resvg::tiny_skia::{
    self, FillRule, Paint, PathBuilder, Pixmap, PixmapPaint, Stroke, Transform,
};

use super::art::Art;
use super::{PhotoRule, Style};

/// The side of every made photo (Slack takes 512 to 1024 px).
pub const SIZE: u32 = 512;

/// Where the badge sits: its centre and radius, in pixels.
pub fn badge_circle() -> (f32, f32, f32) {
    let size = SIZE as f32;
    let radius = size * 0.2;
    let centre = size - radius - size * 0.02;
    (centre, centre, radius)
}

/// The ring's width, and the radius of its middle line.
pub fn ring_circle() -> (f32, f32) {
    let width = SIZE as f32 * 0.05;
    (width, SIZE as f32 / 2.0 - width / 2.0)
}

/// What a photo is made from: the member's usual photo (any PNG, JPEG or GIF), or, for a member
/// without one, a plain avatar coloured after `seed`.
#[derive(Debug, Clone, Copy)]
pub enum Base<'a> {
    Photo(&'a [u8]),
    DefaultAvatar { seed: &'a str },
}

/// Makes the photo: the base, then the rule's style, ring and badge; a PNG of [`SIZE`] px.
pub fn make(base: Base<'_>, rule: &PhotoRule, badge: Option<&Art>) -> Result<Vec<u8>> {
    let mut image = match base {
        Base::Photo(bytes) => square(crate::picture::decode::decode(bytes).map_err(|refused| {
            anyhow::Error::new(refused).context("the usual photo is refused")
        })?),
        Base::DefaultAvatar { seed } => default_avatar(seed),
    };
    if rule.style == Style::Grayscale {
        image = DynamicImage::ImageRgba8(image).grayscale().into_rgba8();
    }
    let mut canvas = to_pixmap(image)?;
    if let Some(colour) = rule.ring {
        let (width, radius) = ring_circle();
        let centre = SIZE as f32 / 2.0;
        let [r, g, b] = colour.0;
        let path = PathBuilder::from_circle(centre, centre, radius).expect("a circle");
        canvas.stroke_path(
            &path,
            &solid(r, g, b),
            &Stroke {
                width,
                ..Stroke::default()
            },
            Transform::identity(),
            None,
        );
    }
    if let Some(art) = badge {
        draw_badge(&mut canvas, art)?;
    }
    encode(canvas)
}

/// The photo cropped to its centre square and scaled to [`SIZE`].
fn square(image: DynamicImage) -> RgbaImage {
    let (w, h) = (image.width(), image.height());
    let side = w.min(h);
    let cropped = image.crop_imm((w - side) / 2, (h - side) / 2, side, side);
    cropped
        .resize_exact(SIZE, SIZE, FilterType::Triangle)
        .into_rgba8()
}

/// A plain avatar in the manner of Slack's default ones: a coloured square (the colour chosen
/// by `seed`, so a member's is always the same) with a light head-and-shoulders shape.
fn default_avatar(seed: &str) -> RgbaImage {
    const COLOURS: [[u8; 3]; 6] = [
        [0x2e, 0xb6, 0x7d],
        [0x36, 0xc5, 0xf0],
        [0xe0, 0x1e, 0x5a],
        [0xec, 0xb2, 0x2e],
        [0x4a, 0x15, 0x4b],
        [0x12, 0x64, 0xa3],
    ];
    let pick = seed
        .bytes()
        .fold(0usize, |h, b| h.wrapping_mul(31) + b as usize);
    let [r, g, b] = COLOURS[pick % COLOURS.len()];
    let mut canvas = Pixmap::new(SIZE, SIZE).expect("a non-empty size");
    canvas.fill(tiny_skia::Color::from_rgba8(r, g, b, 255));
    let size = SIZE as f32;
    let light = solid(255, 255, 255);
    let mut shape = PathBuilder::new();
    shape.push_circle(size * 0.5, size * 0.4, size * 0.17);
    shape.push_circle(size * 0.5, size * 1.02, size * 0.36);
    let shape = shape.finish().expect("a shape");
    let mut paint = light;
    paint.shader = tiny_skia::Shader::SolidColor(tiny_skia::Color::from_rgba8(255, 255, 255, 210));
    canvas.fill_path(
        &shape,
        &paint,
        FillRule::Winding,
        Transform::identity(),
        None,
    );
    from_pixmap(canvas)
}

/// A white disc (with a light edge, so it shows on a light photo) and the artwork inside it,
/// in the lower right corner.
fn draw_badge(canvas: &mut Pixmap, art: &Art) -> Result<()> {
    let (cx, cy, radius) = badge_circle();
    let disc = PathBuilder::from_circle(cx, cy, radius).expect("a circle");
    canvas.fill_path(
        &disc,
        &solid(255, 255, 255),
        FillRule::Winding,
        Transform::identity(),
        None,
    );
    canvas.stroke_path(
        &disc,
        &solid(0xd8, 0xd8, 0xd8),
        &Stroke {
            width: 2.0,
            ..Stroke::default()
        },
        Transform::identity(),
        None,
    );
    let side = radius * 1.4;
    let (left, top) = (cx - side / 2.0, cy - side / 2.0);
    match art {
        Art::Svg(svg) => {
            let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default())
                .map_err(|err| anyhow!("an emoji's artwork cannot be read: {err}"))?;
            let size = tree.size();
            let scale = side / size.width().max(size.height());
            let at = Transform::from_row(scale, 0.0, 0.0, scale, left, top);
            resvg::render(&tree, at, &mut canvas.as_mut());
        }
        Art::Bitmap(image) => {
            let art = to_pixmap(image.as_ref().clone())?;
            let scale = side / art.width().max(art.height()) as f32;
            let paint = PixmapPaint {
                quality: tiny_skia::FilterQuality::Bicubic,
                ..PixmapPaint::default()
            };
            let at = Transform::from_row(scale, 0.0, 0.0, scale, left, top);
            canvas.draw_pixmap(0, 0, art.as_ref(), &paint, at, None);
        }
    }
    Ok(())
}

fn solid(r: u8, g: u8, b: u8) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color_rgba8(r, g, b, 255);
    paint.anti_alias = true;
    paint
}

/// An RGBA image as a pixmap (which holds premultiplied colour).
fn to_pixmap(mut image: RgbaImage) -> Result<Pixmap> {
    for pixel in image.pixels_mut() {
        let [r, g, b, a] = pixel.0;
        if a != 255 {
            let m = |c: u8| ((c as u16 * a as u16 + 127) / 255) as u8;
            pixel.0 = [m(r), m(g), m(b), a];
        }
    }
    let size = tiny_skia::IntSize::from_wh(image.width(), image.height())
        .ok_or_else(|| anyhow!("an image of no size"))?;
    Pixmap::from_vec(image.into_raw(), size).ok_or_else(|| anyhow!("an image of no size"))
}

/// A pixmap as an RGBA image (straight colour).
fn from_pixmap(pixmap: Pixmap) -> RgbaImage {
    let (w, h) = (pixmap.width(), pixmap.height());
    let mut data = pixmap.take();
    for pixel in data.chunks_exact_mut(4) {
        let a = pixel[3];
        if a != 255 && a != 0 {
            for c in &mut pixel[..3] {
                *c = ((*c as u16 * 255 + a as u16 / 2) / a as u16).min(255) as u8;
            }
        }
    }
    RgbaImage::from_raw(w, h, data).expect("the pixmap's own size")
}

/// The PNG: RGB when every pixel is opaque (a quarter smaller), else RGBA; fast compression.
fn encode(canvas: Pixmap) -> Result<Vec<u8>> {
    use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
    use image::ImageEncoder;
    let image = from_pixmap(canvas);
    let mut out = Vec::new();
    let encoder =
        PngEncoder::new_with_quality(&mut out, CompressionType::Fast, PngFilter::Adaptive);
    let opaque = image.pixels().all(|p| p.0[3] == 255);
    let result = if opaque {
        let rgb = DynamicImage::ImageRgba8(image).into_rgb8();
        encoder.write_image(&rgb, SIZE, SIZE, image::ExtendedColorType::Rgb8)
    } else {
        encoder.write_image(&image, SIZE, SIZE, image::ExtendedColorType::Rgba8)
    };
    result.map_err(|err| anyhow!("encoding the made photo failed: {err}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::EmojiKey;
    use crate::workspace::{art, Colour};

    /// A solid-colour JPEG of `side` px.
    fn photo(side: u32, rgb: [u8; 3]) -> Vec<u8> {
        let image = image::RgbImage::from_pixel(side, side, image::Rgb(rgb));
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
        out.into_inner()
    }

    fn decode(png: &[u8]) -> RgbaImage {
        assert_eq!(image::guess_format(png).unwrap(), image::ImageFormat::Png);
        image::load_from_memory(png).unwrap().into_rgba8()
    }

    fn inside_badge(x: u32, y: u32) -> bool {
        let (cx, cy, r) = badge_circle();
        let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
        (dx * dx + dy * dy).sqrt() <= r + 1.5
    }

    fn thermometer() -> Art {
        art::standard(&EmojiKey::parse(":face_with_thermometer:").unwrap()).unwrap()
    }

    #[test]
    fn a_grayscale_photo_has_no_colour_outside_its_badge_and_the_emoji_inside() {
        let rule = PhotoRule {
            style: Style::Grayscale,
            ..PhotoRule::default()
        };
        let made = decode(
            &make(
                Base::Photo(&photo(1024, [200, 30, 40])),
                &rule,
                Some(&thermometer()),
            )
            .unwrap(),
        );
        assert_eq!(made.dimensions(), (SIZE, SIZE));
        let mut yellow = 0;
        for (x, y, p) in made.enumerate_pixels() {
            let [r, g, b, _] = p.0;
            if inside_badge(x, y) {
                // Twemoji's face yellow, exactly.
                yellow += usize::from([r, g, b] == [0xff, 0xcc, 0x4d]);
            } else {
                assert!(r == g && g == b, "colour at ({x}, {y}): {:?}", p.0);
            }
        }
        let (_, _, radius) = badge_circle();
        let disc = std::f32::consts::PI * radius * radius;
        assert!(
            yellow as f32 > disc * 0.2,
            "{yellow} yellow pixels in the badge"
        );
        // The badge's disc is white where the emoji does not reach.
        let (cx, cy, radius) = badge_circle();
        let edge = made.get_pixel((cx - radius * 0.92) as u32, cy as u32).0;
        assert_eq!(edge, [255, 255, 255, 255]);
    }

    #[test]
    fn the_ring_has_its_colour_at_its_radius_and_the_photo_keeps_its_own() {
        let rule = PhotoRule {
            ring: Some(Colour([0xd3, 0x3c, 0x3c])),
            badge: Some("none".into()),
            ..PhotoRule::default()
        };
        let made = decode(&make(Base::Photo(&photo(800, [20, 120, 220])), &rule, None).unwrap());
        let (_, radius) = ring_circle();
        let centre = SIZE as f32 / 2.0;
        for (x, y) in [
            (centre, centre - radius),
            (centre, centre + radius),
            (centre - radius, centre),
            (
                centre + radius * std::f32::consts::FRAC_1_SQRT_2,
                centre + radius * std::f32::consts::FRAC_1_SQRT_2,
            ),
        ] {
            let p = made.get_pixel(x as u32, y as u32).0;
            assert_eq!(p, [0xd3, 0x3c, 0x3c, 255], "at ({x}, {y})");
        }
        let middle = made.get_pixel(SIZE / 2, SIZE / 2).0;
        let close = |a: u8, b: u8| a.abs_diff(b) <= 3;
        assert!(
            close(middle[0], 20) && close(middle[1], 120) && close(middle[2], 220),
            "{middle:?}"
        );
    }

    #[test]
    fn a_member_without_a_photo_gets_a_plain_avatar_and_any_size_becomes_512() {
        let rule = PhotoRule::default();
        let a = make(
            Base::DefaultAvatar { seed: "U1AAA" },
            &rule,
            Some(&thermometer()),
        )
        .unwrap();
        assert_eq!(decode(&a).dimensions(), (SIZE, SIZE));
        assert_eq!(
            a,
            make(
                Base::DefaultAvatar { seed: "U1AAA" },
                &rule,
                Some(&thermometer())
            )
            .unwrap(),
            "the same member's avatar is made the same every time"
        );
        let wide = image::RgbImage::from_pixel(1600, 900, image::Rgb([9, 9, 9]));
        let mut png = std::io::Cursor::new(Vec::new());
        wide.write_to(&mut png, image::ImageFormat::Png).unwrap();
        let made = make(Base::Photo(png.get_ref()), &rule, None).unwrap();
        assert_eq!(decode(&made).dimensions(), (SIZE, SIZE));
        let err = make(Base::Photo(b"not a photo"), &rule, None).unwrap_err();
        assert!(err.to_string().contains("usual photo"), "{err}");
    }
}
