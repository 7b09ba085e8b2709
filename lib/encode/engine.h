// SPDX-License-Identifier: Apache-2.0
#pragma once

// The encoder engines: the families of video encoders reel drives, whether each can run
// on this machine (and why not), and how a render picks one. Never a hidden fallback: an
// engine asked for by name runs or the render stops before any work.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reel {

enum class Engine {
    software,  ///< FFmpeg's software encoders: libx264, libx265, SVT-AV1, libvpx-vp9
    onevpl,    ///< Intel oneVPL 2.x, through its dispatcher (MFXLoad), H.264 and HEVC
    nvenc,     ///< FFmpeg's h264_nvenc / hevc_nvenc (NVIDIA)
    vaapi,     ///< FFmpeg's h264_vaapi / hevc_vaapi (a DRM render node)
    qsv,       ///< FFmpeg's h264_qsv / hevc_qsv (Intel, through FFmpeg's own libmfx)
};

/// "software", "onevpl", ...
const char* to_string(Engine engine);
/// The engine of a name; nothing for any other name ("auto" included).
std::optional<Engine> parse_engine(std::string_view name);
/// Every engine, software first, then the hardware ones in the order `auto` tries them.
const std::vector<Engine>& all_engines();
/// The names `--encoder` and output.video.engine take: "auto" and every engine.
const std::vector<std::string>& engine_requests();

/// Whether an engine can encode a codec here, found by opening a real encoder (a small
/// one) on a real device: FFmpeg lists hardware encoders it cannot run.
struct EngineProbe {
    Engine engine = Engine::software;
    std::string codec;
    bool available = false;
    std::string encoder;  ///< what encodes: "libx264", "h264_nvenc", "oneVPL: <runtime's name>"
    std::string reason;   ///< why not, in words (empty when available)
    std::string status;   ///< the library's status where one was returned, e.g. "MFX_ERR_NOT_FOUND (-9)"
};

/// Probes once per engine and codec in a process; later calls give the same answer.
/// Thread-safe.
EngineProbe probe_engine(Engine engine, const std::string& codec);

/// How a render's engine was chosen.
struct EngineChoice {
    Engine engine = Engine::software;
    std::string requested = "software";  ///< "auto" or an engine's name
    std::string by = "default";  ///< "default", "timeline" (output.video.engine) or "flag" (--encoder)
    std::string encoder;         ///< the probe's encoder
    std::string why;             ///< one sentence: why this engine
};

/// Resolves a request ("auto" or an engine's name; `by` says where it came from) for a
/// codec. "auto" takes the first hardware engine whose probe succeeds, in all_engines()
/// order, else software, and says why; a named engine that cannot run throws
/// Error(encode) (exit 6) naming the engine, the reason and what to use instead. An
/// unknown name throws Error(usage).
EngineChoice choose_engine(const std::string& requested, const std::string& by, const std::string& codec);

/// Encoders of an engine that may run at once in one render (hardware sessions are
/// scarce: consumer NVENC allows a handful per machine); 0 = no limit but the budget.
int engine_session_limit(Engine engine);

}  // namespace reel
