// SPDX-License-Identifier: Apache-2.0
#include "encode/muxer.h"

#include "ff/ff.h"
#include "util/error.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace reel {
namespace fs = std::filesystem;

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

void check_container_codec(const std::string& container, const std::string& codec)
{
    if (container == "webm" && codec != "vp9" && codec != "av1")
        throw Error(ErrorCode::usage, "encode", "WebM holds VP9 or AV1, not " + codec,
                    "use --codec vp9, or name the output .mp4 (or .mkv)");
}

Muxer::Muxer(const std::string& path, MuxerOptions options) : m_path(path), m_options(std::move(options))
{
    bool stdout_ = path == "-";
    m_container = !m_options.container.empty() ? m_options.container
                  : m_options.fragmented       ? "mp4"
                                               : container_for(path);
    if (stdout_ && !m_options.fragmented && (m_container == "mp4" || m_container == "mov"))
        throw Error(ErrorCode::usage, "encode", "MP4 to stdout must be fragmented",
                    "use 'reel segment --stream -o -', or write to a file");
    // A temporary name beside the output, in the same folder, so the rename is atomic;
    // devices and pipes (/dev/null, a FIFO, stdout) are written in place instead.
    std::error_code ec;
    m_direct = stdout_ || m_options.in_place || (fs::exists(path, ec) && !fs::is_regular_file(path, ec));
    std::string target = stdout_ ? "pipe:1" : path;
    if (!m_direct) {
        m_pending.emplace(path);
        target = m_pending->path().string();
    }
    AVFormatContext* raw = nullptr;
    ff::check(avformat_alloc_output_context2(&raw, nullptr, m_container.c_str(), target.c_str()),
              "cannot set up the container for", path, ErrorCode::encode);
    m_out.reset(raw);
    int ret = avio_open(&m_out->pb, target.c_str(), AVIO_FLAG_WRITE);
    if (ret < 0) fail_io(ret, "cannot open for writing");
}

Muxer::~Muxer()
{
    m_out.reset();  // closes the file before the pending one is removed
}

void Muxer::fail_io(int ret, const char* what)
{
    bool space = ret == AVERROR(ENOSPC) || ret == AVERROR(EFBIG) || ret == AVERROR(EDQUOT);
    std::string name = m_path == "-" ? "standard output" : "\"" + m_path + "\"";
    throw Error(ErrorCode::io, "encode", std::string(what) + " " + name + ": " + ff::error_string(ret),
                space                   ? "free some space (or raise the file size limit) and run again"
                : ret == AVERROR(EPIPE) ? "the reader of the output went away"
                                        : "")
        .with_file(m_path);
}

int Muxer::add_stream(const StreamParams& params, const Rational& time_base)
{
    AVStream* st = avformat_new_stream(m_out.get(), nullptr);
    if (!st) throw std::bad_alloc();
    ff::check(avcodec_parameters_copy(st->codecpar, params.get()), "cannot configure a stream of", m_path,
              ErrorCode::encode);
    st->codecpar->codec_tag = 0;
    st->time_base = ff::to_av(time_base);
    if (params.get()->codec_type == AVMEDIA_TYPE_VIDEO) st->avg_frame_rate = av_inv_q(st->time_base);
    m_in_tb.push_back(time_base);
    m_origin.emplace_back();
    m_stream_bytes.push_back(0);
    m_queued.emplace_back();
    m_sources.emplace_back();
    return st->index;
}

void Muxer::start()
{
    AVDictionary* mux = nullptr;
    std::unique_ptr<AVDictionary*, void (*)(AVDictionary**)> guard(&mux,
                                                                   [](AVDictionary** d) { av_dict_free(d); });
    if (m_options.fragmented) {
        // negative_cts_offsets: each track's decode times are shifted by its first packet's
        // composition offset, which makes the offsets signed (trun version 1) and puts a
        // B-frame stream's first frame at 0. skip_trailer: no mfra index at the end, which
        // would list every fragment, also those that start between keyframes, as a random
        // access point (a stream is read from the front anyway).
        av_dict_set(&mux, "movflags",
                    "+frag_keyframe+empty_moov+default_base_moof+negative_cts_offsets+skip_trailer", 0);
        m_out->flags |= AVFMT_FLAG_FLUSH_PACKETS;
    } else if ((m_container == "mp4" || m_container == "mov") && !m_direct) {
        av_dict_set(&mux, "movflags", "+faststart", 0);
    }
    int ret = avformat_write_header(m_out.get(), &mux);
    if (ret < 0) fail_io(ret, "cannot write the header of");
    avio_flush(m_out->pb);
    if (m_out->pb->error < 0) fail_io(m_out->pb->error, "cannot write");
    m_header_bytes = avio_tell(m_out->pb);
    m_header_at = std::chrono::steady_clock::now();
    m_started = true;
}

void Muxer::put(int stream, Packet& packet)
{
    std::size_t s = std::size_t(stream);
    AVStream* st = m_out->streams[stream];
    Rational out_tb = *ff::to_rational(st->time_base);
    if (m_options.fragmented) {
        // Each stream counts from its first packet, whatever the others do (libav's
        // avoid_negative_ts would move every stream by the earliest one's offset).
        AVPacket* p = packet.get();
        if (p->pts == AV_NOPTS_VALUE || p->dts == AV_NOPTS_VALUE)
            throw Error(ErrorCode::internal, "encode", "a packet without timestamps for fragmented MP4");
        if (!m_origin[s]) m_origin[s] = p->dts;
        p->pts -= *m_origin[s];
        p->dts -= *m_origin[s];
    }
    ff::rescale(packet, m_in_tb[s], out_tb);
    packet.get()->stream_index = stream;
    m_stream_bytes[s] += packet.size();
    int ret = av_interleaved_write_frame(m_out.get(), packet.get());
    if (ret < 0) fail_io(ret, "cannot write");
    note_fragment();
}

void Muxer::note_fragment()
{
    // The mp4 muxer writes a whole fragment at once, and each write is flushed.
    if (m_options.fragmented && !m_fragment_at && avio_tell(m_out->pb) > m_header_bytes)
        m_fragment_at = std::chrono::steady_clock::now();
}

void Muxer::flush_fragment()
{
    if (!m_options.fragmented || !m_started)
        throw Error(ErrorCode::internal, "encode",
                    "Muxer::flush_fragment on an output that is not fragmented");
    int ret = av_interleaved_write_frame(m_out.get(), nullptr);  // what libav holds back to interleave
    if (ret < 0) fail_io(ret, "cannot write");
    ret = av_write_frame(m_out.get(), nullptr);  // the mp4 muxer cuts a fragment
    if (ret < 0) fail_io(ret, "cannot write");
    avio_flush(m_out->pb);
    if (m_out->pb->error < 0) fail_io(m_out->pb->error, "cannot write");
    note_fragment();
}

void Muxer::write(int stream, Packet& packet)
{
    if (!m_started) throw Error(ErrorCode::internal, "encode", "Muxer::write before start()");
    for (std::size_t s = 0; s < m_queued.size(); ++s) {
        for (Packet* p = waiting(s); p && av_compare_ts(p->dts(), ff::to_av(m_in_tb[s]), packet.dts(),
                                                        ff::to_av(m_in_tb[std::size_t(stream)])) <= 0;
             p = waiting(s)) {
            put(int(s), *p);
            m_queued[s].pop_front();
        }
    }
    put(stream, packet);
}

Packet* Muxer::waiting(std::size_t stream)
{
    auto& q = m_queued[stream];
    if (q.empty() && m_sources[stream]) {
        Packet next;
        if (m_sources[stream](next))
            q.push_back(std::move(next));
        else
            m_sources[stream] = nullptr;
    }
    return q.empty() ? nullptr : &q.front();
}

void Muxer::queue(int stream, std::deque<Packet> packets)
{
    auto& q = m_queued[std::size_t(stream)];
    for (auto& p : packets) q.push_back(std::move(p));
}

void Muxer::feed(int stream, PacketSource next)
{
    m_sources.at(std::size_t(stream)) = std::move(next);
}

std::int64_t Muxer::stream_bytes(int stream) const
{
    return m_stream_bytes.at(std::size_t(stream));
}

void Muxer::finish(bool overwrite)
{
    for (std::size_t s = 0; s < m_queued.size(); ++s)
        for (Packet* p = waiting(s); p; p = waiting(s)) {
            put(int(s), *p);
            m_queued[s].pop_front();
        }
    m_queued.clear();
    m_sources.clear();
    int ret = av_write_trailer(m_out.get());
    if (ret < 0) fail_io(ret, "cannot finish");
    if (m_out->pb && m_out->pb->error < 0) fail_io(m_out->pb->error, "cannot write");
    if (m_out->pb) m_bytes = avio_tell(m_out->pb);
    ret = avio_closep(&m_out->pb);
    if (ret < 0) fail_io(ret, "cannot close");
    if (m_direct) {
        m_finished = true;
        return;
    }
    std::error_code ec;
    m_bytes = std::int64_t(fs::file_size(m_pending->path(), ec));
    m_pending->publish(overwrite ? Overwrite::replace : Overwrite::refuse, m_options.durable);
    m_finished = true;
}

}  // namespace reel
