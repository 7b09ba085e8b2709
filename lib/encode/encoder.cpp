// SPDX-License-Identifier: Apache-2.0
#include "encode/encoder.h"

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
namespace {

const char* candidates(const std::string& codec)
{
    if (codec == "h264") return "libx264";
    if (codec == "hevc") return "libx265";
    if (codec == "av1") return "libsvtav1,libaom-av1";
    if (codec == "vp9") return "libvpx-vp9";
    return "";
}

StreamParams parameters_of(const AVCodecContext* c, const std::string& context)
{
    StreamParams p;
    ff::check(avcodec_parameters_from_context(p.get(), c), "cannot configure the stream of", context,
              ErrorCode::encode);
    return p;
}

}  // namespace

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
    std::string list = candidates(codec);
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
    : m_context(context), m_name(encoder_name(s.codec))
{
    if (m_name.empty()) {
        std::string have;
        for (const char* c : {"h264", "hevc", "av1", "vp9"})
            if (encoder_available(c)) have += std::string(have.empty() ? "" : ", ") + c;
        throw Error(ErrorCode::encode, "encode",
                    "codec \"" + s.codec + "\" is not available: this FFmpeg has no " + candidates(s.codec) +
                        " encoder",
                    "codecs available here: " + have);
    }
    const AVCodec* codec = avcodec_find_encoder_by_name(m_name.c_str());
    m_codec.reset(avcodec_alloc_context3(codec));
    if (!m_codec) throw std::bad_alloc();
    AVCodecContext* c = m_codec.get();
    c->width = s.width;
    c->height = s.height;
    c->pix_fmt = AV_PIX_FMT_YUV420P;
    c->time_base = AVRational{int(s.fps.den()), int(s.fps.num())};
    c->framerate = AVRational{int(s.fps.num()), int(s.fps.den())};
    c->gop_size = s.gop;
    c->keyint_min = s.gop;
    c->flags |= AV_CODEC_FLAG_CLOSED_GOP | AV_CODEC_FLAG_GLOBAL_HEADER;
    c->color_range = AVCOL_RANGE_MPEG;
    c->colorspace = AVCOL_SPC_BT709;
    c->color_primaries = AVCOL_PRI_BT709;
    c->color_trc = AVCOL_TRC_BT709;
    c->sample_aspect_ratio = AVRational{1, 1};
    c->thread_count = s.threads;
    AVDictionary* opts = nullptr;
    std::unique_ptr<AVDictionary*, void (*)(AVDictionary**)> opts_guard(
        &opts, [](AVDictionary** d) { av_dict_free(d); });
    // Presets: x264/x265 take names; SVT-AV1 takes numbers 0..13 and libvpx its deadlines
    // (the x264 names, output.video.preset's default, mean nothing to them and are left
    // out); libaom has none. --preset is checked against encoder_presets() beforehand.
    bool numeric = !s.preset.empty() && s.preset.find_first_not_of("0123456789") == std::string::npos;
    if (!s.preset.empty() && (m_name == "libx264" || m_name == "libx265"))
        av_dict_set(&opts, "preset", s.preset.c_str(), 0);
    if (numeric && m_name == "libsvtav1") av_dict_set(&opts, "preset", s.preset.c_str(), 0);
    if (m_name == "libvpx-vp9" && (s.preset == "good" || s.preset == "best" || s.preset == "realtime"))
        av_dict_set(&opts, "deadline", s.preset.c_str(), 0);
    if (m_name == "libx265") av_dict_set(&opts, "x265-params", "log-level=error", 0);
    if (s.bitrate) {
        c->bit_rate = *s.bitrate;
    } else {
        char crf[32];
        std::snprintf(crf, sizeof crf, "%g", s.crf.value_or(23));
        av_dict_set(&opts, "crf", crf, 0);
        if (m_name == "libvpx-vp9") c->bit_rate = 0;
    }
    if (m_name == "libx264") av_dict_set(&opts, "x264-params", "scenecut=0", 0);
    if (int ret = avcodec_open2(c, codec, &opts); ret < 0) {
        // Named by its settings, not by the file it was to write (a cache's temporary file).
        std::string settings = "preset " + (s.preset.empty() ? std::string("default") : s.preset) +
                               (s.bitrate ? ", bitrate " + std::to_string(*s.bitrate)
                                          : ", crf " + std::to_string(int(s.crf.value_or(23)))) +
                               ", gop " + std::to_string(s.gop);
        throw Error(
            ErrorCode::encode, "encode",
            "cannot open " + m_name + " (" + s.codec + ") with " + settings + ": " + ff::error_string(ret),
            "check output.video (or --preset, --crf, --bitrate, --gop) against what " + m_name +
                " takes; reel-render(1) lists each encoder's presets");
    }
    if (av_dict_count(opts) > 0) {
        const AVDictionaryEntry* e = av_dict_get(opts, "", nullptr, AV_DICT_IGNORE_SUFFIX);
        throw Error(ErrorCode::encode, "encode",
                    "encoder " + m_name + " does not take the option \"" + std::string(e->key) + "\"");
    }
    m_params = parameters_of(c, context);
    m_time_base = Rational(s.fps.den(), s.fps.num());
}

int VideoEncoder::delay() const noexcept
{
    return m_codec->has_b_frames;
}

void VideoEncoder::drain(const PacketSink& sink)
{
    while (true) {
        int ret = avcodec_receive_packet(m_codec.get(), m_packet.get());
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
        ff::check(ret, "cannot encode", m_context, ErrorCode::encode);
        sink(m_packet);
        m_packet.unref();
    }
}

void VideoEncoder::encode(std::shared_ptr<const Image> picture, const PacketSink& sink)
{
    Stopwatch started;
    AVCodecContext* c = m_codec.get();
    if (!picture || picture->width() != c->width || picture->height() != c->height)
        throw Error(ErrorCode::internal, "encode", "picture size does not match the encoder");
    ff::FramePtr frame = ff::make_frame();
    frame->format = c->pix_fmt;
    frame->width = c->width;
    frame->height = c->height;
    // Wrap the picture's planes: the buffer's free callback releases our reference.
    auto* keep = new std::shared_ptr<const Image>(picture);
    frame->buf[0] = av_buffer_create(
        const_cast<std::uint8_t*>(picture->plane(0)), picture->bytes(),
        [](void* opaque, std::uint8_t*) { delete static_cast<std::shared_ptr<const Image>*>(opaque); }, keep,
        AV_BUFFER_FLAG_READONLY);
    if (!frame->buf[0]) {
        delete keep;
        throw std::bad_alloc();
    }
    for (int p = 0; p < 3; ++p) {
        frame->data[p] = const_cast<std::uint8_t*>(picture->plane(p));
        frame->linesize[p] = picture->stride(p);
    }
    frame->pts = m_frames++;
    frame->pkt_duration = 1;
    frame->color_range = AVCOL_RANGE_MPEG;
    frame->colorspace = AVCOL_SPC_BT709;
    ff::check(avcodec_send_frame(c, frame.get()), "cannot encode", m_context, ErrorCode::encode);
    frame.reset();
    drain(sink);
    m_seconds += started.seconds();
}

void VideoEncoder::flush(const PacketSink& sink)
{
    Stopwatch started;
    ff::check(avcodec_send_frame(m_codec.get(), nullptr), "cannot flush the encoder of", m_context,
              ErrorCode::encode);
    drain(sink);
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
    m_params = parameters_of(c, context);
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
