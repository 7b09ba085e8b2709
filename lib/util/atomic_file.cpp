// SPDX-License-Identifier: Apache-2.0
#include "util/atomic_file.h"

#include "util/error.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace reel {
namespace {

Error io_error(const std::filesystem::path& path, const std::string& what, int err)
{
    return Error(ErrorCode::io, "io", "\"" + path.string() + "\": " + what + ": " + std::strerror(err))
        .with_file(path.string());
}

}  // namespace

void write_file_atomic(const std::filesystem::path& dest, std::string_view data, Overwrite mode)
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
    std::filesystem::path dir = dest.parent_path().empty() ? "." : dest.parent_path();
    std::string templ = (dir / ("." + dest.filename().string() + ".reel-XXXXXX")).string();
    int fd = ::mkstemp(templ.data());
    if (fd < 0) throw io_error(dest, "cannot create a temporary file", errno);
    auto fail = [&](const char* what) {
        int err = errno;
        ::close(fd);
        ::unlink(templ.c_str());
        throw io_error(dest, what, err);
    };
    const char* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("cannot write");
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    mode_t mask = ::umask(0);
    ::umask(mask);
    if (::fchmod(fd, 0666 & ~mask) != 0) fail("cannot set permissions");
    if (::fsync(fd) != 0) fail("cannot flush to disk");
    if (::close(fd) != 0) {
        int err = errno;
        ::unlink(templ.c_str());
        throw io_error(dest, "cannot close", err);
    }
    if (::rename(templ.c_str(), dest.c_str()) != 0) {
        int err = errno;
        ::unlink(templ.c_str());
        throw io_error(dest, "cannot rename into place", err);
    }
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
