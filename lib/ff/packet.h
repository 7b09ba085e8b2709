// SPDX-License-Identifier: Apache-2.0
#pragma once

// The encoded data reel's modules hand each other: a packet and a stream's codec
// parameters, owned by reel. Other modules' headers name these, never AVPacket or
// AVCodecParameters; code in .cpp files reaches the libav object through get().

#include "ff/handles.h"

#include <cstdint>

namespace reel {

/// One encoded packet (a reference-counted AVPacket). Move-only; ref() shares the data.
/// Timestamps are in whatever time base its producer documents. Not thread-safe.
class Packet {
public:
    /// An empty packet (allocated; throws std::bad_alloc).
    Packet();
    Packet(Packet&&) noexcept = default;
    Packet& operator=(Packet&&) noexcept = default;

    std::int64_t pts() const noexcept;
    std::int64_t dts() const noexcept;
    std::int64_t duration() const noexcept;
    int size() const noexcept;
    bool keyframe() const noexcept;
    /// A new reference to the same data and properties (Error(encode) if it fails).
    Packet ref() const;
    /// Drops the data, keeping the allocation for reuse.
    void unref() noexcept;

    AVPacket* get() noexcept { return m_packet.get(); }
    const AVPacket* get() const noexcept { return m_packet.get(); }

private:
    ff::PacketPtr m_packet;
};

/// A stream's codec parameters (codec, size, format, extradata...): a deep copy of an
/// AVCodecParameters. Copyable. Not thread-safe.
class StreamParams {
public:
    /// Empty parameters (allocated; throws std::bad_alloc).
    StreamParams();
    /// A copy of `params` (Error(encode) if it fails).
    explicit StreamParams(const AVCodecParameters* params);
    StreamParams(const StreamParams& other);
    StreamParams& operator=(const StreamParams& other);
    StreamParams(StreamParams&&) noexcept = default;
    StreamParams& operator=(StreamParams&&) noexcept = default;

    AVCodecParameters* get() noexcept { return m_params.get(); }
    const AVCodecParameters* get() const noexcept { return m_params.get(); }

private:
    ff::CodecParametersPtr m_params;
};

}  // namespace reel
