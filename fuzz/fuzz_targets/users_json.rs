//! `users.json` parsing: any bytes parse or fail with a message; what parses writes back to
//! JSON that parses to the same presets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use statusinator::presets::UsersFile;

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = UsersFile::from_json(data, "users.json") {
        let again = UsersFile::from_json(&file.to_json(), "users.json").expect("round trip");
        assert_eq!(again.users, file.users);
    }
});
