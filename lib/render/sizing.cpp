// SPDX-License-Identifier: Apache-2.0
#include "render/sizing.h"

#include "render/segment.h"

#include "stats/stats.h"
#include "util/error.h"

#include <tbb/info.h>

#include <algorithm>
#include <set>

namespace reel {
namespace {

constexpr std::size_t mib = std::size_t(1) << 20;
constexpr std::size_t base_bytes = 48 * mib;
constexpr std::size_t encoder_fixed = 8 * mib;
constexpr std::size_t encoder_frames = 48;
constexpr std::size_t decoder_frames = 8;

std::string in_mib(std::size_t bytes)
{
    return std::to_string((bytes + mib - 1) / mib) + "M";
}

/// The sound's buffers: the mix's half-second chunk, its decoders and resamplers, the
/// encoder and the muxer's index; mixed and encoded into a file as it goes, so the
/// range's length does not count (a 10,000 s mix peaked at about the same as a 10 s one).
std::size_t sound_bytes(const SourceTable& sources, const RenderOptions& options)
{
    if (options.audio == "none" || !std::any_of(sources.begin(), sources.end(),
                                                [](const auto& s) { return s.second.audio.has_value(); }))
        return 0;
    return 16 * mib;
}

}  // namespace

std::size_t segment_decoder_bytes(const Plan& plan, const Segment& segment)
{
    std::size_t bytes = 0;
    for (const SourcePlan* sp : sources_shown(plan, segment))
        bytes +=
            decoder_frames * std::size_t(sp->info.video->width) * std::size_t(sp->info.video->height) * 3 / 2;
    return bytes;
}

RenderSizing size_render(const Timeline& tl, const SourceTable& sources, const Plan& plan,
                         const std::vector<Segment>& segments, const RenderOptions& options)
{
    RenderSizing s;
    int cores = std::max(1, tbb::info::default_concurrency());
    s.threads = options.threads > 0 ? options.threads : cores;
    s.memory_budget = options.memory_budget ? options.memory_budget : default_memory_budget();
    std::size_t frame = std::size_t(tl.output.width) * std::size_t(tl.output.height) * 3 / 2;
    std::size_t decoders = 0;
    for (const auto& seg : segments) decoders = std::max(decoders, segment_decoder_bytes(plan, seg));
    s.base_bytes = base_bytes;
    s.sound_bytes = sound_bytes(sources, options);
    s.frames_in_flight = 2;
    Engine engine = render_engine(tl, options).engine;
    // A hardware encoder keeps its references on the device: here only its surfaces and
    // bitstream (a few frames).
    std::size_t encoder_bytes = encoder_fixed + (engine == Engine::software ? encoder_frames : 4) * frame;
    s.worker_bytes = encoder_bytes + std::size_t(s.frames_in_flight + 1) * frame + decoders;
    s.minimum_budget = s.base_bytes + s.sound_bytes + s.worker_bytes;
    // The default is no promise the user made: a render that needs more gets it (the
    // stats say which budget was used).
    if (!options.memory_budget && s.memory_budget < s.minimum_budget) {
        s.memory_budget = s.minimum_budget;
        s.raised = true;
    }
    if (s.memory_budget < s.minimum_budget)
        throw Error(ErrorCode::usage, "render",
                    "a memory budget of " + in_mib(s.memory_budget) + " is too small for this render: one " +
                        std::to_string(tl.output.width) + "x" + std::to_string(tl.output.height) +
                        " segment in flight needs about " + in_mib(s.worker_bytes) +
                        " (encoder, frames, decoders), the sound " + in_mib(s.sound_bytes) +
                        " and reel itself " + in_mib(s.base_bytes),
                    "give --memory-budget " + in_mib(s.minimum_budget) + " or more");
    std::size_t free = s.memory_budget - s.base_bytes - s.sound_bytes;
    // No more workers than cores (an arena cannot run more at once) or segments.
    int by_memory = int(std::max<std::size_t>(1, free / s.worker_bytes));
    int most =
        std::max(1, std::min({cores, by_memory, int(std::min<std::size_t>(segments.size(), 1 << 20))}));
    if (int sessions = engine_session_limit(engine); sessions > 0) most = std::min(most, sessions);
    s.workers = std::clamp(options.workers > 0 ? options.workers : s.threads, 1, most);
    // A software encoder's pictures depend on its thread count (x264's frame threads limit
    // the motion search to rows already encoded: 1, 2 and 4 threads give three different
    // decodes), so it gets one thread, always: a segment decodes to the same pictures on
    // every machine that renders it (farm nodes, laptops), whatever their cores. The
    // parallelism comes from the workers and the pipeline's decode and compose stages.
    s.encoder_threads = engine == Engine::software ? 1 : std::max(1, s.threads / s.workers);
    // What the workers leave: a third more frames in flight where it fits, then the caches.
    std::size_t left = free - std::size_t(s.workers) * s.worker_bytes;
    if (left > std::size_t(s.workers) * 2 * frame * 4) {
        s.frames_in_flight = 4;
        left -= std::size_t(s.workers) * 2 * frame;
    }
    s.frame_cache_bytes = left / 2 / std::size_t(s.workers);
    return s;
}

}  // namespace reel
