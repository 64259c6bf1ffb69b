//! The signature check: any timestamp, signature and body are accepted only when signed with
//! the secret, and never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use statusinator::events::Verifier;
use statusinator::secret::SecretString;

fuzz_target!(|input: (&str, &str, &[u8], u64)| {
    let (timestamp, signature, body, now) = input;
    let verifier = Verifier::new(&SecretString::new("fuzzing-secret"));
    let verdict = verifier.verify(Some(timestamp), Some(signature), body, now);
    if verdict.is_ok() {
        assert_eq!(verifier.sign(timestamp, body), signature.to_ascii_lowercase());
    }
    // What the verifier signs, it accepts.
    if timestamp.parse::<u64>().is_ok_and(|t| t.abs_diff(now) <= 300)
        && timestamp.bytes().all(|b| b.is_ascii_digit())
    {
        let signed = verifier.sign(timestamp, body);
        assert!(verifier.verify(Some(timestamp), Some(&signed), body, now).is_ok());
    }
});
