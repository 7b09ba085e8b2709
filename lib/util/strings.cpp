// SPDX-License-Identifier: Apache-2.0
#include "util/strings.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace reel {

std::optional<int> parse_count(std::string_view text)
{
    int n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || n < 0) return std::nullopt;
    return n;
}

std::size_t edit_distance(std::string_view a, std::string_view b)
{
    // Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    // two neighbouring letters ("h246" for "h264") each cost one.
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
        for (std::size_t j = 1; j <= b.size(); ++j) {
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.size()][b.size()];
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates)
{
    std::string best;
    std::size_t best_distance = 3;
    for (const auto& c : candidates) {
        // The distance is at least the difference in length: skip what cannot be close
        // (and a huge word costs nothing).
        std::size_t gap = word.size() > c.size() ? word.size() - c.size() : c.size() - word.size();
        if (gap >= best_distance) continue;
        std::size_t d = edit_distance(word, c);
        if (d < best_distance && d * 2 < std::max<std::size_t>(word.size(), 2)) {
            best_distance = d;
            best = c;
        }
    }
    return best;
}

std::string format_number(double value)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.15g", value);
    return buf;
}

std::string abbreviate(std::string_view text, std::size_t max)
{
    if (text.size() <= max) return std::string(text);
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not mid-character
    return std::string(text.substr(0, cut)) + "... (" + std::to_string(text.size()) + " bytes)";
}

std::string json_pointer_escape(std::string_view key)
{
    std::string out;
    for (char c : key) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

}  // namespace reel
