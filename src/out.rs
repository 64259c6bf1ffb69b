//! What commands print on standard output. A reader that goes away (`| head`, `| true`, a
//! closed pipe) only ends the printing: the command's work goes on to its end, nothing panics,
//! and the exit code is the work's.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);
static PRINTED: AtomicBool = AtomicBool::new(false);

/// Whether anything was printed (or tried) on standard output.
pub fn printed() -> bool {
    PRINTED.load(Ordering::Relaxed)
}

/// Prints `text` as it is.
pub fn text(text: &str) {
    PRINTED.store(true, Ordering::Relaxed);
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        // Nobody reads any more (or the output cannot take more): stop printing, quietly.
        CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Prints `text` and a newline.
pub fn line(text: &str) {
    self::text(&format!("{text}\n"));
}
