// SPDX-License-Identifier: Apache-2.0
// The segment cache's sidecar reader: the input is the sidecar of one published key
// (whose segment file is a fixed 1 KiB), looked up with and without checksum
// verification, its frame count read, and the cache scanned and evicted (which reads
// every sidecar). A damaged sidecar must read as corrupt or missing, never crash.
#include "cache/segment_cache.h"
#include "util/error.h"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const fs::path dir = fs::temp_directory_path() / ("reel-fuzz-cache-" + std::to_string(::getpid()));
    static const std::string key = "0123456789abcdef0123456789abcdef";
    try {
        reel::SegmentCache cache(dir, 1 << 20);
        fs::create_directories(cache.file_for(key).parent_path());
        std::ofstream(cache.file_for(key), std::ios::binary) << std::string(1024, 'x');
        std::ofstream(cache.file_for(key).replace_extension(".json"), std::ios::binary)
            .write(reinterpret_cast<const char*>(data), std::streamsize(size));
        (void)cache.find(key, false);
        (void)cache.find(key, true);
        (void)cache.frames_of(key);
        (void)reel::SegmentCache::holds(dir, key);
        (void)cache.stats();
        cache.evict();
    } catch (const reel::Error& e) {
        (void)e.describe();
    }
    return 0;
}
