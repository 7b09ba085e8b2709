#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs what reel needs on Debian 12 and builds it into ./build (or $REEL_BUILD_DIR).
# Needs: Debian 12 with apt-get, and root or sudo when packages are missing.
# Idempotent and quiet: installs only missing packages; rebuilds only what changed.
# Environment: REEL_CMAKE_ARGS (extra cmake arguments), REEL_BUILD_DIR (default: build),
# REEL_BUILD_TARGETS (build only these targets), REEL_EXTRA_PACKAGES (more Debian packages,
# e.g. what a test stage needs).
set -eu

cd "$(dirname "$0")/.."
build_dir=${REEL_BUILD_DIR:-build}

packages="build-essential cmake pkg-config
libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev
libcli11-dev nlohmann-json3-dev libvpl-dev libcpp-httplib-dev libtbb-dev libgtest-dev libbenchmark-dev libhwy-dev
ffmpeg python3 python3-jsonschema groff-base clang-format clang libclang-rt-14-dev
${REEL_EXTRA_PACKAGES:-}"

missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -n "$missing" ]; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
    echo "setup: installing$missing" >&2
    $sudo apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

mkdir -p "$build_dir"
log="$build_dir/setup.log"
# shellcheck disable=SC2086
if ! cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${REEL_CMAKE_ARGS:-} >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup: cmake configure failed (log: $log)" >&2
    exit 1
fi
# shellcheck disable=SC2086
if ! cmake --build "$build_dir" -j"$(nproc)" ${REEL_BUILD_TARGETS:+--target $REEL_BUILD_TARGETS} >"$log" 2>&1; then
    grep -E "error|Error" "$log" | head -40 >&2
    echo "setup: build failed (full log: $log)" >&2
    exit 1
fi
