// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ff/handles.h"
#include "ff/packet.h"
#include "time/rational.h"
#include "util/publish.h"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace reel {

struct MuxerOptions {
    /// Fragmented MP4 (what Media Source Extensions play): ftyp+moov first, then one
    /// moof+mdat per video keyframe and wherever flush_fragment() asks, each flushed as
    /// soon as it is complete. No edit lists and no mfra index: each stream's timestamps
    /// count from its first packet, which is presented at 0 (a B-frame stream decodes
    /// ahead of that with negative composition offsets: trun version 1).
    bool fragmented = false;
    bool durable = false;   ///< fsync the file (and its folder) when it is published
    std::string container;  ///< FFmpeg muxer name; empty: from the path's extension
    /// Write `path` itself, no temporary name: the caller publishes it (e.g. a
    /// PendingFile's path).
    bool in_place = false;
};

/// The container FFmpeg muxer for an output path's extension (.mp4 .m4v .mov .mkv .webm);
/// throws Error(usage) for others.
std::string container_for(const std::string& path);

/// Refuses (Error(usage)) a video codec ("h264", "hevc", "vp9", "av1") the container
/// cannot hold: WebM takes only VP9 and AV1.
void check_container_codec(const std::string& container, const std::string& codec);

/// Writes encoded streams into a file. A regular file is written under a temporary name
/// beside `path` and renamed into place by finish(); destroyed unfinished (error, cancel),
/// it removes the temporary file, so no partial file is ever seen at `path`. "-" is
/// stdout; devices and pipes are written in place. MP4/MOV files get their index first
/// (faststart) unless fragmented. Not thread-safe.
class Muxer {
public:
    Muxer(const std::string& path, MuxerOptions options = {});
    ~Muxer();
    Muxer(const Muxer&) = delete;
    Muxer& operator=(const Muxer&) = delete;

    /// Adds a stream before start(); returns its index. Packets for it come in `time_base`.
    int add_stream(const StreamParams& params, const Rational& time_base);
    /// Writes the header (for fragmented output, the whole moov).
    void start();
    /// Writes a packet of `stream`, first writing every queued packet with an earlier dts.
    void write(int stream, Packet& packet);
    /// Packets of a stream (e.g. a whole encoded audio track) to interleave by dts with the
    /// packets given to write().
    void queue(int stream, std::deque<Packet> packets);
    /// Packets of a stream pulled one at a time from `next` (false at its end), as write()
    /// and finish() need them to interleave by dts: a track read back from a file costs
    /// one packet of memory, not the whole track. After what is queue()d for the stream.
    using PacketSource = std::function<bool(Packet&)>;
    void feed(int stream, PacketSource next);
    /// Fragmented output: every packet written so far (not the queued ones after it) as a
    /// fragment now, instead of at the next video keyframe.
    void flush_fragment();
    /// Writes what is queued, the trailer, and publishes the file. `overwrite` false
    /// refuses to replace a file that appeared at `path` meanwhile.
    void finish(bool overwrite);

    const std::string& container() const noexcept { return m_container; }
    std::int64_t bytes() const noexcept { return m_bytes; }
    /// Bytes of packets written per stream.
    std::int64_t stream_bytes(int stream) const;
    /// When the header left, and when the first whole fragment after it (fragmented output).
    std::optional<std::chrono::steady_clock::time_point> header_written() const noexcept
    {
        return m_header_at;
    }
    std::optional<std::chrono::steady_clock::time_point> first_fragment() const noexcept
    {
        return m_fragment_at;
    }

private:
    void put(int stream, Packet& packet);
    /// The earliest waiting packet of `stream` (queued, or pulled from its source), or
    /// nullptr when it has none.
    Packet* waiting(std::size_t stream);
    [[noreturn]] void fail_io(int ret, const char* what);
    void note_fragment();

    std::string m_path, m_container;
    std::optional<PendingFile> m_pending;  ///< a regular file: written here, then published
    MuxerOptions m_options;
    ff::OutputPtr m_out;
    std::vector<Rational> m_in_tb;
    /// Fragmented: each stream's first decode time (in its time base), which becomes 0.
    std::vector<std::optional<std::int64_t>> m_origin;
    std::vector<std::int64_t> m_stream_bytes;
    std::vector<std::deque<Packet>> m_queued;
    std::vector<PacketSource> m_sources;
    bool m_direct = false, m_started = false, m_finished = false;
    std::int64_t m_bytes = 0, m_header_bytes = 0;
    std::optional<std::chrono::steady_clock::time_point> m_header_at, m_fragment_at;
};

}  // namespace reel
