// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "cache/segment_cache.h"
#include "encode/composite.h"
#include "plan/plan.h"
#include "render/render.h"

#include <memory>
#include <optional>
#include <string>

namespace reel {

/// The audio track options.audio asks for (auto: when anything is heard), or nothing.
/// Error(usage) for a mode other than auto, always or none.
std::optional<AudioTrackSettings> audio_track_for(const Timeline& timeline, const SourceTable& sources,
                                                  const RenderOptions& options);

/// The options of a mix of `range` for `track`.
AudioMixOptions mix_options(const Timeline& timeline, const RenderOptions& options, FrameRange range,
                            const AudioTrackSettings& track);

/// A render's encoded sound, open for reading: the cache's file, or a file of this
/// render's own (removed with it) when the sound was not published.
struct RenderSound {
    std::optional<PendingFile> own;
    std::unique_ptr<TrackReader> reader;  ///< destroyed (closed) before `own` is removed
};

/// A render's sound, encoded for `container`: from the cache when an identical mix of the
/// same range was encoded before, else mixed and encoded half a second at a time into a
/// file (memory does not grow with the range's length) and published to the cache
/// (unless another process is publishing it, or errors were tolerated: those mixes carry
/// warnings that must be seen every time). Nothing when no track is wanted. Fills the
/// audio figures of `result`. Thread-safe with respect to other renders sharing the cache.
std::optional<RenderSound> make_sound(const Timeline& timeline, const SourceTable& sources,
                                      const RenderOptions& options, FrameRange range,
                                      const std::string& container, SegmentCache& cache,
                                      RenderResult& result);

}  // namespace reel
