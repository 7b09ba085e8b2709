// SPDX-License-Identifier: Apache-2.0
#include "common.h"
#include "render_flags.h"

#include "render/join.h"
#include "render/keys.h"
#include "render/segments.h"
#include "stats/stats.h"
#include "util/error.h"
#include "util/stopwatch.h"
#include "util/strings.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace reel::cli {
namespace {

namespace fs = std::filesystem;

struct RenderCommand {
    CommonOptions common;
    RenderFlags flags;
    std::string range;
    bool no_cache = false;
    bool join = false;
};

/// `--join`: every segment verified in the cache before anything is written, or an error
/// naming each one that is not there and the commands that render them.
void check_join(const RenderCommand& opts, Plan& plan, const EncoderSettings& settings, SegmentCache& cache)
{
    for (auto& seg : plan.segments) seg.key = segment_key(seg, settings);
    std::vector<SegmentFault> faults = verify_segments(plan.segments, cache);
    if (faults.empty()) return;
    std::string list, indices;
    for (const auto& f : faults) {
        list += (list.empty() ? "" : "; ") + std::string("segment ") + std::to_string(f.index) + " (" +
                f.problem + ")";
        indices += (indices.empty() ? "" : ",") + std::to_string(f.index);
    }
    std::string shared = " " + opts.flags.project + " --cache-dir " + cache.dir().string() +
                         " --segment-seconds " + format_number(opts.flags.segment_seconds) +
                         (opts.flags.fps.empty() ? "" : " --fps " + opts.flags.fps);
    throw Error(ErrorCode::io, "render",
                "--join: " + std::to_string(faults.size()) + " of " + std::to_string(plan.segments.size()) +
                    " segments cannot be joined from the cache: " + list,
                "render them with 'reel segment" + shared + " --index " + indices +
                    "', or rerun their farm tasks with 'reel plan" + shared +
                    " --emit slurm --only-missing -o JOB.sh' (the job's script), then join again");
}

}  // namespace

void register_render(CLI::App& app)
{
    static RenderCommand opts;
    CLI::App* cmd = app.add_subcommand("render", "Render a timeline to a video file with its sound mix");
    add_render_flags(*cmd, opts.flags);
    cmd->add_option("-o,--output", opts.common.output,
                    "Output video file: .mp4 (default), .mov, .mkv or .webm")
        ->required()
        ->option_text("FILE");
    cmd->add_flag("-y,--overwrite", opts.common.overwrite, "Replace an existing output file");
    cmd->add_option("--range", opts.range,
                    "Render only START-END seconds of the timeline (e.g. 2-5.5), through the segment cache")
        ->option_text("A-B");
    cmd->add_flag("--no-cache", opts.no_cache,
                  "Use a private segment cache that is removed afterwards (nothing reused, nothing kept)");
    cmd->add_flag("--join", opts.join,
                  "Only join: verify every segment in the cache (size, checksum, frames, IDR first) and "
                  "composite them with the sound; refuse, naming them, if any is missing (a farm's join)");
    add_log_flags(*cmd, opts.common);
    add_stats_flag(*cmd, opts.common);
    set_runner(*cmd, "render", opts.common, [&]() -> nlohmann::json {
        progress_mode(opts.flags, opts.common);
        if (opts.common.output == "-")
            throw Error(ErrorCode::usage, "cli", "-o - is not possible for MP4 output",
                        "write to a file; streaming output is 'reel segment --stream'");
        std::error_code ec;
        if (!opts.common.overwrite && fs::exists(opts.common.output, ec))
            throw Error(ErrorCode::usage, "cli", "\"" + opts.common.output + "\" already exists",
                        "pass -y to overwrite it");
        if (fs::exists(opts.common.output, ec) && fs::equivalent(opts.common.output, opts.flags.project, ec))
            throw Error(ErrorCode::usage, "cli", "-o names the project file itself",
                        "choose another output file");
        if (opts.join && opts.no_cache)
            throw Error(ErrorCode::usage, "cli",
                        "--join joins segments from the cache, but --no-cache has none",
                        "give --cache-dir DIR: the cache the segments were rendered into");
        if (opts.no_cache && !opts.flags.cache_dir.empty())
            throw Error(ErrorCode::usage, "cli", "--no-cache and --cache-dir contradict each other",
                        "give one of them");
        check_output_folder(opts.common.output);
        Project project = open_render_project(opts.flags, opts.common, "render");
        const Timeline& tl = project.timeline;
        double prepare_seconds = project.parse_seconds + project.probe_seconds;
        RenderOptions ro = render_options(opts.flags, opts.common, tl);

        // A range renders through the segment engine like the whole timeline: the plan's
        // segments cut at its ends, cached (segments inside it are those a whole render
        // made, and are reused both ways).
        std::optional<FrameRange> range;
        if (!opts.range.empty()) range = parse_range(opts.range, tl.output.fps, "--range");
        Stopwatch t;
        Plan plan = render_plan(project, opts.flags, range);
        announce(opts.common, "render", plan);
        std::optional<ScratchDir> private_dir;
        if (opts.no_cache) {
            private_dir.emplace(fs::temp_directory_path(), "reel-nocache-");
            opts.flags.cache_dir = private_dir->path.string();
        }
        std::unique_ptr<SegmentCache> cache = open_cache(opts.flags);
        if (opts.join) check_join(opts, plan, encoder_settings(tl, ro), *cache);
        prepare_seconds += t.seconds();
        RenderResult r = render_with_segments(tl, project.sources, plan, *cache, ro);
        if (!private_dir) cache->evict();
        double wall = r.wall_seconds + prepare_seconds;
        print_warnings("render", r, opts.common);  // before the summary, which stays the last line
        if (!opts.common.quiet) {
            std::cerr << "reel render: " << r.frames << " frames in " << wall << " s ("
                      << (wall > 0 ? r.frames / wall : 0) << " fps)";
            std::cerr << ", segments " << r.segments_rendered << " rendered, "
                      << r.segments_reused + r.segments_waited << " reused";
            std::cerr << " -> " << opts.common.output << "\n";
        }
        nlohmann::json stats = render_stats("render", r, prepare_seconds, opts.common.output,
                                            private_dir ? nullptr : cache.get());
        stats["sources"] = sources_stats(opts.flags);
        return stats;
    });
}

}  // namespace reel::cli
