# SPDX-License-Identifier: Apache-2.0
"""Exact pixels of `reel render`: small timelines whose every pixel is known from the format
contract (timeline-format.md) are rendered near-losslessly (H.264 crf 0), decoded by the
ffmpeg CLI to raw yuv420p and read byte by byte. Expected values are computed here, from
the spec: BT.709 limited-range Y'CbCr of the #rrggbb colours, straight-alpha blends, linear
fades and dissolves, the documented colour-adjust formulas, the frame rule
round(t x fps) (halves down), nearest source frame (ties to the earlier). Frame counts and
durations are checked with ffprobe.

Tolerance is +-3 code values (x264 and chroma rounding); samples are taken away from edges
unless the edge itself is the point (then only luma is checked)."""

import subprocess
import unittest
from fractions import Fraction

import render_util as ru
from reel_e2e import ProjectTestCase

TOL = 3
GREY = "#808080"


def output(width, height, fps=10, background="#000000"):
    return {"width": width, "height": height, "fps": fps, "background": background,
            "video": {"codec": "h264", "preset": "ultrafast", "crf": 0}}


def colour_item(colour, start, duration, **extra):
    return {"type": "color", "color": colour, "start": start, "duration": duration, **extra}


class PixelTestCase(ProjectTestCase):
    def render_frames(self, doc, name, *args):
        """Renders `doc` (as NAME.json) to NAME.mp4 and returns its decoded frames."""
        project = self.write_project(doc, name + ".json")
        out = self.dir / (name + ".mp4")
        result = ru.render(project, out, *args)
        self.assertEqual(result.code, 0, f"{name}: {result}")
        frames, w, h = ru.decode(out)
        self.assertEqual((w, h), (doc["output"]["width"], doc["output"]["height"]), name)
        self.last_output = out
        return frames

    def check(self, frames, k, x, y, expected, what, tol=TOL, luma_only=False):
        """Asserts frame k's pixel (x, y) is `expected` (Y, U, V) within tol."""
        self.assertLess(k, len(frames), f"{what}: frame {k} missing (only {len(frames)} frames)")
        got = frames[k].yuv(x, y)
        n = 1 if luma_only else 3
        bad = [i for i in range(n) if abs(got[i] - expected[i]) > tol]
        if bad:
            exp = tuple(round(e, 1) for e in expected[:n])
            self.fail(f"{what}: frame {k} pixel ({x},{y}): expected YUV {exp} (+-{tol}), got {got[:n]}")

    def check_region(self, frames, k, x0, y0, x1, y1, expected, what, step=2, **kw):
        """check() on a grid of pixels in [x0, x1) x [y0, y1)."""
        for y in range(y0, y1, step):
            for x in range(x0, x1, step):
                self.check(frames, k, x, y, expected, what, **kw)


class Colours(PixelTestCase):
    def test_solid_colours_exact(self):
        colours = ["#ff8000", "#00ff00", "#0000ff", "#ffffff", "#000000", "#123456", "#c0c0c0", "#ff00ff"]
        doc = {"reel": 1, "output": output(64, 48), "media": {},
               "tracks": [{"items": [colour_item(c, i / 10, 0.1) for i, c in enumerate(colours)]}]}
        frames = self.render_frames(doc, "solids")
        self.assertEqual(len(frames), len(colours))
        for k, c in enumerate(colours):
            for x, y in [(0, 0), (63, 0), (0, 47), (63, 47), (32, 24), (17, 30)]:
                self.check(frames, k, x, y, ru.yuv(c), f"solid {c}", tol=2)

    def test_background_shows_where_nothing_is_drawn(self):
        doc = {"reel": 1, "output": output(64, 48, background="#336699"), "media": {},
               "tracks": [{"items": [colour_item("#ffff00", 0, 0.3,
                                                 transform={"x": 0, "y": 0, "width": 32, "height": 48})]}]}
        frames = self.render_frames(doc, "background")
        self.assertEqual(len(frames), 3)
        self.check_region(frames, 1, 2, 2, 30, 46, ru.yuv("#ffff00"), "yellow left half", step=6)
        self.check_region(frames, 1, 34, 2, 62, 46, ru.yuv("#336699"), "background #336699 right half", step=6)

    def test_opacity_blends(self):
        # Bottom blue, then yellow at 50 % over it, then white at 25 % over that.
        doc = {"reel": 1, "output": output(64, 48), "media": {}, "tracks": [
            {"items": [colour_item("#0000ff", 0, 0.2)]},
            {"items": [colour_item("#ffff00", 0, 0.2, opacity=0.5,
                                   transform={"x": 0, "y": 0, "width": 32, "height": 48})]},
            {"items": [colour_item("#ffffff", 0, 0.2, opacity=0.25,
                                   transform={"x": 0, "y": 24, "width": 64, "height": 24})]},
        ]}
        frames = self.render_frames(doc, "opacity")
        blue, yellow, white = ru.yuv("#0000ff"), ru.yuv("#ffff00"), ru.yuv("#ffffff")
        half = ru.mix(blue, yellow, 0.5)
        self.check_region(frames, 0, 4, 4, 28, 20, half, "yellow 50% over blue")
        self.check_region(frames, 0, 36, 4, 60, 20, blue, "blue alone")
        self.check_region(frames, 0, 4, 28, 28, 44, ru.mix(half, white, 0.25), "white 25% over (yellow 50% over blue)")
        self.check_region(frames, 0, 36, 28, 60, 44, ru.mix(blue, white, 0.25), "white 25% over blue")

    def test_rgba_colour_alpha(self):
        doc = {"reel": 1, "output": output(64, 48), "media": {}, "tracks": [
            {"items": [colour_item("#00ff00", 0, 0.2)]},
            {"items": [colour_item("#ff000080", 0, 0.2)]},
            # Alpha and opacity multiply: 0x40/255 * 0.5.
            {"items": [colour_item("#0000ff40", 0, 0.2, opacity=0.5,
                                   transform={"x": 32, "y": 0, "width": 32, "height": 48})]},
        ]}
        frames = self.render_frames(doc, "rgba")
        red_over_green = ru.mix(ru.yuv("#00ff00"), ru.yuv("#ff0000"), 0x80 / 255)
        self.check_region(frames, 0, 2, 2, 30, 46, red_over_green, "#ff000080 over #00ff00", step=4)
        self.check_region(frames, 1, 34, 2, 62, 46, ru.mix(red_over_green, ru.yuv("#0000ff"), 0x40 / 255 * 0.5),
                          "#0000ff40 at opacity 0.5 over that", step=4)

    def test_disabled_item_and_track_draw_nothing_but_keep_time(self):
        doc = {"reel": 1, "output": output(64, 48, background="#000000"), "media": {}, "tracks": [
            {"items": [colour_item("#0000ff", 0, 1), colour_item("#ff0000", 1, 1, enabled=False)]},
            {"enabled": False, "items": [colour_item("#ffffff", 0, 2)]},
            {"items": [colour_item("#00ff00", 0, 0.5, enabled=False,
                                   transform={"x": 0, "y": 0, "width": 32, "height": 24})]},
        ]}
        frames = self.render_frames(doc, "disabled")
        # The disabled red item still ends the timeline at 2 s.
        self.assertEqual(len(frames), 20, "a disabled item still takes its place in time")
        for k in (0, 3, 9):
            self.check_region(frames, k, 2, 2, 62, 46, ru.yuv("#0000ff"), "blue under disabled track/item", step=8)
        for k in (10, 15, 19):
            self.check_region(frames, k, 2, 2, 62, 46, ru.yuv("#000000"), "background where the item is disabled",
                              step=8)


class Fades(PixelTestCase):
    def test_fade_in_and_out_at_known_frames(self):
        # Red, 0.5 s .. 2.5 s, fading in over 1 s and out over 1 s, over a blue background,
        # at 10 fps: frame k (time k/10) has opacity (k/10 - 0.5) / 1 while fading in and
        # (2.5 - k/10) / 1 while fading out.
        doc = {"reel": 1, "output": output(64, 48, background="#0000ff"), "media": {},
               "tracks": [{"items": [colour_item("#ff0000", 0.5, 2, fade_in=1, fade_out=1)]}]}
        frames = self.render_frames(doc, "fades")
        self.assertEqual(len(frames), 25)
        red, blue = ru.yuv("#ff0000"), ru.yuv("#0000ff")
        for k in range(25):
            t = Fraction(k, 10)
            if t < Fraction(1, 2):
                opacity = 0
            else:
                opacity = min(1, t - Fraction(1, 2), Fraction(5, 2) - t)
            self.check_region(frames, k, 10, 10, 54, 38, ru.mix(blue, red, float(opacity)),
                              f"fade: opacity {opacity}", step=11)

    def test_fade_multiplies_opacity(self):
        # White at opacity 0.5 with a 1 s fade-in over black, 10 fps: frame k shows
        # 0.5 * k/10 of white; a 0.5 s fade-out on an item ending at 2 s: frame 17 -> 0.3/0.5.
        doc = {"reel": 1, "output": output(64, 48, background="#000000"), "media": {}, "tracks": [
            {"items": [colour_item("#ffffff", 0, 2, opacity=0.5, fade_in=1,
                                   transform={"x": 0, "y": 0, "width": 32, "height": 48})]},
            {"items": [colour_item("#ffffff", 0, 2, fade_out=0.5,
                                   transform={"x": 32, "y": 0, "width": 32, "height": 48})]},
        ]}
        frames = self.render_frames(doc, "fade-opacity")
        black, white = ru.yuv("#000000"), ru.yuv("#ffffff")
        for k in (0, 2, 5, 8, 10, 15, 19):
            self.check_region(frames, k, 4, 4, 28, 44, ru.mix(black, white, 0.5 * min(1, k / 10)),
                              f"opacity 0.5 x fade-in {min(1, k / 10)}", step=8)
            self.check_region(frames, k, 36, 4, 60, 44, ru.mix(black, white, min(1, (20 - k) / 5)),
                              f"fade-out {min(1, (20 - k) / 5)}", step=8)

    def test_crossfade_between_two_solids(self):
        # A red 0..2 s, B blue from 1 s with a 1 s crossfade: at frame k in 10..19 the
        # dissolve weight of B is (k/10 - 1) / 1.
        doc = {"reel": 1, "output": output(64, 48, background="#00ff00"), "media": {}, "tracks": [{"items": [
            colour_item("#ff0000", 0, 2, id="a"),
            colour_item("#0000ff", 1, 2, id="b", transition_in={"kind": "crossfade", "duration": 1}),
        ]}]}
        frames = self.render_frames(doc, "crossfade")
        self.assertEqual(len(frames), 30)
        red, blue = ru.yuv("#ff0000"), ru.yuv("#0000ff")
        for k in [0, 9, 10, 12, 15, 18, 19, 20, 29]:
            w = min(1, max(0, (k - 10) / 10))
            # The background (green) must not show through mid-dissolve.
            self.check_region(frames, k, 6, 6, 58, 42, ru.mix(red, blue, w), f"crossfade weight {w}", step=13)


class Geometry(PixelTestCase):
    def test_rectangle_at_transform_position(self):
        # White 24x16 at (20, 10) and a red 9x7 at odd (45, 31) over blue, 64x48.
        doc = {"reel": 1, "output": output(64, 48, background="#0000ff"), "media": {}, "tracks": [
            {"items": [colour_item("#ffffff", 0, 0.1, transform={"x": 20, "y": 10, "width": 24, "height": 16})]},
            {"items": [colour_item("#ff0000", 0, 0.1, transform={"x": 45, "y": 31, "width": 9, "height": 7})]},
        ]}
        frames = self.render_frames(doc, "rect")
        white, blue, red = ru.yuv("#ffffff"), ru.yuv("#0000ff"), ru.yuv("#ff0000")
        # Inside, with chroma, away from the edges.
        self.check_region(frames, 0, 22, 12, 42, 24, white, "inside the white rectangle")
        self.check_region(frames, 0, 2, 30, 40, 46, blue, "background beside the rectangles", step=6)
        # All four edges, luma only: first/last rows and columns inside, the next ones outside.
        for x in range(20, 44):
            self.check(frames, 0, x, 10, white, "top edge row y=10", luma_only=True)
            self.check(frames, 0, x, 25, white, "bottom edge row y=25", luma_only=True)
            self.check(frames, 0, x, 9, blue, "just above, y=9", luma_only=True)
            self.check(frames, 0, x, 26, blue, "just below, y=26", luma_only=True)
        for y in range(10, 26):
            self.check(frames, 0, 20, y, white, "left edge column x=20", luma_only=True)
            self.check(frames, 0, 43, y, white, "right edge column x=43", luma_only=True)
            self.check(frames, 0, 19, y, blue, "just left, x=19", luma_only=True)
            self.check(frames, 0, 44, y, blue, "just right, x=44", luma_only=True)
        # The odd-positioned one: columns 45..53, rows 31..37.
        for x in range(45, 54):
            self.check(frames, 0, x, 31, red, "odd rect top row y=31", luma_only=True)
            self.check(frames, 0, x, 37, red, "odd rect bottom row y=37", luma_only=True)
            self.check(frames, 0, x, 30, blue, "odd rect just above y=30", luma_only=True)
            self.check(frames, 0, x, 38, blue, "odd rect just below y=38", luma_only=True)
        for y in range(31, 38):
            self.check(frames, 0, 45, y, red, "odd rect left column x=45", luma_only=True)
            self.check(frames, 0, 53, y, red, "odd rect right column x=53", luma_only=True)
            self.check(frames, 0, 44, y, blue, "odd rect just left x=44", luma_only=True)
            self.check(frames, 0, 54, y, blue, "odd rect just right x=54", luma_only=True)
        self.check(frames, 0, 48, 34, red, "odd rect centre (chroma)")

    def test_parts_outside_the_composition_are_clipped(self):
        doc = {"reel": 1, "output": output(64, 48, background="#000000"), "media": {}, "tracks": [
            {"items": [colour_item("#ffffff", 0, 0.1, transform={"x": -10, "y": -6, "width": 20, "height": 16})]},
            {"items": [colour_item("#ff0000", 0, 0.1, transform={"x": 54, "y": 40, "width": 30, "height": 30})]},
        ]}
        frames = self.render_frames(doc, "clipped")
        self.check_region(frames, 0, 0, 0, 10, 10, ru.yuv("#ffffff"), "top-left part of a box at (-10, -6)",
                          luma_only=True, step=1)
        self.check(frames, 0, 10, 5, ru.yuv("#000000"), "right of it", luma_only=True)
        self.check(frames, 0, 5, 10, ru.yuv("#000000"), "below it", luma_only=True)
        self.check_region(frames, 0, 54, 40, 64, 48, ru.yuv("#ff0000"), "box running off bottom-right",
                          luma_only=True, step=1)
        self.check(frames, 0, 53, 44, ru.yuv("#000000"), "left of it", luma_only=True)

    def stripes_png(self):
        """32x16: four vertical 8-pixel stripes red, green, blue, white (aspect 2:1)."""
        stripes = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)]
        path = self.dir / "stripes.png"
        ru.write_png(path, [[stripes[x // 8] for x in range(32)] for _ in range(16)])
        return path

    def test_fit_modes(self):
        png = self.stripes_png()
        box = {"x": 16, "y": 16, "width": 96, "height": 64}
        fits = ["contain", "cover", "stretch", "none"]
        doc = {"reel": 1, "output": output(128, 96, background=GREY), "media": {"s": {"path": str(png)}},
               "tracks": [{"items": [{"type": "image", "media": "s", "start": i / 10, "duration": 0.1,
                                      "transform": dict(box, fit=f)} for i, f in enumerate(fits)]}]}
        frames = self.render_frames(doc, "fit")
        self.assertEqual(len(frames), 4)
        R, G, B, W, bg = (ru.yuv(c) for c in ("#ff0000", "#00ff00", "#0000ff", "#ffffff", GREY))

        def stripes(k, what, xs, rows):
            """Stripe i covers columns xs[i]..xs[i+1]-1 and rows rows[0]..rows[1]-1; sample the
            middle of each stripe (4 px in from its sides) on a few rows."""
            y0, y1 = rows
            for i, colour in enumerate((R, G, B, W)):
                for y in (y0 + 4, (y0 + y1) // 2, y1 - 5):
                    for x in range(xs[i] + 4, xs[i + 1] - 4, 2):
                        self.check(frames, k, x, y, colour, f"{what}: stripe {i}")

        def rows_luma(k, what, y, x0, x1, expected):
            for x in range(x0, x1):
                self.check(frames, k, x, y, expected, f"{what} (row {y})", luma_only=True)

        # contain: scale min(96/32, 64/16) = 3 -> 96x48 at (16, 24): bars rows 16..23 and 72..79.
        stripes(0, "contain", [16, 40, 64, 88, 112], (24, 72))
        for y in (17, 22, 73, 78):
            rows_luma(0, "contain letterbox bar", y, 18, 110, bg)
        for y in (24, 71):
            rows_luma(0, "contain first/last picture row", y, 20, 36, R)
        self.check_region(frames, 0, 2, 2, 14, 94, bg, "contain: outside the box")
        # cover: scale max(3, 4) = 4 -> 128x64 at (0, 16), overflow cropped to the box:
        # red 16..31, green 32..63, blue 64..95, white 96..111 across rows 16..79.
        stripes(1, "cover", [16 - 4, 32, 64, 96, 112 + 4], (16, 80))
        self.check_region(frames, 1, 0, 16, 14, 80, bg, "cover: overflow left of the box is cropped")
        self.check_region(frames, 1, 114, 16, 128, 80, bg, "cover: overflow right of the box is cropped")
        for x in (15, 112):
            for y in range(20, 76, 3):
                self.check(frames, 1, x, y, bg, "cover: column just outside the box", luma_only=True)
        self.check_region(frames, 1, 16, 2, 112, 14, bg, "cover: above the box")
        # stretch: 3x horizontally, 4x vertically -> 96x64 at (16, 16).
        stripes(2, "stretch", [16, 40, 64, 88, 112], (16, 80))
        self.check_region(frames, 2, 16, 82, 112, 96, bg, "stretch: below the box")
        # none: 1:1, centred in the box: 32x16 at (48, 40).
        stripes_none = [48, 56, 64, 72, 80]
        for i, colour in enumerate((R, G, B, W)):
            for y in range(40, 56):
                for x in range(stripes_none[i], stripes_none[i + 1]):
                    # Exact 1:1 pixels: luma everywhere, chroma away from stripe sides.
                    luma_only = x in (stripes_none[i], stripes_none[i + 1] - 1)
                    self.check(frames, 3, x, y, colour, f"none: stripe {i}", luma_only=luma_only)
        for y in (38, 39, 56, 57):
            rows_luma(3, "none: outside the picture", y, 48, 80, bg)
        for x in (46, 47, 80, 81):
            for y in range(40, 56):
                self.check(frames, 3, x, y, bg, "none: outside the picture", luma_only=True)

    def grid_png(self):
        """64x64: a 4x4 grid of 16x16 cells, each a distinct colour; returns (path, colour(cx, cy))."""
        def colour(cx, cy):
            return (40 + 60 * cx, 40 + 60 * cy, 220 - 50 * ((cx + cy) % 4))
        path = self.dir / "grid.png"
        ru.write_png(path, [[colour(x // 16, y // 16) for x in range(64)] for y in range(64)])
        return path, colour

    def test_crop_then_fit(self):
        png, colour = self.grid_png()
        # Crop 16 from each side: the middle 2x2 cells (32x32), stretched to 64x64; then crop
        # the left 32 and top 16 only: 32x48 (cells x 2..3, y 1..3), stretched to a 32x48 box.
        doc = {"reel": 1, "output": output(64, 64, background="#000000"), "media": {"g": {"path": str(png)}},
               "tracks": [{"items": [
                   {"type": "image", "media": "g", "start": 0, "duration": 0.1,
                    "crop": {"left": 16, "top": 16, "right": 16, "bottom": 16},
                    "transform": {"fit": "stretch"}},
                   {"type": "image", "media": "g", "start": 0.1, "duration": 0.1,
                    "crop": {"left": 32, "top": 16, "right": 0, "bottom": 0},
                    "transform": {"fit": "stretch", "width": 32, "height": 48}},
               ]}]}
        frames = self.render_frames(doc, "crop")
        for (cx, cy), (x0, y0) in {(1, 1): (0, 0), (2, 1): (32, 0), (1, 2): (0, 32), (2, 2): (32, 32)}.items():
            self.check_region(frames, 0, x0 + 8, y0 + 8, x0 + 24, y0 + 24, ru.yuv(colour(cx, cy)),
                              f"crop 16 each side, cell ({cx},{cy})", step=4)
        for cx in (2, 3):
            for cy in (1, 2, 3):
                x0, y0 = (cx - 2) * 16, (cy - 1) * 16
                self.check_region(frames, 1, x0 + 4, y0 + 4, x0 + 12, y0 + 12, ru.yuv(colour(cx, cy)),
                                  f"crop left 32 top 16, cell ({cx},{cy})", step=2)
        self.check_region(frames, 1, 34, 2, 62, 62, ru.yuv("#000000"), "right of the 32x48 box", step=6)

    def test_crop_edges_do_not_show_cropped_pixels(self):
        # Crop is applied before fitting: a white 16x16 centre cropped out of a black frame
        # and scaled up 4x is white to its very edges; no cropped-away black may bleed in.
        png = self.dir / "framed.png"
        ru.write_png(png, [[(255, 255, 255) if 8 <= x < 24 and 8 <= y < 24 else (0, 0, 0) for x in range(32)]
                           for y in range(32)])
        doc = {"reel": 1, "output": output(64, 64, background="#0000ff"), "media": {"g": {"path": str(png)}},
               "tracks": [{"items": [{"type": "image", "media": "g", "start": 0, "duration": 0.1,
                                      "crop": {"left": 8, "top": 8, "right": 8, "bottom": 8},
                                      "transform": {"fit": "stretch"}}]}]}
        frames = self.render_frames(doc, "crop-edges")
        white = ru.yuv("#ffffff")
        for i in range(64):
            for x, y in [(i, 0), (i, 1), (i, 63), (0, i), (1, i), (63, i), (i, 32)]:
                self.check(frames, 0, x, y, white, "edge of a cropped all-white picture", luma_only=True)

    def test_crop_odd_pixels_on_video_1to1(self):
        # A lossless video whose column x has luma 20 + 3x, with a white band in rows 0..2.
        # Crop left 5, top 3, right 1, bottom 1 leaves 58x44, shown 1:1 (fit none) centred
        # in 64x48 at (3, 2): output column 3 + j must be source column 5 + j, no white band.
        frame = ru.yuv_frame(64, 48, lambda x, y: (235, 128, 128) if y < 3 else (20 + 3 * x, 128, 128))
        src = self.dir / "columns.mp4"
        ru.write_yuv_video(src, [frame] * 3, 64, 48, 10)
        doc = {"reel": 1, "output": output(64, 48, background="#000000"), "media": {"v": {"path": str(src)}},
               "tracks": [{"items": [{"type": "clip", "media": "v", "start": 0, "in": 0, "out": 0.2,
                                      "crop": {"left": 5, "top": 3, "right": 1, "bottom": 1},
                                      "transform": {"fit": "none"}}]}]}
        frames = self.render_frames(doc, "crop-odd")
        for k in (0, 1):
            for y in (2, 3, 10, 24, 45):
                for j in range(58):
                    self.check(frames, k, 3 + j, y, (20 + 3 * (5 + j),), f"crop 5/3/1/1 1:1: column {j} of the crop",
                               luma_only=True, tol=2)
            for x in range(0, 64, 5):
                for y in (0, 1, 46, 47):
                    self.check(frames, k, x, y, ru.yuv("#000000"), "outside the 58x44 crop", luma_only=True)

    def test_crop_edges_on_video_do_not_show_cropped_pixels(self):
        # As for the still image: the white 17x16 middle (x 7..23, y 8..23) of a black-framed
        # video, cropped to white only (frame 0: even crop 8/8/8/8 -> 16x16; frame 1: odd
        # left 7 -> 17x16) and scaled up to 64x64: white to the edges.
        frame = ru.yuv_frame(32, 32, lambda x, y: (235, 128, 128) if 7 <= x < 24 and 8 <= y < 24 else (16, 128, 128))
        src = self.dir / "framed.mp4"
        ru.write_yuv_video(src, [frame] * 3, 32, 32, 10)
        doc = {"reel": 1, "output": output(64, 64, background="#0000ff"), "media": {"v": {"path": str(src)}},
               "tracks": [{"items": [
                   {"type": "clip", "media": "v", "start": 0, "in": 0, "out": 0.1,
                    "crop": {"left": 8, "top": 8, "right": 8, "bottom": 8}, "transform": {"fit": "stretch"}},
                   {"type": "clip", "media": "v", "start": 0.1, "in": 0, "out": 0.1,
                    "crop": {"left": 7, "top": 8, "right": 8, "bottom": 8}, "transform": {"fit": "stretch"}},
               ]}]}
        frames = self.render_frames(doc, "crop-edges-video")
        white = ru.yuv("#ffffff")
        for k, what in ((0, "even crop 8/8/8/8"), (1, "odd crop 7/8/8/8")):
            for i in range(64):
                for x, y in [(i, 0), (i, 1), (i, 63), (0, i), (1, i), (63, i), (i, 32)]:
                    self.check(frames, k, x, y, white, f"edge of a cropped all-white video picture, {what}",
                               luma_only=True)

    def two_colour_png(self):
        """32x16: left half red, right half blue."""
        path = self.dir / "two.png"
        ru.write_png(path, [[(255, 0, 0) if x < 16 else (0, 0, 255) for x in range(32)] for _ in range(16)])
        return path

    def test_rotation(self):
        png = self.two_colour_png()
        box = {"x": 16, "y": 24, "width": 32, "height": 16}
        doc = {"reel": 1, "output": output(64, 64, background=GREY), "media": {"t": {"path": str(png)}},
               "tracks": [{"items": [
                   {"type": "image", "media": "t", "start": 0.0, "duration": 0.1,
                    "transform": dict(box, rotation=90)},
                   {"type": "image", "media": "t", "start": 0.1, "duration": 0.1,
                    "transform": dict(box, rotation=90, anchor=[0, 0])},
                   {"type": "image", "media": "t", "start": 0.2, "duration": 0.1,
                    "transform": dict(box, rotation=180)},
                   {"type": "color", "color": "#ffffff", "start": 0.3, "duration": 0.1,
                    "transform": {"x": 22, "y": 22, "width": 20, "height": 20, "rotation": 45}},
               ]}]}
        frames = self.render_frames(doc, "rotation")
        R, B, bg, W = ru.yuv("#ff0000"), ru.yuv("#0000ff"), ru.yuv(GREY), ru.yuv("#ffffff")
        # 90 degrees clockwise about the box centre (32, 32): the picture stands in
        # x 24..39, y 16..47; its left (red) half goes to the top.
        self.check_region(frames, 0, 26, 18, 38, 30, R, "rot 90: red on top")
        self.check_region(frames, 0, 26, 34, 38, 46, B, "rot 90: blue below")
        for y in range(17, 47, 3):
            self.check(frames, 0, 24, y, R if y < 32 else B, "rot 90: first column x=24", luma_only=True)
            self.check(frames, 0, 39, y, R if y < 32 else B, "rot 90: last column x=39", luma_only=True)
            self.check(frames, 0, 23, y, bg, "rot 90: column left of it x=23", luma_only=True)
            self.check(frames, 0, 40, y, bg, "rot 90: column right of it x=40", luma_only=True)
        for x in range(25, 39, 3):
            self.check(frames, 0, x, 15, bg, "rot 90: row above y=15", luma_only=True)
            self.check(frames, 0, x, 48, bg, "rot 90: row below y=48", luma_only=True)
        self.check_region(frames, 0, 2, 26, 20, 38, bg, "rot 90: where the unrotated box's left end was")
        self.check_region(frames, 0, 44, 26, 62, 38, bg, "rot 90: where the unrotated box's right end was")
        # Anchor [0, 0]: about the box's top-left (16, 24): (16 + u, 24 + v) -> (16 - v, 24 + u):
        # x 0..15, y 24..55, red y 24..39, blue y 40..55.
        self.check_region(frames, 1, 2, 26, 14, 38, R, "rot 90 anchor [0,0]: red")
        self.check_region(frames, 1, 2, 42, 14, 54, B, "rot 90 anchor [0,0]: blue")
        self.check_region(frames, 1, 18, 26, 46, 38, bg, "rot 90 anchor [0,0]: the box itself is empty")
        # 180 about the centre: same place, halves swapped.
        self.check_region(frames, 2, 18, 26, 30, 38, B, "rot 180: blue on the left")
        self.check_region(frames, 2, 34, 26, 46, 38, R, "rot 180: red on the right")
        # 45 degrees: a 20x20 square about (32, 32) becomes a diamond reaching 14.1 px up/down/
        # left/right from the centre, 10 px along the diagonals.
        self.check_region(frames, 3, 28, 28, 36, 36, W, "rot 45: centre")
        for x, y in [(32, 20), (32, 43), (20, 32), (43, 32)]:
            self.check(frames, 3, x, y, W, "rot 45: diamond tip (outside the unrotated square)", luma_only=True)
        for x, y in [(23, 23), (40, 23), (23, 40), (40, 40)]:
            self.check(frames, 3, x, y, bg, "rot 45: corner of the unrotated square", luma_only=True)


class Images(PixelTestCase):
    def test_png_rgb_and_alpha(self):
        # An RGBA PNG: left half opaque orange, right half blue at alpha 0x80, a fully
        # transparent bottom strip; over a green colour, 1:1 (fit none, box = picture).
        def px(x, y):
            if y >= 24:
                return (255, 255, 255, 0)
            return (255, 128, 0, 255) if x < 16 else (0, 0, 255, 0x80)
        png = self.dir / "alpha.png"
        ru.write_png(png, [[px(x, y) for x in range(32)] for y in range(32)], alpha=True)
        doc = {"reel": 1, "output": output(64, 48), "media": {"p": {"path": str(png)}}, "tracks": [
            {"items": [colour_item("#00ff00", 0, 0.1)]},
            {"items": [{"type": "image", "media": "p", "start": 0, "duration": 0.1,
                        "transform": {"x": 16, "y": 8, "width": 32, "height": 32, "fit": "none"}}]},
        ]}
        frames = self.render_frames(doc, "png")
        green = ru.yuv("#00ff00")
        self.check_region(frames, 0, 18, 10, 30, 30, ru.yuv("#ff8000"), "opaque orange PNG pixels")
        self.check_region(frames, 0, 34, 10, 46, 30, ru.mix(green, ru.yuv("#0000ff"), 0x80 / 255),
                          "blue PNG pixels at alpha 0x80 over green")
        self.check_region(frames, 0, 18, 34, 46, 40, green, "transparent PNG pixels")
        self.check_region(frames, 0, 2, 2, 14, 46, green, "outside the PNG")

    def test_jpeg(self):
        png = self.dir / "flat.png"
        ru.write_png(png, [[(192, 64, 32) if x < 32 else (32, 160, 224) for x in range(64)] for _ in range(48)])
        jpg = self.dir / "flat.jpg"
        ru.ff("-i", png, "-q:v", "1", "-frames:v", "1", "-f", "image2", "-c:v", "mjpeg", jpg)
        doc = {"reel": 1, "output": output(64, 48), "media": {"j": {"path": str(jpg)}},
               "tracks": [{"items": [{"type": "image", "media": "j", "start": 0, "duration": 0.2}]}]}
        frames = self.render_frames(doc, "jpeg")
        self.assertEqual(len(frames), 2)
        # JPEG is lossy and full-range BT.601 inside: allow a little more.
        self.check_region(frames, 1, 4, 4, 28, 44, ru.yuv("#c04020"), "JPEG left half", tol=5)
        self.check_region(frames, 1, 36, 4, 60, 44, ru.yuv("#20a0e0"), "JPEG right half", tol=5)


class ColourAdjust(PixelTestCase):
    @staticmethod
    def adjusted(colour, brightness=0.0, contrast=1.0, saturation=1.0):
        """lib/image/image.h adjust_color on the 8-bit working values:
        Y' = 125.5 + (Y - 125.5) c + 219 b, clamped 16..235; C' = 128 + (C - 128) s, 16..240."""
        y, u, v = (round(c) for c in ru.yuv(colour))
        y2 = min(235, max(16, 125.5 + (y - 125.5) * contrast + brightness * 219))
        u2, v2 = (min(240, max(16, 128 + (c - 128) * saturation)) for c in (u, v))
        return (y2, u2, v2)

    def solid_png(self, colour):
        """A 64x48 PNG of one colour (a `color` item's "color" key is its colour, so the
        adjustment is tested on still images of solid colours)."""
        path = self.dir / f"solid-{colour.lstrip('#')}.png"
        if not path.exists():
            ru.write_png(path, [[ru.parse_hex(colour)[:3]] * 64 for _ in range(48)])
        return path

    def test_brightness_contrast_saturation(self):
        cases = [
            ("#808080", {"brightness": 0.1}),
            ("#808080", {"brightness": -0.25}),
            ("#404040", {"contrast": 1.5}),
            ("#c0c0c0", {"contrast": 0.5}),
            ("#808080", {"brightness": 0.2, "contrast": 2}),
            ("#c04020", {"saturation": 0.5}),
            ("#c04020", {"saturation": 0}),
            ("#c04020", {"saturation": 2}),
            ("#20a0e0", {"brightness": -0.1, "contrast": 1.2, "saturation": 1.5}),
            ("#ffffff", {"brightness": 0.5}),
            ("#000000", {"contrast": 3}),
        ]
        media = {c.lstrip("#"): {"path": str(self.solid_png(c))} for c, _ in cases}
        items = [{"type": "image", "media": c.lstrip("#"), "start": i / 10, "duration": 0.1, "color": adj}
                 for i, (c, adj) in enumerate(cases)]
        doc = {"reel": 1, "output": output(64, 48), "media": media, "tracks": [{"items": items}]}
        frames = self.render_frames(doc, "adjust")
        self.assertEqual(len(frames), len(cases))
        for k, (c, adj) in enumerate(cases):
            self.check_region(frames, k, 4, 4, 60, 44, self.adjusted(c, **adj), f"{c} with {adj}", step=10)

    def test_adjust_applies_before_opacity(self):
        doc = {"reel": 1, "output": output(64, 48, background="#000000"),
               "media": {"g": {"path": str(self.solid_png(GREY))}},
               "tracks": [{"items": [{"type": "image", "media": "g", "start": 0, "duration": 0.1, "opacity": 0.5,
                                      "color": {"brightness": 0.2}}]}]}
        frames = self.render_frames(doc, "adjust-opacity")
        expected = ru.mix(ru.yuv("#000000"), self.adjusted(GREY, brightness=0.2), 0.5)
        self.check_region(frames, 0, 4, 4, 60, 44, expected, "brightness 0.2 then opacity 0.5 over black", step=10)

    def test_adjust_on_a_nested_comp(self):
        comps = {"c": {"width": 64, "height": 48, "duration": 0.1,
                       "tracks": [{"items": [colour_item("#c04020", 0, 0.1)]}]}}
        doc = {"reel": 1, "output": output(64, 48), "media": {}, "compositions": comps,
               "tracks": [{"items": [{"type": "comp", "comp": "c", "start": 0,
                                      "color": {"brightness": 0.05, "saturation": 1.5}}]}]}
        frames = self.render_frames(doc, "adjust-comp")
        self.check_region(frames, 0, 4, 4, 60, 44, self.adjusted("#c04020", brightness=0.05, saturation=1.5),
                          "comp of #c04020 with brightness 0.05, saturation 1.5", step=10)


class Nesting(PixelTestCase):
    def test_nested_comp_with_transparent_background(self):
        comps = {"inner": {"width": 32, "height": 32, "duration": 0.2, "tracks": [
            {"items": [colour_item("#00ff00", 0, 0.2, transform={"x": 8, "y": 8, "width": 16, "height": 16})]},
            {"items": [colour_item("#ff000080", 0, 0.2, transform={"x": 0, "y": 24, "width": 32, "height": 8})]},
        ]}, "solid": {"width": 16, "height": 16, "background": "#ffffff", "tracks": [
            {"items": [colour_item("#ff00ff", 0, 0.2, transform={"x": 0, "y": 0, "width": 8, "height": 16})]}]}}
        doc = {"reel": 1, "output": output(64, 64, background="#000000"), "media": {}, "compositions": comps,
               "tracks": [
                   {"items": [colour_item("#0000ff", 0, 0.2)]},
                   {"items": [{"type": "comp", "comp": "inner", "start": 0,
                               "transform": {"x": 16, "y": 16, "width": 32, "height": 32}}]},
                   {"items": [{"type": "comp", "comp": "solid", "start": 0, "opacity": 0.5,
                               "transform": {"x": 48, "y": 0, "width": 16, "height": 16}}]},
               ]}
        frames = self.render_frames(doc, "nested")
        self.assertEqual(len(frames), 2)
        blue, green = ru.yuv("#0000ff"), ru.yuv("#00ff00")
        for k in (0, 1):
            self.check_region(frames, k, 16, 16, 46, 22, blue, "transparent comp background shows blue below")
            self.check_region(frames, k, 18, 24, 22, 38, blue, "transparent comp background (left of green)")
            self.check_region(frames, k, 26, 26, 38, 38, green, "green inside the comp")
            self.check_region(frames, k, 18, 42, 46, 46, ru.mix(blue, ru.yuv("#ff0000"), 0x80 / 255),
                              "#ff000080 in a transparent comp over blue")
            self.check_region(frames, k, 2, 50, 62, 62, blue, "outside the comp")
            # An opaque comp (white background, magenta left half) at opacity 0.5.
            self.check_region(frames, k, 50, 2, 54, 14, ru.mix(blue, ru.yuv("#ff00ff"), 0.5),
                              "opaque comp 50%: magenta")
            self.check_region(frames, k, 58, 2, 62, 14, ru.mix(blue, ru.yuv("#ffffff"), 0.5),
                              "opaque comp 50%: white bg")


class Timing(PixelTestCase):
    SRC_FPS = 20
    LEVELS = [16 + 3 * n for n in range(60)]  # 3 s at 20 fps, frame n has luma 16 + 3n

    def levels_video(self):
        path = self.dir / "levels.mp4"
        ru.write_gray_levels_video(path, self.LEVELS, 64, 48, self.SRC_FPS)
        return path

    def source_frames(self, frames, what):
        """The source frame each output frame shows, read from its flat luma."""
        shown = []
        for k, f in enumerate(frames):
            values = {f.y(x, y) for x, y in [(4, 4), (32, 24), (60, 44)]}
            self.assertEqual(len(values), 1, f"{what}: frame {k} is not flat: {values}")
            level = values.pop()
            n = round((level - 16) / 3)
            self.assertLessEqual(abs(level - (16 + 3 * n)), 1, f"{what}: frame {k}: luma {level} is no source level")
            shown.append(n)
        return shown

    def test_clip_in_out_and_speed(self):
        src = self.levels_video()
        doc = {"reel": 1, "output": output(64, 48, fps=10), "media": {"v": {"path": str(src)}}, "tracks": [{"items": [
            {"id": "cut", "type": "clip", "media": "v", "start": 0, "in": 0.5, "out": 1.5},
            {"id": "fast", "type": "clip", "media": "v", "start": 1, "in": 0.2, "out": 1.2, "speed": 2},
            {"id": "slow", "type": "clip", "media": "v", "start": 1.5, "in": 1.0, "out": 1.5, "speed": 0.5},
        ]}]}
        frames = self.render_frames(doc, "speed")
        # Source time = in + (T - start) * speed; nearest source frame at 20 fps.
        expected = [round((0.5 + k / 10) * 20) for k in range(10)]  # 10, 12, .., 28
        expected += [round((0.2 + (k / 10) * 2) * 20) for k in range(5)]  # 4, 8, .., 20
        expected += [round((1.0 + (k / 10) * 0.5) * 20) for k in range(10)]  # 20, 21, .., 29
        self.assertEqual(len(frames), 25, "1 s cut + 1 s at speed 2 (0.5 s) + 0.5 s at speed 0.5 (1 s)")
        self.assertEqual(self.source_frames(frames, "speed"), expected,
                         "source frame shown per output frame (cut in 0.5, speed 2 from 0.2, speed 0.5 from 1.0)")

    def test_nearest_source_frame_ties_to_earlier(self):
        # At 8 fps output, output frame k is at source time k/8 = 2.5k source frames: odd k
        # fall exactly between two source frames and must show the earlier one.
        src = self.levels_video()
        doc = {"reel": 1, "output": output(64, 48, fps=8), "media": {"v": {"path": str(src)}},
               "tracks": [{"items": [{"type": "clip", "media": "v", "start": 0, "in": 0, "out": 2}]}]}
        frames = self.render_frames(doc, "ties")
        expected = [(5 * k) // 2 for k in range(16)]  # 0, 2, 5, 7, 10, 12, ...
        self.assertEqual(len(frames), 16)
        self.assertEqual(self.source_frames(frames, "ties"), expected)

    def test_range_renders_the_right_frames(self):
        src = self.levels_video()
        doc = {"reel": 1, "output": output(64, 48, fps=10), "media": {"v": {"path": str(src)}},
               "tracks": [{"items": [{"type": "clip", "media": "v", "start": 0}]}]}
        frames = self.render_frames(doc, "range", "--range", "0.5-1.5")
        facts = ru.stream_facts(self.last_output)
        self.assertEqual(facts["frames"], 10)
        self.assertAlmostEqual(facts["duration"], 1.0, places=3)
        self.assertEqual(self.source_frames(frames, "range 0.5-1.5"), [10 + 2 * k for k in range(10)])

    def test_frame_counts_and_durations(self):
        cases = [
            # (fps, item duration, expected frames, expected rate, expected seconds)
            (10, 2.5, 25, Fraction(10), 2.5),
            (24, 1.5, 36, Fraction(24), 1.5),
            ("30000/1001", 1, 30, Fraction(30000, 1001), 30 * 1001 / 30000),
            (29.97, 2, 60, Fraction(30000, 1001), 60 * 1001 / 30000),
            (23.976, "1001/1000", 24, Fraction(24000, 1001), 24 * 1001 / 24000),
            (10, 0.25, 2, Fraction(10), 0.2),  # round(2.5) -> 2: halves round down
            (10, 0.35, 3, Fraction(10), 0.3),  # round(3.5) -> 3
            (10, 0.26, 3, Fraction(10), 0.3),
        ]
        for i, (fps, dur, n, rate, seconds) in enumerate(cases):
            with self.subTest(fps=fps, duration=dur):
                doc = {"reel": 1, "output": output(64, 48, fps=fps), "media": {},
                       "tracks": [{"items": [colour_item("#ff0000", 0, dur)]}]}
                project = self.write_project(doc, f"count{i}.json")
                out = self.dir / f"count{i}.mp4"
                result = ru.render(project, out)
                self.assertEqual(result.code, 0, result)
                facts = ru.stream_facts(out)
                self.assertEqual(facts["streams"].count("video"), 1)
                self.assertEqual((facts["codec"], facts["pix_fmt"], facts["width"], facts["height"]),
                                 ("h264", "yuv420p", 64, 48))
                self.assertEqual(facts["frames"], n, "frames decoded")
                self.assertEqual(facts["nb_frames"], n, "frames in the container")
                self.assertEqual(facts["rate"], rate)
                self.assertAlmostEqual(facts["duration"], seconds, delta=0.0015)
                self.assertAlmostEqual(facts["format_duration"], seconds, delta=0.0015)

    def test_ntsc_range(self):
        doc = {"reel": 1, "output": output(64, 48, fps="30000/1001"), "media": {},
               "tracks": [{"items": [colour_item("#ff0000", 0, 3)]}]}
        project = self.write_project(doc)
        out = self.dir / "ntsc-range.mp4"
        result = ru.render(project, out, "--range", "1-2")
        self.assertEqual(result.code, 0, result)
        facts = ru.stream_facts(out)
        # Frames round(1 * 29.97) = 30 up to round(2 * 29.97) = 60: 30 frames.
        self.assertEqual(facts["frames"], 30)
        self.assertEqual(facts["rate"], Fraction(30000, 1001))
        self.assertAlmostEqual(facts["duration"], 30 * 1001 / 30000, delta=0.0015)


class RotationMetadata(PixelTestCase):
    def test_display_matrix_is_applied(self):
        # A 64x32 source: right half blue, left half red with a green top-left quadrant;
        # then a display matrix asking for a quarter turn.
        R, G, B = ru.yuv("#ff0000"), ru.yuv("#00ff00"), ru.yuv("#0000ff")
        frame = ru.yuv_frame(64, 32, lambda x, y: B if x >= 32 else (G if y < 16 else R))
        raw = self.dir / "raw.mp4"
        ru.write_yuv_video(raw, [frame] * 10, 64, 32, 10)
        rotated = self.dir / "rotated.mp4"
        ru.ff("-i", raw, "-c", "copy", "-metadata:s:v:0", "rotate=90", "-f", "mp4", rotated)
        side = ru.ffprobe(rotated, "-show_streams")["streams"][0].get("side_data_list", [])
        rotation = [int(float(s["rotation"])) for s in side if "rotation" in s]
        self.assertIn(rotation, ([90], [-90]), "precondition: the file carries a display matrix")
        # ffprobe reports the matrix's rotation counter-clockwise (FFmpeg's convention): the
        # picture turned by it is upright. Source (x, y) in 64x32 lands at:
        ccw = rotation[0] == 90
        upright = (lambda x, y: (y, 63 - x)) if ccw else (lambda x, y: (31 - y, x))

        def expected_at(ux, uy):
            for x in range(64):
                for y in range(32):
                    if upright(x, y) == (ux, uy):
                        return B if x >= 32 else (G if y < 16 else R)

        # Cross-check the expectation with ffmpeg's own autorotation.
        raw_up = subprocess.run(["ffmpeg", "-v", "error", "-i", str(rotated), "-frames:v", "1", "-f", "rawvideo",
                                 "-pix_fmt", "yuv420p", "-"], capture_output=True, check=True).stdout
        ff_up = ru.Frame(raw_up, 32, 64)
        samples = [(x, y) for x in (4, 10, 20, 27) for y in (4, 12, 20, 28, 36, 44, 52, 60)]
        for x, y in samples:
            exp = expected_at(x, y)
            self.assertTrue(all(abs(a - b) <= 3 for a, b in zip(ff_up.yuv(x, y), exp)),
                            f"precondition: ffmpeg's autorotated ({x},{y}) {ff_up.yuv(x, y)} vs {exp}")
        doc = {"reel": 1, "output": output(64, 64, background=GREY), "media": {"r": {"path": str(rotated)}},
               "tracks": [{"items": [
                   {"type": "clip", "media": "r", "start": 0, "in": 0, "out": 0.2,
                    "transform": {"x": 16, "y": 0, "width": 32, "height": 64, "fit": "none"}},
                   {"type": "clip", "media": "r", "start": 0.2, "in": 0.2, "out": 0.4},  # contain in 64x64
               ]}]}
        frames = self.render_frames(doc, "rotmeta")
        self.assertEqual(len(frames), 4)
        for k in (0, 1, 2, 3):
            # Upright 32x64 either way: 1:1 at x 16..47 (fit none), or contain 64/64 = 1:1 too.
            for x, y in samples:
                self.check(frames, k, 16 + x, y, expected_at(x, y), "upright picture of a rotated source")
            self.check_region(frames, k, 2, 2, 14, 62, ru.yuv(GREY), "left of the upright picture")
            self.check_region(frames, k, 50, 2, 62, 62, ru.yuv(GREY), "right of the upright picture")


if __name__ == "__main__":
    unittest.main(verbosity=2)
