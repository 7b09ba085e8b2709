// SPDX-License-Identifier: Apache-2.0
#include "cache/segment_cache.h"

#include "util/atomic_file.h"
#include "util/error.h"
#include "util/hash.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>

namespace reel {
namespace fs = std::filesystem;
namespace {

Error io_error(const std::string& what, const fs::path& path, int err)
{
    return Error(ErrorCode::io, "cache", what + " \"" + path.string() + "\": " + std::strerror(err),
                 "check that the cache folder (--cache-dir) is writable and has space")
        .with_file(path.string());
}

void check_key(const std::string& key)
{
    bool ok = key.size() >= 16 && key.size() <= 128 && std::all_of(key.begin(), key.end(), [](char c) {
                  return std::isxdigit(static_cast<unsigned char>(c));
              });
    if (!ok) throw Error(ErrorCode::internal, "cache", "not a cache key: \"" + key + "\"");
}

int flock_retry(int fd, int op)
{
    int ret;
    do ret = ::flock(fd, op);
    while (ret != 0 && errno == EINTR);
    return ret;
}

}  // namespace

std::string sha256_file(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw io_error("cannot read", path, errno ? errno : EIO);
    Sha256 h;
    std::vector<char> buffer(1 << 20);
    while (in) {
        in.read(buffer.data(), std::streamsize(buffer.size()));
        h.update(buffer.data(), std::size_t(in.gcount()));
    }
    if (in.bad()) throw io_error("cannot read", path, EIO);
    return h.hex();
}

fs::path SegmentCache::default_dir()
{
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "reel";
    if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "reel";
    return fs::temp_directory_path() / "reel-cache";
}

bool SegmentCache::holds(const fs::path& dir, const std::string& key)
{
    check_key(key);
    fs::path folder = dir / "segments" / key.substr(0, 2);
    try {
        auto meta = nlohmann::json::parse(read_file(folder / (key + ".json")));
        std::error_code ec;
        auto size = fs::file_size(folder / (key + ".mp4"), ec);
        return !ec && meta.value("size", std::int64_t(-1)) == std::int64_t(size);
    } catch (const std::exception&) {
        return false;
    }
}

SegmentCache::SegmentCache(fs::path dir, std::uint64_t limit_bytes)
    : m_dir(std::move(dir)), m_limit(limit_bytes)
{
    std::error_code ec;
    for (const char* sub : {"segments", "tmp", "locks"}) {
        fs::create_directories(m_dir / sub, ec);
        if (ec) throw io_error("cannot create the cache folder", m_dir / sub, ec.value());
    }
    fs::path lock = m_dir / "lock";
    m_lock_fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (m_lock_fd < 0) throw io_error("cannot open", lock, errno);
    if (flock_retry(m_lock_fd, LOCK_SH) != 0) {
        int err = errno;
        ::close(m_lock_fd);
        throw io_error("cannot lock", lock, err);
    }
}

SegmentCache::~SegmentCache()
{
    if (m_lock_fd >= 0) ::close(m_lock_fd);
}

fs::path SegmentCache::file_for(const std::string& key) const
{
    check_key(key);
    return m_dir / "segments" / key.substr(0, 2) / (key + ".mp4");
}

fs::path SegmentCache::sidecar_for(const std::string& key) const
{
    check_key(key);
    return m_dir / "segments" / key.substr(0, 2) / (key + ".json");
}

CacheLookup SegmentCache::find(const std::string& key, bool verify)
{
    fs::path side = sidecar_for(key);
    std::error_code ec;
    if (!fs::exists(side, ec)) return CacheLookup::missing;
    nlohmann::json meta;
    try {
        meta = nlohmann::json::parse(read_file(side));
    } catch (const std::exception&) {
        return CacheLookup::corrupt;
    }
    fs::path file = file_for(key);
    auto size = fs::file_size(file, ec);
    if (ec) return CacheLookup::corrupt;
    if (!meta.contains("size") || meta["size"] != std::int64_t(size)) return CacheLookup::corrupt;
    if (verify && (!meta.contains("sha256") || meta["sha256"] != sha256_file(file)))
        return CacheLookup::corrupt;
    fs::last_write_time(side, fs::file_time_type::clock::now(), ec);  // last use, for LRU
    return CacheLookup::found;
}

std::int64_t SegmentCache::frames_of(const std::string& key) const
{
    try {
        auto meta = nlohmann::json::parse(read_file(sidecar_for(key)));
        return meta.value("frames", std::int64_t(0));
    } catch (const std::exception&) {
        return 0;
    }
}

void SegmentCache::discard(const std::string& key)
{
    std::error_code ec;
    fs::remove(sidecar_for(key), ec);
    fs::remove(file_for(key), ec);
}

PendingFile SegmentCache::pending(const std::string& key) const
{
    check_key(key);
    return PendingFile(file_for(key), m_dir / "tmp");
}

void SegmentCache::publish(const std::string& key, PendingFile& pending, std::int64_t frames)
{
    fs::path file = file_for(key);
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    if (ec) throw io_error("cannot create the cache folder", file.parent_path(), ec.value());
    auto size = fs::file_size(pending.path(), ec);
    if (ec) throw io_error("cannot read", pending.path(), ec.value());
    nlohmann::json meta = {{"key", key},
                           {"size", std::int64_t(size)},
                           {"sha256", sha256_file(pending.path())},
                           {"frames", frames}};
    // A stale sidecar must never describe the new file while it is being replaced.
    fs::remove(sidecar_for(key), ec);
    pending.publish(Overwrite::replace);
    // The sidecar is written in tmp/ and renamed across, so nothing but complete files is
    // ever seen under segments/ (a process killed here leaves its temporary in tmp/).
    write_file_atomic(sidecar_for(key), meta.dump() + "\n", Overwrite::replace, m_dir / "tmp");
    sync_folder(file.parent_path());
}

SegmentCache::KeyLock::~KeyLock()
{
    if (m_fd >= 0) ::close(m_fd);
}

int SegmentCache::open_lock_file(const std::string& key) const
{
    check_key(key);
    fs::path path = m_dir / "locks" / (key + ".lock");
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) throw io_error("cannot open", path, errno);
    return fd;
}

std::optional<SegmentCache::KeyLock> SegmentCache::try_lock(const std::string& key)
{
    int fd = open_lock_file(key);
    if (flock_retry(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        return std::nullopt;
    }
    return KeyLock(fd);
}

SegmentCache::KeyLock SegmentCache::lock(const std::string& key)
{
    int fd = open_lock_file(key);
    if (flock_retry(fd, LOCK_EX) != 0) {
        int err = errno;
        ::close(fd);
        throw io_error("cannot lock", m_dir / "locks" / (key + ".lock"), err);
    }
    return KeyLock(fd);
}

SegmentCacheStats SegmentCache::stats()
{
    m_stats.bytes = 0;
    m_stats.segments = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(m_dir / "segments", ec); !ec && it != fs::end(it);
         it.increment(ec)) {
        if (it->path().extension() != ".mp4") continue;
        std::error_code sec;
        auto size = it->file_size(sec);
        if (sec) continue;
        m_stats.bytes += std::int64_t(size);
        ++m_stats.segments;
    }
    return m_stats;
}

bool SegmentCache::evict(const std::set<std::string>& keep)
{
    // Exclusive only when nobody else uses the cache; the shared lock is taken back after.
    bool exclusive = flock_retry(m_lock_fd, LOCK_EX | LOCK_NB) == 0;
    struct Relock {
        int fd;
        ~Relock() { flock_retry(fd, LOCK_SH); }
    } relock{m_lock_fd};
    if (!exclusive) return false;
    std::error_code ec;
    for (auto it = fs::directory_iterator(m_dir / "tmp", ec); !ec && it != fs::end(it); it.increment(ec)) {
        std::error_code rec;
        fs::remove(it->path(), rec);
    }
    struct Entry {
        fs::file_time_type used;
        std::string key;
        std::int64_t bytes;
    };
    std::vector<Entry> entries;
    std::int64_t total = 0;
    for (auto it = fs::recursive_directory_iterator(m_dir / "segments", ec); !ec && it != fs::end(it);
         it.increment(ec)) {
        const fs::path& p = it->path();
        if (p.extension() != ".mp4") continue;
        std::error_code sec;
        std::int64_t size = std::int64_t(it->file_size(sec));
        if (sec) continue;
        total += size;
        std::string key = p.stem().string();
        auto used = fs::last_write_time(p.parent_path() / (key + ".json"), sec);
        if (sec) used = fs::file_time_type::min();  // no sidecar: unpublished, evicted first
        entries.push_back({used, key, size});
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.used < b.used; });
    for (const auto& e : entries) {
        if (total <= std::int64_t(m_limit)) break;
        if (keep.count(e.key)) continue;
        discard(e.key);
        std::error_code lec;
        fs::remove(m_dir / "locks" / (e.key + ".lock"), lec);
        total -= e.bytes;
        ++m_stats.evicted;
        m_stats.evicted_bytes += e.bytes;
    }
    return true;
}

}  // namespace reel
