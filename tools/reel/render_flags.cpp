// SPDX-License-Identifier: Apache-2.0
#include "render_flags.h"

#include "render/events.h"

#include "stats/stats.h"
#include "timeline/otio.h"
#include "util/error.h"

#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace reel::cli {

namespace {

void add_proxy_flags(CLI::App& cmd, RenderFlags& f)
{
    auto* proxy =
        cmd.add_flag("--proxy", f.proxy,
                     "Preview: decode each source's proxy ('reel proxy') and render at --scale or --size");
    cmd.add_option("--scale", f.scale,
                   "With --proxy: output size as a fraction of the timeline's (default 0.5)")
        ->check(CLI::Range(0.01, 1.0))
        ->needs(proxy)
        ->option_text("S");
    cmd.add_option("--size", f.size, "With --proxy: output size instead of --scale, e.g. 960x540")
        ->needs(proxy)
        ->option_text("WxH");
    cmd.add_option(
           "--proxy-height", f.proxy_height,
           "With --proxy: decode the proxies of this height (default: of each source, the current proxy that "
           "fits the preview best)")
        ->check(CLI::Range(16, 4320))
        ->needs(proxy)
        ->option_text("N");
    cmd.add_flag(
           "--make-proxies", f.make_proxies,
           "With --proxy: make a missing or stale proxy now (default: refuse, naming the command that makes "
           "it)")
        ->needs(proxy);
}

}  // namespace

void add_render_flags(CLI::App& cmd, RenderFlags& f, bool audio_codec)
{
    cmd.add_option("project", f.project, "Timeline file (.json, or OpenTimelineIO .otio)")
        ->required()
        ->option_text("PROJECT");
    cmd.add_option(
           "--media-root", f.media_root,
           "OTIO input: resolve relative media paths under DIR, and look there for missing absolute ones")
        ->option_text("DIR");
    cmd.add_option("--codec", f.codec, "Video codec, overriding output.video.codec: h264, hevc, av1, vp9")
        ->check(CLI::IsMember({"h264", "hevc", "av1", "vp9"}))
        ->option_text("NAME");
    cmd.add_option("--preset", f.preset, "Encoder preset, overriding output.video.preset")
        ->option_text("NAME");
    cmd.add_option("--crf", f.crf, "Constant quality, overriding output.video.crf")
        ->check(finite_range(0.0, 63.0))
        ->option_text("N");
    cmd.add_option("--bitrate", f.bitrate, "Target bits per second instead of a CRF")
        ->check(CLI::Range(std::int64_t(10000), std::int64_t(2000000000)))
        ->option_text("BPS");
    cmd.add_option("--gop", f.gop, "Frames between keyframes (default: output.video.gop, else 2 s)")
        ->check(CLI::Range(1, 10000))
        ->option_text("N");
    cmd.add_option(
           "--encoder", f.engine,
           "Encoder engine, overriding output.video.engine: auto (the first hardware engine that "
           "can run, else software), software (the default), onevpl, nvenc, vaapi, qsv. A named engine "
           "that cannot run stops the command (exit 6); reel bench --engines lists them")
        ->check(CLI::IsMember(engine_requests()))
        ->option_text("ENGINE");
    cmd.add_option("--hwdecode", f.hwdecode,
                   "Hardware decoding: none (the default), auto (the first device that opens: cuda, vaapi, "
                   "qsv), or a device; one that cannot open stops the command (exit 5)")
        ->check(CLI::IsMember(hwdecode_requests()))
        ->option_text("DEVICE");
    cmd.add_option("--threads", f.threads, "Worker threads (default: all cores)")
        ->check(CLI::Range(1, 256))
        ->option_text("N");
    cmd.add_option(
           "--memory-budget", f.memory_budget,
           "Memory for frame caches and segments in flight, e.g. 512M (default: a quarter of available "
           "memory)")
        ->option_text("SIZE");
    cmd.add_option("--cache-dir", f.cache_dir,
                   "Segment cache folder (default: $XDG_CACHE_HOME/reel, else ~/.cache/reel)")
        ->option_text("DIR");
    cmd.add_option("--cache-size", f.cache_size,
                   "Segment cache limit, e.g. 2G (default 10G); least recently used segments are evicted")
        ->option_text("SIZE");
    cmd.add_option("--segment-seconds", f.segment_seconds,
                   "Longest segment, in seconds (default 5, as reel plan); segments are also cut where the "
                   "layers change")
        ->check(finite_range(0.1, 3600.0))
        ->option_text("S");
    cmd.add_option("--progress", f.progress,
                   "Progress on stderr: auto (a bar on a terminal), bar, json, none")
        ->check(CLI::IsMember({"auto", "bar", "json", "none"}))
        ->option_text("MODE");
    cmd.add_option("--audio", f.audio,
                   "Audio track: auto (when anything is heard), always (silence if nothing is), none")
        ->check(CLI::IsMember({"auto", "always", "none"}))
        ->option_text("MODE");
    if (audio_codec)
        cmd.add_option("--audio-codec", f.audio_codec,
                       "Audio codec: aac (default; MP4/MOV/MKV) or opus (WebM)")
            ->check(CLI::IsMember({"aac", "opus"}))
            ->option_text("NAME");
    cmd.add_option(
           "--audio-errors", f.audio_errors,
           "Undecodable audio in a source: fail (default) or silence (rendered silent, with a warning)")
        ->check(CLI::IsMember({"fail", "silence"}))
        ->option_text("MODE");
    add_proxy_flags(cmd, f);
    add_fps_strict_flags(cmd, f.fps, f.strict);
}

std::uint64_t parse_size(const std::string& text, const std::string& flag, std::uint64_t min)
{
    std::size_t pos = 0;
    double v = 0;
    try {
        v = std::stod(text, &pos);
    } catch (...) {
        pos = 0;
    }
    std::string unit = text.substr(pos);
    double k = 1;
    if (unit == "K" || unit == "k" || unit == "KiB")
        k = 1024;
    else if (unit == "M" || unit == "m" || unit == "MiB")
        k = 1024.0 * 1024;
    else if (unit == "G" || unit == "g" || unit == "GiB")
        k = 1024.0 * 1024 * 1024;
    else if (unit == "T" || unit == "t" || unit == "TiB")
        k = 1024.0 * 1024 * 1024 * 1024;
    else if (!unit.empty())
        pos = 0;
    if (pos == 0 || v <= 0)
        throw Error(ErrorCode::usage, "cli", flag + " \"" + text + "\" is not a size",
                    "write bytes or a number with K, M or G, e.g. 512M");
    if (v * k < double(min))
        throw Error(
            ErrorCode::usage, "cli",
            flag + " " + text + " is too small; reel needs at least " + std::to_string(min >> 20) + "M");
    return std::uint64_t(v * k);
}

FrameRange parse_range(const std::string& text, const Rational& fps, const std::string& flag)
{
    std::size_t dash = text.find('-', 1);
    std::optional<Rational> a, b;
    if (dash != std::string::npos) {
        a = Rational::parse(text.substr(0, dash));
        b = Rational::parse(text.substr(dash + 1));
    }
    if (!a || !b || *a < Rational(0) || !(*a < *b))
        throw Error(ErrorCode::usage, "cli", flag + " \"" + text + "\" is not a range of seconds START-END",
                    "e.g. " + flag + " 2-5.5 means from 2 s up to 5.5 s");
    return {time_to_frame(*a, fps), time_to_frame(*b, fps)};
}

void check_output_folder(const std::string& output)
{
    if (output.empty() || output == "-") return;
    std::filesystem::path dir = std::filesystem::path(output).parent_path();
    if (dir.empty()) dir = ".";
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        throw Error(ErrorCode::io, "cli", "the output's folder \"" + dir.string() + "\" does not exist",
                    "create it first, or write the output elsewhere")
            .with_file(output);
    if (::access(dir.c_str(), W_OK) != 0)
        throw Error(ErrorCode::io, "cli", "the output's folder \"" + dir.string() + "\" is not writable")
            .with_file(output);
}

namespace {

/// Applies --proxy: the project as a preview (proxy/preview.h).
void open_preview(Project& project, RenderFlags& f, CommonOptions& common, const std::string& command)
{
    PreviewOptions po;
    po.settings.height = f.proxy_height ? f.proxy_height : 720;
    po.best_height = f.proxy_height == 0;
    po.scale = f.scale;
    if (!f.size.empty()) {
        int w = 0, h = 0;
        char x = 0, extra = 0;
        if (std::sscanf(f.size.c_str(), "%d%c%d%c", &w, &x, &h, &extra) != 3 || x != 'x')
            throw Error(ErrorCode::usage, "cli", "--size \"" + f.size + "\" is not WIDTHxHEIGHT",
                        "e.g. --size 960x540");
        po.width = w;
        po.height = h;
    }
    po.make_missing = f.make_proxies;
    po.make_command = "reel proxy " + f.project + " --height " + std::to_string(po.settings.height) +
                      (f.cache_dir.empty() ? "" : " --cache-dir " + f.cache_dir);
    RenderFlags quiet = f;
    quiet.progress = "none";
    po.make.render = render_options(quiet, common, project.timeline);
    po.making = [&](const std::string& id, const std::string& file) {
        if (!common.quiet)
            std::cerr << "reel " << command << ": making the proxy of \"" << id << "\" (" << file << ")\n";
    };
    ProxyStore store(proxy_dir(f));
    Preview preview = prepare_preview(project, store, po);
    project.timeline = std::move(preview.timeline);
    project.sources = std::move(preview.sources);
    f.decoded = std::move(preview.decoded);
}

}  // namespace

Project open_render_project(RenderFlags& f, const CommonOptions& common, const std::string& command)
{
    if (!f.media_root.empty() && !is_otio_path(f.project))
        throw Error(ErrorCode::usage, "cli",
                    "--media-root applies to OpenTimelineIO input, but " + f.project + " is not an .otio",
                    "media paths in a reel timeline are relative to its own folder");
    std::optional<Rational> fps = parse_fps_flag(f.fps);
    Project project = open_project(f.project, ProjectOptions{f.media_root, fps});
    if (f.strict) {
        // The mapping's warnings and the plan's (media no item uses), before any work.
        std::vector<std::string> warnings = project.warnings;
        Plan plan = make_plan(project.timeline, project.sources, PlanOptions{});
        warnings.insert(warnings.end(), plan.warnings.begin(), plan.warnings.end());
        fail_on_warnings(warnings, command);
    }
    if (!common.quiet)
        for (const auto& warning : project.warnings)
            std::cerr << "reel " << command << ": warning: " << warning << "\n";
    f.decoded.clear();
    if (f.proxy) {
        CommonOptions c = common;
        open_preview(project, f, c, command);
    } else {
        for (const auto& [id, info] : project.sources)
            f.decoded.push_back({id, info.path, info.path, "source"});
    }
    return project;
}

std::filesystem::path proxy_dir(const RenderFlags& f)
{
    return ProxyStore::dir_in_cache(f.cache_dir.empty() ? SegmentCache::default_dir()
                                                        : std::filesystem::path(f.cache_dir));
}

nlohmann::json sources_stats(const RenderFlags& f)
{
    nlohmann::json list = nlohmann::json::array();
    for (const auto& d : f.decoded)
        list.push_back({{"media", d.media}, {"source", d.source}, {"decoded", d.decoded}, {"from", d.from}});
    return list;
}

namespace {

/// A progress bar on stderr, redrawn in place.
void draw_bar(const RenderProgress& p)
{
    double fps = p.elapsed > 0 ? double(p.done) / p.elapsed : 0;
    int width = 30;
    int filled = p.total ? int(width * p.done / p.total) : width;
    double eta = fps > 0 ? double(p.total - p.done) / fps : 0;
    std::fprintf(stderr, "\r[%s%s] %lld/%lld frames %.1f fps eta %.0f s ",
                 std::string(std::size_t(filled), '#').c_str(),
                 std::string(std::size_t(width - filled), '.').c_str(), static_cast<long long>(p.done),
                 static_cast<long long>(p.total), fps, eta);
    if (p.done == p.total) std::fputc('\n', stderr);
    std::fflush(stderr);
}

}  // namespace

std::string progress_mode(const RenderFlags& f, CommonOptions& common)
{
    std::string mode = f.progress;
    if (mode == "auto") mode = isatty(STDERR_FILENO) ? "bar" : "none";
    if (common.quiet) mode = "none";
    common.events = mode == "json";
    return mode;
}

RenderOptions render_options(const RenderFlags& f, CommonOptions& common, const Timeline& tl)
{
    RenderOptions ro;
    ro.output = common.output;
    ro.overwrite = common.overwrite;
    if (!f.codec.empty()) ro.codec = f.codec;
    if (!f.preset.empty()) ro.preset = f.preset;
    if (f.crf >= 0) ro.crf = f.crf;
    if (f.bitrate > 0) ro.bitrate = f.bitrate;
    if (f.gop > 0) ro.gop = f.gop;
    if (!f.engine.empty()) ro.engine = f.engine;
    check_preset(ro.codec.value_or(tl.output.video.codec), ro.preset);  // before any work
    if (!f.hwdecode.empty()) ro.hwdecode = f.hwdecode;
    render_engine(tl, ro);  // an engine that cannot run: exit 6 before any work
    render_hwdecode(ro);    // a device that cannot open: exit 5 before any work
    ro.threads = f.threads;
    if (!f.memory_budget.empty())
        ro.memory_budget = parse_size(f.memory_budget, "--memory-budget", 64ull << 20);
    ro.cancel = &cancel_flag();
    ro.audio = f.audio;
    ro.audio_codec = f.audio_codec;
    ro.tolerate_audio_errors = f.audio_errors == "silence";
    std::string mode = progress_mode(f, common);
    if (mode == "bar") {
        ro.progress = [](const RenderProgress& p) {
            if (p.phase == RenderPhase::render) draw_bar(p);
        };
    } else if (mode == "json") {
        ro.progress = [](const RenderProgress& p) { emit_event(progress_event(p, command_seconds())); };
        ro.segment_changed = [](const SegmentOutcome& s) { emit_event(segment_event(s, command_seconds())); };
    }
    return ro;
}

void announce(const CommonOptions& common, const std::string& command, const Plan& plan)
{
    if (common.events) emit_event(start_event(command, plan, command_seconds()));
}

Plan render_plan(const Project& project, const RenderFlags& f, std::optional<FrameRange> range)
{
    PlanOptions po;
    po.range = range;
    po.max_segment_seconds = Rational::parse(std::to_string(f.segment_seconds)).value_or(Rational(5));
    Plan plan = make_plan(project.timeline, project.sources, po);
    if (plan.frames == 0 || plan.segments.empty())
        throw Error(ErrorCode::timeline, "render", "the timeline has no frames to render",
                    "give the root composition items, or a duration");
    return plan;
}

std::unique_ptr<SegmentCache> open_cache(const RenderFlags& f)
{
    std::uint64_t limit =
        f.cache_size.empty() ? (10ull << 30) : parse_size(f.cache_size, "--cache-size", 1ull << 20);
    std::filesystem::path dir =
        f.cache_dir.empty() ? SegmentCache::default_dir() : std::filesystem::path(f.cache_dir);
    return std::make_unique<SegmentCache>(dir, limit);
}

namespace {

void add_segment_stats(nlohmann::json& stats, const RenderResult& r)
{
    stats["segments"] = r.segments_total;
    stats["segments_rendered"] = r.segments_rendered;
    stats["segments_reused"] = r.segments_reused;
    stats["segments_waited"] = r.segments_waited;
    stats["segments_discarded"] = r.segments_discarded;
    stats["segments_in_flight"] = r.workers;
    stats["encoder_threads"] = r.encoder_threads;
    nlohmann::json list = nlohmann::json::array();
    for (const auto& s : r.segments)
        list.push_back({{"index", s.index},
                        {"start_frame", s.frames.begin},
                        {"end_frame", s.frames.end},
                        {"key", s.key},
                        {"status", to_string(s.status)},
                        {"seconds", s.seconds},
                        {"bytes", s.bytes}});
    stats["segment_list"] = list;
}

nlohmann::json audio_stats(const RenderResult& r)
{
    const AudioMixResult& a = r.audio_mix;
    nlohmann::json audio = {{"track", r.audio}};
    if (r.audio)
        audio.update({{"encoder", r.writer.audio_encoder},
                      {"sample_rate", a.sample_rate},
                      {"channels", a.channels},
                      {"frames", a.frames},
                      {"bytes", r.writer.audio_bytes},
                      {"items_mixed", a.items_mixed},
                      {"samples_mixed", a.samples_mixed},
                      {"peak", a.peak},
                      {"peak_out", a.peak_out},
                      {"clipped_samples", a.clipped_samples},
                      {"decoders_opened", a.decoders_opened},
                      {"seeks", a.seeks},
                      {"decode_errors", a.decode_errors},
                      {"warnings", a.warnings},
                      {"mix_seconds", a.seconds}});
    if (r.audio) audio["cached"] = r.audio_cached;
    return audio;
}

}  // namespace

nlohmann::json render_stats(const std::string& command, const RenderResult& r, double prepare_seconds,
                            const std::string& output, SegmentCache* cache)
{
    double wall = r.wall_seconds + prepare_seconds;
    nlohmann::json stats = stats_document(command);
    double seconds = r.duration.to_double();
    if (!output.empty()) stats["output"] = output;
    stats["frames"] = r.frames;
    stats["duration_seconds"] = seconds;
    stats["fps"] = wall > 0 ? r.frames / wall : 0;
    stats["realtime_factor"] = wall > 0 ? seconds / wall : 0;
    stats["encoder"] = r.writer.encoder;
    stats["engine"] = {{"name", to_string(r.engine.engine)},
                       {"requested", r.engine.requested},
                       {"chosen_by", r.engine.by},
                       {"encoder", r.engine.encoder},
                       {"why", r.engine.why}};
    stats["hwdecode"] = {{"device", to_string(r.hwdecode.device)},
                         {"requested", r.hwdecode.requested},
                         {"chosen_by", r.hwdecode.by},
                         {"why", r.hwdecode.why},
                         {"frames_hw", r.decode.hw_frames_decoded},
                         {"frames_software", r.decode.frames_decoded - r.decode.hw_frames_decoded}};
    stats["threads"] = r.threads;
    stats["frames_in_flight"] = r.frames_in_flight;
    stats["memory_budget_bytes"] = r.memory_budget;
    stats["bytes_written"] = r.writer.bytes;
    nlohmann::json stages = {{"prepare_seconds", prepare_seconds},
                             {"decode_seconds", r.decode_seconds},
                             {"compose_seconds", r.compose_seconds},
                             {"encode_seconds", r.encode_seconds}};
    stages["audio_seconds"] = r.audio_seconds;
    stages["composite_seconds"] = r.composite_seconds;
    stats["stages"] = stages;
    stats["decoders_opened"] = r.decode.decoders_opened;
    stats["seeks"] = r.decode.seeks;
    stats["frames_decoded"] = r.decode.frames_decoded;
    stats["sequence_decodes_peak"] = r.decode.sequence_decodes_peak;
    stats["layers_drawn"] = r.compose.layers_drawn;
    stats["comps_rendered"] = r.compose.comps_rendered;
    stats["direct_frames"] = r.compose.direct_frames;
    std::int64_t lookups = r.cache.hits + r.cache.misses;
    stats["cache"] = {{"hits", r.cache.hits},
                      {"misses", r.cache.misses},
                      {"hit_rate", lookups ? double(r.cache.hits) / double(lookups) : 0.0},
                      {"evictions", r.cache.evictions},
                      {"peak_bytes", r.cache.peak_bytes},
                      {"budget_bytes", r.cache_budget}};
    add_segment_stats(stats, r);
    if (cache) {
        SegmentCacheStats cs = cache->stats();
        stats["segment_cache"] = {{"dir", cache->dir().string()},
                                  {"bytes", cs.bytes},
                                  {"segments", cs.segments},
                                  {"limit_bytes", cache->limit()},
                                  {"evicted", cs.evicted}};
    }
    if (r.first_byte_seconds >= 0) stats["first_byte_seconds"] = r.first_byte_seconds + prepare_seconds;
    if (r.first_fragment_seconds >= 0)
        stats["first_fragment_seconds"] = r.first_fragment_seconds + prepare_seconds;
    stats["audio"] = audio_stats(r);
    return stats;
}

void print_warnings(const std::string& command, const RenderResult& r, const CommonOptions& common)
{
    if (common.quiet) return;
    for (const auto& w : r.audio_mix.warnings) std::cerr << "reel " << command << ": warning: " << w << "\n";
    for (const auto& w : r.warnings) std::cerr << "reel " << command << ": warning: " << w << "\n";
}

}  // namespace reel::cli
