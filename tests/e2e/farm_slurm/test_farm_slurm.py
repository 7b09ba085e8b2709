# SPDX-License-Identifier: Apache-2.0
"""Issue 13 through a real scheduler: a one-node Slurm (scripts/slurm-local.sh) runs the
segment tasks of `reel plan --emit slurm --submit` as a job array and the join as a job
that depends on it (afterok). Checked against a local `reel render` of the same timeline
by the ffmpeg CLI: per-frame MD5s of the pictures and the MD5 of the decoded sound.
Slurm's own view (scontrol) says what ran, failed or was cancelled.

Skipped, saying why, when not root or when Slurm cannot be installed or started."""

import os
import re
import subprocess
import sys
import time
import unittest

from farm_util import SEG, assert_same_render, farm_doc, local_render, read_json
from reel_e2e import SOURCE, ProjectTestCase, run_reel

_started_here = False


def setUpModule():
    global _started_here
    if os.geteuid() != 0:
        reason = "farm_slurm: skipped: not root (scripts/slurm-local.sh installs and runs Slurm as root)"
        print(reason, file=sys.stderr)
        raise unittest.SkipTest(reason)
    up = subprocess.run(["sinfo", "-h"], capture_output=True, text=True) if _have("sinfo") else None
    proc = subprocess.run(["sh", str(SOURCE / "scripts" / "slurm-local.sh")], capture_output=True, text=True,
                          timeout=600)
    if proc.returncode != 0:
        reason = "farm_slurm: skipped: a one-node Slurm could not be started: " + proc.stderr.strip()[-600:]
        print(reason, file=sys.stderr)
        raise unittest.SkipTest(reason)
    _started_here = up is None or up.returncode != 0


def tearDownModule():
    if _started_here:
        subprocess.run(["sh", str(SOURCE / "scripts" / "slurm-local.sh"), "--stop"], capture_output=True)


def _have(tool):
    return any(os.access(os.path.join(d, tool), os.X_OK) for d in os.environ.get("PATH", "").split(os.pathsep))


def job_state(job):
    out = subprocess.run(["scontrol", "show", "job", str(job)], capture_output=True, text=True).stdout
    return re.findall(r"JobState=(\w+)", out)


def array_states(job):
    """{array index: state} of the elements Slurm still has a record of."""
    out = subprocess.run(["scontrol", "show", "job", str(job)], capture_output=True, text=True).stdout
    return {int(i): st for i, st in re.findall(r"ArrayTaskId=(\d+).*?JobState=(\w+)", out, re.S)}


def wait_for(job, timeout=120):
    """The job's final state(s) (one per array element), once none is pending or running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = job_state(job)
        if states and not any(s in ("PENDING", "RUNNING", "CONFIGURING", "COMPLETING") for s in states):
            return states
        time.sleep(0.5)
    raise AssertionError(f"Slurm job {job} still {job_state(job)} after {timeout} s")


class FarmSlurm(ProjectTestCase):
    def setUp(self):
        super().setUp()
        self.project = self.write_project(farm_doc())
        self.shared = self.dir / "shared-cache"
        self.job = self.dir / "job.sh"
        self.out = self.dir / "farm.mp4"

    def submit(self, *args):
        """reel plan --emit slurm --submit: (array job id or None, join job id, stats)."""
        r = run_reel("plan", self.project, "--cache-dir", self.shared, "--segment-seconds", SEG, "--emit", "slurm",
                     "--join-output", self.out, "-o", self.job, "-y", "--submit",
                     "--stats", self.dir / "emit.stats.json", *args)
        self.assertEqual(r.code, 0, r)
        m = re.search(r"segments job (\d+) \(\d+ tasks\), join job (\d+)", r.out)
        if m:
            return m.group(1), m.group(2), read_json(self.dir / "emit.stats.json")
        m = re.search(r"join job (\d+)", r.out)
        self.assertIsNotNone(m, r)
        return None, m.group(1), read_json(self.dir / "emit.stats.json")

    def logs(self):
        logs = self.dir / "job-logs"
        return "\n".join(f"--- {p.name}\n{p.read_text()[-1500:]}" for p in sorted(logs.glob("*.out")))

    def test_farm_render_equals_local_render(self):
        t0 = time.monotonic()
        reference = local_render(self, self.project, self.dir / "local.mp4", self.dir / "local-cache")
        local_seconds = time.monotonic() - t0
        t0 = time.monotonic()
        array, join, stats = self.submit("--tasks", "3", "--max-parallel", "2")
        self.assertIsNotNone(array)
        self.assertEqual(set(wait_for(array)), {"COMPLETED"}, self.logs())
        self.assertEqual(wait_for(join), ["COMPLETED"], self.logs())
        farm_seconds = time.monotonic() - t0
        print(f"\nfarm_slurm: local render {local_seconds:.2f} s, one-node Slurm (3 tasks + join) "
              f"{farm_seconds:.2f} s, estimated balance max/mean {stats['farm']['cost_balance']:.3f}", file=sys.stderr)
        assert_same_render(self, self.out, reference, "Slurm farm")

    def test_cancelled_task_cancels_the_join_and_only_missing_reruns_it(self):
        reference = local_render(self, self.project, self.dir / "local.mp4", self.dir / "local-cache")
        array, join, _ = self.submit("--tasks", "3", "--max-parallel", "1")
        # One at a time: task 1 is still pending when it is cancelled.
        subprocess.run(["scancel", f"{array}_1"], check=True)
        wait_for(array)
        # A pending element cancelled leaves no record; the others completed.
        states = array_states(array)
        self.assertEqual(states, {0: "COMPLETED", 2: "COMPLETED"}, self.logs())
        # The join is cancelled (kill_invalid_depend), not left pending.
        self.assertEqual(wait_for(join, timeout=90), ["CANCELLED"], self.logs())
        self.assertFalse(self.out.exists())
        array2, join2, stats = self.submit("--only-missing")
        self.assertEqual([t["task"] for t in stats["farm"]["tasks"] if t["submitted"]], [1])
        self.assertRegex(self.job.read_text(), r"--array=1 ")
        self.assertEqual(wait_for(array2), ["COMPLETED"], self.logs())
        self.assertEqual(wait_for(join2), ["COMPLETED"], self.logs())
        assert_same_render(self, self.out, reference, "Slurm farm after resubmitting the cancelled task")

    def test_corrupt_segment_on_the_shared_cache_is_refused_and_repaired(self):
        reference = local_render(self, self.project, self.dir / "local.mp4", self.dir / "local-cache")
        array, join, _ = self.submit("--tasks", "2")
        wait_for(array)
        self.assertEqual(wait_for(join), ["COMPLETED"], self.logs())
        tasks = read_json(str(self.job) + ".tasks.json")["tasks"]
        index, key = tasks[0]["segments"][-1], tasks[0]["keys"][-1]
        seg = self.shared / "segments" / key[:2] / f"{key}.mp4"
        data = bytearray(seg.read_bytes())
        data[len(data) // 2] ^= 0xFF
        seg.write_bytes(bytes(data))
        # The join's own command, as the script runs it.
        r = run_reel("render", self.project, "--cache-dir", self.shared, "--segment-seconds", SEG, "--join",
                     "-y", "-o", self.out)
        self.assertEqual(r.code, 7, r)
        self.assertRegex(r.err, rf"segment {index} \([^)]*checksum")
        array2, join2, stats = self.submit("--only-missing")
        self.assertEqual([t["task"] for t in stats["farm"]["tasks"] if t["submitted"]], [0])
        self.assertEqual(wait_for(array2), ["COMPLETED"], self.logs())
        self.assertEqual(wait_for(join2), ["COMPLETED"], self.logs())
        assert_same_render(self, self.out, reference, "Slurm farm after repairing a corrupt segment")


if __name__ == "__main__":
    unittest.main()
