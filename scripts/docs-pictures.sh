#!/usr/bin/env bash
# Draws the README's pictures of what members see (docs/pictures/) from the product's real
# output: tests/pictures.rs runs serve against the Slack stand-in and draws its views in
# headless Chromium, then writes them here.
set -euo pipefail
cd "$(dirname "$0")/.."
STATUSINATOR_DOCS_PICTURES="$PWD/docs/pictures" \
    scripts/with-test-servers.sh cargo test --test pictures -- --nocapture
echo "docs/pictures/ updated"
