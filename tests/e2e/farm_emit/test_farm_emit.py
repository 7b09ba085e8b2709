# SPDX-License-Identifier: Apache-2.0
"""Issue 13 without a scheduler: `reel plan --emit slurm|k8s` writes a job and its task
file, the tasks are run here by hand as a scheduler would run them (SLURM_ARRAY_TASK_ID,
JOB_COMPLETION_INDEX), and `reel render --join` composites them. Checked against a local
`reel render` by the ffmpeg CLI (per-frame MD5s, the sound's MD5), the Kubernetes YAML
parsed with PyYAML. The same flow through a real one-node Slurm is farm_slurm."""

import json
import os
import unittest

from farm_util import SEG, assert_same_render, decoded_md5s, farm_doc, local_render, read_json
from reel_e2e import ProjectTestCase, run_reel

try:
    import yaml
except ImportError:  # python3-yaml
    yaml = None


class FarmEmit(ProjectTestCase):
    def setUp(self):
        super().setUp()
        self.project = self.write_project(farm_doc())
        self.shared = self.dir / "shared-cache"
        self.job = self.dir / "job.sh"

    def emit(self, *args, job=None):
        job = job or self.job
        r = run_reel("plan", self.project, "--cache-dir", self.shared, "--segment-seconds", SEG, "-o", job, "-y",
                     "--stats", self.dir / "emit.stats.json", *args)
        self.assertEqual(r.code, 0, r)
        return read_json(str(job) + ".tasks.json"), read_json(self.dir / "emit.stats.json")

    def run_task(self, tasks_file, i, var="SLURM_ARRAY_TASK_ID"):
        r = run_reel("segment", self.project, "--cache-dir", self.shared, "--segment-seconds", SEG,
                     "--tasks-file", tasks_file, "--task", "env", "--stats", "-", "-q", env={var: str(i)})
        self.assertEqual(r.code, 0, r)
        return r.json()

    def join(self, out):
        return run_reel("render", self.project, "--cache-dir", self.shared, "--segment-seconds", SEG, "--join",
                        "-o", out, "--stats", "-", "-q")

    def test_tasks_by_hand_then_join_equal_a_local_render(self):
        tasks, stats = self.emit("--emit", "slurm", "--tasks", "3", "--max-parallel", "2")
        plan = self.plan(self.project, "--segment-seconds", SEG, "--cache-dir", self.shared)
        n = len(plan["segments"])
        self.assertGreaterEqual(n, 6)
        self.assertEqual(len(tasks["tasks"]), 3)
        covered = [s for t in tasks["tasks"] for s in t["segments"]]
        self.assertEqual(covered, list(range(n)), "every dirty segment once, runs in order")
        script = self.job.read_text()
        self.assertIn("--array=0-2%2", script)
        self.assertIn("--dependency=afterok:$array", script)
        self.assertIn("--join", script)
        self.assertTrue(os.access(self.job, os.X_OK), "the script is executable")
        self.assertEqual([t["task"] for t in stats["farm"]["tasks"]], [0, 1, 2])
        rendered = 0
        for i in range(3):
            s = self.run_task(str(self.job) + ".tasks.json", i, "SLURM_ARRAY_TASK_ID" if i else "JOB_COMPLETION_INDEX")
            self.assertEqual(s["segments"], len(tasks["tasks"][i]["segments"]))
            rendered += s["segments_rendered"]
        self.assertEqual(rendered, n)
        r = self.join(self.dir / "farm.mp4")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.json()["segments_rendered"], 0, "the join only composites")
        reference = local_render(self, self.project, self.dir / "local.mp4", self.dir / "local-cache")
        assert_same_render(self, self.dir / "farm.mp4", reference, "farm (tasks by hand)")

    def test_one_segment_per_process_decodes_like_a_whole_render(self):
        # A farm node rendering one segment has spare cores for its encoder; x264's pictures
        # depend on its thread count (with veryfast, 21 of 150 frames differed before reel
        # pinned a software encoder to one thread). Two threads each, one segment a process.
        self.project.write_text(json.dumps(farm_doc(preset="veryfast")))
        n = len(self.plan(self.project, "--segment-seconds", SEG)["segments"])
        for i in range(n):
            r = run_reel("segment", self.project, "--cache-dir", self.shared, "--segment-seconds", SEG,
                         "--index", str(i), "--threads", "2", "--stats", "-", "-q")
            self.assertEqual(r.code, 0, r)
            self.assertEqual(r.json()["encoder_threads"], 1)
        r = self.join(self.dir / "farm.mp4")
        self.assertEqual(r.code, 0, r)
        r = run_reel("render", self.project, "-o", self.dir / "local.mp4", "--cache-dir", self.dir / "local-cache",
                     "--segment-seconds", SEG, "--threads", "2", "-q")
        self.assertEqual(r.code, 0, r)
        assert_same_render(self, self.dir / "farm.mp4", decoded_md5s(self.dir / "local.mp4"), "one segment a process")

    def test_only_dirty_segments_become_tasks(self):
        r = run_reel("segment", self.project, "--cache-dir", self.shared, "--segment-seconds", SEG, "--index", "0,1", "-q")
        self.assertEqual(r.code, 0, r)
        tasks, _ = self.emit("--emit", "slurm", "--tasks", "2")
        covered = sorted(s for t in tasks["tasks"] for s in t["segments"])
        self.assertNotIn(0, covered)
        self.assertNotIn(1, covered)
        self.assertEqual(covered[0], 2)

    def test_join_refuses_missing_segments_naming_them_and_only_missing_resubmits(self):
        tasks, _ = self.emit("--emit", "slurm", "--tasks", "3")
        tasks_file = str(self.job) + ".tasks.json"
        self.run_task(tasks_file, 0)
        self.run_task(tasks_file, 2)
        r = self.join(self.dir / "farm.mp4")
        self.assertEqual(r.code, 7, r)
        self.assertFalse((self.dir / "farm.mp4").exists(), "nothing written")
        missing = tasks["tasks"][1]["segments"]
        for i in missing:
            self.assertRegex(r.err, rf"segment {i} \(missing\)")
        self.assertIn("--index " + ",".join(map(str, missing)), r.err)
        self.assertIn("--only-missing", r.err)
        _, stats = self.emit("--emit", "slurm", "--only-missing")
        submitted = [t["task"] for t in stats["farm"]["tasks"] if t["submitted"]]
        self.assertEqual(submitted, [1])
        self.assertIn("--array=1 ", self.job.read_text())
        self.run_task(tasks_file, 1)
        self.assertEqual(self.join(self.dir / "farm.mp4").code, 0)
        _, stats = self.emit("--emit", "slurm", "--only-missing")
        self.assertEqual([t for t in stats["farm"]["tasks"] if t["submitted"]], [])
        self.assertNotIn("--array", self.job.read_text(), "nothing missing: only the join")

    def test_corrupt_segment_is_refused_named_and_its_task_rerun_repairs_it(self):
        tasks, _ = self.emit("--emit", "slurm", "--tasks", "2")
        tasks_file = str(self.job) + ".tasks.json"
        for i in range(2):
            self.run_task(tasks_file, i)
        victim_task = tasks["tasks"][1]
        index, key = victim_task["segments"][0], victim_task["keys"][0]
        seg = self.shared / "segments" / key[:2] / f"{key}.mp4"
        data = bytearray(seg.read_bytes())
        data[len(data) // 2] ^= 0xFF  # same size, other bytes
        seg.write_bytes(bytes(data))
        r = self.join(self.dir / "farm.mp4")
        self.assertEqual(r.code, 7, r)
        self.assertRegex(r.err, rf"segment {index} \([^)]*checksum")
        self.assertFalse((self.dir / "farm.mp4").exists())
        _, stats = self.emit("--emit", "slurm", "--only-missing")
        self.assertEqual([t["task"] for t in stats["farm"]["tasks"] if t["submitted"]], [1])
        s = self.run_task(tasks_file, 1)
        self.assertEqual(s["segments_rendered"], 1, "the damaged segment rendered again")
        r = self.join(self.dir / "farm.mp4")
        self.assertEqual(r.code, 0, r)
        reference = local_render(self, self.project, self.dir / "local.mp4", self.dir / "local-cache")
        assert_same_render(self, self.dir / "farm.mp4", reference, "farm after the repair")

    def test_segment_with_the_wrong_frame_count_is_refused(self):
        tasks, _ = self.emit("--emit", "slurm", "--tasks", "1")
        self.run_task(str(self.job) + ".tasks.json", 0)
        index, key = tasks["tasks"][0]["segments"][2], tasks["tasks"][0]["keys"][2]
        sidecar = self.shared / "segments" / key[:2] / f"{key}.json"
        doc = json.loads(sidecar.read_text())
        doc["frames"] += 1  # the file is intact; its record says one frame more
        sidecar.write_text(json.dumps(doc))
        r = self.join(self.dir / "farm.mp4")
        self.assertEqual(r.code, 7, r)
        self.assertRegex(r.err, rf"segment {index} \(its sidecar records \d+ frames, expected \d+")
        self.assertFalse(sidecar.exists(), "removed, so that its task renders it again")

    def test_task_file_from_another_plan_is_refused(self):
        self.emit("--emit", "slurm", "--tasks", "2")
        other = farm_doc()
        other["tracks"][1]["items"][0]["color"] = "#ff0000"
        self.project.write_text(json.dumps(other))
        r = run_reel("segment", self.project, "--cache-dir", self.shared, "--segment-seconds", SEG,
                     "--tasks-file", str(self.job) + ".tasks.json", "--task", "0")
        self.assertEqual(r.code, 2, r)
        self.assertIn("emit the job again", r.err)

    def test_usage_errors_name_the_flag(self):
        for args, needle in ((["--tasks", "2"], "--tasks"), (["--emit", "slurm"], "-o FILE"),
                             (["--emit", "k8s", "--submit", "-o", self.dir / "x.yaml"], "--submit"),
                             (["--emit", "slurm", "--tasks", "2", "--task-seconds", "3", "-o", self.job], "--tasks")):
            r = run_reel("plan", self.project, *args)
            self.assertEqual(r.code, 2, r)
            self.assertIn(needle, r.err)
        r = run_reel("segment", self.project, "--task", "env", "--tasks-file", self.dir / "none.json")
        self.assertEqual(r.code, 2, r)
        r = run_reel("render", self.project, "--join", "--no-cache", "-o", self.dir / "x.mp4")
        self.assertEqual(r.code, 2, r)
        self.assertIn("--join", r.err)

    @unittest.skipIf(yaml is None, "python3-yaml is not installed")
    def test_k8s_indexed_job_and_join_shape(self):
        job = self.dir / "job.yaml"
        tasks, _ = self.emit("--emit", "k8s", "--tasks", "3", "--max-parallel", "2", "--image", "example/reel:1",
                             job=job)
        docs = [d for d in yaml.safe_load_all(job.read_text()) if d]
        kinds = [d["kind"] for d in docs]
        self.assertEqual(kinds, ["Job", "ServiceAccount", "Role", "RoleBinding", "Job"])
        segments, join = docs[0], docs[-1]
        for d in docs:
            self.assertIn("apiVersion", d)
            # DNS-1123 labels; the Indexed Job's pod names add "-<index>-<5 chars>" within 63.
            self.assertRegex(d["metadata"]["name"], r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
            self.assertLessEqual(len(d["metadata"]["name"]), 52)
        self.assertTrue(segments["metadata"]["name"].startswith("reel-project-"), segments["metadata"])
        spec = segments["spec"]
        self.assertEqual(segments["apiVersion"], "batch/v1")
        self.assertEqual(spec["completionMode"], "Indexed")
        self.assertEqual(spec["completions"], 3)
        self.assertEqual(spec["parallelism"], 2)
        self.assertGreaterEqual(spec["backoffLimitPerIndex"], 1)
        pod = spec["template"]["spec"]
        self.assertEqual(pod["restartPolicy"], "Never")
        container = pod["containers"][0]
        self.assertEqual(container["image"], "example/reel:1")
        command = " ".join(container["command"])
        self.assertIn("JOB_COMPLETION_INDEX", command)
        self.assertIn("--task env", command)
        # A resubmission is a new Job (a finished one cannot be applied again).
        self.run_task(str(job) + ".tasks.json", 0)
        self.emit("--emit", "k8s", "--only-missing", job=job)
        again = [d for d in yaml.safe_load_all(job.read_text()) if d]
        self.assertNotEqual(again[0]["metadata"]["name"], segments["metadata"]["name"])
        self.assertEqual(again[0]["spec"]["completions"], 2)
        self.assertIn("set -- 1 2;", " ".join(again[0]["spec"]["template"]["spec"]["containers"][0]["command"]))
        self.assertIn(str(self.job.parent), " ".join(m["mountPath"] for m in container["volumeMounts"]))
        self.assertEqual(pod["volumes"][0]["persistentVolumeClaim"]["claimName"], "reel-shared")
        jspec = join["spec"]["template"]["spec"]
        self.assertEqual(join["spec"]["backoffLimit"], 0)
        self.assertIn("segments", " ".join(jspec["initContainers"][0]["command"]))
        self.assertIn("--join", jspec["containers"][0]["command"])
        self.assertEqual(jspec["serviceAccountName"], docs[1]["metadata"]["name"])
        role = docs[2]["rules"][0]
        self.assertIn("jobs", role["resources"])


if __name__ == "__main__":
    unittest.main()
