#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Sets up reel (scripts/setup.sh), generates the example media into examples/media, and
# runs the main job on the bundled example: `reel render` of examples/showcase.json into
# examples/showcase.mp4, with its stats. Extra arguments go to `reel render`.
# Needs what setup.sh and make-test-media.sh need.
set -eu

cd "$(dirname "$0")/.."
sh scripts/setup.sh
sh scripts/make-test-media.sh examples/media
./build/tools/reel/reel render examples/showcase.json -o examples/showcase.mp4 -y --stats - "$@"
