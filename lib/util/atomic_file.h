// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace reel {

/// How an existing destination is treated.
enum class Overwrite { refuse, replace };

/// Writes a whole file so that readers see either the old file or the complete new one:
/// data goes to a temporary name beside the destination, is flushed and fsync'ed, then
/// renamed over it. On any failure the temporary file is removed and Error(io) is thrown;
/// with Overwrite::refuse an existing destination is an Error(usage) naming the `-y` flag.
/// The temporary file is made in `temp_dir` when given (same file system). Devices and
/// pipes are written in place. (PendingFile in util/publish.h is the protocol.)
void write_file_atomic(const std::filesystem::path& dest, std::string_view data, Overwrite mode,
                       const std::filesystem::path& temp_dir = {});

/// Reads a whole file; Error(io) naming the file if it cannot.
std::string read_file(const std::filesystem::path& path);

}  // namespace reel
