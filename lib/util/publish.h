// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "util/atomic_file.h"

#include <filesystem>

namespace reel {

/// A file written under a temporary name and published by renaming it over its
/// destination, so a reader sees the old file or the complete new one, never a part: the
/// one publish protocol of every writer (the muxer, the segment cache, atomic writes).
/// Destroyed unpublished (an error, a cancel), it removes the temporary file. Move-only;
/// not thread-safe.
class PendingFile {
public:
    /// Creates an empty temporary file for `dest` in `temp_dir` (default: beside `dest`,
    /// which keeps the rename atomic; a temp_dir must be on the same file system).
    /// Error(io) naming the folder when it cannot.
    explicit PendingFile(std::filesystem::path dest, const std::filesystem::path& temp_dir = {});
    ~PendingFile();
    PendingFile(PendingFile&& other) noexcept;
    PendingFile& operator=(PendingFile&&) = delete;
    PendingFile(const PendingFile&) = delete;

    /// Where to write.
    const std::filesystem::path& path() const noexcept { return m_temp; }
    const std::filesystem::path& dest() const noexcept { return m_dest; }

    /// Gives the file the permissions the umask allows, fsyncs it (durable), renames it
    /// to dest() and fsyncs the folder (durable). Overwrite::refuse: Error(usage) naming
    /// `-y` if dest() exists by now. Error(io) otherwise; the temporary file is then gone.
    void publish(Overwrite mode, bool durable = true);
    /// Removes the temporary file now (nothing happens if it was published).
    void discard() noexcept;

private:
    std::filesystem::path m_dest, m_temp;
};

/// fsyncs a folder (after a rename into it); errors are ignored (not every file system
/// can).
void sync_folder(const std::filesystem::path& dir) noexcept;

}  // namespace reel
