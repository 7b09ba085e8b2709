// SPDX-License-Identifier: Apache-2.0
// The render engine's pure parts: the schedule, the cache-key recipe, the sizing.
#include "render/keys.h"
#include "render/schedule.h"
#include "render/sizing.h"
#include "util/error.h"

#include <gtest/gtest.h>
#include <tbb/info.h>

#include <set>

namespace reel {
namespace {

std::vector<Segment> segments(const std::vector<std::int64_t>& lengths)
{
    std::vector<Segment> out;
    std::int64_t at = 0;
    for (std::size_t i = 0; i < lengths.size(); ++i) {
        Segment s;
        s.index = int(i);
        s.frames = {at, at + lengths[i]};
        s.hash = std::string(64, char('a' + i % 6));
        at += lengths[i];
        out.push_back(s);
    }
    return out;
}

TEST(SegmentSchedule, EverySegmentOnceAndEachWorkerForwardInItsRun)
{
    auto segs = segments({30, 30, 30, 30, 30, 30, 30, 30});
    SegmentSchedule schedule(segs, 2);
    std::vector<std::size_t> first, second;
    // Worker 0 takes its run in order...
    for (int i = 0; i < 4; ++i) first.push_back(*schedule.take(0));
    EXPECT_EQ(first, (std::vector<std::size_t>{0, 1, 2, 3}));
    // ...then steals the later half of worker 1's untouched run (4..7): 6, then 7.
    first.push_back(*schedule.take(0));
    EXPECT_EQ(first.back(), 6u);
    while (auto s = schedule.take(1)) second.push_back(*s);
    while (auto s = schedule.take(0)) first.push_back(*s);
    std::multiset<std::size_t> all(first.begin(), first.end());
    all.insert(second.begin(), second.end());
    EXPECT_EQ(all, (std::multiset<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(SegmentSchedule, RunsAreBalancedByFrames)
{
    auto segs = segments({100, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10});
    SegmentSchedule schedule(segs, 2);
    EXPECT_EQ(*schedule.take(0), 0u);  // the long segment alone is worker 0's half
    EXPECT_EQ(*schedule.take(1), 1u);  // worker 1's run starts right after it
}

TEST(CacheKey, CanonicalAndSensitiveToEveryField)
{
    nlohmann::json a = {{"x", 1}, {"y", "two"}};
    nlohmann::json b = nlohmann::json::parse(R"({"y": "two", "x": 1})");
    EXPECT_EQ(cache_key("reel-test", a), cache_key("reel-test", b));
    EXPECT_NE(cache_key("reel-test", a), cache_key("reel-other", a));
    EXPECT_NE(cache_key("reel-test", a), cache_key("reel-test", {{"x", 2}, {"y", "two"}}));
    EXPECT_EQ(cache_key("reel-test", a).size(), 64u);
}

TEST(CacheKey, SegmentKeysFollowTheEncoderButNotItsThreads)
{
    Segment s = segments({30})[0];
    EncoderSettings e;
    e.width = 640;
    e.height = 360;
    std::string key = segment_key(s, e);
    EncoderSettings threads = e;
    threads.threads = 8;
    EXPECT_EQ(segment_key(s, threads), key);
    EncoderSettings crf = e;
    crf.crf = 18;
    EXPECT_NE(segment_key(s, crf), key);
    EncoderSettings preset = e;
    preset.preset = "slow";
    EXPECT_NE(segment_key(s, preset), key);
}

struct SizingTest : ::testing::Test {
    Timeline tl;
    Plan plan;
    SourceTable sources;
    void SetUp() override
    {
        tl.output.width = 1920;
        tl.output.height = 1080;
        tl.output.fps = Rational(30);
        plan.output = tl.output;
        plan.segments = segments({60, 60, 60, 60});
        plan.frames = 240;
        plan.range = {0, 240};
    }
};

TEST_F(SizingTest, ABudgetGivenIsKeptOrRefusedWithTheSmallestThatWorks)
{
    RenderOptions o;
    o.threads = 2;
    o.memory_budget = 96u << 20;
    try {
        size_render(tl, sources, plan, plan.segments, o);
        FAIL() << "a 96 MiB budget cannot hold a 1080p encoder";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::usage);
        EXPECT_NE(e.message().find("too small"), std::string::npos) << e.message();
        EXPECT_NE(e.hint().find("--memory-budget"), std::string::npos) << e.hint();
    }
    o.memory_budget = 300u << 20;
    RenderSizing one = size_render(tl, sources, plan, plan.segments, o);
    EXPECT_EQ(one.workers, 1);
    EXPECT_EQ(one.encoder_threads, 1) << "a software encoder always gets one thread (identical pictures)";
    EXPECT_LE(one.minimum_budget, o.memory_budget);
    EXPECT_LE(one.base_bytes + one.sound_bytes + one.worker_bytes + one.frame_cache_bytes, o.memory_budget);
    if (tbb::info::default_concurrency() < 2) GTEST_SKIP() << "one core: one worker at most";
    o.memory_budget = 1024u << 20;
    RenderSizing two = size_render(tl, sources, plan, plan.segments, o);
    EXPECT_EQ(two.workers, 2);
    EXPECT_EQ(two.encoder_threads, 1);
    EXPECT_LE(two.base_bytes + two.sound_bytes + 2 * (two.worker_bytes + two.frame_cache_bytes),
              o.memory_budget);
}

TEST_F(SizingTest, NoMoreWorkersThanSegments)
{
    RenderOptions o;
    o.threads = 2;
    o.memory_budget = 4096u << 20;
    std::vector<Segment> one(plan.segments.begin(), plan.segments.begin() + 1);
    RenderSizing s = size_render(tl, sources, plan, one, o);
    EXPECT_EQ(s.workers, 1);
    EXPECT_EQ(s.encoder_threads, 1);
}

TEST_F(SizingTest, TheDefaultBudgetIsRaisedToWhatTheRenderNeeds)
{
    tl.output.width = 7680;
    tl.output.height = 4320;
    plan.output = tl.output;
    RenderOptions o;  // no budget given
    RenderSizing s = size_render(tl, sources, plan, plan.segments, o);
    EXPECT_GE(s.memory_budget, s.minimum_budget);
    EXPECT_EQ(s.workers, 1);
}

}  // namespace
}  // namespace reel
