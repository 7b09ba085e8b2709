# SPDX-License-Identifier: Apache-2.0
"""OpenTimelineIO ImageSequenceReference end to end (issue 16): numbered PNG files, each a
flat grey of its own level, so that each output frame's grey says which file it shows.
The reader maps the reference to a reel image sequence (name_prefix, frame_zero_padding,
start_frame, frame_step, rate, available_range); the media module decodes it. Expected
files from the OTIO contract: image i of the reference is file start_frame + i x
frame_step, and media time t shows image round-to-nearest((t - available start) x rate).

Needs the image-sequence decoder (media/): until it is in the build these tests fail at
probing (exit 4), naming the pattern."""

import json
import unittest

import render_util as ru
from reel_e2e import ProjectTestCase, run_reel

W, H = 32, 24


def rt(value, rate):
    return {"OTIO_SCHEMA": "RationalTime.1", "value": value, "rate": rate}


def tr(start, duration, rate):
    return {"OTIO_SCHEMA": "TimeRange.1", "start_time": rt(start, rate), "duration": rt(duration, rate)}


def grey(number):
    """The RGB grey of file `number`: 10 code values apart."""
    return 20 + 10 * (number % 20)


def sequence(start_frame, step, frames, rate=24.0, available_rate=24):
    return {"OTIO_SCHEMA": "ImageSequenceReference.1", "target_url_base": "seq/", "name_prefix": "frame.",
            "name_suffix": ".png", "start_frame": start_frame, "frame_step": step, "rate": rate,
            "frame_zero_padding": 4, "missing_frame_policy": "error",
            "available_range": tr(0, frames, available_rate)}


def document(ref, source_range, fps=None):
    reel = {"width": W, "height": H}
    if fps:
        reel["fps"] = fps
    clip = {"OTIO_SCHEMA": "Clip.2", "name": "plate", "source_range": source_range,
            "media_references": {"DEFAULT_MEDIA": ref}, "active_media_reference_key": "DEFAULT_MEDIA"}
    return {"OTIO_SCHEMA": "Timeline.1", "metadata": {"reel": reel},
            "tracks": {"OTIO_SCHEMA": "Stack.1",
                       "children": [{"OTIO_SCHEMA": "Track.1", "kind": "Video", "children": [clip]}]}}


class Sequences(ProjectTestCase):
    def files(self, numbers):
        (self.dir / "seq").mkdir(exist_ok=True)
        for n in numbers:
            v = grey(n)
            ru.write_png(self.dir / "seq" / f"frame.{n:04d}.png", [[(v, v, v)] * W for _ in range(H)])

    def shown(self, doc, name, *args):
        project = self.dir / f"{name}.otio"
        project.write_text(json.dumps(doc))
        out = self.dir / f"{name}.mp4"
        r = ru.render(project, out, "--preset", "ultrafast", "--crf", "0", *args)
        self.assertEqual(r.code, 0, r)
        frames, w, h = ru.decode(out)
        levels = sorted({grey(n) for n in range(20)})
        shown = []
        for f in frames:
            y = f.y(w // 2, h // 2)
            match = [g for g in levels if abs(ru.yuv((g, g, g))[0] - y) <= 2]
            self.assertEqual(len(match), 1, f"luma {y} is no one file's")
            shown.append(match[0])
        return shown

    def test_own_rate_frame_for_frame(self):
        self.files(range(1001, 1011))
        shown = self.shown(document(sequence(1001, 1, 10), tr(2, 6, 24)), "own")
        self.assertEqual(shown, [grey(n) for n in range(1003, 1009)])

    def test_another_output_rate_takes_the_nearest_file(self):
        self.files(range(1001, 1011))
        # 12 fps output of a 24 fps sequence: every other file.
        shown = self.shown(document(sequence(1001, 1, 10), tr(0, 8, 24), fps=12), "twelve")
        self.assertEqual(shown, [grey(n) for n in (1001, 1003, 1005, 1007)])

    def test_frame_step_two(self):
        self.files(range(1001, 1021, 2))
        shown = self.shown(document(sequence(1001, 2, 10), tr(1, 4, 24)), "step")
        self.assertEqual(shown, [grey(n) for n in (1003, 1005, 1007, 1009)])

    def test_plan_names_the_pattern_and_rate(self):
        self.files(range(1001, 1011))
        project = self.dir / "plan.otio"
        project.write_text(json.dumps(document(sequence(1001, 1, 10, rate=0.0), tr(0, 10, 24))))
        r = run_reel("plan", project)
        self.assertEqual(r.code, 0, r)
        (source,) = r.json()["sources"]
        self.assertTrue(source["path"].endswith("seq/frame.%04d.png"), source)
        self.assertEqual((r.json()["output"]["fps"], r.json()["output"]["fps_source"]), ("24", "media"))


if __name__ == "__main__":
    unittest.main()
