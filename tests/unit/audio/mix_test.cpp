// SPDX-License-Identifier: Apache-2.0
// Audio reader and mixer against tones made by the ffmpeg CLI (an independent oracle),
// measured with a Goertzel filter. Media lives in a mkdtemp() folder, removed afterwards.
#include "audio/mix.h"
#include "ff/ff.h"
#include "media/audio_reader.h"
#include "plan/plan.h"
#include "timeline/parse.h"
#include "util/error.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

using namespace reel;
namespace fs = std::filesystem;

namespace {

constexpr double pi = 3.14159265358979323846;
const double sqrt1_2 = std::sqrt(0.5);

/// The test media folder, made once for the whole suite.
class Media : public ::testing::Environment {
public:
    static fs::path dir;
    void SetUp() override
    {
        ff::set_log_level(AV_LOG_QUIET);  // the damaged-file tests make libav talk
        char tmpl[] = "/tmp/reel-audio-test-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
    }
    void TearDown() override
    {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};
fs::path Media::dir;
// Registered before main() (gtest_main's) runs the tests.
[[maybe_unused]] ::testing::Environment* const media_environment =
    ::testing::AddGlobalTestEnvironment(new Media);

/// Runs ffmpeg with `args` to make `name` in the media folder (once); returns its path.
std::string make(const std::string& name, const std::string& args)
{
    fs::path p = Media::dir / name;
    if (!fs::exists(p)) {
        std::string cmd = "ffmpeg -nostdin -hide_banner -loglevel error -y " + args + " '" + p.string() + "'";
        EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    }
    return p.string();
}

/// A sine at `freq` Hz, amplitude `amp`, in every channel unless `expr` is given.
std::string tone(const std::string& name, double freq, double amp, int rate, int channels, double seconds,
                 const std::string& codec)
{
    std::string one = std::to_string(amp) + "*sin(2*PI*" + std::to_string(freq) + "*t)";
    std::string expr = one;
    for (int c = 1; c < channels; ++c) expr += "|" + one;
    return make(name, "-f lavfi -i \"aevalsrc=" + expr + ":s=" + std::to_string(rate) +
                          ":d=" + std::to_string(seconds) + "\" -c:a " + codec);
}

struct Project {
    Timeline tl;
    SourceTable sources;
};

/// Parses and resolves a project whose media paths are relative to the media folder.
Project load(const std::string& text)
{
    fs::path file = Media::dir / "project.json";
    Project p{parse_timeline(JsonDocument::parse(text, file.string()), file), {}};
    p.sources = probe_sources(p.tl);
    resolve_timeline(p.tl, source_facts(p.sources));
    return p;
}

std::string project(const std::string& media, const std::string& tracks, const std::string& extra = "")
{
    return R"({ "reel": 1, "output": { "width": 64, "height": 64, "fps": 25 }, )" + extra + R"("media": {)" +
           media + R"(}, "tracks": [)" + tracks + "] }";
}

AudioMixResult mix(const Project& p, AudioMixOptions o = {})
{
    return mix_audio(p.tl, p.sources, o);
}

/// Amplitude of the `freq` component of channel `c` over frames [from, from + n).
double amp(const std::vector<float>& s, int channels, int c, std::int64_t from, std::int64_t n, double freq,
           int rate = 48000)
{
    double re = 0, im = 0;
    for (std::int64_t k = 0; k < n; ++k) {
        double x = s[std::size_t(from + k) * channels + c];
        double ph = 2 * pi * freq * double(k) / rate;
        re += x * std::cos(ph);
        im -= x * std::sin(ph);
    }
    return 2 * std::sqrt(re * re + im * im) / double(n);
}

/// First and last frame (exclusive) where any channel is non-zero; {-1, -1} if none.
std::pair<std::int64_t, std::int64_t> sounding(const std::vector<float>& s, int channels)
{
    std::int64_t frames = std::int64_t(s.size()) / channels, first = -1, last = -1;
    for (std::int64_t i = 0; i < frames; ++i)
        for (int c = 0; c < channels; ++c)
            if (s[std::size_t(i) * channels + c] != 0.0f) {
                if (first < 0) first = i;
                last = i + 1;
            }
    return {first, last};
}

double max_abs(const std::vector<float>& s, std::size_t from = 0, std::size_t to = SIZE_MAX)
{
    double m = 0;
    for (std::size_t i = from; i < std::min(to, s.size()); ++i) m = std::max(m, double(std::fabs(s[i])));
    return m;
}

// Sources used by several tests.
std::string dc_stereo()  // 0.5 in both channels, 4 s, exact float samples
{
    return make("dc.wav", "-f lavfi -i \"aevalsrc=0.5|0.5:s=48000:d=4\" -c:a pcm_f32le");
}
std::string ramp_mono()  // sample n holds n / 1e6, 3 s
{
    return make("ramp.wav", "-f lavfi -i \"aevalsrc=n/1000000:s=48000:d=3\" -c:a pcm_f32le");
}
float ramp(std::int64_t n)
{
    return float(double(n) / 1000000.0);
}

MediaInfo info_of(const std::string& path)
{
    return probe_media(path);
}

// ---------------------------------------------------------------------------------------
// AudioReader

TEST(AudioReader, SampleExactAtTheSourceRate)
{
    AudioReader r(info_of(ramp_mono()));
    auto a = r.read(Rational(12345, 48000), 1000, Rational(1), 48000, 1);
    for (int k = 0; k < 1000; ++k) ASSERT_EQ(a[k], ramp(12345 + k)) << k;
    // Continuing where it ended decodes forward.
    EXPECT_TRUE(r.continues(Rational(13345, 48000), Rational(1), 48000, 1));
    auto b = r.read(Rational(13345, 48000), 1000, Rational(1), 48000, 1);
    for (int k = 0; k < 1000; ++k) ASSERT_EQ(b[k], ramp(13345 + k)) << k;
    EXPECT_EQ(r.counters().seeks, 0);
    // Behind the position: a seek, still exact.
    auto c = r.read(Rational(1, 10), 500, Rational(1), 48000, 1);
    for (int k = 0; k < 500; ++k) ASSERT_EQ(c[k], ramp(4800 + k)) << k;
    EXPECT_EQ(r.counters().seeks, 1);
    // Half-way between samples: the later one (halves round down on the output side).
    auto d = r.read(Rational(24001, 96000), 10, Rational(1), 48000, 1);
    EXPECT_EQ(d[0], ramp(12001));
}

TEST(AudioReader, SilenceBeforeTheStartAndAfterTheEnd)
{
    AudioReader r(info_of(ramp_mono()));
    auto a = r.read(Rational(-10, 48000), 30, Rational(1), 48000, 1);
    for (int k = 0; k < 10; ++k) EXPECT_EQ(a[k], 0.0f);
    for (int k = 10; k < 30; ++k) EXPECT_EQ(a[k], ramp(k - 10));
    auto b = r.read(Rational(143990, 48000), 30, Rational(1), 48000, 1);  // the file holds 144000
    for (int k = 0; k < 10; ++k) EXPECT_EQ(b[k], ramp(143990 + k));
    for (int k = 10; k < 30; ++k) EXPECT_EQ(b[k], 0.0f);
    auto c = r.read(Rational(5), 100, Rational(1), 48000, 1);  // far past the end: silence, no error
    EXPECT_EQ(max_abs(c), 0.0);
}

TEST(AudioReader, ResamplingKeepsTimePlacement)
{
    // An impulse at 0.1 s of a 44.1 kHz file.
    std::string path =
        make("impulse.wav", "-f lavfi -i \"aevalsrc=if(eq(n\\,4410)\\,1\\,0):s=44100:d=1\" -c:a pcm_f32le");
    auto peak_at = [](const std::vector<float>& v) {
        return std::int64_t(std::max_element(v.begin(), v.end(),
                                             [](float x, float y) { return std::fabs(x) < std::fabs(y); }) -
                            v.begin());
    };
    AudioReader r(info_of(path));
    EXPECT_EQ(r.source_rate(), 44100);
    EXPECT_EQ(peak_at(r.read(Rational(0), 9600, Rational(1), 48000, 1)), 4800);
    EXPECT_EQ(peak_at(r.read(Rational(1, 20), 9600, Rational(1), 48000, 1)), 2400);
    // Speed 2: source time 0.1 s arrives after 0.05 s.
    EXPECT_EQ(peak_at(r.read(Rational(0), 9600, Rational(2), 48000, 1)), 2400);
    // Speed 1/2: after 0.2 s.
    EXPECT_EQ(peak_at(r.read(Rational(0), 19200, Rational(1, 2), 48000, 1)), 9600);
}

TEST(AudioReader, ConsecutiveRequestsJoinWithoutSeams)
{
    std::string path = tone("t441.flac", 440, 0.5, 44100, 1, 3, "flac");
    AudioReader whole(info_of(path)), parts(info_of(path));
    auto all = whole.read(Rational(1, 3), 48000, Rational(1), 48000, 2);
    std::vector<float> joined;
    Rational t(1, 3);
    for (int i = 0; i < 10; ++i) {
        auto p = parts.read(t, 4800, Rational(1), 48000, 2);
        joined.insert(joined.end(), p.begin(), p.end());
        t += Rational(4800, 48000);
    }
    ASSERT_EQ(all.size(), joined.size());
    double worst = 0;
    for (std::size_t i = 0; i < all.size(); ++i)
        worst = std::max(worst, double(std::fabs(all[i] - joined[i])));
    EXPECT_LT(worst, 1e-6);
    EXPECT_EQ(parts.counters().seeks, 0);
}

TEST(AudioReader, AFreshStartMatchesAContinuedRead)
{
    // The resampler's grid belongs to the source: a reader starting mid-way returns the
    // samples a reader that got there by continuing returns.
    std::string path = tone("t441.flac", 440, 0.5, 44100, 1, 3, "flac");
    for (Rational speed : {Rational(1), Rational(3, 2), Rational(1001, 1000), Rational(1, 3)}) {
        AudioReader a(info_of(path)), b(info_of(path));
        Rational step = Rational(4800) * speed / Rational(48000);
        a.read(Rational(1, 7), 4800, speed, 48000, 2);
        auto x = a.read(Rational(1, 7) + step, 4800, speed, 48000, 2);
        auto y = b.read(Rational(1, 7) + step, 4800, speed, 48000, 2);
        EXPECT_EQ(a.counters().seeks, 0);
        double worst = 0;
        for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, double(std::fabs(x[i] - y[i])));
        EXPECT_LT(worst, 1e-6) << speed.to_string();
        // And the pitch follows the speed.
        EXPECT_NEAR(amp(x, 2, 0, 0, 4800, 440 * speed.to_double()), 0.5 * sqrt1_2, 0.01) << speed.to_string();
    }
}

TEST(AudioReader, ChangingTheLayoutMidStream)
{
    AudioReader r(info_of(ramp_mono()));
    auto a = r.read(Rational(1), 100, Rational(1), 48000, 1);
    auto b = r.read(Rational(1) + Rational(100, 48000), 100, Rational(1), 48000, 2);
    for (int k = 0; k < 100; ++k) {
        ASSERT_EQ(a[k], ramp(48000 + k));
        ASSERT_NEAR(b[2 * k], ramp(48100 + k) * sqrt1_2, 1e-7);
        ASSERT_EQ(b[2 * k], b[2 * k + 1]);
    }
}

// ---------------------------------------------------------------------------------------
// mix_audio

TEST(AudioMix, ClipStartsAtTheRoundedSample)
{
    dc_stereo();
    // 24001/96000 s × 48000 = 12000.5: halves round down, to 12000. The end, 1 s later,
    // is sample 60000.
    Project p = load(project(R"("dc": { "path": "dc.wav" })",
                             R"({ "kind": "audio", "items": [
                                  { "id": "a", "type": "clip", "media": "dc", "start": "24001/96000",
                                    "in": 0, "out": 1 } ] })",
                             R"("duration": 2, )"));
    AudioMixResult r = mix(p);
    EXPECT_EQ(r.frames, 96000);
    EXPECT_EQ(r.sample_rate, 48000);
    EXPECT_EQ(r.channels, 2);
    auto [first, last] = sounding(r.samples, 2);
    EXPECT_EQ(first, 12000);
    EXPECT_EQ(last, 60000);
    EXPECT_FLOAT_EQ(r.samples[12000 * 2], 0.5f);
    EXPECT_FLOAT_EQ(r.samples[59999 * 2 + 1], 0.5f);
    EXPECT_TRUE(r.any_audio);
    EXPECT_EQ(r.items_mixed, 1);
    EXPECT_EQ(r.decoders_opened, 1);
    EXPECT_DOUBLE_EQ(r.peak, 0.5);
    EXPECT_EQ(r.clipped_samples, 0);
}

TEST(AudioMix, InPointIsSampleExact)
{
    ramp_mono();
    Project p = load(project(R"("r": { "path": "ramp.wav" })",
                             R"({ "kind": "audio", "items": [
                                  { "type": "clip", "media": "r", "start": "1/3", "in": "1/8", "out": 1 } ] })"));
    AudioMixOptions o;
    o.channels = 1;
    AudioMixResult r = mix(p, o);
    // Starts at 16000 with source sample 6000.
    auto [first, last] = sounding(r.samples, 1);
    EXPECT_EQ(first, 16000);
    for (int k = 0; k < 2000; ++k) ASSERT_EQ(r.samples[16000 + k], ramp(6000 + k)) << k;
}

TEST(AudioMix, GainDbScalesAmplitude)
{
    tone("t1k.wav", 1000, 0.5, 48000, 2, 3, "pcm_f32le");
    Project p = load(project(R"("t": { "path": "t1k.wav" })",
                             R"({ "items": [
                                  { "type": "clip", "media": "t", "start": 0, "in": 0, "out": 1 },
                                  { "type": "clip", "media": "t", "start": 1, "in": 1, "out": 2, "gain_db": -6 },
                                  { "type": "clip", "media": "t", "start": 2, "in": 2, "out": 3, "gain_db": 3 } ] })"));
    AudioMixResult r = mix(p);
    double a0 = amp(r.samples, 2, 0, 9600, 4800, 1000);
    double a1 = amp(r.samples, 2, 0, 48000 + 9600, 4800, 1000);
    double a2 = amp(r.samples, 2, 1, 96000 + 9600, 4800, 1000);
    EXPECT_NEAR(a0, 0.5, 1e-4);
    EXPECT_NEAR(a1 / a0, std::pow(10, -6 / 20.0), 1e-4);  // about a half
    EXPECT_NEAR(a2 / a0, std::pow(10, 3 / 20.0), 1e-4);
    // Sequential uses of one source share a decoder and need no seek.
    EXPECT_EQ(r.decoders_opened, 1);
    EXPECT_EQ(r.seeks, 0);
}

TEST(AudioMix, MuteAndDisabledSilence)
{
    dc_stereo();
    std::string media = R"("dc": { "path": "dc.wav" })";
    for (const char* tracks :
         {R"({ "items": [ { "type": "clip", "media": "dc", "start": 0, "out": 1, "mute": true } ] })",
          R"({ "mute": true, "items": [ { "type": "clip", "media": "dc", "start": 0, "out": 1 } ] })",
          R"({ "enabled": false, "items": [ { "type": "clip", "media": "dc", "start": 0, "out": 1 } ] })",
          R"({ "items": [ { "type": "clip", "media": "dc", "start": 0, "out": 1, "enabled": false } ] })"}) {
        Project p = load(project(media, tracks));
        AudioMixResult r = mix(p);
        EXPECT_EQ(r.frames, 48000) << tracks;
        EXPECT_EQ(max_abs(r.samples), 0.0) << tracks;
        EXPECT_FALSE(r.any_audio) << tracks;
        EXPECT_FALSE(timeline_has_audio(p.tl, p.sources)) << tracks;
        EXPECT_EQ(r.decoders_opened, 0) << tracks;
    }
    // A muted item does not silence its neighbours.
    Project p = load(project(media, R"({ "items": [
        { "type": "clip", "media": "dc", "start": 0, "out": 1, "mute": true },
        { "type": "clip", "media": "dc", "start": 1, "in": 1, "out": 2 } ] })"));
    AudioMixResult r = mix(p);
    EXPECT_TRUE(r.any_audio);
    EXPECT_TRUE(timeline_has_audio(p.tl, p.sources));
    EXPECT_EQ(sounding(r.samples, 2).first, 48000);
}

TEST(AudioMix, NoSoundAnywhere)
{
    make("silent.mp4",
         "-f lavfi -i testsrc=s=64x64:r=25:d=2 -c:v libx264 -preset ultrafast -pix_fmt yuv420p");
    Project p = load(project(R"("v": { "path": "silent.mp4" })", R"({ "items": [
        { "type": "color", "color": "#ff0000", "start": 0, "duration": 1 },
        { "type": "clip", "media": "v", "start": 1, "out": 1.5 } ] })"));
    EXPECT_FALSE(timeline_has_audio(p.tl, p.sources));
    AudioMixResult r = mix(p);
    EXPECT_FALSE(r.any_audio);
    EXPECT_EQ(r.frames, 120000);  // the clip ends at 1 + 1.5 s
    EXPECT_EQ(r.samples.size(), 120000u * 2);
    EXPECT_EQ(max_abs(r.samples), 0.0);
    EXPECT_EQ(r.decoders_opened, 0);
}

TEST(AudioMix, FadesAreLinearRamps)
{
    dc_stereo();
    Project p = load(project(R"("dc": { "path": "dc.wav" })",
                             R"({ "items": [ { "type": "clip", "media": "dc", "start": 0, "out": 2,
                                               "fade_in": 0.25, "fade_out": 0.5 } ] })"));
    AudioMixResult r = mix(p);
    ASSERT_EQ(r.frames, 96000);
    EXPECT_EQ(r.samples[0], 0.0f);
    // Fade-in: 0.5 × t / 0.25.
    for (std::int64_t n : {1200, 6000, 11999})
        EXPECT_NEAR(r.samples[n * 2], 0.5 * (n / 48000.0) / 0.25, 1e-6) << n;
    EXPECT_FLOAT_EQ(r.samples[12000 * 2], 0.5f);
    // Fade-out: 0.5 × (2 − t) / 0.5, down to silence.
    for (std::int64_t n = 72000; n < 96000; n += 997)
        ASSERT_NEAR(r.samples[n * 2 + 1], 0.5 * (2 - n / 48000.0) / 0.5, 1e-6) << n;
    EXPECT_NEAR(r.samples[84000 * 2], 0.25, 1e-6);
    EXPECT_LT(std::fabs(r.samples[95999 * 2]), 2.1e-5);  // the last sample: 1/48000 s before the end
}

TEST(AudioMix, CrossfadeIsEqualPower)
{
    tone("a440.wav", 440, 0.5, 48000, 2, 3, "pcm_f32le");
    tone("b1000.wav", 1000, 0.5, 48000, 2, 3, "pcm_f32le");
    Project p = load(project(R"("a": { "path": "a440.wav" }, "b": { "path": "b1000.wav" })",
                             R"({ "items": [
                                  { "type": "clip", "media": "a", "start": 0, "out": 2 },
                                  { "type": "clip", "media": "b", "start": 1, "in": 0, "out": 2,
                                    "transition_in": { "kind": "crossfade", "duration": 1 } } ] })"));
    AudioMixResult r = mix(p);
    ASSERT_EQ(r.frames, 3 * 48000);
    // Mid-transition (1.45..1.55 s) both tones at 0.5 × cos(π/4) = 0.5 × 0.707.
    std::int64_t mid = 69600;
    EXPECT_NEAR(amp(r.samples, 2, 0, mid, 4800, 440), 0.5 * sqrt1_2, 0.003);
    EXPECT_NEAR(amp(r.samples, 2, 0, mid, 4800, 1000), 0.5 * sqrt1_2, 0.003);
    // Power stays constant across the transition.
    for (std::int64_t at : {48000 + 4800, 48000 + 24000, 48000 + 38400}) {
        double x = amp(r.samples, 2, 1, at, 4800, 440), y = amp(r.samples, 2, 1, at, 4800, 1000);
        EXPECT_NEAR(x * x + y * y, 0.25, 0.002) << at;
    }
    // Before: only A at full level; after: only B.
    EXPECT_NEAR(amp(r.samples, 2, 0, 24000, 4800, 440), 0.5, 1e-4);
    EXPECT_NEAR(amp(r.samples, 2, 0, 24000, 4800, 1000), 0, 1e-4);
    EXPECT_NEAR(amp(r.samples, 2, 0, 120000, 4800, 1000), 0.5, 1e-4);
    EXPECT_NEAR(amp(r.samples, 2, 0, 120000, 4800, 440), 0, 1e-4);
}

TEST(AudioMix, SpeedTwoDoublesPitchAndHalvesLength)
{
    tone("t500.wav", 500, 0.5, 48000, 2, 4, "pcm_f32le");
    Project p = load(project(R"("t": { "path": "t500.wav" })",
                             R"({ "items": [ { "type": "clip", "media": "t", "start": 0, "in": 0, "out": 4,
                                               "speed": 2 } ] })",
                             R"("duration": 3, )"));
    AudioMixResult r = mix(p);
    ASSERT_EQ(r.frames, 3 * 48000);
    EXPECT_NEAR(amp(r.samples, 2, 0, 48000, 4800, 1000), 0.5, 0.002);
    EXPECT_NEAR(amp(r.samples, 2, 0, 48000, 4800, 500), 0, 0.002);
    EXPECT_EQ(sounding(r.samples, 2).second, 96000);  // 4 s of source in 2 s
}

TEST(AudioMix, SourcesOfAnyRateAndLayoutMixToStereo)
{
    tone("m441.flac", 440, 0.5, 44100, 1, 1, "flac");
    make("st.m4a",
         "-f lavfi -i \"aevalsrc=0.5*sin(2*PI*660*t)|0.5*sin(2*PI*880*t):s=48000:d=1\" -c:a aac -b:a 256k");
    make("s51.flac",
         "-f lavfi -i \"aevalsrc=0.3*sin(2*PI*300*t)|0.3*sin(2*PI*500*t)|0.3*sin(2*PI*700*t)|"
         "0.3*sin(2*PI*900*t)|0.3*sin(2*PI*1100*t)|0.3*sin(2*PI*1300*t):s=48000:d=1:c=5.1\" -c:a flac");
    Project p = load(
        project(R"("m": { "path": "m441.flac" }, "s": { "path": "st.m4a" }, "f": { "path": "s51.flac" })",
                R"({ "kind": "audio", "items": [
                                  { "type": "clip", "media": "m", "start": 0 },
                                  { "type": "clip", "media": "s", "start": 1, "out": 1 },
                                  { "type": "clip", "media": "f", "start": 2 } ] })"));
    ASSERT_EQ(p.sources.at("f").audio->channels, 6);
    AudioMixResult r = mix(p);
    ASSERT_EQ(r.frames, 3 * 48000);
    const std::int64_t w = 4800;
    // Mono 44.1 kHz: both channels at 1/√2, at the same pitch.
    for (int c = 0; c < 2; ++c) EXPECT_NEAR(amp(r.samples, 2, c, 19200, w, 440), 0.5 * sqrt1_2, 0.002) << c;
    // Stereo AAC: each channel stays in its own.
    EXPECT_NEAR(amp(r.samples, 2, 0, 48000 + 19200, w, 660), 0.5, 0.01);
    EXPECT_NEAR(amp(r.samples, 2, 0, 48000 + 19200, w, 880), 0, 0.01);
    EXPECT_NEAR(amp(r.samples, 2, 1, 48000 + 19200, w, 880), 0.5, 0.01);
    // 5.1: L = FL + FC/√2 + SL/√2, R = FR + FC/√2 + SR/√2, no LFE.
    const std::int64_t at = 96000 + 19200;
    EXPECT_NEAR(amp(r.samples, 2, 0, at, w, 300), 0.3, 0.002);
    EXPECT_NEAR(amp(r.samples, 2, 0, at, w, 500), 0, 0.002);
    EXPECT_NEAR(amp(r.samples, 2, 0, at, w, 700), 0.3 * sqrt1_2, 0.002);
    EXPECT_NEAR(amp(r.samples, 2, 0, at, w, 900), 0, 0.002);
    EXPECT_NEAR(amp(r.samples, 2, 0, at, w, 1100), 0.3 * sqrt1_2, 0.002);
    EXPECT_NEAR(amp(r.samples, 2, 0, at, w, 1300), 0, 0.002);
    EXPECT_NEAR(amp(r.samples, 2, 1, at, w, 500), 0.3, 0.002);
    EXPECT_NEAR(amp(r.samples, 2, 1, at, w, 700), 0.3 * sqrt1_2, 0.002);
    EXPECT_NEAR(amp(r.samples, 2, 1, at, w, 1300), 0.3 * sqrt1_2, 0.002);
    EXPECT_NEAR(amp(r.samples, 2, 1, at, w, 300), 0, 0.002);
}

TEST(AudioMix, MonoAndSurroundOutputs)
{
    tone("m441.flac", 440, 0.5, 44100, 1, 1, "flac");
    make("lr.wav",
         "-f lavfi -i \"aevalsrc=0.5*sin(2*PI*660*t)|0.5*sin(2*PI*880*t):s=48000:d=1\" -c:a pcm_f32le");
    Project p = load(project(R"("m": { "path": "m441.flac" }, "s": { "path": "lr.wav" })",
                             R"({ "kind": "audio", "items": [
                                  { "type": "clip", "media": "m", "start": 0 },
                                  { "type": "clip", "media": "s", "start": 1 } ] })"));
    AudioMixOptions mono;
    mono.channels = 1;
    AudioMixResult r = mix(p, mono);
    EXPECT_NEAR(amp(r.samples, 1, 0, 19200, 4800, 440), 0.5, 0.002);  // mono → mono
    // Stereo → mono: M = (L + R) / √2.
    EXPECT_NEAR(amp(r.samples, 1, 0, 48000 + 19200, 4800, 660), 0.5 * sqrt1_2, 0.002);
    EXPECT_NEAR(amp(r.samples, 1, 0, 48000 + 19200, 4800, 880), 0.5 * sqrt1_2, 0.002);
    AudioMixOptions surround;
    surround.channels = 6;
    r = mix(p, surround);
    // Mono → 5.1: the centre only. Stereo → 5.1: front left and right.
    for (int c = 0; c < 6; ++c) {
        EXPECT_NEAR(amp(r.samples, 6, c, 19200, 4800, 440), c == 2 ? 0.5 : 0, 0.002) << c;
        EXPECT_NEAR(amp(r.samples, 6, c, 48000 + 19200, 4800, 660), c == 0 ? 0.5 : 0, 0.002) << c;
        EXPECT_NEAR(amp(r.samples, 6, c, 48000 + 19200, 4800, 880), c == 1 ? 0.5 : 0, 0.002) << c;
    }
}

TEST(AudioMix, NestedCompFollowsTheCompItem)
{
    dc_stereo();
    tone("t500.wav", 500, 0.5, 48000, 2, 4, "pcm_f32le");
    std::string text = R"({ "reel": 1, "output": { "width": 64, "height": 64, "fps": 25 },
      "media": { "dc": { "path": "dc.wav" }, "t": { "path": "t500.wav" } },
      "compositions": {
        "sub": { "width": 64, "height": 64, "duration": 3, "tracks": [
          { "kind": "audio", "items": [ { "id": "inner", "type": "clip", "media": "dc", "start": 0.5, "out": 2 } ] } ] },
        "song": { "width": 64, "height": 64, "duration": 2, "tracks": [
          { "items": [ { "type": "clip", "media": "t", "start": 0, "out": 2 } ] } ] } },
      "tracks": [
        { "items": [
          { "id": "one", "type": "comp", "comp": "sub", "start": 1, "in": 0.25, "out": 2, "gain_db": -6 },
          { "id": "muted", "type": "comp", "comp": "sub", "start": 3, "mute": true },
          { "id": "fast", "type": "comp", "comp": "song", "start": 6, "speed": 2 } ] } ] })";
    Project p = load(text);
    AudioMixResult r = mix(p);
    ASSERT_EQ(r.frames, 7 * 48000);
    // "one": the clip at sub time 0.5 plays at root 1 + (0.5 − 0.25) = 1.25 s, until the
    // comp item ends at 1 + (2 − 0.25) = 2.75 s, 6 dB down.
    auto [first, last] = sounding(r.samples, 2);
    EXPECT_EQ(first, 60000);
    EXPECT_EQ(sounding(std::vector<float>(r.samples.begin(), r.samples.begin() + 3 * 48000 * 2), 2).second,
              132000);
    EXPECT_NEAR(r.samples[60000 * 2], 0.5 * std::pow(10, -6 / 20.0), 1e-6);
    // "muted" (3..6 s) is silent.
    EXPECT_EQ(max_abs(r.samples, 3 * 48000 * 2, 6 * 48000 * 2), 0.0);
    // "fast": the comp's tone at twice its pitch, for half its length.
    EXPECT_NEAR(amp(r.samples, 2, 0, 6 * 48000 + 9600, 4800, 1000), 0.5, 0.002);
    EXPECT_EQ(last, 7 * 48000);
    EXPECT_EQ(r.items_mixed, 2);
}

TEST(AudioMix, LimiterKeepsTheSumInRange)
{
    tone("full.wav", 1000, 1.0, 48000, 2, 2, "pcm_f32le");
    Project p = load(project(R"("t": { "path": "full.wav" })",
                             R"({ "items": [ { "type": "clip", "media": "t", "start": 0, "out": 1 } ] },
                                { "items": [ { "type": "clip", "media": "t", "start": 0, "out": 1 } ] },
                                { "items": [ { "type": "clip", "media": "t", "start": 0, "out": 2,
                                               "gain_db": -6.0206 } ] })"));
    AudioMixResult r = mix(p);
    EXPECT_EQ(r.decoders_opened, 3);  // overlapping uses of one source: a reader each
    EXPECT_EQ(r.seeks, 0);
    EXPECT_NEAR(r.peak, 2.5, 0.01);
    EXPECT_LE(r.peak_out, limiter_ceiling + 1e-6);  // float rounding
    EXPECT_GT(r.peak_out, limiter_ceiling - 0.01);
    EXPECT_LE(max_abs(r.samples), limiter_ceiling + 1e-6);
    EXPECT_GT(r.clipped_samples, 0);
    // The second second, one tone at 0.5: untouched.
    double m = max_abs(r.samples, 48000 * 2);
    EXPECT_NEAR(m, 0.5, 1e-4);
    EXPECT_NEAR(amp(r.samples, 2, 0, 48000 + 4800, 4800, 1000), 0.5, 1e-4);
}

TEST(AudioMix, SoftLimitCurve)
{
    EXPECT_EQ(soft_limit(0.8), 0.8);
    EXPECT_EQ(soft_limit(-0.5), -0.5);
    EXPECT_NEAR(soft_limit(0.8000001), 0.8000001, 1e-9);  // same slope at the knee
    double prev = 0.8;
    for (double x = 0.81; x < 20; x += 0.01) {
        double y = soft_limit(x);
        ASSERT_GT(y, prev - 1e-15);
        ASSERT_LE(y, 0.8913);  // -1 dBFS
        ASSERT_EQ(soft_limit(-x), -y);
        prev = y;
    }
    EXPECT_EQ(soft_limit(std::nan("")), 0.0);
}

TEST(AudioMix, RangeMatchesTheWholeMix)
{
    tone("t441.flac", 440, 0.5, 44100, 1, 3, "flac");
    Project p =
        load(project(R"("t": { "path": "t441.flac" })",
                     R"({ "items": [ { "type": "clip", "media": "t", "start": "1/7", "in": 0.1, "out": 2.5,
                                               "fade_in": 0.3 } ] })"));
    AudioMixResult whole = mix(p);
    AudioMixOptions o;
    o.range = TimeRange{Rational(1, 3), Rational(5, 3)};
    AudioMixResult part = mix(p, o);
    EXPECT_EQ(part.first_frame, 16000);
    ASSERT_EQ(part.frames, 80000 - 16000);
    double worst = 0;
    for (std::size_t i = 0; i < part.samples.size(); ++i)
        worst = std::max(worst, double(std::fabs(part.samples[i] - whole.samples[16000 * 2 + i])));
    EXPECT_LT(worst, 1e-6);
}

/// First frame where channel 0 passes `level`, or -1.
std::int64_t onset(const AudioMixResult& r, double level = 0.25)
{
    for (std::int64_t i = 0; i < r.frames; ++i)
        if (std::fabs(r.samples[std::size_t(i) * r.channels]) > level) return i;
    return -1;
}

TEST(AudioMix, AudioStartingAfterTheVideoKeepsItsOffset)
{
    // The audio stream starts 0.5 s after the video; its beep (1.0 s into the audio) is
    // at source time 1.5 s, where the picture shows it.
    for (std::string ext : {"mkv", "mp4"}) {
        make("late." + ext,
             "-f lavfi -i testsrc=s=64x64:r=25:d=3 -itsoffset 0.5 -f lavfi -i "
             "\"aevalsrc=if(between(t\\,1\\,1.1)\\,0.5*sin(2*PI*1000*t)\\,0):s=48000:d=2.5\" "
             "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a " +
                 std::string(ext == "mkv" ? "pcm_s16le" : "aac"));
        Project p = load(
            project(R"("v": { "path": "late.)" + ext + R"(" })",
                    R"({ "items": [ { "type": "clip", "media": "v", "start": 1, "in": 0, "out": 3 } ] })"));
        AudioMixResult r = mix(p);
        EXPECT_NEAR(double(onset(r)), 2.5 * 48000, 48.0) << ext;
        // Before the audio starts (source 0 .. 0.5 s): silence.
        EXPECT_EQ(max_abs(r.samples, 0, std::size_t(1.5 * 48000) * 2), 0.0) << ext;
    }
}

TEST(AudioMix, VideoFileAudioStaysInSync)
{
    // A beep at source 1.0 .. 1.1 s in an H.264 + AAC file.
    make("av.mp4",
         "-f lavfi -i testsrc=s=64x64:r=25:d=3 -f lavfi -i "
         "\"aevalsrc=if(between(t\\,1\\,1.1)\\,0.5*sin(2*PI*1000*t)\\,0):s=48000:d=3\" "
         "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest");
    Project p = load(
        project(R"("v": { "path": "av.mp4" })",
                R"({ "items": [ { "type": "clip", "media": "v", "start": 2, "in": 0.5, "out": 2 } ] })"));
    AudioMixResult r = mix(p);
    // The beep lands at 2 + (1.0 − 0.5) = 2.5 s: where the level first passes 0.25.
    EXPECT_NEAR(double(onset(r)), 2.5 * 48000, 48.0);  // within 1 ms (one video frame at 25 fps is 40 ms)
}

// ---------------------------------------------------------------------------------------
// Damaged sources

std::string truncated_copy(const std::string& src, const std::string& name)
{
    fs::path dst = Media::dir / name;
    fs::copy_file(src, dst, fs::copy_options::overwrite_existing);
    fs::resize_file(dst, fs::file_size(dst) / 2);
    return dst.string();
}

TEST(AudioMix, TruncatedFileIsADecodeErrorNamingTheItem)
{
    // (A cut WAV is just a shorter file to FFmpeg: its length comes from the file size.)
    // FLAC and MP4 fail in the decoder (a partial packet); PCM in Matroska decodes cleanly
    // up to the cut and is caught by comparing with the duration the container declares.
    for (std::string codec : {"flac", "m4a", "mka"}) {
        std::string whole = tone("long." + codec, 440, 0.5, 48000, 2, 4,
                                 codec == "flac"  ? "flac"
                                 : codec == "m4a" ? "aac -movflags +faststart"
                                                  : "pcm_s16le");
        truncated_copy(whole, "cut." + codec);
        Project p = load(project(R"("m": { "path": "cut.)" + codec + R"(" })",
                                 R"({ "kind": "audio", "items": [
                                      { "id": "music", "type": "clip", "media": "m", "start": 0, "out": 4 } ] })"));
        try {
            mix(p);
            ADD_FAILURE() << codec << ": no error";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::decode) << e.describe();
            EXPECT_NE(e.message().find("clip \"music\""), std::string::npos) << e.message();
            EXPECT_NE(e.message().find("cut." + codec), std::string::npos) << e.message();
            EXPECT_EQ(e.item_id(), "music");
            EXPECT_FALSE(e.hint().empty());
            EXPECT_EQ(e.location().pointer, "/tracks/0/items/0");
        }
        // Tolerated: the missing part is silence, with a warning.
        AudioMixOptions o;
        o.tolerate_errors = true;
        AudioMixResult r = mix(p, o);
        EXPECT_EQ(r.frames, 4 * 48000) << codec;
        EXPECT_GE(r.decode_errors, 1) << codec;
        ASSERT_EQ(r.warnings.size(), 1u) << codec;
        EXPECT_NE(r.warnings[0].find("clip \"music\""), std::string::npos) << r.warnings[0];
        EXPECT_NEAR(amp(r.samples, 2, 0, 24000, 4800, 440), 0.5, 0.01) << codec;
        EXPECT_EQ(max_abs(r.samples, 3 * 48000 * 2), 0.0) << codec;
    }
}

TEST(AudioMix, CorruptPacketsAreADecodeError)
{
    std::string src = tone("c.m4a", 440, 0.5, 48000, 2, 3, "aac");
    fs::path dst = Media::dir / "corrupt.m4a";
    fs::copy_file(src, dst, fs::copy_options::overwrite_existing);
    {
        std::fstream f(dst, std::ios::in | std::ios::out | std::ios::binary);
        std::mt19937 rng(1);
        auto size = fs::file_size(dst);
        f.seekp(std::streamoff(size / 3));
        for (int i = 0; i < 2000; ++i) f.put(char(rng() & 0xff));
    }
    Project p = load(project(
        R"("m": { "path": "corrupt.m4a" })",
        R"({ "kind": "audio", "items": [ { "id": "vo", "type": "clip", "media": "m", "start": 0 } ] })"));
    try {
        mix(p);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::decode) << e.describe();
        EXPECT_NE(e.message().find("clip \"vo\""), std::string::npos) << e.message();
        EXPECT_NE(e.message().find("corrupt.m4a"), std::string::npos) << e.message();
    }
    AudioMixOptions o;
    o.tolerate_errors = true;
    AudioMixResult r = mix(p, o);
    EXPECT_GE(r.decode_errors, 1);
    EXPECT_EQ(r.warnings.size(), 1u);
    EXPECT_NEAR(amp(r.samples, 2, 0, 9600, 4800, 440), 0.5, 0.02);  // the start is intact
}

}  // namespace
