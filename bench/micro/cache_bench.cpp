// SPDX-License-Identifier: Apache-2.0
// Micro-benchmarks of the frame cache (lib/cache): lookups that hit, and misses followed by
// an insert that evicts the least recently used picture, with the keys the compositor uses
// ("comp:NAME@TIME") and 1080p pictures with alpha (5.2 MB each) under a byte budget.
#include "cache/frame_cache.h"
#include "time/rational.h"

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

using namespace reel;

namespace {

/// Keys as Compositor::composition_at builds them, one per output frame at 30000/1001 fps.
std::vector<std::string> comp_keys(int n, int first = 0)
{
    std::vector<std::string> keys;
    keys.reserve(std::size_t(n));
    for (int i = first; i < first + n; ++i)
        keys.push_back("comp:lower_third@" + (Rational(i) * Rational(1001, 30000)).to_string());
    return keys;
}

/// A few shared 1080p pictures; the cache only counts their bytes, so entries reuse them.
std::vector<std::shared_ptr<const Image>> pictures(int n)
{
    std::vector<std::shared_ptr<const Image>> out;
    for (int i = 0; i < n; ++i) {
        auto img = std::make_shared<Image>(1920, 1080, true);
        img->fill({16, 128, 128, 0});
        out.push_back(std::move(img));
    }
    return out;
}

}  // namespace

/// find() of a key that is there; arg = entries in the cache (budget sized to hold them).
static void BM_FrameCacheHit(benchmark::State& state)
{
    int n = int(state.range(0));
    auto pics = pictures(4);
    FrameCache cache(std::size_t(n) * pics[0]->bytes());
    auto keys = comp_keys(n);
    for (int i = 0; i < n; ++i) cache.insert(keys[std::size_t(i)], pics[std::size_t(i) % pics.size()]);
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(cache.find(keys[i]));
        // A stride coprime with n so consecutive lookups move entries around the LRU list.
        i = (i + 7) % keys.size();
    }
    state.SetItemsProcessed(state.iterations());
    if (cache.stats().misses != 0) state.SkipWithError("expected only hits");
}
BENCHMARK(BM_FrameCacheHit)->ArgName("entries")->Arg(16)->Arg(256);

/// find() of a key that is not there, then insert(), which evicts the oldest entry (the
/// cache is full at `entries` pictures); the compositor's path for every new nested
/// composition frame.
static void BM_FrameCacheMissInsert(benchmark::State& state)
{
    int n = int(state.range(0));
    auto pics = pictures(4);
    FrameCache cache(std::size_t(n) * pics[0]->bytes());
    // Twice as many keys as fit, cycled: every key has been evicted by the time it returns.
    auto keys = comp_keys(2 * n);
    for (int i = 0; i < n; ++i) cache.insert(keys[std::size_t(i)], pics[std::size_t(i) % pics.size()]);
    std::size_t i = std::size_t(n);
    for (auto _ : state) {
        const std::string& key = keys[i];
        if (!cache.find(key)) cache.insert(key, pics[i % pics.size()]);
        i = (i + 1) % keys.size();
    }
    state.SetItemsProcessed(state.iterations());
    auto stats = cache.stats();
    if (stats.hits != 0 || stats.evictions < state.iterations())
        state.SkipWithError("expected every lookup to miss and every insert to evict");
}
BENCHMARK(BM_FrameCacheMissInsert)->ArgName("entries")->Arg(16)->Arg(256);

/// The whole lookup as the compositor does it: the key built from the time, then find().
static void BM_FrameCacheHitWithKey(benchmark::State& state)
{
    const int n = 64;
    auto pics = pictures(1);
    FrameCache cache(std::size_t(n) * pics[0]->bytes());
    for (const auto& key : comp_keys(n)) cache.insert(key, pics[0]);
    const Rational step(1001, 30000);
    int i = 0;
    for (auto _ : state) {
        std::string key = "comp:lower_third@" + (Rational(i) * step).to_string();
        benchmark::DoNotOptimize(cache.find(key));
        i = (i + 1) % n;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FrameCacheHitWithKey);
