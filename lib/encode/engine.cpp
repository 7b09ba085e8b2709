// SPDX-License-Identifier: Apache-2.0
#include "encode/engine.h"

#include "encode/detail/backend.h"
#include "encode/encoder.h"
#include "ff/ff.h"
#include "ff/hw.h"

#include <map>
#include <mutex>

namespace reel {
namespace {

/// Why an engine cannot run before any device is tried (the plain reasons); empty when
/// it is worth trying.
std::string precondition(Engine engine, const std::string& codec, std::string& status)
{
    if (engine == Engine::software) return {};
    if (codec != "h264" && codec != "hevc")
        return std::string("the ") + to_string(engine) + " engine encodes h264 and hevc, not " + codec;
    if (engine == Engine::onevpl) return {};
    std::string name = codec + "_" + to_string(engine);
    if (!avcodec_find_encoder_by_name(name.c_str())) return "this FFmpeg has no " + name + " encoder";
    if (engine == Engine::nvenc) {
        if (std::string why = ff::library_missing("libcuda.so.1"); !why.empty()) {
            status = "dlopen";
            return "CUDA driver not loaded: " + why;
        }
        if (std::string why = ff::library_missing("libnvidia-encode.so.1"); !why.empty()) {
            status = "dlopen";
            return "NVIDIA's encode library is not installed: " + why;
        }
        return {};
    }
    if (ff::first_render_node().empty())
        return engine == Engine::qsv ? "no DRM render node (/dev/dri/renderD*): QSV needs an Intel GPU"
                                     : "no DRM render node (/dev/dri/renderD*)";
    return {};
}

EngineProbe run_probe(Engine engine, const std::string& codec)
{
    EngineProbe p;
    p.engine = engine;
    p.codec = codec;
    if (engine == Engine::software) {
        p.encoder = encoder_name(codec);
        p.available = !p.encoder.empty();
        if (!p.available)
            p.reason = std::string("this FFmpeg has no ") + encoder_candidates(codec) + " encoder";
        return p;
    }
    p.reason = precondition(engine, codec, p.status);
    if (!p.reason.empty()) return p;
    // A small encoder, opened for real on the device, given one frame.
    EncoderSettings s;
    s.codec = codec;
    s.engine = engine;
    s.width = 256;
    s.height = 144;
    s.fps = Rational(30);
    s.gop = 30;
    s.threads = 1;
    try {
        VideoEncoder encoder(s, "the " + std::string(to_string(engine)) + " probe");
        auto black = std::make_shared<Image>(s.width, s.height, false);
        black->fill(Yuva{});
        int packets = 0;
        PacketSink count = [&packets](Packet&) { ++packets; };
        encoder.encode(black, count);
        encoder.flush(count);
        if (packets != 1)
            throw Error(ErrorCode::encode, "encode",
                        "one frame in, " + std::to_string(packets) + " packets out");
        p.available = true;
        p.encoder = encoder.name();
    } catch (const EngineUnavailable& e) {
        p.reason = e.reason();
        p.status = e.status();
    } catch (const Error& e) {
        p.reason = e.message();
    }
    return p;
}

}  // namespace

const char* to_string(Engine engine)
{
    switch (engine) {
        case Engine::software: return "software";
        case Engine::onevpl: return "onevpl";
        case Engine::nvenc: return "nvenc";
        case Engine::vaapi: return "vaapi";
        case Engine::qsv: return "qsv";
    }
    return "software";
}

const std::vector<Engine>& all_engines()
{
    static const std::vector<Engine> engines = {Engine::software, Engine::onevpl, Engine::nvenc, Engine::qsv,
                                                Engine::vaapi};
    return engines;
}

const std::vector<std::string>& engine_requests()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n = {"auto"};
        for (Engine e : all_engines()) n.emplace_back(to_string(e));
        return n;
    }();
    return names;
}

std::optional<Engine> parse_engine(std::string_view name)
{
    for (Engine e : all_engines())
        if (name == to_string(e)) return e;
    return std::nullopt;
}

EngineProbe probe_engine(Engine engine, const std::string& codec)
{
    static std::mutex mutex;
    static std::map<std::pair<Engine, std::string>, EngineProbe> probes;
    std::lock_guard lock(mutex);
    auto key = std::make_pair(engine, codec);
    auto it = probes.find(key);
    if (it == probes.end()) it = probes.emplace(key, run_probe(engine, codec)).first;
    return it->second;
}

EngineChoice choose_engine(const std::string& requested, const std::string& by, const std::string& codec)
{
    EngineChoice c;
    c.requested = requested;
    c.by = by;
    std::string flag = by == "timeline" ? "output.video.engine \"" + requested + "\""
                                        : (by == "flag" ? "--encoder " + requested : requested);
    if (requested == "auto") {
        std::string tried;
        for (Engine e : all_engines()) {
            if (e == Engine::software) continue;
            EngineProbe p = probe_engine(e, codec);
            if (p.available) {
                c.engine = e;
                c.encoder = p.encoder;
                c.why = "auto: " + std::string(to_string(e)) +
                        " is the first hardware engine that can encode " + codec + " here (" + p.encoder +
                        ")" + (tried.empty() ? "" : "; " + tried);
                return c;
            }
            tried += (tried.empty() ? "" : "; ") + std::string(to_string(e)) + ": " + p.reason;
        }
        c.engine = Engine::software;
        c.encoder = probe_engine(Engine::software, codec).encoder;
        c.why = "auto: no hardware engine can encode " + codec + " here, so software (" + c.encoder + "); " +
                tried;
        return c;
    }
    std::optional<Engine> engine = parse_engine(requested);
    if (!engine) {
        std::string list;
        for (const auto& n : engine_requests()) list += (list.empty() ? "" : ", ") + n;
        throw Error(ErrorCode::usage, "encode", "unknown encoder engine \"" + requested + "\"",
                    "engines: " + list);
    }
    EngineProbe p = probe_engine(*engine, codec);
    if (!p.available) {
        std::string instead =
            by == "timeline"
                ? "set output.video.engine to \"software\" or \"auto\", or give --encoder software"
                : "use --encoder software, or --encoder auto to take what this machine has";
        throw Error(ErrorCode::encode, "encode",
                    "encoder engine \"" + requested + "\" (" + flag + ") cannot encode " + codec +
                        " here: " + p.reason + (p.status.empty() ? "" : " (" + p.status + ")"),
                    instead + "; reel bench --engines lists every engine and why");
    }
    c.engine = *engine;
    c.encoder = p.encoder;
    c.why = by == "default" ? "the default: software, the same bytes on every machine"
                            : std::string(to_string(*engine)) + " asked for by " + flag;
    return c;
}

int engine_session_limit(Engine engine)
{
    switch (engine) {
        case Engine::software: return 0;
        case Engine::nvenc: return 3;
        case Engine::onevpl:
        case Engine::qsv:
        case Engine::vaapi: return 4;
    }
    return 0;
}

}  // namespace reel
