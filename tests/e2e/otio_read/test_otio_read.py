# SPDX-License-Identifier: Apache-2.0
"""OpenTimelineIO input from real pipelines (issue 16), end to end, on media made here:
- time warps: LinearTimeWarp 2.0 and 0.5 and a FreezeFrame over a video whose frame n is a
  flat grey of its own level, so each output frame's grey says which source frame it shows
  (expected frames from the contract: source time = in + (t - start) x scalar, nearest
  source frame, ties to the earlier);
- rates: one timeline written three ways (frames at 24000/1001, ticks at 24000, seconds at
  rate 1) renders identical frames (ffmpeg -f framemd5) at 23.976 fps, a rate that comes
  from the media; `reel plan` says where the rate came from; --fps overrides it;
- a clip of a still whose name does not say so (a PNG named .card) is an image item;
- --strict: every warning is an error (exit 3) before anything is written.
Independent oracles only: the ffmpeg CLI makes the media and decodes reel's output."""

import json
import unittest
from fractions import Fraction

import render_util as ru
from reel_e2e import ProjectTestCase, run_reel

W, H = 64, 48
NTSC = 24000 / 1001


def rt(value, rate):
    return {"OTIO_SCHEMA": "RationalTime.1", "value": value, "rate": rate}


def tr(start, duration, rate):
    return {"OTIO_SCHEMA": "TimeRange.1", "start_time": rt(start, rate), "duration": rt(duration, rate)}


def ext(url, available=None):
    return {"OTIO_SCHEMA": "ExternalReference.1", "target_url": url, "available_range": available}


def clip(name, ref, source_range, effects=()):
    return {"OTIO_SCHEMA": "Clip.2", "name": name, "source_range": source_range,
            "media_references": {"DEFAULT_MEDIA": ref}, "active_media_reference_key": "DEFAULT_MEDIA",
            "effects": list(effects)}


def gap(duration):
    return {"OTIO_SCHEMA": "Gap.1", "source_range": duration}


def track(children, kind="Video"):
    return {"OTIO_SCHEMA": "Track.1", "name": "V", "kind": kind, "children": children}


def timeline(tracks, metadata=None):
    return {"OTIO_SCHEMA": "Timeline.1", "name": "t", "metadata": metadata or {},
            "tracks": {"OTIO_SCHEMA": "Stack.1", "children": tracks}}


def warp(scalar):
    return {"OTIO_SCHEMA": "LinearTimeWarp.1", "effect_name": "LinearTimeWarp", "time_scalar": scalar}


FREEZE = {"OTIO_SCHEMA": "FreezeFrame.1", "effect_name": "FreezeFrame", "time_scalar": 0.0}


def level(n):
    """The luma of source frame n: distinct, 3 code values apart."""
    return 20 + 3 * n


class OtioReadCase(ProjectTestCase):
    def write_otio(self, doc, name):
        path = self.dir / name
        path.write_text(json.dumps(doc, indent=2))
        return path

    def numbered(self, name, frames, fps):
        path = self.dir / name
        ru.write_gray_levels_video(path, [level(n) for n in range(frames)], W, H, fps)
        return path

    def shown(self, video):
        """The source frame number each output frame shows, from its centre pixel's luma."""
        frames, w, h = ru.decode(video)
        out = []
        for f in frames:
            y = f.y(w // 2, h // 2)
            n = round((y - 20) / 3)
            self.assertLessEqual(abs(y - level(n)), 1, f"luma {y} is no source frame's")
            out.append(n)
        return out

    def render(self, project, name, *args):
        out = self.dir / name
        r = ru.render(project, out, "--preset", "ultrafast", "--crf", "0", "--threads", "2", *args)
        self.assertEqual(r.code, 0, r)
        return out


class TimeWarps(OtioReadCase):
    def test_warps_and_freezes_show_the_contracts_source_frames(self):
        self.numbered("numbers.mp4", 60, 24)
        avail = tr(0, 60, 24)
        doc = timeline([track([
            clip("double", ext("numbers.mp4", avail), tr(0, 12, 24), [warp(2.0)]),
            clip("half", ext("numbers.mp4", avail), tr(24, 12, 24), [warp(0.5)]),
            clip("held", ext("numbers.mp4", avail), tr(40, 6, 24), [FREEZE]),
            clip("zero", ext("numbers.mp4", avail), tr(50, 6, 24), [warp(0.0)]),
        ])], {"reel": {"width": W, "height": H}})
        project = self.write_otio(doc, "warps.otio")
        plan = run_reel("plan", project)
        self.assertEqual(plan.code, 0, plan)
        self.assertEqual(plan.json()["output"]["fps"], "24")
        self.assertEqual(plan.json()["output"]["fps_source"], "media")
        shown = self.shown(self.render(project, "warps.mp4"))
        expected = [2 * k for k in range(12)]                 # 2.0: every other frame
        expected += [24 + k // 2 for k in range(12)]           # 0.5: each twice (ties to the earlier)
        expected += [40] * 6 + [50] * 6                        # frozen at the trimmed start
        self.assertEqual(shown, expected)


class ThreeSpellings(OtioReadCase):
    """One cut at 23.976 fps: A = source frames 5..24, a 4-frame gap, B = frames 30..39 at
    double speed (20 source frames), over a second track with A again from frame 0."""

    CUT = [("A", 5, 20, None), (None, 0, 4, None), ("B", 30, 10, 2.0)]
    UNDER = [("C", 0, 34, None)]

    def spelled(self, to_time):
        def one(rows):
            kids = []
            for name, start, frames, scalar in rows:
                rng = {"OTIO_SCHEMA": "TimeRange.1", "start_time": to_time(start), "duration": to_time(frames)}
                if name is None:
                    kids.append(gap(rng))
                else:
                    kids.append(clip(name, ext("ntsc.mp4"), rng, [warp(scalar)] if scalar else []))
            return track(kids)
        return timeline([one(self.UNDER), one(self.CUT)], {"reel": {"width": W, "height": H}})

    def test_frames_ticks_and_seconds_render_the_same_frames(self):
        self.numbered("ntsc.mp4", 60, "24000/1001")
        spellings = {
            "frames": lambda n: rt(float(n), NTSC),
            "ticks": lambda n: rt(float(n * 1001), 24000.0),
            "seconds": lambda n: rt(n * 1001 / 24000, 1.0),
        }
        md5s = {}
        for label, to_time in spellings.items():
            with self.subTest(spelling=label):
                project = self.write_otio(self.spelled(to_time), f"{label}.otio")
                plan = run_reel("plan", project)
                self.assertEqual(plan.code, 0, plan)
                out = plan.json()["output"]
                self.assertEqual((out["fps"], out["fps_source"]), ("24000/1001", "media"))
                self.assertEqual(plan.json()["totals"]["frames"], 34)
                video = self.render(project, f"{label}.mp4")
                md5s[label] = ru_framemd5(video)
                self.assertEqual(len(md5s[label]), 34)
                if label == "frames":
                    shown = self.shown(video)
                    self.assertEqual(shown[:20], list(range(5, 25)))
                    self.assertEqual(shown[20:24], list(range(20, 24)))  # the gap shows track C
                    self.assertEqual(shown[24:], [30 + 2 * k for k in range(10)])
        self.assertEqual(md5s["ticks"], md5s["frames"])
        self.assertEqual(md5s["seconds"], md5s["frames"])
        facts = ru.stream_facts(self.dir / "seconds.mp4")
        self.assertEqual(facts["rate"], Fraction(24000, 1001))

    def test_fps_flag_overrides_and_plan_says_so(self):
        self.numbered("ntsc.mp4", 60, "24000/1001")
        project = self.write_otio(self.spelled(lambda n: rt(float(n), NTSC)), "cut.otio")
        r = run_reel("plan", project, "--fps", "25")
        self.assertEqual(r.code, 0, r)
        self.assertEqual((r.json()["output"]["fps"], r.json()["output"]["fps_source"]), ("25", "--fps"))
        r = run_reel("plan", project, "--fps", "29.97", "--format", "text")
        self.assertEqual(r.code, 0, r)
        self.assertIn("@ 30000/1001 fps", r.out)
        self.assertIn("from --fps", r.out)
        r = run_reel("plan", project, "--fps", "fast")
        self.assertEqual(r.code, 2, r)
        self.assertIn("--fps", r.err)
        # A reel timeline's output.fps is overridden too.
        reel = self.write_project({"reel": 1, "output": {"width": W, "height": H, "fps": 30}, "media": {},
                                   "tracks": [{"items": [{"type": "color", "color": "#ff0000", "start": 0,
                                                          "duration": 1}]}]})
        r = run_reel("plan", reel)
        self.assertEqual((r.json()["output"]["fps"], r.json()["output"]["fps_source"]), ("30", "timeline"))
        r = run_reel("plan", reel, "--fps", "12")
        self.assertEqual((r.json()["output"]["fps"], r.json()["totals"]["frames"]), ("12", 12))
        out = self.render(reel, "twelve.mp4", "--fps", "12")
        self.assertEqual(ru.stream_facts(out)["frames"], 12)


def ru_framemd5(path):
    import subprocess
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v", "-f", "framemd5",
                          "-"], capture_output=True, text=True, check=True).stdout
    return [line.split(",")[-1].strip() for line in out.splitlines() if line and not line.startswith("#")]


class Stills(OtioReadCase):
    def test_a_clip_of_a_still_is_an_image_item_for_the_clips_length(self):
        # A PNG whose name does not say so: known to be a still only once probed.
        ru.write_png(self.dir / "card.title", [[(200, 40, 40)] * W for _ in range(H)])
        doc = timeline([track([clip("card", ext("card.title"), tr(0, 36, 24))])],
                       {"reel": {"width": W, "height": H, "fps": 24}})
        project = self.write_otio(doc, "still.otio")
        dump = self.dir / "dump.json"
        r = run_reel("plan", project, "--dump", dump)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.json()["totals"]["frames"], 36)
        item = json.loads(dump.read_text())["tracks"][0]["items"][0]
        self.assertEqual((item["type"], Fraction(item["duration"])), ("image", Fraction(3, 2)))
        frames, _, _ = ru.decode(self.render(project, "still.mp4"))
        self.assertEqual(len(frames), 36)
        expected = ru.yuv((200, 40, 40))
        for k in (0, 35):
            got = frames[k].yuv(W // 2, H // 2)
            self.assertTrue(all(abs(g - e) <= 3 for g, e in zip(got, expected)), (k, got, expected))


class Effects(OtioReadCase):
    def test_toucan_crop_keeps_the_window_at_the_top_left(self):
        # Left half red, right half blue; the window is the blue half, drawn 1:1 at 0,0.
        ru.write_png(self.dir / "halves.png", [[(255, 0, 0)] * 32 + [(0, 0, 255)] * 32 for _ in range(H)])
        crop = {"OTIO_SCHEMA": "Effect.1", "effect_name": "toucan:Crop",
                "metadata": {"pos": [32, 0], "size": [32, 24]}}
        doc = timeline([track([clip("window", ext("halves.png"), tr(0, 2, 24), [crop])])],
                       {"reel": {"width": W, "height": H, "fps": 24, "background": "#000000"}})
        project = self.write_otio(doc, "crop.otio")
        frames, _, _ = ru.decode(self.render(project, "crop.mp4"))
        blue, black = ru.yuv((0, 0, 255)), ru.yuv((0, 0, 0))
        for (x, y), expected in [((8, 8), blue), ((24, 16), blue), ((48, 8), black), ((8, 40), black)]:
            got = frames[0].yuv(x, y)
            self.assertTrue(all(abs(g - e) <= 3 for g, e in zip(got, expected)), ((x, y), got, expected))


class Strict(OtioReadCase):
    def test_warnings_are_errors_before_any_work(self):
        blur = {"OTIO_SCHEMA": "Effect.1", "effect_name": "toucan:Blur"}
        flip = {"OTIO_SCHEMA": "Effect.1", "effect_name": "toucan:Flip"}
        # reel crops before flipping: a crop after a flip is not drawn, a warning.
        crop = {"OTIO_SCHEMA": "Effect.1", "effect_name": "toucan:Crop", "metadata": {"pos": [0, 0], "size": [8, 8]}}
        ru.write_png(self.dir / "red.png", [[(255, 0, 0)] * W for _ in range(H)])
        doc = timeline([track([clip("soft", ext("red.png"), tr(0, 24, 24), [blur]),
                               clip("cut", ext("red.png"), tr(0, 24, 24), [flip, crop])])],
                       {"reel": {"width": W, "height": H, "fps": 24}})
        project = self.write_otio(doc, "fx.otio")
        r = run_reel("plan", project)
        self.assertEqual(r.code, 0, r)
        self.assertIn("warning: effect \"toucan:Blur\"", r.err)
        r = run_reel("plan", project, "--strict", "-o", self.dir / "plan.json")
        self.assertEqual(r.code, 3, r)
        self.assertIn("\"toucan:Blur\"", r.err)
        self.assertIn("\"toucan:Crop\"", r.err)
        self.assertIn("2 problems found", r.err)
        self.assertFalse((self.dir / "plan.json").exists())
        for command in ("render", "segment"):
            with self.subTest(command=command):
                out = self.dir / f"{command}.mp4"
                args = ["-o", out] if command == "render" else ["--stream", "-o", out]
                r = run_reel(command, project, "--strict", *args)
                self.assertEqual(r.code, 3, r)
                self.assertIn("\"toucan:Blur\"", r.err)
                self.assertFalse(out.exists())
        # A reel timeline: media no item uses.
        reel = self.write_project({"reel": 1, "output": {"width": W, "height": H, "fps": 24},
                                   "media": {"red": {"path": "red.png"}},
                                   "tracks": [{"items": [{"type": "color", "color": "#00ff00", "start": 0,
                                                          "duration": 1}]}]})
        self.assertEqual(run_reel("plan", reel).code, 0)
        r = run_reel("plan", reel, "--strict")
        self.assertEqual(r.code, 3, r)
        self.assertIn("media \"red\" is not used", r.err)
        r = run_reel("render", reel, "--strict", "-o", self.dir / "reel.mp4")
        self.assertEqual(r.code, 3, r)
        self.assertFalse((self.dir / "reel.mp4").exists())


if __name__ == "__main__":
    unittest.main()
