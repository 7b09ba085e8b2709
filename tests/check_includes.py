#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Fails on any #include edge between lib/ modules that STYLE.md does not allow, on libav*
headers outside ff/ headers and .cpp files, and on a header outside lib/ff that names an
FFmpeg type or function (AVPacket, AVRational, av_*, avcodec_*, SwsContext, ...): other
modules hand around reel's own types (ff/packet.h).

--self-test checks the checker on a made-up tree (it must fail there)."""

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
    "farm": {"plan", "timeline", "media", "time", "util"},
    "compose": {"timeline", "image", "cache", "media", "time", "util"},
    "encode": {"ff", "image", "time", "util"},
    "audio": {"timeline", "media", "time", "util"},
    "render": {"plan", "compose", "encode", "audio", "timeline", "media", "image", "cache", "stats",
               "time", "util"},
    "proxy": {"render", "plan", "encode", "media", "cache", "timeline", "image", "time", "util"},
    "bench": {"render", "plan", "encode", "media", "cache", "timeline", "image", "stats", "time", "util"},
    "preview": {"render", "plan", "encode", "media", "cache", "timeline", "image", "stats", "time", "util"},
}


# FFmpeg's names: types (AVPacket, AVCodecParameters, SwsContext...), functions and macros.
FFMPEG_NAME = re.compile(r"\b(AV[A-Z][A-Za-z0-9_]*|av_[a-z0-9_]+|avcodec_[a-z0-9_]+|avformat_[a-z0-9_]+|"
                         r"avio_[a-z0-9_]+|sws_[a-z0-9_]+|swr_[a-z0-9_]+|Sws[A-Z][A-Za-z]*|Swr[A-Z][A-Za-z]*|"
                         r"LIBAV[A-Z_]+)\b")


def code_of(line):
    """A line without its // comment and string literals (names in prose do not count)."""
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    return line.split("//", 1)[0]


def check_tree(root):
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
            if path.suffix == ".h" and module != "ff":
                name = FFMPEG_NAME.search(code_of(line))
                if name:
                    failures.append(f"{path}:{n}: '{name.group(1)}' is FFmpeg's: a header outside lib/ff "
                                    "must name reel's own types (ff/packet.h, ff/handles.h)")
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
    return failures, checked


def self_test():
    """The checker must reject an FFmpeg type in a header outside ff, and accept ff's own."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "lib/encode").mkdir(parents=True)
        (root / "lib/ff").mkdir(parents=True)
        (root / "lib/ff/ok.h").write_text("struct AVPacket;\nvoid f(AVPacket* p);\n")
        (root / "lib/encode/ok.h").write_text('// takes an AVPacket\n#include "ff/packet.h"\n')
        (root / "lib/encode/bad.h").write_text("void write(AVPacket* packet);\n")
        (root / "lib/encode/bad2.h").write_text("int f() { return av_rescale_q(1, a, b); }\n")
        failures, _ = check_tree(root)
    wanted = ["bad.h:1: 'AVPacket'", "bad2.h:1: 'av_rescale_q'"]
    ok = len(failures) == 2 and all(any(w in f for f in failures) for w in wanted)
    print("\n".join(failures))
    print(f"self-test: {'1 passed, 0 failed' if ok else '0 passed, 1 failed'}")
    return 0 if ok else 1


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--self-test":
        return self_test()
    failures, checked = check_tree(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
    for f in failures:
        print(f)
    print(f"include edges: {checked} includes checked")
    print(f"{checked - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
