// SPDX-License-Identifier: Apache-2.0
#include "media/decoder.h"

#include "ff/ff.h"
#include "media/detail/hw_device.h"
#include "util/error.h"
#include "util/stopwatch.h"

extern "C" {
#include <libavutil/hwcontext.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <future>
#include <optional>
#include <thread>

namespace reel {
namespace detail {
namespace {

using ff::SwsPtr;

bool has_alpha(AVPixelFormat f)
{
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(f);
    return d && (d->flags & AV_PIX_FMT_FLAG_ALPHA);
}

/// Maps deprecated full-range "J" formats to their plain twins (range is set separately).
AVPixelFormat plain_format(AVPixelFormat f, bool& full_range)
{
    switch (f) {
        case AV_PIX_FMT_YUVJ420P: full_range = true; return AV_PIX_FMT_YUV420P;
        case AV_PIX_FMT_YUVJ422P: full_range = true; return AV_PIX_FMT_YUV422P;
        case AV_PIX_FMT_YUVJ444P: full_range = true; return AV_PIX_FMT_YUV444P;
        case AV_PIX_FMT_YUVJ440P: full_range = true; return AV_PIX_FMT_YUV440P;
        default: return f;
    }
}

/// Rotates a picture clockwise by 90, 180 or 270 degrees.
Image rotate_quarter(const Image& src, int cw)
{
    if (cw == 0) return src.clone();
    bool swap = cw == 90 || cw == 270;
    Image out(swap ? src.height() : src.width(), swap ? src.width() : src.height(), src.has_alpha());
    auto turn = [&](const std::uint8_t* s, int sstride, int sw, int sh, std::uint8_t* d, int dstride) {
        for (int y = 0; y < sh; ++y)
            for (int x = 0; x < sw; ++x) {
                int dx, dy;
                if (cw == 90) {
                    dx = sh - 1 - y;
                    dy = x;
                } else if (cw == 180) {
                    dx = sw - 1 - x;
                    dy = sh - 1 - y;
                } else {
                    dx = y;
                    dy = sw - 1 - x;
                }
                d[std::size_t(dy) * dstride + dx] = s[std::size_t(y) * sstride + x];
            }
    };
    turn(src.plane(0), src.stride(0), src.width(), src.height(), out.plane(0), out.stride(0));
    if (src.has_alpha())
        turn(src.plane(3), src.stride(3), src.width(), src.height(), out.plane(3), out.stride(3));
    for (int p = 1; p <= 2; ++p)
        turn(src.plane(p), src.stride(p), src.chroma_width(), src.chroma_height(), out.plane(p),
             out.stride(p));
    return out;
}

}  // namespace

/// One open decoder of one source's video stream, decoding forward and seeking.
class VideoDecoder {
public:
    /// `vector_size`: the size to rasterise a vector picture (SVG) at, when given.
    VideoDecoder(const MediaInfo& info, int threads, DecodeCounters& counters,
                 const std::shared_ptr<HwDevice>& hw = nullptr,
                 std::optional<std::pair<int, int>> vector_size = std::nullopt)
        : m_info(info), m_counters(counters)
    {
        m_input = ff::open_input(info.path);
        m_stream = m_input->streams[info.video->index];
        const AVCodec* codec = avcodec_find_decoder(m_stream->codecpar->codec_id);
        if (!codec)
            throw Error(ErrorCode::decode, "decode",
                        "\"" + info.path + "\": no decoder for codec " + info.video->codec)
                .with_file(info.path);
        m_codec.reset(avcodec_alloc_context3(codec));
        if (!m_codec) throw std::bad_alloc();
        ff::check(avcodec_parameters_to_context(m_codec.get(), m_stream->codecpar),
                  "cannot configure the decoder for", info.path, ErrorCode::decode);
        m_codec->thread_count = threads;
        m_codec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
        m_codec->pkt_timebase = m_stream->time_base;
        if (hw) attach(codec, *hw);
        ff::Options options;
        if (vector_size) {  // librsvg: draw at exactly this size
            options.set("width", std::to_string(vector_size->first).c_str());
            options.set("height", std::to_string(vector_size->second).c_str());
            options.set("keep_ar", "0");
        }
        ff::check(avcodec_open2(m_codec.get(), codec, options.get()), "cannot open the decoder for",
                  info.path, ErrorCode::decode);
        m_packet = ff::make_packet();
        m_time_base = *ff::to_rational(m_stream->time_base);
        m_start = m_stream->start_time != AV_NOPTS_VALUE ? m_stream->start_time : 0;
        ++m_counters.decoders_opened;
    }

    std::int64_t last_tick = -1;
    bool fresh() const { return !m_cur; }
    /// Source time (seconds from the stream's start) of the frame decoded last, if any.
    std::optional<Rational> position() const
    {
        if (!m_cur) return std::nullopt;
        return time_of(m_cur_pts);
    }

    /// The frame nearest to source time t (ties to the earlier). The returned frame is
    /// owned by the decoder and valid until the next call.
    const AVFrame* frame_at(const Rational& t)
    {
        std::int64_t target = ts_of(t);
        bool behind = m_cur && target < m_cur_pts;
        // Past the end of the data nothing is gained by seeking again: hold or fail below.
        bool far_ahead = m_cur && !m_at_end && time_of(target) > time_of(m_cur_pts) + Rational(2);
        bool start_far = !m_cur && t > Rational(2);
        if (behind || far_ahead || start_far) seek(target);
        if (!m_cur && !decode_next(m_cur, m_cur_pts)) eof_error(t, std::nullopt);
        while (true) {
            if (!m_next) {
                if (!decode_next(m_next, m_next_pts)) {
                    // The stream ended before the target. Containers often claim a little
                    // more than the video holds: hold the last frame for up to 1 s; past
                    // that the file is truncated and the picture would be wrong.
                    m_at_end = true;
                    if (time_of(target) > time_of(m_cur_pts) + Rational(1)) eof_error(t, time_of(m_cur_pts));
                    return m_cur.get();
                }
            }
            if (m_next_pts > target) {
                // Nearest of cur and next; exactly half-way goes to the earlier.
                if (target - m_cur_pts <= m_next_pts - target) return m_cur.get();
                std::swap(m_cur, m_next);
                std::swap(m_cur_pts, m_next_pts);
                m_next.reset();
                return m_cur.get();
            }
            std::swap(m_cur, m_next);
            std::swap(m_cur_pts, m_next_pts);
            m_next.reset();
        }
    }

private:
    /// Decodes on the device when the codec can (a hwaccel for its kind); else stays in
    /// software, which the counters show (hw_frames_decoded).
    void attach(const AVCodec* codec, const HwDevice& hw)
    {
        auto type = reinterpret_cast<const AVHWDeviceContext*>(hw.device->data)->type;
        for (int i = 0;; ++i) {
            const AVCodecHWConfig* config = avcodec_get_hw_config(codec, i);
            if (!config) return;
            if ((config->methods & AV_CODEC_HW_CONFIG_METHOD_HW_DEVICE_CTX) && config->device_type == type) {
                m_hw_format = config->pix_fmt;
                break;
            }
        }
        m_codec->hw_device_ctx = av_buffer_ref(hw.device.get());
        if (!m_codec->hw_device_ctx) throw std::bad_alloc();
        m_codec->opaque = this;
        m_codec->get_format = [](AVCodecContext* c, const AVPixelFormat* formats) {
            auto* self = static_cast<VideoDecoder*>(c->opaque);
            for (const AVPixelFormat* f = formats; *f != AV_PIX_FMT_NONE; ++f)
                if (*f == self->m_hw_format) return *f;
            // This stream's profile has no hwaccel: software (the first format that is not
            // a hardware one).
            for (const AVPixelFormat* f = formats; *f != AV_PIX_FMT_NONE; ++f) {
                const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(*f);
                if (d && !(d->flags & AV_PIX_FMT_FLAG_HWACCEL)) return *f;
            }
            return AV_PIX_FMT_NONE;
        };
    }

    /// A frame on the device, brought back to system memory.
    void download(ff::FramePtr& frame)
    {
        ff::FramePtr soft = ff::make_frame();
        ff::check(av_hwframe_transfer_data(soft.get(), frame.get(), 0), "cannot copy a decoded frame of",
                  m_info.path, ErrorCode::decode);
        ff::check(av_frame_copy_props(soft.get(), frame.get()), "cannot copy a decoded frame of", m_info.path,
                  ErrorCode::decode);
        frame = std::move(soft);
        ++m_counters.hw_frames_decoded;
    }

    Rational time_of(std::int64_t ts) const { return Rational(ts - m_start) * m_time_base; }
    std::int64_t ts_of(const Rational& t) const { return (t / m_time_base).round_half_down() + m_start; }

    [[noreturn]] void eof_error(const Rational& t, std::optional<Rational> last)
    {
        char buf[160];
        if (last)
            std::snprintf(buf, sizeof buf, "its video ends at %.3f s, but the timeline needs %.3f s",
                          last->to_double(), t.to_double());
        else
            std::snprintf(buf, sizeof buf, "no video frame could be decoded at or before %.3f s",
                          t.to_double());
        throw Error(
            ErrorCode::decode, "decode", "\"" + m_info.path + "\": " + buf,
            "the file may be truncated or corrupt; check it plays to the end, or shorten the clip's \"out\"")
            .with_file(m_info.path);
    }

    void seek(std::int64_t target)
    {
        ++m_counters.seeks;
        int ret = av_seek_frame(m_input.get(), m_stream->index, target, AVSEEK_FLAG_BACKWARD);
        if (ret < 0) ret = av_seek_frame(m_input.get(), m_stream->index, m_start, AVSEEK_FLAG_BACKWARD);
        ff::check(ret, "cannot seek in", m_info.path, ErrorCode::decode);
        avcodec_flush_buffers(m_codec.get());
        m_eof = false;
        m_draining = false;
        m_at_end = false;
        m_cur.reset();
        m_next.reset();
    }

    /// Decodes the next frame in presentation order; false at the end of the stream.
    bool decode_next(ff::FramePtr& out, std::int64_t& pts)
    {
        try {
            return decode_next_unchecked(out, pts);
        } catch (Error& e) {
            if (e.hint().empty()) e.with_hint("the file may be truncated or corrupt");
            throw;
        }
    }

    bool decode_next_unchecked(ff::FramePtr& out, std::int64_t& pts)
    {
        if (!out) out = ff::make_frame();
        while (true) {
            int ret = avcodec_receive_frame(m_codec.get(), out.get());
            if (ret >= 0) {
                ++m_counters.frames_decoded;
                if (m_hw_format != AV_PIX_FMT_NONE && out->format == m_hw_format) download(out);
                pts = out->best_effort_timestamp != AV_NOPTS_VALUE ? out->best_effort_timestamp : out->pts;
                if (pts == AV_NOPTS_VALUE) pts = m_cur ? m_cur_pts + 1 : m_start;
                return true;
            }
            if (ret == AVERROR_EOF) {
                out.reset();
                return false;
            }
            if (ret != AVERROR(EAGAIN)) ff::check(ret, "cannot decode", m_info.path, ErrorCode::decode);
            if (m_draining) {
                out.reset();
                return false;
            }
            // Feed one more packet of our stream.
            while (true) {
                ret = av_read_frame(m_input.get(), m_packet.get());
                if (ret == AVERROR_EOF || ret == AVERROR(EIO) || (ret < 0 && avio_feof(m_input->pb))) {
                    ff::check(avcodec_send_packet(m_codec.get(), nullptr), "cannot flush the decoder of",
                              m_info.path, ErrorCode::decode);
                    m_draining = true;
                    break;
                }
                ff::check(ret, "cannot read", m_info.path, ErrorCode::decode);
                if (m_packet->stream_index != m_stream->index) {
                    av_packet_unref(m_packet.get());
                    continue;
                }
                ret = avcodec_send_packet(m_codec.get(), m_packet.get());
                av_packet_unref(m_packet.get());
                if (ret == AVERROR_INVALIDDATA) {
                    // A damaged packet: count it and carry on, as players do.
                    ++m_counters.frames_decoded;
                    continue;
                }
                ff::check(ret, "cannot decode", m_info.path, ErrorCode::decode);
                break;
            }
        }
    }

    const MediaInfo& m_info;
    DecodeCounters& m_counters;
    ff::InputPtr m_input;
    AVStream* m_stream = nullptr;
    ff::CodecContextPtr m_codec;
    AVPixelFormat m_hw_format = AV_PIX_FMT_NONE;
    ff::PacketPtr m_packet;
    Rational m_time_base;
    std::int64_t m_start = 0;
    ff::FramePtr m_cur, m_next;
    std::int64_t m_cur_pts = 0, m_next_pts = 0;
    bool m_eof = false, m_draining = false, m_at_end = false;
};

/// Converts decoded frames to upright working-format Images with swscale.
class Converter {
public:
    /// Converts frame `f` to the working format: its `part` (upright pixels; whole frame
    /// when empty) scaled to w x h (the part's size when 0).
    Image convert(const AVFrame* f, int rotation, const std::string& path, Rect part = {}, int w = 0,
                  int h = 0)
    {
        if (rotation != 0) {
            // Rare (phone footage): convert whole, turn upright, then crop and scale.
            Image upright = rotate_quarter(convert(f, 0, path), rotation);
            if (part.empty()) part = {0, 0, upright.width(), upright.height()};
            if (w == 0) w = part.w, h = part.h;
            if (part == Rect{0, 0, upright.width(), upright.height()} && w == part.w && h == part.h)
                return upright;
            return scale(upright, part, w, h);
        }
        bool full = f->color_range == AVCOL_RANGE_JPEG;
        AVPixelFormat src_fmt = plain_format(static_cast<AVPixelFormat>(f->format), full);
        const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(src_fmt);
        if (!desc)
            throw Error(ErrorCode::decode, "decode", "\"" + path + "\": unknown picture format")
                .with_file(path);
        if (part.empty()) part = {0, 0, f->width, f->height};
        // Crop by moving plane pointers; subsampled chroma needs an even origin.
        int mask_x = (1 << desc->log2_chroma_w) - 1, mask_y = (1 << desc->log2_chroma_h) - 1;
        int px = part.x & ~mask_x, py = part.y & ~mask_y;
        int pw = std::min(part.w + (part.x - px), f->width - px),
            ph = std::min(part.h + (part.y - py), f->height - py);
        if (w == 0) w = part.w, h = part.h;
        if (px != part.x || py != part.y) {
            // An odd crop origin on subsampled chroma: convert the even-aligned area as it
            // is, then take exactly the part (resampling within it only).
            Image aligned = convert(f, 0, path, Rect{px, py, pw, ph}, pw, ph);
            return scale(aligned, Rect{part.x - px, part.y - py, part.w, part.h}, w, h);
        }
        // Zero copy: a frame already in the working format is wrapped, not converted.
        if (src_fmt == AV_PIX_FMT_YUV420P && !full && part == Rect{0, 0, f->width, f->height} &&
            w == f->width && h == f->height &&
            (f->colorspace == AVCOL_SPC_BT709 ||
             (f->colorspace == AVCOL_SPC_UNSPECIFIED && f->height >= 720))) {
            std::shared_ptr<AVFrame> ref(av_frame_clone(f), [](AVFrame* p) { av_frame_free(&p); });
            if (!ref) throw std::bad_alloc();
            std::uint8_t* planes[3] = {ref->data[0], ref->data[1], ref->data[2]};
            int strides[3] = {ref->linesize[0], ref->linesize[1], ref->linesize[2]};
            return Image(w, h, planes, strides, ref);
        }
        const std::uint8_t* data[4] = {nullptr, nullptr, nullptr, nullptr};
        for (int p = 0; p < 4 && f->data[p]; ++p) {
            int step = 1;
            for (int c = 0; c < desc->nb_components; ++c)
                if (desc->comp[c].plane == p) step = desc->comp[c].step;
            bool chroma_plane = (p == 1 || p == 2) && !(desc->flags & AV_PIX_FMT_FLAG_RGB);
            int sx = chroma_plane ? desc->log2_chroma_w : 0, sy = chroma_plane ? desc->log2_chroma_h : 0;
            data[p] =
                f->data[p] + std::ptrdiff_t(py >> sy) * f->linesize[p] + std::ptrdiff_t(px >> sx) * step;
        }
        bool alpha = has_alpha(src_fmt);
        AVPixelFormat dst_fmt = alpha ? AV_PIX_FMT_YUVA420P : AV_PIX_FMT_YUV420P;
        int flags = (w == pw && h == ph) ? SWS_POINT : SWS_BICUBIC;
        m_ctx.reset(sws_getCachedContext(m_ctx.release(), pw, ph, src_fmt, w, h, dst_fmt,
                                         flags | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr,
                                         nullptr));
        if (!m_ctx)
            throw Error(ErrorCode::decode, "decode",
                        "\"" + path + "\": cannot convert pictures of format " +
                            (av_get_pix_fmt_name(src_fmt) ? av_get_pix_fmt_name(src_fmt) : "unknown"))
                .with_file(path);
        int src_space = SWS_CS_DEFAULT;
        switch (f->colorspace) {
            case AVCOL_SPC_BT709: src_space = SWS_CS_ITU709; break;
            case AVCOL_SPC_BT470BG:
            case AVCOL_SPC_SMPTE170M: src_space = SWS_CS_ITU601; break;
            case AVCOL_SPC_BT2020_NCL:
            case AVCOL_SPC_BT2020_CL: src_space = SWS_CS_BT2020; break;
            default: src_space = f->height >= 720 ? SWS_CS_ITU709 : SWS_CS_ITU601; break;
        }
        sws_setColorspaceDetails(m_ctx.get(), sws_getCoefficients(src_space), full ? 1 : 0,
                                 sws_getCoefficients(SWS_CS_ITU709), 0, 0, 1 << 16, 1 << 16);
        Image img(w, h, alpha);
        std::uint8_t* dst[4] = {img.plane(0), img.plane(1), img.plane(2), alpha ? img.plane(3) : nullptr};
        int strides[4] = {img.stride(0), img.stride(1), img.stride(2), alpha ? img.stride(3) : 0};
        int ret = sws_scale(m_ctx.get(), data, f->linesize, 0, ph, dst, strides);
        if (ret <= 0)
            throw Error(ErrorCode::decode, "decode", "\"" + path + "\": picture conversion failed")
                .with_file(path);
        return img;
    }

private:
    SwsPtr m_ctx;
};

/// Decodes the frames of an image sequence, each file on its own, several at once: a request
/// for frame i starts the files of the frames after it too (`depth` in flight), on their
/// own threads, so the compositor finds them decoded. Frames are kept as decoded AVFrames
/// (converted on the compositor's thread like any video frame) for a short window.
class SequenceReader {
public:
    SequenceReader(const MediaInfo& info, DecodeCounters& counters)
        : m_info(info), m_q(*info.sequence), m_counters(counters), m_depth(depth_for(info))
    {
    }

    /// Frames decoded ahead: one per core (2 to 8), fewer for big pictures so that what is
    /// held stays near 96 MiB (a 4K 16-bit RGBA frame is 66 MB: then one).
    static int depth_for(const MediaInfo& info)
    {
        const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(av_get_pix_fmt(info.video->pixel_format.c_str()));
        bool deep = d && d->comp[0].depth > 8;
        double bytes = double(info.video->width) * info.video->height * (deep ? 8 : 4);
        int by_memory = int(std::max(1.0, 96.0 * 1024 * 1024 / std::max(bytes, 1.0)));
        int cores = int(std::clamp(std::thread::hardware_concurrency(), 2u, 8u));
        return std::max(1, std::min(cores, by_memory));
    }
    ~SequenceReader()
    {
        for (auto& [i, f] : m_frames) f.wait();
    }

    /// The frame index shown at source time t (nearest, ties to the earlier), clamped.
    std::int64_t index_at(const Rational& t) const
    {
        std::int64_t i = (t * m_q.rate).round_half_down();
        return std::clamp<std::int64_t>(i, 0, m_q.frames - 1);
    }

    /// The decoded frame of file index `i` (which exists).
    std::shared_ptr<const AVFrame> frame(std::int64_t i)
    {
        // Keep a window around i; start i and the frames after it.
        for (auto it = m_frames.begin(); it != m_frames.end();) {
            if (it->first < i - 1 || it->first > i + 2 * m_depth) {
                it->second.wait();
                merge(it->first);
                it = m_frames.erase(it);
            } else {
                ++it;
            }
        }
        start(i);
        for (std::int64_t k = i + 1, n = 0; k < m_q.frames && n < m_depth; ++k)
            if (m_q.present(k)) start(k), ++n;
        auto& f = m_frames.at(i);
        std::shared_ptr<const AVFrame> out = f.get().frame;  // rethrows a decoding error
        merge(i);
        return out;
    }

    std::int64_t peak_in_flight() const { return m_peak.load(); }

private:
    struct Decoded {
        std::shared_ptr<const AVFrame> frame;
        DecodeCounters counters;
    };

    void start(std::int64_t i)
    {
        if (m_frames.count(i)) return;
        std::string file = m_q.file(i);
        m_frames.emplace(i, std::async(std::launch::async, [this, file] {
                                int now = ++m_in_flight;
                                for (int p = m_peak.load();
                                     now > p && !m_peak.compare_exchange_weak(p, now);) {
                                }
                                struct Done {
                                    std::atomic<int>& n;
                                    ~Done() { --n; }
                                } done{m_in_flight};
                                Decoded d;
                                MediaInfo one = m_info;
                                one.path = file;
                                one.sequence.reset();
                                VideoDecoder dec(one, 1, d.counters);
                                const AVFrame* f = dec.frame_at(Rational(0));
                                AVFrame* copy = av_frame_clone(f);
                                if (!copy) throw std::bad_alloc();
                                d.frame = std::shared_ptr<const AVFrame>(copy, [](const AVFrame* p) {
                                    AVFrame* q = const_cast<AVFrame*>(p);
                                    av_frame_free(&q);
                                });
                                return d;
                            }).share());
    }

    /// Adds a finished decode's counters once.
    void merge(std::int64_t i)
    {
        auto it = m_frames.find(i);
        if (it == m_frames.end() || !m_merged.insert(i).second) return;
        try {
            const DecodeCounters& c = it->second.get().counters;
            m_counters.decoders_opened += c.decoders_opened;
            m_counters.frames_decoded += c.frames_decoded;
        } catch (...) {
        }
        if (m_merged.size() > 4096) m_merged.clear();
    }

    const MediaInfo& m_info;
    const SequenceInfo& m_q;
    DecodeCounters& m_counters;
    int m_depth;
    std::map<std::int64_t, std::shared_future<Decoded>> m_frames;
    std::set<std::int64_t> m_merged;
    std::atomic<int> m_in_flight{0}, m_peak{0};
};

}  // namespace detail

struct DecoderPool::Source {
    MediaInfo info;
    std::vector<std::unique_ptr<detail::VideoDecoder>> decoders;
    detail::Converter converter;
    std::shared_ptr<const Image> still;
    std::unique_ptr<detail::SequenceReader> sequence;
    std::int64_t last_index = -1;  ///< sequences: the file index of last_picture

    /// Remembers the picture served last and what it was made from.
    void keep(std::shared_ptr<const Image> picture, const AVFrame* frame, std::int64_t pts,
              std::int64_t index, const Rect& part, int w, int h)
    {
        last_picture = std::move(picture);
        last_frame = frame;
        last_pts = pts;
        last_index = index;
        last_part = part;
        last_w = w;
        last_h = h;
    }
    // The last picture served per decoder frame, so repeated requests for one frame
    // (slow motion, a comp shown twice) convert it once.
    const AVFrame* last_frame = nullptr;
    std::int64_t last_pts = -1;
    Rect last_part;
    int last_w = 0, last_h = 0;
    std::shared_ptr<const Image> last_picture;
};

DecoderPool::DecoderPool(std::map<std::string, MediaInfo> sources, int threads)
    : m_threads(std::max(1, threads))
{
    for (auto& [id, info] : sources) {
        auto s = std::make_unique<Source>();
        s->info = std::move(info);
        m_sources.emplace(id, std::move(s));
    }
}

DecoderPool::~DecoderPool() = default;

int DecoderPool::close_except(const std::set<std::string>& keep)
{
    int closed = 0;
    for (auto& [id, source] : m_sources) {
        if (keep.count(id) || source->decoders.empty()) continue;
        closed += int(source->decoders.size()) + (source->sequence ? 1 : 0);
        source->decoders.clear();
        if (source->sequence)
            m_counters.sequence_decodes_peak =
                std::max(m_counters.sequence_decodes_peak, source->sequence->peak_in_flight());
        source->sequence.reset();
        source->last_index = -1;
        source->last_frame = nullptr;
        source->last_pts = -1;
        source->last_picture.reset();
        source->converter = detail::Converter();
    }
    m_counters.decoders_closed += closed;
    return closed;
}

bool DecoderPool::is_vector(const std::string& media) const
{
    auto it = m_sources.find(media);
    return it != m_sources.end() && it->second->info.still_image && it->second->info.video &&
           it->second->info.video->codec == "svg" && !it->second->info.logical_size;
}

std::shared_ptr<const Image> DecoderPool::raster(const std::string& media, int w, int h)
{
    Stopwatch started;
    auto it = m_sources.find(media);
    if (it == m_sources.end() || !is_vector(media))
        throw Error(ErrorCode::internal, "decode", "media \"" + media + "\" is not a vector picture");
    Source& src = *it->second;
    detail::VideoDecoder dec(src.info, 1, m_counters, nullptr, std::pair{w, h});
    const AVFrame* f = dec.frame_at(Rational(0));
    auto out = std::make_shared<const Image>(f->width == w && f->height == h
                                                 ? src.converter.convert(f, 0, src.info.path)
                                                 : src.converter.convert(f, 0, src.info.path, Rect{}, w, h));
    ++m_counters.pictures_converted;
    m_counters.seconds += started.seconds();
    return out;
}

bool DecoderPool::has_picture(const std::string& media) const
{
    auto it = m_sources.find(media);
    return it != m_sources.end() && it->second->info.video.has_value();
}

std::pair<int, int> DecoderPool::size(const std::string& media) const
{
    auto it = m_sources.find(media);
    if (it == m_sources.end() || !it->second->info.video)
        throw Error(ErrorCode::internal, "decode", "media \"" + media + "\" has no picture");
    if (it->second->info.logical_size) return *it->second->info.logical_size;
    return {it->second->info.video->display_width, it->second->info.video->display_height};
}

std::shared_ptr<const Image> DecoderPool::picture(const std::string& media, const Rational& source_time,
                                                  std::int64_t tick)
{
    return picture(media, source_time, tick, Rect{}, 0, 0);
}

std::shared_ptr<const Image> DecoderPool::picture(const std::string& media, const Rational& source_time,
                                                  std::int64_t tick, const Rect& asked_part, int asked_w,
                                                  int asked_h)
{
    Rect part = asked_part;
    int w = asked_w, h = asked_h;
    Stopwatch started;
    auto account = [&] { m_counters.seconds += started.seconds(); };
    auto it = m_sources.find(media);
    if (it == m_sources.end() || !it->second->info.video)
        throw Error(ErrorCode::internal, "decode", "media \"" + media + "\" has no picture");
    Source& src = *it->second;
    int rotation = src.info.video->rotation;
    if (src.info.still_image) {
        if (!src.still) {
            detail::VideoDecoder dec(src.info, 1, m_counters);
            const AVFrame* f = dec.frame_at(Rational(0));
            // A stand-in's still comes at the size the timeline addresses.
            auto [lw, lh] = size(media);
            Rect whole{0, 0, src.info.video->display_width, src.info.video->display_height};
            src.still = std::make_shared<const Image>(
                src.info.logical_size ? src.converter.convert(f, rotation, src.info.path, whole, lw, lh)
                                      : src.converter.convert(f, rotation, src.info.path));
            ++m_counters.pictures_converted;
        }
        account();
        return src.still;
    }
    if (src.info.sequence) {
        std::shared_ptr<const Image> p = sequence_picture(src, source_time, part, w, h);
        account();
        return p;
    }
    if (src.info.logical_size) {
        // A stand-in: the part asked for, in the timeline's pixels, mapped onto its own.
        auto [lw, lh] = *src.info.logical_size;
        int dw = src.info.video->display_width, dh = src.info.video->display_height;
        Rect asked = asked_part.empty() ? Rect{0, 0, lw, lh} : asked_part;
        if (w == 0) w = asked.w, h = asked.h;
        double kx = double(dw) / lw, ky = double(dh) / lh;
        int x0 = int(std::lround(asked.x * kx)), y0 = int(std::lround(asked.y * ky));
        int x1 = int(std::lround((asked.x + asked.w) * kx)), y1 = int(std::lround((asked.y + asked.h) * ky));
        part = Rect{x0, y0, std::max(1, x1 - x0), std::max(1, y1 - y0)}.intersect({0, 0, dw, dh});
    }
    // Pick a decoder. A decoder that already served this output frame (another use of
    // the source at the same instant) is not moved, except to re-serve its frame. Then:
    // the decoder closest behind the target within 2 s (decodes forward); else one idle
    // this frame (it seeks); else a new one, at most 3; else the least recently used.
    detail::VideoDecoder* chosen = nullptr;
    Rational best_gap;
    for (auto& d : src.decoders) {
        auto pos = d->position();
        if (!pos) continue;
        Rational gap = source_time - *pos;
        bool busy = d->last_tick == tick;
        bool usable = busy ? (gap >= Rational(-1, 1000) && gap <= Rational(1, 1000))
                           : (gap >= Rational(-1, 1000) && gap <= Rational(2));
        if (usable && (!chosen || gap < best_gap)) {
            chosen = d.get();
            best_gap = gap;
        }
    }
    if (!chosen)
        for (auto& d : src.decoders)
            if (d->last_tick < tick && (!chosen || d->last_tick < chosen->last_tick)) chosen = d.get();
    if (!chosen && src.decoders.size() < 3) {
        src.decoders.push_back(std::make_unique<detail::VideoDecoder>(src.info, m_threads, m_counters, m_hw));
        chosen = src.decoders.back().get();
    }
    if (!chosen)
        for (auto& d : src.decoders)
            if (!chosen || d->last_tick < chosen->last_tick) chosen = d.get();
    chosen->last_tick = tick;
    const AVFrame* f = chosen->frame_at(source_time);
    std::int64_t pts = f->best_effort_timestamp != AV_NOPTS_VALUE ? f->best_effort_timestamp : f->pts;
    if (src.last_picture && src.last_frame == f && src.last_pts == pts && src.last_part == part &&
        src.last_w == w && src.last_h == h) {
        account();
        return src.last_picture;
    }
    src.keep(std::make_shared<const Image>(src.converter.convert(f, rotation, src.info.path, part, w, h)), f,
             pts, -1, part, w, h);
    ++m_counters.pictures_converted;
    account();
    return src.last_picture;
}

std::shared_ptr<const Image> DecoderPool::sequence_picture(Source& src, const Rational& source_time,
                                                           Rect part, int w, int h)
{
    const SequenceInfo& q = *src.info.sequence;
    if (!src.sequence) {
        src.sequence = std::make_unique<detail::SequenceReader>(src.info, m_counters);
        src.last_index = -1;
    }
    std::int64_t i = src.sequence->index_at(source_time);
    if (!q.present(i)) {
        if (q.missing == "hold") {  // the last frame before it that exists, else the first after
            std::int64_t k = i;
            while (k >= 0 && !q.present(k)) --k;
            if (k < 0)
                for (k = i; !q.present(k);) ++k;
            i = k;
        } else {  // black, at the size asked for
            int bw = w ? w : (part.empty() ? src.info.video->display_width : part.w);
            int bh = h ? h : (part.empty() ? src.info.video->display_height : part.h);
            auto black = std::make_shared<Image>(bw, bh, false);
            black->fill(Yuva{16, 128, 128, 255});
            return black;
        }
    }
    if (src.last_picture && src.last_index == i && src.last_part == part && src.last_w == w &&
        src.last_h == h)
        return src.last_picture;
    std::shared_ptr<const AVFrame> f = src.sequence->frame(i);
    m_counters.sequence_decodes_peak =
        std::max(m_counters.sequence_decodes_peak, src.sequence->peak_in_flight());
    src.keep(std::make_shared<const Image>(src.converter.convert(f.get(), 0, q.file(i), part, w, h)), nullptr,
             -1, i, part, w, h);
    ++m_counters.pictures_converted;
    return src.last_picture;
}

}  // namespace reel
