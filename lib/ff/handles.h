// SPDX-License-Identifier: Apache-2.0
#pragma once

// Owning handles for FFmpeg objects: one unique_ptr and one deleter per kind, the deleters
// defined in ff.cpp. Only declarations of the libav types appear here, so a header that
// keeps a handle as a member does not pull in libav's headers (nor name its types: see
// Packet and StreamParams in ff/packet.h for what other modules hand around).

#include <memory>

extern "C" {
struct AVFormatContext;
struct AVCodecContext;
struct AVCodecParameters;
struct AVFrame;
struct AVPacket;
struct AVBSFContext;
struct SwsContext;
struct SwrContext;
struct AVDictionary;
}

namespace reel::ff {

/// A demuxer opened by open_input(): avformat_close_input.
struct InputDeleter {
    void operator()(AVFormatContext* ctx) const noexcept;
};
/// A muxer: closes its file (unless the format has none) and frees the context.
struct OutputDeleter {
    void operator()(AVFormatContext* ctx) const noexcept;
};
struct CodecContextDeleter {
    void operator()(AVCodecContext* ctx) const noexcept;
};
struct CodecParametersDeleter {
    void operator()(AVCodecParameters* p) const noexcept;
};
struct FrameDeleter {
    void operator()(AVFrame* f) const noexcept;
};
struct PacketDeleter {
    void operator()(AVPacket* p) const noexcept;
};
struct BsfDeleter {
    void operator()(AVBSFContext* b) const noexcept;
};
struct SwsDeleter {
    void operator()(SwsContext* s) const noexcept;
};
struct SwrDeleter {
    void operator()(SwrContext* s) const noexcept;
};

using InputPtr = std::unique_ptr<AVFormatContext, InputDeleter>;
using OutputPtr = std::unique_ptr<AVFormatContext, OutputDeleter>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using CodecParametersPtr = std::unique_ptr<AVCodecParameters, CodecParametersDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using BsfPtr = std::unique_ptr<AVBSFContext, BsfDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;
using SwrPtr = std::unique_ptr<SwrContext, SwrDeleter>;

/// Options for an FFmpeg open call (an AVDictionary), freed with it. What the call leaves
/// unused stays in it.
class Options {
public:
    Options() = default;
    ~Options();
    Options(const Options&) = delete;
    Options& operator=(const Options&) = delete;
    /// Sets `key` to `value`; throws std::bad_alloc when FFmpeg cannot.
    void set(const char* key, const char* value);
    AVDictionary** get() noexcept { return &m_dict; }

private:
    AVDictionary* m_dict = nullptr;
};

}  // namespace reel::ff
