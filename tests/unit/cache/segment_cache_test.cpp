// SPDX-License-Identifier: Apache-2.0
// The segment cache: publishing is all-or-nothing, reuse is verified, keys are locked
// against other holders, eviction is LRU and never while another user is active.
#include "cache/segment_cache.h"
#include "util/error.h"
#include "util/hash.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace reel {
namespace {

namespace fs = std::filesystem;

class SegmentCacheTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_dir = fs::temp_directory_path() / ("reel-cache-test-" + std::to_string(::getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(m_dir);
    }
    void TearDown() override { fs::remove_all(m_dir); }

    static std::string key(int n) { return sha256_hex("segment " + std::to_string(n)); }

    /// Writes `bytes` bytes into a temporary file of the cache and publishes it.
    void put(SegmentCache& cache, const std::string& k, std::size_t bytes, char fill = 'x')
    {
        PendingFile file = cache.pending(k);
        fs::path temp = file.path();
        std::ofstream(temp, std::ios::binary) << std::string(bytes, fill);
        cache.publish(k, file, 25);
        EXPECT_FALSE(fs::exists(temp));
    }

    fs::path m_dir;
};

TEST_F(SegmentCacheTest, PublishedSegmentIsFoundWithItsSidecar)
{
    SegmentCache cache(m_dir, 1 << 30);
    EXPECT_EQ(cache.find(key(1)), CacheLookup::missing);
    EXPECT_FALSE(SegmentCache::holds(m_dir, key(1)));
    put(cache, key(1), 1000);
    EXPECT_EQ(cache.find(key(1)), CacheLookup::found);
    EXPECT_TRUE(SegmentCache::holds(m_dir, key(1)));
    EXPECT_EQ(cache.frames_of(key(1)), 25);
    fs::path file = cache.file_for(key(1));
    EXPECT_EQ(file.parent_path().filename(), key(1).substr(0, 2));
    EXPECT_EQ(fs::file_size(file), 1000u);
    EXPECT_TRUE(fs::exists(fs::path(file).replace_extension(".json")));
    SegmentCacheStats s = cache.stats();
    EXPECT_EQ(s.segments, 1);
    EXPECT_EQ(s.bytes, 1000);
}

TEST_F(SegmentCacheTest, FileWithoutSidecarIsNotPublished)
{
    SegmentCache cache(m_dir, 1 << 30);
    fs::create_directories(cache.file_for(key(2)).parent_path());
    std::ofstream(cache.file_for(key(2))) << "half written by a process that died";
    EXPECT_EQ(cache.find(key(2)), CacheLookup::missing);
    EXPECT_FALSE(SegmentCache::holds(m_dir, key(2)));
}

TEST_F(SegmentCacheTest, ChangedBytesOfTheSameSizeAreCaughtByTheChecksum)
{
    SegmentCache cache(m_dir, 1 << 30);
    put(cache, key(3), 4096);
    {
        std::fstream f(cache.file_for(key(3)), std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(2000);
        f.put('y');
    }
    EXPECT_EQ(cache.find(key(3), false), CacheLookup::found);  // the size alone still matches
    EXPECT_EQ(cache.find(key(3)), CacheLookup::corrupt);
    cache.discard(key(3));
    EXPECT_EQ(cache.find(key(3)), CacheLookup::missing);
}

TEST_F(SegmentCacheTest, TruncatedFileIsCorrupt)
{
    SegmentCache cache(m_dir, 1 << 30);
    put(cache, key(4), 4096);
    fs::resize_file(cache.file_for(key(4)), 100);
    EXPECT_EQ(cache.find(key(4), false), CacheLookup::corrupt);
    EXPECT_FALSE(SegmentCache::holds(m_dir, key(4)));
}

TEST_F(SegmentCacheTest, KeyLockExcludesOtherHolders)
{
    SegmentCache cache(m_dir, 1 << 30);
    auto first = cache.try_lock(key(5));
    ASSERT_TRUE(first.has_value());
    EXPECT_FALSE(cache.try_lock(key(5)).has_value());  // another open file description
    EXPECT_TRUE(cache.try_lock(key(6)).has_value());   // other keys are free
    // Another process cannot take it either.
    pid_t child = ::fork();
    if (child == 0) {
        SegmentCache other(m_dir, 1 << 30);
        ::_exit(other.try_lock(key(5)).has_value() ? 1 : 0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    first.reset();
    EXPECT_TRUE(cache.try_lock(key(5)).has_value());
}

TEST_F(SegmentCacheTest, EvictsLeastRecentlyUsedDownToTheLimit)
{
    SegmentCache cache(m_dir, 2500);
    for (int i = 0; i < 4; ++i) {
        put(cache, key(10 + i), 1000);
        // Sidecar times order the uses; make them distinct on coarse clocks.
        fs::last_write_time(fs::path(cache.file_for(key(10 + i))).replace_extension(".json"),
                            fs::file_time_type::clock::now() - std::chrono::hours(10 - i));
    }
    EXPECT_EQ(cache.find(key(10)), CacheLookup::found);  // used now: the most recent
    std::ofstream(cache.dir() / "tmp" / "leftover.mp4") << "from a killed render";
    EXPECT_TRUE(cache.evict());
    EXPECT_EQ(cache.find(key(10)), CacheLookup::found);
    EXPECT_EQ(cache.find(key(11)), CacheLookup::missing);
    EXPECT_EQ(cache.find(key(12)), CacheLookup::missing);
    EXPECT_EQ(cache.find(key(13)), CacheLookup::found);
    EXPECT_EQ(cache.stats().bytes, 2000);
    EXPECT_EQ(cache.stats().evicted, 2);
    EXPECT_FALSE(fs::exists(cache.dir() / "tmp" / "leftover.mp4"));
}

TEST_F(SegmentCacheTest, KeptKeysAreNotEvicted)
{
    SegmentCache cache(m_dir, 500);
    put(cache, key(20), 1000);
    EXPECT_TRUE(cache.evict({key(20)}));
    EXPECT_EQ(cache.find(key(20)), CacheLookup::found);
}

TEST_F(SegmentCacheTest, NoEvictionWhileAnotherProcessUsesTheCache)
{
    SegmentCache cache(m_dir, 10);
    put(cache, key(30), 1000);
    int ready[2], done[2];
    ASSERT_EQ(::pipe(ready), 0);
    ASSERT_EQ(::pipe(done), 0);
    pid_t child = ::fork();
    if (child == 0) {
        SegmentCache other(m_dir, 10);  // holds the cache shared until it exits
        char c = 1;
        (void)!::write(ready[1], &c, 1);
        (void)!::read(done[0], &c, 1);
        ::_exit(0);
    }
    char c = 0;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    EXPECT_FALSE(cache.evict());
    EXPECT_EQ(cache.find(key(30)), CacheLookup::found);
    (void)!::write(done[1], &c, 1);
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(cache.evict());
    EXPECT_EQ(cache.find(key(30)), CacheLookup::missing);
    for (int fd : {ready[0], ready[1], done[0], done[1]}) ::close(fd);
}

TEST_F(SegmentCacheTest, FolderThatCannotBeMadeIsAnIoErrorNamingIt)
{
    fs::create_directories(m_dir);
    std::ofstream(m_dir / "a-file") << "not a folder";
    try {
        SegmentCache cache(m_dir / "a-file" / "cache", 1 << 20);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::io);
        EXPECT_NE(std::string(e.what()).find("a-file"), std::string::npos) << e.what();
    }
}

TEST_F(SegmentCacheTest, RejectsKeysThatAreNotHex)
{
    SegmentCache cache(m_dir, 1 << 20);
    EXPECT_THROW(cache.file_for("../../etc/passwd-aaaaaaaaaaaaaaaaaaaa"), std::exception);
}

}  // namespace
}  // namespace reel
