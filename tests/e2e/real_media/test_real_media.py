# SPDX-License-Identifier: Apache-2.0
"""Real camera clips from ../shared/media (when present): what `reel plan` probes must
agree with ffprobe and with what ffmpeg decodes. Skipped cleanly when the folder is absent."""

import os
import subprocess
import unittest
from fractions import Fraction
from pathlib import Path

from reel_e2e import SOURCE, ProjectTestCase, ffprobe

SHARED = Path(os.environ.get("REEL_SHARED_MEDIA", SOURCE.parent / "shared" / "media"))
FILES = ["sample_with_increasing_timestamps.mp4", "sample_with_increasing_timestamps_360p.mp4",
         "bear-vp9.webm", "bear-vp9-odd-dimensions.webm", "portrait_4k60.mp4", "car-detection.mp4"]


@unittest.skipUnless(SHARED.is_dir(), f"{SHARED} not present")
class RealMedia(ProjectTestCase):
    def setUp(self):
        super().setUp()
        self.files = [f for f in FILES if (SHARED / f).exists()]
        if not self.files:
            self.skipTest("no real clips present")
        tracks = [{"items": [{"id": f"use-{i}", "type": "clip", "media": f"m{i}", "start": 0}]}
                  for i, _ in enumerate(self.files)]
        project = self.write_project({
            "reel": 1, "output": {"width": 640, "height": 360, "fps": 30},
            "media": {f"m{i}": {"path": str(SHARED / f)} for i, f in enumerate(self.files)},
            "tracks": tracks,
        })
        plan = self.plan(project)
        self.sources = {Path(s["path"]).name: s for s in plan["sources"]}
        self.plan_doc = plan

    def test_streams_agree_with_ffprobe(self):
        for name in self.files:
            with self.subTest(name):
                ours = self.sources[name]
                info = ffprobe(SHARED / name)
                video = [s for s in info["streams"] if s["codec_type"] == "video"][0]
                self.assertEqual(ours["video"]["codec"], video["codec_name"])
                self.assertEqual((ours["video"]["width"], ours["video"]["height"]), (video["width"], video["height"]))
                self.assertEqual(ours["video"]["pixel_format"], video["pix_fmt"])
                self.assertEqual(Fraction(ours["video"]["frame_rate"]), Fraction(video["avg_frame_rate"]))
                audio = [s for s in info["streams"] if s["codec_type"] == "audio"]
                if audio:
                    self.assertEqual(ours["audio"]["sample_rate"], int(audio[0]["sample_rate"]))
                    self.assertEqual(ours["audio"]["channels"], audio[0]["channels"])
                else:
                    self.assertIsNone(ours["audio"])
                if video.get("color_range") == "pc" or video["pix_fmt"].startswith("yuvj"):
                    self.assertEqual(ours["video"]["color_range"], "pc")

    def test_upright_size_matches_ffmpeg_autorotate(self):
        for name in self.files:
            with self.subTest(name):
                png = self.dir / (name + ".png")
                subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(SHARED / name), "-frames:v", "1", str(png)],
                               check=True)
                frame = ffprobe(png)["streams"][0]
                v = self.sources[name]["video"]
                self.assertEqual((v["display_width"], v["display_height"]), (frame["width"], frame["height"]))
        if "portrait_4k60.mp4" in self.sources:
            v = self.sources["portrait_4k60.mp4"]["video"]
            self.assertEqual((v["display_width"], v["display_height"], v["rotation"]), (2160, 3840, 90))

    def test_frame_timing(self):
        if "portrait_4k60.mp4" in self.sources:
            self.assertTrue(self.sources["portrait_4k60.mp4"]["video"]["variable_frame_rate"])
        for name in ["car-detection.mp4", "bear-vp9.webm", "sample_with_increasing_timestamps.mp4"]:
            if name in self.sources:
                self.assertFalse(self.sources[name]["video"]["variable_frame_rate"], name)

    def test_whole_clip_durations(self):
        # A clip with no `out` runs to the source's end: its use covers the whole source.
        for name in self.files:
            with self.subTest(name):
                s = self.sources[name]
                use = s["uses"][0]
                self.assertAlmostEqual(use["source"]["end"], float(Fraction(s["duration"])), places=6)
        longest = max(float(Fraction(s["duration"])) for s in self.sources.values())
        self.assertAlmostEqual(self.plan_doc["totals"]["duration_seconds"], longest, places=6)


if __name__ == "__main__":
    unittest.main(verbosity=2)
