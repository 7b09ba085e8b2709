# SPDX-License-Identifier: Apache-2.0
"""Helpers for the rendering end-to-end tests: the expected colours computed from the format
contract (BT.709 limited-range Y'CbCr), reel's output decoded by ffmpeg to raw yuv420p and
read byte by byte, media written in the test (PNGs by hand, videos by the ffmpeg CLI), and
SSIM measured by ffmpeg's ssim filter. Python standard library plus ffmpeg/ffprobe only."""

import binascii
import re
import struct
import subprocess
import zlib
from fractions import Fraction
from pathlib import Path

from reel_e2e import ffprobe, run_reel

# -- Expected values ---------------------------------------------------------------------


def parse_hex(colour):
    """'#rrggbb' or '#rrggbbaa' -> (r, g, b, a), 0..255."""
    h = colour.lstrip("#")
    r, g, b = int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
    a = int(h[6:8], 16) if len(h) == 8 else 255
    return r, g, b, a


def yuv(colour):
    """The BT.709 limited-range Y'CbCr of an sRGB colour (unrounded floats):
    Y = 16 + 219 Y', Cb = 128 + 224 (B - Y') / 1.8556, Cr = 128 + 224 (R - Y') / 1.5748."""
    if isinstance(colour, str):
        r, g, b, _ = parse_hex(colour)
    else:
        r, g, b = colour[:3]
    r, g, b = r / 255.0, g / 255.0, b / 255.0
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return (16 + 219 * y, 128 + 224 * (b - y) / 1.8556, 128 + 224 * (r - y) / 1.5748)


def mix(a, b, w):
    """(1 - w) a + w b, per component: the straight blend of b over a at opacity w (the
    working space is Y'CbCr, linear in R'G'B', so this is also the blend of the colours)."""
    return tuple((1 - w) * x + w * y for x, y in zip(a, b))


# -- Decoding reel's output --------------------------------------------------------------


class Frame:
    """One decoded yuv420p picture; sample by luma coordinates."""

    def __init__(self, data, width, height):
        self.w, self.h = width, height
        cw, ch = (width + 1) // 2, (height + 1) // 2
        self.cw = cw
        self.Y = data[: width * height]
        self.U = data[width * height: width * height + cw * ch]
        self.V = data[width * height + cw * ch: width * height + 2 * cw * ch]

    def y(self, x, y):
        return self.Y[y * self.w + x]

    def u(self, x, y):
        return self.U[(y // 2) * self.cw + x // 2]

    def v(self, x, y):
        return self.V[(y // 2) * self.cw + x // 2]

    def yuv(self, x, y):
        return (self.y(x, y), self.u(x, y), self.v(x, y))


def decode(path):
    """Every frame of a video file's first video stream as raw yuv420p, with no frame-rate
    conversion (passthrough) and no autorotation. Returns (frames, width, height)."""
    s = ffprobe(path, "-select_streams", "v:0", "-show_streams")["streams"][0]
    w, h = s["width"], s["height"]
    args = ["ffmpeg", "-nostdin", "-v", "error", "-noautorotate", "-i", str(path), "-map", "0:v:0",
            "-fps_mode", "passthrough"]
    args += ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-"]
    out = subprocess.run(args, capture_output=True, check=True).stdout
    size = w * h + 2 * ((w + 1) // 2) * ((h + 1) // 2)
    if len(out) % size:
        raise AssertionError(f"{path}: {len(out)} bytes is not a whole number of {w}x{h} frames")
    return [Frame(out[i:i + size], w, h) for i in range(0, len(out), size)], w, h


def stream_facts(path):
    """Video stream facts from ffprobe: codec, size, pix_fmt, r_frame_rate (Fraction), frames
    counted by decoding, stream and container durations (float seconds)."""
    info = ffprobe(path, "-count_frames", "-show_streams", "-show_format")
    v = [s for s in info["streams"] if s["codec_type"] == "video"]
    assert len(v) == 1, info
    v = v[0]
    return {
        "streams": [s["codec_type"] for s in info["streams"]],
        "codec": v["codec_name"],
        "width": v["width"],
        "height": v["height"],
        "pix_fmt": v["pix_fmt"],
        "rate": Fraction(v["r_frame_rate"]),
        "avg_rate": Fraction(v["avg_frame_rate"]),
        "frames": int(v["nb_read_frames"]),
        "nb_frames": int(v["nb_frames"]) if v.get("nb_frames", "N/A") != "N/A" else None,
        "duration": float(v["duration"]),
        "format_duration": float(info["format"]["duration"]),
    }


# -- Media written by the tests ----------------------------------------------------------


def write_png(path, pixels, alpha=False):
    """Writes an 8-bit RGB (or RGBA) PNG from rows of (r, g, b[, a]) tuples, by hand."""
    height, width = len(pixels), len(pixels[0])
    raw = bytearray()
    for row in pixels:
        raw.append(0)  # filter: none
        for px in row:
            raw.extend(px[:4] if alpha else px[:3])

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", binascii.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0)
    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) +
                           chunk(b"IEND", b""))


def ff(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", *map(str, args)], check=True)


def yuv_frame(width, height, colour_at):
    """One raw yuv420p frame: colour_at(x, y) -> (Y, U, V) floats; luma per pixel, chroma
    from the top-left pixel of each 2x2 block (regions are meant to be flat and even-aligned)."""
    cw, ch = (width + 1) // 2, (height + 1) // 2
    q = lambda v: max(0, min(255, int(round(v))))
    ys = bytes(q(colour_at(x, y)[0]) for y in range(height) for x in range(width))
    us = bytes(q(colour_at(2 * x, 2 * y)[1]) for y in range(ch) for x in range(cw))
    vs = bytes(q(colour_at(2 * x, 2 * y)[2]) for y in range(ch) for x in range(cw))
    return ys + us + vs


def write_yuv_video(path, frames, width, height, fps, extra=()):
    """A lossless H.264 file (yuv420p, qp 0, no B-frames, tagged BT.709 limited range) of
    raw yuv420p frames piped to the ffmpeg CLI: the pixel values are exactly ours."""
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s",
                    f"{width}x{height}", "-r", str(fps), "-i", "-", "-c:v", "libx264", "-preset", "ultrafast",
                    "-qp", "0", "-bf", "0", "-pix_fmt", "yuv420p", "-color_range", "tv", "-colorspace", "bt709",
                    "-color_primaries", "bt709", "-color_trc", "bt709", *extra, "-f", "mp4", str(path)],
                   input=b"".join(frames), check=True)


def write_gray_levels_video(path, levels, width, height, fps):
    """Frame n is a flat grey of luma levels[n] (chroma 128), losslessly encoded."""
    cw, ch = (width + 1) // 2, (height + 1) // 2
    frames = [bytes([lv]) * (width * height) + b"\x80" * (2 * cw * ch) for lv in levels]
    write_yuv_video(path, frames, width, height, fps)


# -- Rendering and comparing -------------------------------------------------------------


def render(project, out, *args):
    """Runs `reel render`; returns the Result (callers assert on .code)."""
    return run_reel("render", project, "-o", out, "-y", "--progress", "none", *args)


def ssim(test_file, graph, inputs=(), stats=None):
    """SSIM between the video in test_file and the reference that the filter graph `graph`
    makes from `inputs` (the graph reads [1:v], [2:v], ... and must end in a pad labelled
    [ref]). The reference is rendered by the ffmpeg CLI in the same run and compared frame
    by frame with ffmpeg's ssim filter. Returns (mean "All:", frames compared, worst frame)."""
    args = ["ffmpeg", "-nostdin", "-hide_banner", "-i", str(test_file)]
    for i in inputs:
        args += ["-i", str(i)]
    stats_file = stats or (Path(test_file).with_suffix(".ssim.log"))
    full = f"{graph};[0:v]format=yuv420p,setpts=PTS-STARTPTS[test];[test][ref]ssim=stats_file={stats_file}"
    args += ["-filter_complex", full, "-f", "null", "-"]
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError(f"ffmpeg ssim failed: {proc.stderr[-3000:]}")
    m = re.search(r"SSIM .*All:([0-9.]+)", proc.stderr)
    if not m:
        raise AssertionError(f"no SSIM in ffmpeg output: {proc.stderr[-3000:]}")
    lines = [ln for ln in Path(stats_file).read_text().splitlines() if ln.strip()]
    worst = min(float(re.search(r"All:([0-9.]+)", ln).group(1)) for ln in lines)
    return float(m.group(1)), len(lines), worst
