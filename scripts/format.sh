#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Formats every C++ file with clang-format (--check: report files that differ, exit 1).
# Needs: clang-format (Debian 12: version 14).
set -eu

cd "$(dirname "$0")/.."
files=$(git ls-files '*.cpp' '*.h' 2>/dev/null || find lib tools tests bench -name '*.cpp' -o -name '*.h')
if [ "${1:-}" = "--check" ]; then
    clang-format --dry-run --Werror $files
else
    clang-format -i $files
fi
