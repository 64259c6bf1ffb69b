//! The onboard benchmark: 200 pictures (50 members × 4 presets, 512–1024 px JPEGs of about
//! 100 KB, like phone photos) onboarded into an S3 store on moto, once with moto as it is on
//! loopback and once through a proxy that adds 20 ms to every S3 round trip (a bucket in a
//! nearby region). Prints pictures per second for the first run and the time of a second run,
//! which uploads nothing.
//!
//! Needs moto: `scripts/with-test-servers.sh cargo bench --bench onboard`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::proxy::Proxy;
use support::{show, Scene};

const MEMBERS: usize = 50;
const PRESETS: [&str; 4] = [
    ":palm_tree:",
    ":face_with_thermometer:",
    ":house_with_garden:",
    "default",
];

/// A photo-like JPEG: a gradient under noise, so it compresses like a photo does.
fn photo(side: u16, seed: u64) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let side_px = u32::from(side);
    let mut pixels = Vec::with_capacity((side_px * side_px * 3) as usize);
    for y in 0..side_px {
        for x in 0..side_px {
            let base = [
                x * 255 / side_px,
                y * 255 / side_px,
                (x + y) * 127 / side_px,
            ];
            for channel in base {
                pixels.push((channel as u8).wrapping_add(rng.u8(..20)));
            }
        }
    }
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 85)
        .encode(&pixels, side, side, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

/// Writes the pictures and the presets file into the scene; returns the pictures' total size.
fn input(scene: &Scene) -> usize {
    let mut users = serde_json::Map::new();
    let mut bytes = 0;
    for m in 0..MEMBERS {
        let id = format!("U0BENCH{m:03}");
        let mut presets = serde_json::Map::new();
        for (p, emoji) in PRESETS.iter().enumerate() {
            let n = m * PRESETS.len() + p;
            let file = format!("pictures/{n}.jpg");
            let picture = photo(512 + (n % 4) as u16 * 128, n as u64);
            bytes += picture.len();
            scene.write(&file, picture);
            presets.insert(
                (*emoji).to_owned(),
                json!({"name": format!("Member {m} {emoji}"), "picture": file}),
            );
        }
        users.insert(id, Value::Object(presets));
    }
    scene.write("presets.json", serde_json::to_vec(&users).unwrap());
    bytes
}

fn onboard(scene: &Scene, endpoint: &str) -> (Duration, Value) {
    let started = Instant::now();
    let out = scene
        .command()
        .env("AWS_ENDPOINT_URL", endpoint)
        .args(["onboard", "presets.json", "--json"])
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(out.status.success(), "{}", show(&out));
    (took, serde_json::from_slice(&out.stdout).unwrap())
}

fn main() {
    let moto = support::s3_endpoint();
    let pictures = MEMBERS * PRESETS.len();
    for (label, latency) in [
        ("moto on loopback", Duration::ZERO),
        ("20 ms a round trip", Duration::from_millis(20)),
    ] {
        let scene = Scene::s3();
        let bytes = input(&scene);
        let proxy = Proxy::with_latency(moto.trim_start_matches("http://"), latency);
        let (first, report) = onboard(&scene, &proxy.url);
        assert_eq!(report["pictures"]["uploaded"], pictures, "{report}");
        let (again, report) = onboard(&scene, &proxy.url);
        assert_eq!(report["pictures"]["uploaded"], 0, "{report}");
        assert_eq!(report["pictures"]["already_stored"], pictures, "{report}");
        println!(
            "{label:<20} {pictures} pictures ({:.1} MB) in {:.2} s: {:.0} pictures/s; \
             again (nothing to upload) in {:.2} s",
            bytes as f64 / 1e6,
            first.as_secs_f64(),
            pictures as f64 / first.as_secs_f64(),
            again.as_secs_f64()
        );
    }
}
