# SPDX-License-Identifier: Apache-2.0
"""Missing, unreadable and non-media files: one error listing all of them, exit 4."""

import json
import os
import unittest

from reel_e2e import ProjectTestCase, run_reel


class BadMedia(ProjectTestCase):
    def project(self, media):
        items = [{"type": "clip", "media": mid, "start": i} for i, mid in enumerate(media)]
        # Clips would overlap on one track: give each its own.
        return self.write_project({
            "reel": 1, "output": {"width": 320, "height": 240, "fps": 30},
            "media": {mid: {"path": path} for mid, path in media.items()},
            "tracks": [{"items": [item]} for item in items],
        })

    def expect(self, media, message):
        r = run_reel("plan", self.project(media), "-o", self.dir / "plan.json", "--stats", "-")
        self.assertEqual(r.code, 4, r)
        self.assertIn(message, r.err)
        self.assertFalse((self.dir / "plan.json").exists())
        return json.loads(r.out)["error"]

    def test_missing_file(self):
        err = self.expect({"cam": "media/nope.mp4"}, 'media "cam"')
        self.assertIn("file not found", err["message"])
        self.assertEqual(err["pointer"], "/media/cam/path")
        self.assertEqual(err["file"], str(self.dir / "project.json"))
        self.assertGreater(err["line"], 0)

    def test_text_file(self):
        self.expect({"doc": "media/notmedia.txt"}, "not a media file")

    def test_empty_file(self):
        self.expect({"e": "media/empty.mp4"}, "is empty (0 bytes)")

    def test_truncated_file(self):
        err = self.expect({"t": "media/truncated.mp4"}, 'media "t"')
        self.assertTrue("not a media file" in err["message"] or "stream information" in err["message"]
                        or "no video" in err["message"], err)

    def test_directory(self):
        self.expect({"d": "media"}, "is a directory")

    def test_unreadable_file(self):
        if os.geteuid() == 0:
            self.skipTest("root reads files whatever their permissions")
        path = self.dir / "locked.mp4"
        path.write_bytes((self.dir / "media" / "clip_a.mp4").read_bytes())
        path.chmod(0)
        self.expect({"l": "locked.mp4"}, "cannot be read")

    def test_all_problems_reported_at_once(self):
        err = self.expect({"one": "media/nope1.mp4", "two": "media/notmedia.txt", "three": "media/nope3.mov",
                           "ok": "media/clip_a.mp4"}, "3 problems found")
        messages = [err["message"]] + [m["message"] for m in err["more"]]
        self.assertEqual(len(messages), 3)
        for mid in ["one", "two", "three"]:
            self.assertTrue(any(f'media "{mid}"' in m for m in messages), messages)


if __name__ == "__main__":
    unittest.main(verbosity=2)
