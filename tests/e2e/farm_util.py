# SPDX-License-Identifier: Apache-2.0
"""Shared by the render-farm tests (farm_emit, farm_slurm): a small timeline with sound,
and the oracles a farm render is held to: the ffmpeg CLI's per-frame MD5s of the
pictures and the MD5 of the decoded sound, against a local `reel render`."""

import json
import subprocess
from pathlib import Path

from reel_e2e import run_reel

FPS = 25
SEG = "1"  # --segment-seconds of every command


def farm_doc(seconds=6, preset="ultrafast"):
    """`seconds` of clip_a (picture and its 440 Hz tone) at 320x180, a half-transparent
    title card from 1 s to 2.5 s and a solid one over the last second: with
    --segment-seconds 1, segments of uneven content."""
    return {"reel": 1,
            "output": {"width": 320, "height": 180, "fps": FPS, "video": {"preset": preset}},
            "media": {"a": {"path": "media/clip_a.mp4"}},
            "tracks": [{"items": [{"type": "clip", "media": "a", "start": 0, "in": 0, "out": seconds, "id": "base"}]},
                       {"items": [{"type": "color", "color": "#2040c0", "start": 1, "duration": 1.5,
                                   "opacity": 0.5, "id": "title"},
                                  {"type": "color", "color": "#000000", "start": seconds - 1, "duration": 1,
                                   "id": "end"}]}]}


def decoded_md5s(path):
    """(per-frame MD5s of the pictures, MD5 of the whole decoded sound), by the ffmpeg CLI."""
    video = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v:0",
                            "-fps_mode", "passthrough", "-f", "framemd5", "-"],
                           capture_output=True, text=True, check=True, timeout=120).stdout
    frames = [line.rsplit(",", 1)[1].strip() for line in video.splitlines() if line and not line.startswith("#")]
    audio = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0", "-f", "md5", "-"],
                           capture_output=True, text=True, check=True, timeout=120).stdout.strip()
    return frames, audio


def local_render(case, project, out, cache):
    """The reference: `reel render` on this machine, its own cache."""
    r = run_reel("render", project, "-o", out, "--cache-dir", cache, "--segment-seconds", SEG, "-q")
    case.assertEqual(r.code, 0, r)
    return decoded_md5s(out)


def assert_same_render(case, got_path, reference, what):
    frames, audio = decoded_md5s(got_path)
    case.assertEqual(len(frames), len(reference[0]), f"{what}: frame count")
    bad = [i for i, (x, y) in enumerate(zip(frames, reference[0])) if x != y]
    case.assertEqual(bad, [], f"{what}: frames differing from the local render: {bad[:10]}")
    case.assertEqual(audio, reference[1], f"{what}: the sound differs from the local render's")


def read_json(path):
    return json.loads(Path(path).read_text())
