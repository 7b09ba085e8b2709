#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Sets up (scripts/setup.sh), builds and runs every test, in three builds:
#   main  build/       every test: unit, end-to-end, schemas, man pages, include edges,
#                      formatting;
#   asan  build-fuzz/  clang with AddressSanitizer + UBSan and libFuzzer: every test
#                      again, and a 10 s smoke run of each fuzz target (tests/fuzz);
#   tsan  build-tsan/  ThreadSanitizer: the threaded tests (renders with several workers,
#                      concurrent cache users, the segment cache and render unit tests).
# The sanitizer builds are -O1 -g1 (CMAKE_BUILD_TYPE Check): line tables only: they build in about half the time
# of RelWithDebInfo and still give symbolised stacks.
# Environment: CI=true turns warnings into errors; REEL_TEST_STAGES picks stages (default
# "main asan tsan"); REEL_FUZZ_SECONDS sets each fuzz smoke run (default 10).
set -eu

cd "$(dirname "$0")/.."
stages=${REEL_TEST_STAGES:-main asan tsan}
werror=""
if [ "${CI:-}" = "true" ]; then werror="-DREEL_WERROR=ON"; fi
root=$(pwd)
light="-DCMAKE_BUILD_TYPE=Check"
t0=$(date +%s)
stage_done() { echo "test.sh: stage $1 passed in $(($(date +%s) - $2)) s" >&2; }

for stage in $stages; do
    t=$(date +%s)
    case "$stage" in
    main)
        # The browser test's chromium, chromedriver and Selenium, and the farm tests' one-node
        # Slurm (started by scripts/slurm-local.sh) and PyYAML, come with this stage only.
        REEL_EXTRA_PACKAGES="chromium chromium-driver python3-selenium slurm-wlm slurm-client munge python3-yaml" \
        REEL_BUILD_DIR=build REEL_CMAKE_ARGS="-DREEL_BUILD_TESTS=ON $werror ${REEL_CMAKE_ARGS:-}" sh scripts/setup.sh
        ctest --test-dir build --output-on-failure -j"$(nproc)"
        ;;
    asan)
        # Leaks inside third-party libraries only (see the file for the evidence).
        LSAN_OPTIONS="suppressions=$root/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
        REEL_BUILD_DIR=build-fuzz REEL_CMAKE_ARGS="$light -DCMAKE_CXX_COMPILER=clang++ -DREEL_SANITIZE=ON -DREEL_FUZZ=ON \
            -DREEL_BUILD_TESTS=ON -DREEL_BUILD_BENCH=OFF -DREEL_FUZZ_SECONDS=${REEL_FUZZ_SECONDS:-10} $werror" \
            sh scripts/setup.sh
        # e2e_bench, the browser test and the Slurm test are left to the main stage: the suite's
        # renders take the paths the other e2e tests cover, at several times the cost under
        # ASan; the browser plays in real time what e2e_preview checks here; the Slurm test
        # runs through the scheduler's daemons (and its timing) the very tasks and join that
        # e2e_farm_emit runs here by hand (CI has 30 minutes).
        LSAN_OPTIONS="suppressions=$root/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
            ctest --test-dir build-fuzz --output-on-failure -j"$(nproc)" -E '^e2e_(bench|preview_browser|farm_slurm)$'
        ;;
    tsan)
        REEL_BUILD_DIR=build-tsan REEL_BUILD_TARGETS="reel cache_test render_test audio_test" \
            REEL_CMAKE_ARGS="$light -DREEL_TSAN=ON -DREEL_BUILD_TESTS=ON -DREEL_BUILD_BENCH=OFF $werror" \
            sh scripts/setup.sh
        TSAN_OPTIONS="suppressions=$root/tests/tsan.supp:halt_on_error=1:second_deadlock_stack=1" \
            ctest --test-dir build-tsan --output-on-failure -j"$(nproc)" -L threaded
        ;;
    *)
        echo "test.sh: unknown stage \"$stage\" (main, asan, tsan)" >&2
        exit 2
        ;;
    esac
    stage_done "$stage" "$t"
done
echo "test.sh: all stages ($stages) passed in $(($(date +%s) - t0)) s" >&2
