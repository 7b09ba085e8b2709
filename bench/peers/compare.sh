#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Renders the 60 s 1080p30 benchmark timeline (three clips, one crossfade, a
# picture-in-picture; x264 veryfast crf 23, AAC 160k stereo mix of the three clips' sound)
# with reel and with the ffmpeg CLI (the same
# timeline as a filter graph, same encoder settings), alternating runs in one invocation,
# and prints wall time, peak RSS, their ratios and the SSIM of reel's output against
# ffmpeg's. Needs: a built reel (build/tools/reel/reel), ffmpeg, GNU time (/usr/bin/time).
# Usage: bench/peers/compare.sh [RUNS]   (default 2 runs of each)
set -eu

cd "$(dirname "$0")/../.."
runs=${1:-2}
reel=${REEL:-build/tools/reel/reel}
media=bench/pipeline/media
sh scripts/make-bench-media.sh "$media"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

graph="[0:v]trim=0:30,setpts=PTS-STARTPTS[a];[1:v]trim=2:33,setpts=PTS-STARTPTS[b];\
[a][b]xfade=transition=fade:duration=1:offset=29[main];\
[2:v]trim=0:30,setpts=PTS-STARTPTS+10/TB,scale=480:270[pip];\
[main][pip]overlay=1380:760:enable='between(t,10,40)':eof_action=pass,format=yuv420p[out];\
[0:a]atrim=0:30,asetpts=PTS-STARTPTS[aa];[1:a]atrim=2:33,asetpts=PTS-STARTPTS[ab];\
[aa][ab]acrossfade=d=1:c1=qsin:c2=qsin[am];\
[2:a]atrim=0:30,asetpts=PTS-STARTPTS,adelay=10000:all=1[ac];\
[am][ac]amix=inputs=2:duration=first:normalize=0[aout]"

measure() {  # measure NAME COMMAND...: prints "NAME wall rss_kib"
    name=$1
    shift
    /usr/bin/time -f "%e %M" -o "$out/time" "$@" >/dev/null 2>"$out/err" || { cat "$out/err" >&2; exit 1; }
    echo "$name $(cat "$out/time")"
}

i=0
while [ "$i" -lt "$runs" ]; do
    measure reel "$reel" render bench/pipeline/pip_crossfade_1080p.json -o "$out/reel.mp4" -y -q
    measure ffmpeg ffmpeg -nostdin -v error -y -i "$media/bench_a.mp4" -i "$media/bench_b.mp4" \
        -i "$media/bench_c.mp4" -filter_complex "$graph" -map "[out]" -map "[aout]" \
        -c:v libx264 -preset veryfast -crf 23 -g 60 -c:a aac -b:a 160k "$out/ffmpeg.mp4"
    i=$((i + 1))
done > "$out/runs"

ssim=$(ffmpeg -nostdin -i "$out/reel.mp4" -i "$out/ffmpeg.mp4" -lavfi "[0:v][1:v]ssim" -f null - 2>&1 |
    sed -n 's/.*All:\([0-9.]*\).*/\1/p' | tail -1)
awk -v ssim="$ssim" '
    { n[$1]++; t[$1] += $2; if ($3 > m[$1]) m[$1] = $3; all[$1] = all[$1] " " $2 }
    END {
        printf "%-8s %6s %10s %12s  %s\n", "tool", "runs", "wall (s)", "peak RSS", "each run (s)"
        for (k in n) printf "%-8s %6d %10.2f %9.0f MiB %s\n", k, n[k], t[k] / n[k], m[k] / 1024, all[k]
        printf "reel / ffmpeg wall: %.2f   RSS: %.2f   SSIM(reel, ffmpeg): %s\n",
            (t["reel"] / n["reel"]) / (t["ffmpeg"] / n["ffmpeg"]), m["reel"] / m["ffmpeg"], ssim
    }' "$out/runs"
