// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "encode/muxer.h"
#include "ff/handles.h"
#include "ff/packet.h"
#include "time/rational.h"

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace reel {

/// An encoded file opened for joining: its video stream (and audio stream, if any) and
/// their packets. Throws Error(media) naming the file when it cannot be read or has no
/// video.
class EncodedInput {
public:
    /// `annex_b`: hand out H.264 packets with start codes (and parameter sets before each
    /// IDR), as an encoder does, instead of the MP4 length-prefixed form.
    explicit EncodedInput(const std::string& path, bool annex_b = false);

    const std::string& path() const noexcept { return m_path; }
    const StreamParams& video() const noexcept { return m_video_params; }
    /// The audio stream's parameters, or nullptr when the file has none.
    const StreamParams* audio() const noexcept { return m_audio_params ? &*m_audio_params : nullptr; }
    Rational fps() const noexcept { return m_fps; }

    /// The next packet into `packet` (what it held is released first); false at the end. Video timestamps
    /// come in frames (a 1/fps time base) counted from the file's first frame, audio timestamps in samples
    /// from the same origin. `is_video` tells which.
    bool next(Packet& packet, bool& is_video);

private:
    std::string m_path;
    ff::InputPtr m_input;
    int m_video = -1, m_audio = -1;
    StreamParams m_video_params;
    std::optional<StreamParams> m_audio_params;
    Rational m_fps;
    std::int64_t m_origin = 0;  ///< first video pts, in the stream's time base
    ff::BsfPtr m_bsf;
};

/// The first way `b` cannot follow `a` in one stream by stream copy, as
/// "<parameter> differs (<a> vs <b>)"; empty when compatible. Compares codec, profile,
/// level, size, pixel format, frame rate, colour properties and extradata of the video,
/// and codec, sample rate, channels and extradata of the audio (present in both or neither).
std::string incompatibility(const EncodedInput& a, const EncodedInput& b);

/// What a segment file holds, for verifying it before a join: its video frames (packets)
/// and whether the first is a keyframe that a decoder can start from alone (for H.264 and
/// HEVC an IDR picture; for other codecs the keyframe flag).
struct EncodedFileCheck {
    std::int64_t frames = 0;
    bool starts_with_idr = false;
};
/// Reads every packet of `path`. Throws Error(media) when it cannot be read.
EncodedFileCheck check_encoded_file(const std::string& path);

/// Whether two streams carry the same codec headers (for H.264: the same SPS/PPS, whether
/// stored as an MP4 avcC record or as Annex B start codes).
bool same_codec_headers(const StreamParams& a, const StreamParams& b);

/// Joins the video packets of consecutive parts into a Muxer's stream: each part starts
/// where the previous one ended, so its timestamps (frames from the part's start)
/// continue the previous part's. The first part starts at 0.
class Joiner {
public:
    Joiner(Muxer& muxer, int video_stream, int audio_stream, Rational fps, int sample_rate);

    /// Starts the next part, one frame after the latest frame of the parts so far.
    void begin_part();
    /// A video packet of the current part (timestamps in frames from its start); it lasts
    /// one frame.
    void write_video(Packet& packet);
    /// Audio of a part (timestamps in samples from the part's start); packets that would
    /// overlap the previous part's last one are dropped.
    void write_audio(Packet& packet);

    /// A whole file as the next part (its audio too, when the joiner has an audio
    /// stream); returns its frames. `cancel` set stops it with Error(interrupted).
    std::int64_t append(EncodedInput& input, const std::atomic<bool>* cancel = nullptr);

    std::int64_t frames() const noexcept { return m_next; }

private:
    Muxer& m_muxer;
    int m_video, m_audio;
    Rational m_fps;
    int m_rate;
    std::int64_t m_start = 0, m_next = 0;
    std::int64_t m_last_dts = INT64_MIN, m_last_audio_dts = INT64_MIN;
};

/// The first audio stream of a file, read a packet at a time: a render's sound is kept
/// as an MP4 of its own (in the cache) and muxed from there, so memory holds one packet,
/// whatever the length. The file stays readable while this is open, even if it is
/// removed meanwhile (cache eviction). Throws Error(media) naming the file when it cannot
/// be read or has no audio stream.
class TrackReader {
public:
    explicit TrackReader(const std::string& path);

    const StreamParams& params() const noexcept { return m_params; }
    Rational time_base() const noexcept { return m_time_base; }
    /// The next packet (timestamps in time_base()); false at the end.
    bool next(Packet& packet);
    /// Bytes of the packets read so far.
    std::int64_t bytes() const noexcept { return m_bytes; }

private:
    std::string m_path;
    ff::InputPtr m_input;
    int m_stream = -1;
    StreamParams m_params;
    Rational m_time_base{1};
    std::int64_t m_bytes = 0;
};

struct CompositeInputInfo {
    std::string file;
    std::int64_t frames = 0;
    double duration_seconds = 0;
};

struct CompositeResult {
    std::vector<CompositeInputInfo> inputs;
    std::int64_t frames = 0;
    std::int64_t bytes = 0;
    bool audio = false;
};

/// `reel composite`: joins encoded files, in order, into `output` by stream copy, after
/// checking that each can follow the first (Error(media) naming the parameter and both
/// files otherwise; nothing is written). Audio is joined too when every input has it.
/// `cancel` (e.g. set by SIGINT) stops it with Error(interrupted), nothing written.
CompositeResult composite_files(const std::vector<std::string>& inputs, const std::string& output,
                                bool overwrite, const std::atomic<bool>* cancel = nullptr);

}  // namespace reel
