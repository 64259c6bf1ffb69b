#!/usr/bin/env bash
# Regenerates the checked-in shell completion scripts from the CLI definition.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin=target/debug/statusinator
$bin completions bash > completions/statusinator.bash
$bin completions zsh > completions/_statusinator
$bin completions fish > completions/statusinator.fish
$bin completions powershell > completions/_statusinator.ps1
$bin completions elvish > completions/statusinator.elv
echo "completions/ updated"
