// SPDX-License-Identifier: Apache-2.0
#include "../timeline/fake_facts.h"

#include "plan/plan.h"
#include "timeline/parse.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

using namespace reel;
using nlohmann::json;

namespace {

SourceTable fake_sources(const Timeline& tl, const std::string& salt = "")
{
    SourceTable table;
    for (const auto& [id, m] : tl.media) {
        SourceFacts f = test::fake_facts_for(m.path);
        MediaInfo info;
        info.path = m.path;
        info.container = "fake";
        info.still_image = f.still_image;
        info.duration = f.duration;
        info.fingerprint = "fp:" + m.path + salt;
        if (f.has_video) {
            VideoStreamInfo v;
            v.codec = "h264";
            v.width = v.display_width = f.width;
            v.height = v.display_height = f.height;
            v.frame_rate = f.frame_rate;
            v.frame_count = f.duration ? (*f.duration * f.frame_rate).floor() : 1;
            info.video = v;
        }
        if (f.has_audio) {
            AudioStreamInfo a;
            a.codec = "aac";
            a.sample_rate = 48000;
            a.channels = 2;
            info.audio = a;
        }
        table.emplace(id, info);
    }
    return table;
}

struct Planned {
    Timeline timeline;
    Plan plan;
};

Planned plan_text(const std::string& text, const std::string& salt = "", double max_seconds = 5)
{
    Planned p{parse_timeline(JsonDocument::parse(text, "test.json"), "test.json"), {}};
    SourceTable sources = fake_sources(p.timeline, salt);
    resolve_timeline(p.timeline, source_facts(sources));
    PlanOptions options;
    options.max_segment_seconds = *Rational::parse(std::to_string(max_seconds));
    p.plan = make_plan(p.timeline, sources, options);
    return p;
}

const char* base_timeline = R"({
  "reel": 1,
  "output": { "width": 1280, "height": 720, "fps": 30 },
  "media": { "a": { "path": "a.mp4" }, "b": { "path": "b.mp4" }, "logo": { "path": "logo.png" },
             "music": { "path": "music.wav" } },
  "tracks": [
    { "items": [
      { "id": "one", "type": "clip", "media": "a", "start": 0, "in": 0, "out": 6 },
      { "id": "two", "type": "clip", "media": "b", "start": 5, "in": 1, "out": 9,
        "transition_in": { "kind": "crossfade", "duration": 1 } } ] },
    { "items": [
      { "id": "bug", "type": "image", "media": "logo", "start": 2, "duration": 3, "opacity": 0.5 } ] },
    { "kind": "audio", "items": [
      { "id": "song", "type": "clip", "media": "music", "start": 0, "out": 10, "gain_db": -3 } ] }
  ]
})";

std::vector<std::string> hashes(const Plan& p)
{
    std::vector<std::string> out;
    for (const auto& s : p.segments) out.push_back(s.hash);
    return out;
}

std::string replace(std::string text, const std::string& from, const std::string& to)
{
    auto pos = text.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) text.replace(pos, from.size(), to);
    return text;
}

}  // namespace

TEST(Plan, TotalsAndStructuralSegments)
{
    Plan p = plan_text(base_timeline).plan;
    EXPECT_EQ(p.frames, 390);  // "two" ends at 5 + (9 - 1) = 13 s; 13 s at 30 fps
    EXPECT_EQ(p.duration, Rational(13));
    EXPECT_EQ(p.video_tracks, 2);
    EXPECT_EQ(p.audio_tracks, 1);
    EXPECT_EQ(p.max_layers, 2);  // "bug" ends at 5 s, where the crossfade begins
    // Cuts where the contributing items change: 2 s (bug), 5 s (two, bug ends), 6 s (one
    // ends); the 7 s after that exceed the 5 s maximum and are halved.
    std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
    for (const auto& s : p.segments) ranges.emplace_back(s.frames.begin, s.frames.end);
    std::vector<std::pair<std::int64_t, std::int64_t>> expected = {
        {0, 60}, {60, 150}, {150, 180}, {180, 285}, {285, 390}};
    EXPECT_EQ(ranges, expected);
    EXPECT_EQ(p.segments[1].items, (std::vector<std::string>{"one", "bug"}));
    EXPECT_EQ(p.segments[2].items, (std::vector<std::string>{"one", "two"}));
}

TEST(Plan, LongSpansSplitIntoEqualPieces)
{
    Plan p = plan_text(base_timeline, "", 1.5).plan;
    // 0..60 -> 2 x 30; 60..150 -> 2 x 45; 150..180 stays; 180..390 -> 5 x 42.
    std::vector<std::int64_t> sizes;
    for (const auto& s : p.segments) sizes.push_back(s.frames.size());
    EXPECT_EQ(sizes, (std::vector<std::int64_t>{30, 30, 45, 45, 30, 42, 42, 42, 42, 42}));
    for (std::size_t i = 1; i < p.segments.size(); ++i)
        EXPECT_EQ(p.segments[i].frames.begin, p.segments[i - 1].frames.end);
}

TEST(Plan, HashesAreStableAcrossRuns)
{
    EXPECT_EQ(hashes(plan_text(base_timeline).plan), hashes(plan_text(base_timeline).plan));
    for (const auto& h : hashes(plan_text(base_timeline).plan)) EXPECT_EQ(h.size(), 64u);
}

TEST(Plan, KeyOrderAndWhitespaceDoNotChangeHashes)
{
    json doc = json::parse(base_timeline);
    // nlohmann::json sorts keys: dump() reorders every object; indent changes whitespace.
    std::string reordered = doc.dump();
    std::string spaced = doc.dump(8);
    ASSERT_NE(reordered, std::string(base_timeline));
    auto h = hashes(plan_text(base_timeline).plan);
    EXPECT_EQ(hashes(plan_text(reordered).plan), h);
    EXPECT_EQ(hashes(plan_text(spaced).plan), h);
    // Same value written differently: 0.5 vs "1/2", 6 vs 6.0.
    std::string written = replace(replace(base_timeline, "\"opacity\": 0.5", "\"opacity\": 0.50"),
                                  "\"out\": 6 }", "\"out\": \"6/1\" }");
    EXPECT_EQ(hashes(plan_text(written).plan), h);
}

TEST(Plan, ChangingOneItemChangesExactlyTheSegmentsItTouches)
{
    Plan before = plan_text(base_timeline).plan;
    Plan after = plan_text(replace(base_timeline, "\"opacity\": 0.5", "\"opacity\": 0.7")).plan;
    ASSERT_EQ(before.segments.size(), after.segments.size());
    int changed = 0;
    for (std::size_t i = 0; i < before.segments.size(); ++i) {
        const auto& s = before.segments[i];
        EXPECT_EQ(s.frames, after.segments[i].frames);
        bool touches = std::find(s.items.begin(), s.items.end(), "bug") != s.items.end();
        EXPECT_EQ(s.hash != after.segments[i].hash, touches) << "segment " << i;
        changed += touches;
    }
    EXPECT_EQ(changed, 1);
}

TEST(Plan, SoundIdsAndMetadataDoNotChangePictureHashes)
{
    auto h = hashes(plan_text(base_timeline).plan);
    EXPECT_EQ(hashes(plan_text(replace(base_timeline, "\"gain_db\": -3", "\"gain_db\": -9")).plan), h);
    EXPECT_EQ(hashes(plan_text(replace(base_timeline, "\"id\": \"one\"", "\"id\": \"first\"")).plan), h);
    EXPECT_EQ(
        hashes(
            plan_text(replace(base_timeline, "\"reel\": 1,", "\"reel\": 1, \"metadata\": {\"x\": 1},")).plan),
        h);
}

TEST(Plan, OutputSettingsAndSourceIdentityChangeHashes)
{
    auto h = hashes(plan_text(base_timeline).plan);
    auto crf = hashes(
        plan_text(replace(base_timeline, "\"fps\": 30 }", "\"fps\": 30, \"video\": {\"crf\": 18} }")).plan);
    ASSERT_EQ(crf.size(), h.size());
    for (std::size_t i = 0; i < h.size(); ++i) EXPECT_NE(crf[i], h[i]);
    // A rewritten source file (new fingerprint) changes the segments that show it.
    auto refp = hashes(plan_text(base_timeline, "-rewritten").plan);
    for (std::size_t i = 0; i < h.size(); ++i) EXPECT_NE(refp[i], h[i]);
}

TEST(Plan, SourceUsesRangesAndFrames)
{
    Plan p = plan_text(base_timeline).plan;
    auto find = [&](const std::string& id) {
        return *std::find_if(p.sources.begin(), p.sources.end(),
                             [&](const SourcePlan& s) { return s.id == id; });
    };
    SourcePlan a = find("a");
    ASSERT_EQ(a.uses.size(), 1u);
    EXPECT_EQ(a.uses[0].source, (TimeRange{Rational(0), Rational(6)}));
    EXPECT_EQ(a.frames_needed, 180);
    SourcePlan b = find("b");
    EXPECT_EQ(b.uses[0].timeline, (TimeRange{Rational(5), Rational(13)}));
    EXPECT_EQ(b.ranges.size(), 1u);
    EXPECT_EQ(b.frames_needed, 240);  // source 1..9 s at 30 fps
    SourcePlan logo = find("logo");
    EXPECT_EQ(logo.frames_needed, 1);
    SourcePlan music = find("music");
    EXPECT_EQ(music.uses[0].track_kind, TrackKind::audio);
    EXPECT_EQ(music.frames_needed, 0);
}

TEST(Plan, ThreeDeepNestingReportsOneSourceWithFourUsers)
{
    const char* text = R"({
      "reel": 1,
      "output": { "width": 640, "height": 360, "fps": 25 },
      "media": { "cam": { "path": "cam.mp4" } },
      "compositions": {
        "l1": { "width": 640, "height": 360, "tracks": [ { "items": [
          { "id": "c1", "type": "clip", "media": "cam", "start": 0, "in": 1, "out": 3 },
          { "id": "to2", "type": "comp", "comp": "l2", "start": 2 } ] } ] },
        "l2": { "width": 320, "height": 180, "tracks": [ { "items": [
          { "id": "c2", "type": "clip", "media": "cam", "start": 0, "in": 4, "out": 5 },
          { "id": "to3", "type": "comp", "comp": "l3", "start": 1 } ] } ] },
        "l3": { "width": 160, "height": 90, "tracks": [ { "items": [
          { "id": "c3", "type": "clip", "media": "cam", "start": 0, "in": 6, "out": 7, "speed": 2 } ] } ] }
      },
      "tracks": [ { "items": [
        { "id": "c0", "type": "clip", "media": "cam", "start": 0, "in": 0, "out": 1 },
        { "id": "to1", "type": "comp", "comp": "l1", "start": 1 } ] } ]
    })";
    Plan p = plan_text(text).plan;
    EXPECT_EQ(p.nesting_depth, 3);
    ASSERT_EQ(p.sources.size(), 1u);
    const SourcePlan& cam = p.sources[0];
    ASSERT_EQ(cam.uses.size(), 4u);
    std::vector<std::vector<std::string>> paths;
    for (const auto& u : cam.uses) paths.push_back(u.path);
    std::sort(paths.begin(), paths.end());
    std::vector<std::vector<std::string>> expected = {
        {"c0"}, {"to1", "c1"}, {"to1", "to2", "c2"}, {"to1", "to2", "to3", "c3"}};
    EXPECT_EQ(paths, expected);
    // Root time of the deepest use: to1 at 1, to2 at +2, to3 at +1, c3 lasts 1/2 s.
    for (const auto& u : cam.uses)
        if (u.item == "c3") {
            EXPECT_EQ(u.timeline, (TimeRange{Rational(4), Rational(9, 2)}));
            EXPECT_EQ(u.source, (TimeRange{Rational(6), Rational(7)}));
        }
    EXPECT_TRUE(cam.heavy);
    EXPECT_EQ(p.duration, Rational(9, 2));
}

TEST(Plan, NtscFramesAreExact)
{
    std::string text = replace(base_timeline, "\"fps\": 30", "\"fps\": 29.97");
    Plan p = plan_text(text).plan;
    EXPECT_EQ(p.output.fps, Rational(30000, 1001));
    EXPECT_EQ(p.frames, 390);  // 13 s * 29.97 = 389.61 -> 390
    // The cut at 2 s is frame round(59.94) = 60; at 5 s round(149.85) = 150.
    EXPECT_EQ(p.segments[1].frames.begin, 60);
    EXPECT_EQ(p.segments[2].frames.begin, 150);
}

TEST(Plan, FrameRateFromTheFlagTheTimelineOrTheCommonestVideoOfTheClips)
{
    const char* text = R"({
      "reel": 1,
      "output": { "width": 320, "height": 240, "fps": 30 },
      "media": { "ntsc1": { "path": "n1.mp4" }, "ntsc2": { "path": "n2.mp4" }, "pal": { "path": "p.mp4" },
                 "still": { "path": "s.png" }, "music": { "path": "m.wav" } },
      "tracks": [
        { "items": [
          { "type": "clip", "media": "ntsc1", "start": 0, "out": 1 },
          { "type": "clip", "media": "ntsc2", "start": 1, "out": 1 },
          { "type": "clip", "media": "pal", "start": 2, "out": 1 },
          { "type": "clip", "media": "pal", "start": 3, "out": 1 },
          { "type": "image", "media": "still", "start": 4, "duration": 1 } ] },
        { "kind": "audio", "items": [ { "type": "clip", "media": "music", "start": 0, "out": 1 } ] }
      ]
    })";
    Timeline tl = parse_timeline(JsonDocument::parse(text, "t.json"), "t.json");
    SourceTable sources = fake_sources(tl);
    // 23.976 written as a decimal by a container (two clips, two media) against 25 (two
    // clips of one medium): a tie, to the higher rate.
    sources.at("ntsc1").video->frame_rate = *Rational::parse("23.976");
    sources.at("ntsc2").video->frame_rate = Rational(24000, 1001);
    sources.at("pal").video->frame_rate = Rational(25);
    EXPECT_EQ(common_video_rate(tl, sources), Rational(25));
    sources.at("pal").video->frame_rate = Rational(24000, 1001);
    sources.at("ntsc1").video->frame_rate = Rational(50);
    sources.at("ntsc2").video->frame_rate = Rational(50);
    EXPECT_EQ(common_video_rate(tl, sources), Rational(50));  // 2 clips each: the higher
    sources.at("ntsc2").video->frame_rate = *Rational::parse("29.97");
    EXPECT_EQ(common_video_rate(tl, sources), Rational(24000, 1001));  // 2 against 1 and 1

    // The timeline's rate stands unless it stated none; --fps overrides both.
    EXPECT_EQ(settle_frame_rate(tl, sources, std::nullopt), FpsSource::timeline);
    EXPECT_EQ(tl.output.fps, Rational(30));
    tl.output.fps_source = FpsSource::fallback;
    EXPECT_EQ(settle_frame_rate(tl, sources, std::nullopt), FpsSource::media);
    EXPECT_EQ(tl.output.fps, Rational(24000, 1001));
    EXPECT_EQ(settle_frame_rate(tl, sources, Rational(12)), FpsSource::flag);
    EXPECT_EQ(tl.output.fps, Rational(12));
    // No clip with a video rate: the default stays.
    Timeline silent =
        parse_timeline(JsonDocument::parse(R"({"reel": 1, "output": {"width": 320, "height": 240, "fps": 24},
          "media": {"still": {"path": "s.png"}},
          "tracks": [{"items": [{"type": "image", "media": "still", "start": 0, "duration": 1}]}]})",
                                           "s.json"),
                       "s.json");
    silent.output.fps_source = FpsSource::fallback;
    EXPECT_EQ(settle_frame_rate(silent, fake_sources(silent), std::nullopt), FpsSource::fallback);
    EXPECT_EQ(silent.output.fps, Rational(24));
}
