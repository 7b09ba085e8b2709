# SPDX-License-Identifier: Apache-2.0
"""reel proxy and previews from proxies, end to end. Proxies are checked with ffprobe
(height, frame count, duration, keyframe interval, sound) and the portrait source's proxy
against the ffmpeg CLI's own upright scaling (SSIM); the store's reuse and staleness by
running the command again and touching one source; a preview render (--proxy --scale 0.5)
against the full render scaled down by the ffmpeg CLI (SSIM per frame, worst frame
reported); a missing proxy refused with the source and the command named; OTIO proxy
references. Sources are copied into each test's folder, so touching them is private."""

import json
import os
import shutil
import subprocess
import unittest
from pathlib import Path

from jsonschema import Draft202012Validator
from reel_e2e import MEDIA, SOURCE, ProjectTestCase, ffprobe, run_reel, validate
from render_util import ff, ssim

HEIGHT, GOP = 120, 6


def video_stream(path):
    return next(s for s in ffprobe(path)["streams"] if s["codec_type"] == "video")


def frame_count(path):
    out = ffprobe(path, "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames")
    return int(out["streams"][0]["nb_read_frames"])


def keyframes(path):
    out = ffprobe(path, "-select_streams", "v:0", "-show_entries", "packet=flags")
    return [i for i, p in enumerate(out["packets"]) if "K" in p["flags"]]


class ProxyTestCase(ProjectTestCase):
    def setUp(self):
        super().setUp()
        self.src = self.dir / "src"
        self.src.mkdir()
        for name in ["clip_a.mp4", "clip_b.mov", "portrait.mp4", "photo.jpg", "logo.png", "tone.wav"]:
            shutil.copyfile(MEDIA / name, self.src / name)
        self.cache = self.dir / "cache"

    def reel(self, *args):
        return run_reel(*args, "--cache-dir", self.cache)

    def proxy(self, *args, code=0):
        stats = self.dir / "proxy-stats.json"
        r = self.reel("proxy", *args, "--height", HEIGHT, "--gop", GOP, "--progress", "none", "--stats", stats)
        self.assertEqual(r.code, code, r)
        self.assertEqual(validate("stats.schema.json", stats), (0, validate("stats.schema.json", stats)[1]))
        return json.loads(stats.read_text())

    def project(self, tracks, width=320, height=240, media=None):
        media = media or {"a": "src/clip_a.mp4", "b": "src/clip_b.mov", "p": "src/portrait.mp4",
                          "photo": "src/photo.jpg", "logo": "src/logo.png", "tone": "src/tone.wav"}
        return self.write_project({"reel": 1, "output": {"width": width, "height": height, "fps": 30},
                                   "media": {k: {"path": v} for k, v in media.items()}, "tracks": tracks})

    def all_sources(self):
        return self.project([
            {"items": [{"type": "clip", "media": "a", "start": 0, "out": 1},
                       {"type": "clip", "media": "b", "start": 1, "out": 1},
                       {"type": "clip", "media": "p", "start": 2, "out": 1},
                       {"type": "image", "media": "photo", "start": 3, "duration": 1},
                       {"type": "image", "media": "logo", "start": 4, "duration": 1}]},
            {"kind": "audio", "items": [{"type": "clip", "media": "tone", "start": 0, "out": 1}]}])

    def plan_proxies(self, project):
        r = self.reel("plan", project, "--proxy-height", HEIGHT)
        self.assertEqual(r.code, 0, r)
        return {s["id"]: s["proxy"] for s in r.json()["sources"]}


class ProxyFiles(ProxyTestCase):
    def test_proxies_have_the_height_length_frames_keyframes_and_sound(self):
        stats = self.proxy(self.all_sources())
        by = {p["media"]: p for p in stats["proxies"]}
        self.assertEqual(stats["made"], 5, stats)  # a, b, p, photo (640x480), logo (128x128)
        self.assertEqual(by["tone"]["action"], "none")
        for media, source, width in [("a", "clip_a.mp4", 160), ("b", "clip_b.mov", 160), ("p", "portrait.mp4", 68)]:
            with self.subTest(media=media):
                proxy = Path(by[media]["file"])
                self.assertTrue(proxy.is_relative_to(self.cache / "proxies"), proxy)
                v = video_stream(proxy)
                self.assertEqual((v["width"], v["height"], v["codec_name"]), (width, HEIGHT, "h264"))
                self.assertEqual(frame_count(proxy), frame_count(self.src / source))
                src_v = video_stream(self.src / source)
                self.assertEqual(v["r_frame_rate"], src_v["r_frame_rate"])
                self.assertAlmostEqual(float(v["duration"]), float(src_v["duration"]), delta=0.05)
                keys = keyframes(proxy)
                self.assertEqual(keys, list(range(0, frame_count(proxy), GOP)))
                audio = [s for s in ffprobe(proxy)["streams"] if s["codec_type"] == "audio"]
                src_audio = [s for s in ffprobe(self.src / source)["streams"] if s["codec_type"] == "audio"]
                self.assertEqual(len(audio), len(src_audio))
                if audio:
                    self.assertEqual(audio[0]["sample_rate"], src_audio[0]["sample_rate"])
                    self.assertAlmostEqual(float(audio[0]["duration"]), float(src_audio[0]["duration"]), delta=0.1)
        for media, size in [("photo", (160, 120)), ("logo", (120, 120))]:
            v = video_stream(by[media]["file"])
            self.assertEqual((v["codec_name"], v["width"], v["height"]), ("png", *size))

    def test_a_portrait_source_keeps_its_upright_shape(self):
        stats = self.proxy(self.src / "portrait.mp4")
        proxy = stats["proxies"][0]["file"]
        v = video_stream(proxy)
        self.assertLess(v["width"], v["height"])
        self.assertFalse(any("rotation" in sd for sd in v.get("side_data_list", [])), v)
        # The ffmpeg CLI turns the source upright itself (autorotate) and scales it.
        mean, frames, worst = ssim(proxy, f"[1:v]scale={v['width']}:{v['height']}:flags=bicubic,format=yuv420p[ref]",
                                   [self.src / "portrait.mp4"])
        self.assertEqual(frames, frame_count(proxy))
        self.assertGreaterEqual(worst, 0.9, (mean, worst))

    def test_a_second_run_makes_nothing_and_a_touched_source_only_its_proxy(self):
        project = self.all_sources()
        self.assertEqual(set(self.plan_proxies(project)["a"].items()) >= {("state", "missing")}, True)
        first = self.proxy(project)
        files = {p["media"]: p["file"] for p in first["proxies"] if "file" in p}
        mtimes = {m: os.stat(f).st_mtime_ns for m, f in files.items()}
        second = self.proxy(project)
        self.assertEqual((second["made"], second["reused"]), (0, 5), second)
        self.assertEqual({m: os.stat(f).st_mtime_ns for m, f in files.items()}, mtimes)
        states = self.plan_proxies(project)
        self.assertEqual({k: v["state"] for k, v in states.items()},
                         {"a": "current", "b": "current", "p": "current", "photo": "current",
                          "logo": "current", "tone": "not_needed"})
        # Touch one source: only its proxy is stale, only it is made again.
        st = os.stat(self.src / "clip_b.mov")
        os.utime(self.src / "clip_b.mov", ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
        states = self.plan_proxies(project)
        self.assertEqual(states["b"]["state"], "stale")
        self.assertEqual([k for k, v in states.items() if v["state"] == "current"], ["a", "logo", "p", "photo"])
        third = self.proxy(project)
        self.assertEqual([p["media"] for p in third["proxies"] if p["action"] == "made"], ["b"], third)
        self.assertEqual(next(p for p in third["proxies"] if p["media"] == "b")["state"], "stale")
        self.assertFalse(Path(files["b"]).exists(), "the stale proxy is removed")
        self.assertEqual({m: os.stat(f).st_mtime_ns for m, f in files.items() if m != "b"},
                         {m: t for m, t in mtimes.items() if m != "b"})
        self.assertEqual({v["state"] for v in self.plan_proxies(project).values()}, {"current", "not_needed"})
        # --force remakes every one; --progress json tells it in events only.
        r = self.reel("proxy", project, "--height", HEIGHT, "--gop", GOP, "--force", "--progress", "json")
        self.assertEqual(r.code, 0, r)
        events = [json.loads(line) for line in r.err.splitlines()]  # nothing but NDJSON
        schema = Draft202012Validator(json.loads((SOURCE / "schemas" / "events.schema.json").read_text()))
        for e in events:
            self.assertEqual([err.message for err in schema.iter_errors(e)], [], e)
        self.assertEqual(events[-1]["event"], "done")
        self.assertEqual(events[-1]["stats"]["made"], 5)


class Previews(ProxyTestCase):
    def layered(self):
        # A full-frame clip, an overlay placed in project pixels with a crop in source
        # pixels, a still in a box: all must land where they would in the full render.
        return self.project([
            {"items": [{"type": "clip", "media": "a", "start": 0, "out": 3}]},
            {"items": [{"type": "clip", "media": "b", "start": 0, "out": 3,
                        "crop": {"left": 80, "right": 0, "top": 0, "bottom": 60},
                        "transform": {"x": 160, "y": 0, "width": 160, "height": 120}}]},
            {"items": [{"type": "image", "media": "photo", "start": 1, "duration": 2,
                        "transform": {"x": 0, "y": 120, "width": 160, "height": 120, "fit": "cover"}}]}],
            media={"a": "src/clip_a.mp4", "b": "src/clip_b.mov", "photo": "src/photo.jpg"})

    def render(self, project, out, *args):
        stats = out.with_suffix(".json")
        r = self.reel("render", project, "-o", out, "-y", "--progress", "none", "--stats", stats, *args)
        return r, (json.loads(stats.read_text()) if stats.exists() else None)

    def test_a_preview_matches_the_full_render_scaled_down(self):
        project = self.layered()
        self.proxy(project)
        full, full_stats = self.render(project, self.dir / "full.mp4")
        self.assertEqual(full.code, 0, full)
        self.assertEqual({s["from"] for s in full_stats["sources"]}, {"source"})
        preview, stats = self.render(project, self.dir / "preview.mp4", "--proxy", "--scale", "0.5",
                                      "--proxy-height", HEIGHT)
        self.assertEqual(preview.code, 0, preview)
        self.assertEqual(validate("stats.schema.json", self.dir / "preview.json")[0], 0)
        v = video_stream(self.dir / "preview.mp4")
        self.assertEqual((v["width"], v["height"]), (160, 120))
        self.assertEqual(frame_count(self.dir / "preview.mp4"), 90)
        decoded = {s["media"]: s for s in stats["sources"]}
        self.assertEqual({m: s["from"] for m, s in decoded.items()}, {"a": "proxy", "b": "proxy", "photo": "proxy"})
        for s in decoded.values():
            self.assertTrue(Path(s["decoded"]).is_relative_to(self.cache / "proxies"), s)
        # Cached apart from the full render's segments: none of them is reused.
        self.assertEqual(stats["segments_reused"], 0, stats)
        mean, frames, worst = ssim(self.dir / "preview.mp4", "[1:v]scale=160:120:flags=bicubic,format=yuv420p[ref]",
                                   [self.dir / "full.mp4"], stats=self.dir / "ssim.log")
        print(f"preview vs full render scaled: mean SSIM {mean:.4f}, worst frame {worst:.4f} over {frames} frames")
        self.assertEqual(frames, 90)
        self.assertGreaterEqual(worst, 0.95, (mean, worst))
        # An explicit size works too; without --proxy-height the proxies that fit best are
        # found (the same ones), so every segment is reused.
        again, again_stats = self.render(project, self.dir / "again.mp4", "--proxy", "--size", "160x120")
        self.assertEqual(again.code, 0, again)
        self.assertEqual(again_stats["segments_rendered"], 0, again_stats)

    def test_a_missing_proxy_is_refused_naming_the_source_and_the_command(self):
        project = self.layered()
        r, stats = self.render(project, self.dir / "p.mp4", "--proxy")
        self.assertEqual(r.code, 4, r)
        self.assertIn('"a"', r.err)
        self.assertIn("clip_a.mp4", r.err)
        self.assertIn(f"reel proxy {project} --height 720", r.err)
        self.assertIn("--make-proxies", r.err)
        self.assertFalse((self.dir / "p.mp4").exists())
        # Made on the fly when asked, and said so in the stats.
        r, stats = self.render(project, self.dir / "p.mp4", "--proxy", "--proxy-height", HEIGHT, "--make-proxies")
        self.assertEqual(r.code, 0, r)
        self.assertEqual({s["from"] for s in stats["sources"]}, {"proxy_made"})
        self.assertEqual(self.plan_proxies(project)["a"]["state"], "current")

    def test_segment_with_proxies(self):
        project = self.layered()
        self.proxy(project)
        r = self.reel("segment", project, "--index", "0", "--stats", "-")
        self.assertEqual(r.code, 0, r)
        r = self.reel("segment", project, "--index", "0", "--proxy", "--proxy-height", HEIGHT, "--stats", "-",
                      "--progress", "none")
        self.assertEqual(r.code, 0, r)
        stats = r.json()
        self.assertEqual((stats["segments_rendered"], stats["segments_reused"]), (1, 0), stats)
        self.assertEqual({s["from"] for s in stats["sources"]}, {"proxy"})

    def test_an_otio_proxy_reference_is_decoded(self):
        ff("-i", self.src / "clip_a.mp4", "-vf", "scale=160:120", "-c:v", "libx264", "-preset", "ultrafast",
           "-g", "5", "-c:a", "copy", self.src / "clip_a_proxy.mp4")
        rt = lambda v: {"OTIO_SCHEMA": "RationalTime.1", "value": float(v), "rate": 30.0}
        ref = lambda url: {"OTIO_SCHEMA": "ExternalReference.1", "name": "", "target_url": url,
                           "available_range": None, "metadata": {}}
        clip = {"OTIO_SCHEMA": "Clip.2", "name": "shot",
                "source_range": {"OTIO_SCHEMA": "TimeRange.1", "start_time": rt(0), "duration": rt(60)},
                "media_references": {"DEFAULT_MEDIA": ref("src/clip_a.mp4"), "proxy": ref("src/clip_a_proxy.mp4")},
                "active_media_reference_key": "DEFAULT_MEDIA", "effects": [], "markers": [], "enabled": True,
                "metadata": {}}
        track = {"OTIO_SCHEMA": "Track.1", "name": "V1", "kind": "Video", "children": [clip], "source_range": None,
                 "effects": [], "markers": [], "enabled": True, "metadata": {}}
        doc = {"OTIO_SCHEMA": "Timeline.1", "name": "t", "global_start_time": None,
               "metadata": {"reel": {"width": 320, "height": 240}},
               "tracks": {"OTIO_SCHEMA": "Stack.1", "name": "tracks", "children": [track], "source_range": None,
                          "effects": [], "markers": [], "enabled": True, "metadata": {}}}
        otio = self.write_project(doc, "edit.otio")
        proxies = self.plan_proxies(otio)
        self.assertEqual([p["state"] for p in proxies.values()], ["reference"], proxies)
        r = self.reel("render", otio, "-o", self.dir / "o.mp4", "--proxy", "--stats", "-", "--progress", "none")
        self.assertEqual(r.code, 0, r)
        (source,) = r.json()["sources"]
        self.assertEqual(source["from"], "reference")
        self.assertEqual(Path(source["decoded"]).resolve(), (self.src / "clip_a_proxy.mp4").resolve())
        self.assertEqual(frame_count(self.dir / "o.mp4"), 60)


if __name__ == "__main__":
    unittest.main()
