#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The long fuzz run (not in CI): builds the libFuzzer targets (clang, ASan + UBSan) into
# build-fuzz if needed, then runs each target for SECONDS (default 1800) on its seed
# corpus plus what earlier long runs found (build-fuzz/fuzz-long/<target>/corpus), and
# prints one line per target: executions, coverage (libFuzzer's cov: edges and ft:
# features), corpus size and crashes. A crash leaves crash-* files in
# build-fuzz/fuzz-long/<target>/: turn each into a fixture (tests/data) and fix it.
#
#   sh scripts/fuzz-long.sh [SECONDS] [TARGET...]
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${1:-1800}
[ $# -gt 0 ] && shift
targets=${*:-timeline otio plan cache_sidecar composite_input}
REEL_BUILD_DIR=build-fuzz REEL_CMAKE_ARGS="-DCMAKE_BUILD_TYPE=Check -DCMAKE_CXX_COMPILER=clang++ -DREEL_SANITIZE=ON \
    -DREEL_FUZZ=ON -DREEL_BUILD_TESTS=ON -DREEL_BUILD_BENCH=OFF" sh scripts/setup.sh
sh tests/fuzz/seeds.sh "$root/build-fuzz/fuzz-seeds" >/dev/null
seeds() {
    case "$1" in
    timeline) echo timeline ;; otio) echo otio ;; plan) echo plan ;;
    cache_sidecar) echo sidecar ;; composite_input) echo mp4 ;;
    esac
}
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp"
for t in $targets; do
    dir="$root/build-fuzz/fuzz-long/$t"
    mkdir -p "$dir/corpus"
    log="$dir/run.log"
    (cd "$dir" && "$root/build-fuzz/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=3072 \
        -max_len=65536 -print_final_stats=1 corpus "$root/build-fuzz/fuzz-seeds/$(seeds "$t")" >"$log" 2>&1) || true
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(echo "$last" | grep -o 'cov: [0-9]*' || true)
    ft=$(echo "$last" | grep -o 'ft: [0-9]*' || true)
    crashes=$(find "$dir" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' -o -maxdepth 1 -name 'timeout-*' | wc -l)
    echo "$t: $execs executions, $cov, $ft, corpus $(ls "$dir/corpus" | wc -l), crashes $crashes (log $log)"
done
