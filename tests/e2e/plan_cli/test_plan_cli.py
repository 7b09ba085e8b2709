# SPDX-License-Identifier: Apache-2.0
"""`reel plan` as a user scripts it: totals against ffprobe, errors, exit codes, -o/-y,
--stats, --format text, hashes across runs and source rewrites."""

import json
import shutil
import unittest
from fractions import Fraction

from reel_e2e import ProjectTestCase, ffprobe, run_reel, validate, MEDIA


def frame_of(t, fps):
    """The format's rule: round(t * fps), halves down."""
    x = Fraction(t) * Fraction(fps)
    n = x.numerator * 2 - x.denominator
    d = x.denominator * 2
    return -((-n) // d)  # ceil((2x - 1) / 2)


def video_duration(path):
    s = [s for s in ffprobe(path)["streams"] if s["codec_type"] == "video"][0]
    num, den = map(int, s["time_base"].split("/"))
    return Fraction(int(s["duration_ts"]) * num, den)


def simple(media, **item):
    return {
        "reel": 1,
        "output": {"width": 320, "height": 240, "fps": "30000/1001"},
        "media": {"cam": {"path": media}},
        "tracks": [{"items": [dict({"id": "shot", "type": "clip", "media": "cam", "start": 0}, **item)]}],
    }


class PlanCli(ProjectTestCase):
    def test_totals_follow_the_source_duration_and_the_frame_rule(self):
        project = self.write_project(simple("media/clip_b.mov", **{"in": "1/3"}))
        plan = self.plan(project)
        duration = video_duration(MEDIA / "clip_b.mov") - Fraction(1, 3)
        self.assertEqual(Fraction(plan["totals"]["duration"]), duration)
        self.assertEqual(plan["totals"]["frames"], frame_of(duration, Fraction(30000, 1001)))
        self.assertEqual(plan["segments"][-1]["end_frame"], plan["totals"]["frames"])
        self.assertEqual(sum(s["frames"] for s in plan["segments"]), plan["totals"]["frames"])
        code, text = validate("plan.schema.json", self.write_project(json.dumps(plan), "plan.json"))
        self.assertEqual(code, 0, text)

    def test_out_beyond_the_source_names_its_real_duration(self):
        project = self.write_project(simple("media/clip_b.mov", out=9))
        r = run_reel("plan", project)
        self.assertEqual(r.code, 3, r)
        self.assertIn("/tracks/0/items/0/out", r.err)
        self.assertIn("beyond the end of media \"cam\"", r.err)
        real = video_duration(MEDIA / "clip_b.mov")
        if (real * 10**6).denominator == 1:
            text = f"{float(real):.6f}".rstrip("0").rstrip(".")
        else:
            text = f"{float(real):.6f} ({real.numerator}/{real.denominator})"
        self.assertIn(f"which lasts {text} s", r.err)

    def test_malformed_json_reports_line_and_column(self):
        project = self.write_project('{\n  "reel": 1,\n  "output": { "width": 320 "height": 240 }\n}\n')
        r = run_reel("plan", project)
        self.assertEqual(r.code, 3, r)
        self.assertIn("project.json:3:28:", r.err)
        self.assertIn("malformed JSON", r.err)

    def test_missing_project_is_an_io_error(self):
        r = run_reel("plan", self.dir / "nope.json")
        self.assertEqual(r.code, 7, r)
        self.assertIn("nope.json", r.err)
        self.assertIn("does not exist", r.err)

    def test_stats_carry_the_error_as_json(self):
        project = self.write_project(simple("media/missing.mp4"))
        r = run_reel("plan", project, "-o", self.dir / "plan.json", "--stats", "-")
        self.assertEqual(r.code, 4, r)
        stats = json.loads(r.out)
        self.assertFalse(stats["ok"])
        self.assertEqual(stats["command"], "plan")
        self.assertEqual(stats["error"]["code"], "media")
        self.assertEqual(stats["error"]["exit_status"], 4)
        self.assertEqual(stats["error"]["pointer"], "/media/cam/path")
        self.assertEqual(stats["error"]["line"], 0 + stats["error"]["line"])  # present
        self.assertIn("file not found", stats["error"]["message"])
        self.assertFalse((self.dir / "plan.json").exists(), "no output on error")
        code, text = validate("stats.schema.json", self.write_project(r.out, "stats.json"))
        self.assertEqual(code, 0, text)

    def test_stats_file_on_success(self):
        project = self.write_project(simple("media/clip_a.mp4"))
        r = run_reel("plan", project, "-o", self.dir / "plan.json", "--stats", self.dir / "stats.json", "-q")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, "")
        self.assertEqual(r.err, "", "-q prints nothing")
        stats = json.loads((self.dir / "stats.json").read_text())
        self.assertTrue(stats["ok"])
        self.assertEqual(stats["sources_probed"], 1)
        self.assertGreater(stats["peak_rss_bytes"], 0)
        self.assertEqual(stats["frames"], json.loads((self.dir / "plan.json").read_text())["totals"]["frames"])
        code, text = validate("stats.schema.json", self.dir / "stats.json")
        self.assertEqual(code, 0, text)

    def test_plan_and_stats_cannot_share_stdout(self):
        r = run_reel("plan", self.write_project(simple("media/clip_a.mp4")), "--stats", "-")
        self.assertEqual(r.code, 2, r)
        self.assertIn("--stats", r.err)

    def test_existing_output_needs_y(self):
        project = self.write_project(simple("media/clip_a.mp4"))
        out = self.dir / "plan.json"
        out.write_text("keep me")
        r = run_reel("plan", project, "-o", out)
        self.assertEqual(r.code, 2, r)
        self.assertIn("-y", r.err)
        self.assertEqual(out.read_text(), "keep me")
        r = run_reel("plan", project, "-o", out, "-y")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(json.loads(out.read_text())["schema"], "reel.plan")
        self.assertEqual(sorted(p.name for p in self.dir.iterdir()), ["media", "plan.json", "project.json"])

    def test_output_to_a_device_writes_through_it(self):
        r = run_reel("plan", self.write_project(simple("media/clip_a.mp4")), "-o", "/dev/null", "-y")
        self.assertEqual(r.code, 0, r)
        import os, stat
        self.assertTrue(stat.S_ISCHR(os.stat("/dev/null").st_mode))

    def test_usage_errors_name_the_flag(self):
        r = run_reel("plan", self.write_project(simple("media/clip_a.mp4")), "--fromat", "text")
        self.assertEqual(r.code, 2, r)
        self.assertIn("--fromat", r.err)
        r = run_reel("plan", self.write_project(simple("media/clip_a.mp4")), "--format", "yaml")
        self.assertEqual(r.code, 2, r)
        self.assertIn("yaml", r.err)
        r = run_reel("plan")
        self.assertEqual(r.code, 2, r)
        r = run_reel("frobnicate")
        self.assertEqual(r.code, 2, r)

    def test_every_command_of_the_contract_is_available(self):
        # proxy was the last one that exited with status 8 (unavailable).
        r = run_reel("proxy", "x.json")
        self.assertEqual(r.code, 7, r)  # the project file does not exist
        self.assertNotIn("not available", r.err)
        self.assertEqual(run_reel("proxy", "--help").code, 0)

    def test_help_and_version(self):
        r = run_reel("--help")
        self.assertEqual(r.code, 0)
        for cmd in ["plan", "render", "proxy", "segment", "composite", "bench"]:
            self.assertIn(cmd, r.out)
        r = run_reel("plan", "--help")
        self.assertEqual(r.code, 0)
        self.assertIn("--segment-seconds", r.out)
        self.assertTrue(run_reel("--version").out.startswith("reel "))

    def test_text_format_is_a_table(self):
        r = run_reel("plan", self.write_project(simple("media/clip_a.mp4")), "--format", "text")
        self.assertEqual(r.code, 0, r)
        for word in ["sources", "segments", "estimate", "clip_a.mp4"]:
            self.assertIn(word, r.out)

    def test_hashes_are_stable_and_follow_the_source_file(self):
        shutil.copyfile(MEDIA / "clip_b.mov", self.dir / "b.mov")
        doc = {
            "reel": 1,
            "output": {"width": 320, "height": 240, "fps": 25},
            "media": {"a": {"path": "media/clip_a.mp4"}, "b": {"path": "b.mov"}},
            "tracks": [{"items": [
                {"id": "first", "type": "clip", "media": "a", "start": 0, "out": 3},
                {"id": "second", "type": "clip", "media": "b", "start": 3, "out": 3}]}],
        }
        project = self.write_project(doc)
        before = self.plan(project)
        self.assertEqual(before["segments"], self.plan(project)["segments"])
        # Rewrite b.mov with other content: only the segments showing "second" change.
        shutil.copyfile(MEDIA / "clip_a.mp4", self.dir / "b.mov")
        after = self.plan(project)
        self.assertEqual(len(before["segments"]), len(after["segments"]))
        for old, new in zip(before["segments"], after["segments"]):
            self.assertEqual(old["start_frame"], new["start_frame"])
            self.assertEqual(old["hash"] != new["hash"], "second" in old["items"], old)


if __name__ == "__main__":
    unittest.main(verbosity=2)
