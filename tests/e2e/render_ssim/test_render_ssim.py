# SPDX-License-Identifier: Apache-2.0
"""`reel render` against the ffmpeg CLI: each timeline here is also written as an ffmpeg
filter graph (trim/setpts/fps/scale/pad/overlay/xfade/...), and reel's output is compared
with what that graph makes, frame by frame, with ffmpeg's ssim filter. The mean SSIM
("All:") must be >= 0.98 and every output frame must have been compared.

reel and ffmpeg legitimately differ in details: reel scales with its own bilinear/area
filter (ffmpeg's scale is told flags=area or bilinear to be close, not identical), reel
picks the nearest source frame where ffmpeg's fps filter rounds timestamps, reel blends in
8-bit with its own rounding, and reel's output is H.264 at crf 10 while the reference is
never encoded. None of this should cost 2 % of SSIM; we still require 0.98.

The generated media (testsrc2, smptebars, testsrc encoded by scripts/make-test-media.sh) are
SD and carry no colour matrix; by the usual convention, which reel follows, untagged pictures
under 720 lines are BT.601, so reel converts them to its BT.709 working space. The reference
does the same with ffmpeg's colormatrix filter (its own implementation, not swscale's). That
takes chroma per 2x2 block as is; a converter that interpolates chroma to full resolution
first (swscale with full_chroma_int, as an earlier reel did) differs on testsrc2's sharp chroma
edges by ~2 % SSIM (measured 0.979 for a plain cut), which this test would flag.
Every input is first resampled to the output rate (fps=30) and then trimmed, so the
reference has exactly the frames the timeline covers."""

import unittest

import render_util as ru
from reel_e2e import MEDIA, ProjectTestCase

MIN_SSIM = 0.98
# Untagged SD source -> BT.709, limited range kept, no resampling.
TO709 = "colormatrix=bt601:bt709"


def src(i, start, end, fps=30):
    """Input i as the output rate, from `start` up to `end` seconds, starting at 0, in BT.709."""
    return f"[{i}:v]fps={fps},trim=start={start}:end={end},setpts=PTS-STARTPTS,{TO709}"


def output(width, height, fps=30):
    return {"width": width, "height": height, "fps": fps, "background": "#000000",
            "video": {"codec": "h264", "preset": "ultrafast", "crf": 10}}


class RenderSsim(ProjectTestCase):
    measured = {}

    @classmethod
    def tearDownClass(cls):
        print("\nSSIM (mean All, worst frame):")
        for name, (mean, worst, n) in sorted(cls.measured.items()):
            print(f"  {name:<14} {mean:.5f}  worst {worst:.5f}  over {n} frames")

    def compare(self, name, doc, graph, inputs, frames, size):
        """Renders doc, checks frame count/size with ffprobe, then SSIM against the graph."""
        project = self.write_project(doc, name + ".json")
        out = self.dir / (name + ".mp4")
        result = ru.render(project, out)
        self.assertEqual(result.code, 0, f"{name}: {result}")
        facts = ru.stream_facts(out)
        self.assertEqual((facts["width"], facts["height"]), size, name)
        self.assertEqual(facts["frames"], frames, f"{name}: frames")
        mean, compared, worst = ru.ssim(out, graph, inputs)
        type(self).measured[name] = (mean, worst, compared)
        self.assertEqual(compared, frames, f"{name}: frames compared by ssim (reference longer?)")
        self.assertGreaterEqual(mean, MIN_SSIM, f"{name}: mean SSIM {mean:.5f} (worst frame {worst:.5f})")
        return mean

    def test_cut_with_in_out(self):
        # clip_a (30 fps) 1..2 s, clip_b (25 fps, static bars) 2..3 s, clip_a again 6..7.5 s:
        # 3.5 s at 30 fps = 105 frames; the jump back into clip_a makes in points matter.
        doc = {"reel": 1, "output": output(320, 240), "media": {
            "a": {"path": "media/clip_a.mp4"}, "b": {"path": "media/clip_b.mov"}},
            "tracks": [{"items": [
                {"type": "clip", "media": "a", "start": 0, "in": 1, "out": 2},
                {"type": "clip", "media": "b", "start": 1, "in": 2, "out": 3},
                {"type": "clip", "media": "a", "start": 2, "in": 6, "out": 7.5},
            ]}]}
        graph = (f"{src(1, 1, 2)}[a];{src(2, 2, 3)}[b];{src(1, 6, 7.5)}[c];"
                 "[a][b][c]concat=n=3:v=1:a=0,format=yuv420p[ref]")
        self.compare("cut", doc, graph, [MEDIA / "clip_a.mp4", MEDIA / "clip_b.mov"], 105, (320, 240))

    def test_picture_in_picture(self):
        # clip_b full frame, clip_a scaled to half size (160x120, fit contain of the same
        # 4:3 aspect is exact) at (150, 100), 3 s.
        doc = {"reel": 1, "output": output(320, 240), "media": {
            "a": {"path": "media/clip_a.mp4"}, "b": {"path": "media/clip_b.mov"}},
            "tracks": [
                {"items": [{"type": "clip", "media": "b", "start": 0, "in": 0, "out": 3}]},
                {"items": [{"type": "clip", "media": "a", "start": 0, "in": 4, "out": 7,
                            "transform": {"x": 150, "y": 100, "width": 160, "height": 120}}]},
            ]}
        graph = (f"{src(2, 0, 3)}[bg];"
                 f"{src(1, 4, 7)},scale=160:120:flags=area[pip];"
                 "[bg][pip]overlay=x=150:y=100:eof_action=endall,format=yuv420p[ref]")
        self.compare("pip", doc, graph, [MEDIA / "clip_a.mp4", MEDIA / "clip_b.mov"], 90, (320, 240))

    def test_crossfade(self):
        # clip_a 0..2 s; clip_b from 1 s (source 1..3 s) dissolving in over 1 s: 3 s total.
        doc = {"reel": 1, "output": output(320, 240), "media": {
            "a": {"path": "media/clip_a.mp4"}, "b": {"path": "media/clip_b.mov"}},
            "tracks": [{"items": [
                {"type": "clip", "media": "a", "start": 0, "in": 0, "out": 2},
                {"type": "clip", "media": "b", "start": 1, "in": 1, "out": 3,
                 "transition_in": {"kind": "crossfade", "duration": 1}},
            ]}]}
        graph = (f"{src(1, 0, 2)},format=yuv420p[a];"
                 f"{src(2, 1, 3)},format=yuv420p[b];"
                 "[a][b]xfade=transition=fade:duration=1:offset=1,format=yuv420p[ref]")
        self.compare("crossfade", doc, graph, [MEDIA / "clip_a.mp4", MEDIA / "clip_b.mov"], 90, (320, 240))

    def test_slow_motion(self):
        # clip_a 1..2 s at speed 0.5: 2 s, each source frame shown twice.
        doc = {"reel": 1, "output": output(320, 240), "media": {"a": {"path": "media/clip_a.mp4"}},
               "tracks": [{"items": [{"type": "clip", "media": "a", "start": 0, "in": 1, "out": 2, "speed": 0.5}]}]}
        graph = f"[1:v]trim=start=1:end=2,setpts=2*(PTS-STARTPTS),fps=30,{TO709},format=yuv420p[ref]"
        self.compare("slowmo", doc, graph, [MEDIA / "clip_a.mp4"], 60, (320, 240))

    def test_fast_motion(self):
        # clip_a 2..6 s at speed 2: 2 s, every other source frame.
        doc = {"reel": 1, "output": output(320, 240), "media": {"a": {"path": "media/clip_a.mp4"}},
               "tracks": [{"items": [{"type": "clip", "media": "a", "start": 0, "in": 2, "out": 6, "speed": 2}]}]}
        graph = f"[1:v]trim=start=2:end=6,setpts=0.5*(PTS-STARTPTS),fps=30,{TO709},format=yuv420p[ref]"
        self.compare("fastmo", doc, graph, [MEDIA / "clip_a.mp4"], 60, (320, 240))

    def test_nested_comp(self):
        # A 160x120 "badge" comp: grey background, clip_b scaled into 120x90 at (20, 15) and
        # a white bar along the bottom; used from comp time 0.5 s at (140, 100), opacity 0.8,
        # over clip_a. Greys and white are the same in every Y'CbCr matrix, so ffmpeg's
        # colour sources/drawbox need no matrix agreement.
        doc = {"reel": 1, "output": output(320, 240), "media": {
            "a": {"path": "media/clip_a.mp4"}, "b": {"path": "media/clip_b.mov"}},
            "compositions": {"badge": {"width": 160, "height": 120, "duration": 3, "background": "#202020",
                                       "tracks": [
                                           {"items": [{"type": "clip", "media": "b", "start": 0, "in": 0, "out": 3,
                                                       "transform": {"x": 20, "y": 15, "width": 120,
                                                                     "height": 90}}]},
                                           {"items": [{"type": "color", "color": "#ffffff", "start": 0,
                                                       "duration": 3, "transform": {"x": 0, "y": 108,
                                                                                    "width": 160, "height": 12}}]},
                                       ]}},
            "tracks": [
                {"items": [{"type": "clip", "media": "a", "start": 0, "in": 0, "out": 2}]},
                {"items": [{"type": "comp", "comp": "badge", "start": 0, "in": 0.5, "out": 2.5, "opacity": 0.8,
                            "transform": {"x": 140, "y": 100, "width": 160, "height": 120}}]},
            ]}
        graph = (f"{src(2, 0.5, 2.5)},scale=120:90:flags=area[b];"
                 "color=c=0x202020:s=160x120:r=30:d=2,format=yuv420p[cb];"
                 "[cb][b]overlay=x=20:y=15,drawbox=x=0:y=108:w=160:h=12:color=white:t=fill,"
                 "format=yuva420p,lutyuv=a=val*0.8[badge];"
                 f"{src(1, 0, 2)}[bg];"
                 "[bg][badge]overlay=x=140:y=100:eof_action=endall,format=yuv420p[ref]")
        self.compare("nested", doc, graph, [MEDIA / "clip_a.mp4", MEDIA / "clip_b.mov"], 60, (320, 240))

    def test_portrait_rotation_metadata(self):
        # portrait.mp4 is coded 320x180 with a display matrix: shown upright 180x320. The
        # ffmpeg CLI autorotates its inputs by default, so the reference is just a trim.
        doc = {"reel": 1, "output": output(180, 320), "media": {"p": {"path": "media/portrait.mp4"}},
               "tracks": [{"items": [{"type": "clip", "media": "p", "start": 0, "in": 0, "out": 2}]}]}
        graph = f"{src(1, 0, 2)},format=yuv420p[ref]"
        self.compare("portrait", doc, graph, [MEDIA / "portrait.mp4"], 60, (180, 320))

    def test_portrait_contained_in_landscape(self):
        # The upright 180x320 picture fitted (contain) into 320x256: scale min(320/180,
        # 256/320) = 0.8 gives 144x256 at x = 88, black bars either side. (Sizes chosen so
        # the offset is even: ffmpeg's pad rounds x down to the chroma grid on yuv420p.)
        doc = {"reel": 1, "output": output(320, 256), "media": {"p": {"path": "media/portrait.mp4"}},
               "tracks": [{"items": [{"type": "clip", "media": "p", "start": 0, "in": 1, "out": 3}]}]}
        graph = (f"{src(1, 1, 3)},scale=144:256:flags=bicubic,"
                 "pad=320:256:88:0:black,format=yuv420p[ref]")
        self.compare("portrait-fit", doc, graph, [MEDIA / "portrait.mp4"], 60, (320, 256))


if __name__ == "__main__":
    unittest.main(verbosity=2)
