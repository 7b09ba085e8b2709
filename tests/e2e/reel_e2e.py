# SPDX-License-Identifier: Apache-2.0
"""Shared helpers for reel's end-to-end tests: run the binary, make project folders
beside the generated media, and ask independent tools (ffprobe, JSON Schema) about it."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REEL = os.environ.get("REEL", "reel")
MEDIA = Path(os.environ.get("REEL_TEST_MEDIA", "build/test-media")).resolve()
SOURCE = Path(os.environ.get("REEL_SOURCE_DIR", Path(__file__).resolve().parents[2]))


class Result:
    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return f"exit {self.code}\nstdout: {self.out[:2000]}\nstderr: {self.err[:2000]}"


def run_reel(*args, cwd=None, timeout=300, env=None):
    """Runs reel. Unless `env` says otherwise, each call gets its own empty segment cache
    (XDG_CACHE_HOME), so renders never reuse what an earlier test left."""
    with tempfile.TemporaryDirectory(prefix="reel-xdg-") as xdg:
        run_env = dict(os.environ, XDG_CACHE_HOME=xdg)
        run_env.update(env or {})
        proc = subprocess.run([REEL, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL, env=run_env)
    return Result(proc)


_sanitized = None


def sanitized():
    """Whether the reel under test is built with a sanitizer (AddressSanitizer or
    ThreadSanitizer, linked dynamically by gcc or statically by clang): its RSS counts
    shadow memory and means nothing against a budget."""
    global _sanitized
    if _sanitized is None:
        data = Path(REEL).read_bytes() if Path(REEL).is_file() else b""
        ldd = subprocess.run(["ldd", REEL], capture_output=True, text=True).stdout if data else ""
        _sanitized = any(m in data for m in (b"__asan_init", b"__tsan_init")) or "libasan" in ldd or "libtsan" in ldd
    return _sanitized


def ffprobe(path, *entries):
    """ffprobe -of json of a file, with -show_streams and -show_format by default."""
    args = ["ffprobe", "-v", "error", "-of", "json"]
    args += list(entries) if entries else ["-show_streams", "-show_format"]
    proc = subprocess.run(args + [str(path)], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def validate(schema_name, instance_path):
    """Validates a JSON file against schemas/<schema_name> with the project's checker."""
    checker = SOURCE / "tests" / "schema" / "check_schemas.py"
    proc = subprocess.run([sys.executable, str(checker), "--schema", str(SOURCE / "schemas" / schema_name),
                           "--instance", str(instance_path)], capture_output=True, text=True)
    return proc.returncode, proc.stdout + proc.stderr


class ProjectTestCase(unittest.TestCase):
    """Each test gets a fresh folder with media/ linked to the generated test media."""

    def setUp(self):
        if not (MEDIA / "clip_a.mp4").exists():
            self.fail(f"test media missing in {MEDIA}: run scripts/make-test-media.sh {MEDIA}")
        self.dir = Path(tempfile.mkdtemp(prefix="reel-e2e-"))
        (self.dir / "media").symlink_to(MEDIA)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write_project(self, doc, name="project.json"):
        path = self.dir / name
        path.write_text(json.dumps(doc, indent=2) if not isinstance(doc, str) else doc)
        return path

    def copy_project(self, source, name="project.json"):
        path = self.dir / name
        shutil.copyfile(source, path)
        return path

    def plan(self, project, *args):
        result = run_reel("plan", project, *args)
        self.assertEqual(result.code, 0, result)
        return result.json()
