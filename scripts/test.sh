#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Sets up (scripts/setup.sh), builds and runs every test: unit, end-to-end, schemas,
# man pages, include edges and formatting. Needs what setup.sh needs.
# Environment: CI=true turns warnings into errors; REEL_SANITIZE=1 builds with
# AddressSanitizer + UBSan into build-asan instead.
set -eu

cd "$(dirname "$0")/.."
args="-DREEL_BUILD_TESTS=ON"
if [ "${CI:-}" = "true" ]; then args="$args -DREEL_WERROR=ON"; fi
if [ "${REEL_SANITIZE:-0}" = "1" ]; then
    args="$args -DREEL_SANITIZE=ON"
    REEL_BUILD_DIR=${REEL_BUILD_DIR:-build-asan}
    # Leaks inside third-party libraries only (see the file for the evidence).
    LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
    export LSAN_OPTIONS
fi
build_dir=${REEL_BUILD_DIR:-build}
REEL_BUILD_DIR=$build_dir REEL_CMAKE_ARGS="$args ${REEL_CMAKE_ARGS:-}" sh scripts/setup.sh
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)"
