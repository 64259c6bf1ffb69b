//! Settings validated once, into typed values, before any work starts.

use anyhow::Result;

use crate::cli::GlobalArgs;
use crate::store::StoreUrl;

/// The global settings, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub store: StoreUrl,
}

impl Settings {
    pub fn from_args(args: &GlobalArgs) -> Result<Self> {
        Ok(Settings {
            store: StoreUrl::parse(&args.store)?,
        })
    }
}

/// The log filter: `-v`/`-q` win over `RUST_LOG`, which wins over the default (info for
/// statusinator, warnings for the libraries beneath it).
pub fn log_filter(verbose: u8, quiet: u8, rust_log: Option<String>) -> String {
    let own = match (verbose, quiet) {
        (0, 0) => return rust_log.unwrap_or_else(|| "warn,s3=error,statusinator=info".to_owned()),
        (1, _) => "debug",
        (v, _) if v >= 2 => "trace",
        (_, 1) => "warn",
        _ => "error",
    };
    let libraries = if verbose >= 2 {
        "debug"
    } else {
        own.min("warn")
    };
    format!("{libraries},statusinator={own}")
}

#[cfg(test)]
mod tests {
    use super::log_filter;

    #[test]
    fn flags_beat_rust_log_which_beats_the_default() {
        assert_eq!(log_filter(0, 0, None), "warn,s3=error,statusinator=info");
        assert_eq!(log_filter(0, 0, Some("debug".into())), "debug");
        assert_eq!(
            log_filter(1, 0, Some("error".into())),
            "debug,statusinator=debug"
        );
        assert_eq!(log_filter(0, 2, None), "error,statusinator=error");
    }
}
