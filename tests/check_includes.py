#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Fails on any #include edge between lib/ modules that STYLE.md does not allow, and on
libav* headers outside ff/ headers and .cpp files."""

import re
import sys
from pathlib import Path

ALLOWED = {
    "util": set(),
    "stats": {"util"},
    "time": {"util"},
    "ff": {"util", "time"},
    "timeline": {"time", "util"},
    "media": {"ff", "image", "util", "time"},  # decoders hand out working-format Images
    "image": {"util"},
    "cache": {"image", "util"},
    "plan": {"timeline", "media", "time", "util"},
    "compose": {"timeline", "image", "cache", "media", "time", "util"},
    "encode": {"ff", "image", "time", "util"},
    "audio": {"timeline", "media", "time", "util"},
    "render": {"plan", "compose", "encode", "audio", "timeline", "media", "image", "cache", "stats",
               "time", "util"},
    "bench": {"render", "plan", "encode", "media", "cache", "timeline", "image", "stats", "time", "util"},
}


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    lib = root / "lib"
    failures, checked = [], 0
    for path in sorted(lib.rglob("*")):
        if path.suffix not in (".h", ".cpp"):
            continue
        module = path.relative_to(lib).parts[0]
        if module not in ALLOWED:
            failures.append(f"{path}: module '{module}' is not in STYLE.md's module list")
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            m = re.match(r'\s*#\s*include\s*[<"]([^>"]+)[>"]', line)
            if not m:
                continue
            checked += 1
            target = m.group(1)
            if target.startswith("lib"):
                if target.startswith(("libavcodec/", "libavformat/", "libavutil/", "libswscale/", "libswresample/")):
                    if path.suffix == ".h" and module != "ff":
                        failures.append(f"{path}:{n}: libav header '{target}' in a public header outside ff/")
                continue
            first = target.split("/")[0]
            if first in ALLOWED and "/" in target and first != module and first not in ALLOWED[module]:
                failures.append(f"{path}:{n}: '{module}' may not include '{target}' (allowed: "
                                f"{', '.join(sorted(ALLOWED[module])) or 'nothing'})")
    for f in failures:
        print(f)
    print(f"include edges: {checked} includes checked")
    print(f"{checked - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
