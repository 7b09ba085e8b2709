// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "cache/frame_cache.h"
#include "cache/segment_cache.h"
#include "compose/compositor.h"
#include "encode/encoder.h"
#include "media/decoder.h"
#include "plan/plan.h"
#include "render/render.h"

#include <filesystem>
#include <string>
#include <vector>

namespace reel {

/// The cache key of a segment: the plan's content hash (everything that changes its
/// pixels) with the encoder settings that make its bytes. Threads are left out: they
/// change the bitstream's details, not what it shows.
std::string segment_key(const Segment& segment, const EncoderSettings& settings);

/// Sees segments as they become available, from worker threads (must be thread-safe).
/// `slot` is the segment's position in the list given to render_segments().
class SegmentListener {
public:
    virtual ~SegmentListener() = default;
    /// A packet of a segment being encoded (timestamps in frames from its start).
    virtual void packet(std::size_t slot, AVPacket* packet) = 0;
    /// The segment is complete in the cache at `file` (reused: no packet() came first).
    virtual void complete(std::size_t slot, const std::filesystem::path& file, bool reused) = 0;
};

struct SegmentsResult {
    std::vector<SegmentOutcome> outcomes;  ///< in the order given
    int workers = 0;                       ///< segments in flight
    int encoder_threads = 0;               ///< threads of each segment's encoder
    std::int64_t frames_rendered = 0;
    int rendered = 0, reused = 0, waited = 0, discarded = 0;
    DecodeCounters decode;  ///< summed over the workers
    ComposeCounters compose;
    FrameCacheStats cache;
    std::size_t cache_budget = 0, memory_budget = 0;
    double encode_seconds = 0, wall_seconds = 0;
    std::string encoder;
    std::vector<std::string> warnings;
};

/// Renders segments of a plan into the cache, reusing those already there. Segments are
/// taken in timeline order by workers running in parallel (a TBB task arena), each with
/// its own decoder pool, frame cache and single-stream encoder; a segment another
/// process is rendering is left for last and then waited for. How many workers: one per
/// thread (options.threads, default all cores), no more than the segments to render, and
/// no more than the memory budget holds at an estimated (24 + 12 per source) frames each;
/// encoder threads: threads / workers (at least 1). Throws Error (interrupted on cancel);
/// what was published before stays published.
SegmentsResult render_segments(const Timeline& timeline, const SourceTable& sources,
                               const std::vector<Segment>& segments, SegmentCache& cache,
                               const RenderOptions& options, SegmentListener* listener = nullptr);

/// `reel segment --index/--range`: render_segments() of a selection, as a RenderResult
/// (frames: those of the selection; nothing written but the cache).
RenderResult render_into_cache(const Timeline& timeline, const SourceTable& sources,
                               const std::vector<Segment>& segments, SegmentCache& cache,
                               const RenderOptions& options);

/// `reel render`: render_segments() over the whole plan, then the segment files joined
/// by stream copy into options.output with the whole-range audio mix muxed in.
RenderResult render_with_segments(const Timeline& timeline, const SourceTable& sources, const Plan& plan,
                                  SegmentCache& cache, const RenderOptions& options);

/// `reel segment --stream`: fragmented MP4 to options.output ("-" is stdout), the
/// header first, then each segment's fragments in timeline order as they are encoded
/// (cached segments read back). Rendered segments are published to the cache too.
RenderResult stream_with_segments(const Timeline& timeline, const SourceTable& sources, const Plan& plan,
                                  SegmentCache& cache, const RenderOptions& options);

}  // namespace reel
