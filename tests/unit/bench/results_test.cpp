// SPDX-License-Identifier: Apache-2.0
#include "bench/results.h"

#include <gtest/gtest.h>

using namespace reel;

TEST(SummarizeWalls, OddCountTakesTheMiddle)
{
    WallSummary s = summarize_walls({3.0, 1.0, 2.0});
    EXPECT_EQ(s.median, 2.0);
    EXPECT_EQ(s.min, 1.0);
    EXPECT_EQ(s.max, 3.0);
}

TEST(SummarizeWalls, EvenCountAveragesTheTwoMiddle)
{
    WallSummary s = summarize_walls({4.0, 1.0, 3.0, 2.0});
    EXPECT_EQ(s.median, 2.5);
    EXPECT_EQ(s.min, 1.0);
    EXPECT_EQ(s.max, 4.0);
}

TEST(SummarizeWalls, OneAndNone)
{
    WallSummary one = summarize_walls({1.5});
    EXPECT_EQ(one.median, 1.5);
    EXPECT_EQ(one.min, 1.5);
    EXPECT_EQ(one.max, 1.5);
    WallSummary none = summarize_walls({});
    EXPECT_EQ(none.median, 0.0);
    EXPECT_EQ(none.min, 0.0);
    EXPECT_EQ(none.max, 0.0);
}

TEST(MedianRun, IsTheRunAtTheMedian)
{
    EXPECT_EQ(median_run({3.0, 1.0, 2.0}), 2u);
    EXPECT_EQ(median_run({5.0}), 0u);
    EXPECT_EQ(median_run({}), 0u);
}

TEST(MedianRun, EvenCountTakesTheFasterOfTheMiddleTwo)
{
    EXPECT_EQ(median_run({4.0, 3.0, 1.0, 2.0}), 3u);  // median 2.5: 2 and 3 tie, 2 is faster
    EXPECT_EQ(median_run({2.0, 2.0}), 0u);
}

TEST(BenchResult, SummarisesTheRunsWithTheMedianRunsFigures)
{
    BenchCase c;
    c.name = "complexity_simple";
    c.group = "complexity";
    c.description = "3 clips";
    c.width = 1280;
    c.height = 720;
    std::vector<BenchRun> runs = {{3.0, {{"frames", 90}, {"seeks", 3}}},
                                  {1.0, {{"frames", 90}, {"seeks", 1}}},
                                  {2.0, {{"frames", 90}, {"seeks", 2}}}};
    nlohmann::json r = bench_result(c, "complexity_simple", runs, 30);
    EXPECT_EQ(r["name"], "complexity_simple");
    EXPECT_EQ(r["group"], "complexity");
    EXPECT_EQ(r["description"], "3 clips");
    EXPECT_EQ(r["width"], 1280);
    EXPECT_EQ(r["height"], 720);
    EXPECT_EQ(r["runs"], 3);
    EXPECT_EQ(r["wall_seconds"]["median"], 2.0);
    EXPECT_EQ(r["wall_seconds"]["min"], 1.0);
    EXPECT_EQ(r["wall_seconds"]["max"], 3.0);
    EXPECT_EQ(r["seeks"], 2);  // the median run's
    EXPECT_DOUBLE_EQ(r["fps"].get<double>(), 45.0);
    EXPECT_DOUBLE_EQ(r["realtime_factor"].get<double>(), 1.5);  // 3 s of video in 2 s
}

TEST(BenchResult, NoFramesNoRates)
{
    BenchCase c;
    nlohmann::json r = bench_result(c, "x", {{0.0, {}}}, 30);
    EXPECT_EQ(r["fps"], 0);
    EXPECT_EQ(r["realtime_factor"], 0);
}
