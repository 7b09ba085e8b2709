// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>

namespace reel {

/// A new folder `<parent>/<prefix>XXXXXX` (parent created if needed), removed with
/// everything in it on destruction (reel render --no-cache, reel bench's runs). Throws
/// Error(io) naming the parent. Owns the folder; not copyable; not thread-safe.
struct ScratchDir {
    std::filesystem::path path;
    ScratchDir(const std::filesystem::path& parent, const std::string& prefix);
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
};

}  // namespace reel
