// SPDX-License-Identifier: Apache-2.0
#include "farm/emit.h"
#include "farm/tasks.h"
#include "util/error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>

using namespace reel;

namespace {

/// A 320x180 25 fps plan of `frames` segments; `uneven` gives every fourth segment a 4K
/// source seen through a four-user nested comp, every fifth a title card alone.
Plan plan_of(const std::vector<std::int64_t>& frames, bool uneven)
{
    Plan plan;
    plan.output.width = 320;
    plan.output.height = 180;
    plan.output.fps = Rational(25);
    SourcePlan small, huge;
    small.id = "small";
    small.info.video = VideoStreamInfo{};
    small.info.video->width = 320;
    small.info.video->height = 180;
    huge.id = "huge";
    huge.info.video = VideoStreamInfo{};
    huge.info.video->width = 3840;
    huge.info.video->height = 2160;
    std::int64_t at = 0;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        Segment s;
        s.index = int(i);
        s.frames = {at, at + frames[i]};
        s.key = "key" + std::to_string(i);
        SourceUse use;
        use.timeline = {Rational(at, 25), Rational(at + frames[i], 25)};
        if (uneven && i % 5 == 4) {
            s.items = {"title"};
        } else if (uneven && i % 4 == 0) {
            s.items = {"nested"};
            for (int u = 0; u < 4; ++u) huge.uses.push_back(use);
        } else {
            s.items = {"clip"};
            small.uses.push_back(use);
        }
        plan.segments.push_back(s);
        at += frames[i];
    }
    plan.frames = at;
    plan.range = {0, at};
    plan.sources = {small, huge};
    return plan;
}

double mean_cost(const std::vector<FarmTask>& tasks)
{
    std::int64_t total = 0;
    for (const auto& t : tasks) total += t.cost;
    return double(total) / double(tasks.size());
}

}  // namespace

TEST(SegmentCost, FollowsPixelsLayersAndSources)
{
    Plan plan = plan_of(std::vector<std::int64_t>(10, 125), true);
    std::int64_t clip = segment_cost(plan, plan.segments[1]);
    std::int64_t title = segment_cost(plan, plan.segments[4]);
    std::int64_t nested = segment_cost(plan, plan.segments[0]);
    EXPECT_LT(title, clip) << "a title card decodes nothing";
    EXPECT_GT(nested, 50 * clip) << "four 4K decodes a frame dwarf a 320x180 clip";
    // Encode 1 + compose 0.05 per output pixel, decode 0.2 per source pixel.
    EXPECT_EQ(clip, 125 * (320 * 180 + 320 * 180 / 20) + 125 * 320 * 180 / 5);
    EXPECT_EQ(segment_cost(plan, plan.segments[1]), clip) << "deterministic";
}

TEST(Partition, MinimisesTheLargestContiguousRun)
{
    EXPECT_EQ(partition_costs({1, 1, 1, 1}, 2), (std::vector<std::size_t>{2, 2}));
    EXPECT_EQ(partition_costs({10, 1, 1, 1, 1}, 2), (std::vector<std::size_t>{1, 4}));
    EXPECT_EQ(partition_costs({5, 5, 5}, 10), (std::vector<std::size_t>{1, 1, 1}))
        << "no more runs than items";
    EXPECT_EQ(partition_costs({100, 1, 1}, 3), (std::vector<std::size_t>{1, 1, 1})) << "every task has work";
    EXPECT_EQ(partition_costs({}, 3), std::vector<std::size_t>{});
    auto sizes = partition_costs({3, 3, 3, 3, 3, 3, 3}, 3);
    EXPECT_EQ(std::accumulate(sizes.begin(), sizes.end(), std::size_t(0)), 7u);
    EXPECT_EQ(*std::max_element(sizes.begin(), sizes.end()), 3u);
}

TEST(Balance, UnevenCostsGiveTasksWithin1_5xTheMeanOrASingleSegment)
{
    // 40 segments of uneven length and content: 4K nested comps, title cards, plain clips.
    std::vector<std::int64_t> frames;
    for (int i = 0; i < 40; ++i) frames.push_back(25 + (i * 37) % 100);
    Plan plan = plan_of(frames, true);
    for (int n : {2, 3, 4, 7, 8, 13, 16, 40}) {
        std::vector<FarmTask> tasks = balance_tasks(plan, plan.segments, TaskOptions{n, {}});
        ASSERT_EQ(int(tasks.size()), n);
        double mean = mean_cost(tasks);
        const FarmTask& most =
            *std::max_element(tasks.begin(), tasks.end(), [](auto& a, auto& b) { return a.cost < b.cost; });
        EXPECT_TRUE(double(most.cost) <= 1.5 * mean || most.segments.size() == 1)
            << n << " tasks: the most expensive, task " << most.index << ", costs "
            << double(most.cost) / mean << "x the mean with " << most.segments.size() << " segments";
        std::vector<int> seen;
        for (const auto& t : tasks) seen.insert(seen.end(), t.segments.begin(), t.segments.end());
        std::vector<int> all(40);
        std::iota(all.begin(), all.end(), 0);
        EXPECT_EQ(seen, all) << "each segment once, in order (contiguous runs)";
        EXPECT_NEAR(cost_balance(tasks), double(most.cost) / mean, 1e-9);
    }
}

TEST(Balance, OnlyTheGivenSegmentsAndTaskSeconds)
{
    Plan plan = plan_of(std::vector<std::int64_t>(12, 125), false);
    std::vector<Segment> dirty{plan.segments[2], plan.segments[3], plan.segments[9]};
    auto tasks = balance_tasks(plan, dirty, TaskOptions{8, {}});
    ASSERT_EQ(tasks.size(), 3u);
    EXPECT_EQ(tasks[2].segments, std::vector<int>{9});
    EXPECT_EQ(tasks[2].keys, std::vector<std::string>{"key9"});
    double one = cost_seconds(segment_cost(plan, plan.segments[0]));
    EXPECT_EQ(balance_tasks(plan, plan.segments, TaskOptions{{}, one * 12}).size(), 1u);
    EXPECT_EQ(balance_tasks(plan, plan.segments, TaskOptions{{}, one * 2.5}).size(), 5u);
    EXPECT_THROW(balance_tasks(plan, plan.segments, TaskOptions{2, 1.0}), Error);
}

TEST(TaskFile, RoundTripsAndIndexFromTheEnvironment)
{
    Plan plan = plan_of(std::vector<std::int64_t>(6, 50), true);
    TaskFile f;
    f.project = "/p/project.json";
    f.cache_dir = "/shared/cache";
    f.segment_seconds = "2";
    f.segments = 6;
    f.tasks = balance_tasks(plan, plan.segments, TaskOptions{3, {}});
    auto path = std::filesystem::temp_directory_path() / "reel-farm-test.tasks.json";
    std::ofstream(path) << task_file_to_json(f).dump(2);
    TaskFile back = read_task_file(path);
    ASSERT_EQ(back.tasks.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(back.tasks[i].segments, f.tasks[i].segments);
        EXPECT_EQ(back.tasks[i].keys, f.tasks[i].keys);
    }
    EXPECT_EQ(back.segment_seconds, "2");
    std::filesystem::remove(path);
    EXPECT_THROW(read_task_file(path), Error);

    EXPECT_EQ(task_index("2", 3), 2);
    EXPECT_THROW(task_index("3", 3), Error);
    EXPECT_THROW(task_index("x", 3), Error);
    ::unsetenv("SLURM_ARRAY_TASK_ID");
    ::unsetenv("JOB_COMPLETION_INDEX");
    EXPECT_THROW(task_index("env", 3), Error);
    ::setenv("JOB_COMPLETION_INDEX", "1", 1);
    EXPECT_EQ(task_index("env", 3), 1);
    ::setenv("SLURM_ARRAY_TASK_ID", "2", 1);
    EXPECT_EQ(task_index("env", 3), 2) << "Slurm's variable first";
    ::unsetenv("SLURM_ARRAY_TASK_ID");
    ::unsetenv("JOB_COMPLETION_INDEX");
}

TEST(Emit, SlurmScriptHasTheArrayAndTheDependentJoin)
{
    FarmJob job;
    job.reel = "/usr/bin/reel";
    job.project = "/shared/my project.json";
    job.cache_dir = "/shared/cache";
    job.tasks_file = "/shared/job.sh.tasks.json";
    job.output = "/shared/out.mp4";
    job.plan_args = {"--segment-seconds", "2"};
    job.array = {0, 1, 2, 3};
    job.max_parallel = 2;
    job.log_dir = "/shared/job-logs";
    std::string s = slurm_script(job);
    EXPECT_NE(s.find("--array=0-3%2"), std::string::npos) << s;
    EXPECT_NE(s.find("--dependency=afterok:$array --kill-on-invalid-dep=yes"), std::string::npos) << s;
    EXPECT_NE(s.find("'/shared/my project.json'"), std::string::npos) << s;
    EXPECT_NE(s.find("--task env"), std::string::npos) << s;
    EXPECT_NE(s.find("--join"), std::string::npos) << s;
    EXPECT_EQ(slurm_array_spec({5, 1, 2, 3, 9}, 0), "1-3,5,9");
    job.array.clear();
    EXPECT_EQ(slurm_script(job).find("--array"), std::string::npos) << "nothing dirty: only the join";
    EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
}
