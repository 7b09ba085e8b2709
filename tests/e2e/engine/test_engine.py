#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The one render engine: determinism across thread counts and the cache, `--range`
through the segment engine, and the memory budget as a promise. Checked with ffmpeg's
framemd5 and ssim filters, ffprobe, and the stats' peak RSS."""

import json
import os
import subprocess
import unittest
from pathlib import Path

from jsonschema import Draft202012Validator

from reel_e2e import ProjectTestCase, ffprobe, run_reel, sanitized
from render_util import render, ssim

W, H, FPS = 640, 360, 30


def project(seconds=8):
    """Two clips with a crossfade and a picture-in-picture, with sound: every stage works."""
    return {
        "reel": 1,
        "output": {"width": W, "height": H, "fps": FPS, "video": {"codec": "h264", "preset": "veryfast", "crf": 23}},
        "media": {"a": {"path": "media/clip_a.mp4"}, "b": {"path": "media/clip_b.mov"}},
        "tracks": [
            {"id": "main", "items": [
                {"id": "one", "type": "clip", "media": "a", "start": 0, "in": 0, "out": 5},
                {"id": "two", "type": "clip", "media": "b", "start": 4, "in": 0, "out": seconds - 4,
                 "transition_in": {"kind": "crossfade", "duration": 1}}]},
            {"id": "pip", "items": [
                {"id": "inset", "type": "clip", "media": "a", "start": 1, "in": 2, "out": 7,
                 "transform": {"x": 400, "y": 200, "width": 200, "height": 120}}]},
        ],
    }



def framemd5(path):
    """Per-frame MD5 of the decoded pictures (and, separately, of the decoded sound)."""
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v", "-f", "framemd5", "-"],
                         capture_output=True, text=True, check=True).stdout
    video = [ln.split(",")[-1].strip() for ln in out.splitlines() if ln and not ln.startswith("#")]
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a", "-f", "md5", "-"],
                         capture_output=True, text=True, check=True).stdout.strip()
    return video, out


class Engine(ProjectTestCase):
    def render_stats(self, project_file, out, *args):
        r = render(project_file, out, "--stats", "-", *args)
        self.assertEqual(r.code, 0, r)
        return r.json()

    def test_threads_and_cache_give_identical_frames(self):
        p = self.write_project(project())
        one = self.render_stats(p, self.dir / "one.mp4", "--threads", "1", "--no-cache", "--segment-seconds", "2")
        two = self.render_stats(p, self.dir / "two.mp4", "--threads", "2", "--no-cache", "--segment-seconds", "2")
        self.assertEqual(one["segments_in_flight"], 1)
        self.assertGreaterEqual(two["segments"], 4)
        cache = self.dir / "cache"
        fresh = self.render_stats(p, self.dir / "fresh.mp4", "--cache-dir", cache, "--segment-seconds", "2")
        again = self.render_stats(p, self.dir / "again.mp4", "--cache-dir", cache, "--segment-seconds", "2")
        self.assertEqual(fresh["segments_rendered"], fresh["segments"])
        self.assertEqual(again["segments_rendered"], 0)
        self.assertTrue(again["audio"]["cached"])
        ref = framemd5(self.dir / "one.mp4")
        self.assertEqual(len(ref[0]), 8 * FPS)
        for name in ("two", "fresh", "again"):
            got = framemd5(self.dir / f"{name}.mp4")
            bad = [i for i, (x, y) in enumerate(zip(ref[0], got[0])) if x != y]
            self.assertEqual(len(got[0]), len(ref[0]), name)
            self.assertEqual(bad, [], f"{name}: frames differing from the 1-thread render: {bad[:10]}")
            self.assertEqual(got[1], ref[1], f"{name}: the sound differs")

    def test_range_has_its_frames_and_matches_the_full_render(self):
        p = self.write_project(project(10))
        cache = self.dir / "cache"
        full = self.dir / "full.mp4"
        self.render_stats(p, full, "--cache-dir", cache, "--segment-seconds", "2")
        part = self.dir / "part.mp4"
        s = self.render_stats(p, part, "--cache-dir", cache, "--segment-seconds", "2", "--range", "2-7")
        frames = ffprobe(part, "-count_frames", "-select_streams", "v:0", "-show_entries",
                         "stream=nb_read_frames")["streams"][0]["nb_read_frames"]
        self.assertEqual(int(frames), 5 * FPS)
        self.assertEqual(s["frames"], 5 * FPS)
        # The segments inside the range are the full render's, reused from the cache; only
        # those cut at its ends are rendered.
        inner = s["segment_list"][1:-1]
        self.assertTrue(inner and all(x["status"] == "reused" for x in inner), s["segment_list"])
        self.assertLessEqual(s["segments_rendered"], 2)
        self.assertEqual(s["segment_list"][0]["start_frame"], 2 * FPS)
        self.assertEqual(s["segment_list"][-1]["end_frame"], 7 * FPS)
        mean, compared, worst = ssim(part, f"[1:v]trim=start_frame={2 * FPS}:end_frame={7 * FPS},"
                                     "setpts=PTS-STARTPTS,format=yuv420p[ref]", [full])
        self.assertEqual(compared, 5 * FPS)
        self.assertGreaterEqual(worst, 0.99)
        # Sound: the range's 5 s, not the timeline's.
        audio = ffprobe(part, "-select_streams", "a:0", "-show_entries", "stream=duration")["streams"][0]
        self.assertAlmostEqual(float(audio["duration"]), 5.0, delta=0.05)

    def test_range_off_the_segment_grid_renders_cut_segments(self):
        p = self.write_project(project(10))
        part = self.dir / "part.mp4"
        s = self.render_stats(p, part, "--no-cache", "--segment-seconds", "2", "--range", "2.5-6.1")
        self.assertEqual(s["frames"], 108)  # round(6.1 * 30) - round(2.5 * 30) = 183 - 75
        self.assertEqual(s["segment_list"][0]["start_frame"], 75)
        self.assertEqual(s["segment_list"][-1]["end_frame"], 183)

    def test_range_outside_the_timeline_is_a_usage_error(self):
        p = self.write_project(project())
        r = render(p, self.dir / "x.mp4", "--range", "5-20")
        self.assertEqual(r.code, 2, r)
        self.assertIn("not inside the timeline", r.err)
        self.assertFalse((self.dir / "x.mp4").exists())

    def test_memory_budget_is_kept(self):
        if sanitized():
            self.skipTest("reel is built with AddressSanitizer, whose shadow memory and quarantine "
                          "are outside any budget")
        p = self.write_project(project())
        for budget in (96, 128):
            s = self.render_stats(p, self.dir / f"b{budget}.mp4", "--no-cache", "--memory-budget", f"{budget}M")
            self.assertEqual(s["memory_budget_bytes"], budget << 20)
            self.assertLess(s["peak_rss_bytes"], budget << 20, f"budget {budget}M: {json.dumps(s)[:400]}")

    def test_a_budget_too_small_is_refused_with_the_smallest_that_works(self):
        doc = project()
        doc["output"].update({"width": 3840, "height": 2160})
        p = self.write_project(doc)
        out = self.dir / "x.mp4"
        r = render(p, out, "--no-cache", "--memory-budget", "100M")
        self.assertEqual(r.code, 2, r)
        self.assertIn("too small", r.err)
        self.assertRegex(r.err, r"--memory-budget \d+M or more")
        self.assertFalse(out.exists())
        wanted = int(r.err.split("--memory-budget ")[-1].split("M")[0])
        r = render(p, out, "--no-cache", "--memory-budget", f"{wanted}M", "--range", "0-1", "--stats", "-")
        self.assertEqual(r.code, 0, r)


EVENTS = Draft202012Validator(json.loads(
    (Path(__file__).resolve().parents[3] / "schemas" / "events.schema.json").read_text()))


def events_of(result):
    """The NDJSON events on stderr, each validated against schemas/events.schema.json."""
    events = [json.loads(line) for line in result.err.splitlines() if line.startswith("{")]
    for e in events:
        errors = [err.message for err in EVENTS.iter_errors(e)]
        if errors:
            raise AssertionError(f"event does not match the schema: {errors[:3]}: {e}")
    return events


class Events(ProjectTestCase):
    def test_a_render_tells_its_story_in_events(self):
        p = self.write_project(project())
        cache = self.dir / "cache"
        args = ("--cache-dir", cache, "--segment-seconds", "2", "--progress", "json")
        r = run_reel("render", p, "-o", self.dir / "a.mp4", *args)
        self.assertEqual(r.code, 0, r)
        ev = events_of(r)
        self.assertEqual(ev[0]["event"], "start")
        self.assertEqual(ev[0]["frames"], 8 * FPS)
        n = ev[0]["segments"]
        self.assertEqual(ev[-1]["event"], "done")
        self.assertEqual(ev[-1]["stats"]["frames"], 8 * FPS)
        states = {}
        for e in ev:
            if e["event"] == "segment":
                states.setdefault(e["index"], []).append(e["state"])
        self.assertEqual(len(states), n)
        for index, seq in states.items():
            self.assertEqual(seq, ["pending", "rendering", "done"], f"segment {index}")
        phases = [e["phase"] for e in ev if e["event"] == "progress"]
        for phase in ("render", "sound", "composite"):
            self.assertIn(phase, phases)
        render = [e for e in ev if e["event"] == "progress" and e["phase"] == "render"]
        self.assertEqual(render[-1]["frame"], 8 * FPS)
        self.assertEqual(render[-1]["eta_seconds"], 0)
        times = [e["time"] for e in ev]
        self.assertEqual(times, sorted(times))
        # Again: every segment is reused.
        r = run_reel("render", p, "-o", self.dir / "b.mp4", *args)
        self.assertEqual(r.code, 0, r)
        finals = {e["index"]: e["state"] for e in events_of(r) if e["event"] == "segment"}
        self.assertEqual(set(finals.values()), {"reused"})

    def test_a_failure_ends_with_an_error_event(self):
        doc = project()
        doc["media"]["b"]["path"] = "media/no_such_file.mov"
        p = self.write_project(doc)
        r = run_reel("render", p, "-o", self.dir / "x.mp4", "--progress", "json")
        self.assertEqual(r.code, 4, r)
        ev = events_of(r)
        self.assertEqual(ev[-1]["event"], "error")
        self.assertEqual(ev[-1]["error"]["code"], "media")
        self.assertIn("no_such_file.mov", ev[-1]["error"]["message"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
