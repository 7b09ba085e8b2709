# SPDX-License-Identifier: Apache-2.0
"""`reel plan --emit otio` end to end: the round trip reel -> OpenTimelineIO -> reel renders
identical frames. Each bundled example (on the generated test media) is rendered as it is
and through the .otio that --emit otio wrote into another folder; the pictures and the
sound are compared frame by frame (ffmpeg -f framemd5). Each shared OTIO sample (when
../shared/otio-samples is present) that converts, given stand-in media made here with
ffmpeg for the files and image sequences it names, is rendered directly and through its
own --emit otio output, with the same comparison; samples that do not convert are skipped
with their reason printed."""

import json
import os
import re
import subprocess
import unittest
from pathlib import Path

from reel_e2e import SOURCE, ProjectTestCase, run_reel, sanitized

# ../shared/otio-samples beside the repository; the sample test skips when it is absent.
SAMPLES = Path(os.environ.get("REEL_OTIO_SAMPLES", SOURCE.resolve().parent / "shared" / "otio-samples"))
RENDER = ["-y", "-q", "--preset", "ultrafast", "--crf", "0", "--threads", "2"]


def framemd5(path, stream):
    """Per-frame MD5s of one stream of a file, as ffmpeg decodes it (audio as PCM)."""
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", stream,
                          "-f", "framemd5", "-"], capture_output=True, text=True, check=True).stdout
    return [line.split(",")[-1].strip() for line in out.splitlines() if line and not line.startswith("#")]


def has_audio(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a", "-show_entries", "stream=index",
                          "-of", "csv=p=0", str(path)], capture_output=True, text=True, check=True).stdout
    return bool(out.strip())


def load_otio(path):
    """An .otio file as Python data: bare Inf/-Inf (which Python's json lacks) become
    Infinity, which json.dumps writes back as the bare token reel reads."""
    text = re.sub(r"([:\[,]\s*)(-?)Inf\b(?!inity)", r"\1\2Infinity", path.read_text())
    return json.loads(text)


def walk(node, visit):
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            walk(value, visit)


def seconds(rt):
    return rt["value"] / rt["rate"] if rt and rt.get("rate") else 0.0


class EmitTestCase(ProjectTestCase):
    def assert_same_render(self, a, b, label):
        """Renders `a` and `b` (and extra args each) and compares every frame."""
        outs = []
        for name, (project, *extra) in (("a", a), ("b", b)):
            out = self.dir / f"{label}-{name}.mp4"
            r = run_reel("render", project, "-o", out, *RENDER, *extra)
            self.assertEqual(r.code, 0, r)
            outs.append(out)
        video = [framemd5(o, "0:v") for o in outs]
        self.assertGreater(len(video[0]), 0)
        self.assertEqual(len(video[0]), len(video[1]), f"{label}: frame counts differ")
        for k, (x, y) in enumerate(zip(*video)):
            self.assertEqual(x, y, f"{label}: picture differs first at frame {k}")
        self.assertEqual(has_audio(outs[0]), has_audio(outs[1]))
        if has_audio(outs[0]):
            audio = [framemd5(o, "0:a") for o in outs]
            self.assertEqual(len(audio[0]), len(audio[1]), f"{label}: audio frame counts differ")
            for k, (x, y) in enumerate(zip(*audio)):
                self.assertEqual(x, y, f"{label}: sound differs first at audio frame {k}")


class ExamplesRoundTrip(EmitTestCase):
    def test_each_example_renders_identically_through_otio(self):
        examples = sorted((SOURCE / "examples").glob("*.json"))
        self.assertGreater(len(examples), 0)
        elsewhere = self.dir / "elsewhere"
        elsewhere.mkdir()
        for example in examples:
            with self.subTest(example.name):
                project = self.copy_project(example, example.name)
                # Written into another folder: relative media paths must still name the files.
                otio = elsewhere / (example.stem + ".otio")
                r = run_reel("plan", project, "--emit", "otio", "-o", otio)
                self.assertEqual(r.code, 0, r)
                self.assertIn("OpenTimelineIO -> ", r.err)
                doc = json.loads(otio.read_text())
                self.assertEqual(doc["OTIO_SCHEMA"], "Timeline.1")
                urls = set()
                walk(doc, lambda o: urls.add(o["target_url"]) if "target_url" in o else None)
                self.assertIn("../media/clip_a.mp4", urls)
                self.assert_same_render((project,), (otio,), example.stem)

    def test_stdout_and_existing_files(self):
        project = self.copy_project(SOURCE / "examples" / "nested.json", "nested.json")
        r = run_reel("plan", "nested.json", "--emit", "otio", cwd=self.dir)
        self.assertEqual(r.code, 0, r)
        doc = json.loads(r.out)
        urls = set()
        walk(doc, lambda o: urls.add(o["target_url"]) if "target_url" in o else None)
        self.assertEqual(urls, {"media/clip_a.mp4"})  # relative to the current folder
        out = self.dir / "nested.otio"
        out.write_text("keep me")
        r = run_reel("plan", project, "--emit", "otio", "-o", out)
        self.assertEqual(r.code, 2, r)
        self.assertIn("-y", r.err)
        self.assertEqual(out.read_text(), "keep me")
        r = run_reel("plan", project, "--emit", "otio", "--format", "text")
        self.assertEqual(r.code, 2, r)
        self.assertIn("--format text applies to the plan", r.err)
        # A failure (missing media) leaves no file behind.
        broken = self.write_project(json.loads(project.read_text()) | {"media": {"cam": {"path": "media/nope.mp4"}}},
                                    "broken.json")
        before = sorted(p.name for p in self.dir.iterdir())
        r = run_reel("plan", broken, "--emit", "otio", "-o", self.dir / "broken.otio")
        self.assertNotEqual(r.code, 0, r)
        self.assertEqual(sorted(p.name for p in self.dir.iterdir()), before)


@unittest.skipUnless(SAMPLES.is_dir(), f"{SAMPLES} is absent")
@unittest.skipIf(sanitized(), "the shared samples' round trips run in the main stage; under a sanitizer they "
                 "repeat the paths ExamplesRoundTrip covers at several times the cost (CI's 30 minutes)")
class SamplesRoundTrip(EmitTestCase):
    def stand_ins(self, doc, root):
        """One file per media URL the sample names, under `root` by file name (found there
        through --media-root): video with sound, sound, or a still, as long as the
        references' ranges (plus a second); and the frames of each image sequence with a
        relative base, under `root` at that base."""
        need = {}
        sequences = []

        def visit(o):
            if str(o.get("OTIO_SCHEMA", "")).startswith("ImageSequenceReference"):
                sequences.append(o)
                return
            if not str(o.get("OTIO_SCHEMA", "")).startswith("Clip"):
                return
            refs = [r for r in (o.get("media_references") or {}).values() if r]
            if o.get("media_reference"):
                refs.append(o["media_reference"])
            for ref in refs:
                url = ref.get("target_url")
                if not url:
                    continue
                ar, sr = ref.get("available_range"), o.get("source_range")
                length = seconds(ar["duration"]) if ar else (
                    seconds(sr["start_time"]) + seconds(sr["duration"]) if sr else 0.0)
                name = re.split(r"[/\\]", re.sub(r"%([0-9a-fA-F]{2})", lambda m: chr(int(m[1], 16)), url))[-1]
                need[name] = max(need.get(name, 0.0), length)

        walk(doc, visit)
        root.mkdir()
        for q in sequences:
            base = q.get("target_url_base") or ""
            ar = q.get("available_range")
            if ":" in base or base.startswith("/") or not ar:
                continue
            folder = root / base
            folder.mkdir(parents=True, exist_ok=True)
            frames = int(round(ar["duration"]["value"] / ar["duration"]["rate"] * q["rate"]))
            for i in range(frames):
                number = q["start_frame"] + i * q["frame_step"]
                name = f"{q['name_prefix']}{number:0{q['frame_zero_padding']}d}{q['name_suffix']}"
                subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                                f"color=c=0x{(i * 5) % 256:02x}4080:size=160x90", "-frames:v", "1",
                                str(folder / name)], check=True)
        for name, length in need.items():
            out = root / name
            d = f"{length + 1:.3f}"
            ext = out.suffix.lower()
            if ext in (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"):
                args = ["-f", "lavfi", "-i", "testsrc=size=160x90", "-frames:v", "1"]
            elif ext in (".wav", ".aif", ".aiff", ".flac", ".mp3"):
                args = ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={d}", "-ac", "2"]
            else:
                args = ["-f", "lavfi", "-i", f"testsrc2=size=160x90:rate=24:duration={d}",
                        "-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=48000:duration={d}",
                        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
                        "-shortest"]
            subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args, str(out)], check=True)

    def test_each_sample_that_converts_renders_identically(self):
        converted = []
        for path in sorted(SAMPLES.glob("*.otio")):
            with self.subTest(sample=path.name):
                doc = load_otio(path)
                root = self.dir / ("media-" + path.stem)
                self.stand_ins(doc, root)
                # Rendered small (320x180) to keep the test quick: the size is set in the
                # timeline's metadata, where reel reads it.
                if doc.get("OTIO_SCHEMA", "").startswith("Timeline"):
                    metadata = doc.get("metadata") or {}
                    metadata["reel"] = dict(metadata.get("reel") or {}, width=320, height=180)
                    doc["metadata"] = metadata
                sample = self.dir / path.name
                sample.write_text(json.dumps(doc))
                r = run_reel("plan", sample, "--media-root", root)
                if r.code != 0:
                    reason = (r.err.strip().splitlines() or ["(no message)"])[0]
                    print(f"\n{path.name}: does not convert, not round-tripped: {reason}")
                    continue
                emitted = self.dir / "emitted" / (path.stem + ".otio")
                emitted.parent.mkdir(exist_ok=True)
                r = run_reel("plan", sample, "--media-root", root, "--emit", "otio", "-o", emitted)
                self.assertEqual(r.code, 0, r)
                self.assert_same_render((sample, "--media-root", root), (emitted,), path.stem)
                converted.append(path.name)
        print(f"\nround-tripped: {', '.join(converted) or 'none'}")
        self.assertGreater(len(converted), 0, "no sample converts, even with stand-in media")


if __name__ == "__main__":
    unittest.main(verbosity=2)
