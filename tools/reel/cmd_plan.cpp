// SPDX-License-Identifier: Apache-2.0
#include "common.h"

#include "cache/segment_cache.h"
#include "plan/plan.h"
#include "proxy/proxy.h"
#include "render/keys.h"
#include "render/segments.h"
#include "stats/stats.h"
#include "timeline/otio.h"
#include "timeline/otio_write.h"
#include "timeline/parse.h"
#include "timeline/serialize.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/stopwatch.h"

#include <cctype>
#include <filesystem>
#include <iostream>

namespace reel::cli {
namespace {

struct PlanCommand {
    CommonOptions common;
    std::string project;
    std::string format = "json";
    std::string emit = "plan";
    double segment_seconds = 5;
    std::string dump;
    std::string media_root;
    std::string cache_dir;
    int proxy_height = 720;
    std::string fps;
    bool strict = false;
};

bool is_absolute_path(const std::string& path)
{
    return std::filesystem::path(path).is_absolute() ||
           (path.size() >= 3 && std::isalpha(static_cast<unsigned char>(path[0])) && path[1] == ':' &&
            (path[2] == '/' || path[2] == '\\'));
}

/// Writes `timeline` as reel JSON to `file` (atomically; an existing file needs -y).
/// Media paths that were relative to the project's folder are made relative to the
/// dump's folder (absolute when they would have to climb out of it with ".."), so the
/// dump works wherever it is written.
void write_dump(const Timeline& timeline, const std::string& file, bool overwrite)
{
    namespace fs = std::filesystem;
    nlohmann::json doc = to_json(timeline);
    fs::path dir = fs::absolute(fs::path(file)).parent_path();
    for (auto& [id, entry] : doc["media"].items()) {
        const MediaRef& ref = timeline.media.at(id);
        if (is_absolute_path(ref.path)) continue;
        fs::path target = fs::absolute(ref.resolved).lexically_normal();
        fs::path relative = target.lexically_relative(dir);
        bool climbs = relative.empty() || *relative.begin() == "..";
        entry["path"] = climbs ? target.string() : relative.generic_string();
    }
    write_file_atomic(file, doc.dump(2) + "\n", overwrite ? Overwrite::replace : Overwrite::refuse);
}

/// Usage errors that name the flag, before any work.
void check_plan_flags(const PlanCommand& opts)
{
    bool plan_to_stdout = opts.common.output.empty() || opts.common.output == "-";
    if (plan_to_stdout && opts.common.stats == "-")
        throw Error(ErrorCode::usage, "cli", "--stats - and the plan would both go to stdout",
                    "write the plan to a file with -o FILE, or the stats with --stats FILE");
    if (!opts.common.output.empty() && opts.common.output != "-" && opts.common.output == opts.project)
        throw Error(ErrorCode::usage, "cli", "-o names the project file itself",
                    "choose another output file");
    bool otio = is_otio_path(opts.project);
    if (!opts.media_root.empty() && !otio)
        throw Error(ErrorCode::usage, "cli",
                    "--media-root applies to OpenTimelineIO input, but " + opts.project + " is not an .otio",
                    "media paths in a reel timeline are relative to its own folder");
    if (opts.emit == "otio" && opts.format != "json")
        throw Error(ErrorCode::usage, "cli",
                    "--format " + opts.format + " applies to the plan, but --emit otio writes OpenTimelineIO",
                    "drop --format, or write the plan in another run");
    if (!opts.dump.empty() && (opts.dump == opts.project || opts.dump == opts.common.output))
        throw Error(ErrorCode::usage, "cli",
                    "--dump names " + std::string(opts.dump == opts.project ? "the project file itself"
                                                                            : "the plan's output file"),
                    "choose another file for the reel timeline");
}

/// The project, its dump written and the OTIO mapping's warnings printed (unless --strict,
/// which reports them as errors) and kept.
Project open_plan_project(const PlanCommand& opts, std::vector<std::string>& otio_warnings)
{
    bool otio = is_otio_path(opts.project);
    std::optional<Rational> fps = parse_fps_flag(opts.fps);
    Project project;
    if (otio) {
        // As open_project(), with the mapping's warnings kept. The dump is written once the
        // media are probed (the rate and the clips of stills settled), or, when probing
        // fails, as read, so that a timeline whose media are offline still converts.
        Stopwatch step;
        OtioTimeline read = load_otio(opts.project, OtioOptions{opts.media_root});
        project.timeline = std::move(read.timeline);
        otio_warnings = std::move(read.warnings);
        project.proxy_references = std::move(read.proxies);
        project.parse_seconds = step.seconds();
        // Said now, so that they are seen even when probing fails.
        for (const auto& warning : otio_warnings)
            if (!opts.common.quiet && !opts.strict) std::cerr << "reel plan: warning: " << warning << "\n";
        Stopwatch probe;
        try {
            project.sources = probe_sources(project.timeline);
        } catch (const Error&) {
            if (fps) project.timeline.output.fps = *fps;
            if (!opts.dump.empty()) write_dump(project.timeline, opts.dump, opts.common.overwrite);
            throw;
        }
        settle_frame_rate(project.timeline, project.sources, fps);
        resolve_timeline(project.timeline, source_facts(project.sources));
        project.probe_seconds = probe.seconds();
        if (!opts.dump.empty()) write_dump(project.timeline, opts.dump, opts.common.overwrite);
    } else {
        project = open_project(opts.project, ProjectOptions{{}, fps});
        if (!opts.dump.empty()) write_dump(project.timeline, opts.dump, opts.common.overwrite);
    }
    return project;
}

/// Each source's proxy at `height`: what 'reel render --proxy' would decode.
void mark_proxies(Plan& plan, const Project& project, const std::filesystem::path& cache_dir, int height)
{
    ProxyStore store(ProxyStore::dir_in_cache(cache_dir));
    ProxySettings ps;
    ps.height = height;
    for (auto& s : plan.sources) {
        auto ref = project.proxy_references.find(s.id);
        if (s.info.video && ref != project.proxy_references.end()) {
            s.proxy = SourcePlan::Proxy{"reference", ps.height, ref->second.string()};
            continue;
        }
        ProxyEntry e = store.lookup(s.info, ps, false);
        s.proxy = SourcePlan::Proxy{to_string(e.state), ps.height,
                                    e.state == ProxyState::not_needed ? "" : e.file.string()};
    }
}

/// `--emit otio`: the resolved timeline as OpenTimelineIO. Relative media paths are
/// written relative to the .otio file's folder (the current one for stdout).
std::string otio_text(const PlanCommand& opts, const Project& project)
{
    bool to_stdout = opts.common.output.empty() || opts.common.output == "-";
    OtioWriteOptions wo;
    wo.dir = to_stdout ? std::filesystem::current_path()
                       : std::filesystem::absolute(opts.common.output).parent_path();
    return to_otio(project.timeline, source_facts(project.sources), wo).dump(2) + "\n";
}

nlohmann::json run_plan(const PlanCommand& opts)
{
    check_plan_flags(opts);
    std::vector<std::string> otio_warnings;
    Project project = open_plan_project(opts, otio_warnings);
    bool plan_to_stdout = opts.common.output.empty() || opts.common.output == "-";
    if (!opts.dump.empty() && !opts.common.quiet)
        std::cerr << "reel plan: reel timeline -> " << opts.dump << "\n";
    const Timeline& tl = project.timeline;
    const SourceTable& sources = project.sources;
    double parse_seconds = project.parse_seconds, probe_seconds = project.probe_seconds;
    Stopwatch stage;
    PlanOptions po;
    if (auto seconds = Rational::parse(std::to_string(opts.segment_seconds)))
        po.max_segment_seconds = *seconds;
    Plan plan = make_plan(tl, sources, po);
    plan.warnings.insert(plan.warnings.begin(), otio_warnings.begin(), otio_warnings.end());
    if (opts.strict) fail_on_warnings(plan.warnings, "plan");
    // Cached or dirty: the key reel render would look up, with the timeline's settings.
    EncoderSettings settings = encoder_settings(tl, RenderOptions{});
    std::filesystem::path cache_dir =
        opts.cache_dir.empty() ? SegmentCache::default_dir() : std::filesystem::path(opts.cache_dir);
    for (auto& seg : plan.segments) {
        seg.key = segment_key(seg, settings);
        seg.cached = SegmentCache::holds(cache_dir, seg.key);
    }
    mark_proxies(plan, project, cache_dir, opts.proxy_height);
    double plan_seconds = stage.seconds();
    std::string text = opts.emit == "otio"     ? otio_text(opts, project)
                       : opts.format == "text" ? plan_to_text(plan)
                                               : plan_to_json(plan).dump(2) + "\n";
    write_output(opts.common, text);
    if (!opts.common.quiet && !plan_to_stdout && opts.emit == "otio")
        std::cerr << "reel plan: OpenTimelineIO -> " << opts.common.output << "\n";
    else if (!opts.common.quiet && !plan_to_stdout)
        std::cerr << "reel plan: " << plan.frames << " frames, " << plan.segments.size() << " segments, "
                  << plan.sources.size() << " sources -> " << opts.common.output << "\n";
    if (opts.common.verbose > 0 && !opts.common.quiet)
        std::cerr << "reel plan: parse " << parse_seconds << " s, probe " << sources.size() << " sources "
                  << probe_seconds << " s, plan " << plan_seconds << " s\n";
    for (std::size_t i = otio_warnings.size(); i < plan.warnings.size(); ++i)
        if (!opts.common.quiet) std::cerr << "reel plan: warning: " << plan.warnings[i] << "\n";
    nlohmann::json stats = stats_document("plan");
    stats["frames"] = plan.frames;
    stats["segments"] = plan.segments.size();
    stats["sources_probed"] = sources.size();
    stats["stages"] = {
        {"parse_seconds", parse_seconds}, {"probe_seconds", probe_seconds}, {"plan_seconds", plan_seconds}};
    return stats;
}

}  // namespace

void register_plan(CLI::App& app)
{
    static PlanCommand opts;
    CLI::App* cmd =
        app.add_subcommand("plan", "Parse, validate and analyse a timeline; print the plan (no pixels)");
    cmd->add_option("project", opts.project, "Timeline file (.json, or OpenTimelineIO .otio)")
        ->required()
        ->option_text("PROJECT");
    add_output_flags(*cmd, opts.common, "the plan");
    cmd->add_option("--format", opts.format, "Plan format: json (default) or text (a table for people)")
        ->check(CLI::IsMember({"json", "text"}))
        ->option_text("json|text");
    cmd->add_option("--segment-seconds", opts.segment_seconds,
                    "Longest segment, in seconds (default 5); segments are also cut where the layers change")
        ->check(finite_range(0.1, 3600.0))
        ->option_text("S");
    cmd->add_option("--emit", opts.emit,
                    "What to write to -o (or stdout): plan (the default), or otio: the resolved timeline "
                    "as OpenTimelineIO, for editors and OTIO tools")
        ->check(CLI::IsMember({"plan", "otio"}))
        ->option_text("plan|otio");
    cmd->add_option("--dump", opts.dump,
                    "Also write the timeline as reel JSON to FILE (an .otio converted); -y replaces FILE")
        ->option_text("FILE");
    cmd->add_option("--media-root", opts.media_root,
                    "OTIO input: resolve relative media paths under DIR, and look there for missing "
                    "absolute ones")
        ->option_text("DIR");
    cmd->add_option(
           "--cache-dir", opts.cache_dir,
           "Mark each segment cached or dirty against this segment cache (default: $XDG_CACHE_HOME/reel, "
           "else ~/.cache/reel)")
        ->option_text("DIR");
    cmd->add_option("--proxy-height", opts.proxy_height,
                    "Report each source's proxy at this height (default 720): current, stale, missing")
        ->check(CLI::Range(16, 4320))
        ->option_text("N");
    add_fps_strict_flags(*cmd, opts.fps, opts.strict);
    add_log_flags(*cmd, opts.common);
    add_stats_flag(*cmd, opts.common);
    set_runner(*cmd, "plan", opts.common, [&]() -> nlohmann::json { return run_plan(opts); });
}

}  // namespace reel::cli
