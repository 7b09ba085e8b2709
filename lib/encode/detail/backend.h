// SPDX-License-Identifier: Apache-2.0
#pragma once

// Inside the encode module: the engine behind a VideoEncoder. One implementation drives
// FFmpeg's encoders (software, NVENC, VAAPI, QSV: ffmpeg_backend.cpp), one the oneVPL
// dispatcher (vpl_backend.cpp).

#include "encode/encoder.h"
#include "util/error.h"

#include <cstdint>
#include <memory>
#include <string>

namespace reel {

/// An engine that cannot run here: Error(encode) that also keeps the reason on its own and
/// the library's status, for the probe (engine.cpp).
class EngineUnavailable : public Error {
public:
    EngineUnavailable(const std::string& reason, std::string status, std::string hint)
        : Error(ErrorCode::encode, "encode", reason + (status.empty() ? "" : " (" + status + ")"),
                std::move(hint)),
          m_reason(reason),
          m_status(std::move(status))
    {
    }
    const std::string& reason() const noexcept { return m_reason; }
    const std::string& status() const noexcept { return m_status; }

private:
    std::string m_reason, m_status;
};

class VideoEncoder::Backend {
public:
    virtual ~Backend() = default;
    /// Encodes `picture` as frame `index` (timestamp index in 1/fps); packets, with
    /// timestamps in 1/fps, go to `sink`.
    virtual void encode(std::shared_ptr<const Image> picture, std::int64_t index, const PacketSink& sink) = 0;
    /// Drains the encoder.
    virtual void flush(const PacketSink& sink) = 0;

    const StreamParams& parameters() const noexcept { return m_params; }
    int delay() const noexcept { return m_delay; }
    const std::string& name() const noexcept { return m_name; }

protected:
    StreamParams m_params;
    int m_delay = 0;
    std::string m_name;
};

std::unique_ptr<VideoEncoder::Backend> make_ffmpeg_backend(const EncoderSettings& settings,
                                                           const std::string& context);
std::unique_ptr<VideoEncoder::Backend> make_vpl_backend(const EncoderSettings& settings,
                                                        const std::string& context);

/// The FFmpeg software encoders reel tries for a codec, by preference: "libsvtav1,libaom-av1".
const char* encoder_candidates(const std::string& codec);

/// Writes a working-format (I420) picture as NV12: its luma rows into `y`, its two chroma
/// planes interleaved into `uv`, each row `pitch` bytes apart.
void copy_to_nv12(const Image& picture, std::uint8_t* y, int y_pitch, std::uint8_t* uv, int uv_pitch);

}  // namespace reel
