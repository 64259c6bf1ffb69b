//! Decoding a photo within bounds, whatever it is: a photo statusinator makes another from (a
//! member's usual photo, `preview --photo`) is looked at by its header first, refused past
//! [`MAX_SIDE`] px a side or [`MAX_PIXELS`] in all (a 20,000 × 20,000 px PNG of a few hundred KB
//! would take 1.6 GB decoded), and decoded under the `image` crate's limits, at most
//! [`AT_ONCE`] at a time in the process, so a burst of members with large photos keeps memory
//! flat. None of the decoders in use scales down while decoding, so the limits are what bound it.

use std::io::Cursor;
use std::sync::{Condvar, Mutex};

use image::DynamicImage;

/// The longest side decoded.
pub const MAX_SIDE: u32 = 8192;
/// The most pixels decoded (32 megapixels: 128 MB as RGBA).
pub const MAX_PIXELS: u64 = 32 * 1024 * 1024;
/// Decodes at once in a process.
pub const AT_ONCE: usize = 2;

/// A photo refused before (or while) decoding: the member keeps their usual photo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error(
        "it is {width} × {height} px, past what a photo is made from ({MAX_SIDE} px a side, \
         {} megapixels): use a smaller photo",
        MAX_PIXELS / (1024 * 1024)
    )]
    TooLarge { width: u64, height: u64 },
    #[error("it cannot be read as a PNG, JPEG or GIF ({0})")]
    Unreadable(String),
}

/// Decodes `bytes` (PNG, JPEG or GIF) within the limits.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, Refused> {
    let size = imagesize::blob_size(bytes).map_err(|err| Refused::Unreadable(err.to_string()))?;
    let (width, height) = (size.width as u64, size.height as u64);
    if width > u64::from(MAX_SIDE) || height > u64::from(MAX_SIDE) || width * height > MAX_PIXELS {
        return Err(Refused::TooLarge { width, height });
    }
    let _turn = Turn::take();
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|err| Refused::Unreadable(err.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    // The decoded image, and room for the decoder's own buffers beside it.
    limits.max_alloc = Some(MAX_PIXELS * 4 + 16 * 1024 * 1024);
    reader.limits(limits);
    reader.decode().map_err(|err| match err {
        image::ImageError::Limits(_) => Refused::TooLarge { width, height },
        other => Refused::Unreadable(other.to_string()),
    })
}

/// A turn to decode: at most [`AT_ONCE`] at a time in the process.
struct Turn;

static DECODING: Mutex<usize> = Mutex::new(0);
static FREED: Condvar = Condvar::new();

impl Turn {
    fn take() -> Turn {
        let mut decoding = DECODING.lock().expect("decode turns");
        while *decoding >= AT_ONCE {
            decoding = FREED.wait(decoding).expect("decode turns");
        }
        *decoding += 1;
        Turn
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        *DECODING.lock().expect("decode turns") -= 1;
        FREED.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG of `width` × `height` px, one colour (it compresses to little).
    fn png(width: u32, height: u32) -> Vec<u8> {
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

    #[test]
    fn a_photo_past_the_limits_is_refused_before_decoding() {
        // 20,000 px a side: refused from its header, whatever its few bytes would become.
        let huge = png(20_000, 1);
        assert_eq!(
            decode(&huge).unwrap_err(),
            Refused::TooLarge {
                width: 20_000,
                height: 1
            }
        );
        // Within each side, past the pixels (8,000 × 8,000 = 61 megapixels).
        let wide = png(8_000, 8_000);
        assert!(wide.len() < 1_000_000, "{} bytes", wide.len());
        let err = decode(&wide).unwrap_err();
        assert_eq!(
            err,
            Refused::TooLarge {
                width: 8_000,
                height: 8_000
            }
        );
        assert!(err.to_string().contains("use a smaller photo"), "{err}");
        // Within both, decoded.
        assert_eq!(decode(&png(600, 600)).unwrap().width(), 600);
        assert!(matches!(
            decode(b"not a picture"),
            Err(Refused::Unreadable(_))
        ));
    }

    #[test]
    fn decodes_take_turns() {
        let held: Vec<Turn> = (0..AT_ONCE).map(|_| Turn::take()).collect();
        let got = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let waiter = {
            let got = got.clone();
            std::thread::spawn(move || {
                let _turn = Turn::take();
                got.store(true, std::sync::atomic::Ordering::SeqCst);
            })
        };
        // Time is what this looks at: a third decode does not start while two are under way.
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert!(!got.load(std::sync::atomic::Ordering::SeqCst));
        drop(held);
        waiter.join().unwrap();
        assert!(got.load(std::sync::atomic::Ordering::SeqCst));
    }
}
