#!/usr/bin/env bash
# Regenerates the checked-in shell completion scripts and manual pages from the CLI definition.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin=target/debug/statusinator
$bin completions bash > completions/statusinator.bash
$bin completions zsh > completions/_statusinator
$bin completions fish > completions/statusinator.fish
$bin completions powershell > completions/_statusinator.ps1
$bin completions elvish > completions/statusinator.elv
mkdir -p man
$bin man > man/statusinator.1
for command in onboard apply forget preview poll serve tokens tokens-forget tokens-new-key doctor \
    export completions man; do
    $bin man "$command" > "man/statusinator-$command.1"
done
echo "completions/ and man/ updated"
