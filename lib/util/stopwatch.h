// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>

namespace reel {

/// Wall-clock stopwatch on the steady clock, started when made. Not thread-safe.
class Stopwatch {
public:
    using Clock = std::chrono::steady_clock;

    Stopwatch() : m_start(Clock::now()) {}
    /// Seconds since the stopwatch was made (or last restarted).
    double seconds() const { return std::chrono::duration<double>(Clock::now() - m_start).count(); }
    /// Seconds from the start to `t` (e.g. a time point recorded by other code).
    double seconds_until(Clock::time_point t) const
    {
        return std::chrono::duration<double>(t - m_start).count();
    }
    void restart() { m_start = Clock::now(); }

private:
    Clock::time_point m_start;
};

}  // namespace reel
