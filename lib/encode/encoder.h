// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "encode/engine.h"
#include "ff/handles.h"
#include "ff/packet.h"
#include "image/image.h"
#include "time/rational.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace reel {

struct EncoderSettings {
    std::string codec = "h264";  ///< h264 | hevc | av1 | vp9
    std::string preset = "veryfast";
    std::optional<double> crf;            ///< default 23 when no bitrate
    std::optional<std::int64_t> bitrate;  ///< bits/s
    int gop = 60;                         ///< frames between IDR frames (closed GOPs)
    int width = 0, height = 0;
    Rational fps{30};
    int threads = 0;                   ///< 0: the encoder's own choice
    Engine engine = Engine::software;  ///< chosen beforehand (choose_engine): never changed here
};

/// An audio track to mux beside the picture: AAC-LC (FFmpeg's native encoder) in MP4/MOV/
/// MKV, Opus in WebM.
struct AudioTrackSettings {
    int sample_rate = 48000;
    int channels = 2;          ///< 1, 2 or 6 (5.1)
    std::string codec;         ///< "aac" or "opus"; empty: by container
    std::int64_t bitrate = 0;  ///< 0: 64 kb/s per channel pair-ish default
};

/// The FFmpeg encoder name reel uses for a codec ("h264" -> "libx264"), whether this
/// build of FFmpeg has it, and the list of what is available (for messages).
std::string encoder_name(const std::string& codec);
bool encoder_available(const std::string& codec);
/// The presets the encoder of `codec` takes (`--preset`, output.video.preset): the x264
/// names for libx264 and libx265, 0..13 for SVT-AV1, the deadlines good, best and
/// realtime for libvpx-vp9; none for libaom.
std::vector<std::string> encoder_presets(const std::string& codec);
/// The codec library's identity (e.g. "Lavc59.37.100"): part of every cache key, since
/// another version may encode other bytes.
std::string codec_library_version();

/// Receives encoded packets; timestamps are in the encoder's time base.
using PacketSink = std::function<void(Packet&)>;

/// A video encoder for working-format pictures, of the settings' engine: every frame n
/// gets timestamp n in a 1/fps time base, the first frame is an IDR frame and GOPs are
/// closed, so files made by encoders with the same settings join by stream copy. Codec
/// headers go out of band (extradata), as MP4 needs. `context` names the output in
/// messages. Throws Error(encode) when the engine cannot open the encoder. Not thread-safe.
class VideoEncoder {
public:
    VideoEncoder(const EncoderSettings& settings, const std::string& context);
    ~VideoEncoder();
    VideoEncoder(VideoEncoder&&) noexcept;

    /// Encodes the next frame (size must match the settings). Software encoders read the
    /// picture's planes in place (no copy) and hold a reference while they need them.
    void encode(std::shared_ptr<const Image> picture, const PacketSink& sink);
    /// Drains the encoder; no frames may follow.
    void flush(const PacketSink& sink);

    /// Stream parameters, extradata included (complete once constructed).
    const StreamParams& parameters() const noexcept;
    /// 1/fps: packet timestamps count frames.
    Rational time_base() const noexcept { return m_time_base; }
    /// Frames by which decoding runs ahead of display (B-frame reordering): the first
    /// packet's decode timestamp is -delay().
    int delay() const noexcept;
    /// What encodes: "libx264", "h264_nvenc", "oneVPL: <runtime>".
    const std::string& name() const noexcept;
    Engine engine() const noexcept { return m_engine; }
    std::int64_t frames() const noexcept { return m_frames; }
    double seconds() const noexcept { return m_seconds; }

    /// One engine's encoder behind the class (encode/detail/backend.h).
    class Backend;

private:
    std::unique_ptr<Backend> m_backend;
    Engine m_engine;
    Rational m_time_base;
    std::int64_t m_frames = 0;
    double m_seconds = 0;
};

/// An audio encoder for a whole interleaved float track: AAC (or Opus for WebM).
class AudioEncoder {
public:
    /// `container` is the muxer's name ("mp4", "webm", ...): it picks the default codec
    /// and refuses combinations the container cannot hold.
    AudioEncoder(AudioTrackSettings settings, const std::string& container, const std::string& context);

    /// Encodes the whole track (values beyond ±1 clip) and flushes; call once. Packet
    /// timestamps are in time_base() (1/sample_rate).
    std::deque<Packet> encode(const std::vector<float>& interleaved);
    /// Encodes a track piece by piece: each call takes the next interleaved samples (any
    /// count; a partial frame waits for the next call) and returns the packets ready;
    /// `last` flushes. Do not mix with encode().
    std::deque<Packet> encode_more(const std::vector<float>& interleaved, bool last);

    const StreamParams& parameters() const noexcept { return m_params; }
    /// 1/sample_rate.
    Rational time_base() const noexcept { return m_time_base; }
    /// Samples of encoder delay (priming) before the first input sample, e.g. 1024 for AAC.
    int priming() const noexcept;
    const std::string& name() const noexcept { return m_name; }
    double seconds() const noexcept { return m_seconds; }

private:
    std::string m_context, m_name;
    ff::CodecContextPtr m_codec;
    StreamParams m_params;
    Rational m_time_base;
    double m_seconds = 0;
    std::vector<float> m_pending;  ///< encode_more: samples short of a whole frame
    std::int64_t m_next_pts = 0;
};

}  // namespace reel
