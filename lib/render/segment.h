// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "cache/frame_cache.h"
#include "cache/segment_cache.h"
#include "compose/compositor.h"
#include "encode/encoder.h"
#include "media/decoder.h"
#include "plan/plan.h"
#include "render/render.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace reel {

/// One segment in flight: a decoder pool, a frame cache and a compositor, kept across the
/// segments the worker renders (taken in timeline order, so its decoders run forward).
/// Used by one thread at a time.
struct SegmentWorker {
    DecoderPool pool;
    FrameCache frames;
    Compositor compositor;
    /// `hardware`: the decoding device (--hwdecode), null for software.
    SegmentWorker(const Timeline& timeline, const SourceTable& sources, std::size_t cache_bytes,
                  std::shared_ptr<HwDevice> hardware = nullptr);
};

/// The video sources whose pictures a segment shows (the plan's uses on video tracks that
/// overlap it; still images left out): what a worker keeps decoders open for while it
/// renders the segment, and what the sizing counts decoders for.
std::vector<const SourcePlan*> sources_shown(const Plan& plan, const Segment& segment);

/// What render_segment() needs besides the worker and the segment.
struct SegmentJob {
    const EncoderSettings& settings;  ///< threads included
    int frames_in_flight = 2;         ///< pipeline tokens
    /// Every encoded packet (timestamps in frames from the segment's start), e.g. for a
    /// stream; called on the encoding thread.
    std::function<void(Packet&)> on_packet;
    /// Each encoded frame (for progress); called on the encoding thread.
    std::function<void()> on_frame;
    /// Polled before each frame: true stops the segment (nothing is published).
    std::function<bool()> stop;
};

/// Renders one segment into `file` (a pending file of the cache, written in place):
/// inside the segment, compose → encode run as a TBB pipeline in the current arena
/// (isolated, so a worker waiting in it never picks up another segment), `frames_in_flight`
/// frames at a time. Decoders of sources the segment does not show are closed first.
/// Returns the frames encoded and the encoder's seconds, or nothing when stopped. Throws
/// Error (decode, encode, io) from any stage.
struct SegmentEncoded {
    std::int64_t frames = 0;
    double encode_seconds = 0;
};
std::optional<SegmentEncoded> render_segment(SegmentWorker& worker, const Plan& plan, const Segment& segment,
                                             const SegmentJob& job, const std::string& file);

}  // namespace reel
