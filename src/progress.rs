//! Progress bars that know when to hide: drawn only when stdout is a terminal, so cron mail,
//! pipes and `--json` stay clean.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// Whether a progress bar would be seen: stdout and stderr are both terminals.
pub fn wanted() -> bool {
    std::io::stdout().is_terminal() && std::io::stderr().is_terminal()
}

/// A bar of `len` steps, drawn on stderr when `show` is true, hidden otherwise.
pub fn bar(len: u64, message: &'static str, show: bool) -> ProgressBar {
    if !show || len == 0 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta})")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}
