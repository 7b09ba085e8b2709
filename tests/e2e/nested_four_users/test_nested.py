# SPDX-License-Identifier: Apache-2.0
"""A comp nested three deep that uses one camera file from four places: the plan reports
the source once, with all four users, their timeline and source ranges."""

import unittest
from pathlib import Path

from reel_e2e import ProjectTestCase


class NestedFourUsers(ProjectTestCase):
    def test_one_source_four_users(self):
        plan = self.plan(self.copy_project(Path(__file__).parent / "project.json"))
        self.assertEqual(plan["totals"]["nesting_depth"], 3)
        self.assertEqual(len(plan["sources"]), 1)
        cam = plan["sources"][0]
        self.assertEqual(cam["id"], "cam")
        paths = sorted(tuple(u["path"]) for u in cam["uses"])
        self.assertEqual(paths, sorted([
            ("cam-at-root",),
            ("level1-at-root", "cam-in-level1"),
            ("level1-at-root", "level2-in-level1", "cam-in-level2"),
            ("level1-at-root", "level2-in-level1", "level3-in-level2", "cam-in-level3"),
        ]))
        deepest = [u for u in cam["uses"] if u["item"] == "cam-in-level3"][0]
        # level1 at 2 s, level2 at +1, level3 at +1; 2 s of source at speed 2 = 1 s.
        self.assertEqual((deepest["timeline"]["start"], deepest["timeline"]["end"]), (4.0, 5.0))
        self.assertEqual((deepest["source"]["start"], deepest["source"]["end"]), (7.0, 9.0))
        self.assertTrue(cam["heavy"])
        # Source ranges merge: 0-2, 1-5, 4-7, 7-9 -> 0-9.
        self.assertEqual(cam["ranges"], [{"start": 0.0, "end": 9.0}])


if __name__ == "__main__":
    unittest.main(verbosity=2)
