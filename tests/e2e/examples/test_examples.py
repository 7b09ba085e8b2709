# SPDX-License-Identifier: Apache-2.0
"""Every bundled example plans cleanly and its plan validates against the schema."""

import json
import unittest

from reel_e2e import SOURCE, ProjectTestCase, validate


class Examples(ProjectTestCase):
    def test_every_example_plans(self):
        examples = sorted((SOURCE / "examples").glob("*.json"))
        self.assertGreater(len(examples), 0)
        for example in examples:
            with self.subTest(example.name):
                plan = self.plan(self.copy_project(example, example.name))
                self.assertGreater(plan["totals"]["frames"], 0)
                self.assertEqual(plan["warnings"], [])
                out = self.write_project(json.dumps(plan), example.stem + ".plan.json")
                code, text = validate("plan.schema.json", out)
                self.assertEqual(code, 0, text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
