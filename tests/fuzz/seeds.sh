#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Makes the fuzz targets' seed corpora in DIR (default build/fuzz-seeds): the timeline
# fixtures, examples and bench cases; OTIO samples (../shared/otio-samples when present,
# and a small one written here); cache sidecars; tiny MP4s made with the ffmpeg CLI.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$root/build/fuzz-seeds}
rm -rf "$dir"
mkdir -p "$dir/timeline" "$dir/plan" "$dir/otio" "$dir/sidecar" "$dir/mp4"
n=0
for f in "$root"/tests/data/timelines/valid/*.json "$root"/tests/data/timelines/invalid/*.json \
         "$root"/examples/*.json "$root"/bench/pipeline/*.json; do
    case "$f" in */expectations.json) continue ;; esac
    n=$((n + 1))
    cp "$f" "$dir/timeline/$n.json"
    # The plan target reads 8 option bytes first: 5 s segments, a range of frames 0-16.
    { printf '\004\000\001\000\000\020\000\000'; cat "$f"; } > "$dir/plan/$n.json"
done
if [ -d "$root/../shared/otio-samples" ]; then
    for f in "$root"/../shared/otio-samples/*.otio; do [ -f "$f" ] && cp "$f" "$dir/otio/"; done
fi
cat > "$dir/otio/small.otio" <<'OTIO'
{"OTIO_SCHEMA": "Timeline.1", "name": "small", "global_start_time": {"OTIO_SCHEMA": "RationalTime.1", "rate": 24, "value": 0},
 "tracks": {"OTIO_SCHEMA": "Stack.1", "children": [
  {"OTIO_SCHEMA": "Track.1", "kind": "Video", "children": [
   {"OTIO_SCHEMA": "Clip.2", "name": "a", "source_range": {"OTIO_SCHEMA": "TimeRange.1",
     "start_time": {"OTIO_SCHEMA": "RationalTime.1", "rate": 24, "value": 0},
     "duration": {"OTIO_SCHEMA": "RationalTime.1", "rate": 24, "value": 48}},
    "media_references": {"DEFAULT_MEDIA": {"OTIO_SCHEMA": "ExternalReference.1", "target_url": "a.mp4"}},
    "active_media_reference_key": "DEFAULT_MEDIA"},
   {"OTIO_SCHEMA": "Transition.1", "transition_type": "SMPTE_Dissolve",
    "in_offset": {"OTIO_SCHEMA": "RationalTime.1", "rate": 24, "value": 6},
    "out_offset": {"OTIO_SCHEMA": "RationalTime.1", "rate": 24, "value": 6}},
   {"OTIO_SCHEMA": "Gap.1", "source_range": {"OTIO_SCHEMA": "TimeRange.1",
     "start_time": {"OTIO_SCHEMA": "RationalTime.1", "rate": 24, "value": 0},
     "duration": {"OTIO_SCHEMA": "RationalTime.1", "rate": 24, "value": Infinity}}}]}]}}
OTIO
sum=$(printf '%1024s' '' | tr ' ' x | sha256sum | cut -d' ' -f1)
printf '{"size": 1024, "sha256": "%s", "frames": 25}\n' "$sum" > "$dir/sidecar/good.json"
printf '{"size": 1024, "frames": "many"}\n' > "$dir/sidecar/frames-string.json"
printf '{"size": -1, "sha256": null}\n' > "$dir/sidecar/negative.json"
ff() { ffmpeg -nostdin -v error -y "$@"; }
ff -f lavfi -i testsrc2=size=64x64:rate=5:duration=0.6 -f lavfi -i sine=duration=0.6:sample_rate=8000 \
   -c:v libx264 -preset ultrafast -g 2 -c:a aac -b:a 16k -movflags +faststart "$dir/mp4/av.mp4"
ff -f lavfi -i testsrc2=size=64x64:rate=5:duration=0.6 -c:v libx264 -preset ultrafast -g 2 \
   -movflags +frag_keyframe+empty_moov "$dir/mp4/fragmented.mp4"
ff -f lavfi -i sine=duration=0.3:sample_rate=8000 -c:a aac -b:a 16k "$dir/mp4/sound.m4a"
echo "seeds in $dir"
