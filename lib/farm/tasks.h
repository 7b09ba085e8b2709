// SPDX-License-Identifier: Apache-2.0
#pragma once

// Render-farm tasks: a cost estimate for each segment of a plan, and the dirty segments
// cut into contiguous runs ("tasks") of about equal estimated cost, written to and read
// from a task file. Pure functions of the plan: the same plan and options give the same
// tasks on every machine (costs are integers, so no floating-point order matters).

#include "plan/plan.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace reel {

/// A segment's estimated work, in "cost units": one unit is one output pixel encoded by
/// the software encoder (x264). The model, per output frame of the segment:
/// - encode: 1 unit per output pixel;
/// - compose: 0.05 unit per output pixel for each root item that contributes pixels (a
///   colour card or a title costs this and the encode only);
/// - decode and scale: 0.2 unit per source pixel for each use of a video source visible
///   in the segment, nested compositions included (four uses of a 4K clip cost 6.6 M
///   units a frame, one of a 320x180 clip 12 k), stills excepted (decoded once).
/// The weights are the stage times of `reel segment --threads 1` on 1080p veryfast
/// (bench/pipeline/export_1080p.json): 35 ns an output pixel encoded, 6.3 ns a source
/// pixel decoded, compositing under 1% of either. cost_seconds() turns units into
/// seconds of one core at cost_units_per_second.
std::int64_t segment_cost(const Plan& plan, const Segment& segment);

/// Units a core does in a second: 40 M, measured with the weights above: the 1800 frames
/// of export_1080p (5.1 G units) took 132 s in four `reel segment --threads 1` tasks on a
/// shared 2-core VM (about 65 ms a 1080p frame of one layer). A faster core finishes a
/// task early; --tasks does not depend on it.
constexpr double cost_units_per_second = 40e6;
double cost_seconds(std::int64_t units);

/// How the dirty segments are cut into tasks: `tasks` tasks, else as many as make each
/// about `task_seconds` of estimated work; at least 1 and no more than there are segments.
struct TaskOptions {
    std::optional<int> tasks;
    std::optional<double> task_seconds;
};

/// One array task: a contiguous run of the dirty segments (in plan order).
struct FarmTask {
    int index = 0;
    std::vector<int> segments;      ///< plan indices
    std::vector<std::string> keys;  ///< their cache keys, to check against the plan
    std::int64_t cost = 0;          ///< estimated, units
};

/// Cuts `costs` (one per segment, in order) into `parts` contiguous runs minimising the
/// largest run's sum (binary search on that sum, greedy fill); returns each run's size.
/// `parts` is clamped to 1..costs.size().
std::vector<std::size_t> partition_costs(const std::vector<std::int64_t>& costs, int parts);

/// The tasks for `segments` (the dirty ones, Segment::key set), balanced by segment_cost().
/// Error(usage) when both or neither count is usable.
std::vector<FarmTask> balance_tasks(const Plan& plan, const std::vector<Segment>& segments,
                                    const TaskOptions& options);

/// Max over mean of the tasks' estimated costs (1 when all equal; 0 without tasks).
double cost_balance(const std::vector<FarmTask>& tasks);

/// What the emitter records next to its script: the tasks, and the project and options
/// `reel segment --tasks-file` checks it is rendering the same plan with.
struct TaskFile {
    std::string project;    ///< absolute path
    std::string cache_dir;  ///< absolute path
    std::string segment_seconds;
    std::string fps;   ///< --fps given to reel plan, or empty
    int segments = 0;  ///< in the whole plan
    std::vector<FarmTask> tasks;
};

nlohmann::ordered_json task_file_to_json(const TaskFile& file);
/// Reads a task file; Error(usage) naming the file when it cannot be read or is not one.
TaskFile read_task_file(const std::filesystem::path& path);

/// The first of a task's segments that is not the one the task file recorded (its index
/// outside `plan`, or its key, which `plan`'s segments must have set, another), or nothing
/// when every one matches: the timeline, its media or the flags changed since the job was
/// emitted.
std::optional<int> stale_task_segment(const Plan& plan, const FarmTask& task);

/// The array index a task runs as: `arg` when a number, else (`arg` = "env") the
/// environment's SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs).
/// Error(usage) naming the flag or the variable when none gives a number below `count`.
int task_index(const std::string& arg, int count);

}  // namespace reel
