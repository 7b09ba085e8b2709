// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "media/probe.h"
#include "time/rational.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace reel {

struct AudioReaderOptions {
    /// false (default): a damaged packet, an unreadable stretch of the file or a stream
    /// that ends well before its container says (a truncated file) throws Error(decode)
    /// naming the file. true: those spans are returned as silence and counted in
    /// AudioReaderCounters::errors (the first message kept in `first_error`).
    bool tolerate_errors = false;
};

/// What an AudioReader did, for the stats.
struct AudioReaderCounters {
    std::int64_t seeks = 0;            ///< demuxer seeks (the first read from the start needs none)
    std::int64_t frames_decoded = 0;   ///< decoded audio frames (codec frames, not samples)
    std::int64_t samples_decoded = 0;  ///< decoded samples per channel
    std::int64_t errors = 0;           ///< tolerated errors (always 0 without tolerate_errors)
    std::string first_error;           ///< message of the first tolerated error
};

/// Reads one source's best audio stream (the one probe_media() reports) as interleaved
/// float samples at any rate, channel count and speed. Owns its own demuxer and decoder
/// (one decoder thread: audio decoders gain nothing from more) and two swresample
/// contexts: one converting each decoded frame's sample format and channel layout to the
/// output layout at the stream's rate, one changing the rate (and speed).
///
/// Source time: seconds from the start of the source's video stream when it has one (the
/// origin DecoderPool uses, so picture and sound of one file stay in sync), else from the
/// start of the audio stream. Audio before the stream's first sample or after its last is
/// silence, as are gaps in its timestamps; jitter of up to 2 ms between a frame's
/// timestamp and the running sample count is ignored (the samples are taken as
/// contiguous).
///
/// Sample exactness: output sample k of a request starting at source time S holds the
/// source at time S + k × speed / out_rate, to the nearest output sample: a source sample
/// at time t lands at output sample round((t − S) × out_rate / speed), halves down. When
/// source rate × speed = out_rate the samples are copied, not resampled. Otherwise the
/// resampler's output grid is anchored to the source, not to the request (output j of the
/// stream for a speed and rate sits at source time j × speed / out_rate), so a request
/// returns the same samples whether it continues an earlier one or starts afresh: a range
/// rendered alone equals the same part of a whole render. (The grid repeats every q
/// output samples when in_rate × speed / out_rate = p/q; if q exceeds 4 s of output,
/// which takes a speed with many decimals, a fresh start aligns to the request instead
/// and can differ from a continued read by under half a sample.)
///
/// Speed is resampling, not time-stretching: swresample is told the input rate is
/// in_rate × speed, so audio at speed 2 plays twice as fast and an octave higher (speed
/// 0.5: half as fast, an octave lower), like tape. This keeps every sample in sync with
/// the picture at any speed. The ratio is exact when p and q fit in 31 bits (speeds with
/// a few decimals); otherwise swresample gets the nearest fraction that does.
///
/// Channel layouts: 1 = mono, 2 = stereo, 6 = FFmpeg's "5.1" (FL FR FC LFE SL SR); other
/// counts use FFmpeg's default layout for that count. A source whose layout is unknown
/// gets the default layout of its channel count. Up- and down-mixing use swresample's
/// standard matrices without normalisation (reel outputs float, so nothing clips here):
///   mono → stereo: L = R = M / √2;            stereo → mono: M = (L + R) / √2;
///   5.1 → stereo: L = FL + FC/√2 + SL/√2, R = FR + FC/√2 + SR/√2 (LFE dropped);
///   mono → 5.1: FC = M;                        stereo → 5.1: FL = L, FR = R.
/// (tests/unit/audio/mix_test.cpp measures these.)
///
/// Seeking: a request whose start maps to the sample after the previous request's end
/// (same speed, rate and channels) continues the same resampler, so consecutive requests
/// join without a seam. Another request decodes forward when it starts less than 3 s
/// after the decoded position, else seeks 0.2 s before it (decoder pre-roll for AAC, MP3
/// and Opus) and discards what it does not need.
///
/// Truncation: when the stream ends more than 0.5 s before the end its container declares
/// (the audio stream's own duration; for audio-only files the file's) and a request needs
/// the missing part, that is an error (or, tolerated, silence).
///
/// Memory: a few blocks of decoded samples plus the request's own output; requests of
/// about a second keep it small. Not thread-safe; use one reader per thread.
class AudioReader {
public:
    /// Opens `info.path` and the decoder of its best audio stream (`info.audio`). Throws
    /// Error(media) when the file has no audio stream or cannot be opened, Error(decode)
    /// when there is no decoder for its codec.
    explicit AudioReader(const MediaInfo& info, AudioReaderOptions options = {});
    ~AudioReader();
    AudioReader(AudioReader&&) noexcept;
    AudioReader& operator=(AudioReader&&) noexcept;
    AudioReader(const AudioReader&) = delete;
    AudioReader& operator=(const AudioReader&) = delete;

    /// `frames_out` interleaved frames (frames_out × out_channels floats) at `out_rate`,
    /// covering source time [source_start, source_start + frames_out / out_rate × speed).
    /// `speed` > 0; `out_rate` > 0; `out_channels` 1..8. Throws Error(decode) naming the
    /// file, with a hint, when decoding fails (see AudioReaderOptions).
    std::vector<float> read(const Rational& source_start, std::int64_t frames_out, const Rational& speed,
                            int out_rate, int out_channels);
    /// The same into `out` (frames_out × out_channels floats, overwritten).
    void read_into(const Rational& source_start, std::int64_t frames_out, const Rational& speed, int out_rate,
                   int out_channels, float* out);

    /// Whether a read with these arguments would continue the previous one seamlessly.
    bool continues(const Rational& source_start, const Rational& speed, int out_rate,
                   int out_channels) const noexcept;

    const std::string& path() const noexcept;
    /// The stream's own sample rate and channel count.
    int source_rate() const noexcept;
    int source_channels() const noexcept;
    const AudioReaderCounters& counters() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace reel
