// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "plan/plan.h"
#include "render/render.h"

#include <cstddef>
#include <vector>

namespace reel {

/// How a render is sized: every figure comes from the memory budget and the thread count
/// here, in one place.
///
/// The model (bytes; F = an output frame, w × h × 1.5; S = a source frame at its size),
/// measured on Debian 12's FFmpeg 5.1 and x264 (figures in the comments of sizing.cpp):
/// - the process itself: 48 MiB (code, libraries, the timeline, the plan, the sound
///   mix's decoders; a 64x64 colour render peaks at 40 MiB);
/// - the sound: 16 MiB (a half-second mix chunk, decoders, the encoder: it is mixed and
///   encoded into a file as it goes, so its length does not count);
/// - each worker (a segment in flight): its encoder (8 MiB + 48 F: x264 veryfast with one
///   thread keeps its lookahead, B-frames and references with half-pel planes; 157 MiB at
///   1080p), its frames in flight (2 to 4, plus the canvas), and the decoders the most
///   demanding segment keeps open (8 S each); the frame caches get half of what is left.
/// Workers are as many as threads, cores, segments and the budget allow (at least one),
/// and no more than the engine's sessions (engine_session_limit: 3 for NVENC, 4 for the
/// Intel and VAAPI engines); threads beyond the workers go to hardware encoders, while a
/// software encoder always gets one (its pictures depend on its thread count). A hardware
/// encoder holds 8 MiB + 4 F here (its surfaces and bitstream; its references stay on the
/// device) instead of software's 8 MiB + 48 F.
struct RenderSizing {
    int threads = 1;           ///< the arena: segments in parallel, pipelines inside them
    int workers = 1;           ///< segments in flight
    int encoder_threads = 1;   ///< threads of each segment's encoder
    int frames_in_flight = 2;  ///< pipeline tokens of each worker
    std::size_t memory_budget = 0;
    std::size_t frame_cache_bytes = 0;  ///< each worker's frame cache
    std::size_t base_bytes = 0, sound_bytes = 0, worker_bytes = 0;
    /// The smallest budget with which this render fits (one worker, no frame cache).
    std::size_t minimum_budget = 0;
    /// No budget was given and the default was below minimum_budget: raised to it.
    bool raised = false;
};

/// Sizes a render of `segments` of a plan. Throws Error(usage) when a budget given in
/// options cannot hold even one worker, naming the smallest budget that would; the
/// default budget is raised to that instead.
RenderSizing size_render(const Timeline& timeline, const SourceTable& sources, const Plan& plan,
                         const std::vector<Segment>& segments, const RenderOptions& options);

/// The bytes of the decoders that one segment keeps open at once: 12 source frames for
/// each video source whose picture it shows.
std::size_t segment_decoder_bytes(const Plan& plan, const Segment& segment);

}  // namespace reel
