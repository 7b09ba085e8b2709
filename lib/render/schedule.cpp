// SPDX-License-Identifier: Apache-2.0
#include "render/schedule.h"

namespace reel {

SegmentSchedule::SegmentSchedule(const std::vector<Segment>& segments, int workers)
    : m_runs(std::size_t(std::max(workers, 1)))
{
    std::int64_t total = 0;
    for (const auto& s : segments) total += s.frames.size();
    std::size_t at = 0;
    std::int64_t seen = 0;
    auto n = std::int64_t(m_runs.size());
    for (std::size_t w = 0; w < m_runs.size(); ++w) {
        std::size_t begin = at;
        std::int64_t goal = total * std::int64_t(w + 1) / n;
        while (at < segments.size() && (seen < goal || w + 1 == m_runs.size()))
            seen += segments[at++].frames.size();
        m_runs[w] = {begin, at};
    }
}

std::optional<std::size_t> SegmentSchedule::take(std::size_t w)
{
    std::lock_guard lock(m_mutex);
    auto& mine = m_runs[w];
    if (mine.first < mine.second) return mine.first++;
    std::size_t best = w, left = 0;
    for (std::size_t o = 0; o < m_runs.size(); ++o)
        if (m_runs[o].second - m_runs[o].first > left) {
            best = o;
            left = m_runs[o].second - m_runs[o].first;
        }
    if (left == 0) return std::nullopt;
    auto& theirs = m_runs[best];
    std::size_t mid = left == 1 ? theirs.first : theirs.first + (left + 1) / 2;
    mine = {mid + 1, theirs.second};
    theirs.second = mid;
    return mid;
}

}  // namespace reel
