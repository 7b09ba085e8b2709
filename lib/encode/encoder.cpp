// SPDX-License-Identifier: Apache-2.0
#include "encode/encoder.h"

#include "encode/detail/backend.h"

#include "ff/ff.h"
#include "util/error.h"
#include "util/stopwatch.h"

extern "C" {
#include <libavutil/opt.h>
}

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace reel {

const char* encoder_candidates(const std::string& codec)
{
    if (codec == "h264") return "libx264";
    if (codec == "hevc") return "libx265";
    if (codec == "av1") return "libsvtav1,libaom-av1";
    if (codec == "vp9") return "libvpx-vp9";
    return "";
}

std::vector<std::string> encoder_presets(const std::string& codec)
{
    std::string name = encoder_name(codec);
    if (name == "libx264" || name == "libx265")
        return {"ultrafast", "superfast", "veryfast", "faster",   "fast",
                "medium",    "slow",      "slower",   "veryslow", "placebo"};
    if (name == "libsvtav1") {
        std::vector<std::string> numbers;
        for (int i = 0; i <= 13; ++i) numbers.push_back(std::to_string(i));
        return numbers;
    }
    if (name == "libvpx-vp9") return {"good", "best", "realtime"};
    return {};
}

std::string encoder_name(const std::string& codec)
{
    std::string list = encoder_candidates(codec);
    std::size_t start = 0;
    while (start < list.size()) {
        std::size_t comma = list.find(',', start);
        std::string name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (avcodec_find_encoder_by_name(name.c_str())) return name;
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return {};
}

std::string codec_library_version()
{
    return LIBAVCODEC_IDENT;
}

bool encoder_available(const std::string& codec)
{
    return !encoder_name(codec).empty();
}

VideoEncoder::VideoEncoder(const EncoderSettings& s, const std::string& context)
    : m_backend(s.engine == Engine::onevpl ? make_vpl_backend(s, context) : make_ffmpeg_backend(s, context)),
      m_engine(s.engine),
      m_time_base(s.fps.den(), s.fps.num())
{
}

VideoEncoder::~VideoEncoder() = default;
VideoEncoder::VideoEncoder(VideoEncoder&&) noexcept = default;

const StreamParams& VideoEncoder::parameters() const noexcept
{
    return m_backend->parameters();
}

int VideoEncoder::delay() const noexcept
{
    return m_backend->delay();
}

const std::string& VideoEncoder::name() const noexcept
{
    return m_backend->name();
}

void VideoEncoder::encode(std::shared_ptr<const Image> picture, const PacketSink& sink)
{
    Stopwatch started;
    m_backend->encode(std::move(picture), m_frames++, sink);
    m_seconds += started.seconds();
}

void VideoEncoder::flush(const PacketSink& sink)
{
    Stopwatch started;
    m_backend->flush(sink);
    m_seconds += started.seconds();
}

AudioEncoder::AudioEncoder(AudioTrackSettings a, const std::string& container, const std::string& context)
    : m_context(context)
{
    if (a.codec.empty()) a.codec = container == "webm" ? "opus" : "aac";
    if (container == "webm" && a.codec != "opus")
        throw Error(ErrorCode::usage, "encode", "WebM holds Opus audio, not " + a.codec,
                    "use --audio-codec opus");
    if (container != "webm" && container != "matroska" && a.codec == "opus" && container != "mp4")
        throw Error(ErrorCode::usage, "encode", container + " cannot hold Opus audio",
                    "use AAC, or a .webm/.mkv output");
    m_name = a.codec == "opus" ? "libopus" : "aac";
    const AVCodec* codec = avcodec_find_encoder_by_name(m_name.c_str());
    if (!codec)
        throw Error(ErrorCode::encode, "encode",
                    "audio encoder " + m_name + " is not available in this FFmpeg");
    if (a.codec == "opus" && a.sample_rate != 48000)
        throw Error(ErrorCode::usage, "encode",
                    "Opus needs a 48000 Hz output, not " + std::to_string(a.sample_rate),
                    "set output.audio.sample_rate to 48000");
    m_codec.reset(avcodec_alloc_context3(codec));
    if (!m_codec) throw std::bad_alloc();
    AVCodecContext* c = m_codec.get();
    c->sample_rate = a.sample_rate;
    av_channel_layout_default(&c->ch_layout, a.channels);
    c->sample_fmt = codec->sample_fmts ? codec->sample_fmts[0] : AV_SAMPLE_FMT_FLTP;
    if (codec->sample_fmts)
        for (const AVSampleFormat* f = codec->sample_fmts; *f != AV_SAMPLE_FMT_NONE; ++f)
            if (*f == AV_SAMPLE_FMT_FLTP || *f == AV_SAMPLE_FMT_FLT) {
                c->sample_fmt = *f;
                break;
            }
    c->bit_rate = a.bitrate > 0 ? a.bitrate : (a.channels == 1 ? 96000 : a.channels == 2 ? 160000 : 384000);
    c->time_base = AVRational{1, a.sample_rate};
    c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    ff::check(avcodec_open2(c, codec, nullptr), "cannot open the audio encoder for", context,
              ErrorCode::encode);
    m_params = ff::parameters_of(c, context);
    m_time_base = Rational(1, a.sample_rate);
}

int AudioEncoder::priming() const noexcept
{
    return m_codec->initial_padding;
}

std::deque<Packet> AudioEncoder::encode(const std::vector<float>& interleaved)
{
    return encode_more(interleaved, true);
}

std::deque<Packet> AudioEncoder::encode_more(const std::vector<float>& interleaved, bool last)
{
    Stopwatch started;
    AVCodecContext* c = m_codec.get();
    std::deque<Packet> packets;
    int channels = c->ch_layout.nb_channels;
    m_pending.insert(m_pending.end(), interleaved.begin(), interleaved.end());
    std::int64_t total = std::int64_t(m_pending.size()) / channels;
    int frame_size = c->frame_size > 0 ? c->frame_size : 1024;
    auto receive = [&] {
        while (true) {
            Packet pkt;
            int ret = avcodec_receive_packet(c, pkt.get());
            if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
            ff::check(ret, "cannot encode the audio of", m_context, ErrorCode::encode);
            packets.push_back(std::move(pkt));
        }
    };
    std::int64_t pos = 0;
    for (; pos < total; pos += frame_size) {
        if (total - pos < frame_size && !last) break;  // a partial frame waits for more
        int n = int(std::min<std::int64_t>(frame_size, total - pos));
        ff::FramePtr frame = ff::make_frame();
        frame->format = c->sample_fmt;
        frame->nb_samples = n;
        frame->sample_rate = c->sample_rate;
        ff::check(av_channel_layout_copy(&frame->ch_layout, &c->ch_layout), "cannot set up audio for",
                  m_context, ErrorCode::encode);
        ff::check(av_frame_get_buffer(frame.get(), 0), "cannot allocate audio for", m_context,
                  ErrorCode::encode);
        const float* src = m_pending.data() + pos * channels;
        if (c->sample_fmt == AV_SAMPLE_FMT_FLTP) {
            for (int ch = 0; ch < channels; ++ch) {
                float* dst = reinterpret_cast<float*>(frame->data[ch]);
                for (int i = 0; i < n; ++i) dst[i] = std::clamp(src[i * channels + ch], -1.0f, 1.0f);
            }
        } else if (c->sample_fmt == AV_SAMPLE_FMT_FLT) {
            float* dst = reinterpret_cast<float*>(frame->data[0]);
            for (int i = 0; i < n * channels; ++i) dst[i] = std::clamp(src[i], -1.0f, 1.0f);
        } else if (c->sample_fmt == AV_SAMPLE_FMT_S16) {
            auto* dst = reinterpret_cast<std::int16_t*>(frame->data[0]);
            for (int i = 0; i < n * channels; ++i)
                dst[i] = std::int16_t(std::lround(std::clamp(src[i], -1.0f, 1.0f) * 32767));
        } else {
            throw Error(ErrorCode::encode, "encode", "unsupported audio sample format for the encoder");
        }
        frame->pts = m_next_pts;
        m_next_pts += n;
        ff::check(avcodec_send_frame(c, frame.get()), "cannot encode the audio of", m_context,
                  ErrorCode::encode);
        receive();
    }
    m_pending.erase(m_pending.begin(),
                    m_pending.begin() + std::min<std::ptrdiff_t>(std::ptrdiff_t(pos * channels),
                                                                 std::ptrdiff_t(m_pending.size())));
    if (last) {
        ff::check(avcodec_send_frame(c, nullptr), "cannot flush the audio encoder of", m_context,
                  ErrorCode::encode);
        receive();
    }
    m_seconds += started.seconds();
    return packets;
}

}  // namespace reel
