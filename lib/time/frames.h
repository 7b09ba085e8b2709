// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "time/rational.h"

#include <cstdint>

namespace reel {

/// The one time-to-frame rule of the timeline format: time t maps to frame
/// round(t × fps), halves rounding down. Exact for every rational t and fps.
std::int64_t time_to_frame(const Rational& t, const Rational& fps);

/// The exact time of frame n: n / fps.
Rational frame_to_time(std::int64_t frame, const Rational& fps);

/// A half-open range of frames [begin, end).
struct FrameRange {
    std::int64_t begin = 0;
    std::int64_t end = 0;

    std::int64_t size() const noexcept { return end > begin ? end - begin : 0; }
    bool empty() const noexcept { return end <= begin; }
    bool contains(std::int64_t f) const noexcept { return f >= begin && f < end; }
    bool overlaps(const FrameRange& o) const noexcept { return begin < o.end && o.begin < end; }
    friend bool operator==(const FrameRange&, const FrameRange&) = default;
};

/// A half-open range of exact times [start, end).
struct TimeRange {
    Rational start;
    Rational end;

    Rational duration() const { return end - start; }
    bool overlaps(const TimeRange& o) const { return start < o.end && o.start < end; }
    /// The frames the range covers under the frame rule.
    FrameRange frames(const Rational& fps) const
    {
        return {time_to_frame(start, fps), time_to_frame(end, fps)};
    }
    friend bool operator==(const TimeRange&, const TimeRange&) = default;
};

}  // namespace reel
