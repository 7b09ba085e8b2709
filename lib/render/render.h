// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "audio/mix.h"
#include "cache/frame_cache.h"
#include "compose/compositor.h"
#include "encode/video_writer.h"
#include "media/decoder.h"
#include "media/hwdecode.h"
#include "media/probe.h"
#include "time/frames.h"
#include "timeline/model.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace reel {

/// What a render is doing (the `phase` of a progress event).
enum class RenderPhase { plan, render, sound, composite };
const char* to_string(RenderPhase phase);

struct RenderProgress {
    std::int64_t done = 0, total = 0;  ///< frames
    double elapsed = 0;                ///< seconds since the render started
    RenderPhase phase = RenderPhase::render;
};

enum class SegmentStatus {
    pending,    ///< not started yet (events only)
    rendering,  ///< being encoded by this process (events only)
    rendered,   ///< encoded by this process
    reused,     ///< found in the cache
    waited,     ///< rendered meanwhile by another process sharing the cache
};
const char* to_string(SegmentStatus status);

struct SegmentOutcome {
    int index = 0;  ///< in the plan
    FrameRange frames;
    std::string key;
    SegmentStatus status = SegmentStatus::pending;
    double seconds = 0;  ///< rendering (or lookup and verification) time
    std::int64_t bytes = 0;
};

/// What `reel render` (and segment, and bench) asks of the library; CLI flags fill it.
struct RenderOptions {
    std::string output;
    bool overwrite = false;
    int threads = 0;                ///< TBB arena size; 0 = all cores
    int workers = 0;                ///< segments in flight; 0 = chosen (render/sizing.h)
    std::size_t memory_budget = 0;  ///< bytes, a promise (render/sizing.h); 0 = default_memory_budget()
    // Overrides of the timeline's output.video settings.
    std::optional<std::string> codec, preset;
    std::optional<double> crf;
    std::optional<std::int64_t> bitrate;
    std::optional<int> gop;
    /// The encoder engine (--encoder: "auto" or an engine's name); overrides output.video.engine.
    std::optional<std::string> engine;
    /// Hardware decoding (--hwdecode: "auto", "none" or a device); none by default.
    std::optional<std::string> hwdecode;
    /// Audio: auto (a track when anything is heard), always (silence if nothing is), none.
    std::string audio = "auto";
    std::string audio_codec;  ///< "aac" / "opus"; empty: by container
    bool tolerate_audio_errors = false;
    /// Progress: of the render phase at most every 0.25 s and at its end; the sound and
    /// composite phases when they start and end. Called from worker threads and the
    /// sound's thread, possibly at once: it must be thread-safe.
    std::function<void(const RenderProgress&)> progress;
    /// Each change of a segment's state (pending for all first, then rendering, then
    /// rendered, reused or waited), from worker threads, never two at once.
    std::function<void(const SegmentOutcome&)> segment_changed;
    const std::atomic<bool>* cancel = nullptr;  ///< set (e.g. by SIGINT) to stop
    const std::atomic<bool>* abort = nullptr;   ///< set when other work failed: stop too

    /// Whether cancel or abort is set.
    bool stopped() const noexcept { return (cancel && cancel->load()) || (abort && abort->load()); }
};

struct RenderResult {
    std::int64_t frames = 0;
    Rational duration;
    double wall_seconds = 0;
    double decode_seconds = 0, compose_seconds = 0, encode_seconds = 0;
    double audio_seconds = 0, composite_seconds = 0;
    DecodeCounters decode;  ///< summed over the workers
    ComposeCounters compose;
    FrameCacheStats cache;
    std::size_t cache_budget = 0, memory_budget = 0;
    int threads = 0, frames_in_flight = 0, workers = 0, encoder_threads = 0;
    WriterStats writer;
    EngineChoice engine;        ///< the video encoder's engine and how it was chosen
    HwDecodeChoice hwdecode;    ///< the decoding device and how it was chosen
    bool audio = false;         ///< the output has an audio track
    bool audio_cached = false;  ///< the encoded sound came from the cache
    AudioMixResult audio_mix;   ///< its figures (samples released after encoding)
    int segments_total = 0, segments_rendered = 0, segments_reused = 0, segments_waited = 0,
        segments_discarded = 0;
    std::vector<SegmentOutcome> segments;  ///< in timeline order
    std::vector<std::string> warnings;
    double first_byte_seconds = -1, first_fragment_seconds = -1;  ///< streaming, from the start
};

/// The default memory budget: a quarter of the available memory, between 256 MiB and
/// 1 GiB (enough for two 1080p segments in flight, or one at 2160p).
std::size_t default_memory_budget();

/// The encoder settings a render uses: the timeline's output.video with the options'
/// overrides applied.
EncoderSettings encoder_settings(const Timeline& timeline, const RenderOptions& options);
/// The engine a render encodes with: --encoder, else output.video.engine, else software
/// (choose_engine: a named engine that cannot run throws Error(encode), exit 6).
EngineChoice render_engine(const Timeline& timeline, const RenderOptions& options);
/// The decoding device of a render: --hwdecode, else none (choose_hwdecode: a named
/// device that cannot open throws Error(decode), exit 5).
HwDecodeChoice render_hwdecode(const RenderOptions& options);
/// Error(usage) when a --preset is given that the encoder of `codec` does not have, listing
/// its presets (encoder_presets()); encoder_settings() calls it.
void check_preset(const std::string& codec, const std::optional<std::string>& preset);

}  // namespace reel
