// SPDX-License-Identifier: Apache-2.0
#pragma once

// `reel bench`: cases run in this process, each from an empty segment cache of its own in a
// scratch folder, timed, repeated, summarised into one JSON document
// (schemas/bench.schema.json; reel-bench(1)).

#include "bench/suite.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace reel {

/// How the bench runs. Plain data; the callbacks and `cancel` must outlive the calls.
struct BenchOptions {
    bool quick = false;                 ///< recorded in the document (the cases are chosen by the caller)
    int repeat = 1;                     ///< runs per case
    int threads = 0;                    ///< worker threads; 0: all cores
    std::filesystem::path media_dir;    ///< where suite sources are made and kept
    std::filesystem::path scratch_dir;  ///< parent of the cases' scratch folders
    const std::atomic<bool>* cancel = nullptr;  ///< set (e.g. by SIGINT) to stop: Error(interrupted)
    /// Progress lines ("complexity_simple: source a (1280x720, 6 s)", "NAME: 2.8 s"),
    /// called on the calling thread; none when empty.
    std::function<void(const std::string&)> progress;
};

/// Makes (or finds) the sources of a suite case in `dir`, telling options.progress of each;
/// media id -> file. Nothing for a project. Throws as make_bench_source().
std::map<std::string, std::filesystem::path> make_case_media(const BenchCase& c,
                                                             const std::filesystem::path& dir,
                                                             const BenchOptions& options);

/// Runs one case options.repeat times in a scratch folder of its own (removed after, also
/// on failure); its results, one per case (three for an incremental case: NAME_full,
/// NAME_edit, NAME_unchanged). Making the media is not timed. Throws Error (from the
/// project, the media, the render; interrupted when options.cancel is set).
std::vector<nlohmann::json> run_bench_case(const BenchCase& c, const BenchOptions& options);

/// The bench document: schema, version, machine, quick, repeat, the results of `cases` in
/// order and wall_seconds (the whole, making media included). Throws as run_bench_case().
nlohmann::json run_bench(const std::vector<BenchCase>& cases, const BenchOptions& options);

}  // namespace reel
