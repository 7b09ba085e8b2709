#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The figures of reel's proxies, in one run: the time to make the proxies of a 10 s 2160p
# and a 60 s 1080p timeline, and full renders against preview renders from the proxies
# (half scale, and 2160p to 720p), with peak RSS. Every render is a whole render: the full
# ones without a cache (--no-cache), the previews after their segments are removed.
#
#   [REPEAT=3] sh bench/proxy/figures.sh [REEL] [WORK_DIR]
#
# Needs: ffmpeg (to make the media; a test tool, never used by reel itself), python3.
# Prints one line per step and a table of the results; the media stay in WORK_DIR
# (default /tmp/reel-proxy-figures) and are made only once.
set -eu
REEL=${1:-build/tools/reel/reel}
WORK=${2:-/tmp/reel-proxy-figures}
REEL=$(cd "$(dirname "$REEL")" && pwd)/$(basename "$REEL")
mkdir -p "$WORK/media"
cd "$WORK"
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
make_media() {  # make_media FILE SIZE SECONDS
    [ -s "media/$1" ] && return 0
    ff -f lavfi -i "testsrc2=size=$2:rate=30:duration=$3" -f lavfi -i "sine=frequency=440:duration=$3" \
        -c:v libx264 -preset ultrafast -crf 20 -g 60 -pix_fmt yuv420p -c:a aac -shortest "media/.$1"
    mv "media/.$1" "media/$1"
}
make_media uhd.mp4 3840x2160 10
make_media hd_a.mp4 1920x1080 31
make_media hd_b.mp4 1920x1080 31
cat > uhd.json <<'JSON'
{"reel": 1, "output": {"width": 3840, "height": 2160, "fps": 30},
 "media": {"uhd": {"path": "media/uhd.mp4"}},
 "tracks": [{"items": [{"type": "clip", "media": "uhd", "start": 0, "out": 10}]},
            {"items": [{"type": "color", "color": "#20202080", "start": 2, "duration": 6,
                        "transform": {"x": 240, "y": 1680, "width": 1600, "height": 240}}]}]}
JSON
cat > hd.json <<'JSON'
{"reel": 1, "output": {"width": 1920, "height": 1080, "fps": 30},
 "media": {"a": {"path": "media/hd_a.mp4"}, "b": {"path": "media/hd_b.mp4"}},
 "tracks": [{"items": [{"type": "clip", "media": "a", "start": 0, "in": 0, "out": 30.5},
                       {"type": "clip", "media": "b", "start": 29.5, "in": 0, "out": 30.5,
                        "transition_in": {"kind": "crossfade", "duration": 1}}]}]}
JSON
CACHE="$WORK/cache"
rm -rf "$CACHE"
# Each render runs REPEAT times (default 3), the configurations interleaved, so that load
# from other work on the machine spreads over all of them; medians are reported, of the
# wall time and of the CPU time (user + system) that reel used.
REEL="$REEL" CACHE="$CACHE" REPEAT="${REPEAT:-3}" python3 - <<'PY'
import json, os, resource, shutil, statistics, subprocess, time
reel, cache, repeat = os.environ["REEL"], os.environ["CACHE"], int(os.environ["REPEAT"])

def run(name, *args):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run([reel, *args, "--progress", "none", "-q", "--stats", f"{name}.stats.json"], check=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.load(open(f"{name}.stats.json"))

def segments_gone():
    shutil.rmtree(os.path.join(cache, "segments"), ignore_errors=True)
    shutil.rmtree(os.path.join(cache, "sound"), ignore_errors=True)

once = {}
for name, args in [("proxy_uhd", ["proxy", "uhd.json"]), ("proxy_hd", ["proxy", "hd.json"]),
                   ("proxy_hd540", ["proxy", "hd.json", "--height", "540"])]:
    print(f"== {name}", flush=True)
    once[name] = run(name, *args, "--cache-dir", cache)
renders = {
    "full_uhd": ["render", "uhd.json", "-o", "full_uhd.mp4", "-y", "--no-cache"],
    "half_uhd": ["render", "uhd.json", "-o", "half_uhd.mp4", "-y", "--proxy", "--scale", "0.5"],
    "p720_uhd": ["render", "uhd.json", "-o", "p720_uhd.mp4", "-y", "--proxy", "--size", "1280x720"],
    "full_hd": ["render", "hd.json", "-o", "full_hd.mp4", "-y", "--no-cache"],
    "half_hd720": ["render", "hd.json", "-o", "half_hd720.mp4", "-y", "--proxy", "--scale", "0.5",
                   "--proxy-height", "720"],
    "half_hd": ["render", "hd.json", "-o", "half_hd.mp4", "-y", "--proxy", "--scale", "0.5"],
}
runs = {n: [] for n in renders}
for i in range(repeat):
    for name, args in renders.items():
        print(f"== {name} #{i + 1}", flush=True)
        if "--proxy" in args:
            args = args + ["--cache-dir", cache]
            segments_gone()
        runs[name].append(run(name, *args))
segments_gone()
med = {n: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs),
           max(r[2]["peak_rss_bytes"] for r in rs) / 2**20, rs[-1][2]) for n, rs in runs.items()}
print(f"load average now: {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores; median of {repeat} runs")
print(f"{'step':<46} {'wall s':>7} {'cpu s':>7} {'wall x':>7} {'cpu x':>7} {'peak RSS MiB':>13}")
for n, label in [("proxy_uhd", "make proxies: 10 s 2160p source, 720p"), ("proxy_hd", "make proxies: 2 x 31 s 1080p, 720p"),
                 ("proxy_hd540", "make proxies: 2 x 31 s 1080p, 540p")]:
    w, c, s = once[n]
    print(f"{label:<46} {w:7.1f} {c:7.1f} {'':>7} {'':>7} {s['peak_rss_bytes'] / 2**20:13.0f}")
for full, n, label in [("full_uhd", "full_uhd", "full render 10 s 2160p"),
                       ("full_uhd", "half_uhd", "proxy render 2160p -> 1080p (--scale 0.5)"),
                       ("full_uhd", "p720_uhd", "proxy render 2160p -> 720p"),
                       ("full_hd", "full_hd", "full render 60 s 1080p"),
                       ("full_hd", "half_hd720", "proxy render 1080p -> 540p, 720p proxies"),
                       ("full_hd", "half_hd", "proxy render 1080p -> 540p, best (540p)")]:
    w, c, rss, s = med[n]
    x = "" if n == full else f"{med[full][0] / w:6.2f}x"
    y = "" if n == full else f"{med[full][1] / c:6.2f}x"
    print(f"{label:<46} {w:7.1f} {c:7.1f} {x:>7} {y:>7} {rss:13.0f}")
for n in ["half_uhd", "p720_uhd", "half_hd720", "half_hd"]:
    print(n, "decoded:", ", ".join(f"{d['media']} <- {d['decoded'].rsplit('/', 1)[-1][:12]}... ({d['from']})"
                                   for d in med[n][3]["sources"]))
PY
