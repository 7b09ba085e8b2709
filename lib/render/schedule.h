// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "plan/plan.h"

#include <cstddef>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace reel {

/// Which worker renders which segment. Each worker owns a contiguous run of segments
/// (runs of about equal frames) and takes them in timeline order, so its decoders run
/// forward; a worker whose run is done takes the later half of the largest run left (or
/// its last segment). Thread-safe (one mutex).
class SegmentSchedule {
public:
    SegmentSchedule(const std::vector<Segment>& segments, int workers);

    /// The next segment (an index into the list given) for worker `w`, or nothing when
    /// every segment is taken.
    std::optional<std::size_t> take(std::size_t w);

private:
    std::mutex m_mutex;
    std::vector<std::pair<std::size_t, std::size_t>> m_runs;  ///< [first, end) per worker
};

}  // namespace reel
