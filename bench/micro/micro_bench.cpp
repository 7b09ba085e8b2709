// SPDX-License-Identifier: Apache-2.0
// Micro-benchmarks: exact time arithmetic, hashing, timeline parsing and planning. Pixel
// operations are in image_bench.cpp, the frame cache in cache_bench.cpp.
#include "plan/plan.h"
#include "time/frames.h"
#include "timeline/parse.h"
#include "util/hash.h"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <string>

using namespace reel;

static void BM_RationalAccumulate(benchmark::State& state)
{
    Rational step(1001, 30000);
    for (auto _ : state) {
        Rational t(0);
        for (int i = 0; i < 1000; ++i) t += step;
        benchmark::DoNotOptimize(t);
    }
    state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_RationalAccumulate);

static void BM_TimeToFrame(benchmark::State& state)
{
    Rational fps(30000, 1001);
    std::int64_t n = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(time_to_frame(Rational(n % 100000, 7), fps));
        ++n;
    }
}
BENCHMARK(BM_TimeToFrame);

/// SHA-256 of a buffer, as hex: a small key (64 bytes), 1 KiB, and 1 MiB.
static void BM_Sha256(benchmark::State& state)
{
    std::string data(static_cast<std::size_t>(state.range(0)), 'x');
    for (auto _ : state) benchmark::DoNotOptimize(sha256_hex(data));
    state.SetBytesProcessed(state.iterations() * state.range(0));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sha256)->Arg(64)->Arg(1 << 10)->Arg(1 << 20);

/// A segment-style key hashed incrementally: a few short fields fed one by one, as a
/// canonical serialization is, then the hex digest.
static void BM_Sha256SmallKey(benchmark::State& state)
{
    const std::string fields[] = {"reel/segment/1", "fp-3f2a9c0d1e",
                                  "first",          "0/1",
                                  "30/1",           "{\"x\":1380,\"y\":760,\"width\":480,\"height\":270}"};
    std::int64_t bytes = 0;
    for (const auto& f : fields) bytes += std::int64_t(f.size());
    for (auto _ : state) {
        Sha256 h;
        for (const auto& f : fields) h.update(f);
        benchmark::DoNotOptimize(h.hex());
    }
    state.SetBytesProcessed(state.iterations() * bytes);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sha256SmallKey);

/// A synthetic timeline: `clips` back-to-back 2 s clips over two sources, a title overlay
/// over every other clip, at 1080p30.
static std::string synthetic_timeline(int clips)
{
    nlohmann::json main = nlohmann::json::array(), over = nlohmann::json::array();
    for (int i = 0; i < clips; ++i) {
        main.push_back({{"id", std::string("c").append(std::to_string(i))},
                        {"type", "clip"},
                        {"media", i % 2 ? "a" : "b"},
                        {"start", 2 * i},
                        {"in", 0},
                        {"out", 2}});
        if (i % 2 == 0)
            over.push_back({{"type", "color"},
                            {"color", "#ffffff80"},
                            {"start", 2 * i},
                            {"duration", 1},
                            {"transform", {{"x", 100}, {"y", 100}, {"width", 400}, {"height", 100}}}});
    }
    nlohmann::json doc = {{"reel", 1},
                          {"output", {{"width", 1920}, {"height", 1080}, {"fps", 30}}},
                          {"media", {{"a", {{"path", "a.mp4"}}}, {"b", {{"path", "b.mp4"}}}}},
                          {"tracks", {{{"items", main}}, {{"items", over}}}}};
    return doc.dump(2);
}

static SourceTable fake_sources(const Timeline& tl)
{
    SourceTable table;
    for (const auto& [id, m] : tl.media) {
        MediaInfo info;
        info.path = m.path;
        info.duration = Rational(3600);
        info.fingerprint = "fp-" + id;
        VideoStreamInfo v;
        v.width = v.display_width = 1920;
        v.height = v.display_height = 1080;
        v.frame_rate = Rational(30);
        v.frame_count = 108000;
        info.video = v;
        table.emplace(id, info);
    }
    return table;
}

static void BM_ParseTimeline(benchmark::State& state)
{
    std::string text = synthetic_timeline(int(state.range(0)));
    for (auto _ : state)
        benchmark::DoNotOptimize(parse_timeline(JsonDocument::parse(text, "bench.json"), "bench.json"));
    state.SetBytesProcessed(state.iterations() * std::int64_t(text.size()));
}
BENCHMARK(BM_ParseTimeline)->Arg(30)->Arg(300);

static void BM_Plan(benchmark::State& state)
{
    std::string text = synthetic_timeline(int(state.range(0)));
    Timeline tl = parse_timeline(JsonDocument::parse(text, "bench.json"), "bench.json");
    SourceTable sources = fake_sources(tl);
    resolve_timeline(tl, source_facts(sources));
    for (auto _ : state) benchmark::DoNotOptimize(make_plan(tl, sources, PlanOptions{}));
    state.counters["frames"] = double(state.range(0) * 60);
}
BENCHMARK(BM_Plan)->Arg(30)->Arg(300)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
