// SPDX-License-Identifier: Apache-2.0
#include "media/probe.h"

#include "ff/ff.h"
#include "util/error.h"
#include "util/hash.h"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
}

#include <sys/stat.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace reel {
namespace {

std::optional<Rational> stream_duration(const AVStream* st)
{
    if (st->duration == AV_NOPTS_VALUE || st->duration <= 0) return std::nullopt;
    auto tb = ff::to_rational(st->time_base);
    if (!tb) return std::nullopt;
    return Rational(st->duration) * *tb;
}

int rotation_of(const AVStream* st)
{
    const std::uint8_t* matrix = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, nullptr);
    if (!matrix) return 0;
    double angle = av_display_rotation_get(reinterpret_cast<const std::int32_t*>(matrix));
    if (std::isnan(angle)) return 0;
    // av_display_rotation_get is counter-clockwise; reel reports the clockwise turn that
    // shows the picture upright.
    int cw = int(std::lround(-angle)) % 360;
    if (cw < 0) cw += 360;
    return (cw + 45) / 90 * 90 % 360;
}

bool is_image_demuxer(const std::string& name)
{
    return name == "image2" || (name.size() > 5 && name.compare(name.size() - 5, 5, "_pipe") == 0);
}

/// Reads the first packets of the video stream: keyframe interval and frame-rate
/// regularity, without decoding.
void scan_packets(AVFormatContext* fmt, VideoStreamInfo& v)
{
    auto pkt = ff::make_packet();
    std::vector<std::int64_t> pts;
    std::vector<int> key_positions;
    int count = 0;
    for (int read = 0; read < 2000 && count < 400; ++read) {
        int ret = av_read_frame(fmt, pkt.get());
        if (ret < 0) break;  // EOF or a damaged tail: what was read is enough
        if (pkt->stream_index == v.index) {
            if (pkt->flags & AV_PKT_FLAG_KEY) key_positions.push_back(count);
            std::int64_t t = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
            if (t != AV_NOPTS_VALUE) pts.push_back(t);
            ++count;
        }
        av_packet_unref(pkt.get());
    }
    if (key_positions.size() >= 2) {
        std::vector<int> gaps;
        for (std::size_t i = 1; i < key_positions.size(); ++i)
            gaps.push_back(key_positions[i] - key_positions[i - 1]);
        std::sort(gaps.begin(), gaps.end());
        v.keyframe_interval = gaps[gaps.size() / 2];
    } else if (key_positions.size() == 1 && count > 1) {
        v.keyframe_interval = count;  // at least this long
    }
    std::sort(pts.begin(), pts.end());
    if (pts.size() >= 3) {
        std::int64_t lo = INT64_MAX, hi = 0;
        for (std::size_t i = 1; i < pts.size(); ++i) {
            std::int64_t d = pts[i] - pts[i - 1];
            lo = std::min(lo, d);
            hi = std::max(hi, d);
        }
        // Allow for timestamp rounding (a tick or two, as in 1 ms Matroska time bases) and
        // 1% jitter; phones' "constant" 60 fps varies by 5-10% and counts as variable.
        v.variable_frame_rate = lo <= 0 || hi - lo > std::max<std::int64_t>(2, lo / 100);
    }
}

}  // namespace

MediaInfo probe_media(const std::string& path)
{
    ff::InputPtr input = ff::open_input(path);
    AVFormatContext* fmt = input.get();
    MediaInfo info;
    info.path = path;
    info.container = fmt->iformat && fmt->iformat->name ? fmt->iformat->name : "unknown";
    info.stream_count = int(fmt->nb_streams);
    if (fmt->pb) info.size_bytes = avio_size(fmt->pb);

    int vi = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    int ai = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
    // Cover art in a music file (MP3, M4A) is a picture stream, but the file is audio.
    if (vi >= 0 && ai >= 0 && (fmt->streams[vi]->disposition & AV_DISPOSITION_ATTACHED_PIC)) vi = -1;
    if (vi >= 0) {
        const AVStream* st = fmt->streams[vi];
        const AVCodecParameters* par = st->codecpar;
        VideoStreamInfo v;
        v.index = vi;
        v.codec = avcodec_get_name(par->codec_id);
        v.width = par->width;
        v.height = par->height;
        const char* pf = av_get_pix_fmt_name(static_cast<AVPixelFormat>(par->format));
        v.pixel_format = pf ? pf : "unknown";
        const char* range = av_color_range_name(par->color_range);
        v.color_range = par->color_range == AVCOL_RANGE_UNSPECIFIED || !range ? "unknown" : range;
        const char* space = av_color_space_name(par->color_space);
        v.color_space = par->color_space == AVCOL_SPC_UNSPECIFIED || !space ? "unknown" : space;
        v.rotation = rotation_of(st);
        bool quarter = v.rotation == 90 || v.rotation == 270;
        v.display_width = quarter ? v.height : v.width;
        v.display_height = quarter ? v.width : v.height;
        if (auto r = ff::to_rational(st->avg_frame_rate); r && *r > Rational(0))
            v.frame_rate = *r;
        else if (auto rr = ff::to_rational(st->r_frame_rate); rr && *rr > Rational(0))
            v.frame_rate = *rr;
        v.frame_count = st->nb_frames;
        v.duration = stream_duration(st);
        info.still_image = is_image_demuxer(info.container) ||
                           (st->disposition & AV_DISPOSITION_ATTACHED_PIC) || (v.frame_count == 1 && ai < 0);
        if (par->width <= 0 || par->height <= 0)
            throw Error(ErrorCode::media, "media", "\"" + path + "\": video stream has no picture size",
                        "the file may be corrupt")
                .with_file(path);
        if (!info.still_image) scan_packets(fmt, v);
        info.video = v;
    }
    if (ai >= 0) {
        const AVStream* st = fmt->streams[ai];
        const AVCodecParameters* par = st->codecpar;
        AudioStreamInfo a;
        a.index = ai;
        a.codec = avcodec_get_name(par->codec_id);
        a.sample_rate = par->sample_rate;
        a.channels = par->ch_layout.nb_channels;
        char layout[128] = {};
        if (av_channel_layout_describe(&par->ch_layout, layout, sizeof layout) >= 0) a.layout = layout;
        a.duration = stream_duration(st);
        info.audio = a;
    }
    if (!info.video && !info.audio)
        throw Error(ErrorCode::media, "media", "\"" + path + "\" has no video or audio stream",
                    "reel reads video, audio and still-image files")
            .with_file(path);
    if (!info.still_image) {
        if (info.video && info.video->duration)
            info.duration = info.video->duration;
        else if (!info.video && info.audio && info.audio->duration)
            info.duration = info.audio->duration;
        else if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0)
            info.duration = Rational(fmt->duration, AV_TIME_BASE);
        else if (info.video && info.video->frame_count > 0 && info.video->frame_rate > Rational(0))
            info.duration = Rational(info.video->frame_count) / info.video->frame_rate;
    }
    info.fingerprint = fingerprint_file(path);
    return info;
}

std::string fingerprint_file(const std::string& path)
{
    struct stat sb {};
    if (::stat(path.c_str(), &sb) != 0)
        throw Error(ErrorCode::media, "media", "\"" + path + "\": cannot stat the file").with_file(path);
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw Error(ErrorCode::media, "media", "\"" + path + "\": cannot be read").with_file(path);
    Sha256 h;
    std::string head = "reel-fingerprint-1 size=" + std::to_string(sb.st_size) +
                       " mtime=" + std::to_string(std::int64_t(sb.st_mtim.tv_sec)) + "." +
                       std::to_string(sb.st_mtim.tv_nsec);
    h.update(head);
    constexpr std::size_t chunk = 64 * 1024;
    std::vector<char> buf(chunk);
    std::size_t n = std::fread(buf.data(), 1, chunk, f);
    h.update(buf.data(), n);
    if (sb.st_size > std::int64_t(2 * chunk)) {
        if (std::fseek(f, -long(chunk), SEEK_END) == 0) {
            n = std::fread(buf.data(), 1, chunk, f);
            h.update(buf.data(), n);
        }
    } else if (sb.st_size > std::int64_t(chunk)) {
        n = std::fread(buf.data(), 1, chunk, f);
        h.update(buf.data(), n);
    }
    bool failed = std::ferror(f);
    std::fclose(f);
    if (failed) throw Error(ErrorCode::media, "media", "\"" + path + "\": read error").with_file(path);
    return h.hex().substr(0, 32);
}

}  // namespace reel
