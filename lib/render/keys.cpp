// SPDX-License-Identifier: Apache-2.0
#include "render/keys.h"

#include "timeline/serialize.h"
#include "util/hash.h"

namespace reel {
namespace {

/// Strips what only changes pixels from a timeline's JSON (recursively), leaving what
/// can change its sound.
void strip_picture(nlohmann::json& j)
{
    if (j.is_array()) {
        for (auto& e : j) strip_picture(e);
        return;
    }
    if (!j.is_object()) return;
    for (const char* key : {"transform", "crop", "opacity", "color", "background", "width", "height", "video",
                            "metadata", "id"})
        j.erase(key);
    for (auto& [k, v] : j.items()) strip_picture(v);
}

}  // namespace

std::string cache_key(const std::string& kind, const nlohmann::json& fields)
{
    nlohmann::json doc = {{"kind", kind},
                          {"render_version", REEL_RENDER_VERSION},
                          {"codec_library", codec_library_version()},
                          {"fields", fields}};
    return sha256_hex(doc.dump());  // nlohmann::json keeps object keys sorted
}

nlohmann::json encoder_key_fields(const EncoderSettings& s)
{
    nlohmann::json j = {{"codec", s.codec},        {"encoder", encoder_name(s.codec)},
                        {"preset", s.preset},      {"gop", s.gop},
                        {"width", s.width},        {"height", s.height},
                        {"fps", s.fps.to_string()}};
    if (s.bitrate)
        j["bitrate"] = *s.bitrate;
    else
        j["crf"] = s.crf.value_or(23);
    // A hardware engine's segments are other bytes: never reused by another engine's
    // render (software keys stay as they were before engines).
    if (s.engine != Engine::software) {
        j["engine"] = to_string(s.engine);
        j["encoder"] = probe_engine(s.engine, s.codec).encoder;
    }
    return j;
}

std::string segment_key(const Segment& segment, const EncoderSettings& settings)
{
    return cache_key("reel-segment", {{"segment", segment.hash}, {"encoder", encoder_key_fields(settings)}});
}

std::string sound_key(const SoundKeyInput& in)
{
    nlohmann::json doc = to_json(in.timeline);
    strip_picture(doc);
    nlohmann::json prints = nlohmann::json::object();
    for (const auto& [id, info] : in.sources) prints[id] = info.fingerprint;
    return cache_key("reel-sound", {{"timeline", std::move(doc)},
                                    {"sources", std::move(prints)},
                                    {"rate", in.track.sample_rate},
                                    {"channels", in.track.channels},
                                    {"codec", in.encoder},
                                    {"bitrate", in.track.bitrate},
                                    {"first_frame", in.frames.begin},
                                    {"frames", in.frames.size()},
                                    {"fps", in.timeline.output.fps.to_string()},
                                    {"tolerate_errors", in.tolerate_errors}});
}

}  // namespace reel
