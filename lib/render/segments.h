// SPDX-License-Identifier: Apache-2.0
#pragma once

// The one render engine: a plan's segments rendered in parallel through the segment
// cache (render_segments), and the three jobs built on it: a file (render_with_segments),
// the cache alone (render_into_cache), a fragmented-MP4 stream (stream.h).

#include "cache/segment_cache.h"
#include "plan/plan.h"
#include "render/render.h"
#include "render/sizing.h"

#include <filesystem>
#include <string>
#include <vector>

namespace reel {

/// Sees segments as they become available, from worker threads (must be thread-safe).
/// `slot` is the segment's position in the list given to render_segments().
class SegmentListener {
public:
    virtual ~SegmentListener() = default;
    /// A packet of a segment being encoded (timestamps in frames from its start).
    virtual void packet(std::size_t slot, const Packet& packet) = 0;
    /// The segment is complete in the cache at `file` (reused: no packet() came first).
    virtual void complete(std::size_t slot, const std::filesystem::path& file, bool reused) = 0;
};

struct SegmentsResult {
    std::vector<SegmentOutcome> outcomes;  ///< in the order given
    RenderSizing sizing;
    std::int64_t frames_rendered = 0;
    int rendered = 0, reused = 0, waited = 0, discarded = 0;
    DecodeCounters decode;  ///< summed over the workers
    ComposeCounters compose;
    FrameCacheStats cache;
    double encode_seconds = 0, wall_seconds = 0;
    std::string encoder;
    EngineChoice engine;
    HwDecodeChoice hwdecode;
    std::vector<std::string> warnings;
};

/// Renders segments of a plan into the cache, reusing those already there. Workers
/// (render/sizing.h) run in one TBB arena; each takes segments as SegmentSchedule hands
/// them out and renders each with render_segment(). A segment another process is
/// rendering is left for last, then waited for. Throws Error (interrupted on cancel);
/// what was published before stays published.
SegmentsResult render_segments(const Timeline& timeline, const SourceTable& sources, const Plan& plan,
                               const std::vector<Segment>& segments, SegmentCache& cache,
                               const RenderOptions& options, SegmentListener* listener = nullptr);

/// `reel segment --index/--range`: render_segments() of a selection, as a RenderResult
/// (frames: those of the selection; nothing written but the cache).
RenderResult render_into_cache(const Timeline& timeline, const SourceTable& sources, const Plan& plan,
                               const std::vector<Segment>& segments, SegmentCache& cache,
                               const RenderOptions& options);

/// `reel render`: render_segments() over the plan (PlanOptions::range cuts it), then the
/// segment files joined by stream copy into options.output with the sound of the same
/// range (render/sound.h) muxed in.
RenderResult render_with_segments(const Timeline& timeline, const SourceTable& sources, const Plan& plan,
                                  SegmentCache& cache, const RenderOptions& options);

/// Copies a SegmentsResult's figures into a RenderResult.
void add_segment_figures(RenderResult& result, const SegmentsResult& segments);

}  // namespace reel
