// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace reel {

/// What is wrong with `path` as an image sequence's name pattern (it must hold exactly one
/// frame-number field, %d or %0Nd, N ≤ 18; %% is a literal percent sign), or empty.
std::string sequence_pattern_problem(const std::string& path);

/// The file name of frame `number` under a valid pattern: "shot.%04d.exr", 7 →
/// "shot.0007.exr"; 12345 → "shot.12345.exr" (padding is a minimum, as in printf).
std::string sequence_frame_path(const std::string& pattern, std::int64_t number);

/// `text` with every percent sign doubled, so that it stands for itself in a pattern (a
/// folder or a file-name part around the frame-number field).
std::string literal_percent(const std::string& text);

/// The pattern split at its frame-number field: what comes before and after it (with %%
/// turned into %), and the field's zero padding (0 for %d).
struct SequencePattern {
    std::string before, after;
    int width = 0;
};
/// Splits a valid pattern (sequence_pattern_problem() empty).
SequencePattern split_sequence_pattern(const std::string& pattern);

/// The frame number `name` holds under `pattern` (split), when `name` is exactly what
/// sequence_frame_path() makes of that number; else none ("007" does not match "%d").
std::optional<std::int64_t> sequence_frame_number(const SequencePattern& pattern, const std::string& name);

}  // namespace reel
