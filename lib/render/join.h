// SPDX-License-Identifier: Apache-2.0
#pragma once

// The farm's join: before `reel render --join` composites segments other machines
// rendered, every one is verified in the shared cache; nothing is rendered here.

#include "cache/segment_cache.h"
#include "plan/plan.h"

#include <string>
#include <vector>

namespace reel {

/// A segment the join cannot use.
struct SegmentFault {
    int index = 0;  ///< in the plan
    std::string key;
    std::string problem;  ///< "missing", "checksum does not match", "12 frames, expected 25", ...
};

/// Verifies each of `segments` (keys set) in the cache: published, size and SHA-256 as
/// the sidecar records, the sidecar's and the file's frame counts equal the segment's,
/// and its first frame an IDR. A segment published but failing is discarded (under its
/// key's lock), so that rerunning its task renders it again. Returns the faults, in plan
/// order; empty when the join can go ahead. Reads every file whole: about the time a
/// stream copy of them takes.
std::vector<SegmentFault> verify_segments(const std::vector<Segment>& segments, SegmentCache& cache);

}  // namespace reel
