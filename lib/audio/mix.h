// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "media/probe.h"
#include "time/frames.h"
#include "time/rational.h"
#include "timeline/model.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace reel {

/// What to mix. CLI flags and the timeline's output.audio fill it.
struct AudioMixOptions {
    int sample_rate = 48000;
    int channels = 2;  ///< 1, 2 or 6 (see AudioReader for the layouts and up/down-mix matrices)
    /// Root timeline time to mix, [start, end); default [0, the root's duration). Output
    /// sample n of the whole timeline is at time n / sample_rate; the range covers samples
    /// [time_to_frame(start, rate), time_to_frame(end, rate)). A video FrameRange converts
    /// with frame_to_time().
    std::optional<TimeRange> range;
    /// Render undecodable stretches of sources (damaged packets, truncated files) as
    /// silence, with a warning in AudioMixResult::warnings, instead of throwing.
    bool tolerate_errors = false;
};

/// The mix of a range, and figures for the stats.
struct AudioMixResult {
    std::vector<float> samples;  ///< interleaved, frames × channels, limited (|x| <= 1)
    int sample_rate = 0, channels = 0;
    std::int64_t frames = 0;            ///< samples per channel
    std::int64_t first_frame = 0;       ///< timeline sample index of frame 0
    double peak = 0;                    ///< largest |x| of the sum, before the limiter
    double peak_out = 0;                ///< largest |x| after it
    std::int64_t clipped_samples = 0;   ///< values (frames × channels) the limiter changed
    std::int64_t items_mixed = 0;       ///< clip uses (a clip inside a comp used twice counts twice)
    std::int64_t samples_mixed = 0;     ///< frames mixed at the output rate, summed over all uses
    std::int64_t decoders_opened = 0;   ///< AudioReaders opened
    std::int64_t seeks = 0;             ///< their seeks
    std::int64_t decode_errors = 0;     ///< tolerated errors (tolerate_errors only)
    std::vector<std::string> warnings;  ///< one per item with tolerated errors
    bool any_audio = false;             ///< whether any item is heard anywhere in the timeline
    double seconds = 0;                 ///< wall time
};

/// The soft limiter's knee: |x| <= limiter_threshold passes unchanged.
inline constexpr double limiter_threshold = 0.8;
/// Where the limiter flattens out: 0.8 + 0.0913 = 0.8913, -1 dBFS, leaving room for the
/// AAC/Opus coding error (at a 1.0 ceiling decoded peaks reached +0.5 dBFS).
inline constexpr double limiter_ceiling = 0.8913;

/// The clip-safe stage: x unchanged for |x| <= 0.8; above, sign(x) × (0.8 + 0.0913 ×
/// tanh((|x| − 0.8) / 0.0913)), which joins the identity with the same slope (no kink),
/// rises monotonically and approaches the ceiling (-1 dBFS) without passing it. So |y| <
/// 0.8913 always: no wrap-around, no hard clipping, and 1 dB left for the encoder's
/// coding error. NaN becomes 0.
double soft_limit(double x) noexcept;

/// Mixes a resolved timeline's sound, chunk by chunk (memory: the chunk, decoders'
/// buffers; not the whole range), in timeline order.
///
/// Semantics (timeline-format.md):
/// - Heard: every enabled `clip` whose source has audio, on any enabled, unmuted track
///   (video or audio kind), unless it is muted; `comp` items carry the mix of their
///   composition's tracks, recursively, with the comp item's in/out/speed/gain/mute/fades
///   applied to that sub-mix (a disabled or muted comp item silences all of it).
/// - Placement: a clip whose start is at root time T begins at timeline sample
///   round(T × rate) (halves down, time/frames.h), where it plays source time `in`; sample
///   n plays in + (n − that sample) × speed / rate, speed being the product of the clip's
///   speed and those of the comp items around it. It sounds for samples [round(start ×
///   rate), round(end × rate)), cut to the enclosing comp items' spans.
/// - Speed resamples (pitch follows speed; see AudioReader).
/// - Volume: gain_db as 10^(gain_db/20); fade_in/fade_out ramp linearly 0 → 1 / 1 → 0
///   over their duration (the compositor's opacity rule, evaluated at each sample's time);
///   a crossfade (`transition_in`) gives the outgoing item cos(w·π/2) and the incoming
///   sin(w·π/2), w going 0 → 1 across the transition (equal power), whether or not the
///   partner is enabled or muted (as the picture dissolves to nothing). Each comp level
///   multiplies its own factors in.
/// - Sum in float, then soft_limit() per value.
///
/// Decoders: a pool per source. A clip use takes an idle reader of its source when it
/// starts (preferring one that continues seamlessly, as for a clip split in two) or opens
/// one, and gives it back after the chunk in which it ends; so uses that overlap in time
/// each have their own reader, and sequential uses share one. Not thread-safe (one thread drives it); the
/// timeline and sources must outlive it.
class AudioMixer {
public:
    /// Throws Error(internal) when an item's media is missing from `sources`.
    AudioMixer(const Timeline& resolved, const std::map<std::string, MediaInfo>& sources,
               const AudioMixOptions& options);
    ~AudioMixer();
    AudioMixer(const AudioMixer&) = delete;
    AudioMixer& operator=(const AudioMixer&) = delete;

    /// Timeline sample index of the range's first frame, and the range's length.
    std::int64_t first_frame() const noexcept;
    std::int64_t frames() const noexcept;
    /// Frames mixed so far.
    std::int64_t position() const noexcept;

    /// Mixes the next min(max_frames, what is left) frames into `out` (resized to
    /// frames × channels, interleaved, limited); returns how many (0 at the end). Throws
    /// Error(decode) naming the item (label, JSON pointer, line) and its file when a
    /// source cannot be decoded, unless tolerate_errors.
    std::int64_t mix_next(std::int64_t max_frames, std::vector<float>& out);

    /// Figures so far (samples left empty).
    AudioMixResult stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// Mixes the whole range at once (AudioMixer in 1 s chunks) into one buffer.
AudioMixResult mix_audio(const Timeline& resolved, const std::map<std::string, MediaInfo>& sources,
                         const AudioMixOptions& options);

/// Whether anything in the timeline would be heard (cheap: no decoding). A render without
/// it can leave the audio stream out.
bool timeline_has_audio(const Timeline& resolved, const std::map<std::string, MediaInfo>& sources);

}  // namespace reel
