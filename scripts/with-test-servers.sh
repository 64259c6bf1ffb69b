#!/usr/bin/env bash
# Runs a command with the test servers up: scripts/with-test-servers.sh COMMAND [ARGS...]
#
# On a fresh machine it creates a Python venv (target/test-venv) with moto and Slack's own SDK
# (slack_sdk, to prove request signing matches Slack's), installs Debian's chromium,
# chromium-driver, sudo, nginx and openssl when they are missing (the browser tests drive a real
# headless Chromium; the deployment test runs the README's sudo commands; the TLS proxy test
# runs the example nginx site),
# starts moto on a free loopback port, exports STATUSINATOR_TEST_S3_ENDPOINT and
# STATUSINATOR_TEST_PYTHON for the command, and stops moto whatever happens. Used by
# scripts/test.sh and the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/test-venv
requirements=scripts/test-requirements.txt
stamp="$venv/.requirements"
mkdir -p target
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$stamp"; then
    echo "==> creating $venv with the test servers"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
fi

# Debian packages the tests run: headless Chromium and its driver (the browser tests), sudo (the
# test that runs the README's deployment commands), nginx and openssl (the TLS proxy example).
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v chromedriver >/dev/null 2>&1 || missing="$missing chromium-driver"
command -v sudo >/dev/null 2>&1 || missing="$missing sudo"
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing="$missing nginx"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
if [ -n "$missing" ]; then
    echo "==> installing$missing (Debian) for the tests"
    if [ "$(id -u)" -eq 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        # Packages are installed, not started: nginx's own service stays off (the test starts
        # its nginx on loopback itself).
        no_start=""
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
            chmod +x /usr/sbin/policy-rc.d
            no_start=yes
        fi
        apt-get update -q >/dev/null
        # shellcheck disable=SC2086
        apt-get install -y -q $missing >/dev/null
        if [ -n "$no_start" ]; then
            rm -f /usr/sbin/policy-rc.d
        fi
    else
        echo "the tests need$missing: run" >&2
        echo "  sudo apt-get install$missing" >&2
        exit 1
    fi
fi

port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" > target/moto.log 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    if "$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$moto_pid" 2>/dev/null; then
        echo "moto_server exited; its log:" >&2
        cat target/moto.log >&2
        exit 1
    fi
    sleep 0.2
done
export STATUSINATOR_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
export STATUSINATOR_TEST_PYTHON="$PWD/$venv/bin/python"
echo "==> moto on $STATUSINATOR_TEST_S3_ENDPOINT"

"$@"
