// SPDX-License-Identifier: Apache-2.0
#include "encode/engine_params.h"

#include "util/error.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace reel {
namespace {

void require_h264_or_hevc(const EncoderSettings& s)
{
    if (s.codec != "h264" && s.codec != "hevc")
        throw Error(
            ErrorCode::usage, "encode",
            std::string("the ") + to_string(s.engine) + " engine encodes h264 and hevc, not " + s.codec,
            "use --codec h264 or hevc, or --encoder software for " + s.codec);
}

std::string number(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

FfmpegEncoderSetup software_setup(const EncoderSettings& s)
{
    FfmpegEncoderSetup f;
    f.encoder = encoder_name(s.codec);
    const std::string& name = f.encoder;
    auto option = [&f](std::string key, std::string value) {
        f.options.emplace_back(std::move(key), std::move(value));
    };
    // Presets: x264/x265 take names; SVT-AV1 takes numbers 0..13 and libvpx its deadlines
    // (the x264 names, output.video.preset's default, mean nothing to them and are left
    // out); libaom has none. --preset is checked against encoder_presets() beforehand.
    bool numeric = !s.preset.empty() && s.preset.find_first_not_of("0123456789") == std::string::npos;
    if (!s.preset.empty() && (name == "libx264" || name == "libx265")) option("preset", s.preset);
    if (numeric && name == "libsvtav1") option("preset", s.preset);
    if (name == "libvpx-vp9" && (s.preset == "good" || s.preset == "best" || s.preset == "realtime"))
        option("deadline", s.preset);
    if (name == "libx265") option("x265-params", "log-level=error");
    if (s.bitrate) {
        f.bit_rate = *s.bitrate;
    } else {
        option("crf", number(s.crf.value_or(23)));
    }
    if (name == "libx264") option("x264-params", "scenecut=0");
    return f;
}

}  // namespace

int preset_speed_level(const std::string& preset)
{
    static const std::array<std::pair<const char*, int>, 10> levels = {{{"placebo", 1},
                                                                        {"veryslow", 1},
                                                                        {"slower", 2},
                                                                        {"slow", 3},
                                                                        {"medium", 4},
                                                                        {"fast", 5},
                                                                        {"faster", 6},
                                                                        {"veryfast", 7},
                                                                        {"superfast", 7},
                                                                        {"ultrafast", 7}}};
    for (const auto& [name, level] : levels)
        if (preset == name) return level;
    return 7;
}

int hardware_quality(double crf)
{
    return std::clamp(int(std::lround(crf)), 1, 51);
}

FfmpegEncoderSetup ffmpeg_encoder_setup(const EncoderSettings& s)
{
    if (s.engine == Engine::software) return software_setup(s);
    if (s.engine == Engine::onevpl)
        throw Error(ErrorCode::internal, "encode", "the oneVPL engine is not an FFmpeg encoder");
    require_h264_or_hevc(s);
    FfmpegEncoderSetup f;
    f.encoder = s.codec + "_" + to_string(s.engine);
    auto option = [&f](std::string key, std::string value) {
        f.options.emplace_back(std::move(key), std::move(value));
    };
    int level = preset_speed_level(s.preset);
    std::string profile = s.codec == "h264" ? "high" : "main";
    f.max_b_frames = 0;
    switch (s.engine) {
        case Engine::nvenc:
            option("preset", "p" + std::to_string(8 - level));
            option("profile", profile);
            option("rc", "vbr");
            if (s.bitrate) {
                f.bit_rate = *s.bitrate;
                f.max_rate = 2 * *s.bitrate;
                f.buffer_size = 2 * *s.bitrate;
            } else {
                option("cq", std::to_string(hardware_quality(s.crf.value_or(23))));
            }
            option("forced-idr", "1");
            option("no-scenecut", "1");
            option("strict_gop", "1");
            break;
        case Engine::vaapi:
            f.device = "vaapi";
            f.upload = true;
            option("profile", profile);
            f.compression_level = level;
            if (s.bitrate) {
                option("rc_mode", "VBR");
                f.bit_rate = *s.bitrate;
                f.max_rate = 2 * *s.bitrate;
            } else {
                option("rc_mode", "CQP");
                option("qp", std::to_string(hardware_quality(s.crf.value_or(23))));
            }
            option("idr_interval", "0");
            break;
        case Engine::qsv: {
            static const std::array<const char*, 7> names = {"veryslow", "slower", "slow",    "medium",
                                                             "fast",     "faster", "veryfast"};
            f.device = "qsv";
            f.upload = true;
            option("preset", names[std::size_t(level - 1)]);
            option("profile", profile);
            if (s.bitrate) {
                f.bit_rate = *s.bitrate;
                f.max_rate = 2 * *s.bitrate;
                f.buffer_size = 2 * *s.bitrate;
            } else {
                option("global_quality", std::to_string(hardware_quality(s.crf.value_or(23))));
            }
            option("idr_interval", "0");
            break;
        }
        default: break;
    }
    return f;
}

VplEncoderSetup vpl_encoder_setup(const EncoderSettings& s)
{
    require_h264_or_hevc(s);
    VplEncoderSetup v;
    v.codec = s.codec;
    v.profile = s.codec == "h264" ? "high" : "main";
    if (s.bitrate) {
        v.rate_control = "vbr";
        v.target_kbps = (*s.bitrate + 999) / 1000;
        v.max_kbps = 2 * v.target_kbps;
    } else {
        v.rate_control = "icq";
        v.quality = hardware_quality(s.crf.value_or(23));
    }
    v.target_usage = preset_speed_level(s.preset);
    v.gop = s.gop;
    return v;
}

}  // namespace reel
