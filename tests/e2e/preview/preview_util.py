# SPDX-License-Identifier: Apache-2.0
"""Starting `reel preview` for a test, and reading it: its URL from stderr, its state, its
server-sent events (one reader thread per stream), raw HTTP requests."""

import http.client
import json
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from reel_e2e import REEL

FPS = 24


def colour_doc(colour="#2050c0", seconds=6, colour_span=(2, 3), width=640, height=360):
    """clip_a for `seconds` under a half-transparent colour layer "tint" over colour_span:
    with --segment-seconds 1 the plan cuts at every second and at the layer's ends."""
    start, end = colour_span
    return {"reel": 1,
            "output": {"width": width, "height": height, "fps": FPS, "video": {"preset": "ultrafast"}},
            "media": {"a": {"path": "media/clip_a.mp4"}},
            "tracks": [{"items": [{"type": "clip", "media": "a", "start": 0, "in": 0, "out": seconds}]},
                       {"items": [{"type": "color", "id": "tint", "color": colour, "start": start,
                                   "duration": end - start, "opacity": 0.8}]}]}


class Preview:
    def __init__(self, project, cache, *args, env=None, segment_seconds=1):
        run_env = dict(os.environ, XDG_CACHE_HOME=str(Path(cache).parent / "xdg"))
        run_env.update(env or {})
        self.proc = subprocess.Popen([REEL, "preview", str(project), "--cache-dir", str(cache), "--segment-seconds",
                                      str(segment_seconds), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, text=True, env=run_env)
        self.stderr = []
        self.url = None
        found = threading.Event()

        def read_stderr():
            for line in self.proc.stderr:
                self.stderr.append(line)
                m = re.search(r" at (http://\S+/) ", line)
                if m:
                    self.url = m.group(1)
                    found.set()
            found.set()

        threading.Thread(target=read_stderr, daemon=True).start()
        found.wait(60)
        if not self.url:
            self.proc.kill()
            raise AssertionError("reel preview did not start: " + "".join(self.stderr))
        m = re.match(r"http://([^:/]+|\[[^\]]+\]):(\d+)/", self.url)
        self.host, self.port = m.group(1), int(m.group(2))

    def stop(self):
        """SIGINT, as a user's Ctrl-C; returns (exit code, stats stdout)."""
        if self.proc.stdout.closed:
            return self.proc.returncode, ""
        if self.proc.poll() is None:
            self.proc.send_signal(2)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        out = self.proc.stdout.read()
        if self.proc.returncode not in (0, None) or any("Sanitizer" in line for line in self.stderr):
            print("reel preview's stderr:\n" + "".join(self.stderr)[-20000:], file=sys.stderr)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return self.proc.returncode, out

    def request(self, method, path, headers=None, body=None):
        """(status, body bytes) of one raw request: the path goes out exactly as given."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            hdrs = {"Host": f"127.0.0.1:{self.port}"}
            hdrs.update(headers or {})
            for k, v in hdrs.items():
                conn.putheader(k, v)
            if body is not None or method == "POST":
                conn.putheader("Content-Length", str(len(body or "")))
            conn.endheaders(body.encode() if isinstance(body, str) else body)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def raw(self, data):
        """The first line of the response to raw bytes sent as they are."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall(data)
            reply = b""
            while b"\r\n" not in reply:
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
            return reply.split(b"\r\n", 1)[0].decode(errors="replace")

    def state(self):
        status, body = self.request("GET", "/state")
        assert status == 200, status
        return json.loads(body)

    def wait_ready(self, timeout=180, generation=None):
        end = time.time() + timeout
        while time.time() < end:
            s = self.state()
            if s["segments"] and all(x["state"] == "ready" for x in s["segments"]) and \
                    (generation is None or s["generation"] >= generation):
                return s
            time.sleep(0.2)
        raise AssertionError(f"not every segment became ready: {self.state()}")

    def events(self):
        """A queue of the event stream's events (dicts), read by a thread."""
        q = queue.Queue()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        conn.request("GET", "/events", headers={"Host": f"127.0.0.1:{self.port}"})
        resp = conn.getresponse()
        assert resp.status == 200, resp.status
        assert resp.getheader("Content-Type", "").startswith("text/event-stream")

        def read():
            try:
                for raw in resp:
                    line = raw.decode().rstrip("\n")
                    if line.startswith("data: "):
                        q.put(json.loads(line[6:]))
            except Exception:
                pass

        threading.Thread(target=read, daemon=True).start()
        return q


def take(q, pred, timeout=120):
    """Events from q up to the first that satisfies pred (returned last)."""
    got = []
    end = time.time() + timeout
    while time.time() < end:
        try:
            e = q.get(timeout=max(0.1, end - time.time()))
        except queue.Empty:
            break
        got.append(e)
        if pred(e):
            return got
    raise AssertionError(f"no such event in {timeout} s; got {got[-20:]}")
