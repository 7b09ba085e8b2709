// SPDX-License-Identifier: Apache-2.0
#pragma once

// Every call reel bench makes into lib/render and lib/encode (and into the decoder pool),
// kept in one file, runs.cpp, so that a change of those interfaces is met in one place.

#include "bench/media.h"
#include "bench/results.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>

namespace reel::detail {

/// How a run works. Plain data.
struct RunSettings {
    int threads = 0;             ///< 0: all cores
    int workers = 0;             ///< render: segments in flight; 0: as `reel render` chooses
    double segment_seconds = 5;  ///< render: the plan's longest segment
    const std::atomic<bool>* cancel = nullptr;
};

/// The project rendered as `reel render` renders it: opened, planned, its segments rendered
/// into a segment cache at `cache_dir` and joined into `out`, timed from the opening.
/// Figures: frames, stages, decoders_opened, unique_sources, seeks, frames_decoded,
/// cache_hit_rate, segments, segments_rendered, segments_reused, segments_in_flight,
/// encoder_threads.
BenchRun render_run(const std::filesystem::path& project_file, const std::filesystem::path& cache_dir,
                    const std::filesystem::path& out, const RunSettings& settings);

/// Decode-only: every picture the timeline shows, fetched from one decoder pool as the
/// compositor would (full size, converted), nothing composited or encoded. Figures: frames,
/// pictures, stages.decode_seconds, decoders_opened, unique_sources, seeks, frames_decoded.
BenchRun decode_run(const std::filesystem::path& project_file, const RunSettings& settings);

/// Encode-only: as many frames as the timeline has, of its size, encoded with its settings
/// by one encoder with all the threads; the pictures are made beforehand and the packets
/// counted, so only encoding is timed. Figures: frames, bytes, stages.encode_seconds.
BenchRun encode_run(const std::filesystem::path& project_file, const RunSettings& settings);

/// Encodes `source` (bench_picture() frames, bench_tone() sound) into `file`.
void write_bench_source(const std::filesystem::path& file, const BenchSource& source,
                        const std::atomic<bool>* cancel);

/// The machine facts that come from the codec library: encoder, libavcodec.
nlohmann::json codec_facts();

}  // namespace reel::detail
