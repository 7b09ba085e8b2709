// SPDX-License-Identifier: Apache-2.0
// FFmpeg's encoders behind VideoEncoder: the software ones (pictures passed in place),
// NVENC (system-memory pictures too) and VAAPI/QSV (pictures uploaded to the device as NV12
// surfaces). The parameters come from engine_params.h.
#include "encode/detail/backend.h"
#include "encode/engine_params.h"

#include "ff/ff.h"
#include "ff/hw.h"
#include "util/error.h"

extern "C" {
#include <libavutil/hwcontext.h>
}

#include <cstring>

namespace reel {
namespace {

class FfmpegBackend final : public VideoEncoder::Backend {
public:
    FfmpegBackend(const EncoderSettings& s, const std::string& context) : m_context(context)
    {
        FfmpegEncoderSetup setup = ffmpeg_encoder_setup(s);
        m_name = setup.encoder;
        m_upload = setup.upload;
        const AVCodec* codec = m_name.empty() ? nullptr : avcodec_find_encoder_by_name(m_name.c_str());
        if (!codec) {
            if (s.engine != Engine::software)
                throw Error(ErrorCode::encode, "encode",
                            "this FFmpeg has no " + s.codec + "_" + to_string(s.engine) + " encoder",
                            "use --encoder software");
            std::string have;
            for (const char* c : {"h264", "hevc", "av1", "vp9"})
                if (encoder_available(c)) have += std::string(have.empty() ? "" : ", ") + c;
            throw Error(ErrorCode::encode, "encode",
                        "codec \"" + s.codec + "\" is not available: this FFmpeg has no " +
                            encoder_candidates(s.codec) + " encoder",
                        "codecs available here: " + have);
        }
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
        if (setup.bit_rate) c->bit_rate = setup.bit_rate;
        if (m_name == "libvpx-vp9" && !s.bitrate) c->bit_rate = 0;
        if (setup.max_rate) c->rc_max_rate = setup.max_rate;
        if (setup.buffer_size) c->rc_buffer_size = int(std::min<std::int64_t>(setup.buffer_size, INT32_MAX));
        if (setup.max_b_frames >= 0) c->max_b_frames = setup.max_b_frames;
        if (setup.compression_level >= 0) c->compression_level = setup.compression_level;
        if (setup.upload) open_device(setup, s);
        ff::Options opts;
        for (const auto& [key, value] : setup.options) opts.set(key.c_str(), value.c_str());
        ff::LogCapture log;
        if (int ret = avcodec_open2(c, codec, opts.get()); ret < 0) {
            // Named by its settings, not by the file it was to write (a cache's temporary file).
            std::string settings = "preset " + (s.preset.empty() ? std::string("default") : s.preset) +
                                   (s.bitrate ? ", bitrate " + std::to_string(*s.bitrate)
                                              : ", crf " + std::to_string(int(s.crf.value_or(23)))) +
                                   ", gop " + std::to_string(s.gop);
            std::string said = log.text().empty() ? "" : " (" + log.text() + ")";
            throw Error(
                ErrorCode::encode, "encode",
                "cannot open " + m_name + " (" + s.codec + ") with " + settings + ": " +
                    ff::error_string(ret) + said,
                s.engine == Engine::software
                    ? "check output.video (or --preset, --crf, --bitrate, --gop) against what " + m_name +
                          " takes; reel-render(1) lists each encoder's presets"
                    : std::string("use --encoder software; reel bench --engines says what runs here"));
        }
        if (av_dict_count(*opts.get()) > 0) {
            const AVDictionaryEntry* e = av_dict_get(*opts.get(), "", nullptr, AV_DICT_IGNORE_SUFFIX);
            throw Error(ErrorCode::encode, "encode",
                        "encoder " + m_name + " does not take the option \"" + std::string(e->key) + "\"");
        }
        m_params = ff::parameters_of(c, context);
        m_delay = c->has_b_frames;
    }

    void encode(std::shared_ptr<const Image> picture, std::int64_t index, const PacketSink& sink) override
    {
        AVCodecContext* c = m_codec.get();
        if (!picture || picture->width() != c->width || picture->height() != c->height)
            throw Error(ErrorCode::internal, "encode", "picture size does not match the encoder");
        ff::FramePtr frame = m_upload ? uploaded(*picture) : wrapped(std::move(picture));
        frame->pts = index;
        frame->pkt_duration = 1;
        frame->color_range = AVCOL_RANGE_MPEG;
        frame->colorspace = AVCOL_SPC_BT709;
        ff::check(avcodec_send_frame(c, frame.get()), "cannot encode", m_context, ErrorCode::encode);
        frame.reset();
        drain(sink);
    }

    void flush(const PacketSink& sink) override
    {
        ff::check(avcodec_send_frame(m_codec.get(), nullptr), "cannot flush the encoder of", m_context,
                  ErrorCode::encode);
        drain(sink);
    }

private:
    /// The device and a pool of NV12 surfaces on it (VAAPI, QSV).
    void open_device(const FfmpegEncoderSetup& setup, const EncoderSettings& s)
    {
        std::string node = setup.device == "vaapi" ? ff::first_render_node() : std::string();
        if (setup.device == "vaapi" && node.empty())
            throw Error(ErrorCode::encode, "encode", "VAAPI needs a DRM render node, and /dev/dri has none",
                        "use --encoder software");
        std::string why;
        m_device = ff::open_hw_device(setup.device.c_str(), node, why);
        if (!m_device)
            throw Error(ErrorCode::encode, "encode", "cannot open the " + setup.device + " device: " + why,
                        "use --encoder software");
        m_frames.reset(av_hwframe_ctx_alloc(m_device.get()));
        if (!m_frames) throw std::bad_alloc();
        auto* frames = reinterpret_cast<AVHWFramesContext*>(m_frames->data);
        frames->format = setup.device == "vaapi" ? AV_PIX_FMT_VAAPI : AV_PIX_FMT_QSV;
        frames->sw_format = AV_PIX_FMT_NV12;
        frames->width = s.width;
        frames->height = s.height;
        frames->initial_pool_size = 16;
        ff::LogCapture log;
        if (int ret = av_hwframe_ctx_init(m_frames.get()); ret < 0)
            throw Error(ErrorCode::encode, "encode",
                        "cannot make " + setup.device + " surfaces of " + std::to_string(s.width) + "x" +
                            std::to_string(s.height) + ": " + ff::error_string(ret) +
                            (log.text().empty() ? "" : " (" + log.text() + ")"),
                        "use --encoder software");
        AVCodecContext* c = m_codec.get();
        c->pix_fmt = frames->format;
        c->hw_frames_ctx = av_buffer_ref(m_frames.get());
        if (!c->hw_frames_ctx) throw std::bad_alloc();
    }

    /// The picture's planes, wrapped: the buffer's free callback releases our reference.
    ff::FramePtr wrapped(std::shared_ptr<const Image> picture)
    {
        ff::FramePtr frame = ff::make_frame();
        frame->format = AV_PIX_FMT_YUV420P;
        frame->width = picture->width();
        frame->height = picture->height();
        auto* keep = new std::shared_ptr<const Image>(picture);
        frame->buf[0] = av_buffer_create(
            const_cast<std::uint8_t*>(picture->plane(0)), picture->bytes(),
            [](void* opaque, std::uint8_t*) { delete static_cast<std::shared_ptr<const Image>*>(opaque); },
            keep, AV_BUFFER_FLAG_READONLY);
        if (!frame->buf[0]) {
            delete keep;
            throw std::bad_alloc();
        }
        for (int p = 0; p < 3; ++p) {
            frame->data[p] = const_cast<std::uint8_t*>(picture->plane(p));
            frame->linesize[p] = picture->stride(p);
        }
        return frame;
    }

    /// The picture as NV12 in a device surface.
    ff::FramePtr uploaded(const Image& picture)
    {
        if (!m_staging) {
            m_staging = ff::make_frame();
            m_staging->format = AV_PIX_FMT_NV12;
            m_staging->width = picture.width();
            m_staging->height = picture.height();
            ff::check(av_frame_get_buffer(m_staging.get(), 0), "cannot allocate a frame for", m_context,
                      ErrorCode::encode);
        }
        ff::check(av_frame_make_writable(m_staging.get()), "cannot allocate a frame for", m_context,
                  ErrorCode::encode);
        copy_to_nv12(picture, m_staging->data[0], m_staging->linesize[0], m_staging->data[1],
                     m_staging->linesize[1]);
        ff::FramePtr surface = ff::make_frame();
        ff::check(av_hwframe_get_buffer(m_frames.get(), surface.get(), 0), "cannot get a device surface for",
                  m_context, ErrorCode::encode);
        ff::check(av_hwframe_transfer_data(surface.get(), m_staging.get(), 0), "cannot upload a frame of",
                  m_context, ErrorCode::encode);
        return surface;
    }

    void drain(const PacketSink& sink)
    {
        while (true) {
            int ret = avcodec_receive_packet(m_codec.get(), m_packet.get());
            if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
            ff::check(ret, "cannot encode", m_context, ErrorCode::encode);
            sink(m_packet);
            m_packet.unref();
        }
    }

    std::string m_context;
    bool m_upload = false;
    ff::BufferPtr m_device, m_frames;  // before the codec: freed after it
    ff::CodecContextPtr m_codec;
    ff::FramePtr m_staging;
    Packet m_packet;
};

}  // namespace

std::unique_ptr<VideoEncoder::Backend> make_ffmpeg_backend(const EncoderSettings& settings,
                                                           const std::string& context)
{
    return std::make_unique<FfmpegBackend>(settings, context);
}

void copy_to_nv12(const Image& picture, std::uint8_t* y, int y_pitch, std::uint8_t* uv, int uv_pitch)
{
    int w = picture.width(), h = picture.height();
    for (int row = 0; row < h; ++row)
        std::memcpy(y + std::ptrdiff_t(row) * y_pitch,
                    picture.plane(0) + std::ptrdiff_t(row) * picture.stride(0), std::size_t(w));
    int cw = picture.chroma_width(), ch = (h + 1) / 2;
    for (int row = 0; row < ch; ++row) {
        const std::uint8_t* cb = picture.plane(1) + std::ptrdiff_t(row) * picture.stride(1);
        const std::uint8_t* cr = picture.plane(2) + std::ptrdiff_t(row) * picture.stride(2);
        std::uint8_t* out = uv + std::ptrdiff_t(row) * uv_pitch;
        for (int x = 0; x < cw; ++x) {
            out[2 * x] = cb[x];
            out[2 * x + 1] = cr[x];
        }
    }
}

}  // namespace reel
