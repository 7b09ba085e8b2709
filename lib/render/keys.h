// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "encode/encoder.h"
#include "plan/plan.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace reel {

/// The one recipe of every cache key: SHA-256 (hex) of the canonical JSON (sorted keys,
/// no whitespace) of {kind, render_version, codec library, fields}. Two keys are equal
/// exactly when every field is, whatever order the caller built them in.
std::string cache_key(const std::string& kind, const nlohmann::json& fields);

/// The encoder settings that change a file's bytes, as key fields. Threads are left out:
/// size_render() pins a software encoder to one thread (x264's pictures depend on its
/// thread count), so a farm node with other cores renders, and reuses, the same segments.
nlohmann::json encoder_key_fields(const EncoderSettings& settings);

/// The cache key of a segment: the plan's content hash (everything that changes its
/// pixels) with the encoder settings.
std::string segment_key(const Segment& segment, const EncoderSettings& settings);

/// The cache key of a render's encoded sound: the timeline without its picture-only
/// properties, the sources' fingerprints, the track settings, the frames it spans.
struct SoundKeyInput {
    const Timeline& timeline;
    const SourceTable& sources;
    const AudioTrackSettings& track;
    std::string encoder;  ///< e.g. "aac"
    FrameRange frames;
    bool tolerate_errors = false;
};
std::string sound_key(const SoundKeyInput& input);

}  // namespace reel
