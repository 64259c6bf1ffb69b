//! `users.json` parsing: any bytes parse or fail with a message; what parses writes back to
//! JSON that parses to the same presets; and serve's compact table accepts exactly what
//! `UsersFile` accepts, holding the same presets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use statusinator::presets::{PresetTable, UsersFile};

fuzz_target!(|data: &[u8]| {
    let file = UsersFile::from_json(data, "users.json");
    let table = PresetTable::from_json(data, "users.json");
    assert_eq!(file.is_ok(), table.is_ok(), "the two parsers disagree");
    if let (Ok(file), Ok(table)) = (file, table) {
        let again = UsersFile::from_json(&file.to_json(), "users.json").expect("round trip");
        assert_eq!(again.users, file.users);
        assert_eq!(table.len(), file.users.len());
        for (user, presets) in &file.users {
            assert_eq!(table.get(user).as_ref(), Some(presets));
        }
    }
});
