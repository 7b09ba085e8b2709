// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "image/image.h"

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace reel {

struct FrameCacheStats {
    std::int64_t hits = 0, misses = 0, evictions = 0;
    std::size_t bytes = 0, peak_bytes = 0;
};

/// An LRU cache of pictures under a byte budget. Entries are shared: an evicted picture
/// still in use elsewhere lives until its last user lets go. Thread-safe (one mutex).
class FrameCache {
public:
    explicit FrameCache(std::size_t budget_bytes) : m_budget(budget_bytes) {}

    /// The picture under `key`, or null (a miss is a return value, not an error).
    std::shared_ptr<const Image> find(const std::string& key);
    /// Stores a picture, evicting least recently used ones to stay within the budget. A
    /// picture larger than the whole budget is not stored.
    void insert(const std::string& key, std::shared_ptr<const Image> picture);

    FrameCacheStats stats() const;
    std::size_t budget() const noexcept { return m_budget; }

private:
    using Entry = std::pair<std::string, std::shared_ptr<const Image>>;
    std::size_t m_budget;
    mutable std::mutex m_mutex;
    std::list<Entry> m_lru;  ///< most recent first
    std::unordered_map<std::string, std::list<Entry>::iterator> m_index;
    FrameCacheStats m_stats;
};

}  // namespace reel
