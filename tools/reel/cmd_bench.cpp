// SPDX-License-Identifier: Apache-2.0
// `reel bench`: the standard benchmark suite (synthetic media made by reel's own encoder,
// rendered in-process case by case), or one user project profiled the same way.
#include "bench_media.h"
#include "common.h"
#include "render_flags.h"

#include "render/segments.h"
#include "stats/stats.h"
#include "timeline/evaluate.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/stopwatch.h"
#include "util/strings.h"

#include <sys/utsname.h>
#include <tbb/info.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>

namespace reel::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct BenchCommand {
    CommonOptions common;
    std::string project;
    std::vector<std::string> cases;
    bool list = false, quick = false;
    int repeat = 1;
    std::string compare;
    double max_regression = 0.10;
    std::string cache_dir;
    int threads = 0;
};

// ---- timelines -----------------------------------------------------------------------

json clip(const std::string& media, double start, double in, double out, json extra = json::object())
{
    json c = {{"type", "clip"}, {"media", media}, {"start", start}, {"in", in}, {"out", out}};
    c.update(extra);
    return c;
}

json document(int w, int h, const json& media, const json& tracks, const json& comps = json::object())
{
    json doc = {{"reel", 1},
                {"output",
                 {{"width", w},
                  {"height", h},
                  {"fps", 30},
                  {"video", {{"codec", "h264"}, {"preset", "veryfast"}, {"crf", 23}}}}},
                {"media", media},
                {"tracks", tracks}};
    if (!comps.empty()) doc["compositions"] = comps;
    return doc;
}

/// Seconds rounded down to a quarter: exact in binary, so the JSON holds the exact time
/// (the timeline format is exact; 0.1 written as 0.1000000000000001 is not 0.1).
double quarter(double seconds)
{
    return std::floor(seconds * 4) / 4;
}

/// A main track of clips alternating between `a` and `b`, joined by crossfades (1 s, or
/// half a clip), filling `total` seconds from sources `source` seconds long; over it a
/// picture-in-picture of `c` from total/6 to 4 total/6 (the shape of
/// bench/pipeline/pip_crossfade_1080p.json).
json export_tracks(double total, double source, int w, int h)
{
    json main = json::array(), pip = json::array();
    double longest = std::max(1.0, std::min(quarter(source - 2), quarter(total / 2 + 0.5)));
    double fade = std::min(1.0, quarter(longest / 2));
    double start = 0;
    for (int i = 0;; ++i) {
        double len = std::min(longest, total - start);
        bool second = i % 2 == 1;
        double in = second ? std::min(2.0, source - len) : 0;
        json extra = {{"id", "main" + std::to_string(i)}};
        if (i > 0) extra["transition_in"] = {{"kind", "crossfade"}, {"duration", fade}};
        main.push_back(clip(second ? "b" : "a", start, in, in + len, extra));
        if (start + len >= total || len <= fade) break;
        start += len - fade;
    }
    double from = quarter(total / 6), to = quarter(total * 4 / 6);
    for (double t = from; t < to; t += longest) {
        double len = std::min(longest, to - t);
        pip.push_back(
            clip("c", t, 0, len,
                 {{"transform",
                   {{"x", w * 3 / 4 - 16}, {"y", h * 3 / 4 - 16}, {"width", w / 4}, {"height", h / 4}}}}));
    }
    return json::array({{{"id", "main"}, {"items", main}}, {{"id", "pip"}, {"items", pip}}});
}

struct Case {
    std::string name, group, description;
    int width = 0, height = 0;
    double seconds = 0;
    int workers = 0;             ///< 0: the default; 1 for the complexity cases (see below)
    double segment_seconds = 5;  ///< plan segments
    std::function<json(const std::map<std::string, std::string>&)> timeline;
    std::vector<BenchSource> sources;  ///< named a, b, c, ... in order
    std::string kind = "render";       ///< render | incremental | decode | encode
};

std::vector<Case> suite(bool quick)
{
    std::vector<Case> cases;
    auto sources = [](int w, int h, int seconds, int n) {
        std::vector<BenchSource> s;
        for (int i = 0; i < n; ++i) s.push_back({w, h, 30, seconds, i});
        return s;
    };
    auto media = [](const std::map<std::string, std::string>& files) {
        json m = json::object();
        for (const auto& [id, path] : files) m[id] = {{"path", path}};
        return m;
    };
    auto export_case = [&](const std::string& name, int w, int h, double total, int src_seconds) {
        Case c;
        c.name = name;
        c.group = "export";
        c.description = std::to_string(int(total)) + " s " + std::to_string(h) +
                        "p30: clips with crossfades and a picture-in-picture (x264 veryfast crf 23, AAC)";
        c.width = w;
        c.height = h;
        c.seconds = total;
        c.sources = sources(w, h, src_seconds, 3);
        c.timeline = [=](const std::map<std::string, std::string>& f) {
            return document(w, h, media(f), export_tracks(total, src_seconds, w, h));
        };
        return c;
    };
    cases.push_back(export_case("export_720p", 1280, 720, quick ? 4 : 10, quick ? 6 : 12));
    cases.push_back(export_case("export_1080p", 1920, 1080, quick ? 6 : 60, quick ? 4 : 35));
    cases.push_back(export_case("export_2160p", 3840, 2160, quick ? 2 : 120, quick ? 3 : 20));

    // Complexity at 720p. One segment worker, so that decoders_opened shows the decoder
    // pool at work (with N workers each has its own pool: up to N x the sources).
    auto complexity = [&](const std::string& name, const std::string& what, int n_sources, double cs,
                          auto make) {
        Case c;
        c.name = name;
        c.group = "complexity";
        c.description = what;
        c.width = 1280;
        c.height = 720;
        c.seconds = cs;
        c.workers = 1;
        c.sources = sources(1280, 720, quick ? 6 : 12, n_sources);
        c.timeline = [=](const std::map<std::string, std::string>& f) { return make(media(f), cs); };
        return c;
    };
    cases.push_back(complexity("complexity_simple", "3 clips cut one after another, 3 sources", 3,
                               quick ? 3 : 9, [](json m, double cs) {
                                   json items = json::array();
                                   for (int i = 0; i < 3; ++i)
                                       items.push_back(clip(std::string(1, char('a' + i)), cs * i / 3, 1,
                                                            1 + cs / 3));  // whole seconds
                                   return document(1280, 720, m, json::array({{{"items", items}}}));
                               }));
    cases.push_back(complexity(
        "complexity_medium", "10 clips from 5 sources, cuts and 2 crossfades", 5, quick ? 5 : 10,
        [](json m, double cs) {
            json items = json::array();
            double len = cs / 10;
            for (int i = 0; i < 10; ++i) {
                json extra = json::object();
                double start = len * i;
                if (i == 4 || i == 8) {
                    extra["transition_in"] = {{"kind", "crossfade"}, {"duration", len / 2}};
                    start -= len / 2;
                }
                double in = 0.5 + (i % 4) * 0.75;  // quarters: exact
                double dur = len + (extra.contains("transition_in") ? len / 2 : 0);
                items.push_back(clip(std::string(1, char('a' + i % 5)), start, in, in + dur, extra));
            }
            return document(1280, 720, m, json::array({{{"items", items}}}));
        }));
    cases.push_back(
        complexity("complexity_complex",
                   "20 clips inside 5 nested compositions (a full-frame clip and a "
                   "picture-in-picture each), 5 sources",
                   5, quick ? 5 : 10, [](json m, double cs) {
                       json comps = json::object(), root = json::array();
                       double len = cs / 5;
                       for (int k = 0; k < 5; ++k) {
                           std::string a(1, char('a' + k)), b(1, char('a' + (k + 2) % 5));
                           json full = json::array(), inset = json::array();
                           for (int j = 0; j < 2; ++j) {
                               full.push_back(clip(a, len * j / 2, 1 + j, 1 + j + len / 2));
                               inset.push_back(clip(
                                   b, len * j / 2, 2 + j, 2 + j + len / 2,
                                   {{"transform", {{"x", 860}, {"y", 460}, {"width", 360}, {"height", 200}}},
                                    {"opacity", 0.9}}));
                           }
                           comps["comp" + std::to_string(k)] = {
                               {"width", 1280},
                               {"height", 720},
                               {"tracks", json::array({{{"items", full}}, {{"items", inset}}})}};
                           root.push_back(json{{"type", "comp"},
                                               {"comp", "comp" + std::to_string(k)},
                                               {"start", len * k},
                                               {"in", 0},
                                               {"out", len}});
                       }
                       return document(1280, 720, m, json::array({{{"items", root}}}), comps);
                   }));
    cases.push_back(complexity(
        "complexity_deep",
        "compositions nested 3 deep, each level showing the same 2 sources "
        "(full frame and inset) at the same times",
        2, quick ? 4 : 10, [](json m, double cs) {
            json comps = json::object();
            std::string inner;
            for (int level = 3; level >= 1; --level) {
                std::string name = "level" + std::to_string(level);
                json tracks = json::array();
                tracks.push_back({{"items", json::array({clip("a", 0, 1, 1 + cs)})}});
                json inset = {{"transform", {{"x", 700}, {"y", 380}, {"width", 480}, {"height", 270}}}};
                if (inner.empty())
                    tracks.push_back({{"items", json::array({clip("b", 0, 1, 1 + cs, inset)})}});
                else
                    tracks.push_back({{"items", json::array({json{{"type", "comp"},
                                                                  {"comp", inner},
                                                                  {"start", 0},
                                                                  {"in", 0},
                                                                  {"out", cs},
                                                                  {"transform", inset["transform"]}}})}});
                comps[name] = {{"width", 1280}, {"height", 720}, {"tracks", tracks}};
                inner = name;
            }
            json root = json::array(
                {json{{"type", "comp"}, {"comp", "level1"}, {"start", 0}, {"in", 0}, {"out", cs}}});
            return document(1280, 720, m, json::array({{{"items", root}}}), comps);
        }));

    // Incremental: full render, one clip's opacity changed, re-render unchanged.
    {
        int w = quick ? 1280 : 1920, h = quick ? 720 : 1080;
        double total = quick ? 12 : 60;
        Case c;
        c.name = "incremental";
        c.group = "incremental";
        c.description =
            std::to_string(int(total)) + " s " + std::to_string(h) +
            "p30, 12 clips of 3 sources, 2 s segments: full render, then clip 7's opacity edited, then "
            "unchanged";
        c.width = w;
        c.height = h;
        c.seconds = total;
        // Segments of one GOP (2 s): no keyframes beyond the GOP's, and a 5 s clip spans
        // three segments, so both workers re-render an edit.
        c.segment_seconds = std::min(2.0, total / 12);
        c.kind = "incremental";
        c.sources = sources(w, h, quick ? 6 : 12, 3);
        c.timeline = [=](const std::map<std::string, std::string>& f) {
            json items = json::array();
            double len = total / 12;
            for (int i = 0; i < 12; ++i)
                items.push_back(clip(std::string(1, char('a' + i % 3)), len * i, i % 4, i % 4 + len,
                                     {{"id", "clip" + std::to_string(i)}}));
            return document(w, h, media(f), json::array({{{"items", items}}}));
        };
        cases.push_back(c);
    }
    // Pipeline ceiling: the parts of export_1080p alone.
    for (const char* kind : {"decode", "encode"}) {
        Case c = cases[1];
        c.name = std::string("ceiling_") + kind;
        c.group = "ceiling";
        c.kind = kind;
        c.description =
            std::string(kind == std::string("decode")
                            ? "decode-only: every source picture export_1080p shows, decoded and converted, "
                              "nothing composited or encoded"
                            : "encode-only: as many 1080p frames as export_1080p, encoded with its settings, "
                              "nothing decoded");
        cases.push_back(c);
    }
    return cases;
}

// ---- running --------------------------------------------------------------------------

struct Run {
    double wall = 0;
    json stats;  ///< figures of the run (render stats keys)
};

json median_of(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    double med = v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    return {{"median", med}, {"min", v.empty() ? 0 : v.front()}, {"max", v.empty() ? 0 : v.back()}};
}

json render_figures(const RenderResult& r, std::size_t unique_sources)
{
    std::int64_t lookups = r.cache.hits + r.cache.misses;
    return {{"frames", r.frames},
            {"stages",
             {{"decode_seconds", r.decode_seconds},
              {"compose_seconds", r.compose_seconds},
              {"encode_seconds", r.encode_seconds},
              {"audio_seconds", r.audio_seconds},
              {"composite_seconds", r.composite_seconds}}},
            {"decoders_opened", r.decode.decoders_opened},
            {"unique_sources", unique_sources},
            {"seeks", r.decode.seeks},
            {"frames_decoded", r.decode.frames_decoded},
            {"cache_hit_rate", lookups ? double(r.cache.hits) / double(lookups) : 0.0},
            {"segments", r.segments_total},
            {"segments_rendered", r.segments_rendered},
            {"segments_reused", r.segments_reused + r.segments_waited},
            {"segments_in_flight", r.workers},
            {"encoder_threads", r.encoder_threads}};
}

std::size_t used_sources(const Project& p)
{
    return p.sources.size();
}

Run render_run(const fs::path& project_file, const fs::path& cache_dir, const fs::path& out, int threads,
               int workers, double segment_seconds)
{
    Stopwatch t;
    Project project = open_project(project_file);
    RenderFlags flags;
    flags.segment_seconds = segment_seconds;
    Plan plan = render_plan(project, flags);
    SegmentCache cache(cache_dir, 1ull << 40);
    RenderOptions ro;
    ro.output = out.string();
    ro.overwrite = true;
    ro.threads = threads;
    ro.cancel = &cancel_flag();
    ro.workers = workers;
    RenderResult r = render_with_segments(project.timeline, project.sources, plan, cache, ro);
    Run run;
    run.wall = t.seconds();
    run.stats = render_figures(r, used_sources(project));
    return run;
}

/// Decode-only: every picture the timeline shows, fetched from a decoder pool as the
/// compositor would (full size, converted), nothing composited or encoded.
Run decode_run(const fs::path& project_file, int threads)
{
    Stopwatch t;
    Project project = open_project(project_file);
    const Timeline& tl = project.timeline;
    int n = threads > 0 ? threads : tbb::info::default_concurrency();
    DecoderPool pool(project.sources, std::min(n, 2));
    std::int64_t frames = time_to_frame(tl.root.duration, tl.output.fps);
    std::vector<ActiveLayer> layers;
    std::int64_t pictures = 0;
    for (std::int64_t f = 0; f < frames; ++f) {
        if (cancel_flag()) throw Error(ErrorCode::interrupted, "bench", "interrupted");
        layers.clear();
        active_layers(tl, tl.root, frame_to_time(f, tl.output.fps), layers);
        for (const auto& layer : layers)
            if (layer.item->type == ItemType::clip && pool.has_picture(layer.item->media)) {
                pool.picture(layer.item->media, layer.local_time, f);
                ++pictures;
            }
    }
    Run run;
    run.wall = t.seconds();
    const DecodeCounters& d = pool.counters();
    run.stats = {{"frames", frames},
                 {"pictures", pictures},
                 {"stages", {{"decode_seconds", d.seconds}}},
                 {"decoders_opened", d.decoders_opened},
                 {"unique_sources", used_sources(project)},
                 {"seeks", d.seeks},
                 {"frames_decoded", d.frames_decoded}};
    return run;
}

/// Encode-only: as many frames as the timeline has, of the timeline's size, encoded with
/// its settings (all threads); the pictures are made beforehand, so only encoding is timed.
Run encode_run(const fs::path& project_file, int threads)
{
    Project project = open_project(project_file);
    const Timeline& tl = project.timeline;
    std::int64_t frames = time_to_frame(tl.root.duration, tl.output.fps);
    std::vector<std::shared_ptr<const Image>> pictures;
    for (int i = 0; i < 8; ++i) {
        // Distinct noisy pictures, cycled: x264's references (3 at veryfast) never reach
        // back to an identical one.
        BenchSource shape{tl.output.width, tl.output.height, 30, 1, i};
        pictures.push_back(bench_picture(shape, i * 37));
    }
    RenderOptions ro;
    ro.threads = threads;
    EncoderSettings settings = encoder_settings(tl, ro);
    settings.threads = threads > 0 ? threads : tbb::info::default_concurrency();
    Stopwatch t;
    VideoEncoder encoder(settings, "encode-only");
    std::int64_t bytes = 0;
    PacketSink sink = [&](Packet& p) { bytes += p.size(); };
    for (std::int64_t f = 0; f < frames; ++f) {
        if (cancel_flag()) throw Error(ErrorCode::interrupted, "bench", "interrupted");
        encoder.encode(pictures[std::size_t(f % 8)], sink);
    }
    encoder.flush(sink);
    Run run;
    run.wall = t.seconds();
    run.stats = {{"frames", frames}, {"bytes", bytes}, {"stages", {{"encode_seconds", encoder.seconds()}}}};
    return run;
}

/// Runs a case `repeat` times (the incremental case yields three results per repeat).
std::vector<json> run_case(const Case& c, const BenchCommand& opts, const fs::path& media_dir,
                           const fs::path& scratch_parent, const fs::path& user_project)
{
    std::map<std::string, std::string> files;
    fs::path project_file;
    std::optional<ScratchDir> scratch_for_project;
    ScratchDir work(scratch_parent, "run-");
    if (!user_project.empty()) {
        project_file = user_project;
    } else {
        for (std::size_t i = 0; i < c.sources.size(); ++i) {
            if (cancel_flag())
                throw Error(ErrorCode::interrupted, "bench", "interrupted while making sources");
            if (!opts.common.quiet)
                std::cerr << "reel bench: " << c.name << ": source " << char('a' + i) << " ("
                          << c.sources[i].width << "x" << c.sources[i].height << ", " << c.sources[i].seconds
                          << " s)\n";
            files[std::string(1, char('a' + i))] = bench_source(media_dir, c.sources[i]).string();
        }
        project_file = work.path / "project.json";
        write_file_atomic(project_file, c.timeline(files).dump(2) + "\n", Overwrite::replace);
    }
    double fps = 30;
    if (!user_project.empty() || !files.empty())
        fps = open_project(project_file).timeline.output.fps.to_double();
    std::map<std::string, std::vector<Run>> runs;  // by result name
    std::vector<std::string> order;
    auto record = [&](const std::string& name, Run run) {
        if (!runs.count(name)) order.push_back(name);
        if (!opts.common.quiet) std::cerr << "reel bench: " << name << ": " << run.wall << " s\n";
        runs[name].push_back(std::move(run));
    };
    auto measured = [&](auto fn) {
        reset_peak_rss();
        Run run = fn();
        run.stats["peak_rss_bytes"] = peak_rss_bytes();
        return run;
    };
    for (int rep = 0; rep < opts.repeat; ++rep) {
        ScratchDir cache(work.path, "cache-");
        fs::path out = work.path / "out.mp4";
        if (c.kind == "decode") {
            record(c.name, measured([&] { return decode_run(project_file, opts.threads); }));
        } else if (c.kind == "encode") {
            record(c.name, measured([&] { return encode_run(project_file, opts.threads); }));
        } else if (c.kind == "incremental") {
            record(c.name + "_full", measured([&] {
                       return render_run(project_file, cache.path, out, opts.threads, c.workers,
                                         c.segment_seconds);
                   }));
            // One clip's opacity changed: only the segments it covers render again.
            json doc = json::parse(read_file(project_file));
            doc["tracks"][0]["items"][7]["opacity"] = 0.8;
            fs::path edited = work.path / "project-edited.json";
            write_file_atomic(edited, doc.dump(2) + "\n", Overwrite::replace);
            record(c.name + "_edit", measured([&] {
                       return render_run(edited, cache.path, out, opts.threads, c.workers, c.segment_seconds);
                   }));
            record(c.name + "_unchanged", measured([&] {
                       return render_run(edited, cache.path, out, opts.threads, c.workers, c.segment_seconds);
                   }));
        } else {
            record(c.name, measured([&] {
                       return render_run(project_file, cache.path, out, opts.threads, c.workers,
                                         c.segment_seconds);
                   }));
        }
    }
    std::vector<json> results;
    for (const auto& name : order) {
        const auto& rs = runs[name];
        std::vector<double> walls;
        for (const auto& r : rs) walls.push_back(r.wall);
        json wall = median_of(walls);
        // Figures of the run whose wall time is nearest the median (with an even count the
        // median falls between two runs: the faster of those).
        std::size_t mid = 0;
        double target = wall["median"].get<double>();
        for (std::size_t i = 0; i < rs.size(); ++i)
            if (std::abs(rs[i].wall - target) < std::abs(rs[mid].wall - target) ||
                (std::abs(rs[i].wall - target) == std::abs(rs[mid].wall - target) &&
                 rs[i].wall < rs[mid].wall))
                mid = i;
        json j = {{"name", name},        {"group", c.group},   {"description", c.description},
                  {"width", c.width},    {"height", c.height}, {"runs", rs.size()},
                  {"wall_seconds", wall}};
        j.update(rs[mid].stats);
        double frames = j.value("frames", 0.0);
        double med = wall["median"].get<double>();
        j["fps"] = med > 0 ? frames / med : 0;
        j["realtime_factor"] = med > 0 ? frames / fps / med : 0;
        results.push_back(j);
    }
    return results;
}

json machine_facts()
{
    json m;
    std::ifstream cpu("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpu, line))
        if (line.rfind("model name", 0) == 0) {
            m["cpu_model"] = line.substr(line.find(':') + 2);
            break;
        }
    if (!m.contains("cpu_model")) m["cpu_model"] = "unknown";
    m["cores"] = tbb::info::default_concurrency();
    m["memory_bytes"] = meminfo_bytes("MemTotal");
    struct utsname u {};
    if (::uname(&u) == 0) m["os"] = std::string(u.sysname) + " " + u.release + " " + u.machine;
    m["reel_version"] = REEL_VERSION;
    m["encoder"] = encoder_name("h264");
    m["libavcodec"] = codec_library_version();
    return m;
}

/// Ratios of each case's median wall time to the baseline's; the worst past the limit
/// makes the exit status 9 (ErrorCode::regression).
json compare_with(const json& doc, const std::string& baseline_file, double max_regression, bool& regressed)
{
    json base;
    try {
        base = json::parse(read_file(baseline_file));
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(ErrorCode::usage, "bench", "--compare " + baseline_file + " is not JSON: " + e.what());
    }
    if (!base.is_object() || base.value("schema", "") != "reel.bench" || !base["cases"].is_array())
        throw Error(ErrorCode::usage, "bench", "--compare " + baseline_file + " is not a reel bench document",
                    "give the JSON an earlier 'reel bench' printed");
    std::map<std::string, double> before;
    for (const auto& c : base["cases"]) before[c.value("name", "")] = c["wall_seconds"].value("median", 0.0);
    json cases = json::array();
    regressed = false;
    for (const auto& c : doc["cases"]) {
        std::string name = c["name"];
        auto it = before.find(name);
        if (it == before.end() || it->second <= 0) continue;
        double ratio = c["wall_seconds"]["median"].get<double>() / it->second;
        bool worse = ratio > 1 + max_regression;
        regressed = regressed || worse;
        cases.push_back({{"name", name},
                         {"baseline_seconds", it->second},
                         {"seconds", c["wall_seconds"]["median"]},
                         {"ratio", ratio},
                         {"regressed", worse}});
    }
    // Ratios only mean something between like runs: say when they are not.
    json warnings = json::array();
    if (doc.contains("quick") && base.value("quick", false) != doc.value("quick", false))
        warnings.push_back("the baseline was a " +
                           std::string(base.value("quick", false) ? "--quick" : "full") +
                           " run and this one is not");
    if (doc.contains("machine") && base.contains("machine") && base["machine"].is_object())
        for (const char* key : {"cpu_model", "cores", "encoder", "libavcodec"})
            if (base["machine"].value(key, json()) != doc["machine"].value(key, json()))
                warnings.push_back(std::string("machine ") + key + " differs from the baseline's");
    return {{"baseline", baseline_file},
            {"max_regression", max_regression},
            {"cases", cases},
            {"regressed", regressed},
            {"warnings", warnings}};
}

}  // namespace

void register_bench(CLI::App& app)
{
    static BenchCommand opts;
    CLI::App* cmd = app.add_subcommand(
        "bench", "Run the benchmark suite (or profile one project) and print JSON results");
    cmd->add_option("project", opts.project, "Profile this timeline instead of running the suite")
        ->option_text("PROJECT");
    cmd->add_option("--case", opts.cases, "Run only this case (repeatable; see --list)")->option_text("NAME");
    cmd->add_flag("--list", opts.list, "List the cases and exit");
    cmd->add_flag("--quick", opts.quick, "Shorter timelines and sources (the whole suite in a few minutes)");
    cmd->add_option("--repeat", opts.repeat,
                    "Runs per case; wall time is the median, with min and max (default 1)")
        ->check(CLI::Range(1, 100))
        ->option_text("N");
    cmd->add_option("--compare", opts.compare,
                    "Print each case's ratio to an earlier run's JSON; exit 9 past --max-regression")
        ->option_text("BASELINE");
    cmd->add_option("--max-regression", opts.max_regression,
                    "Largest slowdown --compare accepts, as a fraction (default 0.10: 10% slower)")
        ->check(CLI::Range(0.0, 100.0))
        ->option_text("F");
    cmd->add_option("--cache-dir", opts.cache_dir,
                    "Where generated media are kept, under bench-media/ (default: $XDG_CACHE_HOME/reel)")
        ->option_text("DIR");
    cmd->add_option("--threads", opts.threads, "Worker threads (default: all cores)")
        ->check(CLI::Range(1, 256))
        ->option_text("N");
    add_output_flags(*cmd, opts.common, "the results");
    add_log_flags(*cmd, opts.common);
    add_stats_flag(*cmd, opts.common);
    set_runner(*cmd, "bench", opts.common, [&]() -> json {
        std::vector<Case> all = suite(opts.quick);
        if (opts.list) {
            std::string text;
            for (const auto& c : all) text += c.name + "\t" + c.group + "\t" + c.description + "\n";
            write_output(opts.common, text);
            json stats = stats_document("bench");
            stats["cases"] = 0;
            return stats;
        }
        // Everything that can be refused is refused before the first case runs.
        std::error_code ec;
        if (!opts.common.overwrite && !opts.common.output.empty() && opts.common.output != "-" &&
            fs::exists(opts.common.output, ec))
            throw Error(ErrorCode::usage, "cli", "\"" + opts.common.output + "\" already exists",
                        "pass -y to overwrite it");
        if (!opts.compare.empty()) {
            bool unused = false;
            compare_with(json{{"cases", json::array()}}, opts.compare, opts.max_regression, unused);
        }
        if ((opts.common.output.empty() || opts.common.output == "-") && opts.common.stats == "-")
            throw Error(ErrorCode::usage, "cli", "--stats - and the results would both go to stdout",
                        "write the results with -o FILE or the stats with --stats FILE");
        std::vector<Case> chosen;
        if (!opts.project.empty()) {
            if (!opts.cases.empty())
                throw Error(ErrorCode::usage, "cli",
                            "--case selects suite cases; a project is profiled as a whole");
            Case full;
            full.name = "project";
            full.group = "project";
            full.description = "the project rendered from an empty cache";
            chosen.push_back(full);
            for (const char* kind : {"decode", "encode"}) {
                Case c = full;
                c.name = std::string("project_") + kind;
                c.kind = kind;
                c.description = std::string(kind) + "-only of the project's frames";
                chosen.push_back(c);
            }
        } else if (opts.cases.empty()) {
            chosen = all;
        } else {
            for (const auto& name : opts.cases) {
                auto it = std::find_if(all.begin(), all.end(), [&](const Case& c) { return c.name == name; });
                if (it == all.end()) {
                    std::string names;
                    for (const auto& c : all) names += (names.empty() ? "" : ", ") + c.name;
                    throw Error(ErrorCode::usage, "cli", "--case \"" + name + "\" is not a bench case",
                                "cases: " + names);
                }
                chosen.push_back(*it);
            }
        }
        fs::path root = opts.cache_dir.empty() ? SegmentCache::default_dir() : fs::path(opts.cache_dir);
        fs::create_directories(root / "bench-media", ec);
        if (ec || !fs::is_directory(root / "bench-media", ec))
            throw Error(
                ErrorCode::io, "bench",
                "cannot create \"" + (root / "bench-media").string() + "\"" + (ec ? ": " + ec.message() : ""),
                "give --cache-dir a folder reel can write");
        fs::path media_dir = root / "bench-media";
        fs::path scratch = root / "bench-scratch";
        Stopwatch started;
        json doc = {{"schema", "reel.bench"},
                    {"version", 1},
                    {"machine", machine_facts()},
                    {"quick", opts.quick},
                    {"repeat", opts.repeat}};
        if (!opts.project.empty()) doc["project"] = opts.project;
        json cases = json::array();
        for (const auto& c : chosen) {
            fs::path user;
            if (!opts.project.empty()) {
                user = fs::absolute(opts.project);
                Project p = open_project(user);  // dimensions for the report; errors before any run
                const_cast<Case&>(c).width = p.timeline.output.width;
                const_cast<Case&>(c).height = p.timeline.output.height;
            }
            for (auto& r : run_case(c, opts, media_dir, scratch, user)) cases.push_back(std::move(r));
        }
        doc["cases"] = cases;
        doc["wall_seconds"] = started.seconds();
        bool regressed = false;
        if (!opts.compare.empty()) {
            doc["compare"] = compare_with(doc, opts.compare, opts.max_regression, regressed);
            if (!opts.common.quiet)
                for (const auto& w : doc["compare"]["warnings"])
                    std::cerr << "reel bench: warning: " << w.get<std::string>() << "\n";
            if (!opts.common.quiet)
                for (const auto& c : doc["compare"]["cases"])
                    std::cerr << "reel bench: " << c["name"].get<std::string>() << " x"
                              << c["ratio"].get<double>() << (c["regressed"].get<bool>() ? "  REGRESSED" : "")
                              << "\n";
        }
        write_output(opts.common, doc.dump(2) + "\n");
        if (regressed) {
            throw Error(ErrorCode::regression, "bench",
                        "slower than the baseline by more than " +
                            std::to_string(int(opts.max_regression * 100)) +
                            "% in at least one case (see compare in the results)");
        }
        json stats = stats_document("bench");
        stats["cases"] = cases.size();
        return stats;
    });
}

}  // namespace reel::cli
