//! The onboard input parser: any bytes give a plan or a list of problems, never a panic.
//! Pictures come only inline (data: URLs), so nothing touches the disk or the network.
#![no_main]

use libfuzzer_sys::fuzz_target;
use statusinator::onboard::{self, PictureSources};

fuzz_target!(|data: &[u8]| {
    match onboard::prepare(data, "fuzz.json", &PictureSources::inline_only()) {
        Ok(plan) => {
            for preset in plan.presets.values().flat_map(|p| p.values()) {
                assert!(preset.name.is_some() || preset.picture.is_some());
            }
        }
        Err(err) => assert!(!format!("{err:#}").is_empty()),
    }
});
