// SPDX-License-Identifier: Apache-2.0
#include "cache/frame_cache.h"

namespace reel {

std::shared_ptr<const Image> FrameCache::find(const std::string& key)
{
    std::lock_guard lock(m_mutex);
    auto it = m_index.find(key);
    if (it == m_index.end()) {
        ++m_stats.misses;
        return nullptr;
    }
    ++m_stats.hits;
    m_lru.splice(m_lru.begin(), m_lru, it->second);
    return it->second->second;
}

void FrameCache::insert(const std::string& key, std::shared_ptr<const Image> picture)
{
    if (!picture) return;
    std::lock_guard lock(m_mutex);
    std::size_t size = picture->bytes();
    if (size > m_budget) return;
    if (auto it = m_index.find(key); it != m_index.end()) {
        m_stats.bytes -= it->second->second->bytes();
        m_lru.erase(it->second);
        m_index.erase(it);
    }
    while (!m_lru.empty() && m_stats.bytes + size > m_budget) {
        m_stats.bytes -= m_lru.back().second->bytes();
        m_index.erase(m_lru.back().first);
        m_lru.pop_back();
        ++m_stats.evictions;
    }
    m_lru.emplace_front(key, std::move(picture));
    m_index[key] = m_lru.begin();
    m_stats.bytes += size;
    m_stats.peak_bytes = std::max(m_stats.peak_bytes, m_stats.bytes);
}

FrameCacheStats FrameCache::stats() const
{
    std::lock_guard lock(m_mutex);
    return m_stats;
}

}  // namespace reel
