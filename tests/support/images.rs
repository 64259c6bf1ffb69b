//! Real PNG, JPEG and GIF pictures made on the fly, each with different bytes per `seed`.

/// An RGB gradient tinted by `seed`.
fn pixels(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let mut data = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            data.push((x * 255 / width) as u8 ^ seed);
            data.push((y * 255 / height) as u8);
            data.push(seed.wrapping_mul(37));
        }
    }
    data
}

pub fn png(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer
        .write_image_data(&pixels(width, height, seed))
        .unwrap();
    writer.finish().unwrap();
    out
}

/// A PNG of `width` × `height` px in one grey: a few hundred KB for a huge picture (20,000 px
/// a side: 400 MB once decoded as grey, 1.6 GB as RGBA).
pub fn huge_png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header().unwrap();
        let mut stream = writer.stream_writer().unwrap();
        let row = vec![128u8; width as usize];
        for _ in 0..height {
            std::io::Write::write_all(&mut stream, &row).unwrap();
        }
        stream.finish().unwrap();
    }
    out
}

pub fn jpeg(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut out, 80);
    encoder
        .encode(
            &pixels(width, height, seed),
            width as u16,
            height as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .unwrap();
    out
}

pub fn gif(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let palette: Vec<u8> = (0..=255u8).flat_map(|i| [i, seed, 255 - i]).collect();
    let mut out = Vec::new();
    {
        let mut encoder =
            gif::Encoder::new(&mut out, width as u16, height as u16, &palette).unwrap();
        let indexes: Vec<u8> = (0..width * height)
            .map(|i| ((i % width) * 255 / width) as u8)
            .collect();
        let frame = gif::Frame::from_indexed_pixels(width as u16, height as u16, indexes, None);
        encoder.write_frame(&frame).unwrap();
    }
    out
}
