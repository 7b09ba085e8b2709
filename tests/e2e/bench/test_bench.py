# SPDX-License-Identifier: Apache-2.0
"""reel bench on its smallest case: the JSON validates against schemas/bench.schema.json,
the complexity case shows one decoder per unique source, --list/--case/--compare behave,
the media it made itself are real H.264 files (checked with ffprobe), and the case's file in
bench/pipeline/ renders by hand on media from --make-media."""

import json
import shutil
import tempfile
import unittest
from pathlib import Path

from reel_e2e import SOURCE, ffprobe, run_reel, validate

CASE = "complexity_simple"


class Bench(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = Path(tempfile.mkdtemp(prefix="reel-bench-"))
        cls.cache = cls.dir / "cache"
        cls.out = cls.dir / "bench.json"
        cls.first = run_reel("bench", "--quick", "--case", CASE, "--cache-dir", cls.cache, "-o", cls.out, "-q",
                           timeout=600)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def doc(self):
        self.assertEqual(self.first.code, 0, self.first)
        return json.loads(self.out.read_text())

    def test_results_validate_against_the_schema(self):
        self.doc()
        code, text = validate("bench.schema.json", self.out)
        self.assertEqual(code, 0, text)

    def test_case_figures(self):
        doc = self.doc()
        self.assertEqual([c["name"] for c in doc["cases"]], [CASE])
        case = doc["cases"][0]
        self.assertEqual(case["frames"], 90)  # --quick: 3 s at 30 fps
        self.assertGreater(case["wall_seconds"]["median"], 0)
        self.assertLessEqual(case["wall_seconds"]["min"], case["wall_seconds"]["max"])
        self.assertAlmostEqual(case["fps"], 90 / case["wall_seconds"]["median"], places=6)
        # The shared decoder at work: one decoder per unique source.
        self.assertEqual(case["unique_sources"], 3)
        self.assertEqual(case["decoders_opened"], case["unique_sources"])
        self.assertEqual(case["segments_rendered"], case["segments"])
        self.assertGreater(case["peak_rss_bytes"], 0)
        self.assertGreaterEqual(doc["machine"]["cores"], 1)
        self.assertEqual(doc["machine"]["encoder"], "libx264")

    def test_generated_media_are_h264_with_sound(self):
        self.doc()
        files = sorted((self.cache / "bench-media").glob("src-1280x720-*.mp4"))
        self.assertEqual(len(files), 3, files)
        for f in files:
            streams = {s["codec_type"]: s for s in ffprobe(f)["streams"]}
            self.assertEqual(streams["video"]["codec_name"], "h264")
            self.assertEqual((streams["video"]["width"], streams["video"]["height"]), (1280, 720))
            self.assertEqual(streams["audio"]["codec_name"], "aac")

    def test_compare_passes_and_fails_by_the_threshold(self):
        self.doc()
        base = json.loads(self.out.read_text())
        # A baseline ten times as fast: this run is a regression far past the threshold,
        # whatever the machine's noise (a baseline only twice as fast failed under ASan).
        fast = json.loads(json.dumps(base))
        fast["cases"][0]["wall_seconds"]["median"] /= 10
        fast_file = self.dir / "fast.json"
        fast_file.write_text(json.dumps(fast))
        out = self.dir / "again.json"
        r = run_reel("bench", "--quick", "--case", CASE, "--cache-dir", self.cache, "-o", out, "-y",
                     "--compare", fast_file, "--max-regression", "0.5", timeout=600)
        self.assertEqual(r.code, 9, r)
        self.assertIn("slower than the baseline", r.err)
        again = json.loads(out.read_text())
        self.assertTrue(again["compare"]["regressed"])
        self.assertGreater(again["compare"]["cases"][0]["ratio"], 1.5)
        code, text = validate("bench.schema.json", out)
        self.assertEqual(code, 0, text)
        # A baseline ten times slower: no regression at any threshold.
        slow = json.loads(json.dumps(base))
        slow["cases"][0]["wall_seconds"]["median"] *= 10
        slow_file = self.dir / "slow.json"
        slow_file.write_text(json.dumps(slow))
        r = run_reel("bench", "--quick", "--case", CASE, "--cache-dir", self.cache, "-o", out, "-y",
                     "--compare", slow_file, "--max-regression", "0", timeout=600)
        self.assertEqual(r.code, 0, r)
        self.assertFalse(json.loads(out.read_text())["compare"]["regressed"])

    def test_case_file_renders_by_hand(self):
        self.doc()
        hand = self.dir / "hand"
        hand.mkdir()
        shutil.copy(SOURCE / "bench" / "pipeline" / f"{CASE}.quick.json", hand)
        # The bench's own media folder under the name the case file uses: --make-media finds
        # the files the bench made (same names), so nothing is made again.
        (hand / "media").symlink_to(self.cache / "bench-media", target_is_directory=True)
        before = sorted(p.name for p in (self.cache / "bench-media").iterdir())
        r = run_reel("bench", "--quick", "--case", CASE, "--make-media", hand / "media", timeout=600)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, "")
        self.assertEqual(r.err.count(f"{CASE}: source "), 3, r.err)
        self.assertEqual(sorted(p.name for p in (self.cache / "bench-media").iterdir()), before)
        out = hand / "out.mp4"
        r = run_reel("render", hand / f"{CASE}.quick.json", "-o", out, "-q", "--no-cache", timeout=600)
        self.assertEqual(r.code, 0, r)
        video = [s for s in ffprobe(out, "-count_packets", "-show_streams")["streams"] if s["codec_type"] == "video"][0]
        self.assertEqual(int(video["nb_read_packets"]), 90)  # 3 s at 30 fps, as the bench renders
        r = run_reel("bench", "--make-media", hand / "x", self.dir / "project.json")
        self.assertEqual(r.code, 2, r)

    def test_list_and_bad_arguments(self):
        r = run_reel("bench", "--list")
        self.assertEqual(r.code, 0, r)
        names = [line.split("\t")[0] for line in r.out.splitlines()]
        for name in ("export_720p", "export_1080p", "export_2160p", "complexity_simple", "complexity_medium",
                     "complexity_complex", "complexity_deep", "incremental", "ceiling_decode", "ceiling_encode"):
            self.assertIn(name, names)
        r = run_reel("bench", "--case", "no_such_case", "--cache-dir", self.dir / "unused")
        self.assertEqual(r.code, 2, r)
        self.assertIn("no_such_case", r.err)
        self.assertIn("complexity_simple", r.err)  # the valid names are listed
        not_json = self.dir / "not.json"
        not_json.write_text("{")
        r = run_reel("bench", "--quick", "--case", CASE, "--cache-dir", self.cache, "--compare", not_json,
                     "-o", self.dir / "x.json", timeout=600)
        self.assertEqual(r.code, 2, r)


if __name__ == "__main__":
    unittest.main()
