// SPDX-License-Identifier: Apache-2.0
#include "ff/ff.h"

#include "util/error.h"

#include <cerrno>
#include <filesystem>
#include <fstream>

namespace reel::ff {

std::string error_string(int errnum)
{
    char buf[AV_ERROR_MAX_STRING_SIZE] = {};
    if (av_strerror(errnum, buf, sizeof buf) < 0) return "error " + std::to_string(errnum);
    return buf;
}

int check(int ret, const char* operation, const std::string& file, int error_code)
{
    if (ret < 0)
        throw Error(static_cast<ErrorCode>(error_code), "ff",
                    std::string(operation) + " \"" + file + "\": " + error_string(ret))
            .with_file(file);
    return ret;
}

InputPtr open_input(const std::string& path)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw Error(ErrorCode::media, "media", "\"" + path + "\": file not found",
                    "check the path; relative paths are resolved against the project file's folder")
            .with_file(path);
    if (fs::is_directory(path, ec))
        throw Error(ErrorCode::media, "media", "\"" + path + "\" is a directory, not a media file")
            .with_file(path);
    {
        std::ifstream probe(path, std::ios::binary);
        if (!probe)
            throw Error(ErrorCode::media, "media", "\"" + path + "\": cannot be read (permission denied?)")
                .with_file(path);
    }
    if (fs::file_size(path, ec) == 0)
        throw Error(ErrorCode::media, "media", "\"" + path + "\" is empty (0 bytes)",
                    "the file may not have been written completely")
            .with_file(path);
    AVFormatContext* raw = nullptr;
    int ret = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
    if (ret < 0)
        throw Error(ErrorCode::media, "media",
                    "\"" + path + "\" is not a media file reel can read (" + error_string(ret) + ")",
                    "reel reads video, audio and still-image files that FFmpeg can demux")
            .with_file(path);
    InputPtr input(raw);
    ret = avformat_find_stream_info(input.get(), nullptr);
    if (ret < 0)
        throw Error(ErrorCode::media, "media",
                    "\"" + path + "\": cannot read stream information (" + error_string(ret) + ")",
                    "the file may be truncated or corrupt")
            .with_file(path);
    return input;
}

FramePtr make_frame()
{
    FramePtr f(av_frame_alloc());
    if (!f) throw std::bad_alloc();
    return f;
}

PacketPtr make_packet()
{
    PacketPtr p(av_packet_alloc());
    if (!p) throw std::bad_alloc();
    return p;
}

std::optional<Rational> to_rational(AVRational q)
{
    if (q.den == 0 || (q.num == 0 && q.den == 0)) return std::nullopt;
    return Rational(q.num, q.den);
}

void set_log_level(int level)
{
    av_log_set_level(level);
}

}  // namespace reel::ff
