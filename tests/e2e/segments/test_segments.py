# SPDX-License-Identifier: Apache-2.0
"""Issue 5 end to end: segments rendered into a content-addressed cache, stream-copy
composite, streaming fragmented MP4, resume after SIGKILL, concurrent renders sharing one
cache. Written from the issue and the CLI contract, independently of the code.

Oracles are independent of reel: `reel plan --format json` gives the segment frame ranges
and keys that the cache files are named by; ffprobe counts frames; the ffmpeg CLI decodes
every output to per-frame MD5s (-f framemd5) and lists compressed packets (-c copy) to show
a join is a stream copy; hashlib checks the sidecars; the MP4 box headers of the stream are
parsed here, byte by byte, as they arrive from the pipe.

Every command gets an explicit --cache-dir inside the test's folder, and $XDG_CACHE_HOME
points into that folder too (a stray default cache would show up there and fail the test)."""

import hashlib
import json
import os
import re
import signal
import subprocess
import time
import unittest
from pathlib import Path

from reel_e2e import REEL, SOURCE, ProjectTestCase, Result, ffprobe, run_reel, validate

FPS = 30
SEG = "1"  # --segment-seconds for every command here
KEY_NAME = re.compile(r"^([0-9a-f]+)\.(mp4|json)$")


# -- Timelines ---------------------------------------------------------------------------


def clip(start, src_in, src_out, **extra):
    return {"type": "clip", "media": "a", "start": start, "in": src_in, "out": src_out, **extra}


def colour(c, start, duration, **extra):
    return {"type": "color", "color": c, "start": start, "duration": duration, **extra}


def timeline(tracks, width=320, height=180, media=None, **video):
    return {"reel": 1,
            "output": {"width": width, "height": height, "fps": FPS,
                       "video": {"preset": "ultrafast", **video}},
            "media": media if media is not None else {"a": {"path": "media/clip_a.mp4"}},
            "tracks": tracks}


def edit_doc(opacity=0.5):
    """5 s of clip_a (with its sound) under a red layer "red" from 1.5 s to 3.5 s. With
    --segment-seconds 1 the plan cuts at 1.5 and 3.5 (the layers change) and splits each
    span in two: six segments, of which the red layer covers two."""
    return timeline([{"items": [clip(0, 0, 5, id="base")]},
                     {"items": [colour("#ff0000", 1.5, 2, opacity=opacity, id="red")]}])
RED_START, RED_END = 1.5, 3.5


def long_doc(seconds=12, width=640, height=360):
    """A longer, heavier timeline (two layers, sound) for the kill / stream / concurrency tests."""
    items = [clip(t, 0, min(10, seconds - t)) for t in range(0, seconds, 10)]
    return timeline([{"items": items},
                     {"items": [colour("#00ff00", 0, seconds, opacity=0.3, id="tint")]}],
                    width=width, height=height)


def frame_of(t):
    return round(t * FPS)


# -- Independent oracles -----------------------------------------------------------------


def framemd5(source, stream="v:0", stdin=None):
    """Per-frame MD5s of the decoded pictures (or audio frames) of `source` (a path, or
    'pipe:0' with bytes on stdin), by the ffmpeg CLI."""
    args = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(source),
            "-map", f"0:{stream}", "-fps_mode", "passthrough", "-f", "framemd5", "-"]
    proc = subprocess.run(args, input=stdin, capture_output=True, timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"ffmpeg framemd5 of {source} failed: {proc.stderr.decode(errors='replace')[-2000:]}")
    return parse_framemd5(proc.stdout.decode())


def parse_framemd5(text):
    return [line.split(",")[-1].strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def packet_md5s(path):
    """MD5 of every compressed video packet, as stored (ffmpeg -c copy -f framemd5)."""
    proc = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v:0", "-c", "copy",
                           "-f", "framemd5", "-"], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"ffmpeg -c copy framemd5 of {path} failed: {proc.stderr[-2000:]}")
    return parse_framemd5(proc.stdout)


def count_frames(path):
    """Video frames counted by decoding (ffprobe -count_frames); None if ffprobe fails."""
    proc = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-count_frames", "-select_streams", "v:0",
                           "-show_entries", "stream=nb_read_frames", str(path)],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        return None
    try:
        return int(json.loads(proc.stdout)["streams"][0]["nb_read_frames"])
    except (KeyError, IndexError, ValueError):
        return None


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def mp4_boxes(data, pos=0):
    """Complete top-level MP4 boxes in data[pos:]: ([(type, offset, size)], next offset)."""
    boxes = []
    while len(data) - pos >= 8:
        size = int.from_bytes(data[pos:pos + 4], "big")
        kind = bytes(data[pos + 4:pos + 8]).decode("latin-1")
        if size == 1:
            if len(data) - pos < 16:
                break
            size = int.from_bytes(data[pos + 8:pos + 16], "big")
        elif size == 0:  # "to the end of the file": not something a stream can say
            raise AssertionError(f"box {kind!r} at {pos} has size 0 (extends to end of file)")
        if size < 8:
            raise AssertionError(f"box {kind!r} at {pos} has impossible size {size}")
        if pos + size > len(data):
            break
        boxes.append((kind, pos, size))
        pos += size
    return boxes, pos


def hevc_available():
    out = subprocess.run(["ffmpeg", "-hide_banner", "-encoders"], capture_output=True, text=True).stdout
    return "libx265" in out


# -- The cache as seen from outside ------------------------------------------------------


def scan_cache(cache):
    """(entries, strays): entries maps key -> {"mp4": Path|None, "json": Path|None} for the
    files under DIR/segments; strays lists any other file there (temporaries, wrong folder)."""
    entries, strays = {}, []
    root = Path(cache) / "segments"
    if not root.is_dir():
        return entries, strays
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            m = KEY_NAME.match(name)
            if not m or path.parent.parent != root or path.parent.name != m.group(1)[:2]:
                strays.append(str(path.relative_to(root)))
                continue
            entries.setdefault(m.group(1), {"mp4": None, "json": None})[m.group(2)] = path
    return entries, strays


def published(cache, keys=None):
    """Keys with both a segment file and its sidecar (only those among `keys`, if given)."""
    entries, _ = scan_cache(cache)
    return {k for k, e in entries.items() if e["mp4"] and e["json"] and (keys is None or k in keys)}


def audio_only(path):
    """(True, facts) when the file's only stream is audio (the encoded sound mix that reel
    keeps in the cache beside the video segments), else (False, None)."""
    proc = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-show_streams", str(path)],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        return False, None
    streams = json.loads(proc.stdout).get("streams", [])
    if [st["codec_type"] for st in streams] != ["audio"]:
        return False, None
    return True, streams[0]


def check_entry(key, entry, frames_by_key):
    """Problems with one cache entry. A video segment's .mp4 must be complete (ffprobe
    decodes exactly the plan's frame count for its key); an audio-only entry (the sound mix)
    must decode completely and last its sidecar's sample count. A sidecar, when present, must
    describe its file (size, sha256, frames) and never exist without it."""
    problems = []
    mp4, side = entry["mp4"], entry["json"]
    if mp4 is None:
        return [f"{key}: sidecar {side} without its .mp4"]
    try:
        data = mp4.read_bytes()
    except FileNotFoundError:
        return [f"{key}: {mp4} vanished"]
    meta = None
    if side is not None:
        try:
            meta = json.loads(side.read_text())
        except (OSError, ValueError) as e:
            return [f"{key}: sidecar unreadable: {e}"]
        if meta.get("size") != len(data):
            problems.append(f"{key}: sidecar size {meta.get('size')} != file size {len(data)}")
        if str(meta.get("sha256", "")).lower() != hashlib.sha256(data).hexdigest():
            problems.append(f"{key}: sidecar sha256 does not match the file")
    is_audio, facts = (False, None) if key in frames_by_key else audio_only(mp4)
    if is_audio:
        full = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-xerror", "-i", str(mp4), "-f", "null", "-"],
                              capture_output=True, text=True, timeout=60)
        if full.returncode != 0:
            problems.append(f"{key}: audio entry {mp4} does not decode: {full.stderr[-500:]}")
        if meta is not None:
            rate = int(facts["sample_rate"])
            if abs(float(facts.get("duration", -1)) - meta.get("frames", 0) / rate) > 1024 / rate + 1e-3:
                problems.append(f"{key}: audio entry lasts {facts.get('duration')} s, sidecar says "
                                f"{meta.get('frames')} samples at {rate} Hz")
        return problems
    if key not in frames_by_key:
        problems.append(f"{key}: not a key of the plan (and not an audio-only entry)")
    n = count_frames(mp4)
    if n is None or n != frames_by_key.get(key):
        problems.append(f"{key}: {mp4} is not a complete segment: ffprobe counts {n} frames, "
                        f"the plan says {frames_by_key.get(key)} ({len(data)} bytes)")
    if meta is not None and meta.get("frames") != n:
        problems.append(f"{key}: sidecar frames {meta.get('frames')} != {n} decoded")
    return problems
    try:
        data = mp4.read_bytes()
    except FileNotFoundError:
        return [f"{key}: {mp4} vanished"]
    n = count_frames(mp4)
    if n is None or n != frames_by_key.get(key):
        problems.append(f"{key}: {mp4} is not a complete segment: ffprobe counts {n} frames, "
                        f"the plan says {frames_by_key.get(key)} ({len(data)} bytes)")
    if side is not None:
        try:
            meta = json.loads(side.read_text())
        except (OSError, ValueError) as e:
            return problems + [f"{key}: sidecar unreadable: {e}"]
        if meta.get("size") != len(data):
            problems.append(f"{key}: sidecar size {meta.get('size')} != file size {len(data)}")
        if str(meta.get("sha256", "")).lower() != hashlib.sha256(data).hexdigest():
            problems.append(f"{key}: sidecar sha256 does not match the file")
        if meta.get("frames") != n:
            problems.append(f"{key}: sidecar frames {meta.get('frames')} != {n} decoded")
    return problems


# -- Test base ---------------------------------------------------------------------------


class SegmentTestCase(ProjectTestCase):
    maxDiff = 4000

    def setUp(self):
        super().setUp()
        self.xdg = self.dir / "xdg-cache"
        self.xdg.mkdir()
        self.saved_xdg = os.environ.get("XDG_CACHE_HOME")
        os.environ["XDG_CACHE_HOME"] = str(self.xdg)

    def tearDown(self):
        try:
            stray = sorted(str(p.relative_to(self.xdg)) for p in self.xdg.rglob("*"))
        finally:
            if self.saved_xdg is None:
                os.environ.pop("XDG_CACHE_HOME", None)
            else:
                os.environ["XDG_CACHE_HOME"] = self.saved_xdg
            super().tearDown()
        self.assertEqual(stray, [], "reel wrote into the default cache although --cache-dir was given")

    # reel commands

    def plan_of(self, project):
        """The plan (no cache): segment frame ranges, independent of any cache."""
        r = run_reel("plan", project, "--format", "json", "--segment-seconds", SEG)
        self.assertEqual(r.code, 0, r)
        return r.json()

    def plan_marks(self, project, cache):
        """reel plan --cache-dir: the plan whose segments carry "key" and "cached"."""
        r = run_reel("plan", project, "--format", "json", "--segment-seconds", SEG, "--cache-dir", cache)
        self.assertEqual(r.code, 0, r)
        plan = r.json()
        for s in plan["segments"]:
            self.assertIn("key", s, "plan --cache-dir: segment without a key")
            self.assertIn("cached", s, "plan --cache-dir: segment without cached")
        return plan

    @staticmethod
    def keys(stats):
        """Cache keys by segment index, from a stats document's segment_list."""
        return [e["key"] for e in sorted(stats["segment_list"], key=lambda e: e["index"])]

    @staticmethod
    def frames_by_key(stats):
        return {e["key"]: e["end_frame"] - e["start_frame"] for e in stats["segment_list"]}

    def render(self, project, out, cache, *args, stats_name=None, quiet=True, ok=True):
        """reel render P -o OUT --cache-dir C --segment-seconds 1; returns (Result, stats)."""
        stats_path = self.dir / (stats_name or (Path(out).stem + ".stats.json"))
        r = run_reel("render", project, "-o", out, "-y", "--progress", "none", "--cache-dir", cache,
                     "--segment-seconds", SEG, "--stats", stats_path, *(["-q"] if quiet else []), *args,
                     timeout=240)
        stats = json.loads(stats_path.read_text()) if stats_path.exists() else None
        if ok:
            self.assertEqual(r.code, 0, r)
            self.assertTrue(Path(out).is_file(), r)
            self.assertIsNotNone(stats, r)
        return r, stats

    def segment(self, project, cache, *args, stats_name="segment.stats.json"):
        stats_path = self.dir / stats_name
        r = run_reel("segment", project, "--cache-dir", cache, "--segment-seconds", SEG, "--progress", "none",
                     "--stats", stats_path, *args, timeout=240)
        stats = json.loads(stats_path.read_text()) if stats_path.exists() else None
        return r, stats

    # assertions

    def assert_counts(self, stats, segments, rendered=None, reused=None, waited=0, discarded=0):
        got = {k: stats.get(k) for k in ("segments", "segments_rendered", "segments_reused", "segments_waited",
                                         "segments_discarded")}
        want = {"segments": segments, "segments_rendered": rendered, "segments_reused": reused,
                "segments_waited": waited, "segments_discarded": discarded}
        want = {k: v for k, v in want.items() if v is not None}
        self.assertEqual({k: got[k] for k in want}, want, f"stats counts: {got}")

    def statuses(self, stats):
        """segment_list as {index: (key, status)}, checked for shape."""
        out = {}
        for e in stats["segment_list"]:
            self.assertIn(e["status"], ("rendered", "reused", "waited"), e)
            out[e["index"]] = (e["key"], e["status"])
        return out

    def assert_list_matches_plan(self, stats, plan, keys=None):
        """segment_list covers the plan's segments with the plan's frame ranges (and the
        given keys, by index)."""
        by_index = {e["index"]: e for e in stats["segment_list"]}
        self.assertEqual(sorted(by_index), [s["index"] for s in plan["segments"]], "segment_list indices")
        for s in plan["segments"]:
            e = by_index[s["index"]]
            self.assertEqual((e["start_frame"], e["end_frame"]), (s["start_frame"], s["end_frame"]),
                             f"segment {s['index']}")
            if keys is not None:
                self.assertEqual(e["key"], keys[s["index"]], f"segment {s['index']}: key")

    def assert_cache_sound(self, cache, frames_by_key, expect_keys=None):
        """Every file under DIR/segments is a published, verified segment (frames_by_key:
        key -> the frame count its segment has in the plan) or the encoded sound mix (an
        audio-only entry, which reel also keeps there); expect_keys: the video segments."""
        entries, strays = scan_cache(cache)
        self.assertEqual(strays, [], "files under DIR/segments that are not <key>.mp4/<key>.json in DIR/segments/<kk>/")
        problems = []
        for key, entry in entries.items():
            if entry["json"] is None:
                problems.append(f"{key}: .mp4 without sidecar after the command finished")
            problems += check_entry(key, entry, frames_by_key)
        self.assertEqual(problems, [])
        if expect_keys is not None:
            audio = {k for k in entries if k not in frames_by_key and audio_only(entries[k]["mp4"])[0]}
            self.assertEqual(set(entries) - audio, set(expect_keys), "video segments in the cache")
            self.assertLessEqual(len(audio), 1, "one sound mix per timeline at most")
        return entries


# -- 1. Reuse after an edit --------------------------------------------------------------


def overlapping(plan, t0, t1):
    """Indices of the plan's segments whose frames overlap [frame(t0), frame(t1))."""
    a, b = frame_of(t0), frame_of(t1)
    return [s["index"] for s in plan["segments"] if s["start_frame"] < b and s["end_frame"] > a]


class Reuse(SegmentTestCase):
    def test_unchanged_zero_rendered_then_opacity_edit_rerenders_exactly_its_segments(self):
        project = self.write_project(edit_doc(0.5))
        cache = self.dir / "cache"
        plan = self.plan_of(project)
        n = len(plan["segments"])
        self.assertGreaterEqual(n, 5, "the timeline should make several segments")

        # First render fills the cache.
        _, s1 = self.render(project, self.dir / "first.mp4", cache)
        self.assert_counts(s1, n, rendered=n, reused=0)
        self.assert_list_matches_plan(s1, plan)
        self.assertEqual({st for _, st in self.statuses(s1).values()}, {"rendered"})
        keys1 = self.keys(s1)
        self.assertEqual(len(set(keys1)), n, "segments with different content share a key")
        self.assert_cache_sound(cache, self.frames_by_key(s1), expect_keys=keys1)

        # Unchanged: nothing rendered, everything reused, same pictures.
        _, s2 = self.render(project, self.dir / "again.mp4", cache)
        self.assert_counts(s2, n, rendered=0, reused=n)
        self.assertEqual({st for _, st in self.statuses(s2).values()}, {"reused"})
        self.assertEqual(self.keys(s2), keys1)
        first = framemd5(self.dir / "first.mp4")
        self.assertEqual(len(first), plan["totals"]["frames"])
        self.assertEqual(framemd5(self.dir / "again.mp4"), first)

        # One clip's opacity changes: exactly the segments overlapping [1.5 s, 3.5 s) render.
        project = self.write_project(edit_doc(0.8))
        edited = self.plan_of(project)
        self.assertEqual([(s["start_frame"], s["end_frame"]) for s in edited["segments"]],
                         [(s["start_frame"], s["end_frame"]) for s in plan["segments"]],
                         "an opacity change moves no cut")
        expected_dirty = overlapping(edited, RED_START, RED_END)
        self.assertGreaterEqual(len(expected_dirty), 2, "the edited clip should span more than one segment")
        self.assertLess(len(expected_dirty), n)

        _, s3 = self.render(project, self.dir / "edited.mp4", cache)
        self.assert_counts(s3, n, rendered=len(expected_dirty), reused=n - len(expected_dirty))
        self.assert_list_matches_plan(s3, edited)
        rendered = sorted(i for i, (_, st) in self.statuses(s3).items() if st == "rendered")
        self.assertEqual(rendered, expected_dirty, "segments rendered after the edit")
        keys3 = self.keys(s3)
        self.assertEqual([i for i in range(n) if keys3[i] != keys1[i]], expected_dirty,
                         "keys that changed with the edit")

        # The cached re-render's pictures equal a fresh render with an empty cache.
        _, fs = self.render(project, self.dir / "fresh.mp4", self.dir / "empty-cache", stats_name="fresh.stats.json")
        self.assert_counts(fs, n, rendered=n, reused=0)
        fresh = framemd5(self.dir / "fresh.mp4")
        self.assertEqual(len(fresh), edited["totals"]["frames"])
        self.assertEqual(framemd5(self.dir / "edited.mp4"), fresh,
                         "cached re-render decodes to different pictures than a fresh render")
        self.assertNotEqual(fresh, first, "the opacity edit should change some pictures")

    def test_cached_rerender_sound_equals_fresh_render(self):
        # "render muxes the whole-range audio in": the audio does not depend on the cache.
        project = self.write_project(edit_doc(0.5))
        cache = self.dir / "cache"
        self.render(project, self.dir / "warm.mp4", cache)
        self.render(project, self.dir / "cached.mp4", cache)
        self.render(project, self.dir / "fresh.mp4", self.dir / "empty-cache", stats_name="fresh.stats.json")
        streams = [s["codec_type"] for s in ffprobe(self.dir / "cached.mp4")["streams"]]
        self.assertEqual(sorted(streams), ["audio", "video"])
        self.assertEqual(framemd5(self.dir / "cached.mp4", "a:0"), framemd5(self.dir / "fresh.mp4", "a:0"))


class PlanMarks(SegmentTestCase):
    """reel plan --cache-dir marks each segment cached or dirty: what render then does."""

    def test_plan_marks_match_what_render_does(self):
        project = self.write_project(edit_doc(0.5))
        cache = self.dir / "cache"
        before = self.plan_marks(project, cache)
        n = len(before["segments"])
        self.assertEqual([s["cached"] for s in before["segments"]], [False] * n, "empty cache: every segment dirty")
        _, s1 = self.render(project, self.dir / "first.mp4", cache)
        self.assertEqual([s["key"] for s in before["segments"]], self.keys(s1), "plan's keys are render's keys")
        after = self.plan_marks(project, cache)
        self.assertEqual([s["cached"] for s in after["segments"]], [True] * n, "after a render every segment is cached")

        project = self.write_project(edit_doc(0.8))
        edited = self.plan_marks(project, cache)
        dirty = [s["index"] for s in edited["segments"] if not s["cached"]]
        self.assertEqual(dirty, overlapping(edited, RED_START, RED_END), "dirty segments after the edit")
        text = run_reel("plan", project, "--format", "text", "--segment-seconds", SEG, "--cache-dir", cache)
        self.assertEqual(text.code, 0, text)
        self.assertIn("dirty", text.out, "plan text output marks dirty segments")
        self.assertIn("cached", text.out, "plan text output marks cached segments")

        _, s3 = self.render(project, self.dir / "edited.mp4", cache)
        self.assert_list_matches_plan(s3, edited, keys=[s["key"] for s in edited["segments"]])
        self.assertEqual({i: st for i, (_, st) in self.statuses(s3).items()},
                         {s["index"]: "reused" if s["cached"] else "rendered" for s in edited["segments"]},
                         "render did not do what plan --cache-dir said")

    def test_plan_marks_after_segment_index(self):
        project = self.write_project(edit_doc())
        cache = self.dir / "cache"
        r, s = self.segment(project, cache, "--index", "2")
        self.assertEqual(r.code, 0, r)
        plan = self.plan_marks(project, cache)
        self.assertEqual([seg["cached"] for seg in plan["segments"]], [i == 2 for i in range(len(plan["segments"]))])
        self.assertEqual(plan["segments"][2]["key"], self.keys(s)[0])

    def test_plan_with_cache_dir_validates(self):
        project = self.write_project(edit_doc())
        r = run_reel("plan", project, "--segment-seconds", SEG, "--cache-dir", self.dir / "cache",
                     "-o", self.dir / "plan.json")
        self.assertEqual(r.code, 0, r)
        code, text = validate("plan.schema.json", self.dir / "plan.json")
        self.assertEqual(code, 0, text)


# -- 2. SIGKILL and resume ---------------------------------------------------------------


class Resume(SegmentTestCase):
    def test_sigkill_then_rerun_equals_uninterrupted_and_no_partial_file_is_visible(self):
        project = self.write_project(long_doc(12))
        args = ["--threads", "1"]
        plan = self.plan_of(project)
        total, n = plan["totals"]["frames"], len(plan["segments"])
        self.assertGreaterEqual(n, 10)

        # The uninterrupted render, in its own cache: the reference pictures, and the keys.
        _, cs = self.render(project, self.dir / "clean.mp4", self.dir / "clean-cache", *args,
                            stats_name="clean.stats.json")
        clean = framemd5(self.dir / "clean.mp4")
        self.assertEqual(len(clean), total)
        frames_by_key = self.frames_by_key(cs)

        cache = self.dir / "cache"
        out = self.dir / "out.mp4"
        err_path = self.dir / "killed.stderr"
        with open(err_path, "w") as err:
            proc = subprocess.Popen([REEL, "render", str(project), "-o", str(out), "--cache-dir", str(cache),
                                     "--segment-seconds", SEG, "--progress", "none", "-q", *args],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        checked = {}  # path -> (size, mtime_ns, had sidecar) when last verified
        problems, strays_seen, polls = [], set(), 0
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and proc.poll() is None:
                polls += 1
                if out.exists():
                    # Only a complete output may ever be visible at the path.
                    n_out = count_frames(out)
                    if n_out != total:
                        problems.append(f"poll {polls}: {out} visible with {n_out} of {total} frames")
                entries, strays = scan_cache(cache)
                strays_seen.update(strays)
                for key, entry in entries.items():
                    stamp = None
                    if entry["mp4"] is not None:
                        try:
                            st = entry["mp4"].stat()
                            stamp = (st.st_size, st.st_mtime_ns, entry["json"] is not None)
                        except FileNotFoundError:
                            problems.append(f"poll {polls}: {entry['mp4']} listed, then gone")
                            continue
                    if stamp is not None and checked.get(entry["mp4"]) == stamp:
                        continue
                    problems += [f"poll {polls}: {p}" for p in check_entry(key, entry, frames_by_key)]
                    if stamp is not None:
                        checked[entry["mp4"]] = stamp
                done = {k for k, e in entries.items() if e["mp4"] and e["json"] and k in frames_by_key}
                if len(done) >= 2 and proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    break
                time.sleep(0.01)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            code = proc.wait(timeout=60)
        err_text = err_path.read_text()
        self.assertEqual(code, -signal.SIGKILL,
                         f"the render was not killed mid-way (exit {code}; make the timeline longer?)\n{err_text}")

        # After the kill: no output, and every file under segments/ is complete.
        self.assertFalse(out.exists(), "output path exists after the render was killed")
        entries, strays = scan_cache(cache)
        strays_seen.update(strays)
        for key, entry in entries.items():
            problems += [f"after kill: {p}" for p in check_entry(key, entry, frames_by_key)]
        self.assertEqual(problems, [], f"{polls} polls")
        survivors = {k for k, e in entries.items() if e["mp4"] and e["json"] and k in frames_by_key}
        self.assertGreaterEqual(len(survivors), 2)
        self.assertLess(len(survivors), n, "every segment was published before the kill")

        # Rerun: every published segment reused, the rest rendered.
        _, s = self.render(project, out, cache, *args, stats_name="rerun.stats.json")
        self.assert_counts(s, n, waited=0, discarded=0)
        self.assertEqual(s["segments_reused"] + s["segments_rendered"], n, s)
        self.assertGreaterEqual(s["segments_reused"], len(survivors), s)
        st = {key: status for key, status in self.statuses(s).values()}
        self.assertEqual({k: st.get(k) for k in survivors}, {k: "reused" for k in survivors},
                         "segments published before the kill must be reused")
        self.assert_cache_sound(cache, frames_by_key, expect_keys=frames_by_key)
        self.assertEqual(framemd5(out), clean, "resumed render differs from an uninterrupted one")
        # Contract: temporaries only in DIR/tmp/ -- nothing but <key>.mp4 and <key>.json ever
        # appears under DIR/segments, during the run or after the kill.
        self.assertEqual(sorted(strays_seen), [], "temporary/stray files seen under DIR/segments")


# -- 3. Two renders at once --------------------------------------------------------------


class Concurrent(SegmentTestCase):
    def test_two_renders_same_project_same_cache_both_succeed_and_agree(self):
        project = self.write_project(long_doc(10, 320, 180))
        cache = self.dir / "cache"
        plan = self.plan_of(project)
        n = len(plan["segments"])
        procs = []
        for name in ("one", "two"):
            cmd = [REEL, "render", str(project), "-o", str(self.dir / f"{name}.mp4"), "--cache-dir", str(cache),
                   "--segment-seconds", SEG, "--progress", "none", "--threads", "1",
                   "--stats", str(self.dir / f"{name}.stats.json")]
            procs.append((name, subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                                 stderr=subprocess.PIPE, text=True)))
        results = {}
        for name, p in procs:
            out, err = p.communicate(timeout=240)
            results[name] = Result(subprocess.CompletedProcess(p.args, p.returncode, out, err))
        for name, r in results.items():
            self.assertEqual(r.code, 0, f"{name}: {r}")
        stats = {name: json.loads((self.dir / f"{name}.stats.json").read_text()) for name in results}

        one, two = framemd5(self.dir / "one.mp4"), framemd5(self.dir / "two.mp4")
        self.assertEqual(len(one), plan["totals"]["frames"])
        self.assertEqual(one, two, "the two renders disagree")

        keys = self.keys(stats["one"])
        rendered_by = {}
        for name, s in stats.items():
            self.assertEqual(s["segments"], n)
            self.assertEqual(s["segments_rendered"] + s["segments_reused"] + s["segments_waited"], n, s)
            self.assert_list_matches_plan(s, plan, keys=keys)
            for key, status in self.statuses(s).values():
                if status == "rendered":
                    rendered_by.setdefault(key, []).append(name)
        twice = {k: v for k, v in rendered_by.items() if len(v) > 1}
        self.assertEqual(twice, {}, "segments rendered by both processes")
        # The cache started empty, so every segment was rendered by exactly one of them.
        self.assertEqual(set(rendered_by), set(keys), "segments rendered by neither process")
        self.assertEqual(sum(s["segments_rendered"] for s in stats.values()), n)
        self.assert_cache_sound(cache, self.frames_by_key(stats["one"]), expect_keys=keys)
        # And they agree with a render that had a cache to itself.
        self.render(project, self.dir / "solo.mp4", self.dir / "solo-cache", "--threads", "1")
        self.assertEqual(framemd5(self.dir / "solo.mp4"), one)


# -- 4. Streaming fragmented MP4 ---------------------------------------------------------


class Stream(SegmentTestCase):
    def stream_cmd(self, project, cache, *extra):
        return [REEL, "segment", str(project), "--stream", "-o", "-", "--cache-dir", str(cache),
                "--segment-seconds", SEG, "--threads", "1", "--progress", "none", "-q", *extra]

    def reference(self, project):
        """reel render of the same timeline, same settings, its own cache: (per-frame MD5s, stats)."""
        _, s = self.render(project, self.dir / "reference.mp4", self.dir / "reference-cache", "--threads", "1",
                           stats_name="reference.stats.json")
        return framemd5(self.dir / "reference.mp4"), s

    def test_boxes_arrive_in_order_while_reel_runs_and_stream_equals_render(self):
        project = self.write_project(long_doc(10))
        cache = self.dir / "cache"
        plan = self.plan_of(project)
        n, total = len(plan["segments"]), plan["totals"]["frames"]
        # reel render first, in its own cache: the reference pictures and the segment keys.
        reference, ref_stats = self.reference(project)
        keys = set(self.keys(ref_stats))
        stats_path = self.dir / "stream.stats.json"
        err_path = self.dir / "stream.stderr"
        with open(err_path, "w") as err:
            proc = subprocess.Popen(self.stream_cmd(project, cache, "--stats", stats_path),
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        data = bytearray()
        boxes = []  # (type, offset, size, reel still running, segments published at that moment)
        pos = 0
        prefix_probe = None
        try:
            fd = proc.stdout.fileno()
            while True:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                data += chunk
                new, pos = mp4_boxes(data, pos)
                for kind, off, size in new:
                    boxes.append((kind, off, size, proc.poll() is None, len(published(cache, keys))))
                    if kind == "mdat" and prefix_probe is None and any(b[0] == "moof" for b in boxes):
                        # The first complete fragment: ffprobe reads what has arrived so far from a
                        # pipe, while reel is still writing the rest.
                        running = proc.poll() is None
                        p = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-count_frames",
                                            "-show_streams", "-i", "pipe:0"], input=bytes(data[:off + size]),
                                           capture_output=True, timeout=60)
                        prefix_probe = (running, p.returncode, p.stdout.decode(), p.stderr.decode()[-2000:])
            code = proc.wait(timeout=240)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
        err_text = err_path.read_text()
        self.assertEqual(code, 0, err_text)
        self.assertEqual(pos, len(data), f"trailing bytes that are not a whole box: {len(data) - pos}")

        kinds = [b[0] for b in boxes]
        self.assertGreaterEqual(len(kinds), 4, kinds)
        self.assertEqual(kinds[0], "ftyp", kinds[:10])
        self.assertIn("moov", kinds)
        self.assertIn("moof", kinds)
        first_moov, first_moof = kinds.index("moov"), kinds.index("moof")
        self.assertLess(first_moov, first_moof, kinds[:10])
        self.assertNotIn("mdat", kinds[:first_moof], f"media data before the first fragment: {kinds[:10]}")
        self.assertEqual(kinds.count("moov"), 1, kinds)
        self.assertEqual(kinds.count("moof"), kinds.count("mdat"), "every fragment is a moof + mdat")
        for i, k in enumerate(kinds):
            if k == "moof":
                self.assertEqual(kinds[i + 1:i + 2], ["mdat"], f"moof {i} not followed by mdat")

        # Ordering, not timing: ftyp, moov and the first moof were read while reel still ran,
        # before the last segment was encoded (published to the cache).
        for kind in ("ftyp", "moov", "moof"):
            b = boxes[kinds.index(kind)]
            self.assertTrue(b[3], f"'{kind}' only arrived after reel exited")
        b = boxes[first_moof]
        self.assertLess(b[4], n, f"first fragment arrived after all {n} segments were published")

        # ffprobe read the first fragment from a pipe while reel was still writing.
        self.assertIsNotNone(prefix_probe)
        running, rc, out, perr = prefix_probe
        self.assertTrue(running, "reel had exited before the first fragment was complete")
        self.assertEqual(rc, 0, f"ffprobe could not read the stream's first fragment from a pipe: {perr}")
        streams = json.loads(out)["streams"]
        video = [s for s in streams if s["codec_type"] == "video"]
        self.assertEqual(len(video), 1, streams)
        self.assertEqual((video[0]["codec_name"], video[0]["width"], video[0]["height"]), ("h264", 640, 360))
        self.assertGreater(int(video[0]["nb_read_frames"]), 0)
        self.assertLess(int(video[0]["nb_read_frames"]), total, "the first fragment already held every frame")

        # The whole stream, from a pipe: H.264 + AAC (the timeline has sound), every frame, the
        # same pictures as reel render.
        p = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-show_streams", "-i", "pipe:0"],
                           input=bytes(data), capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        codecs = sorted((s["codec_type"], s["codec_name"]) for s in json.loads(p.stdout)["streams"])
        self.assertEqual(codecs, [("audio", "aac"), ("video", "h264")])
        streamed = framemd5("pipe:0", stdin=bytes(data))
        self.assertEqual(len(streamed), total, "frames in the stream")
        self.assertEqual(streamed, reference, "streamed pictures differ from reel render's")

        # The segments it rendered were published to the cache: the same keys render uses.
        self.assert_cache_sound(cache, self.frames_by_key(ref_stats), expect_keys=self.keys(ref_stats))
        s = json.loads(stats_path.read_text())
        self.assertEqual(s["command"], "segment")
        self.assertTrue(s["ok"])
        self.assertLessEqual(s["first_byte_seconds"], s["first_fragment_seconds"])
        self.assertLess(s["first_fragment_seconds"], s["wall_seconds"])

    def test_piped_into_ffmpeg_frames_come_out_while_reel_runs(self):
        project = self.write_project(long_doc(12))
        cache = self.dir / "cache"
        plan = self.plan_of(project)
        n, total = len(plan["segments"]), plan["totals"]["frames"]
        reference, ref_stats = self.reference(project)
        keys = set(self.keys(ref_stats))
        err_path = self.dir / "stream.stderr"
        with open(err_path, "w") as err:
            reel = subprocess.Popen(self.stream_cmd(project, cache), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=err)
        ffm = subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-probesize", "32768",
                                "-analyzeduration", "200000", "-i", "pipe:0", "-map", "0:v:0",
                                "-fps_mode", "passthrough", "-flush_packets", "1", "-f", "framemd5", "-"],
                               stdin=reel.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        reel.stdout.close()  # ffmpeg holds the read end now
        lines, first_state = [], None
        try:
            for raw in ffm.stdout:
                line = raw.decode().strip()
                if line and not line.startswith("#"):
                    if first_state is None:
                        first_state = (reel.poll() is None, len(published(cache, keys)))
                    lines.append(line)
            ffm_err = ffm.stderr.read().decode()
            ffm_code = ffm.wait(timeout=240)
            reel_code = reel.wait(timeout=240)
        finally:
            for p in (reel, ffm):
                if p.poll() is None:
                    p.kill()
                    p.wait()
            ffm.stdout.close()
            ffm.stderr.close()
        self.assertEqual(reel_code, 0, err_path.read_text())
        self.assertEqual(ffm_code, 0, ffm_err)
        self.assertIsNotNone(first_state, "ffmpeg decoded nothing")
        self.assertTrue(first_state[0], "ffmpeg decoded its first frame only after reel exited")
        self.assertLess(first_state[1], n, "first frame decoded only after every segment was published")
        md5s = [ln.split(",")[-1].strip() for ln in lines]
        self.assertEqual(len(md5s), total)
        self.assertEqual(md5s, reference)

    def test_second_stream_reuses_the_cache(self):
        project = self.write_project(edit_doc())
        cache = self.dir / "cache"
        plan = self.plan_of(project)
        n = len(plan["segments"])
        first = subprocess.run(self.stream_cmd(project, cache, "--stats", self.dir / "s1.json"),
                               capture_output=True, timeout=240, stdin=subprocess.DEVNULL)
        self.assertEqual(first.returncode, 0, first.stderr)
        s1 = json.loads((self.dir / "s1.json").read_text())
        self.assert_counts(s1, n, rendered=n, reused=0)
        second = subprocess.run(self.stream_cmd(project, cache, "--stats", self.dir / "s2.json"),
                                capture_output=True, timeout=240, stdin=subprocess.DEVNULL)
        self.assertEqual(second.returncode, 0, second.stderr)
        s2 = json.loads((self.dir / "s2.json").read_text())
        self.assert_counts(s2, n, rendered=0, reused=n)
        a = framemd5("pipe:0", stdin=first.stdout)
        self.assertEqual(len(a), plan["totals"]["frames"])
        self.assertEqual(framemd5("pipe:0", stdin=second.stdout), a)
        self.assert_cache_sound(cache, self.frames_by_key(s1), expect_keys=self.keys(s1))

    def test_stream_after_render_reuses_its_segments(self):
        # render fills the cache; the stream then reuses every segment (and is the same pictures).
        project = self.write_project(edit_doc())
        cache = self.dir / "cache"
        _, rs = self.render(project, self.dir / "out.mp4", cache, "--threads", "1")
        p = subprocess.run(self.stream_cmd(project, cache, "--stats", self.dir / "s.json"),
                           capture_output=True, timeout=240, stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stderr)
        s = json.loads((self.dir / "s.json").read_text())
        self.assert_counts(s, rs["segments"], rendered=0, reused=rs["segments"])
        self.assertEqual(framemd5("pipe:0", stdin=p.stdout), framemd5(self.dir / "out.mp4"))


# -- 5. Composite ------------------------------------------------------------------------


class Composite(SegmentTestCase):
    def make(self, name, width=320, height=180, *args):
        """A 1 s two-colour render (no sound) to NAME.mp4."""
        doc = timeline([{"items": [colour("#3366cc", 0, 0.5), colour("#cc6633", 0.5, 0.5)]}],
                       width=width, height=height, media={})
        project = self.write_project(doc, name + ".json")
        out = self.dir / (name + ".mp4")
        self.render(project, out, self.dir / "cache", *args)
        return out

    def composite(self, *args, stats=None):
        extra = ["--stats", stats] if stats else []
        return run_reel("composite", *args, *extra, timeout=120)

    def assert_refused(self, a, b, word, parameter_values=None):
        outdir = self.dir / "joined"
        outdir.mkdir(exist_ok=True)
        r = self.composite(a, b, "-o", outdir / "joined.mp4")
        self.assertEqual(r.code, 4, r)
        self.assertIn("reel composite: error:", r.err, r)
        self.assertIn(word, r.err.lower(), r)
        self.assertIn(Path(a).name, r.err, r)
        self.assertIn(Path(b).name, r.err, r)
        for v in parameter_values or ():
            self.assertIn(str(v), r.err, r)
        self.assertEqual(sorted(os.listdir(outdir)), [], f"composite wrote something\n{r}")

    def test_different_sizes_refused_naming_width_and_both_files(self):
        small = self.make("small", 320, 180)
        large = self.make("large", 640, 360)
        self.assert_refused(small, large, "width", (320, 640))

    def test_different_codecs_refused_naming_codec_and_both_files(self):
        if not hevc_available():
            self.skipTest("no libx265 in this FFmpeg")
        avc = self.make("avc")
        hevc = self.make("hevc", 320, 180, "--codec", "hevc")
        self.assertEqual(ffprobe(hevc)["streams"][0]["codec_name"], "hevc")
        self.assert_refused(avc, hevc, "codec")

    def test_cached_segments_in_order_join_to_the_render_by_stream_copy(self):
        project = self.write_project(edit_doc())
        cache = self.dir / "cache"
        out = self.dir / "render.mp4"
        _, rs = self.render(project, out, cache)
        plan = self.plan_of(project)
        entries = self.assert_cache_sound(cache, self.frames_by_key(rs), expect_keys=self.keys(rs))
        files = [entries[k]["mp4"] for k in self.keys(rs)]
        joined = self.dir / "joined.mp4"
        stats_path = self.dir / "composite.stats.json"
        r = self.composite(*files, "-o", joined, stats=stats_path)
        self.assertEqual(r.code, 0, r)
        pictures = framemd5(joined)
        self.assertEqual(len(pictures), plan["totals"]["frames"])
        self.assertEqual(pictures, framemd5(out), "joined segments decode differently from reel render's output")
        # Stream copy: the compressed packets are the segments' own, in order (and render's
        # final step, which uses the same code, does the same).
        concatenated = [m for f in files for m in packet_md5s(f)]
        self.assertEqual(packet_md5s(joined), concatenated, "composite re-encoded (packets differ)")
        self.assertEqual(packet_md5s(out), concatenated, "render's output is not the segments stream-copied")
        s = json.loads(stats_path.read_text())
        self.assertEqual(s["command"], "composite")
        self.assertEqual(s["frames"], plan["totals"]["frames"])
        self.assertEqual(s["bytes_written"], joined.stat().st_size)
        self.assertEqual([i["frames"] for i in s["inputs"]], [seg["frames"] for seg in plan["segments"]])

    def test_missing_input_exit_4(self):
        a = self.make("a")
        outdir = self.dir / "joined"
        outdir.mkdir()
        r = self.composite(a, self.dir / "no-such-segment.mp4", "-o", outdir / "j.mp4")
        self.assertEqual(r.code, 4, r)
        self.assertIn("no-such-segment.mp4", r.err, r)
        self.assertEqual(os.listdir(outdir), [])

    def test_existing_output_without_y_exit_2(self):
        a = self.make("a")
        b = self.make("b")
        out = self.dir / "j.mp4"
        out.write_bytes(b"precious")
        r = self.composite(a, b, "-o", out)
        self.assertEqual(r.code, 2, r)
        self.assertEqual(out.read_bytes(), b"precious")
        r = self.composite(a, b, "-o", out, "-y")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(len(framemd5(out)), 2 * FPS)
        self.assertEqual(framemd5(out), framemd5(a) + framemd5(b))


# -- 6. reel segment --index / --range ---------------------------------------------------


class SegmentCommand(SegmentTestCase):
    def test_index_renders_exactly_that_segment_then_render_reuses_it(self):
        project = self.write_project(edit_doc())
        cache = self.dir / "cache"
        plan = self.plan_of(project)
        n = len(plan["segments"])
        target = plan["segments"][2]
        r, s = self.segment(project, cache, "--index", "2")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, "", "segment --index writes nothing on stdout")
        self.assertEqual([(e["index"], e["start_frame"], e["end_frame"], e["status"]) for e in s["segment_list"]],
                         [(2, target["start_frame"], target["end_frame"], "rendered")])
        self.assertEqual(s["segments_rendered"], 1)
        key = s["segment_list"][0]["key"]
        self.assert_cache_sound(cache, {key: target["frames"]}, expect_keys=[key])
        self.assertEqual(len(list((cache / "segments").rglob("*.mp4"))), 1)
        self.assertEqual(len(list((cache / "segments").rglob("*.json"))), 1)

        _, rs = self.render(project, self.dir / "out.mp4", cache)
        self.assertGreaterEqual(rs["segments_reused"], 1, rs)
        self.assert_counts(rs, n, rendered=n - 1, reused=1)
        self.assertEqual(self.statuses(rs)[2], (key, "reused"))
        self.render(project, self.dir / "fresh.mp4", self.dir / "fresh-cache", stats_name="fresh.stats.json")
        self.assertEqual(framemd5(self.dir / "out.mp4"), framemd5(self.dir / "fresh.mp4"))

    def test_index_list_then_again_reuses(self):
        project = self.write_project(edit_doc())
        cache = self.dir / "cache"
        plan = self.plan_of(project)
        r, s = self.segment(project, cache, "--index", "0,3")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(sorted(e["index"] for e in s["segment_list"]), [0, 3])
        frames = {e["key"]: plan["segments"][e["index"]]["frames"] for e in s["segment_list"]}
        self.assert_cache_sound(cache, frames, expect_keys=frames)
        r, s2 = self.segment(project, cache, "--index", "3", stats_name="again.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual([(e["index"], e["status"]) for e in s2["segment_list"]], [(3, "reused")])
        self.assertEqual(s2["segments_rendered"], 0)

    def test_index_out_of_range_exit_2(self):
        project = self.write_project(edit_doc())
        cache = self.dir / "cache"
        n = len(self.plan_of(project)["segments"])
        r, _ = self.segment(project, cache, "--index", str(n))
        self.assertEqual(r.code, 2, r)
        self.assertIn(str(n), r.err, r)
        self.assertIn(str(n - 1), r.err, f"the valid range (0-{n - 1}) should be in the message\n{r}")
        self.assertEqual(list((cache / "segments").rglob("*.mp4")) if (cache / "segments").exists() else [], [])

    def test_range_renders_every_overlapping_segment(self):
        project = self.write_project(edit_doc())
        cache = self.dir / "cache"
        plan = self.plan_of(project)
        a, b = 1.2, 2.6  # inside segments, not on a cut
        for s in plan["segments"]:
            self.assertNotIn(a, (s["start_seconds"], s["end_seconds"]))
            self.assertNotIn(b, (s["start_seconds"], s["end_seconds"]))
        want = [s for s in plan["segments"] if s["start_seconds"] < b and s["end_seconds"] > a]
        self.assertGreaterEqual(len(want), 2)
        self.assertLess(len(want), len(plan["segments"]))
        r, st = self.segment(project, cache, "--range", f"{a}-{b}")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(sorted(e["index"] for e in st["segment_list"]), [s["index"] for s in want])
        frames = {e["key"]: plan["segments"][e["index"]]["frames"] for e in st["segment_list"]}
        self.assert_cache_sound(cache, frames, expect_keys=frames)


# -- 7. A corrupted cached segment -------------------------------------------------------


class Corruption(SegmentTestCase):
    def test_flipped_bytes_detected_discarded_rerendered(self):
        project = self.write_project(edit_doc())
        cache = self.dir / "cache"
        _, s1 = self.render(project, self.dir / "first.mp4", cache)
        n = s1["segments"]
        keys = self.keys(s1)
        entries = self.assert_cache_sound(cache, self.frames_by_key(s1), expect_keys=keys)
        victim = keys[1]
        path = entries[victim]["mp4"]
        data = bytearray(path.read_bytes())
        mid = len(data) // 2
        for i in range(mid, mid + 32):
            data[i] ^= 0xFF
        path.write_bytes(bytes(data))  # same size, different bytes

        r, s2 = self.render(project, self.dir / "second.mp4", cache, quiet=False)
        self.assert_counts(s2, n, rendered=1, reused=n - 1, discarded=1)
        self.assertEqual(self.statuses(s2)[1], (victim, "rendered"))
        self.assertIn("warning", r.err.lower(), f"no warning about the discarded segment\n{r}")
        self.assertEqual(framemd5(self.dir / "second.mp4"), framemd5(self.dir / "first.mp4"))
        self.assert_cache_sound(cache, self.frames_by_key(s1), expect_keys=keys)


# -- 8. Stats documents ------------------------------------------------------------------


RENDER_KEYS = ("segments", "segments_rendered", "segments_reused", "segments_waited", "segments_discarded",
               "segments_in_flight", "encoder_threads", "segment_list", "segment_cache")


class Stats(SegmentTestCase):
    def all_stats(self):
        project = self.write_project(edit_doc())
        cache = self.dir / "cache"
        docs = {}
        _, rs = self.render(project, self.dir / "out.mp4", cache, "--threads", "1", stats_name="render.json")
        docs["render"] = self.dir / "render.json"
        r, _ = self.segment(project, self.dir / "cache2", "--index", "1", stats_name="segment.json")
        self.assertEqual(r.code, 0, r)
        docs["segment"] = self.dir / "segment.json"
        r, _ = self.segment(project, self.dir / "cache3", "--range", "0-1", stats_name="range.json")
        self.assertEqual(r.code, 0, r)
        docs["segment --range"] = self.dir / "range.json"
        p = subprocess.run([REEL, "segment", str(project), "--stream", "-o", "-", "--cache-dir",
                            str(self.dir / "cache4"), "--segment-seconds", SEG, "-q", "--stats",
                            str(self.dir / "stream.json")], capture_output=True, timeout=240, stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stderr)
        docs["segment --stream"] = self.dir / "stream.json"
        entries, _ = scan_cache(cache)
        files = [entries[k]["mp4"] for k in self.keys(rs)]
        r = run_reel("composite", *files, "-o", self.dir / "joined.mp4", "--stats", self.dir / "composite.json")
        self.assertEqual(r.code, 0, r)
        docs["composite"] = self.dir / "composite.json"
        r = run_reel("composite", files[0], self.dir / "missing.mp4", "-o", self.dir / "j2.mp4",
                     "--stats", self.dir / "composite-failed.json")
        self.assertEqual(r.code, 4, r)
        docs["composite (failed)"] = self.dir / "composite-failed.json"
        return docs

    def test_stats_validate_against_the_schema(self):
        for what, path in self.all_stats().items():
            code, text = validate("stats.schema.json", path)
            self.assertEqual(code, 0, f"{what}: {text}")

    def test_stats_carry_the_contract_keys(self):
        docs = {k: json.loads(Path(v).read_text()) for k, v in self.all_stats().items()}
        render = docs["render"]
        for key in RENDER_KEYS:
            self.assertIn(key, render, f"render stats lack {key}")
        self.assertIn("composite_seconds", render["stages"])
        self.assertGreaterEqual(set(render["segment_cache"]), {"dir", "bytes", "limit_bytes", "evicted"},
                                render["segment_cache"])
        self.assertEqual(render["segments_in_flight"], 1, "--threads 1: one worker")
        self.assertEqual(render["segment_cache"]["limit_bytes"], 10 * 1024 ** 3, "default --cache-size 10G")
        for e in render["segment_list"]:
            self.assertGreaterEqual(set(e), {"index", "start_frame", "end_frame", "key", "status", "seconds", "bytes"},
                                    e)
        for name in ("segment", "segment --range", "segment --stream"):
            self.assertEqual(docs[name]["command"], "segment", name)
            self.assertIn("segment_list", docs[name], name)
        self.assertIn("first_byte_seconds", docs["segment --stream"])
        self.assertIn("first_fragment_seconds", docs["segment --stream"])
        c = docs["composite"]
        for key in ("inputs", "frames", "bytes_written", "output"):
            self.assertIn(key, c, f"composite stats lack {key}")
        self.assertFalse(docs["composite (failed)"]["ok"])
        self.assertEqual(docs["composite (failed)"]["error"]["exit_status"], 4)

    def test_schema_documents_the_new_keys(self):
        schema = json.loads((SOURCE / "schemas" / "stats.schema.json").read_text())
        props = schema["properties"]
        missing = [k for k in RENDER_KEYS + ("inputs", "first_byte_seconds", "first_fragment_seconds")
                   if k not in props]
        self.assertEqual(missing, [], "stats.schema.json does not describe these keys")


if __name__ == "__main__":
    unittest.main(verbosity=2)
