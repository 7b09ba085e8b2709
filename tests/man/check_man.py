#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks the hand-written man pages in man/ against the reel binary.

    check_man.py --reel PATH_TO_REEL --man-dir DIR

For reel.1, and for every subcommand listed by `reel --help` that has a page
DIR/reel-<cmd>.1:
  - runs `reel [<cmd>] --help` and checks that every long option (--something)
    it prints appears on the page (roff's "\\-" and font escapes are normalised);
For every page DIR/reel*.1:
  - runs `groff -man -ww -z PAGE` (plus -t when the page has tables) and fails
    on any output on stderr or a non-zero status;
  - checks that the required section headings are there;
  - a page reel-<cmd>.1 must name a subcommand that reel has.
For every page DIR/reel-*.5 (file formats, such as reel-otio.5): groff as above, and the
sections NAME, SYNOPSIS, DESCRIPTION and SEE ALSO.
Prints one line per failure and a final line "N passed, M failed"; exits 1 if
anything failed. Needs python3 (stdlib only) and groff (Debian: groff-base).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

REQUIRED_SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "EXAMPLES", "SEE ALSO"]
FORMAT_SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "SEE ALSO"]
LONG_OPTION = re.compile(r"(?<![\w-])--[A-Za-z0-9][A-Za-z0-9-]*")


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, failure_line):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: " + failure_line)
        return ok


def run(argv):
    """Runs argv; returns (status, stdout, stderr), or (None, "", reason) if it cannot start."""
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, "", str(e)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def roff_to_text(source):
    """Roughly the words a reader sees: comments dropped, escapes for '-' resolved, font changes removed."""
    lines = []
    for line in source.splitlines():
        if line.startswith('.\\"') or line.startswith("'\\\"") or line.startswith('\\"'):
            continue  # comment lines must not satisfy the option check
        line = re.sub(r'\\".*$', "", line)  # trailing comment
        lines.append(line)
    text = "\n".join(lines)
    text = re.sub(r"\\f(\[[^\]]*\]|\(..|.)", "", text)  # \fB \fI \fR \fP \f(CW \f[B]
    text = re.sub(r"\\\((hy|mi|en)", "-", text)  # \(hy \(mi \(en
    text = re.sub(r"\\\[(hy|mi|en)\]", "-", text)  # \[hy] \[mi] \[en]
    text = text.replace("\\-", "-")
    text = re.sub(r"\\[&%:|^c]", "", text)  # zero-width and hyphenation escapes, \c
    return text


def long_options(help_text):
    return sorted(set(LONG_OPTION.findall(help_text)))


def subcommands(help_text):
    """Names listed under 'Subcommands:' in CLI11's help."""
    names = []
    in_list = False
    for line in help_text.splitlines():
        if re.match(r"^\s*Subcommands:\s*$", line):
            in_list = True
            continue
        if in_list:
            m = re.match(r"^\s+([A-Za-z0-9][\w-]*)(\s|$)", line)
            if m:
                names.append(m.group(1))
            elif line.strip():
                in_list = False
    return names


def section_headings(source):
    headings = set()
    for line in source.splitlines():
        m = re.match(r"^\.SH\s+(.*?)\s*$", line)
        if m:
            headings.add(m.group(1).strip('"').strip())
    return headings


def check_options(results, page, help_argv, source):
    label = " ".join(help_argv[1:])
    status, out, err = run(help_argv)
    if not results.check(status == 0 and out.strip(), f"{page}: `{label}` failed (status {status}): {err.strip()}"):
        return
    text = roff_to_text(source)
    for opt in long_options(out):
        present = re.search(r"(?<![\w-])" + re.escape(opt) + r"(?![\w-])", text) is not None
        results.check(present, f"{page}: option {opt} (from `{label}`) is not documented")


def check_groff(results, page, path, source):
    argv = ["groff", "-man", "-ww", "-z"]
    if re.search(r"^\.TS", source, re.M):
        argv.append("-t")
    argv.append(path)
    status, _out, err = run(argv)
    quiet = status == 0 and not err.strip()
    detail = "; ".join(l for l in err.strip().splitlines()[:5]) or f"status {status}"
    results.check(quiet, f"{page}: `{' '.join(argv[:-1])} {page}` is not quiet: {detail}")


def check_sections(results, page, source, required=REQUIRED_SECTIONS):
    results.check(re.search(r"^\.TH\s", source, re.M) is not None, f"{page}: no .TH title line")
    headings = section_headings(source)
    for name in required:
        results.check(name in headings, f"{page}: missing section .SH {name}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reel", required=True, help="path to the reel binary")
    ap.add_argument("--man-dir", required=True, help="folder holding reel.1 and reel-<cmd>.1")
    args = ap.parse_args()

    results = Results()
    if shutil.which("groff") is None:
        print("FAIL: groff is not installed (apt-get install groff-base)")
        print("0 passed, 1 failed")
        return 1

    status, top_help, err = run([args.reel, "--help"])
    if status != 0 or not top_help.strip():
        print(f"FAIL: `{args.reel} --help` failed (status {status}): {err.strip()}")
        print("0 passed, 1 failed")
        return 1
    commands = subcommands(top_help)
    results.check(bool(commands), "`reel --help` lists no subcommands")

    pages = sorted(f for f in os.listdir(args.man_dir) if re.fullmatch(r"reel(-[\w-]+)?\.1", f))
    results.check("reel.1" in pages, f"{args.man_dir}: no reel.1")

    for page in pages:
        path = os.path.join(args.man_dir, page)
        with open(path, encoding="utf-8") as f:
            source = f.read()
        if page == "reel.1":
            check_options(results, page, [args.reel, "--help"], source)
            text = roff_to_text(source)
            for cmd in commands:
                results.check(re.search(r"(?<![\w-])" + re.escape(cmd) + r"(?![\w-])", text) is not None,
                              f"{page}: subcommand {cmd} is not described")
        else:
            cmd = page[len("reel-"):-len(".1")]
            if results.check(cmd in commands, f"{page}: reel has no subcommand '{cmd}'"):
                check_options(results, page, [args.reel, cmd, "--help"], source)
        check_groff(results, page, path, source)
        check_sections(results, page, source)

    for page in sorted(f for f in os.listdir(args.man_dir) if re.fullmatch(r"reel-[\w-]+\.5", f)):
        path = os.path.join(args.man_dir, page)
        with open(path, encoding="utf-8") as f:
            source = f.read()
        check_groff(results, page, path, source)
        check_sections(results, page, source, FORMAT_SECTIONS)

    print(f"{results.passed} passed, {results.failed} failed")
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
