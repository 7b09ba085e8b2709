// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include "util/publish.h"

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace reel {

/// What find() saw of a key.
enum class CacheLookup {
    missing,  ///< not published (or half-published by a process that died)
    found,    ///< published and verified
    corrupt,  ///< published, but its size or checksum does not match its sidecar
};

struct SegmentCacheStats {
    std::int64_t bytes = 0;          ///< published segment bytes after the last scan
    std::int64_t segments = 0;       ///< published segments after the last scan
    std::int64_t evicted = 0;        ///< segments this object evicted
    std::int64_t evicted_bytes = 0;  ///< their bytes
};

/// A content-addressed store of encoded segment files, shared safely by several reel
/// processes. Layout under its folder:
///   segments/<k0k1>/<key>.mp4   published files (complete: the sidecar is written last)
///   segments/<k0k1>/<key>.json  sidecar: size, SHA-256, frames; its mtime is the last use
///   tmp/                        files being rendered (never looked at by readers)
///   locks/<key>.lock            one render of a key at a time (flock)
///   lock                        held shared by every user, exclusively to evict
/// Publishing is atomic (fsync, rename, sidecar last). Reads verify size and checksum.
class SegmentCache {
public:
    /// Opens (creating) the cache folder and joins its users. Throws Error(io) naming the
    /// folder when it cannot be created or locked.
    SegmentCache(std::filesystem::path dir, std::uint64_t limit_bytes);
    ~SegmentCache();
    SegmentCache(const SegmentCache&) = delete;
    SegmentCache& operator=(const SegmentCache&) = delete;

    /// $XDG_CACHE_HOME/reel, else $HOME/.cache/reel.
    static std::filesystem::path default_dir();

    /// Whether `dir` holds `key` published with its recorded size, without creating,
    /// locking or touching anything (what `reel plan` reports).
    static bool holds(const std::filesystem::path& dir, const std::string& key);

    const std::filesystem::path& dir() const noexcept { return m_dir; }
    std::uint64_t limit() const noexcept { return m_limit; }
    /// Where a key's file is (whether or not it is published).
    std::filesystem::path file_for(const std::string& key) const;

    /// Looks a key up; `verify` checks the checksum (else only the size). A found key's
    /// last-use time is refreshed.
    CacheLookup find(const std::string& key, bool verify = true);
    /// Frames recorded in a published key's sidecar (0 when unknown).
    std::int64_t frames_of(const std::string& key) const;
    /// Removes a key's sidecar then its file. Call holding the key's lock.
    void discard(const std::string& key);

    /// A new temporary file (in tmp/) to render a key into; removed unless published.
    PendingFile pending(const std::string& key) const;
    /// Publishes a complete pending file as `key`: fsync, rename into segments/, then the
    /// sidecar (written in tmp/ and renamed across) and the folder synced. Call holding
    /// the key's lock. On an error the pending file is removed.
    void publish(const std::string& key, PendingFile& file, std::int64_t frames);

    /// An exclusive lock on one key, released on destruction.
    class KeyLock {
    public:
        explicit KeyLock(int fd) noexcept : m_fd(fd) {}
        KeyLock(KeyLock&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }
        KeyLock& operator=(KeyLock&&) = delete;
        ~KeyLock();

    private:
        int m_fd;
    };
    /// The key's lock if no other process holds it.
    std::optional<KeyLock> try_lock(const std::string& key);
    /// The key's lock, waiting for another process to release it.
    KeyLock lock(const std::string& key);

    /// Evicts least recently used segments (never those in `keep`) until the published
    /// bytes are within the limit, and clears tmp/ of leftovers of killed processes. Only
    /// done when no other process is using the cache; returns false when skipped.
    bool evict(const std::set<std::string>& keep = {});
    /// Rescans the published segments and returns the figures.
    SegmentCacheStats stats();

private:
    std::filesystem::path sidecar_for(const std::string& key) const;
    int open_lock_file(const std::string& key) const;

    std::filesystem::path m_dir;
    std::uint64_t m_limit;
    int m_lock_fd = -1;
    SegmentCacheStats m_stats;
};

/// SHA-256 of a file's contents as hex; throws Error(io) when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace reel
