// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "time/rational.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace reel {

struct VideoStreamInfo {
    int index = -1;
    std::string codec;
    int width = 0, height = 0;                  ///< coded size
    int display_width = 0, display_height = 0;  ///< upright size, rotation applied
    std::string pixel_format;
    std::string color_range;  ///< "tv", "pc" or "unknown"
    std::string color_space;  ///< "bt709", "bt470bg", ... or "unknown"
    Rational frame_rate;      ///< average rate; 0 when unknown
    bool variable_frame_rate = false;
    int rotation = 0;                      ///< clockwise degrees to show it upright: 0, 90, 180 or 270
    std::int64_t frame_count = 0;          ///< from the container; 0 when unknown
    std::optional<int> keyframe_interval;  ///< frames, from the first packets
    std::optional<Rational> duration;
};

struct AudioStreamInfo {
    int index = -1;
    std::string codec;
    int sample_rate = 0;
    int channels = 0;
    std::string layout;
    std::optional<Rational> duration;
};

/// What probing a file found. Plain data; copy freely.
struct MediaInfo {
    std::string path;
    std::string container;  ///< demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    std::int64_t size_bytes = 0;
    std::optional<Rational> duration;  ///< exact; none for still images
    bool still_image = false;
    int stream_count = 0;
    std::optional<VideoStreamInfo> video;  ///< the best video stream
    std::optional<AudioStreamInfo> audio;  ///< the best audio stream
    std::string fingerprint;               ///< see fingerprint_file()
    /// Set when the pictures come from a stand-in (a proxy) for another source: the upright
    /// size in which the timeline addresses the pictures. DecoderPool reports it as the
    /// source's size and maps the parts asked for onto the stand-in's own pixels
    /// (`video->display_width` x `display_height`).
    std::optional<std::pair<int, int>> logical_size;
};

/// Opens and inspects a media file (libavformat/libavcodec; reads at most a few hundred
/// packets to learn the keyframe interval and whether the frame rate varies).
/// Throws Error(media) naming the file when it is missing, unreadable, not media, or has
/// neither a video nor an audio stream. Thread-safe (no shared state).
MediaInfo probe_media(const std::string& path);

/// A stable identity for a file's content that is cheap on large files: SHA-256 over its
/// size, modification time (ns) and its first and last 64 KiB, as 32 hex digits. It
/// changes whenever the file is rewritten. Throws Error(media) if the file cannot be read.
std::string fingerprint_file(const std::string& path);

}  // namespace reel
