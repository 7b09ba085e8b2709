// SPDX-License-Identifier: Apache-2.0
#include "encode/muxer.h"

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

void Muxer::OutputDeleter::operator()(AVFormatContext* ctx) const noexcept
{
    if (!ctx) return;
    if (ctx->pb && !(ctx->oformat->flags & AVFMT_NOFILE)) avio_closep(&ctx->pb);
    avformat_free_context(ctx);
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
    m_direct = stdout_ || (fs::exists(path, ec) && !fs::is_regular_file(path, ec));
    std::string target = stdout_ ? "pipe:1" : path;
    if (!m_direct) {
        fs::path dest(path);
        fs::path dir = dest.parent_path().empty() ? fs::path(".") : dest.parent_path();
        std::string templ = (dir / ("." + dest.filename().string() + ".reel-XXXXXX")).string();
        int fd = ::mkstemp(templ.data());
        if (fd == -1)
            throw Error(ErrorCode::io, "encode",
                        "cannot create a file in \"" + dir.string() + "\": " + std::strerror(errno),
                        "check that the folder exists and is writable")
                .with_file(path);
        ::close(fd);
        m_temp = target = templ;
    }
    try {
        AVFormatContext* raw = nullptr;
        ff::check(avformat_alloc_output_context2(&raw, nullptr, m_container.c_str(), target.c_str()),
                  "cannot set up the container for", path, int(ErrorCode::encode));
        m_out.reset(raw);
        int ret = avio_open(&m_out->pb, target.c_str(), AVIO_FLAG_WRITE);
        if (ret < 0) fail_io(ret, "cannot open for writing");
    } catch (...) {
        drop_temp();
        throw;
    }
}

Muxer::~Muxer()
{
    if (!m_finished) drop_temp();
}

void Muxer::drop_temp() noexcept
{
    m_out.reset();
    if (!m_temp.empty()) {
        std::error_code ec;
        fs::remove(m_temp, ec);
        m_temp.clear();
    }
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

int Muxer::add_stream(const AVCodecParameters* params, AVRational time_base)
{
    AVStream* st = avformat_new_stream(m_out.get(), nullptr);
    if (!st) throw std::bad_alloc();
    ff::check(avcodec_parameters_copy(st->codecpar, params), "cannot configure a stream of", m_path,
              int(ErrorCode::encode));
    st->codecpar->codec_tag = 0;
    st->time_base = time_base;
    if (params->codec_type == AVMEDIA_TYPE_VIDEO) st->avg_frame_rate = av_inv_q(time_base);
    m_in_tb.push_back(time_base);
    m_stream_bytes.push_back(0);
    m_queued.emplace_back();
    return st->index;
}

void Muxer::start()
{
    AVDictionary* mux = nullptr;
    std::unique_ptr<AVDictionary*, void (*)(AVDictionary**)> guard(&mux,
                                                                   [](AVDictionary** d) { av_dict_free(d); });
    if (m_options.fragmented) {
        av_dict_set(&mux, "movflags", "+frag_keyframe+empty_moov+default_base_moof", 0);
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

void Muxer::put(int stream, AVPacket* packet)
{
    AVStream* st = m_out->streams[stream];
    av_packet_rescale_ts(packet, m_in_tb[std::size_t(stream)], st->time_base);
    packet->stream_index = stream;
    m_stream_bytes[std::size_t(stream)] += packet->size;
    int ret = av_interleaved_write_frame(m_out.get(), packet);
    if (ret < 0) fail_io(ret, "cannot write");
    if (m_options.fragmented && !m_fragment_at && m_out->pb->pos > m_header_bytes)
        m_fragment_at = std::chrono::steady_clock::now();
}

void Muxer::write(int stream, AVPacket* packet)
{
    if (!m_started) throw Error(ErrorCode::internal, "encode", "Muxer::write before start()");
    for (std::size_t s = 0; s < m_queued.size(); ++s) {
        auto& q = m_queued[s];
        while (!q.empty() &&
               av_compare_ts(q.front()->dts, m_in_tb[s], packet->dts, m_in_tb[std::size_t(stream)]) <= 0) {
            put(int(s), q.front().get());
            q.pop_front();
        }
    }
    put(stream, packet);
}

void Muxer::queue(int stream, std::deque<ff::PacketPtr> packets)
{
    auto& q = m_queued[std::size_t(stream)];
    for (auto& p : packets) q.push_back(std::move(p));
}

std::int64_t Muxer::stream_bytes(int stream) const
{
    return m_stream_bytes.at(std::size_t(stream));
}

void Muxer::finish(bool overwrite)
{
    for (std::size_t s = 0; s < m_queued.size(); ++s)
        for (auto& p : m_queued[s]) put(int(s), p.get());
    m_queued.clear();
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
    m_bytes = std::int64_t(fs::file_size(m_temp, ec));
    if (!overwrite && fs::exists(m_path, ec))
        throw Error(ErrorCode::usage, "encode", "\"" + m_path + "\" already exists",
                    "pass -y to overwrite it");
    mode_t mask = ::umask(0);
    ::umask(mask);
    ::chmod(m_temp.c_str(), 0666 & ~mask);
    if (m_options.durable) {
        int fd = ::open(m_temp.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::fsync(fd) != 0) {
            int err = errno;
            if (fd >= 0) ::close(fd);
            fail_io(AVERROR(err), "cannot sync");
        }
        ::close(fd);
    }
    if (std::rename(m_temp.c_str(), m_path.c_str()) != 0)
        throw Error(ErrorCode::io, "encode",
                    "cannot rename into place \"" + m_path + "\": " + std::strerror(errno))
            .with_file(m_path);
    m_temp.clear();
    m_finished = true;
    if (m_options.durable) {
        fs::path dir = fs::path(m_path).parent_path();
        int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
            ::fsync(fd);
            ::close(fd);
        }
    }
}

}  // namespace reel
