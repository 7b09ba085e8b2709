// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "image/image.h"
#include "media/hwdecode.h"
#include "media/probe.h"
#include "time/rational.h"

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace reel {

/// Counters a DecoderPool keeps for the stats.
struct DecodeCounters {
    std::int64_t decoders_opened = 0;
    std::int64_t decoders_closed = 0;  ///< by close_except()
    std::int64_t seeks = 0;
    std::int64_t frames_decoded = 0;
    std::int64_t hw_frames_decoded = 0;  ///< of frames_decoded, by a hardware decoder (--hwdecode)
    std::int64_t pictures_converted = 0;
    double seconds = 0;  ///< wall time spent decoding and converting
    /// Image sequences: the most frame files one reader had decoding at once.
    std::int64_t sequence_decodes_peak = 0;
};

namespace detail {
class VideoDecoder;
}

/// Serves pictures of every source by source time, sharing decoders between all the
/// items that use a source (also inside nested compositions). Pictures come upright
/// (display matrix applied), in reel's working format (Y'CbCr 4:2:0 BT.709 limited range,
/// with alpha when the source has it).
///
/// Seeking: a request a little ahead of a decoder's position (up to 2 s) decodes forward;
/// a request behind it or further ahead seeks to the keyframe before it. When two uses of
/// one source are interleaved in time (the same clip shown twice with an offset), seeking
/// back and forth on every frame would thrash, so the pool opens another decoder for the
/// source, up to 3 per source, and only when every existing decoder of that source served
/// a request on the same or the previous output frame. Seeks then stay bounded by the
/// number of cuts. Not thread-safe: one compositor thread uses it.
class DecoderPool {
public:
    /// `sources`: probe results by media id. `threads`: decoder threads per decoder.
    DecoderPool(std::map<std::string, MediaInfo> sources, int threads);
    ~DecoderPool();
    DecoderPool(const DecoderPool&) = delete;
    DecoderPool& operator=(const DecoderPool&) = delete;

    /// The picture of video `media` shown at `source_time` (the frame whose timestamp is
    /// nearest, ties to the earlier), for output frame `tick`. Still images ignore the
    /// time. Throws Error(decode) naming the file if decoding fails.
    std::shared_ptr<const Image> picture(const std::string& media, const Rational& source_time,
                                         std::int64_t tick);
    /// The same picture, only its `part` (in upright source pixels) scaled to w x h in the
    /// same conversion pass (swscale, bicubic): the compositor asks for exactly the pixels
    /// it draws, so the common cases need no second resampling.
    std::shared_ptr<const Image> picture(const std::string& media, const Rational& source_time,
                                         std::int64_t tick, const Rect& part, int w, int h);
    /// Closes the decoders of every source not in `keep` (their memory is freed; a later
    /// request opens one again). Returns how many were closed.
    int close_except(const std::set<std::string>& keep);

    /// Decodes video with this hardware device (none: software) from the next decoder
    /// opened on; a codec the device cannot decode stays in software, and the counters say
    /// how many frames each decoded.
    void use_hardware(std::shared_ptr<HwDevice> device) { m_hw = std::move(device); }

    /// Whether a source is a vector still (SVG), drawn at any size without loss.
    bool is_vector(const std::string& media) const;
    /// A vector still rasterised whole at exactly w x h (not cached here).
    std::shared_ptr<const Image> raster(const std::string& media, int w, int h);

    /// Whether a source has a picture at all (an audio file on a video track has none).
    bool has_picture(const std::string& media) const;
    /// Upright picture size of a source (rotation applied); for a stand-in (a proxy), its
    /// MediaInfo::logical_size, in which parts are asked for and stills come.
    std::pair<int, int> size(const std::string& media) const;

    const DecodeCounters& counters() const noexcept { return m_counters; }

private:
    struct Source;
    std::shared_ptr<const Image> sequence_picture(Source& src, const Rational& source_time, Rect part, int w,
                                                  int h);
    std::map<std::string, std::unique_ptr<Source>> m_sources;
    int m_threads;
    std::shared_ptr<HwDevice> m_hw;
    DecodeCounters m_counters;
};

}  // namespace reel
