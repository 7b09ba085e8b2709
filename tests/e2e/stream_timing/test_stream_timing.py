# SPDX-License-Identifier: Apache-2.0
"""`reel segment --stream`'s timing ("reel preview" issue): the fragmented MP4 starts at 0
and lasts exactly the timeline, and its first fragment is short. Written from the issue,
independently of the code.

Oracles: the stream's MP4 boxes, parsed here (ISO/IEC 14496-12: a sample is decoded at its
traf's tfdt plus the durations before it, and presented at that plus its trun composition
offset, signed in a version 1 trun), which is what Media Source Extensions read; ffprobe for
the frame count and the duration; the ffmpeg CLI's per-frame MD5s against `reel render`.

ffprobe is not asked where the picture starts: FFmpeg's mov demuxer presents a sample at
its decode time plus its offset plus the largest negative offset it has read
(`dts_shift`), so a stream whose B-frames decode before 0 reads as starting at 2/fps.

The timeline uses x264's veryfast (B-frames, so the picture is decoded ahead of what it
shows) and --segment-seconds 1: three segments of one GOP each."""

import math
import subprocess
import unittest

from reel_e2e import REEL, ProjectTestCase, ffprobe, run_reel

FPS = 30
SECONDS = 3
FRAMES = FPS * SECONDS
RATE = 48000
AAC_FRAME = 1024
FIRST_FRAGMENT_MAX = math.ceil(FPS / 4)  # the issue: the first picture after a quarter second of frames


def doc():
    return {"reel": 1,
            "output": {"width": 320, "height": 180, "fps": FPS, "video": {"preset": "veryfast"}},
            "media": {"a": {"path": "media/clip_a.mp4"}},
            "tracks": [{"items": [{"type": "clip", "media": "a", "start": 0, "in": 1, "out": 1 + SECONDS}]}]}


# -- MP4 boxes ---------------------------------------------------------------------------


def u32(b, at):
    return int.from_bytes(b[at:at + 4], "big")


def boxes(b, start=0, end=None):
    """(type, payload start, box end) of each box in b[start:end]."""
    end = len(b) if end is None else end
    out, pos = [], start
    while pos < end:
        size, kind, header = u32(b, pos), bytes(b[pos + 4:pos + 8]).decode("latin-1"), 8
        if size == 1:
            size, header = int.from_bytes(b[pos + 8:pos + 16], "big"), 16
        if size < header or pos + size > end:
            raise AssertionError(f"box {kind!r} at {pos}: size {size} does not fit")
        out.append((kind, pos + header, pos + size))
        pos += size
    return out


def child(b, parent, kind):
    found = [c for c in boxes(b, parent[1], parent[2]) if c[0] == kind]
    return found[0] if found else None


def tracks(b, moov):
    """track ID -> {handler, timescale, default_duration} from the moov."""
    out = {}
    for trak in (c for c in boxes(b, moov[1], moov[2]) if c[0] == "trak"):
        tkhd = child(b, trak, "tkhd")
        version = b[tkhd[1]]
        track_id = u32(b, tkhd[1] + (20 if version == 1 else 12))
        mdia = child(b, trak, "mdia")
        mdhd = child(b, mdia, "mdhd")
        timescale = u32(b, mdhd[1] + (20 if b[mdhd[1]] == 1 else 12))
        handler = bytes(b[child(b, mdia, "hdlr")[1] + 8:child(b, mdia, "hdlr")[1] + 12]).decode("latin-1")
        out[track_id] = {"handler": handler, "timescale": timescale, "default_duration": 0}
    mvex = child(b, moov, "mvex")
    for trex in (c for c in boxes(b, mvex[1], mvex[2]) if c[0] == "trex") if mvex else []:
        out[u32(b, trex[1] + 4)]["default_duration"] = u32(b, trex[1] + 12)
    return out


def fragments(b):
    """The stream as [(top-level box types), tracks, [fragment: {track ID: [sample]}]]; a
    sample is a dict of decode, presentation, duration (track timescale), offset and the
    trun version it came from."""
    top = boxes(b)
    moov = next(x for x in top if x[0] == "moov")
    info = tracks(b, moov)
    frags = []
    for moof in (x for x in top if x[0] == "moof"):
        frag = {}
        for traf in (c for c in boxes(b, moof[1], moof[2]) if c[0] == "traf"):
            tfhd = child(b, traf, "tfhd")
            flags, track_id = u32(b, tfhd[1]) & 0xffffff, u32(b, tfhd[1] + 4)
            pos = tfhd[1] + 8 + (8 if flags & 0x1 else 0) + (4 if flags & 0x2 else 0)
            default = u32(b, pos) if flags & 0x8 else info[track_id]["default_duration"]
            tfdt = child(b, traf, "tfdt")
            decode = int.from_bytes(b[tfdt[1] + 4:tfdt[1] + (12 if b[tfdt[1]] == 1 else 8)], "big")
            samples = []
            for trun in (c for c in boxes(b, traf[1], traf[2]) if c[0] == "trun"):
                version, tflags, count = b[trun[1]], u32(b, trun[1]) & 0xffffff, u32(b, trun[1] + 4)
                pos = trun[1] + 8 + (4 if tflags & 0x1 else 0) + (4 if tflags & 0x4 else 0)
                for _ in range(count):
                    duration = default
                    if tflags & 0x100:
                        duration, pos = u32(b, pos), pos + 4
                    pos += (4 if tflags & 0x200 else 0) + (4 if tflags & 0x400 else 0)
                    offset = 0
                    if tflags & 0x800:
                        offset = int.from_bytes(b[pos:pos + 4], "big", signed=version == 1)
                        pos += 4
                    samples.append({"decode": decode, "presentation": decode + offset, "duration": duration,
                                    "offset": offset, "version": version})
                    decode += duration
            frag[track_id] = frag.get(track_id, []) + samples
        frags.append(frag)
    return [x[0] for x in top], info, frags


def ssim(reference, stream):
    """Per-frame SSIM (All) of the pictures of `stream` (MP4 bytes, on stdin) against the
    file `reference`, frame by frame in order, by the ffmpeg CLI."""
    graph = "[0:v]setpts=N/TB/30[a];[1:v]setpts=N/TB/30[b];[a][b]ssim=stats_file=-"
    proc = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(reference), "-i", "pipe:0",
                           "-lavfi", graph, "-f", "null", "-"], input=stream, capture_output=True, timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"ffmpeg ssim failed: {proc.stderr.decode(errors='replace')[-2000:]}")
    return [float(w[4:]) for ln in proc.stdout.decode().splitlines() for w in ln.split() if w.startswith("All:")]


class StreamTiming(ProjectTestCase):
    def setUp(self):
        super().setUp()
        self.project = self.write_project(doc())
        proc = subprocess.run([REEL, "segment", str(self.project), "--stream", "-o", "-", "--cache-dir",
                               str(self.dir / "cache"), "--segment-seconds", "1", "-q", "--progress", "none"],
                              capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode(errors="replace"))
        self.stream = proc.stdout
        (self.dir / "stream.mp4").write_bytes(self.stream)
        self.kinds, self.tracks, self.frags = fragments(self.stream)
        ids = {t["handler"]: i for i, t in self.tracks.items()}
        self.assertEqual(sorted(ids), ["soun", "vide"], self.tracks)
        self.video, self.audio = ids["vide"], ids["soun"]

    def samples(self, track):
        return [s for f in self.frags for s in f.get(track, [])]

    def span(self, track):
        """Presented [start, end) of a track, in seconds."""
        samples, scale = self.samples(track), self.tracks[track]["timescale"]
        return (min(s["presentation"] for s in samples) / scale,
                max(s["presentation"] + s["duration"] for s in samples) / scale)

    def test_fragmented_structure(self):
        self.assertEqual(self.kinds[:2], ["ftyp", "moov"])
        rest = self.kinds[2:-1] if self.kinds[-1] == "mfra" else self.kinds[2:]  # an index may close it
        self.assertGreaterEqual(rest.count("moof"), 3, self.kinds)
        self.assertEqual(rest, ["moof", "mdat"] * (len(rest) // 2), "after the moov, moof + mdat pairs only")

    def test_first_picture_is_presented_at_zero_with_signed_offsets(self):
        video = self.samples(self.video)
        scale = self.tracks[self.video]["timescale"]
        first = self.frags[0][self.video]
        self.assertEqual(first[0]["decode"], 0, "fragment decode times start at 0")
        self.assertEqual(first[0]["presentation"], 0,
                         f"the first picture is presented at {first[0]['presentation'] / scale:.6f} s, not 0")
        self.assertEqual(min(s["presentation"] for s in video), 0, "a picture is presented before 0")
        self.assertTrue(any(s["offset"] < 0 for s in video),
                        "no negative composition offsets: the timeline's preset should use B-frames")
        self.assertTrue(all(s["version"] == 1 for s in video if s["offset"] < 0),
                        "negative composition offsets in a version 0 trun (unsigned)")
        # Every frame is presented once, one frame apart: 0, 1/fps, 2/fps, ...
        times = sorted(s["presentation"] for s in video)
        self.assertEqual(times, [round(n * scale / FPS) for n in range(FRAMES)])

    def test_buffered_range_is_the_timeline(self):
        one_frame, one_aac_frame = 1 / FPS, AAC_FRAME / RATE
        v0, v1 = self.span(self.video)
        a0, a1 = self.span(self.audio)
        self.assertEqual(v0, 0)
        self.assertAlmostEqual(v1, SECONDS, delta=one_frame / 2, msg="the picture ends with the timeline")
        self.assertLessEqual(abs(a0), one_aac_frame, f"the sound starts at {a0:.6f} s")
        self.assertLessEqual(abs(a1 - SECONDS), one_aac_frame, f"the sound ends at {a1:.6f} s")
        # What MSE buffers: where both tracks have media.
        start, end = max(v0, a0), min(v1, a1)
        self.assertLessEqual(abs(start), one_frame)
        self.assertLessEqual(abs((end - start) - SECONDS), one_frame,
                             f"buffered [{start:.6f}, {end:.6f}) for a {SECONDS} s timeline")

    def test_ffprobe_counts_the_frames_and_duration(self):
        streams = ffprobe(self.dir / "stream.mp4", "-count_frames", "-show_streams")["streams"]
        video = [s for s in streams if s["codec_type"] == "video"][0]
        audio = [s for s in streams if s["codec_type"] == "audio"][0]
        self.assertEqual(int(video["nb_read_frames"]), FRAMES)
        self.assertAlmostEqual(float(video["duration"]), SECONDS, delta=1 / FPS)
        self.assertLessEqual(abs(float(audio["start_time"])), AAC_FRAME / RATE)
        packets = ffprobe(self.dir / "stream.mp4", "-select_streams", "v:0", "-show_packets")["packets"]
        self.assertEqual(float(packets[0]["dts_time"]), 0)

    def test_first_fragment_is_short_and_fragments_end_with_segments(self):
        counts = [len(f.get(self.video, [])) for f in self.frags]
        self.assertGreaterEqual(counts[0], 1)
        self.assertLessEqual(counts[0], FIRST_FRAGMENT_MAX, f"pictures per fragment: {counts}")
        self.assertEqual(sum(counts), FRAMES)
        plan = run_reel("plan", self.project, "--segment-seconds", "1", "--format", "json")
        self.assertEqual(plan.code, 0, plan)
        starts = {s["start_frame"] for s in plan.json()["segments"]}
        self.assertEqual(len(starts), SECONDS)
        boundaries, n = {0}, 0
        for c in counts:
            n += c
            boundaries.add(n)
        self.assertLessEqual(starts, boundaries, f"segments start at {sorted(starts)}; fragments: {counts}")

    def test_pictures_are_those_of_reel_render(self):
        # SSIM, not per-frame MD5s: an x264 preset with lookahead does not always encode a
        # segment to the same bytes (seen before this change too), and the pictures of a
        # stream and of a render are the same frames, not always the same bytes.
        out = self.dir / "render.mp4"
        r = run_reel("render", self.project, "-o", out, "--cache-dir", self.dir / "render-cache",
                     "--segment-seconds", "1", "-q", "--progress", "none")
        self.assertEqual(r.code, 0, r)
        frames = int(ffprobe(out, "-count_frames", "-show_streams", "-select_streams", "v:0")
                     ["streams"][0]["nb_read_frames"])
        self.assertEqual(frames, FRAMES)
        scores = ssim(out, self.stream)
        self.assertEqual(len(scores), FRAMES, "frames compared")
        worst = min(range(FRAMES), key=lambda n: scores[n])
        self.assertGreaterEqual(scores[worst], 0.99, f"frame {worst}: SSIM {scores[worst]:.4f} against reel render")


if __name__ == "__main__":
    unittest.main(verbosity=2)
