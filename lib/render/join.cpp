// SPDX-License-Identifier: Apache-2.0
#include "render/join.h"

#include "encode/composite.h"
#include "util/error.h"

namespace reel {
namespace {

/// What is wrong with a published segment, or empty.
std::string fault_of(const Segment& segment, SegmentCache& cache)
{
    switch (cache.find(segment.key, true)) {
        case CacheLookup::missing: return "missing";
        case CacheLookup::corrupt: return "its size or checksum does not match its sidecar";
        case CacheLookup::found: break;
    }
    std::int64_t expected = segment.frames.size();
    if (std::int64_t recorded = cache.frames_of(segment.key); recorded != expected)
        return "its sidecar records " + std::to_string(recorded) + " frames, expected " +
               std::to_string(expected);
    try {
        EncodedFileCheck check = check_encoded_file(cache.file_for(segment.key).string());
        if (check.frames != expected)
            return "it holds " + std::to_string(check.frames) + " frames, expected " +
                   std::to_string(expected);
        if (!check.starts_with_idr) return "its first frame is not an IDR picture";
    } catch (const Error& e) {
        return "it cannot be read: " + e.message();
    }
    return {};
}

}  // namespace

std::vector<SegmentFault> verify_segments(const std::vector<Segment>& segments, SegmentCache& cache)
{
    std::vector<SegmentFault> faults;
    for (const auto& s : segments) {
        std::string problem = fault_of(s, cache);
        if (problem.empty()) continue;
        if (problem != "missing") {
            // Another process may be publishing it again right now: then leave it be.
            if (auto lock = cache.try_lock(s.key)) {
                if (!fault_of(s, cache).empty()) {
                    cache.discard(s.key);
                    problem += " (removed from the cache)";
                } else {
                    continue;
                }
            }
        }
        faults.push_back({s.index, s.key, problem});
    }
    return faults;
}

}  // namespace reel
