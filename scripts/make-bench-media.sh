#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Generates the 1080p30 sources the pipeline benchmarks use, into DIR: three 35 s clips
# with motion and temporal noise (so encoders and decoders do real work) and AAC tones.
# Needs: ffmpeg (the command-line tool; reel itself never runs it).
# Usage: make-bench-media.sh DIR   (idempotent: existing files are kept)
set -eu

dir=${1:?usage: make-bench-media.sh DIR}
mkdir -p "$dir"
cd "$dir"
make() {  # make FILE SOURCE FREQ
    [ -s "$1" ] && return 0
    ffmpeg -nostdin -hide_banner -loglevel error -y \
        -f lavfi -i "$2=size=1920x1080:rate=30,noise=alls=6:allf=t" \
        -f lavfi -i "sine=frequency=$3:sample_rate=48000:duration=35" \
        -t 35 -c:v libx264 -preset veryfast -crf 23 -g 60 -pix_fmt yuv420p -c:a aac -ac 2 \
        -f mp4 ".tmp-$1"
    mv ".tmp-$1" "$1"
}
make bench_a.mp4 testsrc2 440
make bench_b.mp4 smptehdbars 550
make bench_c.mp4 mandelbrot 660
