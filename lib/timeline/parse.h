// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "timeline/json_document.h"
#include "timeline/model.h"
#include "util/error.h"

#include <filesystem>
#include <memory>

namespace reel {

/// Longest time value a timeline may hold (24 hours): guards against typos such as
/// milliseconds written as seconds, and keeps exact arithmetic far from overflow.
inline constexpr std::int64_t max_time_seconds = 24 * 3600;

/// Parses and validates a document against timeline-format.md: types, ranges, unknown
/// fields (with a "did you mean"), references between items, media and compositions,
/// reference cycles, nesting depth, overlaps and transitions where no source facts are
/// needed. All problems found are reported together: the thrown Error(timeline) is the
/// first, with the others in more(), each with its JSON pointer, line and column.
Timeline parse_timeline(std::shared_ptr<const JsonDocument> doc, const std::filesystem::path& file);

/// Reads `file` and parses it as above. Error(io) if it cannot be read. OpenTimelineIO
/// files (is_otio_path: .otio, .otiod, .otioz) are mapped by load_otio() instead, with
/// relative media paths resolved against `media_root` when it is given (timeline/otio.h).
Timeline load_timeline(const std::filesystem::path& file, const std::filesystem::path& media_root = {});

/// Completes a parsed timeline with facts about its sources: default `out` points,
/// item ends, composition durations; then checks what needs them (`out` beyond a
/// source's end, item types against source kinds, overlaps, transitions, empty
/// compositions). Throws Error(timeline) listing every problem.
void resolve_timeline(Timeline& timeline, const SourceFactsMap& facts);

/// Adds line and column (from the timeline's document) and its file to an Error that
/// carries a pointer.
Error locate(const Timeline& timeline, Error error);

}  // namespace reel
