// SPDX-License-Identifier: Apache-2.0
#include "bench/compare.h"

#include "util/error.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>

using namespace reel;
using nlohmann::json;

namespace {

json result(const std::string& name, double median)
{
    return {{"name", name}, {"wall_seconds", {{"median", median}, {"min", median}, {"max", median}}}};
}

json document(std::vector<json> cases, bool quick = true, const std::string& cpu = "cpu")
{
    return {{"schema", "reel.bench"},
            {"version", 1},
            {"quick", quick},
            {"machine", {{"cpu_model", cpu}, {"cores", 2}, {"encoder", "libx264"}, {"libavcodec", "Lavc"}}},
            {"cases", cases}};
}

const json* compared(const json& compare, const std::string& name)
{
    for (const auto& c : compare["cases"])
        if (c["name"] == name) return &c;
    return nullptr;
}

/// A file under the test's temporary folder holding `text`.
std::string temp_file(const std::string& name, const std::string& text)
{
    auto dir = std::filesystem::temp_directory_path() / ("reel-bench-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / name) << text;
    return (dir / name).string();
}

}  // namespace

TEST(CompareWithBaseline, RatiosOfCasesInBoth)
{
    json now = document({result("a", 2.0), result("b", 1.0), result("new", 1.0)});
    json base = document({result("a", 1.0), result("b", 1.0), result("gone", 5.0)});
    json c = compare_with_baseline(now, base, "base.json", 0.5);
    EXPECT_EQ(c["baseline"], "base.json");
    EXPECT_EQ(c["max_regression"], 0.5);
    ASSERT_EQ(c["cases"].size(), 2u);  // "new" and "gone" are left out
    const json* a = compared(c, "a");
    ASSERT_TRUE(a);
    EXPECT_DOUBLE_EQ((*a)["ratio"].get<double>(), 2.0);
    EXPECT_EQ((*a)["baseline_seconds"], 1.0);
    EXPECT_EQ((*a)["seconds"], 2.0);
    EXPECT_TRUE((*a)["regressed"].get<bool>());
    EXPECT_FALSE((*compared(c, "b"))["regressed"].get<bool>());
    EXPECT_TRUE(c["regressed"].get<bool>());
    EXPECT_TRUE(c["warnings"].empty());
}

TEST(CompareWithBaseline, TheLimitItselfIsNoRegression)
{
    json c = compare_with_baseline(document({result("a", 1.5)}), document({result("a", 1.0)}), "b", 0.5);
    EXPECT_FALSE(c["regressed"].get<bool>());
    c = compare_with_baseline(document({result("a", 1.0)}), document({result("a", 0.99)}), "b", 0.0);
    EXPECT_TRUE(c["regressed"].get<bool>());  // 0: any slowdown fails
    c = compare_with_baseline(document({result("a", 0.1)}), document({result("a", 10.0)}), "b", 0.0);
    EXPECT_FALSE(c["regressed"].get<bool>());  // faster is never a failure
}

TEST(CompareWithBaseline, SkipsBaselineResultsWithoutATime)
{
    json c = compare_with_baseline(document({result("a", 1.0)}), document({result("a", 0.0)}), "b", 0.1);
    EXPECT_TRUE(c["cases"].empty());
    EXPECT_FALSE(c["regressed"].get<bool>());
}

TEST(CompareWithBaseline, WarnsWhenTheRunsAreNotAlike)
{
    json c = compare_with_baseline(document({}, true), document({}, false), "b", 0.1);
    ASSERT_EQ(c["warnings"].size(), 1u);
    EXPECT_EQ(c["warnings"][0], "the baseline was a full run and this one is not");
    c = compare_with_baseline(document({}, false), document({}, true), "b", 0.1);
    EXPECT_EQ(c["warnings"][0], "the baseline was a --quick run and this one is not");
    c = compare_with_baseline(document({}, true, "this cpu"), document({}, true, "that cpu"), "b", 0.1);
    ASSERT_EQ(c["warnings"].size(), 1u);
    EXPECT_EQ(c["warnings"][0], "machine cpu_model differs from the baseline's");
    json base = document({});
    base["machine"]["cores"] = 64;
    base["machine"]["libavcodec"] = "Lavc60";
    c = compare_with_baseline(document({}), base, "b", 0.1);
    EXPECT_EQ(c["warnings"], json({"machine cores differs from the baseline's",
                                   "machine libavcodec differs from the baseline's"}));
    // A document without quick or machine (the early check of a baseline) warns of nothing.
    c = compare_with_baseline(json{{"cases", json::array()}}, base, "b", 0.1);
    EXPECT_TRUE(c["warnings"].empty());
}

TEST(ReadBaseline, ReadsABenchDocument)
{
    json base = read_baseline(temp_file("good.json", document({result("a", 1.0)}).dump()));
    EXPECT_EQ(base["cases"][0]["name"], "a");
}

TEST(ReadBaseline, RefusesWhatIsNotABenchDocument)
{
    try {
        read_baseline(temp_file("not.json", "{"));
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::usage);
        EXPECT_NE(e.message().find("is not JSON"), std::string::npos) << e.message();
    }
    try {
        read_baseline(temp_file("other.json", R"({"schema": "reel.stats", "cases": []})"));
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::usage);
        EXPECT_NE(e.message().find("is not a reel bench document"), std::string::npos) << e.message();
    }
    try {
        read_baseline("/nonexistent/baseline.json");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::io);
    }
}
