// SPDX-License-Identifier: Apache-2.0
#include "util/atomic_file.h"

#include "util/error.h"
#include "util/publish.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

namespace reel {
namespace {

Error io_error(const std::filesystem::path& path, const std::string& what, int err)
{
    return Error(ErrorCode::io, "io", "\"" + path.string() + "\": " + what + ": " + std::strerror(err))
        .with_file(path.string());
}

}  // namespace

void write_file_atomic(const std::filesystem::path& dest, std::string_view data, Overwrite mode,
                       const std::filesystem::path& temp_dir)
{
    std::error_code ec;
    if (mode == Overwrite::refuse && std::filesystem::is_regular_file(dest, ec))
        throw Error(ErrorCode::usage, "io", "\"" + dest.string() + "\" already exists",
                    "pass -y to overwrite it");
    // Devices and pipes (/dev/null, /dev/stdout, a FIFO) are written in place: renaming a
    // regular file over them would replace the device.
    if (std::filesystem::exists(dest, ec) && !std::filesystem::is_regular_file(dest, ec)) {
        if (std::filesystem::is_directory(dest, ec))
            throw Error(ErrorCode::io, "io", "\"" + dest.string() + "\" is a directory")
                .with_file(dest.string());
        int out = ::open(dest.c_str(), O_WRONLY | O_CLOEXEC);
        if (out < 0) throw io_error(dest, "cannot open", errno);
        const char* q = data.data();
        std::size_t rest = data.size();
        while (rest > 0) {
            ssize_t n = ::write(out, q, rest);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                int err = errno;
                ::close(out);
                throw io_error(dest, "cannot write", err);
            }
            q += n;
            rest -= static_cast<std::size_t>(n);
        }
        if (::close(out) != 0) throw io_error(dest, "cannot close", errno);
        return;
    }
    PendingFile file(dest, temp_dir);
    int fd = ::open(file.path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) throw io_error(dest, "cannot write", errno);
    const char* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            throw io_error(dest, "cannot write", err);
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) throw io_error(dest, "cannot close", errno);
    file.publish(mode);
}

PendingFile::PendingFile(std::filesystem::path dest, const std::filesystem::path& temp_dir)
    : m_dest(std::move(dest))
{
    std::filesystem::path dir = !temp_dir.empty()              ? temp_dir
                                : m_dest.parent_path().empty() ? "."
                                                               : m_dest.parent_path();
    std::string templ = (dir / ("." + m_dest.filename().string() + ".reel-XXXXXX")).string();
    int fd = ::mkstemp(templ.data());
    if (fd < 0)
        throw Error(ErrorCode::io, "io",
                    "cannot create \"" + m_dest.string() + "\" (a temporary file in \"" + dir.string() +
                        "\"): " + std::strerror(errno),
                    "check that the folder exists and is writable")
            .with_file(m_dest.string());
    ::close(fd);
    m_temp = templ;
}

PendingFile::PendingFile(PendingFile&& other) noexcept
    : m_dest(std::move(other.m_dest)), m_temp(std::exchange(other.m_temp, {}))
{
}

PendingFile::~PendingFile()
{
    discard();
}

void PendingFile::discard() noexcept
{
    if (m_temp.empty()) return;
    ::unlink(m_temp.c_str());
    m_temp.clear();
}

void PendingFile::publish(Overwrite mode, bool durable)
{
    auto fail = [&](const char* what, int err) {
        discard();
        throw io_error(m_dest, what, err);
    };
    mode_t mask = ::umask(0);
    ::umask(mask);
    if (::chmod(m_temp.c_str(), 0666 & ~mask) != 0) fail("cannot set permissions", errno);
    if (durable) {
        int fd = ::open(m_temp.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::fsync(fd) != 0) {
            int err = errno;
            if (fd >= 0) ::close(fd);
            fail("cannot flush to disk", err);
        }
        ::close(fd);
    }
    std::error_code ec;
    if (mode == Overwrite::refuse && std::filesystem::exists(m_dest, ec)) {
        discard();
        throw Error(ErrorCode::usage, "io", "\"" + m_dest.string() + "\" already exists",
                    "pass -y to overwrite it")
            .with_file(m_dest.string());
    }
    if (::rename(m_temp.c_str(), m_dest.c_str()) != 0) fail("cannot rename into place", errno);
    m_temp.clear();
    if (durable) sync_folder(m_dest.parent_path().empty() ? "." : m_dest.parent_path());
}

void sync_folder(const std::filesystem::path& dir) noexcept
{
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

std::string read_file(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw io_error(path, "cannot open", errno);
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw io_error(path, "cannot read", errno);
    return text.str();
}

}  // namespace reel
