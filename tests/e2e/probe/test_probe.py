# SPDX-License-Identifier: Apache-2.0
"""What `reel plan` learns by probing, checked against ffprobe and ffmpeg."""

import os
import subprocess
import time
import unittest
from fractions import Fraction

from reel_e2e import MEDIA, ProjectTestCase, ffprobe


FILES = {
    "a": "clip_a.mp4", "b": "clip_b.mov", "portrait": "portrait.mp4", "vfr": "vfr.mkv",
    "logo": "logo.png", "photo": "photo.jpg", "tone": "tone.wav", "music": "music.flac",
    "surround": "surround.m4a",
}


class Probe(ProjectTestCase):
    def setUp(self):
        super().setUp()
        items, start = [], 0
        for mid, name in FILES.items():
            if name.endswith((".png", ".jpg")):
                items.append({"type": "image", "media": mid, "start": start, "duration": 1})
            else:
                items.append({"type": "clip", "media": mid, "start": start, "out": 1})
            start += 1
        audio = [i for i in items if FILES[i["media"]].endswith((".wav", ".flac", ".m4a"))]
        video = [i for i in items if i not in audio]
        self.project = self.write_project({
            "reel": 1, "output": {"width": 320, "height": 240, "fps": 30},
            "media": {mid: {"path": "media/" + name} for mid, name in FILES.items()},
            "tracks": [{"items": video}, {"kind": "audio", "items": audio}],
        })
        self.sources = {s["id"]: s for s in self.plan(self.project)["sources"]}

    def stream(self, name, kind):
        return [s for s in ffprobe(MEDIA / name)["streams"] if s["codec_type"] == kind][0]

    def test_video_streams_match_ffprobe(self):
        for mid in ["a", "b", "portrait", "vfr", "logo", "photo"]:
            with self.subTest(mid):
                ours = self.sources[mid]["video"]
                theirs = self.stream(FILES[mid], "video")
                self.assertEqual(ours["codec"], theirs["codec_name"])
                self.assertEqual((ours["width"], ours["height"]), (theirs["width"], theirs["height"]))
                self.assertEqual(ours["pixel_format"], theirs["pix_fmt"])

    def test_kinds(self):
        kinds = {mid: s["kind"] for mid, s in self.sources.items()}
        self.assertEqual(kinds, {"a": "video", "b": "video", "portrait": "video", "vfr": "video",
                                 "logo": "image", "photo": "image", "tone": "audio",
                                 "music": "audio", "surround": "audio"})

    def test_audio_streams_match_ffprobe(self):
        for mid in ["a", "b", "tone", "music", "surround"]:
            with self.subTest(mid):
                ours = self.sources[mid]["audio"]
                theirs = self.stream(FILES[mid], "audio")
                self.assertEqual(ours["codec"], theirs["codec_name"])
                self.assertEqual(ours["sample_rate"], int(theirs["sample_rate"]))
                self.assertEqual(ours["channels"], theirs["channels"])
        self.assertEqual(self.sources["surround"]["audio"]["channels"], 6)
        self.assertEqual(self.sources["music"]["audio"]["sample_rate"], 44100)

    def test_frame_rate_and_duration(self):
        for mid in ["a", "b"]:
            theirs = self.stream(FILES[mid], "video")
            self.assertEqual(Fraction(self.sources[mid]["video"]["frame_rate"]), Fraction(theirs["avg_frame_rate"]))
            num, den = map(int, theirs["time_base"].split("/"))
            self.assertEqual(Fraction(self.sources[mid]["duration"]), Fraction(int(theirs["duration_ts"]) * num, den))
        self.assertIsNone(self.sources["logo"]["duration"])

    def test_rotation_gives_the_upright_size(self):
        # ffmpeg autorotates when decoding: the size of its decoded frame is the upright size.
        png = self.dir / "frame.png"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(MEDIA / "portrait.mp4"), "-frames:v", "1", str(png)],
                       check=True)
        upright = ffprobe(png)["streams"][0]
        v = self.sources["portrait"]["video"]
        self.assertEqual((v["display_width"], v["display_height"]), (upright["width"], upright["height"]))
        self.assertIn(v["rotation"], (90, 270))
        a = self.sources["a"]["video"]
        self.assertEqual((a["rotation"], a["display_width"]), (0, a["width"]))

    def test_keyframe_interval_and_variable_rate(self):
        # make-test-media.sh encodes clip_a with -g 30 and clip_b with -g 25.
        self.assertEqual(self.sources["a"]["video"]["keyframe_interval"], 30)
        self.assertEqual(self.sources["b"]["video"]["keyframe_interval"], 25)
        self.assertFalse(self.sources["a"]["video"]["variable_frame_rate"])
        self.assertTrue(self.sources["vfr"]["video"]["variable_frame_rate"])

    def test_fingerprint_changes_when_the_file_does(self):
        import shutil
        shutil.copyfile(MEDIA / "tone.wav", self.dir / "copy.wav")
        doc = {"reel": 1, "output": {"width": 320, "height": 240, "fps": 30},
               "media": {"t": {"path": "copy.wav"}},
               "tracks": [{"kind": "audio", "items": [{"type": "clip", "media": "t", "start": 0}]}]}
        project = self.write_project(doc, "fp.json")
        first = self.plan(project)["sources"][0]["fingerprint"]
        self.assertRegex(first, "^[0-9a-f]{32}$")
        self.assertEqual(first, self.plan(project)["sources"][0]["fingerprint"])
        # Same size, one byte changed in the middle, same mtime second: still detected,
        # because the mtime has nanoseconds... and change the mtime explicitly too.
        data = bytearray((self.dir / "copy.wav").read_bytes())
        data[len(data) // 2] ^= 0xFF
        (self.dir / "copy.wav").write_bytes(bytes(data))
        st = os.stat(self.dir / "copy.wav")
        os.utime(self.dir / "copy.wav", ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
        self.assertNotEqual(first, self.plan(project)["sources"][0]["fingerprint"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
