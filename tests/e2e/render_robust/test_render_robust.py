# SPDX-License-Identifier: Apache-2.0
"""`reel render` under stress: one decoder shared by every use of a source (also inside
nested compositions), bounded seeking; bad inputs and failing outputs give a clear error,
the documented exit status and never a file (nor a temporary file) at the output path;
-y; SIGINT; --progress json; --stats checked against ffprobe and the stats schema."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from reel_e2e import MEDIA, REEL, ProjectTestCase, Result, ffprobe, run_reel, validate

W, H, FPS = 320, 240, 30


def clip(media, start, src_in, src_out, **extra):
    return {"type": "clip", "media": media, "start": start, "in": src_in, "out": src_out, **extra}


def timeline(tracks, media=None, compositions=None, **output):
    doc = {"reel": 1, "output": {"width": W, "height": H, "fps": FPS, **output},
           "media": media if media is not None else {"a": {"path": "media/clip_a.mp4"}},
           "tracks": tracks}
    if compositions:
        doc["compositions"] = compositions
    return doc


def count_frames(path):
    """Frames in the output's video stream, counted by decoding (ffprobe -count_frames)."""
    info = ffprobe(path, "-count_frames", "-select_streams", "v:0",
                   "-show_entries", "stream=nb_frames,nb_read_frames")
    return int(info["streams"][0]["nb_read_frames"])


class RenderTestCase(ProjectTestCase):
    def render(self, project, out, *args, timeout=120):
        return run_reel("render", project, "-o", out, *args, timeout=timeout)

    def render_stats(self, doc, *args):
        """Renders doc to out.mp4 with --stats; returns the stats (asserting success)."""
        project = self.write_project(doc)
        out = self.dir / "out.mp4"
        stats_path = self.dir / "stats.json"
        r = self.render(project, out, "-y", "-q", "--stats", stats_path, *args)
        self.assertEqual(r.code, 0, r)
        self.assertTrue(out.is_file(), r)
        return json.loads(stats_path.read_text())

    def leftovers(self, folder, name):
        """Temporary files reel would have left beside `name` in `folder`."""
        return sorted(p.name for p in Path(folder).iterdir() if p.name.startswith(f".{name}.reel-"))

    def assert_nothing_written(self, out, result):
        out = Path(out)
        self.assertFalse(out.exists(), f"{out} was left behind\n{result}")
        if out.parent.is_dir():
            self.assertEqual(self.leftovers(out.parent, out.name), [], f"temporary files left\n{result}")

    def assert_fails(self, doc, code, *words, out_name="out.mp4", args=()):
        """Renders doc expecting exit status `code`, a message on stderr containing each of
        `words` (any case), no crash, and nothing at the output path."""
        project = self.write_project(doc)
        out = self.dir / out_name
        r = self.render(project, out, *args)
        self.assertGreaterEqual(r.code, 0, f"killed by signal {-r.code}\n{r}")
        self.assertEqual(r.code, code, r)
        self.assertIn("reel render: error:", r.err, r)
        for word in words:
            self.assertIn(word.lower(), r.err.lower(), r)
        self.assert_nothing_written(out, r)
        return r


class DecoderSharing(RenderTestCase):
    """decoder.h: one decoder per source for every item and nested comp that uses it;
    forward decoding within 2 s; another decoder (up to 3) only for simultaneous uses."""

    def test_six_uses_root_and_two_comps_forward_one_decoder_no_seek(self):
        # clip_a (10 s, GOP 1 s) played forward through six items: two on the root, two in
        # each of two nested comps, never two at a time, each within 2 s after the last.
        comps = {
            "first": {"width": W, "height": H, "duration": 2, "tracks": [{"items": [
                clip("a", 0, 1, 2, id="in-first-1"), clip("a", 1, 2, 3, id="in-first-2")]}]},
            "second": {"width": W, "height": H, "duration": 2, "tracks": [{"items": [
                clip("a", 0, 4, 5, id="in-second-1"), clip("a", 1, 5.5, 6.5, id="in-second-2")]}]},
        }
        doc = timeline([{"items": [
            clip("a", 0, 0, 1, id="root-1"),
            {"type": "comp", "comp": "first", "start": 1, "id": "c1"},
            clip("a", 3, 3, 4, id="root-2"),
            {"type": "comp", "comp": "second", "start": 4, "id": "c2"},
        ]}], compositions=comps)
        # One segment worker (--threads 1): each worker has its own pool, and this test is
        # about one pool serving every use of a source.
        s = self.render_stats(doc, "--threads", "1")
        self.assertEqual(s["frames"], 6 * FPS)
        self.assertEqual(s["decoders_opened"], 1, s)
        self.assertEqual(s["seeks"], 0, s)
        self.assertEqual(s["comps_rendered"], 4 * FPS, s)
        # 6.5 s of source read once, front to back (the 0.5 s skipped is decoded through).
        self.assertLessEqual(s["frames_decoded"], int(6.5 * FPS) + 5, s)

    def test_same_source_twice_at_once_two_decoders(self):
        # The same clip shown twice for 4 s with a 3 s offset: full frame (source 3-7) and
        # as a picture-in-picture (source 0-4). Seeking between them on every frame would
        # thrash; the pool opens a second decoder instead.
        doc = timeline([
            {"items": [clip("a", 0, 3, 7, id="full")]},
            {"items": [clip("a", 0, 0, 4, id="pip",
                            transform={"x": 200, "y": 150, "width": 100, "height": 75})]},
        ])
        s = self.render_stats(doc)
        frames = 4 * FPS
        self.assertEqual(s["frames"], frames)
        self.assertEqual(s["decoders_opened"], 2, s)
        self.assertLessEqual(s["seeks"], 2, s)
        self.assertLessEqual(s["frames_decoded"], 1.2 * 2 * frames, s)
        self.assertEqual(s["layers_drawn"], 2 * frames, s)

    def test_backward_cut_one_decoder_few_seeks(self):
        # Source 6-8, then the same source 0-2: one decoder, one seek back (plus at most
        # the initial seek to 6 s).
        doc = timeline([{"items": [clip("a", 0, 6, 8, id="late"), clip("a", 2, 0, 2, id="early")]}])
        s = self.render_stats(doc, "--threads", "1")
        self.assertEqual(s["frames"], 4 * FPS)
        self.assertEqual(s["decoders_opened"], 1, s)
        self.assertLessEqual(s["seeks"], 2, s)
        self.assertGreaterEqual(s["seeks"], 1, s)  # going back 6 s cannot be done forward
        self.assertLessEqual(s["frames_decoded"], 1.2 * 4 * FPS, s)


class BadInputs(RenderTestCase):
    def test_missing_source(self):
        doc = timeline([{"items": [clip("a", 0, 0, 2)]}], media={"a": {"path": "media/nope.mp4"}})
        self.assert_fails(doc, 4, 'media "a"', "not found")

    def test_truncated_source(self):
        # media/truncated.mp4: the first 4 KiB of an MP4 whose index is at the end.
        doc = timeline([{"items": [clip("a", 0, 0, 2)]}], media={"a": {"path": "media/truncated.mp4"}})
        self.assert_fails(doc, 4, 'media "a"')

    def _cut_in_half(self, name, *ffmpeg_args):
        full = self.dir / ("full-" + name)
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(MEDIA / "clip_a.mp4"), "-an",
                        "-c", "copy", *ffmpeg_args, str(full)], check=True)
        data = full.read_bytes()
        (self.dir / name).write_bytes(data[: len(data) // 2])
        return name

    def test_mp4_index_first_cut_in_half_fails_mid_decode(self):
        # The index (faststart) survives and promises 10 s; the samples stop near 5 s.
        name = self._cut_in_half("half.mp4", "-movflags", "+faststart")
        doc = timeline([{"items": [clip("a", 0, 0, 10)]}], media={"a": {"path": name}})
        self.assert_fails(doc, 5, name)

    def test_mkv_cut_in_half_fails_mid_decode(self):
        # Matroska's header keeps the 10 s duration; the clusters after ~5 s are gone. The
        # clip asks for 7-9 s, which are not in the file: a decode error (as for the MP4
        # above), not 2 s of the last frame that happens to be there.
        name = self._cut_in_half("half.mkv")
        doc = timeline([{"items": [clip("a", 0, 7, 9)]}], media={"a": {"path": name}})
        self.assert_fails(doc, 5, name)

    def test_zeroed_middle_does_not_crash(self):
        # 8 KiB of zeros in the middle of the media data: damaged frames, intact index.
        # Decoders conceal such damage, so either a complete render or a decode error is
        # fine; a crash, an internal error or a partial file is not.
        data = bytearray((MEDIA / "clip_a.mp4").read_bytes())
        mid = len(data) // 2
        data[mid:mid + 8192] = bytes(8192)
        (self.dir / "zeroed.mp4").write_bytes(bytes(data))
        project = self.write_project(timeline([{"items": [clip("a", 0, 0, 10)]}],
                                              media={"a": {"path": "zeroed.mp4"}}))
        out = self.dir / "out.mp4"
        r = self.render(project, out)
        self.assertIn(r.code, (0, 5), r)
        if r.code == 0:
            self.assertEqual(count_frames(out), 10 * FPS)
        else:
            self.assertIn("zeroed.mp4", r.err, r)
            self.assert_nothing_written(out, r)
        self.assertEqual(self.leftovers(self.dir, "out.mp4"), [])

    def test_audio_only_clip_on_video_track_shows_background(self):
        # timeline-format.md: a clip is "a range of a video or audio source"; on a video
        # track it contributes pictures only if the source has them (reel-plan(1): "a clip
        # counts only if its source has a video stream"). A WAV there is legal: the picture
        # is the background, the render succeeds.
        doc = timeline([{"items": [clip("t", 0, 0, 2, id="tone")]}],
                       media={"t": {"path": "media/tone.wav"}}, background="#0000ff")
        project = self.write_project(doc)
        out = self.dir / "out.mp4"
        r = self.render(project, out)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(count_frames(out), 2 * FPS)
        # The middle pixel of the last frame is the blue background (Y'CbCr 709 ~ 32,240,118).
        raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-sseof", "-0.1", "-i", str(out),
                              "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                             capture_output=True, check=True).stdout
        i = ((H // 2) * W + W // 2) * 3
        r_, g_, b_ = raw[i:i + 3]
        self.assertTrue(r_ < 30 and g_ < 30 and b_ > 220, (r_, g_, b_))

    def test_output_folder_missing(self):
        doc = timeline([{"items": [clip("a", 0, 0, 1)]}])
        project = self.write_project(doc)
        out = self.dir / "no" / "such" / "folder" / "out.mp4"
        r = self.render(project, out)
        self.assertEqual(r.code, 7, r)
        self.assertIn("reel render: error:", r.err)
        self.assertIn(str(out.parent), r.err)
        self.assertFalse(out.parent.exists())

    def test_output_folder_not_writable(self):
        if os.geteuid() == 0:
            self.skipTest("root writes into read-only folders")
        folder = self.dir / "locked"
        folder.mkdir()
        folder.chmod(0o555)
        try:
            r = self.render(self.write_project(timeline([{"items": [clip("a", 0, 0, 1)]}])), folder / "out.mp4")
            self.assertEqual(r.code, 7, r)
            self.assertIn("permission denied", r.err.lower(), r)
            self.assert_nothing_written(folder / "out.mp4", r)
        finally:
            folder.chmod(0o755)

    def big_project(self):
        # 10 s of a busy test pattern at CRF 18: about 500 KB.
        return self.write_project(timeline([{"items": [clip("a", 0, 0, 10)]}], video={"crf": 18}))

    def test_file_size_limit(self):
        # A full disk, simulated with a file-size limit (dash counts 512-byte blocks, bash
        # 1 KiB: 32 or 64 KiB either way, far below the output's size).
        project = self.big_project()
        out = self.dir / "big.mp4"
        proc = subprocess.run(["sh", "-c", 'ulimit -f 64; exec "$0" render "$1" -o "$2"', REEL, str(project), str(out)],
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        r = Result(proc)
        self.assertGreater(proc.returncode, 0, r)  # not 0, not killed by SIGXFSZ
        self.assertEqual(proc.returncode, 7, r)
        low = proc.stderr.lower()
        self.assertTrue(any(w in low for w in ("write", "space", "too large", "size")), r)
        self.assert_nothing_written(out, r)

    def test_full_tmpfs(self):
        mnt = Path(tempfile.mkdtemp(prefix="reel-tmpfs-"))
        try:
            mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)],
                                     capture_output=True).returncode == 0
        except OSError:
            mounted = False
        if not mounted:
            mnt.rmdir()
            self.skipTest("cannot mount a tmpfs here (needs root in a mount namespace)")
        try:
            out = mnt / "big.mp4"
            r = self.render(self.big_project(), out)
            self.assertEqual(r.code, 7, r)
            self.assertIn("no space left", r.err.lower(), r)
            self.assert_nothing_written(out, r)
        finally:
            subprocess.run(["umount", str(mnt)], capture_output=True)
            shutil.rmtree(mnt, ignore_errors=True)


class EncoderSettings(RenderTestCase):
    def color_doc(self, **output):
        return timeline([{"items": [{"type": "color", "color": "#ff0000", "start": 0, "duration": 0.5}]}],
                        media={}, **output)

    def test_encoder_refusing_a_preset_leaves_nothing(self):
        # --preset is checked against x264's presets before any work (exit 2).
        self.assert_fails(self.color_doc(), 2, "preset", "veryfast", args=("--preset", "bogus"))
        # The timeline's preset for av1 is any string (timeline-format.md): SVT-AV1 refuses
        # 99 when it opens (exit 6), named by its settings rather than by a temporary file,
        # and the temporary file made beside the output must be gone too.
        doc = self.color_doc(video={"codec": "av1", "preset": "99"})
        r = self.assert_fails(doc, 6, "libsvtav1", "preset 99")
        self.assertNotIn(".reel-", r.err)

    def test_av1_named_in_the_timeline_without_preset(self):
        # timeline-format.md: "codec h264|hevc|av1|vp9"; a timeline that names only the
        # codec must render with that codec's defaults ("veryfast" is an x264/x265 preset).
        r = run_reel("plan", self.write_project(self.color_doc(video={"codec": "av1"})))
        self.assertEqual(r.code, 0, r)
        probe = subprocess.run(["ffmpeg", "-hide_banner", "-encoders"], capture_output=True, text=True).stdout
        if "libsvtav1" not in probe and "libaom-av1" not in probe:
            self.skipTest("this FFmpeg has no AV1 encoder")
        s = self.render_stats(self.color_doc(video={"codec": "av1"}))
        self.assertIn(s["encoder"], ("libsvtav1", "libaom-av1"))
        self.assertEqual(ffprobe(self.dir / "out.mp4")["streams"][0]["codec_name"], "av1")
        self.assertEqual(count_frames(self.dir / "out.mp4"), 15)

    def test_containers_by_extension(self):
        project = self.write_project(self.color_doc())
        for name, fmt in (("out.mov", "mov"), ("out.mkv", "matroska")):
            r = self.render(project, self.dir / name, "-q")
            self.assertEqual(r.code, 0, r)
            info = ffprobe(self.dir / name)
            self.assertIn(fmt, info["format"]["format_name"])
            self.assertEqual(count_frames(self.dir / name), 15)
        # WebM holds VP9 or AV1 only: usage error before anything is written.
        self.assert_fails(self.color_doc(), 2, "webm", out_name="out.webm")
        self.assert_fails(self.color_doc(), 2, ".avi", out_name="out.avi")

    def test_mp4_index_first(self):
        project = self.write_project(self.color_doc())
        out = self.dir / "out.mp4"
        self.assertEqual(self.render(project, out, "-q").code, 0)
        data = out.read_bytes()
        self.assertLess(data.find(b"moov"), data.find(b"mdat"), "MP4 not faststart (moov after mdat)")


class ExistingOutput(RenderTestCase):
    def test_refuses_without_y_replaces_with_y(self):
        project = self.write_project(timeline([{"items": [clip("a", 0, 0, 1)]}]))
        out = self.dir / "out.mp4"
        out.write_bytes(b"precious")
        before = out.stat()
        r = self.render(project, out)
        self.assertEqual(r.code, 2, r)
        self.assertIn("already exists", r.err)
        self.assertIn("-y", r.err)
        self.assertEqual(out.read_bytes(), b"precious")
        self.assertEqual(out.stat().st_mtime_ns, before.st_mtime_ns)
        self.assertEqual(self.leftovers(self.dir, "out.mp4"), [])

        r = self.render(project, out, "-y")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(count_frames(out), FPS)
        self.assertEqual(self.leftovers(self.dir, "out.mp4"), [])


class Interrupt(RenderTestCase):
    def long_project(self):
        # 60 s at 320x240 (six passes over clip_a, each at another opacity so that no two
        # segments are the same and none is rendered once and reused): far longer than the
        # test waits.
        return self.write_project(timeline([{"items": [clip("a", 10 * i, 0, 10, opacity=1 - 0.05 * i)
                                                       for i in range(6)]}]))

    def interrupt(self, sig):
        project = self.long_project()
        out = self.dir / "long.mp4"
        # A fresh segment cache: segments published by an earlier run would be reused.
        proc = subprocess.Popen([REEL, "render", str(project), "-o", str(out), "--threads", "1",
                                 "--progress", "json", "--cache-dir", str(self.dir / "cache")],
                                stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            # Wait for the first progress event (frames are being made; the start and the
            # segments' pending events come before it), then a little more.
            before = []
            first = proc.stderr.readline()
            while first and '"frame"' not in first:
                before.append(first)
                first = proc.stderr.readline()
            self.assertIn('"frame"', first)
            time.sleep(0.5)
            self.assertIsNone(proc.poll(), "the render finished before it could be interrupted")
            proc.send_signal(sig)
            err = "".join(before) + first + proc.stderr.read()
            code = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stderr.close()
        r = Result(subprocess.CompletedProcess(proc.args, code, "", err))
        self.assertEqual(code, 130, r)
        self.assertIn("interrupted", err.lower(), r)
        self.assert_nothing_written(out, r)

    def test_sigint(self):
        self.interrupt(signal.SIGINT)

    def test_sigterm(self):
        self.interrupt(signal.SIGTERM)


class ProgressAndStats(RenderTestCase):
    def test_progress_json(self):
        project = self.write_project(timeline([{"items": [clip("a", 0, 0, 3)]}]))
        out = self.dir / "out.mp4"
        r = self.render(project, out, "--progress", "json", "--threads", "1")
        self.assertEqual(r.code, 0, r)
        # --progress json prints the render's events (schemas/events.schema.json); the
        # render phase's progress events carry the frame counts.
        events = [json.loads(line) for line in r.err.splitlines() if line.startswith("{")]
        lines = [e for e in events if e["event"] == "progress" and e["phase"] == "render"]
        self.assertGreaterEqual(len(lines), 2, r)  # the first frame and the last, at least
        frames = [p["frame"] for p in lines]
        self.assertEqual(frames, sorted(set(frames)), f"not increasing: {frames}")
        for p in lines:
            self.assertLessEqual({"frame", "frames", "elapsed_seconds", "fps"}, set(p), p)
            self.assertEqual(p["frames"], 3 * FPS)
            self.assertGreaterEqual(p["elapsed_seconds"], 0)
            self.assertGreaterEqual(p["fps"], 0)
        self.assertEqual(lines[-1]["frame"], 3 * FPS)
        elapsed = [p["elapsed_seconds"] for p in lines]
        self.assertEqual(elapsed, sorted(elapsed))

    def test_quiet_progress_none_prints_nothing(self):
        project = self.write_project(timeline([{"items": [{"type": "color", "color": "#808080", "start": 0,
                                                           "duration": 1}]}]))
        r = self.render(project, self.dir / "out.mp4", "--progress", "none", "-q")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.err, "")

    def test_stats_match_ffprobe_and_schema(self):
        project = self.write_project(timeline([{"items": [clip("a", 0, 1, 3.5)]}]))
        out = self.dir / "out.mp4"
        stats_path = self.dir / "stats.json"
        r = self.render(project, out, "--stats", stats_path)
        self.assertEqual(r.code, 0, r)
        s = json.loads(stats_path.read_text())
        self.assertEqual(s["command"], "render")
        self.assertTrue(s["ok"])
        n = count_frames(out)
        probed = ffprobe(out)["streams"][0]
        self.assertEqual(s["frames"], n)
        self.assertEqual(int(probed["nb_frames"]), n)
        self.assertEqual(n, 75)  # round(2.5 s x 30)
        self.assertAlmostEqual(s["duration_seconds"], 2.5)
        self.assertGreater(s["realtime_factor"], 0)
        self.assertGreater(s["fps"], 0)
        self.assertEqual(s["bytes_written"], out.stat().st_size)
        self.assertEqual(s["output"], str(out))
        for stage in ("prepare_seconds", "decode_seconds", "compose_seconds", "encode_seconds"):
            self.assertGreaterEqual(s["stages"][stage], 0, stage)
        self.assertEqual(s["encoder"], "libx264")
        self.assertEqual(s["decoders_opened"], 1)
        self.assertGreaterEqual(s["frames_in_flight"], 1)
        # Frames in flight are each segment's pipeline tokens (2 to 4); the frame caches get
        # what the budget leaves after reel itself, the sound and the workers.
        self.assertIn(s["frames_in_flight"], (2, 3, 4))
        self.assertGreater(s["cache"]["budget_bytes"], 0)
        self.assertLess(s["cache"]["budget_bytes"], s["memory_budget_bytes"] // 2)
        # clip_a has sound: an AAC track, as long as the picture within one AAC frame.
        self.assertTrue(s["audio"]["track"])
        self.assertEqual(s["audio"]["encoder"], "aac")
        self.assertEqual(s["audio"]["frames"], 75 * 48000 // 30)
        audio = [st for st in ffprobe(out)["streams"] if st["codec_type"] == "audio"]
        self.assertEqual(len(audio), 1)
        self.assertLess(abs(float(audio[0]["duration"]) - 2.5), 1024 / 48000)
        code, text = validate("stats.schema.json", stats_path)
        self.assertEqual(code, 0, text)
        # Output tagged BT.709 limited range.
        self.assertEqual(probed.get("color_space"), "bt709")
        self.assertEqual(probed.get("color_range"), "tv")

    def test_stats_memory_budget_and_ntsc_frame_count(self):
        # 2.5 s at 30000/1001 is round(74.925) = 75 frames, timestamps n x 1001/30000.
        doc = timeline([{"items": [{"type": "color", "color": "#336699", "start": 0, "duration": 2.5}]}],
                       media={}, fps="30000/1001")
        # --range renders in one pass, whose frames in flight come from the budget.
        s = self.render_stats(doc, "--memory-budget", "64M", "--range", "0-2.5")
        out = self.dir / "out.mp4"
        self.assertEqual(s["frames"], 75)
        self.assertEqual(count_frames(out), 75)
        self.assertEqual(s["audio"], {"track": False})
        self.assertEqual(s["memory_budget_bytes"], 64 * 1024 * 1024)
        # The budget holds reel itself (48 MiB), one worker (an encoder of 8 MiB and 51
        # frames of 115200 bytes) and 4 frames in flight: the cache gets half the rest.
        self.assertGreater(s["cache"]["budget_bytes"], 0)
        self.assertLess(s["cache"]["budget_bytes"], s["memory_budget_bytes"] // 4)
        self.assertEqual(s["frames_in_flight"], 4)
        pts = ffprobe(out, "-select_streams", "v:0", "-show_entries", "packet=pts_time")["packets"]
        times = sorted(float(p["pts_time"]) for p in pts)
        self.assertAlmostEqual(times[-1] - times[0], 74 * 1001 / 30000, places=3)
        code, text = validate("stats.schema.json", self.dir / "stats.json")
        self.assertEqual(code, 0, text)

    def test_failed_render_stats_validate(self):
        doc = timeline([{"items": [clip("a", 0, 0, 2)]}], media={"a": {"path": "media/nope.mp4"}})
        project = self.write_project(doc)
        stats_path = self.dir / "stats.json"
        r = self.render(project, self.dir / "out.mp4", "--stats", stats_path)
        self.assertEqual(r.code, 4, r)
        s = json.loads(stats_path.read_text())
        self.assertFalse(s["ok"])
        self.assertEqual(s["error"]["exit_status"], 4)
        code, text = validate("stats.schema.json", stats_path)
        self.assertEqual(code, 0, text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
