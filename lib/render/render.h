// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "audio/mix.h"
#include "cache/frame_cache.h"
#include "compose/compositor.h"
#include "encode/video_writer.h"
#include "media/decoder.h"
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

struct RenderProgress {
    std::int64_t done = 0, total = 0;
    double elapsed = 0;
};

/// What `reel render` asks of the library; CLI flags fill it.
struct RenderOptions {
    std::string output;
    bool overwrite = false;
    std::optional<FrameRange> range;  ///< default: the whole timeline
    int threads = 0;                  ///< TBB arena size; 0 = all cores
    int workers = 0;                  ///< segmented renders: segments in flight; 0 = chosen
    std::size_t memory_budget = 0;    ///< bytes; 0 = default_memory_budget()
    // Overrides of the timeline's output.video settings.
    std::optional<std::string> codec, preset;
    std::optional<double> crf;
    std::optional<std::int64_t> bitrate;
    std::optional<int> gop;
    /// Audio: auto (a track when anything is heard), always (silence if nothing is), none.
    std::string audio = "auto";
    std::string audio_codec;  ///< "aac" / "opus"; empty: by container
    bool tolerate_audio_errors = false;
    std::function<void(const RenderProgress&)> progress;  ///< called from the encode stage
    const std::atomic<bool>* cancel = nullptr;            ///< set (e.g. by SIGINT) to stop
    const std::atomic<bool>* abort = nullptr;             ///< set when other work failed: stop too
};

enum class SegmentStatus {
    rendered,  ///< encoded by this process
    reused,    ///< found in the cache
    waited,    ///< rendered meanwhile by another process sharing the cache
};
const char* to_string(SegmentStatus status);

struct SegmentOutcome {
    int index = 0;  ///< in the plan
    FrameRange frames;
    std::string key;
    SegmentStatus status = SegmentStatus::rendered;
    double seconds = 0;  ///< rendering (or lookup and verification) time
    std::int64_t bytes = 0;
};

struct RenderResult {
    std::int64_t frames = 0;
    Rational duration;
    double wall_seconds = 0;
    double decode_seconds = 0, compose_seconds = 0, encode_seconds = 0;
    DecodeCounters decode;
    ComposeCounters compose;
    FrameCacheStats cache;
    std::size_t cache_budget = 0, memory_budget = 0;
    int threads = 0, tokens = 0;
    WriterStats writer;
    bool audio = false;        ///< the output has an audio track
    AudioMixResult audio_mix;  ///< its figures (samples released after encoding)
    // Segmented renders only:
    bool segmented = false;
    int segments_total = 0, segments_rendered = 0, segments_reused = 0, segments_waited = 0,
        segments_discarded = 0, workers = 0, encoder_threads = 0;
    std::vector<SegmentOutcome> segments;  ///< in timeline order
    std::vector<std::string> warnings;
    double audio_seconds = 0, composite_seconds = 0;
    bool audio_cached = false;                                    ///< the encoded sound came from the cache
    double first_byte_seconds = -1, first_fragment_seconds = -1;  ///< streaming, from the start
};

/// The audio track options.audio asks for (auto: when anything is heard), or nothing.
std::optional<AudioTrackSettings> audio_track_for(const Timeline& timeline,
                                                  const std::map<std::string, MediaInfo>& sources,
                                                  const RenderOptions& options);
/// The mix of a range for that track.
AudioMixResult mix_for_render(const Timeline& timeline, const std::map<std::string, MediaInfo>& sources,
                              const RenderOptions& options, FrameRange range,
                              const AudioTrackSettings& track);

/// A default memory budget: a quarter of the available memory, between 256 MiB and 4 GiB.
std::size_t default_memory_budget();

/// The encoder settings a render uses: the timeline's output.video with the options'
/// overrides applied.
EncoderSettings encoder_settings(const Timeline& timeline, const RenderOptions& options);

/// Renders a resolved timeline into options.output. Sound first: the whole range is mixed
/// (audio/mix.h) and encoded (AAC; Opus in WebM) before the picture, so its packets can be
/// interleaved as video is written. Then the picture: decode, composite and
/// encode overlap in a TBB pipeline (compositing one frame while the encoder, with its own
/// threads, works on earlier ones; frames in flight bounded by the memory budget). The
/// output appears complete under its name or not at all. Throws Error (interrupted when
/// options.cancel is set).
RenderResult render_timeline(const Timeline& timeline, const std::map<std::string, MediaInfo>& sources,
                             const RenderOptions& options);

}  // namespace reel
