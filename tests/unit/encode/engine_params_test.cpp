// SPDX-License-Identifier: Apache-2.0
// Every engine's parameter mapping (encode/engine_params.h), checked against the table in
// reel-render(1), without the engines' hardware.
#include "encode/engine_params.h"
#include "encode/engine.h"
#include "util/error.h"

#include <gtest/gtest.h>

#include <map>

namespace reel {
namespace {

EncoderSettings settings(Engine engine, std::string codec = "h264")
{
    EncoderSettings s;
    s.engine = engine;
    s.codec = std::move(codec);
    s.preset = "veryfast";
    s.gop = 48;
    s.width = 640;
    s.height = 360;
    s.fps = Rational(24);
    return s;
}

std::map<std::string, std::string> options(const FfmpegEncoderSetup& f)
{
    std::map<std::string, std::string> m;
    for (const auto& [k, v] : f.options) {
        EXPECT_FALSE(m.count(k)) << "option " << k << " set twice";
        m[k] = v;
    }
    return m;
}

TEST(EngineNames, RoundTripAndRequests)
{
    for (Engine e : all_engines()) EXPECT_EQ(parse_engine(to_string(e)), e);
    EXPECT_FALSE(parse_engine("auto"));
    EXPECT_FALSE(parse_engine("NVENC"));
    EXPECT_EQ(engine_requests().front(), "auto");
    EXPECT_EQ(engine_requests().size(), all_engines().size() + 1);
    EXPECT_EQ(all_engines().front(), Engine::software);
}

TEST(EngineParams, PresetSpeedLevels)
{
    std::map<std::string, int> want = {{"placebo", 1},   {"veryslow", 1},  {"slower", 2}, {"slow", 3},
                                       {"medium", 4},    {"fast", 5},      {"faster", 6}, {"veryfast", 7},
                                       {"superfast", 7}, {"ultrafast", 7}, {"", 7}};
    for (const auto& [name, level] : want) EXPECT_EQ(preset_speed_level(name), level) << name;
}

TEST(EngineParams, HardwareQualityRoundsIntoRange)
{
    EXPECT_EQ(hardware_quality(23), 23);
    EXPECT_EQ(hardware_quality(22.5), 23);
    EXPECT_EQ(hardware_quality(22.4), 22);
    EXPECT_EQ(hardware_quality(0), 1);  // lossless is software only
    EXPECT_EQ(hardware_quality(51), 51);
    EXPECT_EQ(hardware_quality(63), 51);
}

TEST(EngineParams, SoftwareCrfKeepsFractionsAndX264Options)
{
    EncoderSettings s = settings(Engine::software);
    s.crf = 20.5;
    FfmpegEncoderSetup f = ffmpeg_encoder_setup(s);
    EXPECT_EQ(f.encoder, "libx264");
    auto o = options(f);
    EXPECT_EQ(o["preset"], "veryfast");
    EXPECT_EQ(o["crf"], "20.5");
    EXPECT_EQ(o["x264-params"], "scenecut=0");
    EXPECT_EQ(f.bit_rate, 0);
    EXPECT_EQ(f.max_b_frames, -1);  // the preset's
    EXPECT_EQ(f.device, "");
    EXPECT_FALSE(f.upload);
}

TEST(EngineParams, SoftwareBitrateAndDefaultCrf)
{
    EncoderSettings s = settings(Engine::software, "hevc");
    s.bitrate = 2'000'000;
    FfmpegEncoderSetup f = ffmpeg_encoder_setup(s);
    auto o = options(f);
    EXPECT_EQ(f.bit_rate, 2'000'000);
    EXPECT_FALSE(o.count("crf"));
    EXPECT_EQ(o["x265-params"], "log-level=error");
    EncoderSettings d = settings(Engine::software);
    EXPECT_EQ(options(ffmpeg_encoder_setup(d))["crf"], "23");
}

TEST(EngineParams, SoftwarePresetsOfOtherEncoders)
{
    EncoderSettings vp9 = settings(Engine::software, "vp9");
    vp9.preset = "realtime";
    auto o = options(ffmpeg_encoder_setup(vp9));
    if (ffmpeg_encoder_setup(vp9).encoder == "libvpx-vp9") {  // else FFmpeg lacks it
        EXPECT_EQ(o["deadline"], "realtime");
        EXPECT_FALSE(o.count("preset"));
    }
    EncoderSettings av1 = settings(Engine::software, "av1");
    av1.preset = "veryfast";  // an x264 name means nothing to SVT-AV1: left out
    EXPECT_FALSE(options(ffmpeg_encoder_setup(av1)).count("preset"));
    av1.preset = "8";
    if (ffmpeg_encoder_setup(av1).encoder == "libsvtav1") {
        EXPECT_EQ(options(ffmpeg_encoder_setup(av1))["preset"], "8");
    }
}

TEST(EngineParams, NvencConstantQuality)
{
    EncoderSettings s = settings(Engine::nvenc);
    s.crf = 28;
    s.preset = "medium";
    FfmpegEncoderSetup f = ffmpeg_encoder_setup(s);
    EXPECT_EQ(f.encoder, "h264_nvenc");
    auto o = options(f);
    EXPECT_EQ(o["preset"], "p4");
    EXPECT_EQ(o["rc"], "vbr");
    EXPECT_EQ(o["cq"], "28");
    EXPECT_EQ(o["profile"], "high");
    EXPECT_EQ(o["forced-idr"], "1");
    EXPECT_EQ(o["no-scenecut"], "1");
    EXPECT_EQ(o["strict_gop"], "1");
    EXPECT_EQ(f.max_b_frames, 0);
    EXPECT_EQ(f.bit_rate, 0);
    EXPECT_FALSE(f.upload);  // NVENC takes system-memory pictures
}

TEST(EngineParams, NvencBitrateAndPresets)
{
    EncoderSettings s = settings(Engine::nvenc, "hevc");
    s.bitrate = 3'000'000;
    s.preset = "ultrafast";
    FfmpegEncoderSetup f = ffmpeg_encoder_setup(s);
    EXPECT_EQ(f.encoder, "hevc_nvenc");
    auto o = options(f);
    EXPECT_EQ(o["preset"], "p1");
    EXPECT_EQ(o["profile"], "main");
    EXPECT_FALSE(o.count("cq"));
    EXPECT_EQ(f.bit_rate, 3'000'000);
    EXPECT_EQ(f.max_rate, 6'000'000);
    EXPECT_EQ(f.buffer_size, 6'000'000);
    s.preset = "placebo";
    EXPECT_EQ(options(ffmpeg_encoder_setup(s))["preset"], "p7");
}

TEST(EngineParams, Vaapi)
{
    EncoderSettings s = settings(Engine::vaapi);
    s.crf = 0;
    s.preset = "slow";
    FfmpegEncoderSetup f = ffmpeg_encoder_setup(s);
    EXPECT_EQ(f.encoder, "h264_vaapi");
    EXPECT_EQ(f.device, "vaapi");
    EXPECT_TRUE(f.upload);
    auto o = options(f);
    EXPECT_EQ(o["rc_mode"], "CQP");
    EXPECT_EQ(o["qp"], "1");
    EXPECT_EQ(o["idr_interval"], "0");
    EXPECT_EQ(o["profile"], "high");
    EXPECT_EQ(f.compression_level, 3);
    EXPECT_EQ(f.max_b_frames, 0);
    s.crf.reset();
    s.bitrate = 1'000'000;
    f = ffmpeg_encoder_setup(s);
    o = options(f);
    EXPECT_EQ(o["rc_mode"], "VBR");
    EXPECT_FALSE(o.count("qp"));
    EXPECT_EQ(f.bit_rate, 1'000'000);
    EXPECT_EQ(f.max_rate, 2'000'000);
}

TEST(EngineParams, Qsv)
{
    EncoderSettings s = settings(Engine::qsv, "hevc");
    s.preset = "faster";
    FfmpegEncoderSetup f = ffmpeg_encoder_setup(s);
    EXPECT_EQ(f.encoder, "hevc_qsv");
    EXPECT_EQ(f.device, "qsv");
    EXPECT_TRUE(f.upload);
    auto o = options(f);
    EXPECT_EQ(o["preset"], "faster");
    EXPECT_EQ(o["global_quality"], "23");  // ICQ at the default crf
    EXPECT_EQ(o["profile"], "main");
    EXPECT_EQ(o["idr_interval"], "0");
    s.preset = "ultrafast";
    EXPECT_EQ(options(ffmpeg_encoder_setup(s))["preset"], "veryfast");
    s.preset = "placebo";
    EXPECT_EQ(options(ffmpeg_encoder_setup(s))["preset"], "veryslow");
}

TEST(EngineParams, OneVpl)
{
    EncoderSettings s = settings(Engine::onevpl);
    s.crf = 30.4;
    s.preset = "medium";
    VplEncoderSetup v = vpl_encoder_setup(s);
    EXPECT_EQ(v.codec, "h264");
    EXPECT_EQ(v.profile, "high");
    EXPECT_EQ(v.rate_control, "icq");
    EXPECT_EQ(v.quality, 30);
    EXPECT_EQ(v.target_usage, 4);
    EXPECT_EQ(v.gop, 48);
    EXPECT_EQ(v.ref_dist, 1);
    EXPECT_EQ(v.idr_interval, 0);
    EXPECT_TRUE(v.closed_gop);
    EXPECT_TRUE(v.strict_gop);
    s.crf.reset();
    s.bitrate = 2'500'500;  // rounded up to whole kb/s
    s.codec = "hevc";
    v = vpl_encoder_setup(s);
    EXPECT_EQ(v.profile, "main");
    EXPECT_EQ(v.rate_control, "vbr");
    EXPECT_EQ(v.target_kbps, 2501);
    EXPECT_EQ(v.max_kbps, 5002);
}

TEST(EngineParams, HardwareEnginesRefuseOtherCodecs)
{
    for (Engine e : {Engine::nvenc, Engine::vaapi, Engine::qsv}) {
        try {
            ffmpeg_encoder_setup(settings(e, "av1"));
            ADD_FAILURE() << to_string(e) << " took av1";
        } catch (const Error& err) {
            EXPECT_EQ(err.code(), ErrorCode::usage);
            EXPECT_NE(err.message().find("h264 and hevc"), std::string::npos) << err.message();
        }
    }
    EXPECT_THROW(vpl_encoder_setup(settings(Engine::onevpl, "vp9")), Error);
    EXPECT_THROW(ffmpeg_encoder_setup(settings(Engine::onevpl)), Error);
}

TEST(EngineChoice, SoftwareByDefaultAndUnknownNames)
{
    EngineChoice c = choose_engine("software", "default", "h264");
    EXPECT_EQ(c.engine, Engine::software);
    EXPECT_EQ(c.encoder, "libx264");
    EXPECT_EQ(c.by, "default");
    EXPECT_FALSE(c.why.empty());
    try {
        choose_engine("cuda", "flag", "h264");
        ADD_FAILURE() << "an unknown engine was taken";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::usage);
    }
}

TEST(EngineChoice, SessionLimits)
{
    EXPECT_EQ(engine_session_limit(Engine::software), 0);
    EXPECT_EQ(engine_session_limit(Engine::nvenc), 3);
    for (Engine e : {Engine::onevpl, Engine::qsv, Engine::vaapi}) EXPECT_EQ(engine_session_limit(e), 4);
}

}  // namespace
}  // namespace reel
