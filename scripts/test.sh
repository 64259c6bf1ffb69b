#!/usr/bin/env bash
# The test command: formatting, lints and every test, against a real S3-compatible server.
#
# The test servers (moto in a Python venv, see scripts/with-test-servers.sh) are installed on
# first use and started for the run. Extra arguments go to cargo test
# (e.g. scripts/test.sh --test onboard).
set -euo pipefail
cd "$(dirname "$0")/.."

exec scripts/with-test-servers.sh bash -c '
set -euo pipefail
echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --all-targets --quiet -- -D warnings
echo "==> cargo test"
# Every test file runs even when one fails, so a run shows every failure at once.
cargo test --no-fail-fast "$@"
' test.sh "$@"
