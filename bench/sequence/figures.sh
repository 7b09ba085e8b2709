#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Issue 16's figure: how fast `reel render` renders a 1080p PNG sequence of 300 frames
# compared with the same pictures as an H.264 file, and how many frames it decoded in
# parallel. Makes its media with the ffmpeg CLI (testsrc2, 30 fps), renders each timeline
# RUNS times (default 3) alternately with a fresh cache, and prints the median wall times,
# their ratio and the stats' sequence_decodes_peak.
#
#   sh bench/sequence/figures.sh [REEL] [RUNS]
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
reel=${1:-$here/build/tools/reel/reel}
runs=${2:-3}
work=$(mktemp -d /tmp/reel-seq-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/seq"
ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=1920x1080:rate=30 -frames:v 300 "$work/seq/f.%04d.png"
ffmpeg -nostdin -v error -framerate 30 -start_number 1 -i "$work/seq/f.%04d.png" -c:v libx264 -preset veryfast \
    -crf 16 -g 30 -pix_fmt yuv420p "$work/same.mp4"
for kind in seq mp4; do
    if [ $kind = seq ]; then media='{"path": "seq/f.%04d.png", "sequence": {"rate": 30}}'; else media='{"path": "same.mp4"}'; fi
    cat > "$work/$kind.json" <<JSON
{ "reel": 1,
  "output": { "width": 1920, "height": 1080, "fps": 30, "video": { "codec": "h264", "preset": "veryfast", "crf": 23 } },
  "media": { "m": $media },
  "tracks": [ { "items": [ { "type": "clip", "media": "m", "start": 0 } ] } ] }
JSON
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for i in $(seq "$runs"); do
    for kind in seq mp4; do
        rm -rf "$work/cache"
        start=$(date +%s.%N)
        "$reel" render "$work/$kind.json" -o "$work/$kind.mp4" -y --progress none --cache-dir "$work/cache" \
            --stats "$work/$kind-$i.stats.json" >/dev/null
        end=$(date +%s.%N)
        echo "$end - $start" | bc >> "$work/$kind.times"
    done
done
seq_t=$(median < "$work/seq.times")
mp4_t=$(median < "$work/mp4.times")
peak=$(python3 -c "import json,sys; print(max(json.load(open(f))['sequence_decodes_peak'] for f in sys.argv[1:]))" "$work"/seq-*.stats.json)
echo "png_sequence_300x1080p_seconds $seq_t"
echo "h264_same_pictures_seconds $mp4_t"
echo "ratio_sequence_over_h264 $(echo "scale=3; $seq_t / $mp4_t" | bc)"
echo "sequence_decodes_peak $peak (cores: $(nproc))"
