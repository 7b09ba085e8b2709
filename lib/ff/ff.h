// SPDX-License-Identifier: Apache-2.0
#pragma once

// The one place libav* types appear in public headers: RAII handles and checked calls.

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
}

#include "time/rational.h"

#include <memory>
#include <optional>
#include <string>

namespace reel::ff {

struct InputDeleter {
    void operator()(AVFormatContext* ctx) const noexcept { avformat_close_input(&ctx); }
};
struct CodecContextDeleter {
    void operator()(AVCodecContext* ctx) const noexcept { avcodec_free_context(&ctx); }
};
struct FrameDeleter {
    void operator()(AVFrame* f) const noexcept { av_frame_free(&f); }
};
struct PacketDeleter {
    void operator()(AVPacket* p) const noexcept { av_packet_free(&p); }
};

using InputPtr = std::unique_ptr<AVFormatContext, InputDeleter>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;

/// av_strerror as a std::string.
std::string error_string(int errnum);

/// Throws Error(code) "<operation> \"file\": <av error>" when ret < 0; returns ret.
int check(int ret, const char* operation, const std::string& file, int error_code);

/// Opens a file for demuxing and reads its stream info. Throws Error(media) naming the
/// file (missing, not a media file, unreadable).
InputPtr open_input(const std::string& path);

FramePtr make_frame();
PacketPtr make_packet();

/// Exact conversion of an AVRational; nothing for 0/0 or a zero denominator.
std::optional<Rational> to_rational(AVRational q);

/// Silences libav's own logging below `level` (reel reports errors itself).
void set_log_level(int level);

}  // namespace reel::ff
