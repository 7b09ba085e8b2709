// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reel {

/// Edit distance between two ASCII strings (optimal string alignment: a swap of two
/// neighbouring characters counts as one edit).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` if it is close enough to be a likely typo
/// (distance at most 2, and less than half the word), else empty.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

/// A number as people write it: "20", "0.5", "1e+06" (up to 15 significant digits).
std::string format_number(double value);

/// `text` as messages may quote it: whole up to `max` bytes, else its first `max` bytes
/// (cut at a UTF-8 character boundary) and "... (N bytes)". So an error about a 4 MB name
/// stays a line long.
std::string abbreviate(std::string_view text, std::size_t max = 48);

/// A whole non-negative decimal number that fits an int ("3", not "3x", "-1" or ""), else
/// nothing: what --index and --task take.
std::optional<int> parse_count(std::string_view text);

/// Escapes a key for use in an RFC 6901 JSON pointer ("~" -> "~0", "/" -> "~1").
std::string json_pointer_escape(std::string_view key);

}  // namespace reel
