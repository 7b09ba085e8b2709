# SPDX-License-Identifier: Apache-2.0
"""OpenTimelineIO input end to end: an .otio timeline over the generated test media plans
and renders, and its output is identical, frame by frame (ffmpeg -f framemd5), to rendering
the reel timeline that `reel plan --dump` wrote from it; plan hashes agree too. Timing at
24, 25, 29.97 and 23.976 fps with a non-zero global_start_time; missing media reported all
at once; the shared samples (when present) each plan or fail naming the problem; --dump,
--media-root and warnings as a user meets them. The OTIO files are written here by hand,
as an editor would export them (floats for rates and values)."""

import json
import os
import subprocess
import unittest
from pathlib import Path

from reel_e2e import MEDIA, SOURCE, ProjectTestCase, run_reel

# ../shared/otio-samples beside the repository; the sample tests skip when it is absent.
SAMPLES = Path(os.environ.get("REEL_OTIO_SAMPLES", SOURCE.resolve().parent / "shared" / "otio-samples"))


# -- OTIO builders ----------------------------------------------------------------------

def rt(value, rate):
    return {"OTIO_SCHEMA": "RationalTime.1", "value": float(value), "rate": float(rate)}


def tr(start, duration, rate):
    return {"OTIO_SCHEMA": "TimeRange.1", "start_time": rt(start, rate), "duration": rt(duration, rate)}


def ext(url, name="", available=None):
    return {"OTIO_SCHEMA": "ExternalReference.1", "name": name, "target_url": url,
            "available_range": available, "metadata": {}}


def clip(name, ref, source_range, effects=()):
    return {"OTIO_SCHEMA": "Clip.2", "name": name, "source_range": source_range,
            "media_references": {"DEFAULT_MEDIA": ref}, "active_media_reference_key": "DEFAULT_MEDIA",
            "effects": list(effects), "markers": [], "enabled": True, "metadata": {}}


def fill(name, rgba, frames, rate):
    ref = {"OTIO_SCHEMA": "GeneratorReference.1", "name": "", "generator_kind": "toucan:Fill",
           "parameters": {"color": list(rgba)}, "available_range": None}
    return clip(name, ref, tr(0, frames, rate))


def gap(frames, rate):
    return {"OTIO_SCHEMA": "Gap.1", "name": "", "source_range": tr(0, frames, rate), "effects": [], "markers": []}


def transition(name, in_offset, out_offset, rate):
    return {"OTIO_SCHEMA": "Transition.1", "name": name, "transition_type": "SMPTE_Dissolve",
            "in_offset": rt(in_offset, rate), "out_offset": rt(out_offset, rate), "metadata": {}}


def track(name, children, kind="Video"):
    return {"OTIO_SCHEMA": "Track.1", "name": name, "kind": kind, "children": children,
            "source_range": None, "effects": [], "markers": [], "enabled": True, "metadata": {}}


def stack(name, children, source_range=None, effects=()):
    return {"OTIO_SCHEMA": "Stack.1", "name": name, "children": children, "source_range": source_range,
            "effects": list(effects), "markers": [], "enabled": True, "metadata": {}}


def warp(scalar):
    return {"OTIO_SCHEMA": "LinearTimeWarp.1", "name": "", "effect_name": "LinearTimeWarp",
            "time_scalar": float(scalar), "metadata": {}}


def timeline(tracks, global_start=None, metadata=None):
    return {"OTIO_SCHEMA": "Timeline.1", "name": "e2e", "global_start_time": global_start,
            "metadata": metadata or {}, "tracks": stack("tracks", tracks)}


def small(width=320, height=240, fps=None):
    reel = {"width": width, "height": height}
    if fps is not None:
        reel["fps"] = fps
    return {"reel": reel}


def framemd5(path, stream):
    """Per-frame MD5s of one stream of a file, as ffmpeg decodes it."""
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", stream,
                          "-f", "framemd5", "-"], capture_output=True, text=True, check=True).stdout
    return [line.split(",")[-1].strip() for line in out.splitlines() if line and not line.startswith("#")]


def hashes(plan):
    return [(s["start_frame"], s["end_frame"], s["hash"]) for s in plan["segments"]]


class OtioTestCase(ProjectTestCase):
    def write_otio(self, doc, name="cut.otio"):
        return self.write_project(json.dumps(doc, indent=2), name)


class RenderMatchesTheDump(OtioTestCase):
    def edit(self):
        r = 30
        a_range = tr(0, 300, 30)  # clip_a.mp4: 10 s at 30 fps
        b_range = tr(0, 200, 25)  # clip_b.mov: 8 s at 25 fps
        v1 = track("V1", [
            clip("opening", ext("media/clip_a.mp4", "a", a_range), tr(30, 60, 30)),
            transition("dissolve", 10, 10, r),
            clip("bars", ext("file://localhost" + str(MEDIA / "clip_b.mov").replace(" ", "%20"), "b", b_range),
                 tr(25, 50, 25)),
            gap(15, r),
            fill("slate", (0.2, 0.4, 0.6, 1.0), 20, r),
        ])
        inner = stack("fast inset", [track("inset", [clip("quick", ext("media/clip_a.mp4", "a"),
                                                           tr(150, 60, 30))])],
                      tr(0, 30, 30), [warp(2)])
        v2 = track("V2", [gap(20, r), clip("logo", ext("media/logo.png", "logo"), tr(0, 30, 30)), gap(30, r),
                          inner])
        a1 = track("A1", [clip("music", ext("media/music.flac", "music"), tr(0, 150, 30))], "Audio")
        return timeline([v1, v2, a1], rt(108000, r), small())

    def test_render_of_otio_equals_render_of_dump(self):
        otio = self.write_otio(self.edit())
        dump = self.dir / "dump.json"
        plan_otio = run_reel("plan", otio, "--dump", dump)
        self.assertEqual(plan_otio.code, 0, plan_otio)
        self.assertTrue(dump.exists())
        self.assertIn("reel timeline -> ", plan_otio.err)
        plan_dump = self.plan(dump)
        plan_otio = plan_otio.json()
        self.assertEqual(plan_otio["totals"]["frames"], 60 + 60 + 15 + 20)  # transitions take no time
        self.assertEqual(hashes(plan_otio), hashes(plan_dump))
        # The dissolve (frames 50-70) and the nested, double-speed inset (80-110) show.
        self.assertIn(["opening", "bars"], [s["items"] for s in plan_otio["segments"]])
        self.assertIn(["bars", "fast inset"], [s["items"] for s in plan_otio["segments"]])
        self.assertEqual(plan_otio["output"]["fps"], "30")  # two clips of the 30 fps clip_a, one at 25
        self.assertEqual(plan_otio["output"]["fps_source"], "media")
        self.assertEqual((plan_otio["output"]["width"], plan_otio["output"]["height"]), (320, 240))

        common = ["-y", "-q", "--preset", "ultrafast", "--crf", "0", "--threads", "2"]
        out_otio, out_dump = self.dir / "otio.mp4", self.dir / "dump.mp4"
        r = run_reel("render", otio, "-o", out_otio, *common)
        self.assertEqual(r.code, 0, r)
        r = run_reel("render", dump, "-o", out_dump, *common)
        self.assertEqual(r.code, 0, r)
        video_otio, video_dump = framemd5(out_otio, "0:v"), framemd5(out_dump, "0:v")
        self.assertEqual(len(video_otio), plan_otio["totals"]["frames"])
        self.assertEqual(video_otio, video_dump)
        self.assertEqual(framemd5(out_otio, "0:a"), framemd5(out_dump, "0:a"))

    def test_dump_is_a_valid_reel_timeline_wherever_it_is_written(self):
        otio = self.write_otio(self.edit())
        (self.dir / "elsewhere").mkdir()
        dump = self.dir / "elsewhere" / "converted.json"
        r = run_reel("plan", otio, "--dump", dump, "-q")
        self.assertEqual(r.code, 0, r)
        doc = json.loads(dump.read_text())
        self.assertEqual(doc["reel"], 1)
        self.assertIn("fast inset", doc["compositions"])
        for m in doc["media"].values():
            self.assertTrue(Path(m["path"]).is_absolute(), m)  # "../media/..." would climb out
        self.assertEqual(hashes(self.plan(dump)), hashes(run_reel("plan", otio).json()))
        # An existing dump is kept unless -y.
        before = dump.read_text()
        r = run_reel("plan", otio, "--dump", dump, "-q")
        self.assertEqual(r.code, 2, r)
        self.assertIn("-y", r.err)
        self.assertEqual(dump.read_text(), before)
        r = run_reel("plan", otio, "--dump", dump, "-q", "-y")
        self.assertEqual(r.code, 0, r)
        r = run_reel("plan", otio, "--dump", otio)
        self.assertEqual(r.code, 2, r)


class Timing(OtioTestCase):
    RATES = [("24", 24, "24"), ("25", 25, "25"), ("29.97", 30000 / 1001, "30000/1001"),
             ("23.976", 23.976, "24000/1001")]

    def test_frames_and_segment_boundaries_are_exact(self):
        for label, r, exact in self.RATES:
            with self.subTest(rate=label):
                hour = 3600 * round(r)
                v1 = track("V1", [clip("A", ext("media/clip_a.mp4"), tr(0, 48, r)), gap(13, r),
                                  clip("B", ext("media/clip_b.mov"), tr(0, 37, r))])
                v2 = track("V2", [gap(20, r), fill("flash", (1, 1, 1, 1), 10, r)])
                # The rate is the metadata's (global_start_time's rate is no frame rate).
                otio = self.write_otio(timeline([v1, v2], rt(hour, r), small(fps=r)), f"rate-{label}.otio")
                plan = self.plan(otio)
                self.assertEqual(plan["output"]["fps"], exact)
                self.assertEqual(plan["output"]["fps_source"], "timeline")
                self.assertEqual(plan["totals"]["frames"], 98)
                cuts = [(s["start_frame"], s["end_frame"]) for s in plan["segments"]]
                self.assertEqual(cuts, [(0, 20), (20, 30), (30, 48), (48, 61), (61, 98)])
                self.assertEqual([s["items"] for s in plan["segments"]],
                                 [["A"], ["A", "flash"], ["A"], [], ["B"]])


class MissingMedia(OtioTestCase):
    def test_every_missing_file_in_one_error(self):
        doc = timeline([track("V", [clip("one", ext("media/clip_a.mp4"), tr(0, 24, 24)),
                                    clip("two", ext("file:///no/such/dir/x1.mov"), tr(0, 24, 24)),
                                    clip("three", ext("lost/x2.mov"), tr(0, 24, 24))]),
                        track("A", [clip("four", ext("media/x3.wav"), tr(0, 24, 24))], "Audio")])
        r = run_reel("plan", self.write_otio(doc))
        self.assertEqual(r.code, 4, r)
        for name in ["/no/such/dir/x1.mov", "lost/x2.mov", "media/x3.wav"]:
            self.assertIn(name, r.err)
        self.assertIn("3 problems found", r.err)

    def test_media_root_resolves_and_relinks(self):
        doc = timeline([track("V", [clip("moved", ext("file:///Volumes/Edit/footage/clip_a.mp4"), tr(0, 24, 24)),
                                    clip("rel", ext("clip_b.mov"), tr(0, 24, 24))])])
        otio = self.write_otio(doc)
        self.assertEqual(run_reel("plan", otio).code, 4)
        r = run_reel("plan", otio, "--media-root", MEDIA)
        self.assertEqual(r.code, 0, r)
        paths = sorted(s["path"] for s in r.json()["sources"])
        self.assertEqual(paths, sorted([str(MEDIA / "clip_a.mp4"), str(MEDIA / "clip_b.mov")]))
        json_project = self.write_project({"reel": 1, "output": {"width": 320, "height": 240, "fps": 30},
                                           "media": {}, "tracks": []})
        r = run_reel("plan", json_project, "--media-root", MEDIA)
        self.assertEqual(r.code, 2, r)
        self.assertIn("--media-root", r.err)


class Diagnostics(OtioTestCase):
    def test_conversion_errors_are_located_in_the_otio_file(self):
        bars = {"OTIO_SCHEMA": "GeneratorReference.1", "generator_kind": "SMPTEBars", "parameters": {}}
        doc = timeline([track("V", [clip("bars", bars, tr(0, 24, 24)),
                                    clip("reversed", ext("media/clip_a.mp4"), tr(24, 24, 24), [warp(-1)])])])
        otio = self.write_otio(doc)
        r = run_reel("plan", otio, "--stats", self.dir / "stats.json")
        self.assertEqual(r.code, 3, r)
        self.assertIn("clip \"bars\": generator \"SMPTEBars\"", r.err)
        self.assertIn("clip \"reversed\": LinearTimeWarp with time_scalar -1 plays backwards", r.err)
        self.assertIn(f"{otio}:", r.err)
        self.assertIn("2 problems found", r.err)
        stats = json.loads((self.dir / "stats.json").read_text())
        self.assertEqual(stats["error"]["code"], "timeline")

    def test_ignored_effects_are_warnings_in_the_plan(self):
        blur = {"OTIO_SCHEMA": "Effect.1", "name": "soft", "effect_name": "toucan:Blur", "metadata": {}}
        doc = timeline([track("V", [clip("soft", ext("media/clip_a.mp4"), tr(0, 24, 24), [blur])])])
        r = run_reel("plan", self.write_otio(doc))
        self.assertEqual(r.code, 0, r)
        warnings = r.json()["warnings"]
        self.assertTrue(any("\"toucan:Blur\"" in w and "clip \"soft\"" in w for w in warnings), warnings)
        self.assertIn("reel plan: warning: effect \"toucan:Blur\"", r.err)


@unittest.skipUnless(SAMPLES.is_dir(), f"{SAMPLES} is absent")
class SharedSamples(OtioTestCase):
    # Without their media, every sample fails: at conversion (3) naming the construct, or
    # at probing (4) naming every missing file at once.
    EXPECT = {
        "simple_cut.otio": (4, ["/folder/titles.mov", "/folder/credits.mov", "4 problems found"]),
        "multiple_track.otio": (4, ["/folder/punchline.mov", "4 problems found"]),
        "premiere_example.otio": (4, ["D:/media/sc01_sh010_anim.mov", "D:/media/track_08.wav",
                                      "6 problems found"]),
        "big_int.otio": (4, ["black.mov"]),
        "transition.otio": (3, ["transition \"Transition\"", "clip \"Clip-002\""]),
        "transition_test.otio": (3, ["clip \"A\" has no media", "transition \"t0\""]),
        "nested_example.otio": (3, ["MissingReference", "clip \"Normal Clip 1\""]),
        "effects.otio": (3, ["clip \"PICCHU MAQUETA .wav\" has no media", "14 problems found"]),
        # Maps to an image sequence; its frames are not here.
        "image_sequence_example.otio": (4, ["sample_sequence", "sample_sequence/sample_sequence.%04d.exr"]),
        "generator_reference_test.otio": (3, ["clip \"C\"", "\"SMPTEBars\""]),
    }

    def test_each_sample_plans_or_names_its_problem(self):
        for path in sorted(SAMPLES.glob("*.otio")):
            with self.subTest(sample=path.name):
                self.assertIn(path.name, self.EXPECT, "a sample without an expectation")
                code, words = self.EXPECT[path.name]
                r = run_reel("plan", path)
                self.assertEqual(r.code, code, r)
                for w in words:
                    self.assertIn(w, r.err)


if __name__ == "__main__":
    unittest.main()
