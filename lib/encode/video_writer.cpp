// SPDX-License-Identifier: Apache-2.0
#include "encode/video_writer.h"

#include "ff/ff.h"
#include "util/error.h"

extern "C" {
#include <libavutil/opt.h>
}

#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>

namespace reel {
namespace {

namespace fs = std::filesystem;

struct OutputDeleter {
    void operator()(AVFormatContext* ctx) const noexcept
    {
        if (!ctx) return;
        if (ctx->pb && !(ctx->oformat->flags & AVFMT_NOFILE)) avio_closep(&ctx->pb);
        avformat_free_context(ctx);
    }
};
using OutputPtr = std::unique_ptr<AVFormatContext, OutputDeleter>;

struct DictDeleter {
    void operator()(AVDictionary* d) const noexcept { av_dict_free(&d); }
};

std::string container_for(const std::string& path)
{
    std::string ext = fs::path(path).extension().string();
    for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (ext == ".mp4" || ext == ".m4v") return "mp4";
    if (ext == ".mov") return "mov";
    if (ext == ".mkv") return "matroska";
    if (ext == ".webm") return "webm";
    throw Error(ErrorCode::usage, "encode", "output \"" + path + "\": unknown container \"" + ext + "\"",
                "name the output .mp4, .mov, .mkv or .webm");
}

const char* candidates(const std::string& codec)
{
    if (codec == "h264") return "libx264";
    if (codec == "hevc") return "libx265";
    if (codec == "av1") return "libsvtav1,libaom-av1";
    if (codec == "vp9") return "libvpx-vp9";
    return "";
}

}  // namespace

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

bool encoder_available(const std::string& codec)
{
    return !encoder_name(codec).empty();
}

struct VideoWriter::Impl {
    std::string path, temp, encoder;
    EncoderSettings settings;
    OutputPtr out;
    ff::CodecContextPtr codec;
    AVStream* stream = nullptr;
    ff::PacketPtr packet;
    std::int64_t next_pts = 0;
    bool finished = false;
    bool direct = false;  ///< writing straight to a device or pipe
    // Audio: encoded up front, written interleaved with the video by timestamp.
    std::optional<AudioTrackSettings> audio;
    ff::CodecContextPtr audio_codec;
    AVStream* audio_stream = nullptr;
    std::deque<ff::PacketPtr> audio_packets;

    /// Writes the queued audio packets that belong before `limit` (in `limit_tb`), or all.
    void write_audio_until(const AVPacket* video, std::int64_t& audio_bytes)
    {
        while (!audio_packets.empty()) {
            AVPacket* a = audio_packets.front().get();
            if (video && av_compare_ts(a->dts, audio_stream->time_base, video->dts, stream->time_base) > 0)
                return;
            audio_bytes += a->size;
            int ret = av_interleaved_write_frame(out.get(), a);
            if (ret < 0) fail_io(ret, "cannot write");
            audio_packets.pop_front();
        }
    }
    std::int64_t* audio_bytes_out = nullptr;

    void fail_io(int ret, const char* what)
    {
        bool space = ret == AVERROR(ENOSPC) || ret == AVERROR(EFBIG) || ret == AVERROR(EDQUOT);
        throw Error(ErrorCode::io, "encode",
                    std::string(what) + " \"" + path + "\": " + ff::error_string(ret),
                    space ? "free some space (or raise the file size limit) and run again" : "")
            .with_file(path);
    }

    void drain()
    {
        while (true) {
            int ret = avcodec_receive_packet(codec.get(), packet.get());
            if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
            ff::check(ret, "cannot encode", path, int(ErrorCode::encode));
            av_packet_rescale_ts(packet.get(), codec->time_base, stream->time_base);
            packet->stream_index = stream->index;
            if (audio_bytes_out) write_audio_until(packet.get(), *audio_bytes_out);
            ret = av_interleaved_write_frame(out.get(), packet.get());
            if (ret < 0) fail_io(ret, "cannot write");
        }
    }
};

VideoWriter::VideoWriter(const std::string& path, const EncoderSettings& s,
                         std::optional<AudioTrackSettings> audio)
    : m_impl(std::make_unique<Impl>())
{
    m_impl->audio = std::move(audio);
    // Whatever fails while setting up, no temporary file may stay behind.
    try {
        open(path, s);
    } catch (...) {
        m_impl->out.reset();
        if (!m_impl->temp.empty()) {
            std::error_code ec;
            fs::remove(m_impl->temp, ec);
        }
        throw;
    }
}

void VideoWriter::open(const std::string& path, const EncoderSettings& s)
{
    Impl& m = *m_impl;
    m.path = path;
    m.settings = s;
    std::string container = container_for(path);
    m.encoder = encoder_name(s.codec);
    if (m.encoder.empty()) {
        std::string have;
        for (const char* c : {"h264", "hevc", "av1", "vp9"})
            if (encoder_available(c)) have += std::string(have.empty() ? "" : ", ") + c;
        throw Error(ErrorCode::encode, "encode",
                    "codec \"" + s.codec + "\" is not available: this FFmpeg has no " + candidates(s.codec) +
                        " encoder",
                    "codecs available here: " + have);
    }
    m_stats.encoder = m.encoder;
    if (container == "webm" && s.codec != "vp9" && s.codec != "av1")
        throw Error(ErrorCode::usage, "encode", "WebM holds VP9 or AV1, not " + s.codec,
                    "use --codec vp9, or name the output .mp4");

    // A temporary name beside the output, in the same folder, so the rename is atomic;
    // devices and pipes (/dev/null, a FIFO) are written in place instead.
    std::error_code exists_ec;
    m.direct = fs::exists(path, exists_ec) && !fs::is_regular_file(path, exists_ec);
    fs::path dest(path);
    fs::path dir = dest.parent_path().empty() ? fs::path(".") : dest.parent_path();
    std::string templ = (dir / ("." + dest.filename().string() + ".reel-XXXXXX")).string();
    int fd = m.direct ? -2 : ::mkstemp(templ.data());
    if (fd == -1)
        throw Error(ErrorCode::io, "encode",
                    "cannot create a file in \"" + dir.string() + "\": " + std::strerror(errno),
                    "check that the folder exists and is writable")
            .with_file(path);
    if (fd >= 0) ::close(fd);
    if (!m.direct) m.temp = templ;

    AVFormatContext* raw = nullptr;
    std::string target = m.direct ? path : m.temp;
    ff::check(avformat_alloc_output_context2(&raw, nullptr, container.c_str(), target.c_str()),
              "cannot set up the container for", path, int(ErrorCode::encode));
    m.out.reset(raw);
    const AVCodec* codec = avcodec_find_encoder_by_name(m.encoder.c_str());
    m.codec.reset(avcodec_alloc_context3(codec));
    if (!m.codec) throw std::bad_alloc();
    AVCodecContext* c = m.codec.get();
    c->width = s.width;
    c->height = s.height;
    c->pix_fmt = AV_PIX_FMT_YUV420P;
    c->time_base = AVRational{int(s.fps.den()), int(s.fps.num())};
    c->framerate = AVRational{int(s.fps.num()), int(s.fps.den())};
    c->gop_size = s.gop;
    c->keyint_min = s.gop;
    c->flags |= AV_CODEC_FLAG_CLOSED_GOP;
    c->color_range = AVCOL_RANGE_MPEG;
    c->colorspace = AVCOL_SPC_BT709;
    c->color_primaries = AVCOL_PRI_BT709;
    c->color_trc = AVCOL_TRC_BT709;
    c->sample_aspect_ratio = AVRational{1, 1};
    c->thread_count = s.threads;
    if (m.out->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary* opts = nullptr;
    std::unique_ptr<AVDictionary*, void (*)(AVDictionary**)> opts_guard(
        &opts, [](AVDictionary** d) { av_dict_free(d); });
    // Presets: x264/x265 take names; SVT-AV1 takes numbers 0..13 (the x264 names mean
    // nothing to it and are left out); libaom and libvpx have none.
    bool numeric = !s.preset.empty() && s.preset.find_first_not_of("0123456789") == std::string::npos;
    if (!s.preset.empty() && (m.encoder == "libx264" || m.encoder == "libx265"))
        av_dict_set(&opts, "preset", s.preset.c_str(), 0);
    if (numeric && m.encoder == "libsvtav1") av_dict_set(&opts, "preset", s.preset.c_str(), 0);
    if (m.encoder == "libx265") av_dict_set(&opts, "x265-params", "log-level=error", 0);
    if (s.bitrate) {
        c->bit_rate = *s.bitrate;
    } else {
        char crf[32];
        std::snprintf(crf, sizeof crf, "%g", s.crf.value_or(23));
        av_dict_set(&opts, "crf", crf, 0);
        if (m.encoder == "libvpx-vp9") c->bit_rate = 0;
    }
    if (m.encoder == "libx264") av_dict_set(&opts, "x264-params", "scenecut=0", 0);
    ff::check(avcodec_open2(c, codec, &opts), "cannot open the encoder for", path, int(ErrorCode::encode));
    if (av_dict_count(opts) > 0) {
        const AVDictionaryEntry* e = av_dict_get(opts, "", nullptr, AV_DICT_IGNORE_SUFFIX);
        throw Error(ErrorCode::encode, "encode",
                    "encoder " + m.encoder + " does not take the option \"" + std::string(e->key) + "\"");
    }
    m.stream = avformat_new_stream(m.out.get(), nullptr);
    if (!m.stream) throw std::bad_alloc();
    ff::check(avcodec_parameters_from_context(m.stream->codecpar, c), "cannot configure the stream of", path,
              int(ErrorCode::encode));
    m.stream->time_base = c->time_base;
    m.stream->avg_frame_rate = c->framerate;
    if (m.audio) open_audio(container);
    int ret = avio_open(&m.out->pb, target.c_str(), AVIO_FLAG_WRITE);
    if (ret < 0) m.fail_io(ret, "cannot open for writing");
    AVDictionary* mux = nullptr;
    std::unique_ptr<AVDictionary*, void (*)(AVDictionary**)> mux_guard(
        &mux, [](AVDictionary** d) { av_dict_free(d); });
    if ((container == "mp4" || container == "mov") && !m.direct)
        av_dict_set(&mux, "movflags", "+faststart", 0);
    ret = avformat_write_header(m.out.get(), &mux);
    if (ret < 0) m.fail_io(ret, "cannot write the header of");
    m.packet = ff::make_packet();
}

VideoWriter::~VideoWriter()
{
    if (m_impl && !m_impl->finished && !m_impl->temp.empty()) {
        m_impl->out.reset();
        std::error_code ec;
        fs::remove(m_impl->temp, ec);
    }
}

void VideoWriter::write(std::shared_ptr<const Image> picture)
{
    auto started = std::chrono::steady_clock::now();
    Impl& m = *m_impl;
    AVCodecContext* c = m.codec.get();
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
    frame->pts = m.next_pts++;
    frame->pkt_duration = 1;
    frame->color_range = AVCOL_RANGE_MPEG;
    frame->colorspace = AVCOL_SPC_BT709;
    ff::check(avcodec_send_frame(c, frame.get()), "cannot encode", m.path, int(ErrorCode::encode));
    m.drain();
    ++m_stats.frames;
    m_stats.encode_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

void VideoWriter::open_audio(const std::string& container)
{
    Impl& m = *m_impl;
    AudioTrackSettings& a = *m.audio;
    if (a.codec.empty()) a.codec = container == "webm" ? "opus" : "aac";
    if (container == "webm" && a.codec != "opus")
        throw Error(ErrorCode::usage, "encode", "WebM holds Opus audio, not " + a.codec,
                    "use --audio-codec opus");
    if (container != "webm" && container != "matroska" && a.codec == "opus" && container != "mp4")
        throw Error(ErrorCode::usage, "encode", container + " cannot hold Opus audio",
                    "use AAC, or a .webm/.mkv output");
    const char* name = a.codec == "opus" ? "libopus" : "aac";
    const AVCodec* codec = avcodec_find_encoder_by_name(name);
    if (!codec)
        throw Error(ErrorCode::encode, "encode",
                    std::string("audio encoder ") + name + " is not available in this FFmpeg");
    if (a.codec == "opus" && a.sample_rate != 48000)
        throw Error(ErrorCode::usage, "encode",
                    "Opus needs a 48000 Hz output, not " + std::to_string(a.sample_rate),
                    "set output.audio.sample_rate to 48000");
    m.audio_codec.reset(avcodec_alloc_context3(codec));
    if (!m.audio_codec) throw std::bad_alloc();
    AVCodecContext* c = m.audio_codec.get();
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
    if (m.out->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    ff::check(avcodec_open2(c, codec, nullptr), "cannot open the audio encoder for", m.path,
              int(ErrorCode::encode));
    m.audio_stream = avformat_new_stream(m.out.get(), nullptr);
    if (!m.audio_stream) throw std::bad_alloc();
    ff::check(avcodec_parameters_from_context(m.audio_stream->codecpar, c),
              "cannot configure the audio stream of", m.path, int(ErrorCode::encode));
    m.audio_stream->time_base = c->time_base;
    m_stats.audio_encoder = name;
    m.audio_bytes_out = &m_stats.audio_bytes;
}

void VideoWriter::write_audio(const std::vector<float>& interleaved)
{
    Impl& m = *m_impl;
    if (!m.audio_codec) throw Error(ErrorCode::internal, "encode", "write_audio without an audio track");
    auto started = std::chrono::steady_clock::now();
    AVCodecContext* c = m.audio_codec.get();
    int channels = c->ch_layout.nb_channels;
    std::int64_t total = std::int64_t(interleaved.size()) / channels;
    int frame_size = c->frame_size > 0 ? c->frame_size : 1024;
    ff::PacketPtr pkt = ff::make_packet();
    auto receive = [&] {
        while (true) {
            int ret = avcodec_receive_packet(c, pkt.get());
            if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
            ff::check(ret, "cannot encode the audio of", m.path, int(ErrorCode::encode));
            av_packet_rescale_ts(pkt.get(), c->time_base, m.audio_stream->time_base);
            pkt->stream_index = m.audio_stream->index;
            ff::PacketPtr copy = ff::make_packet();
            av_packet_move_ref(copy.get(), pkt.get());
            m.audio_packets.push_back(std::move(copy));
        }
    };
    for (std::int64_t pos = 0; pos < total; pos += frame_size) {
        int n = int(std::min<std::int64_t>(frame_size, total - pos));
        ff::FramePtr frame = ff::make_frame();
        frame->format = c->sample_fmt;
        frame->nb_samples = n;
        frame->sample_rate = c->sample_rate;
        ff::check(av_channel_layout_copy(&frame->ch_layout, &c->ch_layout), "cannot set up audio for", m.path,
                  int(ErrorCode::encode));
        ff::check(av_frame_get_buffer(frame.get(), 0), "cannot allocate audio for", m.path,
                  int(ErrorCode::encode));
        const float* src = interleaved.data() + pos * channels;
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
        frame->pts = pos;
        ff::check(avcodec_send_frame(c, frame.get()), "cannot encode the audio of", m.path,
                  int(ErrorCode::encode));
        receive();
    }
    ff::check(avcodec_send_frame(c, nullptr), "cannot flush the audio encoder of", m.path,
              int(ErrorCode::encode));
    receive();
    m_stats.encode_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

void VideoWriter::finish(bool overwrite)
{
    auto started = std::chrono::steady_clock::now();
    Impl& m = *m_impl;
    ff::check(avcodec_send_frame(m.codec.get(), nullptr), "cannot flush the encoder of", m.path,
              int(ErrorCode::encode));
    m.drain();
    if (m.audio_bytes_out) m.write_audio_until(nullptr, *m.audio_bytes_out);
    int ret = av_write_trailer(m.out.get());
    if (ret < 0) m.fail_io(ret, "cannot finish");
    if (m.out->pb && m.out->pb->error < 0) m.fail_io(m.out->pb->error, "cannot write");
    ret = avio_closep(&m.out->pb);
    if (ret < 0) m.fail_io(ret, "cannot close");
    std::error_code ec;
    if (m.direct) {
        m.finished = true;
        m_stats.encode_seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        return;
    }
    m_stats.bytes = std::int64_t(fs::file_size(m.temp, ec));
    if (!overwrite && fs::exists(m.path, ec))
        throw Error(ErrorCode::usage, "encode", "\"" + m.path + "\" already exists",
                    "pass -y to overwrite it");
    mode_t mask = ::umask(0);
    ::umask(mask);
    ::chmod(m.temp.c_str(), 0666 & ~mask);
    if (std::rename(m.temp.c_str(), m.path.c_str()) != 0)
        throw Error(ErrorCode::io, "encode",
                    "cannot rename into place \"" + m.path + "\": " + std::strerror(errno))
            .with_file(m.path);
    m.finished = true;
    m_stats.encode_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace reel
