// SPDX-License-Identifier: Apache-2.0
#include "farm/tasks.h"

#include "util/error.h"
#include "util/strings.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <sstream>

namespace reel {

// The weights and the rate: see tasks.h.
std::int64_t segment_cost(const Plan& plan, const Segment& segment)
{
    const std::int64_t frames = segment.frames.size();
    const std::int64_t out_px = std::int64_t(plan.output.width) * plan.output.height;
    std::int64_t cost = frames * out_px;                                // encode
    cost += frames * std::int64_t(segment.items.size()) * out_px / 20;  // compose
    for (const auto& sp : plan.sources) {
        if (!sp.info.video || sp.info.still_image) continue;
        std::int64_t src_px = std::int64_t(sp.info.video->width) * sp.info.video->height;
        for (const auto& use : sp.uses) {
            if (use.track_kind != TrackKind::video) continue;
            FrameRange seen = use.timeline.frames(plan.output.fps);
            std::int64_t overlap =
                std::min(seen.end, segment.frames.end) - std::max(seen.begin, segment.frames.begin);
            if (overlap > 0) cost += overlap * src_px / 5;  // decode and scale
        }
    }
    return std::max<std::int64_t>(cost, 1);
}

double cost_seconds(std::int64_t units)
{
    return double(units) / cost_units_per_second;
}

std::vector<std::size_t> partition_costs(const std::vector<std::int64_t>& costs, int parts)
{
    if (costs.empty()) return {};
    std::size_t k = std::clamp<std::size_t>(std::size_t(std::max(parts, 1)), 1, costs.size());
    // Runs needed when no run may exceed `limit` (greedy, in order).
    auto runs = [&](std::int64_t limit) {
        std::vector<std::size_t> sizes;
        std::int64_t sum = 0;
        for (std::int64_t c : costs) {
            if (sizes.empty() || sum + c > limit) {
                sizes.push_back(0);
                sum = 0;
            }
            sum += c;
            ++sizes.back();
        }
        return sizes;
    };
    std::int64_t lo = *std::max_element(costs.begin(), costs.end());
    std::int64_t hi = std::accumulate(costs.begin(), costs.end(), std::int64_t(0));
    while (lo < hi) {
        std::int64_t mid = lo + (hi - lo) / 2;
        if (runs(mid).size() <= k)
            hi = mid;
        else
            lo = mid + 1;
    }
    std::vector<std::size_t> sizes = runs(lo);
    // Fewer runs than asked for (a few huge segments): split the longest runs so every
    // task has work; the largest sum stays the same.
    while (sizes.size() < k) {
        auto longest = std::max_element(sizes.begin(), sizes.end());
        if (*longest < 2) break;
        std::size_t half = *longest / 2;
        *longest -= half;
        sizes.insert(longest + 1, half);
    }
    return sizes;
}

std::vector<FarmTask> balance_tasks(const Plan& plan, const std::vector<Segment>& segments,
                                    const TaskOptions& options)
{
    if (options.tasks && options.task_seconds)
        throw Error(ErrorCode::usage, "farm", "--tasks and --task-seconds both say how many tasks",
                    "give one of them");
    if (options.tasks && *options.tasks < 1)
        throw Error(ErrorCode::usage, "farm", "--tasks " + std::to_string(*options.tasks) + " is not a count",
                    "give 1 or more");
    if (options.task_seconds && !(*options.task_seconds > 0))
        throw Error(ErrorCode::usage, "farm", "--task-seconds must be more than 0");
    std::vector<std::int64_t> costs;
    for (const auto& s : segments) costs.push_back(segment_cost(plan, s));
    std::int64_t total = std::accumulate(costs.begin(), costs.end(), std::int64_t(0));
    int parts = 1;
    if (options.tasks)
        parts = *options.tasks;
    else
        parts =
            int(std::min<double>(1e6, std::ceil(cost_seconds(total) / options.task_seconds.value_or(60))));
    std::vector<FarmTask> tasks;
    std::size_t next = 0;
    for (std::size_t size : partition_costs(costs, parts)) {
        FarmTask t;
        t.index = int(tasks.size());
        for (std::size_t i = next; i < next + size; ++i) {
            t.segments.push_back(segments[i].index);
            t.keys.push_back(segments[i].key);
            t.cost += costs[i];
        }
        next += size;
        tasks.push_back(std::move(t));
    }
    return tasks;
}

double cost_balance(const std::vector<FarmTask>& tasks)
{
    if (tasks.empty()) return 0;
    std::int64_t most = 0, total = 0;
    for (const auto& t : tasks) {
        most = std::max(most, t.cost);
        total += t.cost;
    }
    return total > 0 ? double(most) * double(tasks.size()) / double(total) : 1;
}

nlohmann::ordered_json task_file_to_json(const TaskFile& f)
{
    nlohmann::ordered_json tasks = nlohmann::ordered_json::array();
    for (const auto& t : f.tasks)
        tasks.push_back({{"task", t.index},
                         {"segments", t.segments},
                         {"keys", t.keys},
                         {"estimated_cost", t.cost},
                         {"estimated_seconds", cost_seconds(t.cost)}});
    return {{"schema", "reel.farm_tasks"},
            {"version", 1},
            {"project", f.project},
            {"cache_dir", f.cache_dir},
            {"segment_seconds", f.segment_seconds},
            {"fps", f.fps},
            {"segments", f.segments},
            {"cost_balance", cost_balance(f.tasks)},
            {"tasks", tasks}};
}

TaskFile read_task_file(const std::filesystem::path& path)
{
    std::ifstream in(path);
    if (!in)
        throw Error(ErrorCode::usage, "farm", "cannot read the task file \"" + path.string() + "\"",
                    "'reel plan --emit slurm' (or k8s) writes it next to the script");
    TaskFile f;
    try {
        nlohmann::json j = nlohmann::json::parse(in);
        if (j.value("schema", "") != "reel.farm_tasks") throw std::runtime_error("not a reel task file");
        f.project = j.at("project").get<std::string>();
        f.cache_dir = j.at("cache_dir").get<std::string>();
        f.segment_seconds = j.at("segment_seconds").get<std::string>();
        f.fps = j.at("fps").get<std::string>();
        f.segments = j.at("segments").get<int>();
        for (const auto& t : j.at("tasks")) {
            FarmTask task;
            task.index = t.at("task").get<int>();
            task.segments = t.at("segments").get<std::vector<int>>();
            task.keys = t.at("keys").get<std::vector<std::string>>();
            task.cost = t.at("estimated_cost").get<std::int64_t>();
            if (task.index != int(f.tasks.size()) || task.keys.size() != task.segments.size())
                throw std::runtime_error("task " + std::to_string(f.tasks.size()) + " is malformed");
            f.tasks.push_back(std::move(task));
        }
    } catch (const std::exception& e) {
        throw Error(ErrorCode::usage, "farm", "task file \"" + path.string() + "\": " + e.what(),
                    "emit it again with 'reel plan --emit slurm'");
    }
    return f;
}

std::optional<int> stale_task_segment(const Plan& plan, const FarmTask& task)
{
    for (std::size_t i = 0; i < task.segments.size(); ++i) {
        int n = task.segments[i];
        if (n < 0 || n >= int(plan.segments.size()) || plan.segments[std::size_t(n)].key != task.keys[i])
            return n;
    }
    return std::nullopt;
}

int task_index(const std::string& arg, int count)
{
    std::string value = arg, where = "--task";
    if (arg == "env") {
        for (const char* name : {"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"})
            if (const char* v = std::getenv(name); v && *v) {
                value = v;
                where = name;
                break;
            }
        if (where == "--task")
            throw Error(ErrorCode::usage, "cli",
                        "--task env: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set",
                        "run it as a Slurm array task or a Kubernetes Indexed Job, or give --task N");
    }
    std::optional<int> parsed = parse_count(value);
    if (!parsed)
        throw Error(ErrorCode::usage, "cli", where + " \"" + value + "\" is not a task number",
                    "give a number from 0, or env");
    int n = *parsed;
    if (n >= count)
        throw Error(ErrorCode::usage, "cli",
                    where + " " + std::to_string(n) + " is out of range: the task file has " +
                        std::to_string(count) + " tasks",
                    "emit the job again with 'reel plan --emit slurm'");
    return n;
}

}  // namespace reel
