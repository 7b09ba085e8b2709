#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Generates the small media files the tests and examples use, into DIR.
# Needs: ffmpeg (the command-line tool; a test oracle, never used by reel itself).
# Usage: make-test-media.sh DIR   (idempotent: existing files are kept)
set -eu

dir=${1:?usage: make-test-media.sh DIR}
mkdir -p "$dir"
cd "$dir"
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
make() {  # make FILE ffmpeg-args...: writes FILE atomically unless it exists
    out=$1
    shift
    [ -s "$out" ] && return 0
    tmp=".tmp-$out"
    ff "$@" "$tmp"
    mv "$tmp" "$out"
}

# 10 s 320x240 30 fps H.264 (GOP 30) with a 440 Hz stereo 48 kHz AAC tone.
make clip_a.mp4 -f lavfi -i testsrc2=size=320x240:rate=30:duration=10 \
    -f lavfi -i sine=frequency=440:sample_rate=48000:duration=10 \
    -c:v libx264 -preset ultrafast -g 30 -keyint_min 30 -sc_threshold 0 -pix_fmt yuv420p \
    -c:a aac -ac 2 -b:a 96k -shortest -f mp4
# 8 s 320x240 25 fps H.264 in QuickTime with a 660 Hz mono 44.1 kHz tone.
make clip_b.mov -f lavfi -i smptebars=size=320x240:rate=25:duration=8 \
    -f lavfi -i sine=frequency=660:sample_rate=44100:duration=8 \
    -c:v libx264 -preset ultrafast -g 25 -pix_fmt yuv420p -c:a aac -ac 1 -shortest -f mov
# 4 s 320x180 coded, with a display matrix asking for a 90-degree turn (shown 180x320).
# FFmpeg 5.1 keeps the "rotate" tag only when stream-copying, hence two steps.
if [ ! -s portrait.mp4 ]; then
    ff -f lavfi -i testsrc=size=320x180:rate=30:duration=4 \
        -c:v libx264 -preset ultrafast -g 30 -pix_fmt yuv420p -f mp4 .tmp-portrait-raw.mp4
    ff -i .tmp-portrait-raw.mp4 -c copy -metadata:s:v:0 rotate=90 -f mp4 .tmp-portrait.mp4
    rm -f .tmp-portrait-raw.mp4
    mv .tmp-portrait.mp4 portrait.mp4
fi
# 6 s of variable frame rate video: 30 fps for 2 s, then 10 fps.
make vfr.mkv -f lavfi -i testsrc2=size=160x120:rate=30:duration=6 \
    -vf "select='lt(n\,60)+not(mod(n\,3))'" -fps_mode vfr \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p -f matroska
# Still images: a half-transparent RGBA PNG and a JPEG.
make logo.png -f lavfi -i "color=c=red@0.5:size=128x128,format=rgba" -frames:v 1 -f image2 -c:v png
make photo.jpg -f lavfi -i testsrc=size=640x480 -frames:v 1 -f image2 -c:v mjpeg
# Audio-only sources at several rates and layouts.
make tone.wav -f lavfi -i sine=frequency=1000:sample_rate=48000:duration=5 -ac 1 -c:a pcm_s16le -f wav
make music.flac -f lavfi -i sine=frequency=220:sample_rate=44100:duration=20 -ac 2 -c:a flac -f flac
make surround.m4a -f lavfi -i sine=frequency=330:sample_rate=48000:duration=5 \
    -af "pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0" -c:a aac -f mp4

# Bad inputs: not media, empty, truncated.
[ -s notmedia.txt ] || printf 'this is a text file, not a video\n' > notmedia.txt
: > empty.mp4
if [ ! -s truncated.mp4 ]; then
    head -c 4096 clip_a.mp4 > .tmp-truncated.mp4
    mv .tmp-truncated.mp4 truncated.mp4
fi
