//! The Events API envelope parser: any bytes give an envelope or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(statusinator::events::Envelope::User(event)) = statusinator::events::parse(data) {
        assert!(!event.event_id.is_empty());
    }
});
