//! Exit codes, named: 0 success, 1 some work failed (the rest was done), 2 usage or configuration.

use std::fmt;

/// The process exit codes of every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Success = 0,
    Failure = 1,
    Usage = 2,
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code as u8)
    }
}

/// A mistake in the command line, the settings or the input files: the user must fix something
/// before anything can run. Exits with code 2. A typed error that means the same (an input's
/// list of problems, a member whose connection stopped) is carried whole inside one
/// ([`UsageError::of`]) and found again with [`find`].
pub struct UsageError {
    message: String,
    /// The typed error this one is, when it is more than a message.
    inner: Option<Box<dyn std::any::Any + Send + Sync>>,
}

impl fmt::Debug for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UsageError").field(&self.message).finish()
    }
}

impl UsageError {
    pub fn new(message: impl Into<String>) -> Self {
        UsageError {
            message: message.into(),
            inner: None,
        }
    }

    /// `error`, which is the user's to fix, as an error that exits 2; it reads as `error` does.
    /// The types carried this way are no errors of their own, so none can leave without it.
    pub fn of(error: impl fmt::Display + Send + Sync + 'static) -> anyhow::Error {
        anyhow::Error::new(UsageError {
            message: error.to_string(),
            inner: Some(Box::new(error)),
        })
    }

    /// What it says.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UsageError {}

/// The exit code an error means: `Usage` when a [`UsageError`] is anywhere in its chain, else
/// `Failure` (something could not be reached or failed; trying again may do).
pub fn code_for(err: &anyhow::Error) -> ExitCode {
    if err.chain().any(|cause| cause.is::<UsageError>()) {
        ExitCode::Usage
    } else {
        ExitCode::Failure
    }
}

/// The `T` a [`UsageError`] in `err`'s chain carries.
pub fn find<T: 'static>(err: &anyhow::Error) -> Option<&T> {
    err.chain().find_map(|cause| {
        let inner = cause.downcast_ref::<UsageError>()?.inner.as_deref()?;
        inner.downcast_ref::<T>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Typed(u8);

    impl fmt::Display for Typed {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "typed {}", self.0)
        }
    }

    #[test]
    fn a_typed_usage_error_exits_2_reads_as_itself_and_is_found_again() {
        let err = UsageError::of(Typed(7)).context("onboarding");
        assert_eq!(code_for(&err), ExitCode::Usage);
        assert_eq!(format!("{err:#}"), "onboarding: typed 7");
        assert_eq!(find::<Typed>(&err), Some(&Typed(7)));
        let plain = anyhow::anyhow!("unreachable");
        assert_eq!(code_for(&plain), ExitCode::Failure);
        assert_eq!(find::<Typed>(&plain), None);
        assert_eq!(
            code_for(&anyhow::Error::new(UsageError::new("x"))),
            ExitCode::Usage
        );
    }
}
