// SPDX-License-Identifier: Apache-2.0
#include "common.h"
#include "render_flags.h"

#include "farm/tasks.h"
#include "render/keys.h"
#include "render/segments.h"
#include "render/stream.h"
#include "stats/stats.h"
#include "util/error.h"
#include "util/stopwatch.h"
#include "util/strings.h"

#include <filesystem>
#include <iostream>
#include <set>

namespace reel::cli {
namespace {

struct SegmentCommand {
    CommonOptions common;
    RenderFlags flags;
    std::vector<std::string> index;
    std::string range;
    bool stream = false;
    std::string task;        ///< --task N|env
    std::string tasks_file;  ///< --tasks-file FILE
};

/// `--task`: the task's segments from the task file, each checked against this plan's key
/// (the timeline, its media and the flags must be those the job was emitted with).
std::vector<Segment> select_task(Plan plan, const SegmentCommand& opts, const EncoderSettings& settings)
{
    TaskFile file = read_task_file(opts.tasks_file);
    int n = task_index(opts.task, int(file.tasks.size()));
    const FarmTask& task = file.tasks[std::size_t(n)];
    for (auto& s : plan.segments) s.key = segment_key(s, settings);
    if (std::optional<int> stale = stale_task_segment(plan, task))
        throw Error(
            ErrorCode::usage, "cli",
            "task " + std::to_string(n) + " of \"" + opts.tasks_file + "\": segment " +
                std::to_string(*stale) +
                " is not the one the job was emitted for (the timeline, its media or the flags changed)",
            "emit the job again with 'reel plan --emit slurm' (or k8s)");
    std::vector<Segment> chosen;
    for (int index : task.segments) chosen.push_back(plan.segments[std::size_t(index)]);
    return chosen;
}

std::vector<Segment> select(const Plan& plan, const SegmentCommand& opts)
{
    std::vector<Segment> chosen;
    int count = int(plan.segments.size());
    if (!opts.index.empty()) {
        std::set<int> wanted;
        for (const auto& arg : opts.index) {
            std::size_t start = 0;
            while (start <= arg.size()) {
                std::size_t comma = arg.find(',', start);
                std::string part =
                    arg.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
                std::optional<int> parsed = parse_count(part);
                if (!parsed)
                    throw Error(ErrorCode::usage, "cli", "--index \"" + part + "\" is not a segment number",
                                "give numbers from 0 to " + std::to_string(count - 1) + ", e.g. --index 0,3");
                int n = *parsed;
                if (n >= count)
                    throw Error(ErrorCode::usage, "cli",
                                "--index " + std::to_string(n) + " is out of range: the plan has " +
                                    std::to_string(count) + " segments (0-" + std::to_string(count - 1) + ")",
                                "'reel plan' lists them; --segment-seconds changes how many there are");
                wanted.insert(n);
                if (comma == std::string::npos) break;
                start = comma + 1;
            }
        }
        for (int n : wanted) chosen.push_back(plan.segments[std::size_t(n)]);
        return chosen;
    }
    FrameRange r = parse_range(opts.range, plan.output.fps, "--range");
    if (r.begin >= plan.frames)
        throw Error(ErrorCode::usage, "cli",
                    "--range " + opts.range + " starts after the timeline's end (" +
                        format_number(plan.duration.to_double()) + " s)");
    for (const auto& s : plan.segments)
        if (s.frames.begin < r.end && r.begin < s.frames.end) chosen.push_back(s);
    return chosen;
}

}  // namespace

void register_segment(CLI::App& app)
{
    static SegmentCommand opts;
    CLI::App* cmd = app.add_subcommand(
        "segment",
        "Render segments of a timeline into the cache (render-farm tasks), or stream fragmented MP4");
    add_render_flags(*cmd, opts.flags, false);
    auto* index = cmd->add_option("--index", opts.index,
                                  "Render these segments (numbers from 'reel plan'; repeat or list: 0,3)")
                      ->option_text("N[,N...]");
    auto* range = cmd->add_option("--range", opts.range, "Render every segment overlapping START-END seconds")
                      ->option_text("A-B");
    auto* stream =
        cmd->add_flag("--stream", opts.stream,
                      "Write fragmented MP4 (H.264 + AAC) to -o as frames are encoded, segments in "
                      "timeline order, reusing and filling the cache");
    auto* task = cmd->add_option("--task", opts.task,
                                 "Render task N of --tasks-file (a farm job's); env: the index from "
                                 "SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX")
                     ->option_text("N|env");
    auto* tasks_file =
        cmd->add_option("--tasks-file", opts.tasks_file, "The task file 'reel plan --emit slurm|k8s' wrote")
            ->option_text("FILE");
    task->needs(tasks_file);
    tasks_file->needs(task);
    index->excludes(range)->excludes(stream)->excludes(task);
    range->excludes(stream)->excludes(task);
    stream->excludes(task);
    cmd->add_option("-o,--output", opts.common.output, "With --stream: the fMP4 file, or '-' for stdout")
        ->option_text("FILE|-");
    cmd->add_flag("-y,--overwrite", opts.common.overwrite, "Replace an existing output file (--stream)");
    add_log_flags(*cmd, opts.common);
    add_stats_flag(*cmd, opts.common);
    set_runner(*cmd, "segment", opts.common, [&]() -> nlohmann::json {
        Stopwatch work;  // the stream's first byte and fragment are timed from here
        progress_mode(opts.flags, opts.common);
        namespace fs = std::filesystem;
        if (opts.index.empty() && opts.range.empty() && !opts.stream && opts.task.empty())
            throw Error(ErrorCode::usage, "cli",
                        "say which segments: --index N, --range A-B, --task N --tasks-file FILE or --stream",
                        "'reel plan' lists the segments");
        if (!opts.stream && !opts.common.output.empty())
            throw Error(ErrorCode::usage, "cli", "-o goes with --stream; --index and --range fill the cache",
                        "join cached segments with 'reel render' or 'reel composite'");
        if (opts.stream && opts.common.output.empty())
            throw Error(ErrorCode::usage, "cli", "--stream needs -o FILE or -o - (stdout)");
        if (opts.common.output == "-" && opts.common.stats == "-")
            throw Error(ErrorCode::usage, "cli", "--stats - and -o - would both write to stdout",
                        "write the stats to a file: --stats FILE");
        std::error_code ec;
        if (opts.stream && opts.common.output != "-" && !opts.common.overwrite &&
            fs::exists(opts.common.output, ec) && fs::is_regular_file(opts.common.output, ec))
            throw Error(ErrorCode::usage, "cli", "\"" + opts.common.output + "\" already exists",
                        "pass -y to overwrite it");
        check_output_folder(opts.common.output);
        Project project = open_render_project(opts.flags, opts.common, "segment");
        const Timeline& tl = project.timeline;
        Plan plan = render_plan(project, opts.flags);
        std::unique_ptr<SegmentCache> cache = open_cache(opts.flags);
        RenderOptions ro = render_options(opts.flags, opts.common, tl);
        announce(opts.common, "segment", plan);
        // Everything before the segments: reading, probing, planning, opening the cache.
        double prepare_seconds = work.seconds();
        RenderResult r;
        if (opts.stream) {
            ro.output = opts.common.output;
            r = stream_with_segments(tl, project.sources, plan, *cache, ro);
        } else {
            std::vector<Segment> chosen =
                opts.task.empty() ? select(plan, opts) : select_task(plan, opts, encoder_settings(tl, ro));
            r = render_into_cache(tl, project.sources, plan, chosen, *cache, ro);
        }
        cache->evict();
        print_warnings("segment", r, opts.common);  // before the summary, which stays the last line
        if (!opts.common.quiet)
            std::cerr << "reel segment: " << r.segments_total << " segments (" << r.segments_rendered
                      << " rendered, " << r.segments_reused + r.segments_waited << " reused), " << r.frames
                      << " frames\n";
        nlohmann::json stats =
            render_stats("segment", r, prepare_seconds, opts.stream ? opts.common.output : "", cache.get());
        stats["sources"] = sources_stats(opts.flags);
        return stats;
    });
}

}  // namespace reel::cli
