#!/usr/bin/env bash
# Runs a command with the test servers up: scripts/with-test-servers.sh COMMAND [ARGS...]
#
# On a fresh machine it creates a Python venv (target/test-venv) with moto and Slack's own SDK
# (slack_sdk, to prove request signing matches Slack's), installs Debian's chromium,
# chromium-driver, sudo, nginx, openssl and redis-server when they are missing (the browser tests
# drive a real headless Chromium; the deployment test runs the README's sudo commands; the TLS
# proxy test runs the example nginx site; the replicas share Slack's budget through Redis),
# starts moto and redis-server on free loopback ports, exports STATUSINATOR_TEST_S3_ENDPOINT,
# STATUSINATOR_TEST_REDIS_URL and STATUSINATOR_TEST_PYTHON for the command, and stops both
# whatever happens. Used by scripts/test.sh and the benchmarks.
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
# test that runs the README's deployment commands), nginx and openssl (the TLS proxy example),
# redis-server (several processes sharing Slack's budget; tests that stop Redis start their own).
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v chromedriver >/dev/null 2>&1 || missing="$missing chromium-driver"
command -v sudo >/dev/null 2>&1 || missing="$missing sudo"
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing="$missing nginx"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
if [ -n "$missing" ]; then
    echo "==> installing$missing (Debian) for the tests"
    if [ "$(id -u)" -eq 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        # Packages are installed, not started: nginx's and Redis's own services stay off (the
        # tests start theirs on loopback themselves).
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

free_port() {
    "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=$(free_port)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" > target/moto.log 2>&1 &
moto_pid=$!
redis_pid=""
stop_servers() {
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
    if [ -n "$redis_pid" ]; then
        kill "$redis_pid" 2>/dev/null || true
        wait "$redis_pid" 2>/dev/null || true
    fi
}
trap stop_servers EXIT
# wait_for NAME PID LOG PYTHON: until the Python check passes; fails with the log if NAME exits.
wait_for() {
    for _ in $(seq 1 150); do
        if "$venv/bin/python" -c "$4" 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$2" 2>/dev/null; then
            echo "$1 exited; its log:" >&2
            cat "$3" >&2
            exit 1
        fi
        sleep 0.2
    done
    echo "$1 did not answer in 30 s; its log:" >&2
    cat "$3" >&2
    exit 1
}
wait_for moto "$moto_pid" target/moto.log \
    "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')"
export STATUSINATOR_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
export STATUSINATOR_TEST_PYTHON="$PWD/$venv/bin/python"
echo "==> moto on $STATUSINATOR_TEST_S3_ENDPOINT"

redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
    --daemonize no --logfile "$PWD/target/redis.log" &
redis_pid=$!
wait_for redis-server "$redis_pid" target/redis.log "
import socket
s = socket.create_connection(('127.0.0.1', $redis_port), timeout=1)
s.sendall(b'PING\\r\\n')
assert s.recv(16).startswith(b'+PONG')"
export STATUSINATOR_TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
echo "==> redis-server on $STATUSINATOR_TEST_REDIS_URL"

"$@"
