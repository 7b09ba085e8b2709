# SPDX-License-Identifier: Apache-2.0
"""Issue 12 end to end: encoder engines chosen explicitly, never a hidden fallback.

On a machine with no GPU (this project's): `reel bench --engines` says oneVPL, NVENC and
VAAPI cannot run and why (each reason checked against what the machine really lacks);
a named engine stops before any work with exit 6 and names the way out; `auto` renders
with software and the stats say why.

The oneVPL engine runs for real through Debian's oneVPL dispatcher and a test runtime
built by the suite (tests/vpl_runtime: the 2.x runtime interface over libx264), found
through ONEVPL_SEARCH_PATH like any runtime: segments that `reel composite` joins, checked
with ffprobe and against the software render by SSIM. Keys: a segment cached by one
engine is never reused by another."""

import json
import os
import re
import subprocess
import tempfile
import unittest
from pathlib import Path

from reel_e2e import ProjectTestCase, ffprobe, run_reel, validate

RUNTIME_DIR = os.environ.get("REEL_VPL_RUNTIME_DIR", "")
RUNTIME_NAME = "reel test runtime (libx264)"
FPS = 24
GOP = 12


def doc(engine=None, seconds=3):
    video = {"preset": "ultrafast", "gop": GOP}
    if engine:
        video["engine"] = engine
    return {"reel": 1,
            "output": {"width": 320, "height": 180, "fps": FPS, "video": video},
            "media": {"a": {"path": "media/clip_a.mp4"}},
            "tracks": [{"items": [{"type": "clip", "media": "a", "start": 0, "in": 0, "out": seconds}]},
                       {"items": [{"type": "color", "color": "#3060c0", "start": 1, "duration": 1,
                                   "opacity": 0.5}]}]}


def no_runtime():
    """An environment in which the dispatcher finds no test runtime (an empty search path)."""
    empty = tempfile.mkdtemp(prefix="reel-vpl-empty-")
    return {"ONEVPL_SEARCH_PATH": empty}


def with_runtime():
    return {"ONEVPL_SEARCH_PATH": RUNTIME_DIR}


def runtime_built():
    return bool(RUNTIME_DIR) and any(Path(RUNTIME_DIR).glob("libvpl*.so*"))


def ssim(a, b):
    proc = subprocess.run(["ffmpeg", "-v", "info", "-nostdin", "-i", str(a), "-i", str(b), "-lavfi",
                           "[0:v][1:v]ssim", "-f", "null", "-"], capture_output=True, text=True)
    m = re.findall(r"SSIM .*All:([0-9.]+)", proc.stderr)
    if not m:
        raise AssertionError(f"ffmpeg ssim failed: {proc.stderr[-2000:]}")
    return float(m[-1])


def frames_of(path):
    """(frame count, key frame indices) of the video, decoded by ffprobe."""
    info = ffprobe(path, "-select_streams", "v", "-show_entries", "frame=key_frame,pts", "-show_frames")
    frames = info["frames"]
    return len(frames), [i for i, f in enumerate(frames) if f["key_frame"] == 1]


class EngineTestCase(ProjectTestCase):
    def render(self, project, out, *args, env=None):
        stats_path = self.dir / (Path(out).stem + ".stats.json")
        r = run_reel("render", project, "-o", out, "--progress", "none", "--stats", stats_path, *args,
                     env=env or no_runtime(), timeout=240)
        stats = json.loads(stats_path.read_text()) if stats_path.exists() else None
        return r, stats

    def engines(self, env):
        out = self.dir / "engines.json"
        r = run_reel("bench", "--engines", "-o", out, "-y", env=env, timeout=120)
        self.assertEqual(r.code, 0, r)
        code, said = validate("engines.schema.json", out)
        self.assertEqual(code, 0, said)
        doc = json.loads(out.read_text())
        return {(e["engine"], e["codec"]): e for e in doc["engines"]}, doc["auto"]


class Probe(EngineTestCase):
    def test_every_engine_and_codec_is_listed_with_a_real_reason(self):
        rows, auto = self.engines(no_runtime())
        for engine in ("software", "onevpl", "nvenc", "qsv", "vaapi"):
            for codec in ("h264", "hevc", "av1", "vp9"):
                self.assertIn((engine, codec), rows)
        sw = rows[("software", "h264")]
        self.assertTrue(sw["available"])
        self.assertEqual(sw["encoder"], "libx264")
        vpl = rows[("onevpl", "h264")]
        self.assertFalse(vpl["available"], vpl)
        self.assertEqual(vpl["status"], "MFX_ERR_NOT_FOUND (-9)", vpl)
        self.assertIn("no hardware runtime", vpl["reason"])
        nv = rows[("nvenc", "h264")]
        if not Path("/dev/nvidia0").exists():
            self.assertFalse(nv["available"], nv)
            self.assertRegex(nv["reason"], r"CUDA driver not loaded: .*libcuda\.so\.1|NVIDIA's encode library")
        if not list(Path("/dev/dri").glob("renderD*")) if Path("/dev/dri").exists() else True:
            for engine in ("vaapi", "qsv"):
                self.assertFalse(rows[(engine, "h264")]["available"])
                self.assertIn("no DRM render node", rows[(engine, "h264")]["reason"])
        # Hardware engines here encode H.264 and HEVC only, and say so for the rest.
        self.assertIn("h264 and hevc", rows[("nvenc", "av1")]["reason"])
        self.assertEqual(auto["h264"]["engine"], "software")
        self.assertIn("no hardware engine", auto["h264"]["why"])

    @unittest.skipUnless(runtime_built(), "the oneVPL test runtime was not built (REEL_VPL_RUNTIME_DIR)")
    def test_the_test_runtime_is_found_by_the_real_dispatcher(self):
        rows, auto = self.engines(with_runtime())
        vpl = rows[("onevpl", "h264")]
        self.assertTrue(vpl["available"], vpl)
        self.assertEqual(vpl["encoder"], "oneVPL: " + RUNTIME_NAME)
        self.assertFalse(rows[("onevpl", "hevc")]["available"])  # the test runtime encodes H.264 only
        self.assertEqual(auto["h264"]["engine"], "onevpl")
        self.assertEqual(auto["hevc"]["engine"], "software")


class NoHiddenFallback(EngineTestCase):
    def test_named_engines_that_cannot_run_stop_before_any_work(self):
        project = self.write_project(doc())
        for engine in ("onevpl", "nvenc", "vaapi", "qsv"):
            with self.subTest(engine=engine):
                if engine == "nvenc" and Path("/dev/nvidia0").exists():
                    continue
                out = self.dir / f"{engine}.mp4"
                cache = self.dir / f"cache-{engine}"
                r, stats = self.render(project, out, "--encoder", engine, "--cache-dir", cache)
                self.assertEqual(r.code, 6, r)
                self.assertIn(f'encoder engine "{engine}" (--encoder {engine}) cannot encode h264 here', r.err)
                self.assertIn("--encoder software", r.err)
                self.assertFalse(out.exists())
                self.assertEqual(list(cache.rglob("*.mp4")) if cache.exists() else [], [])
                self.assertFalse(stats["ok"])
                self.assertEqual(stats["error"]["code"], "encode")

    def test_an_engine_named_in_the_timeline_stops_too(self):
        project = self.write_project(doc(engine="onevpl"))
        r, _ = self.render(project, self.dir / "out.mp4")
        self.assertEqual(r.code, 6, r)
        self.assertIn('output.video.engine "onevpl"', r.err)
        self.assertIn("set output.video.engine", r.err)
        # --encoder overrides the timeline.
        r, stats = self.render(project, self.dir / "sw.mp4", "--encoder", "software")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(stats["engine"]["name"], "software")
        self.assertEqual(stats["engine"]["chosen_by"], "flag")

    def test_an_unknown_engine_is_a_located_timeline_error(self):
        project = self.write_project(doc(engine="cuda"))
        r, _ = self.render(project, self.dir / "out.mp4")
        self.assertEqual(r.code, 3, r)
        self.assertIn("/output/video/engine", r.err)
        r = run_reel("render", self.write_project(doc(), "ok.json"), "-o", self.dir / "x.mp4", "--encoder", "cuda")
        self.assertEqual(r.code, 2, r)

    def test_auto_renders_with_software_and_says_why(self):
        project = self.write_project(doc())
        r, stats = self.render(project, self.dir / "auto.mp4", "--encoder", "auto")
        self.assertEqual(r.code, 0, r)
        e = stats["engine"]
        self.assertEqual((e["name"], e["requested"], e["chosen_by"], e["encoder"]),
                         ("software", "auto", "flag", "libx264"), e)
        self.assertIn("no hardware engine can encode h264 here", e["why"])
        self.assertIn("onevpl: ", e["why"])
        self.assertEqual(stats["encoder"], "libx264")
        code, said = validate("stats.schema.json", self.dir / "auto.stats.json")
        self.assertEqual(code, 0, said)
        # The default is software, said as such.
        r, stats = self.render(project, self.dir / "default.mp4")
        self.assertEqual(stats["engine"]["chosen_by"], "default")
        self.assertEqual(stats["engine"]["name"], "software")


class HardwareDecoding(EngineTestCase):
    def test_a_named_device_that_cannot_open_stops_before_any_work(self):
        project = self.write_project(doc())
        wanted = {"cuda": r"CUDA driver not loaded: .*libcuda\.so\.1"}
        if not (Path("/dev/dri").exists() and list(Path("/dev/dri").glob("renderD*"))):
            wanted["vaapi"] = r"no DRM render node"
            wanted["qsv"] = r"no DRM render node"
        if Path("/dev/nvidia0").exists():
            del wanted["cuda"]
        for device, reason in wanted.items():
            with self.subTest(device=device):
                out = self.dir / f"{device}.mp4"
                r, stats = self.render(project, out, "--hwdecode", device)
                self.assertEqual(r.code, 5, r)
                self.assertIn(f'hardware decoder "{device}" (--hwdecode {device}) cannot run here', r.err)
                self.assertRegex(r.err, reason)
                self.assertIn("--hwdecode none", r.err)
                self.assertFalse(out.exists())
                self.assertEqual(stats["error"]["code"], "decode")

    def test_auto_decodes_in_software_here_and_says_so(self):
        project = self.write_project(doc())
        r, stats = self.render(project, self.dir / "auto.mp4", "--hwdecode", "auto")
        self.assertEqual(r.code, 0, r)
        h = stats["hwdecode"]
        self.assertEqual((h["device"], h["requested"], h["chosen_by"]), ("none", "auto", "flag"), h)
        self.assertIn("no hardware decoder opens here", h["why"])
        self.assertEqual(h["frames_hw"], 0)
        self.assertEqual(h["frames_software"], stats["frames_decoded"])
        self.assertGreater(h["frames_software"], 0)
        code, said = validate("stats.schema.json", self.dir / "auto.stats.json")
        self.assertEqual(code, 0, said)
        r, stats = self.render(project, self.dir / "default.mp4")
        self.assertEqual((stats["hwdecode"]["device"], stats["hwdecode"]["chosen_by"]), ("none", "default"))


@unittest.skipUnless(runtime_built(), "the oneVPL test runtime was not built (REEL_VPL_RUNTIME_DIR)")
class OneVplThroughTheDispatcher(EngineTestCase):
    def test_segments_join_and_match_the_software_render(self):
        project = self.write_project(doc())
        cache = self.dir / "cache"
        segs = []
        n = 3  # 3 s at --segment-seconds 1
        for i in range(n):
            stats_path = self.dir / f"seg{i}.json"
            r = run_reel("segment", project, "--index", i, "--encoder", "onevpl", "--cache-dir", cache,
                         "--segment-seconds", 1, "--progress", "none", "--stats", stats_path, env=with_runtime(),
                         timeout=240)
            self.assertEqual(r.code, 0, r)
            s = json.loads(stats_path.read_text())
            self.assertEqual(s["engine"]["name"], "onevpl")
            self.assertEqual(s["engine"]["encoder"], "oneVPL: " + RUNTIME_NAME)
            keys = [e["key"] for e in s["segment_list"]]
            self.assertEqual(len(keys), 1)
            files = list(cache.rglob(keys[0] + ".mp4"))
            self.assertEqual(len(files), 1, keys)
            segs.append(files[0])
        joined = self.dir / "joined.mp4"
        r = run_reel("composite", *segs, "-o", joined)
        self.assertEqual(r.code, 0, r)
        count, keys = frames_of(joined)
        self.assertEqual(count, 3 * FPS)
        self.assertEqual(keys, list(range(0, 3 * FPS, GOP)))  # the GOP asked for, IDR each
        v = ffprobe(joined)["streams"][0]
        self.assertEqual((v["codec_name"], v["width"], v["height"]), ("h264", 320, 180))
        r, _ = self.render(project, self.dir / "software.mp4")
        self.assertEqual(r.code, 0, r)
        self.assertGreaterEqual(ssim(joined, self.dir / "software.mp4"), 0.98)

    def test_a_whole_render_says_which_engine_ran(self):
        project = self.write_project(doc())
        out = self.dir / "vpl.mp4"
        r, stats = self.render(project, out, "--encoder", "onevpl", "--segment-seconds", "1", env=with_runtime())
        self.assertEqual(r.code, 0, r)
        self.assertEqual(stats["encoder"], "oneVPL: " + RUNTIME_NAME)
        self.assertEqual(stats["engine"]["chosen_by"], "flag")
        self.assertEqual(frames_of(out)[0], 3 * FPS)
        code, said = validate("stats.schema.json", self.dir / "vpl.stats.json")
        self.assertEqual(code, 0, said)
        # auto takes the runtime now, and says so.
        r, stats = self.render(project, self.dir / "auto.mp4", "--encoder", "auto", env=with_runtime())
        self.assertEqual(r.code, 0, r)
        self.assertEqual(stats["engine"]["name"], "onevpl")
        self.assertIn("first hardware engine", stats["engine"]["why"])

    def test_a_segment_cached_by_one_engine_is_not_reused_by_another(self):
        project = self.write_project(doc())
        cache = self.dir / "cache"
        common = ("--cache-dir", cache, "--segment-seconds", "1")
        r, sw = self.render(project, self.dir / "a.mp4", *common, env=with_runtime())
        self.assertEqual((r.code, sw["segments_rendered"], sw["segments_reused"]), (0, 3, 0), r)
        r, hw = self.render(project, self.dir / "b.mp4", "--encoder", "onevpl", *common, env=with_runtime())
        self.assertEqual((r.code, hw["segments_rendered"], hw["segments_reused"]), (0, 3, 0), r)
        sw_keys = {e["key"] for e in sw["segment_list"]}
        hw_keys = {e["key"] for e in hw["segment_list"]}
        self.assertFalse(sw_keys & hw_keys)
        # Each engine finds its own again.
        r, again = self.render(project, self.dir / "c.mp4", *common, env=with_runtime())
        self.assertEqual((again["segments_rendered"], again["segments_reused"]), (0, 3))
        r, again = self.render(project, self.dir / "d.mp4", "--encoder", "onevpl", *common, env=with_runtime())
        self.assertEqual((again["segments_rendered"], again["segments_reused"]), (0, 3))


if __name__ == "__main__":
    unittest.main()
