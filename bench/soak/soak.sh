#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Long-render soak (not in CI): renders a 30-minute and a 2-minute 720p timeline of the
# same shape (cuts every 10 s between two camera files, a picture-in-picture for 20 s of
# every minute, a crossfade each minute, sound from every clip) with x264 ultrafast, under
# the default memory budget and under --memory-budget 256M, and prints each render's peak
# RSS and the ratio long/short. Memory must not grow with the timeline's length: the
# hardening issue's target is a ratio of at most 1.1.
#
#   sh bench/soak/soak.sh [REEL] [WORKDIR]     (about 25 minutes on 2 cores)
#
# Media: bench/pipeline/media's 1080p camera files (scripts/make-bench-media.sh makes
# them), shown at 720p.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
reel=${1:-$root/build/tools/reel/reel}
work=${2:-$root/build/soak}
mkdir -p "$work"
sh "$root/scripts/make-bench-media.sh" "$root/bench/pipeline/media" >/dev/null
python3 - "$root/bench/pipeline/media" "$work" <<'PY'
import json, sys
media, work = sys.argv[1], sys.argv[2]
def timeline(minutes):
    main, pip = [], []
    for i in range(minutes * 6):
        # Every cut shows another part of its source (in 1..25 s), so no two segments are
        # the same picture and none is reused from the render's own cache.
        start_in = round(1 + (i * 0.37) % 24, 2)
        clip = {"id": f"cut{i}", "type": "clip", "media": "ab"[i % 2], "start": 10 * i, "in": start_in,
                "out": round(start_in + 10, 2)}
        if i % 6 == 5:  # a crossfade each minute: the clip starts 1 s early
            clip.update(start=10 * i - 1, transition_in={"kind": "crossfade", "duration": 1})
            clip["in"] = round(start_in - 1, 2)
        main.append(clip)
    for m in range(minutes):
        pip_in = round((m * 0.53) % 14, 2)
        pip.append({"type": "clip", "media": "c", "start": 60 * m + 20, "in": pip_in, "out": round(pip_in + 20, 2), "gain_db": -12,
                    "transform": {"x": 860, "y": 40, "width": 384, "height": 216}})
    return {"reel": 1, "output": {"width": 1280, "height": 720, "fps": 30,
                                  "video": {"codec": "h264", "preset": "ultrafast", "crf": 23}},
            "media": {k: {"path": f"{media}/bench_{k}.mp4"} for k in "abc"},
            "tracks": [{"items": main}, {"items": pip}]}
for minutes in (2, 30):
    with open(f"{work}/soak_{minutes}min.json", "w") as f:
        json.dump(timeline(minutes), f, indent=1)
PY
rss() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['peak_rss_bytes'] // 1048576, round(d['wall_seconds'], 1))" "$1"; }
for budget in default 256M; do
    flag=""; [ "$budget" = default ] || flag="--memory-budget $budget"
    for minutes in 2 30; do
        "$reel" render "$work/soak_${minutes}min.json" -o "$work/soak_${minutes}min.mp4" -y --no-cache \
            --progress none $flag --stats "$work/stats_${minutes}min_$budget.json"
    done
    set -- $(rss "$work/stats_2min_$budget.json") $(rss "$work/stats_30min_$budget.json")
    echo "budget $budget: 2 min peak RSS $1 MiB ($2 s), 30 min peak RSS $3 MiB ($4 s), ratio" \
        "$(python3 -c "print(round($3 / $1, 3))")"
done
