// SPDX-License-Identifier: Apache-2.0
#include "bench/bench.h"

#include "bench/detail/runs.h"
#include "bench/machine.h"
#include "bench/results.h"
#include "plan/plan.h"
#include "stats/stats.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/scratch_dir.h"
#include "util/stopwatch.h"

#include <sstream>

namespace reel {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

void say(const BenchOptions& options, const std::string& line)
{
    if (options.progress) options.progress(line);
}

/// A suite case's timeline with its media paths naming the files made.
json case_timeline(const BenchCase& c, const std::map<std::string, fs::path>& files)
{
    json doc = c.timeline;
    for (const auto& [id, file] : files) doc["media"][id]["path"] = fs::absolute(file).string();
    return doc;
}

/// The runs of a case by result name, in the order the names first came.
struct Recorder {
    const BenchOptions& options;
    std::vector<std::string> order;
    std::map<std::string, std::vector<BenchRun>> runs;

    /// Runs `fn` with a fresh peak-RSS measurement and records it under `name`.
    template <class Fn>
    void record(const std::string& name, Fn&& fn)
    {
        reset_peak_rss();
        BenchRun run = fn();
        run.figures["peak_rss_bytes"] = peak_rss_bytes();
        if (!runs.count(name)) order.push_back(name);
        std::ostringstream line;
        line << name << ": " << run.wall << " s";
        say(options, line.str());
        runs[name].push_back(std::move(run));
    }
};

/// One repeat of a case, from an empty segment cache in `work`.
void run_repeat(const BenchCase& c, const fs::path& project, const fs::path& edited, const fs::path& work,
                const detail::RunSettings& s, Recorder& rec)
{
    ScratchDir cache(work, "cache-");
    fs::path out = work / "out.mp4";
    auto render = [&](const fs::path& file) {
        return [&, file] { return detail::render_run(file, cache.path, out, s); };
    };
    switch (c.kind) {
        case BenchKind::decode: rec.record(c.name, [&] { return detail::decode_run(project, s); }); break;
        case BenchKind::encode: rec.record(c.name, [&] { return detail::encode_run(project, s); }); break;
        case BenchKind::render: rec.record(c.name, render(project)); break;
        case BenchKind::incremental:
            // The edit changes a few segments: only those render again; then nothing does.
            rec.record(c.name + "_full", render(project));
            rec.record(c.name + "_edit", render(edited));
            rec.record(c.name + "_unchanged", render(edited));
            break;
    }
}

}  // namespace

std::map<std::string, fs::path> make_case_media(const BenchCase& c, const fs::path& dir,
                                                const BenchOptions& options)
{
    std::map<std::string, fs::path> files;
    for (const auto& [id, s] : c.sources) {
        if (options.cancel && *options.cancel)
            throw Error(ErrorCode::interrupted, "bench", "interrupted while making sources");
        say(options, c.name + ": source " + id + " (" + std::to_string(s.width) + "x" +
                         std::to_string(s.height) + ", " + std::to_string(s.seconds) + " s)");
        files[id] = make_bench_source(dir, s, options.cancel);
    }
    return files;
}

std::vector<json> run_bench_case(const BenchCase& c, const BenchOptions& options)
{
    ScratchDir work(options.scratch_dir, "run-");
    fs::path project = c.project, edited;
    if (project.empty()) {
        json doc = case_timeline(c, make_case_media(c, options.media_dir, options));
        project = work.path / "project.json";
        write_file_atomic(project, doc.dump(2) + "\n", Overwrite::replace);
        if (c.kind == BenchKind::incremental) {
            edited = work.path / "project-edited.json";
            write_file_atomic(edited, doc.patch(c.edit).dump(2) + "\n", Overwrite::replace);
        }
    }
    double fps = open_project(project).timeline.output.fps.to_double();
    detail::RunSettings settings{options.threads, c.workers, c.segment_seconds, options.cancel};
    Recorder rec{options, {}, {}};
    for (int i = 0; i < options.repeat; ++i) run_repeat(c, project, edited, work.path, settings, rec);
    std::vector<json> results;
    for (const auto& name : rec.order) results.push_back(bench_result(c, name, rec.runs[name], fps));
    return results;
}

json run_bench(const std::vector<BenchCase>& cases, const BenchOptions& options)
{
    Stopwatch started;
    json doc = {{"schema", "reel.bench"},
                {"version", 1},
                {"machine", machine_facts()},
                {"quick", options.quick},
                {"repeat", options.repeat}};
    json results = json::array();
    for (const auto& c : cases)
        for (auto& r : run_bench_case(c, options)) results.push_back(std::move(r));
    doc["cases"] = results;
    doc["wall_seconds"] = started.seconds();
    return doc;
}

}  // namespace reel
