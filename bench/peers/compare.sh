#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Renders the 60 s 1080p30 benchmark timeline (three clips, one crossfade, a
# picture-in-picture; x264 veryfast crf 23 GOP 60, AAC 160k stereo mix of the three clips'
# sound) with reel, with the ffmpeg CLI (the same timeline as a filter graph) and with MLT's
# melt (the same timeline as bench/peers/pip_crossfade_1080p.mlt: luma dissolve, composite
# inset, equal-power audio crossfade), same encoder settings, alternating runs in one
# invocation. Prints per tool the median wall time, its ratio to reel's, peak RSS (GNU time's
# maximum resident set size, as in `time -v`) and the SSIM of its output against ffmpeg's.
# melt is optional: without it the script says so and compares reel with ffmpeg.
# Needs: a built reel (build/tools/reel/reel, or $REEL), ffmpeg, GNU time (/usr/bin/time);
# melt (Debian package `melt`) for the third column. Environment: REEL (the binary),
# MELT (default melt), MELT_THREADS (melt's image threads, default: all cores), REEL_ONE_PASS=1
# (also time reel's one-pass renderer, `render --range`, as "reel1").
# Usage: bench/peers/compare.sh [RUNS]   (default 2 runs of each)
set -eu

cd "$(dirname "$0")/../.."
runs=${1:-2}
reel=${REEL:-build/tools/reel/reel}
melt=${MELT:-melt}
media=bench/pipeline/media
case $runs in '' | *[!0-9]*) runs=0 ;; esac
if [ "$runs" -lt 1 ]; then
    echo "usage: $0 [RUNS]   (RUNS: how many renders per tool, a whole number >= 1, not '${1:-}')" >&2
    exit 2
fi
sh scripts/make-bench-media.sh "$media"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

tools="reel ${REEL_ONE_PASS:+reel1 }ffmpeg"
if command -v "$melt" >/dev/null 2>&1; then
    tools="$tools melt"
else
    echo "compare.sh: melt not found ('$melt'): skipping it (apt-get install melt to compare with MLT)" >&2
fi
melt_threads=${MELT_THREADS:-$(nproc)}

graph="[0:v]trim=0:30,setpts=PTS-STARTPTS[a];[1:v]trim=2:33,setpts=PTS-STARTPTS[b];\
[a][b]xfade=transition=fade:duration=1:offset=29[main];\
[2:v]trim=0:30,setpts=PTS-STARTPTS+10/TB,scale=480:270[pip];\
[main][pip]overlay=1380:760:enable='between(t,10,40)':eof_action=pass,format=yuv420p[out];\
[0:a]atrim=0:30,asetpts=PTS-STARTPTS[aa];[1:a]atrim=2:33,asetpts=PTS-STARTPTS[ab];\
[aa][ab]acrossfade=d=1:c1=qsin:c2=qsin[am];\
[2:a]atrim=0:30,asetpts=PTS-STARTPTS,adelay=10000:all=1[ac];\
[am][ac]amix=inputs=2:duration=first:normalize=0[aout]"

measure() {  # measure NAME OUTPUT COMMAND...: prints "NAME wall rss_kib"
    name=$1
    file=$2
    shift 2
    rm -f "$file"
    /usr/bin/time -f "%e %M" -o "$out/time" "$@" >/dev/null 2>"$out/err" || { cat "$out/err" >&2; exit 1; }
    # melt exits 0 even when it could not open a source: check there is a picture.
    [ -s "$file" ] || { cat "$out/err" >&2; echo "compare.sh: $name wrote no $file" >&2; exit 1; }
    echo "$name $(cat "$out/time")"
}

render() {  # render TOOL: one measured render to $out/TOOL.mp4
    case $1 in
        reel)
            # --no-cache: every run renders every segment (a private cache, removed after).
            measure reel "$out/reel.mp4" "$reel" render bench/pipeline/pip_crossfade_1080p.json \
                -o "$out/reel.mp4" -y -q --no-cache ;;
        reel1)
            # The one-pass renderer (what --range uses): no segments, one frame-threaded encoder.
            measure reel1 "$out/reel1.mp4" "$reel" render bench/pipeline/pip_crossfade_1080p.json \
                -o "$out/reel1.mp4" -y -q --range 0-60 ;;
        ffmpeg)
            measure ffmpeg "$out/ffmpeg.mp4" ffmpeg -nostdin -v error -y -i "$media/bench_a.mp4" \
                -i "$media/bench_b.mp4" -i "$media/bench_c.mp4" -filter_complex "$graph" \
                -map "[out]" -map "[aout]" -c:v libx264 -preset veryfast -crf 23 -g 60 \
                -c:a aac -b:a 160k "$out/ffmpeg.mp4" ;;
        melt)
            # real_time=-N: N image threads and never drop a frame (1, the default, drops).
            measure melt "$out/melt.mp4" "$melt" -silent bench/peers/pip_crossfade_1080p.mlt \
                -consumer "avformat:$out/melt.mp4" vcodec=libx264 preset=veryfast crf=23 g=60 \
                pix_fmt=yuv420p acodec=aac ab=160k ar=48000 channels=2 real_time=-"$melt_threads" ;;
    esac
}

i=0
while [ "$i" -lt "$runs" ]; do
    for tool in $tools; do render "$tool"; done
    i=$((i + 1))
done > "$out/runs"

ssim() {  # ssim FILE: SSIM (all planes) of FILE's picture against ffmpeg's render
    ffmpeg -nostdin -i "$1" -i "$out/ffmpeg.mp4" -lavfi "[0:v][1:v]ssim" -f null - 2>&1 |
        sed -n 's/.*All:\([0-9.]*\).*/\1/p' | tail -1
}
for tool in $tools; do
    if [ "$tool" = ffmpeg ]; then echo "ssim ffmpeg ref"; else echo "ssim $tool $(ssim "$out/$tool.mp4")"; fi
done >> "$out/runs"

awk -v tools="$tools" '
    $1 == "ssim" { ssim[$2] = $3; next }
    { n[$1]++; w[$1, n[$1]] = $2; if ($3 > m[$1]) m[$1] = $3; all[$1] = all[$1] " " $2 }
    function median(k,    i, j, v, c, t) {
        c = n[k]
        for (i = 1; i <= c; i++) v[i] = w[k, i]
        for (i = 2; i <= c; i++)
            for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
        return c % 2 ? v[(c + 1) / 2] : (v[c / 2] + v[c / 2 + 1]) / 2
    }
    END {
        split(tools, order, " ")
        for (i = 1; i in order; i++) med[order[i]] = median(order[i])
        printf "%-7s %5s %9s %9s %10s %10s  %s\n", "tool", "runs", "wall (s)", "wall/reel",
            "peak RSS", "SSIM", "each run (s)"
        for (i = 1; i in order; i++) {
            k = order[i]
            printf "%-7s %5d %9.2f %9.2f %6.0f MiB %10s %s\n", k, n[k], med[k], med[k] / med["reel"],
                m[k] / 1024, ssim[k], all[k]
        }
        printf "wall: median of runs; SSIM: Y'"'"'CbCr, all frames, against the ffmpeg render\n"
        for (i = 1; i in order; i++)
            if (order[i] != "reel")
                printf "reel / %s: wall %.2f  RSS %.2f\n", order[i], med["reel"] / med[order[i]],
                    m["reel"] / m[order[i]]
    }' "$out/runs"
