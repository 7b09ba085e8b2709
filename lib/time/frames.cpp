// SPDX-License-Identifier: Apache-2.0
#include "time/frames.h"

namespace reel {

std::int64_t time_to_frame(const Rational& t, const Rational& fps)
{
    return (t * fps).round_half_down();
}

Rational frame_to_time(std::int64_t frame, const Rational& fps)
{
    return Rational(frame) / fps;
}

}  // namespace reel
