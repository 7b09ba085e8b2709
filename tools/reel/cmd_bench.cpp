// SPDX-License-Identifier: Apache-2.0
// `reel bench`: flags for the benchmark suite of lib/bench (the cases of bench/pipeline/, on
// media it makes itself), or one user project profiled the same way.
#include "common.h"

#include "bench/bench.h"
#include "bench/compare.h"
#include "cache/segment_cache.h"
#include "encode/engine.h"
#include "stats/stats.h"
#include "util/error.h"

#include <iostream>

namespace reel::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct BenchCommand {
    CommonOptions common;
    std::string project;
    std::vector<std::string> cases;
    bool list = false, quick = false, engines = false;
    int repeat = 1;
    std::string compare;
    double max_regression = 0.10;
    std::string cache_dir, make_media;
    int threads = 0;
};

void add_bench_flags(CLI::App& cmd, BenchCommand& opts)
{
    cmd.add_option("project", opts.project, "Profile this timeline instead of running the suite")
        ->option_text("PROJECT");
    cmd.add_option("--case", opts.cases, "Run only this case (repeatable; see --list)")->option_text("NAME");
    cmd.add_flag("--list", opts.list, "List the cases and exit");
    cmd.add_flag("--engines", opts.engines,
                 "Probe every encoder engine for every codec it may encode (a small real encode each), "
                 "print JSON (schemas/engines.schema.json) and exit");
    cmd.add_flag("--quick", opts.quick, "Shorter timelines and sources (the whole suite in a few minutes)");
    cmd.add_option("--repeat", opts.repeat,
                   "Runs per case; wall time is the median, with min and max (default 1)")
        ->check(CLI::Range(1, 100))
        ->option_text("N");
    cmd.add_option("--compare", opts.compare,
                   "Print each case's ratio to an earlier run's JSON; exit 9 past --max-regression")
        ->option_text("BASELINE");
    cmd.add_option("--max-regression", opts.max_regression,
                   "Largest slowdown --compare accepts, as a fraction (default 0.10: 10% slower)")
        ->check(finite_range(0.0, 100.0))
        ->option_text("F");
    cmd.add_option("--cache-dir", opts.cache_dir,
                   "Where generated media are kept, under bench-media/ (default: $XDG_CACHE_HOME/reel)")
        ->option_text("DIR");
    cmd.add_option("--make-media", opts.make_media,
                   "Only make the media of the cases (--quick, --case) in DIR, for rendering "
                   "bench/pipeline/ by hand, and exit")
        ->option_text("DIR");
    cmd.add_option("--threads", opts.threads, "Worker threads (default: all cores)")
        ->check(CLI::Range(1, 256))
        ->option_text("N");
    add_output_flags(cmd, opts.common, "the results");
    add_log_flags(cmd, opts.common);
    add_stats_flag(cmd, opts.common);
}

BenchOptions bench_options(const BenchCommand& opts)
{
    BenchOptions o;
    o.quick = opts.quick;
    o.repeat = opts.repeat;
    o.threads = opts.threads;
    o.cancel = &cancel_flag();
    if (!opts.common.quiet)
        o.progress = [](const std::string& line) { std::cerr << "reel bench: " << line << "\n"; };
    return o;
}

/// The cases asked for: the project's, those named by --case, or the whole suite.
std::vector<BenchCase> chosen_cases(const BenchCommand& opts, const std::vector<BenchCase>& all)
{
    if (!opts.project.empty()) {
        if (!opts.cases.empty())
            throw Error(ErrorCode::usage, "cli",
                        "--case selects suite cases; a project is profiled as a whole");
        return project_cases(opts.project);
    }
    if (opts.cases.empty()) return all;
    std::vector<BenchCase> chosen;
    for (const auto& name : opts.cases) {
        const BenchCase* c = find_bench_case(all, name);
        if (!c) {
            std::string names;
            for (const auto& known : all) names += (names.empty() ? "" : ", ") + known.name;
            throw Error(ErrorCode::usage, "cli", "--case \"" + name + "\" is not a bench case",
                        "cases: " + names);
        }
        chosen.push_back(*c);
    }
    return chosen;
}

json stats_with_cases(std::size_t cases)
{
    json stats = stats_document("bench");
    stats["cases"] = cases;
    return stats;
}

/// --make-media DIR: the sources of the chosen cases, under the names their files give.
json make_media_only(const BenchCommand& opts, const std::vector<BenchCase>& all)
{
    if (!opts.project.empty())
        throw Error(ErrorCode::usage, "cli", "--make-media makes the suite's media; a project has its own");
    for (const auto& c : chosen_cases(opts, all)) make_case_media(c, opts.make_media, bench_options(opts));
    return stats_with_cases(0);
}

/// Everything that can be refused is refused before the first case runs.
void check_outputs(const BenchCommand& opts)
{
    std::error_code ec;
    if (!opts.common.overwrite && !opts.common.output.empty() && opts.common.output != "-" &&
        fs::exists(opts.common.output, ec))
        throw Error(ErrorCode::usage, "cli", "\"" + opts.common.output + "\" already exists",
                    "pass -y to overwrite it");
}

/// The media and scratch folders under --cache-dir (or reel's cache folder).
BenchOptions with_folders(BenchOptions o, const BenchCommand& opts)
{
    fs::path root = opts.cache_dir.empty() ? SegmentCache::default_dir() : fs::path(opts.cache_dir);
    std::error_code ec;
    fs::create_directories(root / "bench-media", ec);
    if (ec || !fs::is_directory(root / "bench-media", ec))
        throw Error(
            ErrorCode::io, "bench",
            "cannot create \"" + (root / "bench-media").string() + "\"" + (ec ? ": " + ec.message() : ""),
            "give --cache-dir a folder reel can write");
    o.media_dir = root / "bench-media";
    o.scratch_dir = root / "bench-scratch";
    return o;
}

void report_compare(const BenchCommand& opts, const json& compare)
{
    if (opts.common.quiet) return;
    for (const auto& w : compare["warnings"])
        std::cerr << "reel bench: warning: " << w.get<std::string>() << "\n";
    for (const auto& c : compare["cases"])
        std::cerr << "reel bench: " << c["name"].get<std::string>() << " x" << c["ratio"].get<double>()
                  << (c["regressed"].get<bool>() ? "  REGRESSED" : "") << "\n";
}

/// --engines: every engine and codec, available or why not, and what auto would take.
json probe_engines()
{
    json engines = json::array();
    json chosen = json::object();
    for (const char* codec : {"h264", "hevc", "av1", "vp9"}) {
        for (Engine e : all_engines()) {
            EngineProbe p = probe_engine(e, codec);
            json row = {{"engine", to_string(e)}, {"codec", codec}, {"available", p.available}};
            if (p.available) {
                row["encoder"] = p.encoder;
            } else {
                row["reason"] = p.reason;
                if (!p.status.empty()) row["status"] = p.status;
            }
            engines.push_back(std::move(row));
        }
        EngineChoice a = choose_engine("auto", "flag", codec);
        chosen[codec] = {{"engine", to_string(a.engine)}, {"encoder", a.encoder}, {"why", a.why}};
    }
    return {{"engines", std::move(engines)}, {"auto", std::move(chosen)}};
}

json run(const BenchCommand& opts)
{
    if (opts.engines) {
        json doc = probe_engines();
        write_output(opts.common, doc.dump(2) + "\n");
        json stats = stats_with_cases(0);
        stats["engines"] = doc["engines"].size();
        return stats;
    }
    std::vector<BenchCase> all = standard_suite(opts.quick);
    if (opts.list) {
        std::string text;
        for (const auto& c : all) text += c.name + "\t" + c.group + "\t" + c.description + "\n";
        write_output(opts.common, text);
        return stats_with_cases(0);
    }
    if (!opts.make_media.empty()) return make_media_only(opts, all);
    check_outputs(opts);
    json baseline = opts.compare.empty() ? json() : read_baseline(opts.compare);
    if ((opts.common.output.empty() || opts.common.output == "-") && opts.common.stats == "-")
        throw Error(ErrorCode::usage, "cli", "--stats - and the results would both go to stdout",
                    "write the results with -o FILE or the stats with --stats FILE");
    std::vector<BenchCase> chosen = chosen_cases(opts, all);
    json doc = run_bench(chosen, with_folders(bench_options(opts), opts));
    if (!opts.project.empty()) doc["project"] = opts.project;
    if (!baseline.is_null()) {
        doc["compare"] = compare_with_baseline(doc, baseline, opts.compare, opts.max_regression);
        report_compare(opts, doc["compare"]);
    }
    write_output(opts.common, doc.dump(2) + "\n");
    if (doc.contains("compare") && doc["compare"]["regressed"].get<bool>())
        throw Error(ErrorCode::regression, "bench",
                    "slower than the baseline by more than " +
                        std::to_string(int(opts.max_regression * 100)) +
                        "% in at least one case (see compare in the results)");
    return stats_with_cases(doc["cases"].size());
}

}  // namespace

void register_bench(CLI::App& app)
{
    static BenchCommand opts;
    CLI::App* cmd = app.add_subcommand(
        "bench", "Run the benchmark suite (or profile one project) and print JSON results");
    add_bench_flags(*cmd, opts);
    set_runner(*cmd, "bench", opts.common, [&]() -> json { return run(opts); });
}

}  // namespace reel::cli
