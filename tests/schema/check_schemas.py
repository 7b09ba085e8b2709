#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks reel's JSON Schemas (schemas/*.schema.json, JSON Schema 2020-12).

  check_schemas.py --repo DIR
      (a) the schemas are valid 2020-12 schemas and describe every property they declare;
      (b) every tests/data/timelines/valid/*.json, examples/*.json and bench/pipeline/*.json
          (suite.json aside) validates against schemas/timeline.schema.json;
      (c) every fixture in tests/data/timelines/invalid/expectations.json marked
          "schema": "reject" is rejected by the schema, and every one marked "accept" (an
          error only the C++ validator can find) is accepted. Fixtures that do not parse
          as JSON (syntax errors, duplicate keys: reel's JSON reader rejects both before
          any validation) are skipped.
      Prints one line per failure, then "N passed, M failed"; exits 1 on any failure.

  check_schemas.py --schema FILE --instance FILE|-
      Validates one document (e.g. the output of `reel plan` or `--stats`); prints each
      error as "pointer: message" and exits 1 if there is any.

Needs python3 and python3-jsonschema (4.10 or later) only.
"""

import argparse
import json
import sys
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

SCHEMAS = ("timeline", "plan", "stats", "events")


class DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise DuplicateKey(f'duplicate key "{key}"')
        obj[key] = value
    return obj


def load_json(path):
    """Parses like reel's JSON reader: duplicate keys are an error."""
    if str(path) == "-":
        return json.loads(sys.stdin.read(), object_pairs_hook=_no_duplicates)
    with open(path, encoding="utf-8") as f:
        return json.load(f, object_pairs_hook=_no_duplicates)


def pointer(path):
    """RFC 6901 pointer of a jsonschema error path ("" is the whole document)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def shown(ptr):
    return ptr if ptr else "(root)"


def related(a, b):
    """Whether one pointer is the other or lies inside it."""
    return a == b or a.startswith(b + "/") or b.startswith(a + "/") or not a or not b


def shorten(text, limit=240):
    """jsonschema quotes whole instances in messages; keep a failure on one readable line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def schema_errors(validator, instance):
    """(pointer, message) of every error, sorted by location."""
    errs = sorted(validator.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [(pointer(e.absolute_path), shorten(e.message)) for e in errs]


def errors_of(validator, instance):
    return [f"{shown(p)}: {m}" for p, m in schema_errors(validator, instance)]


def undescribed(node, where="#"):
    """Declared properties without a description, in objects that close their field set."""
    out = []
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict) and "additionalProperties" in node:
            for name, sub in props.items():
                if not (isinstance(sub, dict) and sub.get("description")):
                    out.append(f"{where}/properties/{name}")
        for key, value in node.items():
            out += undescribed(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += undescribed(value, f"{where}/{i}")
    return out


class Report:
    def __init__(self, verbose):
        self.passed = 0
        self.failed = 0
        self.verbose = verbose

    def ok(self, what):
        self.passed += 1
        if self.verbose:
            print(f"ok: {what}")

    def fail(self, what, detail=""):
        self.failed += 1
        print(f"FAIL: {what}" + (f": {detail}" if detail else ""))

    def note(self, text):
        if self.verbose:
            print(text)


def first_line(messages, limit=3):
    shown = "; ".join(messages[:limit])
    if len(messages) > limit:
        shown += f"; ... ({len(messages)} errors)"
    return shown


def check_repo(repo, report):
    schema_dir = repo / "schemas"
    validators = {}
    for name in SCHEMAS:
        path = schema_dir / f"{name}.schema.json"
        rel = path.relative_to(repo)
        try:
            schema = load_json(path)
        except (OSError, ValueError) as e:
            report.fail(str(rel), f"cannot read: {e}")
            continue
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as e:
            report.fail(str(rel), f"not a valid 2020-12 schema: {e.message}")
            continue
        problems = []
        if schema.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
            problems.append('"$schema" is not the 2020-12 meta-schema')
        for key in ("$id", "title", "description"):
            if not schema.get(key):
                problems.append(f'no "{key}"')
        missing = undescribed(schema)
        if missing:
            problems.append("properties without a description: " + ", ".join(missing))
        if problems:
            report.fail(str(rel), "; ".join(problems))
        else:
            report.ok(str(rel))
        validators[name] = Draft202012Validator(schema)

    timeline = validators.get("timeline")
    if timeline is None:
        report.fail("timeline fixtures", "no usable timeline schema; fixtures not checked")
        return

    data = repo / "tests" / "data" / "timelines"
    valid = sorted((data / "valid").glob("*.json")) + sorted((repo / "examples").glob("*.json"))
    valid += [p for p in sorted((repo / "bench" / "pipeline").glob("*.json")) if p.name != "suite.json"]
    for path in valid:
        rel = path.relative_to(repo)
        try:
            doc = load_json(path)
        except (OSError, ValueError) as e:
            report.fail(str(rel), f"does not parse: {e}")
            continue
        errs = errors_of(timeline, doc)
        if errs:
            report.fail(str(rel), "rejected by timeline.schema.json: " + first_line(errs))
        else:
            report.ok(str(rel))

    invalid = data / "invalid"
    exp_path = invalid / "expectations.json"
    try:
        expectations = load_json(exp_path)
    except (OSError, ValueError) as e:
        report.fail(str(exp_path.relative_to(repo)), f"cannot read: {e}")
        return
    if not isinstance(expectations, dict):
        report.fail(str(exp_path.relative_to(repo)), "must be a JSON object: fixture name -> expectation")
        return
    listed = set(expectations)
    for path in sorted(invalid.glob("*.json")):
        if path.name != "expectations.json" and path.name not in listed:
            report.fail(str(path.relative_to(repo)), "has no entry in expectations.json")
    for name in sorted(expectations):
        expect = expectations[name]
        path = invalid / name
        rel = path.relative_to(repo)
        if not path.is_file():
            report.fail(str(rel), "listed in expectations.json but missing")
            continue
        try:
            doc = load_json(path)
        except ValueError as e:
            report.note(f"skip: {rel} (does not parse: {e})")
            continue
        except OSError as e:
            report.fail(str(rel), f"cannot read: {e}")
            continue
        verdict = expect.get("schema") if isinstance(expect, dict) else None
        if verdict not in ("reject", "accept"):
            report.fail(str(rel), f'expectation needs "schema": "reject" or "accept", got {json.dumps(verdict)}')
            continue
        found = schema_errors(timeline, doc)
        errs = [f"{shown(p)}: {m}" for p, m in found]
        want = expect.get("pointer")
        if verdict == "reject":
            if not errs:
                report.fail(str(rel), f"accepted by timeline.schema.json, expected rejection "
                                      f"(validator: {shown(want or '')}: {expect.get('message')})")
            elif isinstance(want, str) and not any(related(p, want) for p, _ in found):
                # The schema must object to the same thing as the validator, not to some
                # other slip in the fixture.
                report.fail(str(rel), f"rejected by timeline.schema.json, but not at or around "
                                      f"{shown(want)}: " + first_line(errs))
            else:
                report.ok(str(rel))
                report.note(f"  schema: {first_line(errs)}")
        else:
            if errs:
                report.fail(str(rel), "rejected by timeline.schema.json, but marked \"accept\" "
                                      "(only the C++ validator should find it): " + first_line(errs))
            else:
                report.ok(str(rel))


def check_one(schema_file, instance_file):
    try:
        schema = load_json(schema_file)
        Draft202012Validator.check_schema(schema)
    except (OSError, ValueError) as e:
        print(f"{schema_file}: cannot read schema: {e}")
        return 1
    except SchemaError as e:
        print(f"{schema_file}: not a valid 2020-12 schema: {e.message}")
        return 1
    try:
        instance = load_json(instance_file)
    except (OSError, ValueError) as e:
        print(f"{instance_file}: cannot read: {e}")
        return 1
    errs = errors_of(Draft202012Validator(schema), instance)
    for e in errs:
        print(f"{instance_file}: {e}")
    return 1 if errs else 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", type=Path, help="reel source tree: check schemas and all fixtures")
    ap.add_argument("--schema", help="schema file, with --instance")
    ap.add_argument("--instance", help="document to validate against --schema ('-' for stdin)")
    ap.add_argument("-v", "--verbose", action="store_true", help="also list what passed and skipped")
    args = ap.parse_args(argv)
    if args.repo and (args.schema or args.instance):
        ap.error("use either --repo DIR, or --schema FILE --instance FILE")
    if args.repo:
        report = Report(args.verbose)
        check_repo(args.repo.resolve(), report)
        print(f"{report.passed} passed, {report.failed} failed")
        return 1 if report.failed else 0
    if args.schema and args.instance:
        return check_one(args.schema, args.instance)
    ap.error("give --repo DIR, or --schema FILE and --instance FILE")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
