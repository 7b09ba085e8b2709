// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "encode/encoder.h"
#include "encode/muxer.h"
#include "image/image.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace reel {

struct WriterStats {
    std::int64_t frames = 0;
    std::int64_t bytes = 0;
    double encode_seconds = 0;
    std::string encoder;        ///< e.g. "libx264"
    std::string audio_encoder;  ///< e.g. "aac"; empty without audio
    std::int64_t audio_bytes = 0;
};

/// Encodes working-format pictures into a video file: a VideoEncoder feeding a Muxer
/// (MP4 with the index at the front; WebM/Matroska/MOV by extension), with an optional
/// audio track. No partial file is ever seen at `path` (see Muxer). Frame n gets
/// timestamp n/fps, so the file lasts exactly frames/fps. Not thread-safe.
class VideoWriter {
public:
    VideoWriter(const std::string& path, const EncoderSettings& settings,
                std::optional<AudioTrackSettings> audio = std::nullopt, MuxerOptions options = {});

    /// Encodes the next frame (size must match the settings), without copying it.
    void write(std::shared_ptr<const Image> picture);
    /// Encodes the whole audio track (interleaved float samples at the track's rate and
    /// channels; values beyond ±1 clip). Call once, before or between write() calls; its
    /// packets are interleaved with the video's by timestamp.
    void write_audio(const std::vector<float>& interleaved);
    /// Every video packet is also shown to `observer` (timestamps in 1/fps) before it is
    /// written, e.g. to stream it elsewhere as well.
    void observe(PacketSink observer) { m_observer = std::move(observer); }

    /// Flushes the encoder, writes the index, and publishes the file. `overwrite` false
    /// refuses to replace a file that appeared at `path` meanwhile.
    void finish(bool overwrite);

    const WriterStats& stats() const noexcept { return m_stats; }
    const VideoEncoder& encoder() const noexcept { return m_video; }

private:
    VideoEncoder m_video;
    std::optional<AudioEncoder> m_audio;
    Muxer m_muxer;
    int m_video_stream = 0, m_audio_stream = -1;
    PacketSink m_sink, m_observer;
    WriterStats m_stats;
};

}  // namespace reel
