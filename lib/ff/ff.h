// SPDX-License-Identifier: Apache-2.0
#pragma once

// FFmpeg for reel's .cpp files: libav's headers, checked calls, conversions and the one
// timestamp rescaler. Other modules' headers include ff/handles.h or ff/packet.h instead.

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
}

#include "ff/handles.h"
#include "ff/packet.h"
#include "time/rational.h"
#include "util/error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace reel::ff {

/// av_strerror as a std::string.
std::string error_string(int errnum);

/// Throws Error(code) "<operation> \"file\": <av error>" when ret < 0; returns ret.
int check(int ret, const char* operation, const std::string& file, ErrorCode code);

/// Opens a file for demuxing and reads its stream info. Throws Error(media) naming the
/// file (missing, not a media file, unreadable).
InputPtr open_input(const std::string& path);

FramePtr make_frame();
PacketPtr make_packet();

/// Exact conversion of an AVRational; nothing for 0/0 or a zero denominator.
std::optional<Rational> to_rational(AVRational q);
/// A Rational as an AVRational (both parts must fit an int: time bases and frame rates).
AVRational to_av(const Rational& q);

/// The one place timestamps change time base: `value` in `from` units as `to` units,
/// rounded to the nearest (halves away from zero); AV_NOPTS_VALUE stays as it is.
std::int64_t rescale(std::int64_t value, const Rational& from, const Rational& to);
/// A packet's pts, dts and duration from one time base to another.
void rescale(Packet& packet, const Rational& from, const Rational& to);

/// An open encoder's stream parameters; Error(encode) naming `context` if they cannot be had.
StreamParams parameters_of(const AVCodecContext* codec, const std::string& context);

/// Silences libav's own logging below `level` (reel reports errors itself).
void set_log_level(int level);

}  // namespace reel::ff
