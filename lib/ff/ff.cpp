// SPDX-License-Identifier: Apache-2.0
#include "ff/ff.h"

#include "util/error.h"

extern "C" {
#include <libavcodec/bsf.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

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

void InputDeleter::operator()(AVFormatContext* ctx) const noexcept
{
    avformat_close_input(&ctx);
}
void OutputDeleter::operator()(AVFormatContext* ctx) const noexcept
{
    if (!ctx) return;
    if (ctx->pb && !(ctx->oformat->flags & AVFMT_NOFILE)) avio_closep(&ctx->pb);
    avformat_free_context(ctx);
}
void CodecContextDeleter::operator()(AVCodecContext* ctx) const noexcept
{
    avcodec_free_context(&ctx);
}
void CodecParametersDeleter::operator()(AVCodecParameters* p) const noexcept
{
    avcodec_parameters_free(&p);
}
void FrameDeleter::operator()(AVFrame* f) const noexcept
{
    av_frame_free(&f);
}
void PacketDeleter::operator()(AVPacket* p) const noexcept
{
    av_packet_free(&p);
}
void BsfDeleter::operator()(AVBSFContext* b) const noexcept
{
    av_bsf_free(&b);
}
void SwsDeleter::operator()(SwsContext* s) const noexcept
{
    sws_freeContext(s);
}
void SwrDeleter::operator()(SwrContext* s) const noexcept
{
    swr_free(&s);
}

Options::~Options()
{
    av_dict_free(&m_dict);
}

void Options::set(const char* key, const char* value)
{
    if (av_dict_set(&m_dict, key, value, 0) < 0) throw std::bad_alloc();
}

int check(int ret, const char* operation, const std::string& file, ErrorCode code)
{
    if (ret < 0)
        throw Error(code, "ff", std::string(operation) + " \"" + file + "\": " + error_string(ret))
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

AVRational to_av(const Rational& q)
{
    return AVRational{int(q.num()), int(q.den())};
}

std::int64_t rescale(std::int64_t value, const Rational& from, const Rational& to)
{
    return av_rescale_q_rnd(value, to_av(from), to_av(to),
                            AVRounding(AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX));
}

void rescale(Packet& packet, const Rational& from, const Rational& to)
{
    av_packet_rescale_ts(packet.get(), to_av(from), to_av(to));
}

StreamParams parameters_of(const AVCodecContext* codec, const std::string& context)
{
    StreamParams p;
    check(avcodec_parameters_from_context(p.get(), codec), "cannot configure the stream of", context,
          ErrorCode::encode);
    return p;
}

void set_log_level(int level)
{
    av_log_set_level(level);
}

}  // namespace reel::ff

namespace reel {

Packet::Packet() : m_packet(ff::make_packet()) {}

std::int64_t Packet::pts() const noexcept
{
    return m_packet->pts;
}
std::int64_t Packet::dts() const noexcept
{
    return m_packet->dts;
}
std::int64_t Packet::duration() const noexcept
{
    return m_packet->duration;
}
int Packet::size() const noexcept
{
    return m_packet->size;
}
bool Packet::keyframe() const noexcept
{
    return m_packet->flags & AV_PKT_FLAG_KEY;
}
Packet Packet::ref() const
{
    Packet copy;
    ff::check(av_packet_ref(copy.get(), m_packet.get()), "cannot keep a packet of", "a stream",
              ErrorCode::encode);
    return copy;
}
void Packet::unref() noexcept
{
    av_packet_unref(m_packet.get());
}

StreamParams::StreamParams() : m_params(avcodec_parameters_alloc())
{
    if (!m_params) throw std::bad_alloc();
}
StreamParams::StreamParams(const AVCodecParameters* params) : StreamParams()
{
    ff::check(avcodec_parameters_copy(m_params.get(), params), "cannot copy the codec parameters of",
              "a stream", ErrorCode::encode);
}
StreamParams::StreamParams(const StreamParams& other) : StreamParams(other.get()) {}
StreamParams& StreamParams::operator=(const StreamParams& other)
{
    if (this != &other) *this = StreamParams(other);
    return *this;
}

}  // namespace reel
