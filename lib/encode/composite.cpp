// SPDX-License-Identifier: Apache-2.0
#include "encode/composite.h"

#include "ff/ff.h"
#include "util/error.h"

extern "C" {
#include <libavcodec/bsf.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace reel {
namespace {

Rational inverse(const Rational& r)
{
    return Rational(r.den(), r.num());
}

std::string text(int v)
{
    return std::to_string(v);
}

std::string codec_text(AVCodecID id)
{
    return avcodec_get_name(id);
}

std::string profile_text(const AVCodecParameters* p)
{
    const char* name = avcodec_profile_name(p->codec_id, p->profile);
    return name ? name : text(p->profile);
}

std::string format_text(int f)
{
    const char* name = av_get_pix_fmt_name(AVPixelFormat(f));
    return name ? name : text(f);
}

/// The codec headers in extradata as a list of NAL units, whether the extradata is an
/// H.264 avcC record (MP4) or Annex B start codes (an encoder's own output); other codecs'
/// extradata whole.
std::vector<std::string> parameter_sets(const AVCodecParameters* p)
{
    const std::uint8_t* d = p->extradata;
    std::size_t n = std::size_t(std::max(p->extradata_size, 0));
    std::vector<std::string> units;
    if (p->codec_id == AV_CODEC_ID_H264 && n >= 7 && d[0] == 1) {
        std::size_t pos = 5;
        for (int kind = 0; kind < 2 && pos < n; ++kind) {
            int count = kind == 0 ? (d[pos] & 0x1f) : d[pos];
            ++pos;
            for (int i = 0; i < count && pos + 2 <= n; ++i) {
                std::size_t len = std::size_t(d[pos]) << 8 | d[pos + 1];
                pos += 2;
                if (pos + len > n) break;
                units.emplace_back(reinterpret_cast<const char*>(d + pos), len);
                pos += len;
            }
        }
        return units;
    }
    if (p->codec_id == AV_CODEC_ID_H264 && n >= 4 && d[0] == 0 && d[1] == 0) {
        std::size_t pos = 0, start = std::string::npos;
        while (pos + 3 <= n) {
            if (d[pos] == 0 && d[pos + 1] == 0 && d[pos + 2] == 1) {
                if (start != std::string::npos) {
                    std::size_t end = pos;
                    while (end > start && d[end - 1] == 0) --end;
                    units.emplace_back(reinterpret_cast<const char*>(d + start), end - start);
                }
                pos += 3;
                start = pos;
            } else {
                ++pos;
            }
        }
        if (start != std::string::npos && start < n)
            units.emplace_back(reinterpret_cast<const char*>(d + start), n - start);
        return units;
    }
    units.emplace_back(reinterpret_cast<const char*>(d), n);
    return units;
}

}  // namespace

bool same_codec_headers(const StreamParams& a, const StreamParams& b)
{
    return a.get()->codec_id == b.get()->codec_id && parameter_sets(a.get()) == parameter_sets(b.get());
}

EncodedInput::EncodedInput(const std::string& path, bool annex_b)
    : m_path(path), m_input(ff::open_input(path))
{
    m_video = av_find_best_stream(m_input.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (m_video < 0)
        throw Error(ErrorCode::media, "composite", "\"" + path + "\" has no video stream").with_file(path);
    m_audio = av_find_best_stream(m_input.get(), AVMEDIA_TYPE_AUDIO, -1, m_video, nullptr, 0);
    if (m_audio < 0) m_audio = -1;
    AVStream* st = m_input->streams[m_video];
    auto rate = ff::to_rational(st->avg_frame_rate);
    if (!rate || *rate <= Rational(0)) rate = ff::to_rational(st->r_frame_rate);
    if (!rate || *rate <= Rational(0))
        throw Error(ErrorCode::media, "composite", "\"" + path + "\" has no frame rate").with_file(path);
    m_fps = *rate;
    m_origin = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
    m_video_params = StreamParams(st->codecpar);
    if (m_audio >= 0) m_audio_params.emplace(m_input->streams[m_audio]->codecpar);
    for (unsigned i = 0; i < m_input->nb_streams; ++i)
        if (int(i) != m_video && int(i) != m_audio) m_input->streams[i]->discard = AVDISCARD_ALL;
    if (annex_b && st->codecpar->codec_id == AV_CODEC_ID_H264) {
        const AVBitStreamFilter* filter = av_bsf_get_by_name("h264_mp4toannexb");
        AVBSFContext* raw = nullptr;
        if (!filter)
            throw Error(ErrorCode::internal, "composite", "FFmpeg lacks the h264_mp4toannexb filter");
        ff::check(av_bsf_alloc(filter, &raw), "cannot set up a filter for", path, ErrorCode::internal);
        m_bsf.reset(raw);
        ff::check(avcodec_parameters_copy(raw->par_in, st->codecpar), "cannot set up a filter for", path,
                  ErrorCode::internal);
        raw->time_base_in = st->time_base;
        ff::check(av_bsf_init(raw), "cannot set up a filter for", path, ErrorCode::internal);
    }
}

bool EncodedInput::next(Packet& out, bool& is_video)
{
    AVPacket* packet = out.get();
    // Whatever the packet held is dropped first: av_read_frame() overwrites without
    // unreferencing (a caller that kept its last packet would leak it).
    av_packet_unref(packet);
    while (true) {
        int ret = av_read_frame(m_input.get(), packet);
        if (ret == AVERROR_EOF) return false;
        ff::check(ret, "cannot read", m_path, ErrorCode::media);
        AVStream* vs = m_input->streams[m_video];
        if (packet->stream_index == m_video) {
            is_video = true;
            if (m_bsf) {
                // h264_mp4toannexb gives exactly one packet for each one it takes.
                ff::check(av_bsf_send_packet(m_bsf.get(), packet), "cannot convert", m_path,
                          ErrorCode::media);
                ff::check(av_bsf_receive_packet(m_bsf.get(), packet), "cannot convert", m_path,
                          ErrorCode::media);
            }
            Rational frame_tb = inverse(m_fps);
            Rational stream_tb = *ff::to_rational(vs->time_base);
            auto to_frames = [&](std::int64_t t) {
                return t == AV_NOPTS_VALUE ? t : ff::rescale(t - m_origin, stream_tb, frame_tb);
            };
            packet->pts = to_frames(packet->pts);
            packet->dts = to_frames(packet->dts);
            packet->duration = 1;
            return true;
        }
        if (packet->stream_index == m_audio) {
            is_video = false;
            AVStream* as = m_input->streams[m_audio];
            Rational sample_tb(1, as->codecpar->sample_rate);
            Rational audio_tb = *ff::to_rational(as->time_base);
            std::int64_t origin = ff::rescale(m_origin, *ff::to_rational(vs->time_base), sample_tb);
            if (packet->pts != AV_NOPTS_VALUE)
                packet->pts = ff::rescale(packet->pts, audio_tb, sample_tb) - origin;
            if (packet->dts != AV_NOPTS_VALUE)
                packet->dts = ff::rescale(packet->dts, audio_tb, sample_tb) - origin;
            packet->duration = ff::rescale(packet->duration, audio_tb, sample_tb);
            return true;
        }
        av_packet_unref(packet);
    }
}

EncodedFileCheck check_encoded_file(const std::string& path)
{
    EncodedInput in(path, true);
    EncodedFileCheck check;
    AVCodecID codec = in.video().get()->codec_id;
    Packet p;
    bool is_video = false;
    while (in.next(p, is_video)) {
        if (!is_video) continue;
        if (check.frames++ > 0) continue;
        if (codec != AV_CODEC_ID_H264 && codec != AV_CODEC_ID_HEVC) {
            check.starts_with_idr = p.keyframe();
            continue;
        }
        const std::uint8_t* d = p.get()->data;
        int n = p.get()->size;
        if (codec == AV_CODEC_ID_H264) {
            // Annex B (EncodedInput converts H.264): an IDR slice's NAL unit after a start code.
            for (int i = 0; i + 3 < n && !check.starts_with_idr; ++i)
                if (d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1 && (d[i + 3] & 0x1f) == 5)
                    check.starts_with_idr = true;
        } else {
            // HEVC as MP4 stores it: 4-byte lengths; IDR_W_RADL (19) or IDR_N_LP (20).
            for (int i = 0; i + 4 < n && !check.starts_with_idr;) {
                std::int64_t len = (std::int64_t(d[i]) << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3];
                int type = (d[i + 4] >> 1) & 0x3f;
                check.starts_with_idr = type == 19 || type == 20;
                i += 4 + int(std::min<std::int64_t>(len, n));
            }
        }
    }
    return check;
}

std::string incompatibility(const EncodedInput& a, const EncodedInput& b)
{
    auto differs = [](const std::string& what, const std::string& x, const std::string& y) {
        return what + " differs (" + x + " vs " + y + ")";
    };
    const AVCodecParameters* p = a.video().get();
    const AVCodecParameters* q = b.video().get();
    if (p->codec_id != q->codec_id) return differs("codec", codec_text(p->codec_id), codec_text(q->codec_id));
    if (p->profile != q->profile) return differs("profile", profile_text(p), profile_text(q));
    if (p->width != q->width) return differs("width", text(p->width), text(q->width));
    if (p->height != q->height) return differs("height", text(p->height), text(q->height));
    if (p->format != q->format)
        return differs("pixel format", format_text(p->format), format_text(q->format));
    if (a.fps() != b.fps()) return differs("frame rate", a.fps().to_string(), b.fps().to_string());
    if (p->level != q->level) return differs("level", text(p->level), text(q->level));
    if (p->color_range != q->color_range)
        return differs("colour range", av_color_range_name(p->color_range),
                       av_color_range_name(q->color_range));
    if (p->color_space != q->color_space)
        return differs("colour space", av_color_space_name(p->color_space),
                       av_color_space_name(q->color_space));
    if (!same_codec_headers(a.video(), b.video()))
        return "codec extradata (SPS/PPS) differs (" + text(p->extradata_size) + " vs " +
               text(q->extradata_size) + " bytes): the files were encoded with different settings";
    const AVCodecParameters* x = a.audio() ? a.audio()->get() : nullptr;
    const AVCodecParameters* y = b.audio() ? b.audio()->get() : nullptr;
    if (!x != !y) return differs("audio", x ? "a track" : "none", y ? "a track" : "none");
    if (x) {
        if (x->codec_id != y->codec_id)
            return differs("audio codec", codec_text(x->codec_id), codec_text(y->codec_id));
        if (x->sample_rate != y->sample_rate)
            return differs("audio sample rate", text(x->sample_rate), text(y->sample_rate));
        if (x->ch_layout.nb_channels != y->ch_layout.nb_channels)
            return differs("audio channels", text(x->ch_layout.nb_channels), text(y->ch_layout.nb_channels));
        if (x->extradata_size != y->extradata_size ||
            !std::equal(x->extradata, x->extradata + x->extradata_size, y->extradata))
            return "audio extradata differs";
    }
    return {};
}

Joiner::Joiner(Muxer& muxer, int video_stream, int audio_stream, Rational fps, int sample_rate)
    : m_muxer(muxer), m_video(video_stream), m_audio(audio_stream), m_fps(fps), m_rate(sample_rate)
{
}

void Joiner::begin_part()
{
    m_start = m_next;
}

void Joiner::write_video(Packet& out)
{
    AVPacket* packet = out.get();
    if (packet->pts == AV_NOPTS_VALUE || packet->dts == AV_NOPTS_VALUE)
        throw Error(ErrorCode::media, "composite", "a video packet has no timestamp");
    packet->pts += m_start;
    packet->dts += m_start;
    packet->duration = 1;  // an encoder's own packets may say 0: a fragment's last sample needs it
    if (packet->dts <= m_last_dts)
        throw Error(ErrorCode::media, "composite",
                    "video timestamps do not continue across a join (decode time " +
                        std::to_string(packet->dts) + " after " + std::to_string(m_last_dts) + ")",
                    "the parts were encoded with different frame delays (B-frame settings)");
    m_last_dts = packet->dts;
    m_next = std::max(m_next, packet->pts + 1);
    m_muxer.write(m_video, out);
}

void Joiner::write_audio(Packet& out)
{
    AVPacket* packet = out.get();
    if (m_audio < 0 || packet->dts == AV_NOPTS_VALUE) {
        av_packet_unref(packet);
        return;
    }
    std::int64_t offset = (Rational(m_start) * Rational(m_rate) / m_fps).round_half_down();
    packet->pts += offset;
    packet->dts += offset;
    if (packet->dts <= m_last_audio_dts) {
        av_packet_unref(packet);
        return;
    }
    m_last_audio_dts = packet->dts;
    m_muxer.write(m_audio, out);
}

TrackReader::TrackReader(const std::string& path) : m_path(path), m_input(ff::open_input(path))
{
    m_stream = av_find_best_stream(m_input.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
    if (m_stream < 0)
        throw Error(ErrorCode::media, "composite", "\"" + path + "\" has no audio stream").with_file(path);
    AVStream* st = m_input->streams[m_stream];
    m_params = StreamParams(st->codecpar);
    m_time_base = *ff::to_rational(st->time_base);
    for (unsigned i = 0; i < m_input->nb_streams; ++i)
        if (int(i) != m_stream) m_input->streams[i]->discard = AVDISCARD_ALL;
}

bool TrackReader::next(Packet& packet)
{
    while (true) {
        packet.unref();
        int ret = av_read_frame(m_input.get(), packet.get());
        if (ret == AVERROR_EOF) return false;
        ff::check(ret, "cannot read", m_path, ErrorCode::media);
        if (packet.get()->stream_index != m_stream) continue;
        m_bytes += packet.size();
        return true;
    }
}

std::int64_t Joiner::append(EncodedInput& input, const std::atomic<bool>* cancel)
{
    begin_part();
    std::int64_t before = m_next;
    Packet packet;
    bool is_video = false;
    while (input.next(packet, is_video)) {
        if (cancel && cancel->load())
            throw Error(ErrorCode::interrupted, "composite", "interrupted; nothing was written");
        if (is_video)
            write_video(packet);
        else
            write_audio(packet);
        packet.unref();
    }
    return m_next - before;
}

CompositeResult composite_files(const std::vector<std::string>& paths, const std::string& output,
                                bool overwrite, const std::atomic<bool>* cancel)
{
    if (paths.empty()) throw Error(ErrorCode::usage, "composite", "no input files to join");
    for (const auto& p : paths) {
        std::error_code ec;
        if (!std::filesystem::exists(p, ec))
            throw Error(ErrorCode::media, "composite", "\"" + p + "\": file not found", "check the path")
                .with_file(p);
    }
    // Every input is checked before anything is written, one open file at a time (a long
    // list must not run into the open-file limit); they are opened again to be joined.
    EncodedInput first(paths[0]);
    for (std::size_t i = 1; i < paths.size(); ++i) {
        std::string why = incompatibility(first, EncodedInput(paths[i]));
        if (!why.empty())
            throw Error(
                ErrorCode::media, "composite",
                "cannot join \"" + paths[i] + "\" after \"" + paths[0] + "\": " + why,
                "segments join by stream copy only when encoded with identical settings; re-render them "
                "with the same codec, size and encoder options")
                .with_file(paths[i]);
    }
    CompositeResult result;
    std::string container = container_for(output);
    check_container_codec(container, codec_text(first.video().get()->codec_id));
    AVCodecID audio_codec = first.audio() ? first.audio()->get()->codec_id : AV_CODEC_ID_NONE;
    if (first.audio() && container == "webm" && audio_codec != AV_CODEC_ID_OPUS &&
        audio_codec != AV_CODEC_ID_VORBIS)
        throw Error(ErrorCode::usage, "composite",
                    "WebM holds Opus or Vorbis sound, not " + codec_text(audio_codec),
                    "name the output .mkv");
    Muxer muxer(output);
    int video = muxer.add_stream(first.video(), inverse(first.fps()));
    int audio = -1;
    int rate = 0;
    if (first.audio()) {
        rate = first.audio()->get()->sample_rate;
        audio = muxer.add_stream(*first.audio(), Rational(1, rate));
        result.audio = true;
    }
    muxer.start();
    Joiner joiner(muxer, video, audio, first.fps(), rate);
    for (const auto& path : paths) {
        EncodedInput input(path);
        std::int64_t frames = joiner.append(input, cancel);
        CompositeInputInfo info;
        info.file = path;
        info.frames = frames;
        info.duration_seconds = (Rational(info.frames) / first.fps()).to_double();
        result.inputs.push_back(info);
    }
    muxer.finish(overwrite);
    result.frames = joiner.frames();
    result.bytes = muxer.bytes();
    return result;
}

}  // namespace reel
