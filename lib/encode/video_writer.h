// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "image/image.h"
#include "time/rational.h"

#include <cstdint>
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
    int threads = 0;  ///< 0: the encoder's own choice
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

struct WriterStats {
    std::int64_t frames = 0;
    std::int64_t bytes = 0;
    double encode_seconds = 0;
    std::string encoder;        ///< e.g. "libx264"
    std::string audio_encoder;  ///< e.g. "aac"; empty without audio
    std::int64_t audio_bytes = 0;
};

/// Encodes working-format pictures into a video file (MP4 with the index at the front;
/// WebM/Matroska/MOV by extension). Writes to a temporary name beside `path` and renames
/// it into place in finish(); if destroyed before finish() (error, cancel) the temporary
/// file is removed, so no partial file ever sits at `path`. Frame n gets timestamp n/fps,
/// so the file lasts exactly frames/fps. Not thread-safe.
class VideoWriter {
public:
    VideoWriter(const std::string& path, const EncoderSettings& settings,
                std::optional<AudioTrackSettings> audio = std::nullopt);
    ~VideoWriter();
    VideoWriter(const VideoWriter&) = delete;
    VideoWriter& operator=(const VideoWriter&) = delete;

    /// Encodes the next frame (size must match the settings). The encoder reads the
    /// picture's planes in place (no copy) and holds a reference while it needs them.
    void write(std::shared_ptr<const Image> picture);
    /// Encodes the whole audio track (interleaved float samples at the track's rate and
    /// channels; values beyond ±1 clip). Call once, before or between write() calls; its
    /// packets are interleaved with the video's by timestamp.
    void write_audio(const std::vector<float>& interleaved);

    /// Flushes the encoder, writes the index, and publishes the file. `overwrite` false
    /// refuses to replace a file that appeared at `path` meanwhile.
    void finish(bool overwrite);

    const WriterStats& stats() const noexcept { return m_stats; }

private:
    void open(const std::string& path, const EncoderSettings& settings);
    void open_audio(const std::string& container);

    struct Impl;
    std::unique_ptr<Impl> m_impl;
    WriterStats m_stats;
};

}  // namespace reel
