//! `statusinator export [-o FILE]`: every member's presets and the workspace presets in the
//! store, as one `users.json` (the store's own format: pictures named by their key), to stdout
//! or a file replaced whole. `onboard` takes the file back as it is.

use anyhow::Result;

use crate::cli::ExportArgs;
use crate::exit::{ExitCode, UsageError};
use crate::settings::Settings;
use crate::store;

pub fn run(settings: &Settings, args: &ExportArgs) -> Result<ExitCode> {
    let store = settings.store.open()?;
    let users = store::require_users(store.as_ref())?;
    let bytes = users.to_json();
    let sections = users.sections.workspace.len()
        + users
            .sections
            .workspaces
            .values()
            .map(|section| section.len())
            .sum::<usize>();
    let summary = format!(
        "{} member{} presets and {sections} workspace preset{}",
        users.users.len(),
        if users.users.len() == 1 { "'s" } else { "s'" },
        if sections == 1 { "" } else { "s" }
    );
    match &args.output {
        None => {
            crate::out::text(&String::from_utf8_lossy(&bytes));
            log::info!("exported {summary}");
        }
        Some(path) => {
            if path.is_dir() {
                return Err(UsageError::new(format!(
                    "{} is a directory: give -o a file name (presets.json)",
                    path.display()
                ))
                .into());
            }
            let path = if path.parent().is_some_and(|p| p.as_os_str().is_empty()) {
                std::path::Path::new(".").join(path)
            } else {
                path.clone()
            };
            store::write_atomically(&path, &bytes).map_err(|err| {
                UsageError::new(format!(
                    "{err:#}; check that the directory exists and is writable"
                ))
            })?;
            crate::out::text(&format!("exported {summary} to {}\n", path.display()));
        }
    }
    Ok(ExitCode::Success)
}
