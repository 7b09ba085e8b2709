// SPDX-License-Identifier: Apache-2.0
#include "util/sequence_pattern.h"

#include <string>

namespace reel {
namespace {

/// Finds the one frame-number field of a pattern: its position, length and zero padding.
struct PatternField {
    std::size_t pos = 0, len = 0;
    int width = 0;
    int count = 0;
    std::string problem;
};

PatternField find_field(const std::string& path)
{
    PatternField f;
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] != '%') continue;
        if (i + 1 < path.size() && path[i + 1] == '%') {
            ++i;
            continue;
        }
        std::size_t j = i + 1;
        int width = 0;
        bool zero = j < path.size() && path[j] == '0';
        if (zero) ++j;
        std::size_t digits = j;
        while (j < path.size() && path[j] >= '0' && path[j] <= '9' && j - digits < 3)
            width = width * 10 + (path[j++] - '0');
        if (j >= path.size() || path[j] != 'd' || (zero && j == digits) || (!zero && j != digits) ||
            width > 18) {
            f.problem =
                "has a '%' that is not a frame-number field (%d or %0Nd, N up to 18; %% for a percent sign)";
            return f;
        }
        if (++f.count == 1) {
            f.pos = i;
            f.len = j + 1 - i;
            f.width = width;
        }
        i = j;
    }
    if (f.count == 0)
        f.problem = "has no frame-number field";
    else if (f.count > 1)
        f.problem = "has " + std::to_string(f.count) + " frame-number fields; it must have one";
    return f;
}

std::string unescape_percent(const std::string& s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        out += s[i];
        if (s[i] == '%' && i + 1 < s.size() && s[i + 1] == '%') ++i;
    }
    return out;
}

}  // namespace

std::string sequence_pattern_problem(const std::string& path)
{
    return find_field(path).problem;
}

std::string sequence_frame_path(const std::string& pattern, std::int64_t number)
{
    PatternField f = find_field(pattern);
    std::string digits = std::to_string(number < 0 ? -number : number);
    if (int(digits.size()) < f.width) digits.insert(0, std::size_t(f.width) - digits.size(), '0');
    if (number < 0) digits.insert(0, 1, '-');
    return unescape_percent(pattern.substr(0, f.pos)) + digits +
           unescape_percent(pattern.substr(f.pos + f.len));
}

std::string literal_percent(const std::string& text)
{
    std::string out;
    for (char c : text) out += c == '%' ? std::string("%%") : std::string(1, c);
    return out;
}

SequencePattern split_sequence_pattern(const std::string& pattern)
{
    PatternField f = find_field(pattern);
    return {unescape_percent(pattern.substr(0, f.pos)), unescape_percent(pattern.substr(f.pos + f.len)),
            f.width};
}

std::optional<std::int64_t> sequence_frame_number(const SequencePattern& p, const std::string& name)
{
    if (name.size() <= p.before.size() + p.after.size() || name.compare(0, p.before.size(), p.before) != 0 ||
        name.compare(name.size() - p.after.size(), p.after.size(), p.after) != 0)
        return std::nullopt;
    std::string digits = name.substr(p.before.size(), name.size() - p.before.size() - p.after.size());
    if (digits.empty() || digits.size() > 18) return std::nullopt;
    std::int64_t n = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
    }
    std::string shown = std::to_string(n);
    if (int(shown.size()) < p.width) shown.insert(0, std::size_t(p.width) - shown.size(), '0');
    if (shown != digits) return std::nullopt;
    return n;
}

}  // namespace reel
