// SPDX-License-Identifier: Apache-2.0
#include "common.h"

#include "plan/plan.h"
#include "render/render.h"
#include "stats/stats.h"
#include "timeline/otio.h"
#include "timeline/parse.h"
#include "util/error.h"

#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace reel::cli {
namespace {

struct RenderCommand {
    CommonOptions common;
    std::string project;
    std::string range;
    std::string codec, preset;
    double crf = -1;
    std::int64_t bitrate = 0;
    int gop = 0;
    int threads = 0;
    std::string memory_budget;
    std::string progress = "auto";
    std::string audio = "auto";
    std::string audio_codec;
    std::string audio_errors = "fail";
    std::string media_root;
};

/// "512M", "2G", "1048576" -> bytes.
std::size_t parse_size(const std::string& text)
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
    else if (!unit.empty())
        pos = 0;
    if (pos == 0 || v <= 0)
        throw Error(ErrorCode::usage, "cli", "--memory-budget \"" + text + "\" is not a size",
                    "write bytes or a number with K, M or G, e.g. 512M");
    if (v * k < 64.0 * 1024 * 1024)
        throw Error(ErrorCode::usage, "cli",
                    "--memory-budget " + text + " is too small; reel needs at least 64M");
    return std::size_t(v * k);
}

/// "A-B" in seconds (decimals or fractions) -> output frames.
FrameRange parse_range(const std::string& text, const Rational& fps)
{
    std::size_t dash = text.find('-', 1);
    std::optional<Rational> a, b;
    if (dash != std::string::npos) {
        a = Rational::parse(text.substr(0, dash));
        b = Rational::parse(text.substr(dash + 1));
    }
    if (!a || !b || *a < Rational(0) || !(*a < *b))
        throw Error(ErrorCode::usage, "cli", "--range \"" + text + "\" is not a range of seconds START-END",
                    "e.g. --range 2-5.5 renders from 2 s up to 5.5 s");
    return {time_to_frame(*a, fps), time_to_frame(*b, fps)};
}

}  // namespace

void register_render(CLI::App& app)
{
    static RenderCommand opts;
    CLI::App* cmd = app.add_subcommand("render", "Render a timeline to a video file with its sound mix");
    cmd->add_option("project", opts.project, "Timeline file (.json, or OpenTimelineIO .otio)")
        ->required()
        ->option_text("PROJECT");
    cmd->add_option(
           "--media-root", opts.media_root,
           "OTIO input: resolve relative media paths under DIR, and look there for missing absolute ones")
        ->option_text("DIR");
    cmd->add_option("-o,--output", opts.common.output,
                    "Output video file: .mp4 (default), .mov, .mkv or .webm")
        ->required()
        ->option_text("FILE");
    cmd->add_flag("-y,--overwrite", opts.common.overwrite, "Replace an existing output file");
    cmd->add_option("--range", opts.range, "Render only START-END seconds of the timeline (e.g. 2-5.5)")
        ->option_text("A-B");
    cmd->add_option("--codec", opts.codec, "Video codec, overriding output.video.codec: h264, hevc, av1, vp9")
        ->check(CLI::IsMember({"h264", "hevc", "av1", "vp9"}))
        ->option_text("NAME");
    cmd->add_option("--preset", opts.preset, "Encoder preset, overriding output.video.preset")
        ->option_text("NAME");
    cmd->add_option("--crf", opts.crf, "Constant quality, overriding output.video.crf")
        ->check(CLI::Range(0.0, 63.0))
        ->option_text("N");
    cmd->add_option("--bitrate", opts.bitrate, "Target bits per second instead of a CRF")
        ->check(CLI::Range(std::int64_t(10000), std::int64_t(2000000000)))
        ->option_text("BPS");
    cmd->add_option("--gop", opts.gop, "Frames between keyframes (default: output.video.gop, else 2 s)")
        ->check(CLI::Range(1, 10000))
        ->option_text("N");
    cmd->add_option("--threads", opts.threads, "Worker threads (default: all cores)")
        ->check(CLI::Range(1, 256))
        ->option_text("N");
    cmd->add_option(
           "--memory-budget", opts.memory_budget,
           "Memory for frame cache and frames in flight, e.g. 512M (default: a quarter of available memory)")
        ->option_text("SIZE");
    cmd->add_option("--progress", opts.progress,
                    "Progress on stderr: auto (a bar on a terminal), bar, json, none")
        ->check(CLI::IsMember({"auto", "bar", "json", "none"}))
        ->option_text("MODE");
    cmd->add_option("--audio", opts.audio,
                    "Audio track: auto (when anything is heard), always (silence if nothing is), none")
        ->check(CLI::IsMember({"auto", "always", "none"}))
        ->option_text("MODE");
    cmd->add_option("--audio-codec", opts.audio_codec,
                    "Audio codec: aac (default; MP4/MOV/MKV) or opus (WebM)")
        ->check(CLI::IsMember({"aac", "opus"}))
        ->option_text("NAME");
    cmd->add_option(
           "--audio-errors", opts.audio_errors,
           "Undecodable audio in a source: fail (default) or silence (rendered silent, with a warning)")
        ->check(CLI::IsMember({"fail", "silence"}))
        ->option_text("MODE");
    add_log_flags(*cmd, opts.common);
    add_stats_flag(*cmd, opts.common);
    set_runner(*cmd, "render", opts.common, [&]() -> nlohmann::json {
        if (opts.common.output == "-")
            throw Error(ErrorCode::usage, "cli", "-o - is not possible for MP4 output",
                        "write to a file; streaming output is 'reel segment --stream'");
        std::error_code ec;
        if (!opts.common.overwrite && std::filesystem::exists(opts.common.output, ec))
            throw Error(ErrorCode::usage, "cli", "\"" + opts.common.output + "\" already exists",
                        "pass -y to overwrite it");
        if (std::filesystem::exists(opts.common.output, ec) &&
            std::filesystem::equivalent(opts.common.output, opts.project, ec))
            throw Error(ErrorCode::usage, "cli", "-o names the project file itself",
                        "choose another output file");
        if (!opts.media_root.empty() && !is_otio_path(opts.project))
            throw Error(
                ErrorCode::usage, "cli",
                "--media-root applies to OpenTimelineIO input, but " + opts.project + " is not an .otio",
                "media paths in a reel timeline are relative to its own folder");
        Project project = open_project(opts.project, opts.media_root);
        if (!opts.common.quiet)
            for (const auto& warning : project.warnings)
                std::cerr << "reel render: warning: " << warning << "\n";
        const Timeline& tl = project.timeline;
        const SourceTable& sources = project.sources;
        double prepare_seconds = project.parse_seconds + project.probe_seconds;

        RenderOptions ro;
        ro.output = opts.common.output;
        ro.overwrite = opts.common.overwrite;
        if (!opts.range.empty()) ro.range = parse_range(opts.range, tl.output.fps);
        if (!opts.codec.empty()) ro.codec = opts.codec;
        if (!opts.preset.empty()) ro.preset = opts.preset;
        if (opts.crf >= 0) ro.crf = opts.crf;
        if (opts.bitrate > 0) ro.bitrate = opts.bitrate;
        if (opts.gop > 0) ro.gop = opts.gop;
        ro.threads = opts.threads;
        if (!opts.memory_budget.empty()) ro.memory_budget = parse_size(opts.memory_budget);
        ro.cancel = &cancel_flag();
        ro.audio = opts.audio;
        ro.audio_codec = opts.audio_codec;
        ro.tolerate_audio_errors = opts.audio_errors == "silence";
        std::string mode = opts.progress;
        if (mode == "auto") mode = isatty(STDERR_FILENO) ? "bar" : "none";
        if (opts.common.quiet) mode = "none";
        ro.progress = [mode](const RenderProgress& p) {
            double fps = p.elapsed > 0 ? p.done / p.elapsed : 0;
            if (mode == "json") {
                nlohmann::json line = {
                    {"frame", p.done}, {"frames", p.total}, {"elapsed_seconds", p.elapsed}, {"fps", fps}};
                std::cerr << line.dump() << "\n" << std::flush;
            } else if (mode == "bar") {
                int width = 30;
                int filled = p.total ? int(width * p.done / p.total) : width;
                double eta = fps > 0 ? (p.total - p.done) / fps : 0;
                std::fprintf(stderr, "\r[%s%s] %lld/%lld frames %.1f fps eta %.0f s ",
                             std::string(std::size_t(filled), '#').c_str(),
                             std::string(std::size_t(width - filled), '.').c_str(),
                             static_cast<long long>(p.done), static_cast<long long>(p.total), fps, eta);
                if (p.done == p.total) std::fputc('\n', stderr);
                std::fflush(stderr);
            }
        };
        RenderResult r = render_timeline(tl, sources, ro);
        double wall = r.wall_seconds + prepare_seconds;
        if (!opts.common.quiet)
            std::cerr << "reel render: " << r.frames << " frames in " << wall << " s ("
                      << (wall > 0 ? r.frames / wall : 0) << " fps) -> " << opts.common.output << "\n";
        if (!opts.common.quiet)
            for (const auto& w : r.audio_mix.warnings) std::cerr << "reel render: warning: " << w << "\n";
        nlohmann::json stats = stats_document("render");
        double seconds = r.duration.to_double();
        stats["output"] = opts.common.output;
        stats["frames"] = r.frames;
        stats["duration_seconds"] = seconds;
        stats["fps"] = wall > 0 ? r.frames / wall : 0;
        stats["realtime_factor"] = wall > 0 ? seconds / wall : 0;
        stats["encoder"] = r.writer.encoder;
        stats["threads"] = r.threads;
        stats["frames_in_flight"] = r.tokens;
        stats["memory_budget_bytes"] = r.memory_budget;
        stats["bytes_written"] = r.writer.bytes;
        stats["stages"] = {{"prepare_seconds", prepare_seconds},
                           {"decode_seconds", r.decode_seconds},
                           {"compose_seconds", r.compose_seconds},
                           {"encode_seconds", r.encode_seconds}};
        stats["decoders_opened"] = r.decode.decoders_opened;
        stats["seeks"] = r.decode.seeks;
        stats["frames_decoded"] = r.decode.frames_decoded;
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
        stats["audio"] = audio;
        return stats;
    });
}

}  // namespace reel::cli
