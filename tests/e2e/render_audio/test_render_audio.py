# SPDX-License-Identifier: Apache-2.0
"""`reel render`'s sound (issue 4), checked with independent tools: sources are tones the
ffmpeg CLI generates (lavfi `sine`, a distinct frequency per clip), reel's output audio is
decoded by ffmpeg to raw float samples, and each measurement is a Hann-windowed Goertzel
filter (the DFT at one frequency) or the peak over a span, in plain Python.

What is expected comes from the timeline format (timeline-format.md: placement, gain_db,
fades, equal-power crossfades, mute/enabled, comp items) and from reel's documented
choices (lib/audio/mix.h: soft limiter; lib/media/audio_reader.h: speed resamples, so
pitch follows speed; the up/down-mix matrices):

    mono -> stereo  L = R = M / sqrt2          stereo -> mono  M = (L + R) / sqrt2
    5.1  -> stereo  L = FL + FC/sqrt2 + SL/sqrt2, R = FR + FC/sqrt2 + SR/sqrt2 (LFE dropped)
    mono -> 5.1     FC = M                     stereo -> 5.1   FL = L, FR = R

Set REEL_AUDIO_VERBOSE=1 to print the measured levels."""

import array
import json
import math
import os
import random
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from reel_e2e import ffprobe, validate
from render_util import decode, render

W, H, FPS = 160, 120, 30
RATE = 48000
AAC_FRAME = 1024            # one AAC audio frame, in samples
AMP = 0.125                 # lavfi sine's amplitude (1/8 of full scale)
SQRT1_2 = math.sqrt(0.5)
VERBOSE = bool(os.environ.get("REEL_AUDIO_VERBOSE"))


def log(*args):
    if VERBOSE:
        print("   ", *args, flush=True)


def db(x, ref):
    return 20 * math.log10(max(x, 1e-12) / ref)


def ff(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", *map(str, args)], check=True)


# -- Media written by the tests ----------------------------------------------------------

LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1"}
CHANNELS = {2: ["FL", "FR"], 6: ["FL", "FR", "FC", "LFE", "BL", "BR"]}
CODECS = {"wav": ["-c:a", "pcm_s16le"], "flac": ["-c:a", "flac"], "mp3": ["-c:a", "libmp3lame", "-b:a", "192k"],
          "m4a": ["-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart"]}


class Media:
    """Generated sources in one folder, made once each (keyed by their parameters)."""

    def __init__(self, folder):
        self.dir = Path(folder)
        self.made = {}

    def tone(self, freqs, rate=RATE, seconds=3, volume=1.0, ext="wav"):
        """An audio-only file whose channel k is a lavfi sine at freqs[k] (a number: mono;
        1, 2 or 6 frequencies: mono, stereo, 5.1 in FFmpeg's order FL FR FC LFE BL BR),
        each at amplitude AMP x volume."""
        freqs = (freqs,) if isinstance(freqs, (int, float)) else tuple(freqs)
        key = ("tone", freqs, rate, seconds, volume, ext)
        if key in self.made:
            return self.made[key]
        path = self.dir / f"tone-{'-'.join(map(str, freqs))}-{rate}-{seconds}-{volume}.{ext}"
        parts = [f"sine=frequency={f}:sample_rate={rate}:duration={seconds},volume={volume}[c{k}]"
                 for k, f in enumerate(freqs)]
        inputs = "".join(f"[c{k}]" for k in range(len(freqs)))
        if len(freqs) == 1:
            graph = ";".join(parts) + ";[c0]anull[out]"
        else:
            mapping = "|".join(f"{k}.0-{name}" for k, name in enumerate(CHANNELS[len(freqs)]))
            graph = ";".join(parts) + (f";{inputs}join=inputs={len(freqs)}:channel_layout={LAYOUTS[len(freqs)]}"
                                       f":map={mapping}[out]")
        ff("-filter_complex", graph, "-map", "[out]", *CODECS[ext], path)
        self.made[key] = path
        return path

    def video(self, name, freq=None, seconds=3, colour="gray"):
        """A 160x120 30 fps H.264 file, a flat colour, with (freq given) a stereo AAC tone."""
        path = self.dir / name
        if path.exists():
            return path
        args = ["-f", "lavfi", "-i", f"color=c={colour}:s={W}x{H}:r={FPS}:d={seconds}"]
        if freq:
            args += ["-f", "lavfi", "-i", f"sine=frequency={freq}:sample_rate={RATE}:duration={seconds}",
                     "-af", "pan=stereo|c0=c0|c1=c0", "-c:a", "aac", "-b:a", "128k"]
        ff(*args, "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-pix_fmt", "yuv420p", "-shortest", path)
        return path


# -- Reading reel's output ---------------------------------------------------------------


class Audio:
    """The first audio stream of a file, decoded by ffmpeg to interleaved float samples."""

    def __init__(self, path):
        info = ffprobe(path, "-select_streams", "a:0", "-show_streams")["streams"]
        if not info:
            raise AssertionError(f"{path} has no audio stream")
        self.stream = info[0]
        self.rate = int(self.stream["sample_rate"])
        self.nch = int(self.stream["channels"])
        raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0",
                              "-f", "f32le", "-c:a", "pcm_f32le", "-"], capture_output=True, check=True).stdout
        samples = array.array("f")
        samples.frombytes(raw)
        self.ch = [samples[c::self.nch] for c in range(self.nch)]
        self.frames = len(self.ch[0])

    _windows = {}

    def amp(self, ch, freq, t, n=4096):
        """The amplitude of a sine at `freq` in channel `ch`, from the Hann-windowed DFT at
        that frequency over n samples centred on time t (exact for a steady tone)."""
        x = self.ch[ch]
        n0 = int(round(t * self.rate)) - n // 2
        if n0 < 0 or n0 + n > len(x):
            raise AssertionError(f"window at {t} s is outside the {len(x)} decoded samples")
        w = self._windows.get(n)
        if w is None:
            w = [0.5 - 0.5 * math.cos(2 * math.pi * (k + 0.5) / n) for k in range(n)]
            self._windows[n] = w
        coeff = 2 * math.cos(2 * math.pi * freq / self.rate)
        s1 = s2 = 0.0
        for k in range(n):
            s1, s2 = x[n0 + k] * w[k] + coeff * s1 - s2, s1
        power = s1 * s1 + s2 * s2 - coeff * s1 * s2
        return 2 * math.sqrt(max(power, 0.0)) / sum(w)

    def peak(self, ch=None, t0=0, t1=None):
        chans = range(self.nch) if ch is None else [ch]
        a, b = int(round(t0 * self.rate)), None if t1 is None else int(round(t1 * self.rate))
        return max(max((abs(v) for v in self.ch[c][a:b]), default=0.0) for c in chans)


def soft_limit(x):
    """lib/audio/mix.h: x unchanged up to 0.8; above, sign(x) (0.8 + 0.0913 tanh((|x| - 0.8) / 0.0913))."""
    m = abs(x)
    if m <= 0.8:
        return x
    y = 0.8 + 0.0913 * math.tanh((m - 0.8) / 0.0913)
    return -y if x < 0 else y


def streams(path):
    return [s["codec_type"] for s in ffprobe(path, "-show_streams")["streams"]]


def video_seconds(path):
    """The output's video duration: its frame count (decoded) / fps."""
    s = ffprobe(path, "-count_frames", "-select_streams", "v:0", "-show_streams")["streams"][0]
    return int(s["nb_read_frames"]) / FPS


# -- Timelines ---------------------------------------------------------------------------


def clip(media, start, src_in, src_out, **extra):
    return {"type": "clip", "media": media, "start": start, "in": src_in, "out": src_out, **extra}


def timeline(tracks, media, duration=None, compositions=None, audio=None):
    doc = {"reel": 1, "output": {"width": W, "height": H, "fps": FPS}, "media":
           {k: {"path": str(v)} for k, v in media.items()}, "tracks": tracks}
    if duration is not None:
        doc["duration"] = duration
    if compositions:
        doc["compositions"] = compositions
    if audio:
        doc["output"]["audio"] = audio
    return doc


class AudioTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = Path(tempfile.mkdtemp(prefix="reel-audio-"))
        cls.media = Media(cls.root)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)

    def setUp(self):
        self.dir = self.root / self.id().rsplit(".", 1)[-1]
        self.dir.mkdir()

    def render(self, doc, *args, name="out.mp4", stats=False):
        """Renders doc; asserts success; returns the output path (and the stats)."""
        project = self.dir / "project.json"
        project.write_text(json.dumps(doc, indent=1))
        out = self.dir / name
        extra = ["--stats", self.dir / "stats.json"] if stats else []
        r = render(project, out, *args, *extra)
        self.assertEqual(r.code, 0, r)
        self.assertTrue(out.is_file(), r)
        if stats:
            return out, json.loads((self.dir / "stats.json").read_text())
        return out

    # Assertions on levels: `expected` maps a frequency to its amplitude, 0 meaning silent
    # (at least `floor_db` below AMP).
    def assert_levels(self, audio, ch, t, expected, tol_db=1.0, floor_db=-40, n=4096, what=""):
        measured = {f: audio.amp(ch, f, t, n) for f in expected}
        log(f"{what} ch{ch} t={t}: " + ", ".join(f"{f} Hz {a:.4f} ({db(a, AMP):+.1f} dB re 1/8)"
                                                    for f, a in measured.items()))
        for f, want in expected.items():
            got = measured[f]
            if want == 0:
                self.assertLess(db(got, AMP), floor_db,
                                f"{what}: {f} Hz should be silent in channel {ch} at {t} s, got amplitude {got:.5f}")
            else:
                self.assertAlmostEqual(db(got, want), 0, delta=tol_db,
                                       msg=f"{what}: {f} Hz in channel {ch} at {t} s: amplitude {got:.5f}, "
                                           f"expected {want:.5f} ({db(got, want):+.2f} dB)")
        return measured

    def assert_duration(self, out, audio):
        """The audio lasts as long as the picture, within one AAC frame (decoded sample count
        and the stream's declared duration)."""
        video = video_seconds(out)
        decoded = audio.frames / audio.rate
        declared = float(audio.stream["duration"])
        log(f"durations: video {video:.4f} s, audio decoded {decoded:.4f} s ({audio.frames} samples), "
            f"declared {declared:.4f} s")
        tol = AAC_FRAME / audio.rate
        self.assertLessEqual(abs(decoded - video), tol, f"decoded audio {decoded} s vs video {video} s")
        self.assertLessEqual(abs(declared - video), tol, f"audio stream duration {declared} s vs video {video} s")
        return video


# -- Placement, duration, mixing ---------------------------------------------------------


class Placement(AudioTestCase):
    def cuts_doc(self):
        m = self.media
        # a (440 Hz) plays 0-1 s; b (660 Hz) from its 0.5 s, at 1-2.3 s; then silence to 2.7.
        return timeline([{"items": [clip("a", 0, 0, 1, id="a"), clip("b", 1, 0.5, 1.8, id="b")]}],
                        {"a": m.tone([440, 440]), "b": m.tone([660, 660])}, duration=2.7)

    def test_cuts_duration_and_dominant_tone(self):
        out, stats = self.render(self.cuts_doc(), stats=True)
        self.assertEqual(streams(out), ["video", "audio"])
        a = Audio(out)
        self.assertEqual((a.rate, a.nch, a.stream["codec_name"]), (48000, 2, "aac"))
        self.assertAlmostEqual(self.assert_duration(out, a), 2.7, delta=1e-9)
        for ch in (0, 1):
            self.assert_levels(a, ch, 0.5, {440: AMP, 660: 0}, what="clip a")
            self.assert_levels(a, ch, 1.65, {440: 0, 660: AMP}, what="clip b")
            self.assert_levels(a, ch, 2.5, {440: 0, 660: 0}, what="after the last item")
        # The cut sits at 1 s: 21 ms either side, only the clip of that side is heard.
        self.assert_levels(a, 0, 0.975, {440: AMP, 660: 0}, n=2048, tol_db=1.5, floor_db=-30, what="before the cut")
        self.assert_levels(a, 0, 1.025, {440: 0, 660: AMP}, n=2048, tol_db=1.5, floor_db=-30, what="after the cut")
        self.assertEqual(stats["audio"]["items_mixed"], 2, stats["audio"])

    def test_range_renders_the_audio_of_the_range(self):
        out = self.render(self.cuts_doc(), "--range", "0.5-2")
        a = Audio(out)
        self.assertAlmostEqual(self.assert_duration(out, a), 1.5, delta=1e-9)
        self.assert_levels(a, 0, 0.25, {440: AMP, 660: 0}, what="range: clip a")
        self.assert_levels(a, 0, 1.0, {440: 0, 660: AMP}, what="range: clip b")

    def test_overlapping_tracks_sum(self):
        m = self.media
        doc = timeline([{"items": [clip("a", 0, 0, 2)]},
                        {"kind": "audio", "items": [clip("c", 0.5, 0, 1)]}],
                       {"a": m.tone([440, 440]), "c": m.tone([880, 880])})
        a = Audio(self.render(doc))
        self.assert_levels(a, 0, 0.25, {440: AMP, 880: 0}, what="track 1 alone")
        self.assert_levels(a, 0, 1.0, {440: AMP, 880: AMP}, what="both tracks")
        self.assert_levels(a, 1, 1.0, {440: AMP, 880: AMP}, what="both tracks")
        self.assert_levels(a, 0, 1.75, {440: AMP, 880: 0}, what="track 1 alone again")

    def test_nested_comp_offset_in_gain(self):
        m = self.media
        # Inside "inner": 440 Hz at 0-1, 660 Hz at 1-2 (comp time).
        comps = {"inner": {"width": W, "height": H, "duration": 2, "tracks": [{"items": [
            clip("a", 0, 0, 1, id="inner-a"), clip("b", 1, 0, 1, id="inner-b")]}]}}
        # use1 at root 0.5-1.5 plays comp 0.6-1.6: 440 at root 0.5-0.9, 660 at 0.9-1.5.
        # use2 at root 1.5-1.9 plays comp 0-0.4 (440), 6 dB down.
        doc = timeline([{"items": [
            {"type": "comp", "comp": "inner", "id": "use1", "start": 0.5, "in": 0.6, "out": 1.6},
            {"type": "comp", "comp": "inner", "id": "use2", "start": 1.5, "in": 0, "out": 0.4, "gain_db": -6}]}],
            {"a": m.tone([440, 440]), "b": m.tone([660, 660])}, duration=2.2, compositions=comps)
        out, stats = self.render(doc, stats=True)
        a = Audio(out)
        g6 = AMP * 10 ** (-6 / 20)
        self.assert_levels(a, 0, 0.25, {440: 0, 660: 0}, what="before the comp item")
        self.assert_levels(a, 0, 0.7, {440: AMP, 660: 0}, n=2048, what="use1, comp time 0.8")
        self.assert_levels(a, 0, 1.2, {440: 0, 660: AMP}, what="use1, comp time 1.3")
        self.assert_levels(a, 0, 1.7, {440: g6, 660: 0}, n=2048, tol_db=0.5, what="use2 at -6 dB, comp time 0.2")
        self.assert_levels(a, 0, 2.05, {440: 0, 660: 0}, n=2048, what="after use2")
        # The comp's cut from 440 to 660 is at root 0.9 (comp time 1.0).
        self.assert_levels(a, 0, 0.875, {440: AMP, 660: 0}, n=2048, tol_db=1.5, floor_db=-30, what="before 0.9")
        self.assert_levels(a, 0, 0.925, {440: 0, 660: AMP}, n=2048, tol_db=1.5, floor_db=-30, what="after 0.9")
        self.assertEqual(stats["audio"]["items_mixed"], 3, stats["audio"])

    def test_speed_changes_pitch(self):
        m = self.media
        # speed 2: 440 Hz plays at 880 Hz for 1 s; speed 0.5: 880 Hz plays at 440 Hz.
        doc = timeline([{"items": [clip("a", 0, 0, 2, speed=2), clip("c", 1, 0, 0.5, speed=0.5)]}],
                       {"a": m.tone([440, 440]), "c": m.tone([880, 880])})
        out = self.render(doc)
        a = Audio(out)
        self.assertAlmostEqual(self.assert_duration(out, a), 2.0, delta=1e-9)
        self.assert_levels(a, 0, 0.5, {440: 0, 880: AMP}, what="speed 2")
        self.assert_levels(a, 0, 1.5, {440: AMP, 880: 0}, what="speed 0.5")


# -- Volume: gain, fades, mute, crossfades, limiter --------------------------------------


class Volume(AudioTestCase):
    def test_gain_db(self):
        m = self.media
        doc = timeline([{"items": [clip("a", 0, 0, 1), clip("a", 1, 1, 2, gain_db=-6),
                                   clip("a", 2, 2, 3, gain_db=-20)]}], {"a": m.tone([440, 440], seconds=3)})
        a = Audio(self.render(doc))
        ref = a.amp(0, 440, 0.5)
        for t, gain in ((1.5, -6), (2.5, -20)):
            for ch in (0, 1):
                got = a.amp(ch, 440, t)
                log(f"gain_db {gain}: ch{ch} {db(got, ref):+.2f} dB relative to gain 0")
                self.assertAlmostEqual(db(got, ref), gain, delta=0.5, msg=f"gain_db {gain} in channel {ch}")
        self.assertAlmostEqual(db(ref, AMP), 0, delta=0.5)

    def test_fades(self):
        m = self.media
        doc = timeline([{"items": [clip("a", 0, 0, 2, fade_in=0.5, fade_out=1)]}],
                       {"a": m.tone([440, 440])}, duration=2.5)
        a = Audio(self.render(doc))
        full = a.amp(0, 440, 0.75, 2048)
        half_in, half_out = a.amp(0, 440, 0.25, 2048), a.amp(0, 440, 1.5, 2048)
        quarter = a.amp(0, 440, 1.75, 2048)
        log(f"fades: full {full:.4f}; fade-in midpoint {db(half_in, full):+.2f} dB, fade-out midpoint "
            f"{db(half_out, full):+.2f} dB, 3/4 through the fade-out {db(quarter, full):+.2f} dB")
        self.assertAlmostEqual(db(full, AMP), 0, delta=0.5)
        self.assertAlmostEqual(db(half_in, full), -6.02, delta=0.5)
        self.assertAlmostEqual(db(half_out, full), -6.02, delta=0.5)
        self.assertAlmostEqual(db(quarter, full), -12.04, delta=0.7)
        # The fade-out ends in silence: the last 5 ms of the item (linear ramp 0.005 -> 0) and
        # everything after it.
        end = max(a.peak(c, 1.995, 2.0) for c in (0, 1))
        after = a.peak(None, 2.02, 2.5)
        start = a.peak(None, 0, 0.002)
        log(f"fades: peak of the last 5 ms {end:.5f} ({db(end, full):.1f} dB), after the item {after:.6f}, "
            f"first 2 ms {start:.5f}")
        self.assertLess(db(end, full), -30, "the fade-out does not end in silence")
        self.assertLess(after, 1e-3, "sound after a faded-out item")
        self.assertLess(db(start, full), -30, "the fade-in does not start from silence")

    def test_muted_and_disabled_are_silent(self):
        m = self.media
        f = {"a": 440, "mi": 660, "di": 880, "mt": 1320, "dt": 1760}
        media = {k: m.tone([v, v]) for k, v in f.items()}
        doc = timeline([
            {"items": [clip("a", 0, 0, 1, id="heard"), clip("mi", 1, 0, 1, id="muted-item", mute=True),
                       clip("di", 2, 0, 1, id="disabled-item", enabled=False)]},
            {"kind": "audio", "mute": True, "items": [clip("mt", 0, 0, 3, id="on-muted-track")]},
            {"kind": "audio", "enabled": False, "items": [clip("dt", 0, 0, 3, id="on-disabled-track")]},
        ], media)
        out, stats = self.render(doc, stats=True)
        a = Audio(out)
        freqs = list(f.values())
        for ch in (0, 1):
            self.assert_levels(a, ch, 0.5, {x: (AMP if x == 440 else 0) for x in freqs}, floor_db=-60,
                               what="only the unmuted item")
            for t in (1.5, 2.5):
                self.assert_levels(a, ch, t, {x: 0 for x in freqs}, floor_db=-60, what="muted / disabled")
        self.assertLess(a.peak(None, 1.05, 2.95), 1e-3, "muted or disabled items are heard")
        self.assertEqual(stats["audio"]["items_mixed"], 1, stats["audio"])

    def test_crossfade_equal_power(self):
        m = self.media
        doc = timeline([{"items": [clip("a", 0, 0, 2, id="out"),
                                   clip("b", 1, 0, 2, id="in", transition_in={"kind": "crossfade", "duration": 1})]}],
                       {"a": m.tone([440, 440]), "b": m.tone([660, 660])})
        a = Audio(self.render(doc))
        full_a, full_b = a.amp(0, 440, 0.5), a.amp(0, 660, 2.5)
        for t, w in ((1.25, 0.25), (1.5, 0.5), (1.75, 0.75)):
            ga, gb = a.amp(0, 440, t, 2048) / full_a, a.amp(0, 660, t, 2048) / full_b
            ea, eb = math.cos(w * math.pi / 2), math.sin(w * math.pi / 2)
            log(f"crossfade w={w}: outgoing {db(ga, 1):+.2f} dB (expected {db(ea, 1):+.2f}), incoming "
                f"{db(gb, 1):+.2f} dB (expected {db(eb, 1):+.2f}), power sum {10 * math.log10(ga ** 2 + gb ** 2):+.2f} dB")
            self.assertAlmostEqual(db(ga, ea), 0, delta=0.5, msg=f"outgoing gain at w={w}")
            self.assertAlmostEqual(db(gb, eb), 0, delta=0.5, msg=f"incoming gain at w={w}")
            self.assertAlmostEqual(10 * math.log10(ga ** 2 + gb ** 2), 0, delta=0.5, msg="not equal power")
            if w == 0.5:  # both tones, each about -3 dB
                self.assertAlmostEqual(db(ga, 1), -3.01, delta=0.5)
                self.assertAlmostEqual(db(gb, 1), -3.01, delta=0.5)
        self.assert_levels(a, 0, 0.5, {440: AMP, 660: 0}, what="before the crossfade")
        self.assert_levels(a, 0, 2.5, {440: 0, 660: AMP}, what="after the crossfade")

    def test_limiter_keeps_full_scale_tones_from_wrapping(self):
        m = self.media
        freqs = (440, 550, 660)
        media = {f"t{f}": m.tone([f, f], volume=8, seconds=2) for f in freqs}  # full scale each
        doc = timeline([{"kind": "audio", "items": [clip(f"t{f}", 0, 0, 1.5)]} for f in freqs], media)
        out, stats = self.render(doc, stats=True)
        s = stats["audio"]
        a = Audio(out)
        peak = a.peak()
        log(f"limiter: stats peak {s['peak']:.3f}, peak_out {s['peak_out']:.5f}, clipped {s['clipped_samples']}; "
            f"decoded peak {peak:.5f}")
        self.assertGreater(s["peak"], 2.0, s)  # the sum went well beyond full scale
        self.assertLessEqual(s["peak_out"], 1.0, s)
        self.assertGreater(s["clipped_samples"], 0, s)
        # No wrap-around: the decoded signal follows the documented limiter curve applied to
        # the sum (so it has its polarity wherever that is loud) and never jumps between the
        # rails from one sample to the next.
        flips = loud = 0
        err2 = ref2 = 0.0
        for c in (0, 1):
            x = a.ch[c]
            for n in range(0, int(1.5 * RATE)):
                v = sum(math.sin(2 * math.pi * f * n / RATE) for f in freqs)
                y = soft_limit(v)
                err2 += (x[n] - y) ** 2
                ref2 += y * y
                if abs(v) > 0.5:
                    loud += 1
                    if (x[n] > 0) != (v > 0):
                        flips += 1
            jumps = sum(1 for n in range(1, len(x)) if abs(x[n] - x[n - 1]) > 0.5)
            self.assertEqual(jumps, 0, f"{jumps} sample-to-sample jumps larger than 0.5 in channel {c}")
        over = sum(1 for c in (0, 1) for v in a.ch[c] if abs(v) > 1.0)
        log(f"limiter: {flips} polarity flips among {loud} loud samples; decoded vs soft_limit(sum) error "
            f"{10 * math.log10(err2 / ref2):.1f} dB; {over} decoded values beyond full scale")
        self.assertEqual(flips, 0, f"{flips} of {loud} loud samples have the wrong polarity")
        self.assertLess(10 * math.log10(err2 / ref2), -20, "the output does not follow the limiter curve")
        for f in freqs:  # all three still there, about equal
            self.assertGreater(a.amp(0, f, 0.75), 0.2, f"{f} Hz lost in the limiter")
        # What a listener gets must not clip either: the decoded file stays within full
        # scale. (The limiter's ceiling is 1.0 itself, and AAC's coding error adds to peaks
        # held there; a ceiling near -1 dBFS leaves room for it.)
        self.assertLessEqual(peak, 1.0, f"decoded output exceeds full scale: peak {peak:.4f} "
                                        f"({db(peak, 1):+.2f} dBFS), {over} values beyond 1.0")


# -- A/V sync ----------------------------------------------------------------------------


def frame_times(path, stream):
    """ffprobe's presentation time of each decoded frame of `stream` ("v:0", "a:0"), with
    the audio frames' sample counts: [(seconds, nb_samples or None)]."""
    frames = ffprobe(path, "-select_streams", stream, "-show_frames", "-show_entries",
                     "frame=best_effort_timestamp_time,pkt_pts_time,pts_time,nb_samples")["frames"]
    out = []
    for f in frames:
        t = f.get("best_effort_timestamp_time", f.get("pts_time", f.get("pkt_pts_time")))
        out.append((float(t), int(f["nb_samples"]) if "nb_samples" in f else None))
    return out


class Sync(AudioTestCase):
    # A speed-1 cut at the odd offset 0.37 s into the sync source from 0.25 s: the flash
    # and the beep (source 1.0 s) land at output time 0.37 + (1.0 - 0.25) = 1.12 s.
    def sync_doc(self):
        src = self.root / "sync.mp4"
        if not src.exists():
            # Black, with one white frame at 1.0 s (frame 30), and a 1 kHz beep starting at
            # 1.0 s (AAC in MP4, as from a camera).
            ff("-f", "lavfi", "-i", f"color=c=black:s={W}x{H}:r={FPS}:d=3,"
                                    f"drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='eq(n,30)'",
               "-f", "lavfi", "-i", f"aevalsrc='0.5*sin(2*PI*1000*t)*gte(t,1)*lt(t,1.3)':s={RATE}:d=3",
               "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-pix_fmt", "yuv420p",
               "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-shortest", src)
        lead = self.media.video("lead.mp4", freq=440, seconds=1)
        return timeline([{"items": [clip("lead", 0, 0, 0.37, id="lead"), clip("sync", 0.37, 0.25, 2.25, id="sync")]}],
                        {"lead": lead, "sync": src})

    def flash_and_beep(self, out):
        """(index of the white frame, its presentation time, index of the beep's first
        sample as decoded, its presentation time). Times come from the container's
        timestamps (ffprobe), so a container that shifts both streams still compares."""
        frames, _, _ = decode(out)
        bright = [k for k, fr in enumerate(frames) if fr.y(W // 2, H // 2) > 128]
        self.assertEqual(len(bright), 1, f"white frames at {bright}")
        vt = frame_times(out, "v:0")
        self.assertEqual(len(vt), len(frames))
        a = Audio(out)
        onset = next((n for n in range(int(0.5 * a.rate), a.frames)
                      if abs(a.ch[0][n]) > 0.25 or abs(a.ch[1][n]) > 0.25), None)
        self.assertIsNotNone(onset, "no beep in the output")
        done = 0
        for t, count in frame_times(out, "a:0"):
            if done + count > onset:
                t_beep = t + (onset - done) / a.rate
                break
            done += count
        return bright[0], vt[bright[0]][0], onset, t_beep

    def test_flash_and_beep_stay_within_a_frame(self):
        out = self.render(self.sync_doc())
        k, t_flash, onset, t_beep = self.flash_and_beep(out)
        log(f"sync mp4: flash at frame {k} ({t_flash:.4f} s), beep onset at sample {onset} ({t_beep:.4f} s; "
            f"expected 1.1200 s), difference {1000 * (t_beep - t_flash):+.1f} ms")
        self.assertLess(abs(t_beep - t_flash), 1 / FPS, "picture and sound are more than a frame apart")
        # The format's mapping, to the sample: source 1.0 s plays at 1.12 s.
        self.assertAlmostEqual(onset / RATE, 1.12, delta=0.002)
        self.assertAlmostEqual(t_beep, 1.12, delta=0.002)
        self.assertEqual(k, 34)  # nearest source frame to 0.25 + (k/30 - 0.37) = 1.0
        self.assertAlmostEqual(t_flash, 34 / FPS, delta=1e-3)

    def test_sync_in_matroska_and_webm(self):
        doc = self.sync_doc()
        for name, args in (("out.mkv", ()), ("opus.mkv", ("--audio-codec", "opus")), ("out.webm", ("--codec", "vp9"))):
            with self.subTest(name):
                out = self.render(doc, *args, name=name)
                k, t_flash, onset, t_beep = self.flash_and_beep(out)
                log(f"sync {name}: flash at frame {k} ({t_flash:.4f} s), beep at {t_beep:.4f} s, difference "
                    f"{1000 * (t_beep - t_flash):+.1f} ms (MP4: -13.3 ms)")
                self.assertEqual(k, 34)
                self.assertLess(abs(t_beep - t_flash), 1 / FPS, "picture and sound are more than a frame apart")


# -- Sources of every rate and layout, output layouts ------------------------------------


class Layouts(AudioTestCase):
    def test_rates_and_layouts_mix_into_stereo_48k(self):
        m = self.media
        # 5.1 (FL FR FC LFE BL BR), 48 kHz WAV; mono 44.1 kHz FLAC; mono 48 kHz AAC; stereo
        # 44.1 kHz MP3; stereo 48 kHz WAV: every channel a distinct frequency.
        media = {"surround": m.tone([300, 500, 700, 90, 1100, 1300]),
                 "mono441": m.tone(1700, rate=44100, ext="flac"),
                 "mono48": m.tone(1900, ext="m4a"),
                 "st441": m.tone([2300, 2700], rate=44100, ext="mp3"),
                 "st48": m.tone([3100, 3500])}
        doc = timeline([{"kind": "audio", "items": [clip(k, 0, 0.5, 2.5, id=k)]} for k in media], media)
        out, stats = self.render(doc, stats=True)
        a = Audio(out)
        self.assertEqual((a.rate, a.nch), (48000, 2))
        self.assertEqual(stats["audio"]["items_mixed"], 5)
        # FC, the surrounds and mono sources reach each side at 1/sqrt2; LFE is dropped.
        r2 = AMP * SQRT1_2
        left = {300: AMP, 500: 0, 700: r2, 90: 0, 1100: r2, 1300: 0, 1700: r2, 1900: r2, 2300: AMP, 2700: 0,
                3100: AMP, 3500: 0}
        right = {300: 0, 500: AMP, 700: r2, 90: 0, 1100: 0, 1300: r2, 1700: r2, 1900: r2, 2300: 0, 2700: AMP,
                 3100: 0, 3500: AMP}
        for t in (0.5, 1.5):
            self.assert_levels(a, 0, t, left, what="left")
            self.assert_levels(a, 1, t, right, what="right")

    def test_mono_output(self):
        m = self.media
        media = {"st": m.tone([440, 660]), "mono": m.tone(880)}
        doc = timeline([{"kind": "audio", "items": [clip("st", 0, 0, 2)]},
                        {"kind": "audio", "items": [clip("mono", 0, 0, 2)]}], media, audio={"channels": 1})
        out, stats = self.render(doc, stats=True)
        a = Audio(out)
        self.assertEqual(a.nch, 1)
        self.assertEqual(a.stream.get("channel_layout"), "mono")
        self.assertEqual(stats["audio"]["channels"], 1)
        self.assert_duration(out, a)
        # M = (L + R) / sqrt2 for the stereo source; the mono source as it is.
        self.assert_levels(a, 0, 1.0, {440: AMP * SQRT1_2, 660: AMP * SQRT1_2, 880: AMP}, what="mono output")

    def test_five_one_output(self):
        m = self.media
        media = {"st": m.tone([440, 660]), "mono": m.tone(880)}
        doc = timeline([{"kind": "audio", "items": [clip("st", 0, 0, 2)]},
                        {"kind": "audio", "items": [clip("mono", 0, 0, 2)]}], media, audio={"channels": 6})
        a = Audio(self.render(doc))
        self.assertEqual(a.nch, 6)
        # FFmpeg's order: FL FR FC LFE and the two surrounds.
        want = [{440: AMP, 660: 0, 880: 0}, {440: 0, 660: AMP, 880: 0}, {440: 0, 660: 0, 880: AMP},
                {440: 0, 660: 0, 880: 0}, {440: 0, 660: 0, 880: 0}, {440: 0, 660: 0, 880: 0}]
        for ch, expected in enumerate(want):
            self.assert_levels(a, ch, 1.0, expected, what=f"5.1 output channel {ch}")


# -- The audio stream: presence, codecs, stats -------------------------------------------


class Stream(AudioTestCase):
    def silent_doc(self):
        picture = self.media.video("picture.mp4")  # no audio stream
        return timeline([{"items": [clip("v", 0, 0, 1), {"type": "color", "color": "#336699", "start": 1,
                                                          "duration": 1}]}], {"v": picture})

    def test_no_audio_anywhere_no_audio_stream(self):
        out, stats = self.render(self.silent_doc(), stats=True)
        self.assertEqual(streams(out), ["video"])
        self.assertEqual(stats["audio"], {"track": False})
        self.assertEqual(validate("stats.schema.json", self.dir / "stats.json")[0], 0)

    def test_audio_always_adds_silence(self):
        out, stats = self.render(self.silent_doc(), "--audio", "always", stats=True)
        self.assertEqual(streams(out), ["video", "audio"])
        a = Audio(out)
        self.assertEqual((a.rate, a.nch, a.stream["codec_name"]), (48000, 2, "aac"))
        self.assert_duration(out, a)
        self.assertLess(a.peak(), 1e-4)
        self.assertTrue(stats["audio"]["track"])
        self.assertEqual(stats["audio"]["frames"], 2 * RATE)
        self.assertEqual(stats["audio"]["peak"], 0)
        code, msg = validate("stats.schema.json", self.dir / "stats.json")
        self.assertEqual(code, 0, msg)

    def test_audio_none_removes_the_stream(self):
        doc = timeline([{"items": [clip("a", 0, 0, 1)]}], {"a": self.media.tone([440, 440])})
        out, stats = self.render(doc, "--audio", "none", stats=True)
        self.assertEqual(streams(out), ["video"])
        self.assertEqual(stats["audio"], {"track": False})

    def test_webm_vp9_gets_opus(self):
        doc = timeline([{"items": [clip("a", 0, 0, 1), clip("b", 1, 0, 1)]}],
                       {"a": self.media.tone([440, 440]), "b": self.media.tone([660, 660])})
        out, stats = self.render(doc, "--codec", "vp9", name="out.webm", stats=True)
        self.assertEqual(streams(out), ["video", "audio"])
        a = Audio(out)
        self.assertEqual((a.stream["codec_name"], a.rate, a.nch), ("opus", 48000, 2))
        self.assertEqual(stats["audio"]["encoder"], "libopus")
        # WebM's stream durations are not declared; the decoded length must match.
        video = video_seconds(out)
        log(f"webm: video {video} s, decoded opus {a.frames / a.rate:.4f} s")
        self.assertLessEqual(abs(a.frames / a.rate - video), AAC_FRAME / RATE)
        self.assert_levels(a, 0, 0.5, {440: AMP, 660: 0}, what="opus")
        self.assert_levels(a, 1, 1.5, {440: 0, 660: AMP}, what="opus")

    def test_audio_codec_choices(self):
        doc = timeline([{"items": [clip("a", 0, 0, 1)]}], {"a": self.media.tone([440, 440])})
        mkv = self.render(doc, "--audio-codec", "opus", name="out.mkv")
        self.assertEqual(Audio(mkv).stream["codec_name"], "opus")
        mov = self.render(doc, name="out.mov")
        self.assertEqual(Audio(mov).stream["codec_name"], "aac")
        # WebM cannot hold AAC: a usage error, nothing written.
        project = self.dir / "project.json"
        out = self.dir / "bad.webm"
        r = render(project, out, "--codec", "vp9", "--audio-codec", "aac")
        self.assertEqual(r.code, 2, r)
        self.assertIn("opus", r.err.lower(), r)
        self.assertFalse(out.exists())

    def test_stats_audio_object(self):
        m = self.media
        doc = timeline([{"items": [clip("a", 0, 0, 1), clip("b", 1, 0.5, 1.8)]}],
                       {"a": m.tone([440, 440]), "b": m.tone([660, 660])}, duration=2.7,
                       audio={"sample_rate": 44100})
        out, stats = self.render(doc, stats=True)
        code, msg = validate("stats.schema.json", self.dir / "stats.json")
        self.assertEqual(code, 0, msg)
        s = stats["audio"]
        log("stats audio:", json.dumps(s, sort_keys=True))
        self.assertEqual(s["frames"], round(stats["duration_seconds"] * 44100))
        self.assertEqual(s["frames"], 119070)
        self.assertEqual((s["track"], s["encoder"], s["sample_rate"], s["channels"]), (True, "aac", 44100, 2))
        self.assertEqual(s["items_mixed"], 2)
        self.assertEqual(s["samples_mixed"], 44100 + round(1.3 * 44100))
        self.assertAlmostEqual(s["peak"], AMP, delta=0.002)
        self.assertEqual(s["peak"], s["peak_out"])
        self.assertEqual(s["clipped_samples"], 0)
        self.assertEqual(s["decode_errors"], 0)
        self.assertGreater(s["bytes"], 0)
        self.assertEqual(s["decoders_opened"], 2)
        a = Audio(out)
        self.assertEqual(a.rate, 44100)
        self.assert_duration(out, a)


# -- Damaged sources ---------------------------------------------------------------------


class Damaged(AudioTestCase):
    def damaged(self, kind):
        """An AAC .m4a (index first) of 3 s of 440 Hz: cut in half, or with 3000 random
        bytes in the middle of its samples."""
        whole = self.media.tone(440, seconds=3, ext="m4a")
        data = bytearray(whole.read_bytes())
        if kind == "truncated":
            data = data[: len(data) // 2]
        else:
            rnd = random.Random(1)
            mid = len(data) // 2
            data[mid:mid + 3000] = bytes(rnd.randrange(256) for _ in range(3000))
        path = self.dir / f"{kind}.m4a"
        path.write_bytes(bytes(data))
        return path

    def check(self, kind):
        src = self.damaged(kind)
        doc = timeline([{"items": [clip("pic", 0, 0, 3)]},
                        {"kind": "audio", "items": [clip("voice", 0, 0, 3, id="narration")]}],
                       {"pic": self.media.video("picture3.mp4", seconds=3), "voice": src})
        project = self.dir / "project.json"
        project.write_text(json.dumps(doc))
        out = self.dir / "out.mp4"
        r = render(project, out)
        log(f"{kind}: exit {r.code}: {r.err.strip()}")
        self.assertEqual(r.code, 5, r)  # decode (reel-render(1), EXIT STATUS)
        self.assertIn("reel render: error:", r.err, r)
        self.assertIn('"narration"', r.err, r)
        self.assertIn(src.name, r.err, r)
        self.assertFalse(out.exists(), r)
        self.assertEqual([p.name for p in self.dir.iterdir() if p.name.startswith(".out.mp4.reel-")], [])
        # --audio-errors silence: rendered, with a warning naming the item; the good part
        # is heard.
        r = render(project, out, "--audio-errors", "silence", "--stats", self.dir / "stats.json")
        log(f"{kind} --audio-errors silence: exit {r.code}: {r.err.strip()}")
        self.assertEqual(r.code, 0, r)
        self.assertIn("warning", r.err, r)
        self.assertIn('"narration"', r.err, r)
        stats = json.loads((self.dir / "stats.json").read_text())
        self.assertGreaterEqual(stats["audio"]["decode_errors"], 1, stats["audio"])
        code, msg = validate("stats.schema.json", self.dir / "stats.json")
        self.assertEqual(code, 0, msg)
        a = Audio(out)
        self.assert_duration(out, a)
        self.assert_levels(a, 0, 0.5, {440: AMP * SQRT1_2}, what=f"{kind}: the good part")
        return a

    def test_truncated_audio(self):
        a = self.check("truncated")
        self.assertLess(a.peak(None, 2.0, 2.9), 1e-3, "the missing part should be silent")

    def test_corrupt_audio(self):
        self.check("corrupt")


if __name__ == "__main__":
    unittest.main(verbosity=2)
