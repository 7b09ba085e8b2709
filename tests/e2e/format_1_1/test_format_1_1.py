# SPDX-License-Identifier: Apache-2.0
"""The December 2026 additions to the timeline format (timeline-format.md, "Added in
December 2026"), rendered and checked pixel by pixel: image sequences (at their own rate and
another, frame_step, each missing-frame policy), freeze frames and their silence, flips,
wipes, and an SVG still rasterised at the size it is drawn.

Media are made here: numbered PNG frames of distinct flat greys, so each output frame's
luma says exactly which source frame it shows. Output is H.264 crf 0, decoded by the
ffmpeg CLI; expected values come from the format contract, not from reel."""

import math
import shutil
import subprocess
import unittest
from fractions import Fraction

import render_util as ru
from reel_e2e import ProjectTestCase, run_reel

TOL = 3


def grey(i):
    """The grey of source frame i: far enough apart (6 code values) to tell frames apart."""
    v = 20 + 6 * i
    return (v, v, v)


def luma(rgb):
    return ru.yuv(rgb)[0]


def output(width=64, height=48, fps=10):
    return {"width": width, "height": height, "fps": fps,
            "video": {"codec": "h264", "preset": "ultrafast", "crf": 0}}


def nearest_frame(t, rate):
    """The format's nearest-frame rule: the frame whose time i / rate is nearest t, ties to
    the earlier."""
    x = Fraction(t) * Fraction(rate)
    return math.ceil(x - Fraction(1, 2))


class Format11(ProjectTestCase):
    def write_sequence(self, folder, numbers, w=64, h=48, name="f.%04d.png", colour=None):
        """PNG files of the given numbers; file number n is grey(n) unless `colour` says."""
        d = self.dir / folder
        d.mkdir(parents=True, exist_ok=True)
        for n in numbers:
            c = colour(n) if colour else grey(n)
            ru.write_png(d / (name % n), [[c] * w for _ in range(h)])
        return f"{folder}/{name}"

    def render(self, doc, name="out", *args, expect=0):
        project = self.write_project(doc, name + ".json")
        out = self.dir / (name + ".mp4")
        r = ru.render(project, out, *args)
        self.assertEqual(r.code, expect, f"{name}: {r}")
        if expect != 0:
            self.assertFalse(out.exists(), f"{name}: a failed render left {out}")
            return r, None
        frames, w, h = ru.decode(out)
        return r, frames

    def frame_of(self, frame, x=32, y=24, source=range(0, 40)):
        """Which source frame (grey index) a decoded frame shows, and how far off it is."""
        y_val = frame.y(x, y)
        best = min(source, key=lambda i: abs(luma(grey(i)) - y_val))
        return best, abs(luma(grey(best)) - y_val)

    def assert_shows(self, frames, expected, what):
        """frames[k] shows source grey expected[k] (None: black)."""
        self.assertEqual(len(frames), len(expected), f"{what}: frame count")
        for k, want in enumerate(expected):
            if want is None:
                self.assertLessEqual(abs(frames[k].y(32, 24) - 16), TOL, f"{what}: frame {k} should be black")
                continue
            got, off = self.frame_of(frames[k])
            self.assertLessEqual(off, TOL, f"{what}: frame {k} is no source grey (Y {frames[k].y(32, 24)})")
            self.assertEqual(got, want, f"{what}: output frame {k} shows source frame {got}, expected {want}")

    def seq_doc(self, path, seq, fps=10, item=None, duration=None):
        it = {"type": "clip", "media": "s", "start": 0}
        it.update(item or {})
        doc = {"reel": 1, "output": output(fps=fps), "media": {"s": {"path": path, "sequence": seq}},
               "tracks": [{"items": [it]}]}
        if duration is not None:
            doc["duration"] = duration
        return doc

    # -- Image sequences --------------------------------------------------------------

    def test_sequence_at_its_own_rate(self):
        # Files 1001..1012 (grey 1..12 by file number - 1000): at rate 10 into 10 fps,
        # output frame k is file 1001 + k. start defaults to the lowest number on disk.
        path = self.write_sequence("plate", range(1001, 1013), colour=lambda n: grey(n - 1000))
        r, frames = self.render(self.seq_doc(path, {"rate": 10}), "own", "--stats", self.dir / "stats.json")
        self.assert_shows(frames, [1 + k for k in range(12)], "rate 10 at 10 fps")

    def test_sequence_at_another_output_rate(self):
        # 12 frames at 24 fps shown at 10 fps: output frame k (t = k/10) shows the nearest
        # source frame, ties to the earlier.
        path = self.write_sequence("s24", range(0, 12))
        _, frames = self.render(self.seq_doc(path, {"rate": 24}, fps=10), "rate24")
        expected = [nearest_frame(Fraction(k, 10), 24) for k in range(5)]
        self.assertEqual(expected, [0, 2, 5, 7, 10])  # the rule itself, worked by hand
        self.assert_shows(frames, expected, "rate 24 at 10 fps")

    def test_sequence_frame_step_2(self):
        # Files 1..24; step 2 from 1: frame i is file 1 + 2i (1, 3, 5, ...): 12 frames.
        path = self.write_sequence("step", range(1, 25), name="s_%d.png")
        _, frames = self.render(self.seq_doc(path, {"rate": 10, "step": 2}), "step2")
        self.assert_shows(frames, [1 + 2 * i for i in range(12)], "step 2")

    def test_sequence_explicit_start_and_end(self):
        path = self.write_sequence("range", range(1, 21))
        _, frames = self.render(self.seq_doc(path, {"rate": 10, "start": 5, "end": 9}), "range")
        self.assert_shows(frames, [5, 6, 7, 8, 9], "start 5 end 9")

    def test_missing_frame_policies(self):
        # Files 1..8 with 4 and 5 missing.
        path = self.write_sequence("gaps", [1, 2, 3, 6, 7, 8])
        # error (the default): names the first missing file, exit 4 (media), no output.
        r, _ = self.render(self.seq_doc(path, {"rate": 10}), "error", expect=4)
        self.assertIn("f.0004.png", r.err)
        self.assertIn("/media/s/path", r.err)
        r = run_reel("plan", self.dir / "error.json")
        self.assertEqual(r.code, 4, r)
        self.assertIn("f.0004.png", r.err)
        # black: those frames are black.
        _, frames = self.render(self.seq_doc(path, {"rate": 10, "missing": "black"}), "black")
        self.assert_shows(frames, [1, 2, 3, None, None, 6, 7, 8], "missing black")
        # hold: the last frame that exists.
        _, frames = self.render(self.seq_doc(path, {"rate": 10, "missing": "hold"}), "hold")
        self.assert_shows(frames, [1, 2, 3, 3, 3, 6, 7, 8], "missing hold")

    def test_sequence_formats(self):
        # The same 6 greys written by the ffmpeg CLI as JPEG, TIFF, DPX and OpenEXR
        # sequences: each decodes through FFmpeg's image decoders to its own grey.
        levels = [grey(i)[0] for i in range(0, 12, 2)]
        raw = b"".join(bytes([v]) * (64 * 48 * 3) for v in levels)
        for ext, extra in (("jpg", ["-q:v", "1"]), ("tiff", []), ("dpx", []), ("exr", ["-pix_fmt", "gbrpf32le"])):
            d = self.dir / ext
            d.mkdir()
            subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "64x48",
                            "-i", "-", *extra, "-start_number", "1", str(d / f"f.%03d.{ext}")], input=raw, check=True)
            _, frames = self.render(self.seq_doc(f"{ext}/f.%03d.{ext}", {"rate": 10}), "fmt_" + ext)
            got = [self.frame_of(f, source=range(0, 40, 2)) for f in frames]
            # JPEG and EXR (linear light in a float format) may shift a grey a little: the
            # nearest grey must still be the right one, in order.
            self.assertEqual([g for g, _ in got], list(range(0, 12, 2)), f"{ext}: {got}")

    def test_no_file_matches(self):
        r, _ = self.render(self.seq_doc("nowhere/f.%04d.png", {"rate": 10}), "none", expect=4)
        self.assertIn("nowhere", r.err)
        self.assertIn("does not exist", r.err)
        self.write_sequence("other", [1, 2], name="g.%04d.png")
        r, _ = self.render(self.seq_doc("other/f.%04d.png", {"rate": 10}), "nomatch", expect=4)
        self.assertIn("no file matches", r.err)
        # A range that misses every file on disk names the numbers that are there.
        r, _ = self.render(self.seq_doc("other/g.%04d.png", {"rate": 10, "start": 5, "end": 9}), "miss", expect=4)
        self.assertIn("1..2", r.err)

    def test_sequence_stats_and_parallel_decoding(self):
        path = self.write_sequence("par", range(0, 30))
        stats = self.dir / "stats.json"
        _, frames = self.render(self.seq_doc(path, {"rate": 10}), "par", "--stats", stats)
        self.assert_shows(frames, list(range(30)), "30 frames")
        import json
        s = json.loads(stats.read_text())
        self.assertGreaterEqual(s["sequence_decodes_peak"], 1, s)
        self.assertEqual(s["seeks"], 0, "a sequence never seeks")

    # -- Freeze frames ----------------------------------------------------------------

    def test_freeze_frame_picture(self):
        # A 1 s freeze of source time 0.5 (frame 5), between plain plays.
        path = self.write_sequence("fz", range(0, 20))
        doc = self.seq_doc(path, {"rate": 10})
        doc["tracks"][0]["items"] = [
            {"type": "clip", "media": "s", "start": 0, "in": 0, "out": 0.3},
            {"type": "clip", "media": "s", "start": 0.3, "in": 0.5, "speed": 0, "duration": 1},
            {"type": "clip", "media": "s", "start": 1.3, "in": 1.0, "out": 1.2},
        ]
        _, frames = self.render(doc, "freeze")
        self.assert_shows(frames, [0, 1, 2] + [5] * 10 + [10, 11], "freeze of frame 5")
        # A frozen nested composition: the composition plays the sequence from its 0.2 s;
        # frozen at its 0.5 s it shows source frame 7 throughout.
        doc = self.seq_doc(path, {"rate": 10})
        doc["compositions"] = {"c": {"width": 64, "height": 48, "tracks": [{"items": [
            {"type": "clip", "media": "s", "start": 0, "in": 0.2, "out": 1.5}]}]}}
        doc["tracks"][0]["items"] = [{"type": "comp", "comp": "c", "start": 0, "in": 0.5, "speed": 0,
                                      "duration": 0.6}]
        _, frames = self.render(doc, "freeze_comp")
        self.assert_shows(frames, [7] * 6, "frozen composition")

    def test_freeze_frame_is_silent(self):
        # clip_a.mp4 has a 440 Hz tone: 1 s played, then 1 s frozen, then 1 s played.
        doc = {"reel": 1, "output": output(320, 240, fps=30), "media": {"a": {"path": "media/clip_a.mp4"}},
               "tracks": [{"items": [
                   {"type": "clip", "media": "a", "start": 0, "in": 0, "out": 1},
                   {"type": "clip", "media": "a", "start": 1, "in": 2, "speed": 0, "duration": 1},
                   {"type": "clip", "media": "a", "start": 2, "in": 3, "out": 4}]}]}
        _, frames = self.render(doc, "silent")
        self.assertEqual(len(frames), 90)
        # The frozen second: every frame the same picture.
        frozen = {bytes(f.Y) for f in frames[31:59]}
        self.assertEqual(len(frozen), 1, "the freeze frame's pictures differ")
        pcm = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(self.dir / "silent.mp4"), "-map", "0:a",
                              "-ac", "1", "-ar", "48000", "-f", "s16le", "-"], capture_output=True, check=True).stdout
        import array
        a = array.array("h", pcm)

        def rms(t0, t1):
            s = a[int(t0 * 48000):int(t1 * 48000)]
            return math.sqrt(sum(x * x for x in s) / max(1, len(s)))
        loud, frozen_rms, after = rms(0.2, 0.8), rms(1.1, 1.9), rms(2.2, 2.8)
        self.assertGreater(loud, 1000, "the played part should sound")
        self.assertGreater(after, 1000, "the part after the freeze should sound")
        self.assertLess(frozen_rms, 30, f"the freeze frame is not silent (RMS {frozen_rms:.1f})")

    # -- Flips ------------------------------------------------------------------------

    QUAD = {"tl": (255, 0, 0), "tr": (0, 255, 0), "bl": (0, 0, 255), "br": (255, 255, 255)}

    def quadrants_png(self):
        w, h = 64, 48
        rows = []
        for y in range(h):
            rows.append([self.QUAD[("t" if y < h // 2 else "b") + ("l" if x < w // 2 else "r")] for x in range(w)])
        ru.write_png(self.dir / "quad.png", rows)

    def check_quadrants(self, frame, layout, what):
        spots = {"tl": (12, 10), "tr": (52, 10), "bl": (12, 38), "br": (52, 38)}
        for where, (x, y) in spots.items():
            want = ru.yuv(self.QUAD[layout[where]])
            got = frame.yuv(x, y)
            for c in range(3):
                self.assertLessEqual(abs(got[c] - want[c]), TOL,
                                     f"{what}: {where} should show the source's {layout[where]}: got {got}")

    def test_flips(self):
        self.quadrants_png()
        cases = {
            "none": ({}, {"tl": "tl", "tr": "tr", "bl": "bl", "br": "br"}),
            "flip_x": ({"flip_x": True}, {"tl": "tr", "tr": "tl", "bl": "br", "br": "bl"}),
            "flip_y": ({"flip_y": True}, {"tl": "bl", "tr": "br", "bl": "tl", "br": "tr"}),
            "both": ({"flip_x": True, "flip_y": True}, {"tl": "br", "tr": "bl", "bl": "tr", "br": "tl"}),
        }
        for name, (tr, layout) in cases.items():
            doc = {"reel": 1, "output": output(), "media": {"q": {"path": "quad.png"}},
                   "tracks": [{"items": [{"type": "image", "media": "q", "start": 0, "duration": 0.2,
                                          "transform": tr}]}]}
            _, frames = self.render(doc, "flip_" + name)
            self.check_quadrants(frames[1], layout, name)

    def test_flip_is_applied_after_crop(self):
        # Four 16-pixel columns A B C D; crop the right 16 away (A B C), flip_x (C B A),
        # stretch to the frame: C fills the left third. Flipping before cropping would show
        # D there, and no flip A.
        cols = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)]
        ru.write_png(self.dir / "cols.png", [[cols[x // 16] for x in range(64)] for _ in range(48)])
        doc = {"reel": 1, "output": output(48, 16), "media": {"c": {"path": "cols.png"}},
               "tracks": [{"items": [{"type": "image", "media": "c", "start": 0, "duration": 0.1,
                                      "crop": {"right": 16}, "transform": {"flip_x": True, "fit": "stretch"}}]}]}
        _, frames = self.render(doc, "cropflip")
        for x, want in ((6, cols[2]), (24, cols[1]), (42, cols[0])):
            got, exp = frames[0].yuv(x, 8), ru.yuv(want)
            for c in range(3):
                self.assertLessEqual(abs(got[c] - exp[c]), TOL, f"crop then flip at x={x}: got {got}, want {want}")

    # -- Wipes ------------------------------------------------------------------------

    def wipe_doc(self, direction, softness=None):
        t = {"kind": "wipe", "duration": 1, "direction": direction}
        if softness is not None:
            t["softness"] = softness
        return {"reel": 1, "output": output(64, 48, fps=10), "media": {},
                "tracks": [{"items": [
                    {"id": "out", "type": "color", "color": "#ff0000", "start": 0, "duration": 2},
                    {"id": "in", "type": "color", "color": "#0000ff", "start": 1, "duration": 2,
                     "transition_in": t}]}]}

    def test_wipe_midpoint_each_direction(self):
        red, blue = ru.yuv("#ff0000"), ru.yuv("#0000ff")
        # At 1.5 s (frame 15) the wipe is half way: with `right` the incoming item (blue)
        # holds the left half; `left` the right half; `down` the top; `up` the bottom.
        halves = {"right": ("x", blue, red), "left": ("x", red, blue), "down": ("y", blue, red),
                  "up": ("y", red, blue)}
        for direction, (axis, first, second) in halves.items():
            _, frames = self.render(self.wipe_doc(direction), "wipe_" + direction)
            f = frames[15]
            for a in range(0, 64 if axis == "x" else 48, 2):
                x, y = (a, 24) if axis == "x" else (32, a)
                mid = 32 if axis == "x" else 24
                if abs(a - mid) < 2:
                    continue  # chroma of the 2x2 block at the edge
                want = first if a < mid else second
                got = f.yuv(x, y)
                for c in range(3):
                    self.assertLessEqual(abs(got[c] - want[c]), TOL, f"wipe {direction} at ({x},{y}): got {got}")
            # Luma right at the edge is exact too: the last pixel before the middle is the
            # first half's, the first after it the second's.
            e0 = f.y(31, 24) if axis == "x" else f.y(32, 23)
            e1 = f.y(32, 24) if axis == "x" else f.y(32, 24)
            self.assertLessEqual(abs(e0 - first[0]), TOL, f"wipe {direction}: edge pixel before the middle")
            self.assertLessEqual(abs(e1 - second[0]), TOL, f"wipe {direction}: edge pixel after the middle")
            # Before the wipe: all red; after it: all blue.
            self.assertLessEqual(abs(frames[9].y(5, 5) - red[0]), TOL)
            self.assertLessEqual(abs(frames[9].y(60, 40) - red[0]), TOL)
            self.assertLessEqual(abs(frames[20].y(5, 5) - blue[0]), TOL)
            self.assertLessEqual(abs(frames[20].y(60, 40) - blue[0]), TOL)

    def test_wipe_progress_and_softness(self):
        red, blue = ru.yuv("#ff0000"), ru.yuv("#0000ff")
        # A quarter in (frame 12 of 10..20, p = 0.2): the hard edge is at 0.2 x 64 = 12.8.
        _, frames = self.render(self.wipe_doc("right"), "wipe_p")
        f = frames[12]
        self.assertLessEqual(abs(f.y(12, 24) - blue[0]), TOL)   # centre 12.5 < 12.8
        self.assertLessEqual(abs(f.y(13, 24) - red[0]), TOL)    # centre 13.5 > 12.8
        # Softness 0.5 at the midpoint: the blended edge is 32 px wide, centred: the column
        # at 32 (centre 32.5) is (32 - 32.5) / 32 + 0.5 = 0.484 of the incoming.
        _, frames = self.render(self.wipe_doc("right", 0.5), "wipe_soft")
        f = frames[15]
        w = (32 - 32.5) / 32 + 0.5
        self.assertLessEqual(abs(f.y(32, 24) - ru.mix(red, blue, w)[0]), TOL)
        w = (32 - 20.5) / 32 + 0.5
        self.assertLessEqual(abs(f.y(20, 24) - ru.mix(red, blue, w)[0]), TOL)
        self.assertLessEqual(abs(f.y(10, 24) - blue[0]), TOL)   # past the soft edge
        self.assertLessEqual(abs(f.y(54, 24) - red[0]), TOL)

    # -- SVG ------------------------------------------------------------------------

    def test_svg_rasterised_at_its_box(self):
        have = subprocess.run(["ffmpeg", "-hide_banner", "-decoders"], capture_output=True, text=True).stdout
        if "librsvg" not in have:
            self.skipTest("this FFmpeg has no librsvg decoder (SVG)")
        # A 2x1-pixel SVG: red left, blue right. Drawn into a 64x32 box, rasterised there,
        # its edge stays sharp; scaled up from 2x1 it would be a 32-pixel ramp.
        (self.dir / "two.svg").write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" width="2" height="1" viewBox="0 0 2 1">'
            '<rect x="0" y="0" width="1" height="1" fill="#ff0000"/>'
            '<rect x="1" y="0" width="1" height="1" fill="#0000ff"/></svg>')
        doc = {"reel": 1, "output": output(64, 48), "media": {"v": {"path": "two.svg"}},
               "tracks": [{"items": [{"type": "image", "media": "v", "start": 0, "duration": 0.1,
                                      "transform": {"x": 0, "y": 8, "width": 64, "height": 32}}]}]}
        _, frames = self.render(doc, "svg")
        red, blue = ru.yuv("#ff0000"), ru.yuv("#0000ff")
        f = frames[0]
        for x in (2, 20, 29):
            self.assertLessEqual(abs(f.y(x, 24) - red[0]), TOL, f"svg red at x={x}: {f.yuv(x, 24)}")
        for x in (34, 44, 61):
            self.assertLessEqual(abs(f.y(x, 24) - blue[0]), TOL, f"svg blue at x={x}: {f.yuv(x, 24)}")
        self.assertLessEqual(abs(f.y(32, 2) - 16), TOL, "letterbox above the box stays black")


if __name__ == "__main__":
    unittest.main(verbosity=2)
