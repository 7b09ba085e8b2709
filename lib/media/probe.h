// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "time/rational.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

/// The frames of an image sequence: frame i (at source time i / rate) is file number
/// first + i × step of `pattern` (util/sequence_pattern.h).
struct SequenceInfo {
    std::string pattern;  ///< the resolved path, with its frame-number field
    std::int64_t first = 0, step = 1;
    std::int64_t frames = 0;
    Rational rate;
    /// What a missing file shows: "error" (never reached: probing fails), "black" or "hold".
    std::string missing = "error";
    std::vector<std::int64_t> absent;  ///< indices of frames with no file, ascending

    std::string file(std::int64_t index) const;
    bool present(std::int64_t index) const;
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
    /// Set for an image sequence (probe_sequence): `path` is then its pattern.
    std::optional<SequenceInfo> sequence;
};

/// Opens and inspects a media file (libavformat/libavcodec; reads at most a few hundred
/// packets to learn the keyframe interval and whether the frame rate varies).
/// Throws Error(media) naming the file when it is missing, unreadable, not media, or has
/// neither a video nor an audio stream. Thread-safe (no shared state).
MediaInfo probe_media(const std::string& path);

/// What an image sequence's entry asks for (`media.<id>.sequence`).
struct SequenceRequest {
    Rational rate;
    std::optional<std::int64_t> start, end;  ///< default: the lowest / highest number on disk
    std::int64_t step = 1;
    std::string missing = "error";  ///< error, black or hold
};

/// Probes a numbered image sequence once: lists the pattern's folder for the numbers on disk
/// (or, when the frame-number field is in a folder name, tries each number of start..end),
/// settles the range, finds the missing files, and probes the first existing file for the
/// picture's size and format. Throws Error(media) naming the pattern when no file matches,
/// or naming the first missing file under the "error" policy. The fingerprint covers the
/// range and policy and every file's size and modification time (no file is read but the
/// first).
MediaInfo probe_sequence(const std::string& pattern, const SequenceRequest& request);

/// A stable identity for a file's content that is cheap on large files: SHA-256 over its
/// size, modification time (ns) and its first and last 64 KiB, as 32 hex digits. It
/// changes whenever the file is rewritten. Throws Error(media) if the file cannot be read.
std::string fingerprint_file(const std::string& path);

}  // namespace reel
