# SPDX-License-Identifier: Apache-2.0
"""Issue 15, the server side of `reel preview`, end to end: what it serves (and nothing
else: traversal attempts get 404), where it listens, the plan and the segments it renders
(checked by ffprobe), the event stream after an edit (exactly the segments the edited
layer overlaps render again, the one at the playhead first), and a malformed edit (a
located error in the events; the last good preview keeps being served).

Oracles: the plan's segment ranges against the layer's span, computed here; ffprobe for
each served segment; /proc/net/tcp for the listening address."""

import json
import shutil
import time
import unittest
from pathlib import Path

from preview_util import FPS, Preview, colour_doc, take
from reel_e2e import MEDIA, ProjectTestCase, ffprobe, run_reel, validate

SPAN = (2, 3)  # the "tint" layer, seconds


def overlapping(segments, span):
    return {s["index"] for s in segments if s["start"] < span[1] and span[0] < s["end"]}


class PreviewTestCase(ProjectTestCase):
    def start(self, doc=None, *args):
        self.project = self.write_project(doc or colour_doc(colour_span=SPAN))
        self.preview = Preview(self.project, self.dir / "cache", *args)
        self.addCleanup(self.preview.stop)
        return self.preview


class Serving(PreviewTestCase):
    def test_page_state_and_segments(self):
        p = self.start()
        status, page = p.request("GET", "/")
        self.assertEqual(status, 200)
        self.assertIn(b"MediaSource", page)
        self.assertIn(b"EventSource", page)
        s = p.wait_ready()
        self.assertEqual((s["width"], s["height"]), (640, 360))
        self.assertAlmostEqual(s["duration"], 6.0, places=3)
        starts = [x["start"] for x in s["segments"]]
        self.assertEqual(starts, sorted(starts))
        self.assertAlmostEqual(s["segments"][-1]["end"], 6.0, places=3)
        for seg in s["segments"]:
            status, blob = p.request("GET", f"/segment/{seg['key']}.mp4")
            self.assertEqual(status, 200)
            path = self.dir / f"seg{seg['index']}.mp4"
            path.write_bytes(blob)
            self.assertEqual(blob[4:8], b"ftyp")
            self.assertIn(b"moof", blob)  # fragmented
            info = ffprobe(path, "-select_streams", "v", "-count_frames", "-show_entries",
                           "stream=codec_name,width,height,nb_read_frames")["streams"][0]
            want = round((seg["end"] - seg["start"]) * FPS)
            self.assertEqual((info["codec_name"], info["width"], info["height"], int(info["nb_read_frames"])),
                             ("h264", 640, 360, want), seg)
        code, out = p.stop()
        self.assertEqual(code, 0, "".join(p.stderr))

    def test_from_proxies_at_half_size(self):
        p = self.start(None, "--proxy", "--make-proxies", "--scale", "0.5")
        s = p.wait_ready()
        self.assertEqual((s["width"], s["height"]), (320, 180))
        seg = s["segments"][0]
        path = self.dir / "small.mp4"
        path.write_bytes(p.request("GET", f"/segment/{seg['key']}.mp4")[1])
        info = ffprobe(path, "-select_streams", "v", "-show_entries", "stream=width,height")["streams"][0]
        self.assertEqual((info["width"], info["height"]), (320, 180))

    def test_stats_on_stop(self):
        p = self.start(None, "--stats", "-")
        p.wait_ready()
        code, out = p.stop()
        self.assertEqual(code, 0)
        stats = json.loads(out)
        (self.dir / "stats.json").write_text(out)
        code, said = validate("stats.schema.json", self.dir / "stats.json")
        self.assertEqual(code, 0, said)
        self.assertEqual(stats["command"], "preview")
        self.assertTrue(stats["ok"])
        self.assertEqual(stats["segments_rendered"] + stats["segments_reused"], len(p_state_segments(self)))
        self.assertGreater(stats["first_ready_seconds"], 0)


def p_state_segments(test):
    plan = run_reel("plan", test.project, "--segment-seconds", "1")
    return plan.json()["segments"]


class NothingElse(PreviewTestCase):
    def test_traversal_attempts_get_404(self):
        p = self.start()
        s = p.wait_ready()
        key = s["segments"][0]["key"]
        attempts = [
            "/../../../../etc/passwd", "/etc/passwd", "//etc/passwd", "/segment/../../etc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "/segment/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
            "/segment/..%2f..%2f..%2fetc%2fpasswd.mp4", "/%2fetc%2fpasswd", "/segment/%2fetc%2fpasswd.mp4",
            "/segment/" + key + ".mp4/../../../etc/passwd", "/segment/" + key.upper() + ".mp4",
            "/segment/" + key + ".mp4%00.html", "/segment/" + key[:-1] + ".mp4", "/..\\..\\etc\\passwd",
            "/state/../../etc/passwd", "/index.html", "/player.html", "/lib/preview/player.html",
            "/" + str(self.project), "/" + str(self.project).replace("/", "%2f"), "/media/clip_a.mp4",
            "/segment/" + key + ".mp4.json", "/events/../state/../etc/passwd",
        ]
        for path in attempts:
            with self.subTest(path=path):
                status, body = p.request("GET", path)
                self.assertEqual(status, 404, body[:200])
                self.assertNotIn(b"root:", body)
                self.assertNotIn(b"\"reel\"", body)
        # A segment no plan has (well formed) is 404 too; the real one is there.
        self.assertEqual(p.request("GET", "/segment/" + "0" * 64 + ".mp4")[0], 404)
        self.assertEqual(p.request("GET", "/segment/" + key + ".mp4")[0], 200)
        # An absolute-form request target is no way around it.
        self.assertNotIn(" 200 ", p.raw(f"GET http://127.0.0.1:{p.port}/../../etc/passwd HTTP/1.1\r\n"
                                        f"Host: 127.0.0.1:{p.port}\r\n\r\n".encode()))

    def test_other_hosts_and_bad_requests_are_refused(self):
        p = self.start()
        self.assertEqual(p.request("GET", "/state", headers={"Host": "evil.example"})[0], 403)
        self.assertEqual(p.request("GET", "/state", headers={"Host": f"attacker.test:{p.port}"})[0], 403)
        for t in ("abc", "-1", "nan", "inf", "1e309", "", "1;rm"):
            with self.subTest(t=t):
                self.assertEqual(p.request("POST", "/playhead?t=" + t)[0], 400)
        self.assertEqual(p.request("POST", "/playhead?t=2.5")[0], 204)
        self.assertIn(p.request("DELETE", "/state")[0], (404, 405))
        self.assertIn(p.request("POST", "/playhead?t=1", body="x" * 100000)[0], (400, 413))

    def test_listens_on_loopback_only_unless_bind_is_given(self):
        p = self.start()
        self.assertEqual(p.host, "127.0.0.1")
        listening = []
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port = local.split(":")
            if int(port, 16) == p.port and state == "0A":
                listening.append(address)
        self.assertEqual(listening, ["0100007F"])  # 127.0.0.1, and nothing else
        p.stop()
        # Another address takes --bind, and is warned about.
        q = Preview(self.project, self.dir / "cache2", "--bind", "0.0.0.0")
        try:
            self.assertTrue(any("warning: listening on 0.0.0.0" in line for line in q.stderr), q.stderr)
        finally:
            q.stop()


class Edits(PreviewTestCase):
    def test_exactly_the_overlapped_segments_render_again_nearest_the_playhead_first(self):
        p = self.start()
        before = p.wait_ready()
        events = p.events()
        take(events, lambda e: e["type"] == "state")
        # The player is in the last segment the layer covers: that one goes first.
        wanted = overlapping(before["segments"], SPAN)
        self.assertTrue(wanted)
        at = max(wanted)
        seg = before["segments"][at]
        self.assertEqual(p.request("POST", f"/playhead?t={(seg['start'] + seg['end']) / 2}")[0], 204)
        doc = colour_doc(colour="#e03020", colour_span=SPAN)
        self.write_project(doc)
        got = take(events, lambda e: e["type"] == "plan")
        plan = got[-1]
        self.assertEqual(set(plan["changed"]), wanted)
        rendered = []
        ready = set()
        while ready != wanted:
            e = take(events, lambda e: e["type"] == "segment")[-1]
            if e["generation"] != plan["state"]["generation"]:
                continue
            if e["state"] == "encoding":
                rendered.append(e["index"])
            if e["state"] == "ready":
                self.assertTrue(e["rendered"], e)
                ready.add(e["index"])
        self.assertEqual(set(rendered), wanted)
        self.assertEqual(rendered[0], at)
        after = p.wait_ready()
        same = [i for i in range(len(after["segments"])) if i not in wanted]
        for i in same:
            self.assertEqual(after["segments"][i]["key"], before["segments"][i]["key"])
        for i in wanted:
            self.assertNotEqual(after["segments"][i]["key"], before["segments"][i]["key"])

    def test_a_source_replaced_in_place_renders_what_uses_it_again(self):
        local = self.dir / "local.mp4"
        shutil.copyfile(MEDIA / "clip_a.mp4", local)
        doc = colour_doc(colour_span=SPAN, seconds=3)
        doc["media"]["a"]["path"] = "local.mp4"
        p = self.start(doc)
        before = p.wait_ready()
        events = p.events()
        take(events, lambda e: e["type"] == "state")
        time.sleep(0.05)
        shutil.copyfile(MEDIA / "clip_b.mov", local)  # re-exported under the same name
        plan = take(events, lambda e: e["type"] == "plan")[-1]
        self.assertEqual(set(plan["changed"]), {s["index"] for s in before["segments"]})
        after = p.wait_ready(generation=plan["state"]["generation"])
        self.assertFalse({s["key"] for s in before["segments"]} & {s["key"] for s in after["segments"]})

    def test_a_malformed_edit_is_a_located_error_and_the_last_preview_stays(self):
        p = self.start()
        before = p.wait_ready()
        events = p.events()
        take(events, lambda e: e["type"] == "state")
        text = json.dumps(colour_doc(colour_span=SPAN), indent=2)
        broken = text.replace('"opacity": 0.8', '"opacity": 0.8,,')
        self.project.write_text(broken)
        e = take(events, lambda e: e["type"] == "error")[-1]
        err = e["error"]
        self.assertEqual(err["code"], "timeline")
        line = next(i + 1 for i, l in enumerate(broken.splitlines()) if ",," in l)
        self.assertEqual(err["line"], line, err)
        self.assertGreater(err["column"], 0)
        s = p.state()
        self.assertEqual(s["generation"], before["generation"])
        self.assertEqual(s["error"]["line"], line)
        for seg in s["segments"]:
            self.assertEqual(seg["state"], "ready")
            self.assertEqual(p.request("GET", f"/segment/{seg['key']}.mp4")[0], 200)
        # A schema violation is located too; then a good save plays again.
        bad = colour_doc(colour_span=SPAN)
        bad["tracks"][1]["items"][0]["opacity"] = 7
        self.write_project(bad)
        e = take(events, lambda e: e["type"] == "error")[-1]
        self.assertIn("/tracks/1/items/0/opacity", e["error"]["pointer"])
        self.write_project(colour_doc(colour="#10a040", colour_span=SPAN))
        plan = take(events, lambda e: e["type"] == "plan")[-1]
        self.assertIsNone(plan["state"]["error"])
        p.wait_ready(generation=plan["state"]["generation"])
        self.assertTrue(p.proc.poll() is None)


if __name__ == "__main__":
    unittest.main()
