// SPDX-License-Identifier: Apache-2.0
#pragma once

// The cases of `reel bench`. Each is a timeline file in bench/pipeline/ that `reel render`
// can render once its media are made (`reel bench --make-media bench/pipeline/media`), with
// what the bench needs in the file's metadata.bench; bench/pipeline/suite.json lists the
// cases in the order they run and says what each measures on its timeline. The files are
// built into reel (standard_suite), so the bench runs without the source tree. The format:
// bench/pipeline/README.md.

#include "bench/media.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace reel {

/// What a case measures on its timeline.
enum class BenchKind {
    render,       ///< the timeline rendered as `reel render` does, from an empty cache
    incremental,  ///< rendered, edited (metadata.bench.edit) and rendered again, then again unchanged
    decode,       ///< decode-only: every source picture it shows, nothing composited or encoded
    encode,       ///< encode-only: as many frames of its size, encoded with its settings
};
/// "render", "incremental", "decode", "encode".
const char* to_string(BenchKind kind);

/// One case: a timeline and what is measured on it. Plain data.
struct BenchCase {
    std::string name;         ///< stable (--case NAME)
    std::string group;        ///< export | complexity | incremental | ceiling | project
    std::string description;  ///< one line, as --list prints it
    BenchKind kind = BenchKind::render;
    int width = 0, height = 0;  ///< the output size
    /// Suite cases: the timeline document as in its file (media paths "media/<source
    /// name>"); null for a user's project.
    nlohmann::json timeline;
    std::string file;               ///< suite cases: the case file, e.g. "export_720p.quick.json"
    std::filesystem::path project;  ///< a user's project, rendered as it is (no media made)
    std::map<std::string, BenchSource> sources;  ///< media id -> the source reel makes for it
    double segment_seconds = 5;                  ///< the plan's longest segment
    int workers = 0;                             ///< segments in flight; 0: as `reel render` chooses
    nlohmann::json edit;  ///< incremental: a JSON Patch (RFC 6902) that makes the edited timeline
};

/// One entry of suite.json: which timeline a case runs on and what it measures.
struct BenchSuiteEntry {
    std::string name, group;
    std::string timeline;     ///< the case files' stem: <timeline>.json, <timeline>.quick.json
    std::string description;  ///< empty: the timeline's metadata.bench.description
    BenchKind kind = BenchKind::render;
};

/// The case file of an entry: "<timeline>.json", or "<timeline>.quick.json" for --quick.
std::string bench_case_file(const BenchSuiteEntry& entry, bool quick);

/// Parses suite.json (`file` names it in messages). Throws Error(timeline) with the file,
/// JSON pointer, line and column of the first problem.
std::vector<BenchSuiteEntry> parse_bench_suite(const std::string& text, const std::string& file);

/// Parses the case file of `entry` (`file` names it in messages): a valid timeline whose
/// metadata.bench has a description, the sources of every media entry (each path must be
/// "media/" + bench_source_name()), and optionally segment_seconds, workers and (for an
/// incremental case, required) edit, which must apply and leave a valid timeline. Throws
/// Error(timeline) naming the file, the JSON pointer, line and column.
BenchCase parse_bench_case(const BenchSuiteEntry& entry, const std::string& text, const std::string& file);

/// The standard suite: the files of bench/pipeline/ built into reel, in suite.json's
/// order, on the full or the quick case files. Throws Error(timeline) on a malformed file.
std::vector<BenchCase> standard_suite(bool quick);

/// The same from the files in `dir` (a checkout's bench/pipeline/). Throws Error(io) when a
/// file cannot be read, Error(timeline) when one is malformed.
std::vector<BenchCase> load_suite(const std::filesystem::path& dir, bool quick);

/// The case named `name`, or nullptr.
const BenchCase* find_bench_case(const std::vector<BenchCase>& cases, const std::string& name);

/// The cases that profile a user's project: "project" (rendered), "project_decode" and
/// "project_encode", group "project", with its output size. Opens the project (reading,
/// validating, probing) and throws what open_project() throws.
std::vector<BenchCase> project_cases(const std::filesystem::path& file);

}  // namespace reel
