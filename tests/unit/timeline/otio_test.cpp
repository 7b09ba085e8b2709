// SPDX-License-Identifier: Apache-2.0
// The OpenTimelineIO reader: every sample in ../shared/otio-samples (when present) either
// converts or fails naming the construct and the object; exact timing at film, PAL and
// NTSC rates with a non-zero global_start_time; a reel timeline written to OTIO by a
// small fixture writer reads back with the same picture (the input of the plan's
// segment hashes); and each mapping rule on small hand-written files. Media facts are
// made up from the paths (fake_facts.h), so no media files are needed.
#include "fake_facts.h"

#include "timeline/otio.h"
#include "timeline/parse.h"
#include "timeline/serialize.h"
#include "util/atomic_file.h"
#include "util/error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include <unistd.h>

using namespace reel;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// ../shared/otio-samples beside the repository (REEL_OTIO_SAMPLES overrides); tests that
/// need it skip when it is absent.
const fs::path samples_dir = std::getenv("REEL_OTIO_SAMPLES")
                                 ? fs::path(std::getenv("REEL_OTIO_SAMPLES"))
                                 : fs::path(REEL_SOURCE_DIR).parent_path() / "shared" / "otio-samples";
const fs::path test_file = "/otio-test/project/cut.otio";

// ---- OTIO builders ---------------------------------------------------------------------

json rt(double value, double rate)
{
    return {{"OTIO_SCHEMA", "RationalTime.1"}, {"value", value}, {"rate", rate}};
}

json tr(double start, double duration, double rate)
{
    return {
        {"OTIO_SCHEMA", "TimeRange.1"}, {"start_time", rt(start, rate)}, {"duration", rt(duration, rate)}};
}

json external(const std::string& url, const std::string& name = "", json available = nullptr)
{
    return {{"OTIO_SCHEMA", "ExternalReference.1"},
            {"name", name},
            {"target_url", url},
            {"available_range", available},
            {"metadata", json::object()}};
}

/// Children (or effects) as an array: `f({x})` with one element makes an array under gcc but a copy of
/// x under clang (nlohmann's one-element brace-init), so one child is wrapped here.
json children_of(json children)
{
    return children.is_array() ? children : json::array({children});
}

json clip(const std::string& name, json ref, json source_range, json effects = json::array())
{
    effects = children_of(std::move(effects));
    return {{"OTIO_SCHEMA", "Clip.2"},
            {"name", name},
            {"source_range", source_range},
            {"media_references", {{"DEFAULT_MEDIA", ref}}},
            {"active_media_reference_key", "DEFAULT_MEDIA"},
            {"effects", effects},
            {"markers", json::array()},
            {"enabled", true},
            {"metadata", json::object()}};
}

json gap(double frames, double rate)
{
    return {{"OTIO_SCHEMA", "Gap.1"}, {"name", ""}, {"source_range", tr(0, frames, rate)}};
}

json transition(const std::string& name, double in, double out, double rate,
                const std::string& type = "SMPTE_Dissolve")
{
    return {{"OTIO_SCHEMA", "Transition.1"},
            {"name", name},
            {"transition_type", type},
            {"in_offset", rt(in, rate)},
            {"out_offset", rt(out, rate)}};
}

json track(const std::string& name, json children, const std::string& kind = "Video", json sr = nullptr)
{
    children = children_of(std::move(children));
    return {{"OTIO_SCHEMA", "Track.1"}, {"name", name},       {"kind", kind},
            {"children", children},     {"source_range", sr}, {"effects", json::array()}};
}

json stack(const std::string& name, json children, json sr = nullptr, json effects = json::array())
{
    children = children_of(std::move(children));
    effects = children_of(std::move(effects));
    return {{"OTIO_SCHEMA", "Stack.1"},
            {"name", name},
            {"children", children},
            {"source_range", sr},
            {"effects", effects}};
}

json timeline(json tracks, json global_start = nullptr, json metadata = json::object())
{
    return {{"OTIO_SCHEMA", "Timeline.1"},
            {"name", "test"},
            {"global_start_time", global_start},
            {"metadata", metadata},
            {"tracks", stack("tracks", tracks)}};
}

json warp(double scalar)
{
    return {{"OTIO_SCHEMA", "LinearTimeWarp.1"},
            {"name", ""},
            {"effect_name", "LinearTimeWarp"},
            {"time_scalar", scalar}};
}

// ---- reading ---------------------------------------------------------------------------

OtioTimeline read_text(const std::string& text, const OtioOptions& options = {},
                       const fs::path& file = test_file)
{
    return read_otio(JsonDocument::parse(otio_json_text(text), file.string()), file, options);
}

OtioTimeline read(const json& doc, const OtioOptions& options = {})
{
    return read_text(doc.dump(2), options);
}

Timeline resolved(Timeline tl)
{
    resolve_timeline(tl, test::fake_facts(tl));
    return tl;
}

/// Every message of an Error and its more(), one string each ("pointer: message").
std::vector<std::string> messages(const Error& e)
{
    std::vector<std::string> out{e.location().pointer + ": " + e.message()};
    for (const auto& m : e.more()) out.push_back(m.location().pointer + ": " + m.message());
    return out;
}

std::vector<std::string> read_errors(const std::string& text)
{
    try {
        read_text(text);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::timeline);
        EXPECT_EQ(e.location().file, test_file.string());
        return messages(e);
    }
    ADD_FAILURE() << "the timeline was accepted";
    return {};
}

std::vector<std::string> read_errors(const json& doc)
{
    return read_errors(doc.dump(2));
}

bool any_contains(const std::vector<std::string>& lines, const std::vector<std::string>& words)
{
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
        return std::all_of(words.begin(), words.end(),
                           [&](const std::string& w) { return l.find(w) != std::string::npos; });
    });
}

std::string joined(const std::vector<std::string>& lines)
{
    std::string s;
    for (const auto& l : lines) s += l + "\n";
    return s;
}

#define EXPECT_ANY(lines, ...)                                                                  \
    EXPECT_TRUE(any_contains(lines, {__VA_ARGS__})) << "no message with all of the words in:\n" \
                                                    << joined(lines)

const Item& item(const Timeline& tl, const std::string& id)
{
    const Item* found = nullptr;
    tl.for_each_item([&](const Composition&, const Track&, const Item& it) {
        if (it.id == id) found = &it;
    });
    if (!found) throw std::runtime_error("no item " + id);
    return *found;
}

std::int64_t frame(const Rational& t, const Rational& fps)
{
    return time_to_frame(t, fps);
}

// ---- the fixture writer: a reel timeline as OTIO JSON ------------------------------------

json exact_time(const Rational& r)
{
    return {{"OTIO_SCHEMA", "RationalTime.1"}, {"value", r.num()}, {"rate", r.den()}};
}

json exact_range(const Rational& start, const Rational& duration)
{
    return {{"OTIO_SCHEMA", "TimeRange.1"},
            {"start_time", exact_time(start)},
            {"duration", exact_time(duration)}};
}

json otio_track(const Timeline& tl, const Track& t, const Rational& pad_to);

/// A composition as an OTIO Stack: its tracks, the first padded with a gap to the
/// composition's duration so OTIO's length matches.
json otio_stack(const Timeline& tl, const Composition& c, json sr, json effects)
{
    json kids = json::array();
    for (std::size_t i = 0; i < c.tracks.size(); ++i)
        kids.push_back(otio_track(tl, c.tracks[i], i == 0 ? c.duration : Rational(0)));
    return stack(c.name, kids, sr, effects);
}

json otio_track(const Timeline& tl, const Track& t, const Rational& pad_to)
{
    json kids = json::array();
    Rational cursor;
    const auto& items = t.items;
    for (std::size_t k = 0; k < items.size(); ++k) {
        const Item& it = items[k];
        // A crossfade becomes a transition centred on the overlap.
        Rational s = it.start, e = it.end;
        if (it.transition_in) s = it.start + it.transition_in->duration / Rational(2);
        if (k + 1 < items.size() && items[k + 1].transition_in)
            e = items[k + 1].start + items[k + 1].transition_in->duration / Rational(2);
        if (it.transition_in) {
            json tj = {{"OTIO_SCHEMA", "Transition.1"},
                       {"name", "x-" + it.id},
                       {"transition_type", "SMPTE_Dissolve"},
                       {"in_offset", exact_time(s - it.start)},
                       {"out_offset", exact_time(items[k - 1].end - s)}};
            kids.push_back(tj);
        } else if (s > cursor) {
            kids.push_back(
                {{"OTIO_SCHEMA", "Gap.1"}, {"source_range", exact_range(Rational(0), s - cursor)}});
        }
        json effects = json::array();
        if (it.speed != Rational(1)) effects.push_back(warp(it.speed.to_double()));
        Rational in = it.in + (s - it.start) * it.speed;
        json child;
        switch (it.type) {
            case ItemType::clip:
                child = clip(it.id, external(tl.media.at(it.media).path, it.media), exact_range(in, e - s),
                             effects);
                break;
            case ItemType::image:
                child = clip(it.id, external(tl.media.at(it.media).path, it.media),
                             exact_range(Rational(0), e - s));
                break;
            case ItemType::color:
                child = clip(it.id,
                             {{"OTIO_SCHEMA", "GeneratorReference.1"},
                              {"generator_kind", "SolidColor"},
                              {"parameters", {{"color", it.color.to_string()}}}},
                             exact_range(Rational(0), e - s));
                break;
            case ItemType::comp:
                child = otio_stack(tl, tl.composition(it.comp), exact_range(in, e - s), effects);
                child["name"] = it.comp;
                break;
        }
        if (!it.enabled) child["enabled"] = false;
        kids.push_back(child);
        cursor = e;
    }
    if (pad_to > cursor)
        kids.push_back(
            {{"OTIO_SCHEMA", "Gap.1"}, {"source_range", exact_range(Rational(0), pad_to - cursor)}});
    json j = track(t.id, kids, t.kind == TrackKind::audio ? "Audio" : "Video");
    j["enabled"] = t.enabled;
    return j;
}

json to_otio(const Timeline& tl)
{
    json kids = json::array();
    for (const auto& t : tl.root.tracks) kids.push_back(otio_track(tl, t, Rational(0)));
    json md = {
        {"reel",
         {{"width", tl.output.width}, {"height", tl.output.height}, {"fps", tl.output.fps.to_string()}}}};
    return timeline(kids, exact_time(Rational(3600)), md);
}

}  // namespace

// ---- the shared samples ----------------------------------------------------------------

namespace {

struct SampleExpectation {
    bool converts = false;
    std::vector<std::vector<std::string>> errors;  ///< each: words one message must hold
    int error_count = 0;                           ///< when not 0: exactly this many
};

const std::map<std::string, SampleExpectation>& sample_expectations()
{
    static const std::map<std::string, SampleExpectation> e = {
        {"simple_cut.otio", {true, {}, 0}},
        {"multiple_track.otio", {true, {}, 0}},
        {"premiere_example.otio", {true, {}, 0}},
        {"big_int.otio", {true, {}, 0}},
        {"transition.otio",
         {false, {{"transition \"Transition\"", "clip \"Clip-002\"", "after its out point"}}, 1}},
        {"transition_test.otio",
         {false,
          {{"clip \"A\"", "no media", "null"},
           {"clip \"B\"", "no media"},
           {"clip \"C\"", "no media"},
           {"transition \"t0\"", "before it starts"}},
          4}},
        {"nested_example.otio",
         {false,
          {{"clip \"Normal Clip 1\"", "MissingReference"},
           {"clip \"Clip Inside A Stack 2\"", "MissingReference"}},
          7}},
        {"effects.otio",
         {false,
          {{"clip \"sq0100_sh0010_layout_v004.mp4\"", "MissingReference"},
           {"clip \"PICCHU MAQUETA .wav\"", "MissingReference"}},
          14}},
        {"image_sequence_example.otio", {true, {}, 0}},
        {"generator_reference_test.otio",
         {false, {{"clip \"C\"", "generator \"SMPTEBars\"", "not a solid colour"}}, 1}},
    };
    return e;
}

std::vector<std::string> sample_names()
{
    std::vector<std::string> names;
    for (const auto& [name, e] : sample_expectations()) names.push_back(name);
    return names;
}

class OtioSample : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(OtioSample, ConvertsOrNamesTheProblem)
{
    const fs::path file = samples_dir / GetParam();
    if (!fs::exists(file)) GTEST_SKIP() << file << " is absent";
    const SampleExpectation& expect = sample_expectations().at(GetParam());
    if (expect.converts) {
        try {
            OtioTimeline o = load_otio(file);
            Timeline tl = resolved(std::move(o.timeline));
            EXPECT_GT(tl.root.duration, Rational(0));
            // The dump (reel JSON) parses back to the same picture.
            json dumped = to_json(tl);
            Timeline back = parse_timeline(JsonDocument::parse(dumped.dump(2), "dump.json"), file);
            resolve_timeline(back, test::fake_facts(back));
            EXPECT_EQ(composition_picture_json(tl, tl.root), composition_picture_json(back, back.root));
        } catch (const Error& e) {
            FAIL() << e.describe();
        }
        return;
    }
    try {
        load_otio(file);
        FAIL() << file << " was accepted";
    } catch (const Error& e) {
        std::vector<std::string> lines = messages(e);
        EXPECT_EQ(e.code(), ErrorCode::timeline);
        EXPECT_GT(e.location().line, 0) << e.describe();
        for (const auto& m : e.more()) EXPECT_GT(m.location().line, 0) << m.describe();
        for (const auto& words : expect.errors) EXPECT_TRUE(any_contains(lines, words)) << joined(lines);
        if (expect.error_count) {
            EXPECT_EQ(int(lines.size()), expect.error_count) << joined(lines);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Samples, OtioSample, ::testing::ValuesIn(sample_names()),
                         [](const auto& param_info) {
                             std::string s = fs::path(param_info.param).stem().string();
                             for (char& c : s)
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             return s;
                         });

TEST(OtioSamples, EverySampleHasAnExpectation)
{
    if (!fs::exists(samples_dir)) GTEST_SKIP() << samples_dir << " is absent";
    for (const auto& e : fs::directory_iterator(samples_dir))
        if (e.path().extension() == ".otio") {
            EXPECT_TRUE(sample_expectations().count(e.path().filename().string()))
                << e.path() << " is not covered by a test";
        }
}

TEST(OtioSamples, SimpleCutTiming)
{
    if (!fs::exists(samples_dir / "simple_cut.otio")) GTEST_SKIP();
    Timeline tl = resolved(load_otio(samples_dir / "simple_cut.otio").timeline);
    EXPECT_EQ(tl.output.fps, Rational(24));  // the first clip's rate (no global_start_time)
    EXPECT_EQ(tl.output.width, 1920);
    EXPECT_EQ(tl.output.height, 1080);
    std::vector<std::pair<std::int64_t, std::int64_t>> frames;
    for (const auto& it : tl.root.tracks.at(0).items)
        frames.emplace_back(frame(it.start, tl.output.fps), frame(it.end, tl.output.fps));
    EXPECT_EQ(frames,
              (std::vector<std::pair<std::int64_t, std::int64_t>>{{0, 3}, {3, 9}, {9, 13}, {13, 19}}));
    // source_range 3..6 of media whose available_range starts at 0; Clip-004 has none:
    // its available_range (100..106 at 24) is used, from the media's start.
    EXPECT_EQ(item(tl, "Clip-001").in, Rational(3, 24));
    EXPECT_EQ(item(tl, "Clip-004").in, Rational(0));
    EXPECT_EQ(*item(tl, "Clip-004").out, Rational(6, 24));
    EXPECT_EQ(tl.media.at("Media-001").resolved, fs::path("/folder/titles.mov"));
    EXPECT_TRUE(item(tl, "Clip-001").mute);  // sound comes from audio tracks in OTIO
}

TEST(OtioSamples, MultipleTrackShiftsATrackWithANegativeStart)
{
    if (!fs::exists(samples_dir / "multiple_track.otio")) GTEST_SKIP();
    Timeline tl = resolved(load_otio(samples_dir / "multiple_track.otio").timeline);
    ASSERT_EQ(tl.root.tracks.size(), 3u);
    EXPECT_TRUE(tl.compositions.empty());
    const Item& c5 = item(tl, "Clip-005");  // Track-003 source_range starts at -7 frames
    EXPECT_EQ(c5.start, Rational(7, 24));
    EXPECT_EQ(c5.end, Rational(16, 24));
    EXPECT_EQ(tl.root.duration, Rational(19, 24));  // Track-001: 3 + 6 + 4 + 6 frames
}

TEST(OtioSamples, PremiereExample)
{
    if (!fs::exists(samples_dir / "premiere_example.otio")) GTEST_SKIP();
    OtioTimeline o = load_otio(samples_dir / "premiere_example.otio");
    Timeline tl = resolved(std::move(o.timeline));
    EXPECT_EQ(tl.output.width, 1280);  // from the fcp_xml sequence format
    EXPECT_EQ(tl.output.height, 720);
    // Ranges at 30 and 15 are not a frame rate: the rate comes from the media once probed.
    EXPECT_EQ(tl.output.fps_source, FpsSource::fallback);
    EXPECT_EQ(tl.output.fps, Rational(default_fps));
    EXPECT_EQ(tl.media.size(), 6u);  // one entry per file, however many clips use it
    EXPECT_EQ(tl.media.at("sc01_sh010_anim.mov").path, "D:/media/sc01_sh010_anim.mov");
    // The 15 fps clip: 50 frames at 15 = 100 at 30, after a 536-frame gap.
    const Item& first = item(tl, "sc01_sh010_anim.mov");
    EXPECT_EQ(first.start, Rational(536, 30));
    EXPECT_EQ(first.length(), Rational(50, 15));
    // The Slug is black.
    const Item& slug = item(tl, "test_title");
    EXPECT_EQ(slug.type, ItemType::color);
    EXPECT_EQ(slug.color, (Color{0, 0, 0, 255}));
    EXPECT_EQ(slug.length(), Rational(941, 30));
    // Cross Dissolve in 19, out 0, then a gap: a fade out over 19 frames.
    EXPECT_EQ(item(tl, "sc01_sh030_anim.mov").fade_out, Rational(19, 30));
    // Cross Dissolve in 12, out 13 between two clips: a 25-frame crossfade.
    const Item& b = item(tl, "sc01_sh010_anim.mov #3");
    ASSERT_TRUE(b.transition_in);
    EXPECT_EQ(b.transition_in->duration, Rational(25, 30));
    EXPECT_EQ(b.start, Rational(956 + 208 - 12, 30));
    EXPECT_EQ(b.in, Rational(18 - 12, 30));
    EXPECT_EQ(item(tl, "sc01_master_layerA_sh030_temp.mov").source_out, Rational(133 - 99 + 208 + 13, 30));
    int audio = 0;
    for (const auto& t : tl.root.tracks) audio += t.kind == TrackKind::audio;
    EXPECT_EQ(audio, 4);
    EXPECT_TRUE(o.warnings.empty()) << joined(o.warnings);
}

TEST(OtioSamples, NestedExampleWithMediaMapsStacksTracksAndWarps)
{
    if (!fs::exists(samples_dir / "nested_example.otio")) GTEST_SKIP();
    // The sample has no media and a FreezeFrame: give every clip a long movie and drop
    // the freeze, and the rest converts.
    json doc = json::parse(read_file(samples_dir / "nested_example.otio"));
    std::function<void(json&)> relink = [&](json& v) {
        if (v.is_object()) {
            if (v.value("OTIO_SCHEMA", "") == "MissingReference.1") v = external("long.mov", "long");
            if (v.contains("effects") && v["effects"].is_array()) {
                json kept = json::array();
                for (auto& e : v["effects"])
                    if (e.value("OTIO_SCHEMA", "") != "FreezeFrame.1") kept.push_back(e);
                v["effects"] = kept;
            }
            for (auto& [k, x] : v.items()) relink(x);
        } else if (v.is_array()) {
            for (auto& x : v) relink(x);
        }
    };
    relink(doc);
    OtioTimeline o = read(doc);
    Timeline tl = resolved(std::move(o.timeline));
    EXPECT_EQ(tl.compositions.size(), 3u);
    ASSERT_TRUE(tl.compositions.count("Nested Stack 1"));
    ASSERT_TRUE(tl.compositions.count("Nested Stack 2 (with effects)"));
    ASSERT_TRUE(tl.compositions.count("Nested Track"));
    const Item& s2 = item(tl, "Nested Stack 2 (with effects)");
    EXPECT_EQ(s2.type, ItemType::comp);
    EXPECT_EQ(s2.speed, *Rational::parse("0.8545454551724138"));  // exact, from the file's text
    // 29 frames at 0.85 need 1.03 s of a 1 s stack: past its end nothing shows.
    EXPECT_EQ(s2.length(), Rational(1) / s2.speed);
    EXPECT_EQ(item(tl, "Nested Stack 1").start, Rational(238, 24));
    EXPECT_EQ(item(tl, "Normal Clip 4").end, Rational(238 + 31 + 33 + 29 + 63 + 4 + 238, 24));
    EXPECT_EQ(tl.root.duration, Rational(636, 24));
}

// ---- timing ----------------------------------------------------------------------------

namespace {

struct RateCase {
    const char* name;
    double written;  ///< as an editor writes it in the file
    Rational exact;
};

class OtioTiming : public ::testing::TestWithParam<RateCase> {};

}  // namespace

TEST_P(OtioTiming, FrameCountsAndBoundariesAreExact)
{
    const RateCase rc = GetParam();
    const double r = rc.written;
    // Record timecode 01:00:00:00 at the rate; media whose timecode starts at 00:59:50:00.
    double hour = 3600 * std::round(r);
    json avail = tr(hour - 10 * std::round(r), 2000, r);
    json main_track = track("V1", {
                                      clip("A", external("long-a.mov", "a", avail), tr(hour, 48, r)),
                                      gap(13, r),
                                      clip("B", external("long-b.mov", "b", avail), tr(hour + 100, 37, r)),
                                      transition("X", 5, 7, r),
                                      clip("C", external("long-a.mov", "a", avail), tr(hour + 500, 50, r)),
                                  });
    // The same 31 frames written at twice the rate, on a second track.
    json second = track("V2", {gap(20, r), clip("D", external("long-b.mov", "b"), tr(0, 62, 2 * r))});
    json audio = track("A1", {gap(3, r), clip("M", external("music.wav", "music"), tr(0, 100, r))}, "Audio");
    OtioTimeline o = read(timeline({main_track, second, audio}, rt(hour, r), {{"reel", {{"fps", r}}}}));
    Timeline tl = resolved(std::move(o.timeline));
    const Rational fps = tl.output.fps;
    EXPECT_EQ(fps, rc.exact);
    auto frames = [&](const std::string& id) {
        const Item& it = item(tl, id);
        return std::pair{frame(it.start, fps), frame(it.end, fps)};
    };
    using P = std::pair<std::int64_t, std::int64_t>;
    EXPECT_EQ(frames("A"), P(0, 48));
    EXPECT_EQ(frames("B"), P(61, 98 + 7));   // runs 7 frames into C for the transition
    EXPECT_EQ(frames("C"), P(98 - 5, 148));  // starts 5 frames early
    EXPECT_EQ(frames("D"), P(20, 51));
    EXPECT_EQ(frames("M"), P(3, 103));
    EXPECT_EQ(item(tl, "C").transition_in->duration * fps, Rational(12));
    // Media time: 10 s of handle before the record hour, exactly.
    EXPECT_EQ(item(tl, "A").in * fps, Rational(10 * std::int64_t(std::round(r))));
    EXPECT_EQ(item(tl, "C").in * fps, Rational(10 * std::int64_t(std::round(r)) + 500 - 5));
    EXPECT_EQ(time_to_frame(tl.root.duration, fps), 148);
    // Every boundary where the picture can change lands on a frame exactly.
    std::set<std::int64_t> cuts;
    tl.for_each_item([&](const Composition&, const Track& t, const Item& it) {
        if (t.kind != TrackKind::video) return;
        for (const Rational& b : {it.start, it.end}) {
            EXPECT_EQ((b * fps).den(), 1) << it.id << " boundary " << b.to_string() << " is between frames";
            cuts.insert(frame(b, fps));
        }
    });
    EXPECT_EQ(cuts, (std::set<std::int64_t>{0, 20, 48, 51, 61, 93, 105, 148}));
    EXPECT_TRUE(o.warnings.empty()) << joined(o.warnings);
}

INSTANTIATE_TEST_SUITE_P(Rates, OtioTiming,
                         ::testing::Values(RateCase{"film", 24, Rational(24)},
                                           RateCase{"pal", 25, Rational(25)},
                                           RateCase{"ntsc", 30000.0 / 1001, Rational(30000, 1001)},
                                           RateCase{"ntsc_film", 23.976, Rational(24000, 1001)}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(OtioTiming, NtscDecimalsOfAnySpellingMeanTheExactRate)
{
    for (const char* rate :
         {"23.976", "23.976023976023978", "23.98", "29.97", "29.97002997002997", "59.94"}) {
        // The rate's exact spelling in the text, where a placeholder was.
        std::string t = timeline({track("V", {clip("A", external("a.mov"), tr(0, 10, 1))})}, rt(0, 24),
                                 {{"reel", {{"fps", 777.0}}}})
                            .dump();
        auto at = t.find("777.0");
        ASSERT_NE(at, std::string::npos) << t;
        t.replace(at, 5, rate);
        Timeline tl = read_text(t).timeline;
        double d = std::stod(rate);
        int n = int(std::lround(d * 1.001));
        EXPECT_EQ(tl.output.fps, Rational(n * 1000, 1001)) << rate;
        EXPECT_EQ(tl.output.fps_source, FpsSource::timeline);
    }
}

// ---- round trip: reel → OTIO (fixture writer) → reel ------------------------------------

TEST(OtioRoundTrip, ReelTimelineThroughOtioKeepsEverySegmentHashInput)
{
    const char* reel = R"({
      "reel": 1,
      "output": { "width": 1280, "height": 720, "fps": "30000/1001" },
      "media": { "a": { "path": "media/a.mp4" }, "b": { "path": "media/long b.mov" },
                 "logo": { "path": "media/logo.png" }, "music": { "path": "media/music.wav" } },
      "compositions": {
        "inset": { "width": 1280, "height": 720, "duration": 6, "tracks": [
          { "items": [ { "id": "in1", "type": "clip", "media": "b", "start": 0, "in": 20, "out": 24 },
                       { "id": "in2", "type": "color", "color": "#336699", "start": 4.5, "duration": 1 } ] } ] }
      },
      "tracks": [
        { "id": "main", "items": [
          { "id": "one", "type": "clip", "media": "a", "start": 0, "in": 1, "out": 7 },
          { "id": "two", "type": "clip", "media": "b", "start": 5, "in": 3, "out": 11,
            "transition_in": { "kind": "crossfade", "duration": 1 } },
          { "id": "fast", "type": "clip", "media": "b", "start": 14, "in": 30, "out": 34, "speed": 2 },
          { "id": "off", "type": "clip", "media": "a", "start": 16, "in": 0, "out": 1, "enabled": false } ] },
        { "id": "over", "items": [
          { "id": "bug", "type": "image", "media": "logo", "start": 2, "duration": 3 },
          { "id": "pip", "type": "comp", "comp": "inset", "start": 6, "in": 0.5, "out": 5.5 } ] },
        { "id": "music", "kind": "audio", "items": [
          { "id": "song", "type": "clip", "media": "music", "start": 0.5, "in": 0, "out": 12 } ] }
      ]
    })";
    Timeline original = parse_timeline(JsonDocument::parse(reel, "/p/project.json"), "/p/project.json");
    resolve_timeline(original, test::fake_facts(original));

    json otio = to_otio(original);
    OtioTimeline o = read_text(otio.dump(2), {}, "/p/project.otio");
    EXPECT_TRUE(o.warnings.empty()) << joined(o.warnings);
    Timeline back = resolved(std::move(o.timeline));

    // The plan's segment hashes are SHA-256 over exactly these: the output's picture
    // settings, each root item's picture fields with its track index (nested
    // compositions inline), and the fingerprints of the media ids they name (made from
    // the media paths by the plan tests' fake sources). Equal inputs, equal hashes.
    EXPECT_EQ(output_picture_json(original.output), output_picture_json(back.output));
    EXPECT_EQ(composition_picture_json(original, original.root).dump(2),
              composition_picture_json(back, back.root).dump(2));
    std::map<std::string, std::string> paths_a, paths_b;
    for (const auto& [id, m] : original.media) paths_a[id] = m.path;
    for (const auto& [id, m] : back.media) paths_b[id] = m.path;
    EXPECT_EQ(paths_a, paths_b);
    EXPECT_EQ(original.root.duration, back.root.duration);
    // Sound: the audio track's clip is where it was.
    EXPECT_EQ(item(back, "song").start, Rational(1, 2));
    EXPECT_EQ(item(back, "song").source_out, Rational(12));
}

// ---- mapping rules ---------------------------------------------------------------------

TEST(Otio, ClipSchemaVersionsAndActiveReference)
{
    json c1 = {{"OTIO_SCHEMA", "Clip.1"},
               {"name", "old"},
               {"source_range", tr(0, 24, 24)},
               {"media_reference", external("file:///m/old.mov")}};
    json c2 = clip("new", external("file:///m/default.mov"), tr(0, 24, 24));
    c2["media_references"]["PROXY"] = external("file:///m/proxy.mov");
    c2["active_media_reference_key"] = "PROXY";
    Timeline tl = read(timeline({track("V", {c1, c2})})).timeline;
    EXPECT_EQ(tl.media.at(item(tl, "old").media).resolved, fs::path("/m/old.mov"));
    EXPECT_EQ(tl.media.at(item(tl, "new").media).resolved, fs::path("/m/proxy.mov"));

    json bad = clip("gone", external("x.mov"), tr(0, 24, 24));
    bad["active_media_reference_key"] = "HIGH_RES";
    json newer = clip("future", external("x.mov"), tr(0, 24, 24));
    newer["OTIO_SCHEMA"] = "Clip.3";
    auto errors = read_errors(timeline({track("V", {bad, newer})}));
    EXPECT_ANY(errors, "clip \"gone\"", "\"HIGH_RES\"", "not in media_references");
    EXPECT_ANY(errors, "\"Clip.3\"", "up to version 2");
}

TEST(Otio, MediaPathsUrlsAndMediaRoot)
{
    json clips = json::array({
        clip("rel", external("media/My%20Clip.mov"), tr(0, 1, 24)),
        clip("drive", external("file://localhost/D%3a/media/x.mov"), tr(0, 1, 24)),
        clip("abs", external("file:///srv/media/y.mov"), tr(0, 1, 24)),
        clip("again", external("file:///srv/media/./y.mov", "other name"), tr(0, 1, 24)),
    });
    Timeline tl = read(timeline({track("V", clips)})).timeline;
    const MediaRef& rel = tl.media.at(item(tl, "rel").media);
    EXPECT_EQ(rel.path, "media/My Clip.mov");  // percent-decoded, relative to the .otio
    EXPECT_EQ(rel.resolved, test_file.parent_path() / "media/My Clip.mov");
    EXPECT_EQ(tl.media.at(item(tl, "drive").media).path, "D:/media/x.mov");
    EXPECT_EQ(item(tl, "abs").media, item(tl, "again").media);  // one media entry per file
    EXPECT_EQ(tl.media.size(), 3u);

    auto errors =
        read_errors(timeline({track("V", {clip("web", external("https://example.com/a.mov"), tr(0, 1, 24)),
                                          clip("none", external(""), tr(0, 1, 24))})}));
    EXPECT_ANY(errors, "clip \"web\"", "not a file");
    EXPECT_ANY(errors, "clip \"none\"", "target_url is empty");

    // --media-root: relative paths under it; missing absolute paths relinked by their tail.
    fs::path root = fs::temp_directory_path() / ("reel-otio-test-" + std::to_string(::getpid()));
    fs::create_directories(root / "media");
    std::ofstream(root / "media" / "y.mov") << "x";
    OtioOptions options;
    options.media_root = root;
    Timeline moved = read(timeline({track("V", clips)}), options).timeline;
    EXPECT_EQ(moved.media.at(item(moved, "rel").media).resolved, root / "media/My Clip.mov");
    // Not at /srv/media/y.mov: found under the root by the longest tail that exists.
    EXPECT_EQ(moved.media.at(item(moved, "abs").media).resolved, root / "media/y.mov");
    EXPECT_EQ(item(moved, "abs").media, item(moved, "again").media);
    EXPECT_EQ(moved.media.at(item(moved, "drive").media).resolved, fs::path("D:/media/x.mov"));  // not there
    fs::remove_all(root);
}

TEST(Otio, TransitionsBecomeCrossfadesAndFades)
{
    json avail = tr(0, 240, 24);
    json t = track("V", {
                            transition("open", 0, 6, 24),  // a fade in over out_offset
                            clip("A", external("a.mov", "", avail), tr(48, 24, 24)),
                            transition("mid", 4, 8, 24),
                            clip("B", external("b.mov", "", avail), tr(96, 24, 24)),
                            transition("close", 3, 2, 24, "Custom_Transition"),
                            gap(10, 24),
                            clip("C", external("a.mov", "", avail), tr(0, 24, 24)),
                        });
    OtioTimeline o = read(timeline({t}));
    Timeline tl = resolved(std::move(o.timeline));
    const Item &a = item(tl, "A"), &b = item(tl, "B"), &c = item(tl, "C");
    EXPECT_EQ(a.fade_in, Rational(6, 24));
    EXPECT_EQ(a.start, Rational(0));
    EXPECT_EQ(a.end, Rational(24 + 8, 24));  // A's tail handle: out_offset past the cut
    EXPECT_EQ(a.source_out, Rational(48 + 24 + 8, 24));
    EXPECT_EQ(b.start, Rational(24 - 4, 24));  // B's head handle: in_offset before the cut
    EXPECT_EQ(b.in, Rational(96 - 4, 24));
    ASSERT_TRUE(b.transition_in);
    EXPECT_EQ(b.transition_in->duration, Rational(12, 24));
    EXPECT_EQ(b.fade_out, Rational(5, 24));  // into a gap: a fade to transparent
    EXPECT_EQ(b.end, Rational(48 + 2, 24));
    EXPECT_EQ(c.start, Rational(58, 24));
    EXPECT_ANY(o.warnings, "transition \"close\"", "\"Custom_Transition\"", "dissolve");

    // Disabled transition: a cut.
    json off = transition("off", 4, 4, 24);
    off["enabled"] = false;
    Timeline cut = resolved(read(timeline({track("V", {clip("A", external("a.mov"), tr(48, 24, 24)), off,
                                                       clip("B", external("b.mov"), tr(48, 24, 24))})}))
                                .timeline);
    EXPECT_FALSE(item(cut, "B").transition_in);
    EXPECT_EQ(item(cut, "B").start, Rational(1));
}

TEST(Otio, TransitionsThatCannotBeExpressedAreErrors)
{
    json avail = tr(0, 48, 24);
    auto errors = read_errors(timeline({
        track("V1", {transition("lead", 3, 3, 24), clip("A", external("a.mov", "", avail), tr(0, 24, 24))}),
        track("V2", {clip("B", external("a.mov", "", avail), tr(24, 24, 24)), transition("tail", 2, 4, 24),
                     clip("C", external("b.mov", "", avail), tr(24, 24, 24))}),
        track("V3", {clip("D", external("a.mov", "", avail), tr(0, 24, 24)), transition("x", 2, 2, 24),
                     transition("y", 2, 2, 24), clip("E", external("b.mov", "", avail), tr(24, 24, 24))}),
        track("V4", {clip("F", external("a.mov", "", avail), tr(0, 24, 24)), transition("big", 30, 0, 24),
                     clip("G", external("b.mov", "", avail), tr(24, 24, 24))}),
        track("V5", {clip("H", external("a.mov", "", avail), tr(0, 12, 24)), transition("p", 0, 7, 24),
                     clip("I", external("b.mov", "", avail), tr(12, 10, 24)), transition("q", 6, 0, 24),
                     clip("J", external("b.mov", "", avail), tr(0, 10, 24))}),
    }));
    EXPECT_ANY(errors, "transition \"lead\"", "before it starts");
    EXPECT_ANY(errors, "transition \"tail\"", "clip \"B\"", "after its out point");  // media ends at 48
    EXPECT_ANY(errors, "transition \"x\"", "next to another transition");
    EXPECT_ANY(errors, "transition \"big\"", "in_offset", "longer than clip \"F\"");
    EXPECT_ANY(errors, "clip \"I\"", "transitions overlap");
    // Head handle: C starts at its media's first frame.
    auto head = read_errors(timeline(
        {track("V", {clip("K", external("a.mov", "", avail), tr(0, 24, 24)), transition("h", 2, 0, 24),
                     clip("L", external("b.mov", "", avail), tr(0, 24, 24))})}));
    EXPECT_ANY(head, "transition \"h\"", "clip \"L\"", "before its in point");
}

TEST(Otio, TimeWarpsFreezesAndEffects)
{
    json freeze = {{"OTIO_SCHEMA", "FreezeFrame.1"}, {"effect_name", "FreezeFrame"}, {"time_scalar", 0}};
    json resolve_identity = {
        {"OTIO_SCHEMA", "Effect.1"},
        {"effect_name", "Resolve Effect"},
        {"metadata",
         {{"Resolve_OTIO",
           {{"Effect Name", "Composite"}, {"Enabled", true}, {"Parameters", json::array()}, {"Type", 1}}}}}};
    json resolve_volume = {{"OTIO_SCHEMA", "Effect.1"},
                           {"effect_name", "Resolve Effect"},
                           {"metadata",
                            {{"Resolve_OTIO",
                              {{"Effect Name", "Fairlight Clip Volume and Fades"},
                               {"Enabled", true},
                               {"Parameters",
                                {{{"Parameter ID", "volume"},
                                  {"Parameter Value", -6.5},
                                  {"Default Parameter Value", 0.0}}}}}}}}};
    json blur = {{"OTIO_SCHEMA", "Effect.1"}, {"effect_name", "toucan:Blur"}, {"name", "soft"}};
    json disabled_blur = blur;
    disabled_blur["enabled"] = false;
    OtioTimeline o = read(timeline({
        track("V", {clip("half", external("a.mov"), tr(0, 24, 24), {warp(0.5)}),
                    clip("double", external("a.mov"), tr(0, 24, 24), {warp(2.0), resolve_identity, blur}),
                    clip("still", external("logo.png"), tr(0, 48, 24), {freeze, disabled_blur})}),
        track("A", {clip("voice", external("music.wav"), tr(0, 24, 24), {resolve_volume})}, "Audio"),
    }));
    Timeline tl = resolved(std::move(o.timeline));
    EXPECT_EQ(item(tl, "half").speed, Rational(1, 2));
    EXPECT_EQ(item(tl, "half").length(), Rational(1));  // a warp keeps the item's duration
    EXPECT_EQ(item(tl, "half").source_out, Rational(1, 2));
    EXPECT_EQ(item(tl, "double").source_out, Rational(2));
    EXPECT_EQ(item(tl, "still").type, ItemType::image);  // a freeze on a still holds: fine
    EXPECT_EQ(item(tl, "voice").gain_db, -6.5);
    ASSERT_EQ(o.warnings.size(), 1u) << joined(o.warnings);
    EXPECT_ANY(o.warnings, "\"toucan:Blur\"", "clip \"double\"", "ignored");

    json time_effect = {{"OTIO_SCHEMA", "TimeEffect.1"}, {"effect_name", "Retime"}};
    auto errors =
        read_errors(timeline({track("V", {clip("back", external("a.mov"), tr(48, 24, 24), {warp(-1.0)}),
                                          clip("odd", external("a.mov"), tr(0, 24, 24), {time_effect})})}));
    EXPECT_ANY(errors, "clip \"back\"", "backwards");
    EXPECT_ANY(errors, "clip \"odd\"", "\"Retime\"", "TimeEffect.1");
}

TEST(Otio, NestedStacksAndTracksAreCompositions)
{
    json inner = stack("shot",
                       {track("in", {clip("x", external("long.mov"), tr(0, 48, 24))}),
                        track("snd", {clip("y", external("music.wav"), tr(0, 48, 24))}, "Audio")},
                       tr(12, 24, 24), {warp(0.5)});
    json again = stack("shot", {track("in", {clip("z", external("long.mov"), tr(0, 24, 24))})});
    json nested_track = track("cutaway", {gap(6, 24), clip("w", external("a.mov"), tr(0, 18, 24))});
    json empty = stack("empty", json::array(), tr(0, 10, 24));
    Timeline tl = resolved(read(timeline({track("V", {inner, again, empty, nested_track})})).timeline);
    ASSERT_EQ(tl.compositions.size(), 3u);
    EXPECT_TRUE(tl.compositions.count("shot"));
    EXPECT_TRUE(tl.compositions.count("shot 2"));  // names made unique
    EXPECT_TRUE(tl.compositions.count("cutaway"));
    const Item& s = item(tl, "shot");
    EXPECT_EQ(s.type, ItemType::comp);
    EXPECT_EQ(s.comp, "shot");
    EXPECT_EQ(s.in, Rational(12, 24));
    EXPECT_EQ(s.speed, Rational(1, 2));
    EXPECT_EQ(s.length(), Rational(1));
    EXPECT_EQ(tl.compositions.at("shot").tracks.size(), 2u);  // its audio is heard through the comp item
    EXPECT_EQ(tl.compositions.at("shot").width, 1920);
    EXPECT_EQ(item(tl, "shot #2").comp, "shot 2");
    // The empty stack is a 10-frame gap: the nested track starts after it.
    EXPECT_EQ(item(tl, "cutaway").start, Rational(24 + 24 + 10, 24));
    EXPECT_EQ(tl.compositions.at("cutaway").duration, Rational(1));
    EXPECT_EQ(tl.nesting_depth(), 1);

    auto errors = read_errors(timeline(
        {track("A", {stack("mix", {track("t", {clip("v", external("music.wav"), tr(0, 4, 24))}, "Audio")})},
               "Audio")}));
    EXPECT_ANY(errors, "stack \"mix\"", "audio track");
}

TEST(Otio, NestingDeeperThanReelRendersIsAnError)
{
    json inner = track("leaf", {clip("x", external("a.mov"), tr(0, 24, 24))});
    for (int i = 0; i < 17; ++i) inner = track("level " + std::to_string(i), {stack("s", {inner})});
    auto errors = read_errors(timeline({inner}));
    EXPECT_ANY(errors, "nested 17 deep", "at most 16");
    json ok = track("leaf", {clip("x", external("a.mov"), tr(0, 24, 24))});
    for (int i = 0; i < 16; ++i) ok = track("level " + std::to_string(i), {stack("s", {ok})});
    EXPECT_EQ(read(timeline({ok})).timeline.nesting_depth(), 16);
}

TEST(Otio, EnabledFlagsAndTrackWindows)
{
    json off_clip = clip("hidden", external("a.mov"), tr(0, 24, 24));
    off_clip["enabled"] = false;
    json off_missing = clip("offline", {{"OTIO_SCHEMA", "MissingReference.1"}}, tr(0, 24, 24));
    off_missing["enabled"] = false;
    json off_track = track("muted", {clip("m", external("music.wav"), tr(0, 24, 24))}, "Audio");
    off_track["enabled"] = false;
    json trimmed =
        track("trim", {clip("long", external("long.mov"), tr(0, 96, 24))}, "Video", tr(24, 24, 24));
    OtioTimeline o =
        read(timeline({track("V", {off_clip, off_missing, clip("shown", external("a.mov"), tr(0, 24, 24))}),
                       off_track, trimmed}));
    Timeline tl = resolved(std::move(o.timeline));
    EXPECT_FALSE(item(tl, "hidden").enabled);
    EXPECT_EQ(item(tl, "shown").start, Rational(2));  // the left-out clip keeps its time
    EXPECT_FALSE(tl.root.tracks.at(1).enabled);
    EXPECT_ANY(o.warnings, "disabled clip \"offline\"", "left out");
    // A track whose source_range cuts its content is wrapped in a composition.
    const Item& window = item(tl, "trim");
    EXPECT_EQ(window.type, ItemType::comp);
    EXPECT_EQ(window.in, Rational(1));
    EXPECT_EQ(window.source_out, Rational(2));
    EXPECT_EQ(tl.root.duration, Rational(3));
}

TEST(Otio, GeneratorsAndReferences)
{
    auto gen = [](const std::string& kind, json params) {
        return json{
            {"OTIO_SCHEMA", "GeneratorReference.1"}, {"generator_kind", kind}, {"parameters", params}};
    };
    Timeline tl =
        read(
            timeline(
                {track("V",
                       {
                           clip("slug", gen("Slug", json::object()), tr(0, 24, 24)),
                           clip("fill", gen("toucan:Fill", {{"color", {1.0, 0.5, 0.0, 1.0}}}), tr(0, 24, 24)),
                           clip("solid", gen("SolidColor", {{"color", "#12345680"}}), tr(0, 24, 24)),
                       }),
                 track("A", {clip("quiet", gen("Slug", json::object()), tr(0, 24, 24))}, "Audio")}))
            .timeline;
    EXPECT_EQ(item(tl, "slug").color, (Color{0, 0, 0, 255}));
    EXPECT_EQ(item(tl, "fill").color, (Color{255, 128, 0, 255}));
    EXPECT_EQ(item(tl, "solid").color, (Color{0x12, 0x34, 0x56, 0x80}));
    EXPECT_TRUE(tl.root.tracks.at(1).items.empty());  // a generator makes no sound

    auto errors = read_errors(timeline({track(
        "V", {clip("bars", gen("SMPTEBars", json::object()), tr(0, 24, 24)),
              clip("odd", {{"OTIO_SCHEMA", "StreamReference.1"}}, tr(0, 24, 24)),
              clip("lost", {{"OTIO_SCHEMA", "MissingReference.1"}, {"name", "shot.mov"}}, tr(0, 24, 24)),
              clip("nothing", nullptr, nullptr)})}));
    EXPECT_ANY(errors, "clip \"bars\"", "\"SMPTEBars\"");
    EXPECT_ANY(errors, "clip \"odd\"", "\"StreamReference.1\"");
    EXPECT_ANY(errors, "clip \"lost\"", "MissingReference", "\"shot.mov\"");
    EXPECT_ANY(errors, "clip \"nothing\"", "neither a source_range nor an available_range");
}

TEST(Otio, AvailableRangeStillsAndMediaEnds)
{
    // Resolve: a still has one available frame and is used for many; a movie used past
    // its available end shows nothing there (a warning).
    OtioTimeline o = read(timeline(
        {track("V", {
                        clip("photo", external("/m/Frame 1"), tr(0, 444, 24)),
                        clip("movie", external("b.mov", "", tr(86400, 48, 24)), tr(86400 + 24, 48, 24)),
                    })}));
    EXPECT_EQ(item(o.timeline, "photo").type, ItemType::clip);  // no available_range: a movie
    EXPECT_EQ(item(o.timeline, "movie").in, Rational(1));       // relative to the media's start
    EXPECT_EQ(item(o.timeline, "movie").length(), Rational(1));
    EXPECT_ANY(o.warnings, "clip \"movie\"", "past the end", "available_range");

    json still = clip("still", external("/m/Frame 2", "", tr(0, 1, 24)), tr(0, 444, 24));
    Timeline tl = read(timeline({track("V", {still})})).timeline;
    EXPECT_EQ(item(tl, "still").type, ItemType::image);
    EXPECT_EQ(item(tl, "still").duration, Rational(444, 24));
}

TEST(Otio, UnknownSchemasAndMalformedValuesAreLocated)
{
    std::string text = R"({
  "OTIO_SCHEMA": "Timeline.1",
  "tracks": {
    "OTIO_SCHEMA": "Stack.1",
    "children": [
      { "OTIO_SCHEMA": "Track.1", "name": "V", "kind": "Video", "children": [
        { "OTIO_SCHEMA": "Clip.1", "name": "nan",
          "source_range": { "OTIO_SCHEMA": "TimeRange.1",
            "start_time": { "OTIO_SCHEMA": "RationalTime.1", "value": NaN, "rate": 24 },
            "duration": { "OTIO_SCHEMA": "RationalTime.1", "value": 24, "rate": -Infinity } },
          "metadata": { "big": 170141183460469231731687303715884105728, "inf": Inf },
          "media_reference": { "OTIO_SCHEMA": "ExternalReference.1", "target_url": "a.mov" } },
        { "OTIO_SCHEMA": "Widget.1", "name": "thing" },
        { "OTIO_SCHEMA": "SerializableObjectRef.1", "name": "shared" }
      ] },
      { "OTIO_SCHEMA": "Track.1", "name": "D", "kind": "Data", "children": [] }
    ]
  }
})";
    try {
        read_text(text);
        FAIL() << "accepted";
    } catch (const Error& e) {
        std::vector<std::string> lines = messages(e);
        EXPECT_EQ(lines.size(), 5u) << joined(lines);
        EXPECT_ANY(lines, "/tracks/children/0/children/0/source_range/start_time/value",
                   "not a finite number");
        EXPECT_ANY(lines, "/tracks/children/0/children/0/source_range/duration/rate", "not a finite number");
        EXPECT_ANY(lines, "/tracks/children/0/children/1: \"thing\"", "\"Widget.1\"");
        EXPECT_ANY(lines, "\"shared\"", "SerializableObjectRef.1");
        EXPECT_ANY(lines, "track \"D\"", "\"Data\"");
        // Positions are in the .otio file, in file order.
        EXPECT_EQ(e.location().line, 9);
        EXPECT_EQ(e.location().column, 71);              // the NaN
        EXPECT_EQ(e.more().back().location().line, 16);  // track "D"
        EXPECT_EQ(e.item_id(), "");
    }
}

TEST(Otio, TopLevelFormsAndOutputSettings)
{
    json body = track("V", {clip("a", external("a.mov"), tr(0, 25, 25))});
    // A bin: the first Timeline in it. A clip's range at 25 is no frame rate: without
    // metadata the rate is left to the media (default_fps until they are probed).
    json bin = {{"OTIO_SCHEMA", "SerializableCollection.1"},
                {"children", {{{"OTIO_SCHEMA", "Marker.3"}}, timeline({body})}}};
    Timeline from_bin = read(bin).timeline;
    EXPECT_EQ(from_bin.output.fps, Rational(default_fps));
    EXPECT_EQ(from_bin.output.fps_source, FpsSource::fallback);
    EXPECT_EQ(from_bin.output.width, 1920);
    // A bare track.
    EXPECT_EQ(read(body).timeline.root.tracks.size(), 1u);
    // Output from metadata.
    json md = {{"reel", {{"width", 640}, {"height", 360}, {"fps", "30000/1001"}, {"background", "#102030"}}}};
    Timeline custom = read(timeline({body}, rt(0, 24), md)).timeline;
    EXPECT_EQ(custom.output.width, 640);
    EXPECT_EQ(custom.output.height, 360);
    EXPECT_EQ(custom.output.fps, Rational(30000, 1001));
    EXPECT_EQ(custom.output.fps_source, FpsSource::timeline);
    EXPECT_EQ(custom.output.background, (Color{0x10, 0x20, 0x30, 255}));
    auto errors = read_errors(timeline({body}, nullptr, {{"reel", {{"width", 641}}}}));
    EXPECT_ANY(errors, "/metadata/reel/width", "even");
    errors = read_errors(json{{"OTIO_SCHEMA", "Clip.2"}});
    EXPECT_ANY(errors, "\"Clip.2\"", "not a Timeline");
    errors = read_errors(json{{"OTIO_SCHEMA", "Timeline.2"}, {"tracks", stack("s", json::array())}});
    EXPECT_ANY(errors, "\"Timeline.2\"", "up to version 1");
}

TEST(Otio, TrimmedTopStackAndTrailingGapKeepOtiosDuration)
{
    json body = track("V", {clip("a", external("a.mov"), tr(0, 48, 24)), gap(24, 24)});
    Timeline tl = resolved(read(timeline({body})).timeline);
    EXPECT_EQ(tl.root.duration, Rational(3));  // the trailing gap counts
    json doc = timeline({body});
    doc["tracks"]["source_range"] = tr(12, 24, 24);
    Timeline trimmed = resolved(read(doc).timeline);
    EXPECT_EQ(trimmed.root.duration, Rational(1));
    ASSERT_EQ(trimmed.compositions.size(), 1u);
    EXPECT_EQ(trimmed.root.tracks.at(0).items.at(0).in, Rational(1, 2));
}

TEST(Otio, LoadTimelineDispatchesOtioFiles)
{
    fs::path dir = fs::temp_directory_path() / ("reel-otio-load-" + std::to_string(::getpid()));
    fs::create_directories(dir / "bundle.otiod");
    std::string text = timeline({track("V", {clip("a", external("media/a.mov"), tr(0, 24, 24))})}).dump();
    write_file_atomic(dir / "cut.otio", text, Overwrite::replace);
    write_file_atomic(dir / "bundle.otiod" / "content.otio", text, Overwrite::replace);
    Timeline tl = load_timeline(dir / "cut.otio");
    EXPECT_EQ(tl.file, dir / "cut.otio");
    EXPECT_EQ(tl.media.begin()->second.resolved, dir / "media/a.mov");
    Timeline rooted = load_timeline(dir / "cut.otio", "/mnt/footage");
    EXPECT_EQ(rooted.media.begin()->second.resolved, fs::path("/mnt/footage/media/a.mov"));
    Timeline bundle = load_timeline(dir / "bundle.otiod");
    EXPECT_EQ(bundle.media.begin()->second.resolved, dir / "bundle.otiod" / "media/a.mov");
    try {
        load_timeline(dir / "archive.otioz");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(e.message().find(".otioz"), std::string::npos);
    }
    fs::remove_all(dir);
}

TEST(Otio, LenientJsonKeepsPositions)
{
    std::string in = R"({"a": NaN, "b": [Inf, -Inf, Infinity, -Infinity], "s": "NaN Inf", "n": -1.5e3})";
    std::string out = otio_json_text(in);
    EXPECT_EQ(out.size(), in.size());
    json j = json::parse(out);
    EXPECT_EQ(j["a"], "N");
    EXPECT_EQ(j["b"], json({"I", "-I", "Infini", "-Infini"}));
    EXPECT_EQ(j["s"], "NaN Inf");
    EXPECT_EQ(j["n"], -1500.0);
}

// ---- issue 16: image sequences, stills, freeze frames, picture effects, wipes, rates ----

namespace {

json sequence_ref(json fields)
{
    json ref = {{"OTIO_SCHEMA", "ImageSequenceReference.1"},
                {"target_url_base", "plates/"},
                {"name_prefix", "shot."},
                {"name_suffix", ".exr"},
                {"start_frame", 1001},
                {"frame_step", 1},
                {"rate", 24.0},
                {"frame_zero_padding", 4},
                {"missing_frame_policy", "error"}};
    for (auto& [k, v] : fields.items()) ref[k] = v;
    return ref;
}

json effect(const std::string& name, json metadata = json::object())
{
    return {{"OTIO_SCHEMA", "Effect.1"}, {"effect_name", name}, {"metadata", metadata}};
}

}  // namespace

TEST(OtioIssue16, ImageSequenceReferenceBecomesASequenceMediaEntry)
{
    json avail = tr(86400, 50, 24);
    OtioTimeline o = read(timeline({track(
        "V",
        {clip("plate", sequence_ref({{"available_range", avail}, {"name", "plate"}}), tr(86410, 30, 24)),
         clip("every other", sequence_ref({{"frame_step", 2}, {"frame_zero_padding", 0}}), tr(0, 12, 24)),
         clip("toucan",
              sequence_ref({{"rate", 0.0},
                            {"target_url_base", ""},
                            {"name_prefix", "Counter 100%."},
                            {"name_suffix", ".png"},
                            {"start_frame", 0},
                            {"frame_zero_padding", 0},
                            {"missing_frame_policy", "black"}}),
              tr(0, 2, 25))})}));
    const Timeline& tl = o.timeline;
    EXPECT_TRUE(o.warnings.empty()) << joined(o.warnings);
    ASSERT_EQ(tl.media.size(), 3u);
    const MediaRef& plate = tl.media.at("plate");
    EXPECT_EQ(plate.path, "plates/shot.%04d.exr");
    EXPECT_EQ(plate.resolved, fs::path("/otio-test/project/plates/shot.%04d.exr"));
    ASSERT_TRUE(plate.sequence);
    EXPECT_EQ(plate.sequence->rate, Rational(24));
    EXPECT_EQ(plate.sequence->start, 1001);
    EXPECT_EQ(plate.sequence->end, 1050);  // 50 frames available
    EXPECT_EQ(plate.sequence->step, 1);
    EXPECT_EQ(plate.sequence->missing, MissingFrames::error);
    // The clip plays from 10 frames into the available range: file 1011 on.
    EXPECT_EQ(item(tl, "plate").media, "plate");
    EXPECT_EQ(item(tl, "plate").in, Rational(10, 24));
    EXPECT_EQ(item(tl, "plate").out, Rational(40, 24));
    EXPECT_EQ(item(tl, "plate").type, ItemType::clip);
    // No padding: %d; the step carried; no available_range: no end (what is on disk).
    const MediaRef& other = tl.media.at(item(tl, "every other").media);
    EXPECT_EQ(other.path, "plates/shot.%d.exr");
    EXPECT_EQ(other.sequence->step, 2);
    EXPECT_FALSE(other.sequence->end);
    // toucan writes rate 0: the range's rate; a literal percent sign is escaped.
    const MediaRef& counter = tl.media.at(item(tl, "toucan").media);
    EXPECT_EQ(counter.path, "Counter 100%%.%d.png");
    EXPECT_EQ(counter.sequence->rate, Rational(25));
    EXPECT_EQ(counter.sequence->start, 0);
    EXPECT_EQ(counter.sequence->missing, MissingFrames::black);
    EXPECT_TRUE(sequence_pattern_problem(counter.path).empty());
    // It resolves like any video, and its dump is a valid reel timeline.
    Timeline r = resolved(tl);
    Timeline back = parse_timeline(JsonDocument::parse(to_json(r).dump(2), "dump.json"), test_file);
    EXPECT_EQ(back.media.at("plate").sequence->start, 1001);

    // A file:// base; the same sequence twice is one media entry.
    Timeline url =
        read(
            timeline({track(
                "V", {clip("a", sequence_ref({{"target_url_base", "file:///mnt/x%20y"}}), tr(0, 12, 24)),
                      clip("b", sequence_ref({{"target_url_base", "file:///mnt/x%20y"}}), tr(12, 12, 24))})}))
            .timeline;
    ASSERT_EQ(url.media.size(), 1u);
    EXPECT_EQ(url.media.begin()->second.path, "/mnt/x y/shot.%04d.exr");
}

TEST(OtioIssue16, ImageSequenceProblemsAreLocated)
{
    auto errors = read_errors(
        timeline({track("V", {clip("negative", sequence_ref({{"start_frame", -5}}), tr(0, 12, 24)),
                              clip("policy", sequence_ref({{"missing_frame_policy", "skip"}}), tr(0, 12, 24)),
                              clip("pad", sequence_ref({{"frame_zero_padding", 40}}), tr(0, 12, 24))}),
                  track("A", {clip("heard", sequence_ref(json::object()), tr(0, 12, 24))}, "Audio")}));
    EXPECT_ANY(errors, "/children/0/children/0/media_references/DEFAULT_MEDIA/start_frame",
               "clip \"negative\"", "from 0");
    EXPECT_ANY(errors, "clip \"policy\"", "missing_frame_policy", "\"skip\"");
    EXPECT_ANY(errors, "clip \"pad\"", "frame_zero_padding");
    EXPECT_ANY(errors, "clip \"heard\"", "image sequence on an audio track");
}

TEST(OtioIssue16, FreezeFramesHoldTheFrameAtTheTrimmedStart)
{
    json freeze = {{"OTIO_SCHEMA", "FreezeFrame.1"}, {"effect_name", "FreezeFrame"}, {"time_scalar", 0.0}};
    json avail = tr(86400, 240, 24);
    json inner = stack("held stack", {track("in", {clip("x", external("b.mov"), tr(48, 96, 24))})},
                       tr(24, 48, 24), {freeze});
    json held_track = track("held track", {clip("y", external("c.mov"), tr(0, 96, 24))});
    held_track["effects"] = json::array({warp(0.0)});
    held_track["source_range"] = tr(12, 24, 24);
    OtioTimeline o = read(timeline(
        {track("V", {clip("frozen", external("a.mov", "", avail), tr(86400 + 36, 48, 24), {freeze}),
                     clip("zero", external("a.mov", "", avail), tr(86400 + 12, 24, 24), {warp(0.0)}), inner}),
         held_track}));
    Timeline tl = resolved(std::move(o.timeline));
    const Item& frozen = item(tl, "frozen");
    EXPECT_EQ(frozen.type, ItemType::clip);
    EXPECT_EQ(frozen.speed, Rational(0));
    EXPECT_TRUE(frozen.frozen());
    EXPECT_EQ(frozen.in, Rational(36, 24));
    EXPECT_FALSE(frozen.out);
    EXPECT_EQ(frozen.duration, Rational(2));
    EXPECT_EQ(frozen.start, Rational(0));
    EXPECT_EQ(frozen.end, Rational(2));  // its length in the track: the clip's duration
    EXPECT_EQ(frozen.source_time(Rational(3, 2)), Rational(36, 24));
    const Item& zero = item(tl, "zero");
    EXPECT_TRUE(zero.frozen());
    EXPECT_EQ(zero.in, Rational(12, 24));
    EXPECT_EQ(zero.length(), Rational(1));
    // A nested stack: its comp item frozen at the stack's trimmed start.
    const Item& stack_item = item(tl, "held stack");
    EXPECT_EQ(stack_item.type, ItemType::comp);
    EXPECT_TRUE(stack_item.frozen());
    EXPECT_EQ(stack_item.in, Rational(1));
    EXPECT_EQ(stack_item.length(), Rational(2));
    EXPECT_EQ(stack_item.start, Rational(3));
    // A frozen track: wrapped in a composition shown through one frozen comp item.
    const Item& track_item = item(tl, "held track");
    EXPECT_EQ(track_item.type, ItemType::comp);
    EXPECT_TRUE(track_item.frozen());
    EXPECT_EQ(track_item.in, Rational(1, 2));
    EXPECT_EQ(track_item.length(), Rational(1));
    EXPECT_TRUE(o.warnings.empty()) << joined(o.warnings);

    // The held frame must exist.
    auto errors = read_errors(timeline(
        {track("V", {clip("late", external("a.mov", "", tr(0, 24, 24)), tr(30, 24, 24), {freeze})})}));
    EXPECT_ANY(errors, "clip \"late\"", "holds the frame at 1.25 s", "available_range");
}

TEST(OtioIssue16, StillsAreImageItemsForTheClipsLength)
{
    // By name (.svg included), while reading.
    Timeline tl =
        read(timeline({track("V", {clip("logo", external("art/logo.svg"), tr(0, 36, 24))})})).timeline;
    EXPECT_EQ(item(tl, "logo").type, ItemType::image);
    EXPECT_EQ(item(tl, "logo").duration, Rational(3, 2));
    EXPECT_TRUE(tl.clips_may_be_stills);

    // By probing: a file that a name does not reveal, warped or frozen or not.
    json freeze = {{"OTIO_SCHEMA", "FreezeFrame.1"}, {"effect_name", "FreezeFrame"}, {"time_scalar", 0.0}};
    Timeline odd =
        read(timeline({track("V", {clip("card", external("title.card"), tr(0, 48, 24)),
                                   clip("fast card", external("title.card"), tr(0, 24, 24), {warp(2.0)}),
                                   clip("held card", external("title.card"), tr(0, 12, 24), {freeze})})}))
            .timeline;
    EXPECT_EQ(item(odd, "card").type, ItemType::clip);
    SourceFactsMap facts = test::fake_facts(odd);
    SourceFacts still;
    still.has_video = true;
    still.still_image = true;
    still.width = 300;
    still.height = 200;
    facts.at("title.card") = still;
    resolve_timeline(odd, facts);
    for (auto [id, start, length] :
         {std::tuple{"card", Rational(0), Rational(2)}, std::tuple{"fast card", Rational(2), Rational(1)},
          std::tuple{"held card", Rational(3), Rational(1, 2)}}) {
        const Item& it = item(odd, id);
        EXPECT_EQ(it.type, ItemType::image) << id;
        EXPECT_EQ(it.duration, length) << id;
        EXPECT_EQ(it.start, start) << id;
        EXPECT_EQ(it.end, start + length) << id;
    }
    EXPECT_EQ(odd.root.duration, Rational(7, 2));

    // A reel timeline keeps its error.
    std::string reel_doc = R"({"reel": 1, "output": {"width": 320, "height": 240, "fps": 24},
        "media": {"card": {"path": "title.card"}},
        "tracks": [{"items": [{"type": "clip", "media": "card", "start": 0, "in": 0, "out": 1}]}]})";
    Timeline plain = parse_timeline(JsonDocument::parse(reel_doc, "p.json"), "p.json");
    EXPECT_FALSE(plain.clips_may_be_stills);
    SourceFactsMap plain_facts{{"card", still}};
    try {
        resolve_timeline(plain, plain_facts);
        FAIL() << "a clip of a still was accepted in a reel timeline";
    } catch (const Error& e) {
        EXPECT_NE(e.message().find("is a still image"), std::string::npos) << e.message();
    }
}

TEST(OtioIssue16, ToucanPictureEffectsMapToTransformAndColour)
{
    OtioTimeline o = read(timeline({track(
        "V",
        {clip("flip", external("a.mov"), tr(0, 24, 24), {effect("toucan:Flip")}),
         clip("flop", external("a.mov"), tr(0, 24, 24), {effect("toucan:Flop")}),
         clip("legacy flop", external("a.mov"), tr(0, 24, 24),
              {json{{"OTIO_SCHEMA", "FlopEffect.1"}, {"effect_name", ""}}}),
         clip("rotate", external("a.mov"), tr(0, 24, 24), {effect("toucan:Rotate", {{"angle", 45.0}})}),
         clip("legacy rotate", external("a.mov"), tr(0, 24, 24),
              {json{{"OTIO_SCHEMA", "RotateEffect.1"}, {"angle", -30.0}}}),
         clip("rotate then flip", external("a.mov"), tr(0, 24, 24),
              json::array({effect("toucan:Rotate", {{"angle", 30.0}}), effect("toucan:Flip")})),
         clip("resize", external("a.mov"), tr(0, 24, 24), {effect("toucan:Resize", {{"size", {640, 360}}})}),
         clip("legacy resize", external("a.mov"), tr(0, 24, 24),
              {json{{"OTIO_SCHEMA", "ResizeEffect.1"}, {"width", 320}, {"height", 180}}}),
         clip("grey", external("a.mov"), tr(0, 24, 24), {effect("toucan:Saturate", {{"value", 0.0}})}),
         clip("crop", external("a.mov"), tr(0, 24, 24),
              {effect("toucan:Crop", {{"pos", {100, 50}}, {"size", {640, 360}}})}),
         clip("late crop", external("a.mov"), tr(0, 24, 24),
              json::array({effect("toucan:Flip"),
                           effect("toucan:Crop", {{"pos", {0, 0}}, {"size", {10, 10}}})}))})}));
    const Timeline& tl = o.timeline;
    EXPECT_TRUE(item(tl, "flip").transform->flip_y);
    EXPECT_FALSE(item(tl, "flip").transform->flip_x);
    EXPECT_TRUE(item(tl, "flop").transform->flip_x);
    EXPECT_FALSE(item(tl, "flop").transform->flip_y);
    EXPECT_TRUE(item(tl, "legacy flop").transform->flip_x);
    EXPECT_EQ(item(tl, "rotate").transform->rotation, 45.0);
    EXPECT_EQ(item(tl, "legacy rotate").transform->rotation, -30.0);
    // A mirror after a rotation: the same picture as the mirror first, turned the other way.
    EXPECT_TRUE(item(tl, "rotate then flip").transform->flip_y);
    EXPECT_EQ(item(tl, "rotate then flip").transform->rotation, -30.0);
    const Transform& r = *item(tl, "resize").transform;
    EXPECT_EQ(std::tuple(r.x, r.y, *r.width, *r.height, r.fit),
              std::tuple(0.0, 0.0, 640.0, 360.0, Fit::stretch));
    EXPECT_EQ(*item(tl, "legacy resize").transform->width, 320.0);
    ASSERT_TRUE(item(tl, "grey").adjust);
    EXPECT_EQ(item(tl, "grey").adjust->saturation, 0.0);
    EXPECT_FALSE(item(tl, "grey").transform);
    // Crop: the window's pixels 1:1 at the top left; its right and bottom edges follow from
    // the source's size once known (a.mov: 1920x1080 in the fake facts).
    const Item& crop = item(tl, "crop");
    EXPECT_EQ(std::tuple(crop.crop->left, crop.crop->top), std::tuple(100.0, 50.0));
    EXPECT_EQ(crop.crop_window, (std::pair(640.0, 360.0)));
    const Transform& box = *crop.transform;
    EXPECT_EQ(std::tuple(box.x, box.y, *box.width, *box.height, box.fit),
              std::tuple(0.0, 0.0, 640.0, 360.0, Fit::none));
    Timeline settled = resolved(tl);
    const Item& cropped = item(settled, "crop");
    EXPECT_EQ(std::tuple(cropped.crop->right, cropped.crop->bottom), std::tuple(1920.0 - 740, 1080.0 - 410));
    EXPECT_FALSE(cropped.crop_window);
    // reel crops before flipping: a crop after a flip is not what toucan draws, a warning.
    ASSERT_EQ(o.warnings.size(), 1u) << joined(o.warnings);
    EXPECT_ANY(o.warnings, "\"toucan:Crop\"", "clip \"late crop\"", "ignored");
    EXPECT_FALSE(item(tl, "late crop").crop);

    auto errors = read_errors(
        timeline({track("V", {clip("no angle", external("a.mov"), tr(0, 24, 24), {effect("toucan:Rotate")}),
                              clip("bad size", external("a.mov"), tr(0, 24, 24),
                                   {effect("toucan:Resize", {{"size", "big"}})}),
                              clip("too saturated", external("a.mov"), tr(0, 24, 24),
                                   {effect("toucan:Saturate", {{"value", 9.0}})})})}));
    EXPECT_ANY(errors, "clip \"no angle\"", "\"toucan:Rotate\"", "\"angle\"");
    EXPECT_ANY(errors, "/effects/0/metadata/size", "clip \"bad size\"", "[width, height]");
    EXPECT_ANY(errors, "/effects/0/metadata/value", "clip \"too saturated\"", "0 to 4");

    // A window outside the picture is found once the source's size is known.
    Timeline outside =
        read(timeline(
                 {track("V", {clip("wide", external("a.mov"), tr(0, 24, 24),
                                   {effect("toucan:Crop", {{"pos", {1800, 0}}, {"size", {640, 360}}})})})}))
            .timeline;
    try {
        resolve_timeline(outside, test::fake_facts(outside));
        FAIL() << "a crop window outside the picture was accepted";
    } catch (const Error& e) {
        EXPECT_NE(e.message().find("crop window (640x360 at 1800, 0) is not inside media"), std::string::npos)
            << e.message();
    }
}

TEST(OtioIssue16, EffectsOnTracksAndStacksWrapThemInACompositionItem)
{
    json flipped = track("flipped", {clip("a", external("a.mov"), tr(0, 24, 24))});
    flipped["effects"] = json::array({effect("toucan:Flop")});
    json grey_stack = stack("grey", {track("g", {clip("b", external("b.mov"), tr(0, 24, 24))})}, nullptr,
                            {effect("toucan:Saturate", {{"value", 0.5}})});
    json audio = track("sound", {clip("m", external("music.wav"), tr(0, 24, 24))}, "Audio");
    audio["effects"] = json::array({effect("toucan:Flip")});
    OtioTimeline o = read(timeline({flipped, track("V2", {grey_stack}), audio}));
    Timeline tl = resolved(std::move(o.timeline));
    const Item& f = item(tl, "flipped");
    EXPECT_EQ(f.type, ItemType::comp);
    EXPECT_TRUE(f.transform && f.transform->flip_x);
    EXPECT_EQ(tl.composition(f.comp).tracks.at(0).items.at(0).id, "a");
    EXPECT_FALSE(item(tl, "a").transform);  // the effect is on the whole track, once
    const Item& g = item(tl, "grey");
    EXPECT_EQ(g.type, ItemType::comp);
    EXPECT_EQ(g.adjust->saturation, 0.5);
    // A crop on a track: the composition is the output's size (1920x1080 by default).
    json cropped_track = track("window", {clip("w", external("a.mov"), tr(0, 24, 24))});
    cropped_track["effects"] = json::array({effect("toucan:Crop", {{"pos", {20, 10}}, {"size", {100, 50}}})});
    Timeline windowed = read(timeline({cropped_track})).timeline;
    const Item& wi = item(windowed, "window");
    EXPECT_EQ(std::tuple(wi.crop->left, wi.crop->top, wi.crop->right, wi.crop->bottom),
              std::tuple(20.0, 10.0, 1800.0, 1020.0));
    EXPECT_FALSE(wi.crop_window);
    // The audio track's flip changes nothing that is heard: a warning.
    EXPECT_ANY(o.warnings, "\"toucan:Flip\"", "track \"sound\"", "ignored");

    // A picture effect on the timeline's own stack: the whole picture through one comp item.
    json doc = timeline({track("V", {clip("c", external("a.mov"), tr(0, 24, 24))})});
    doc["tracks"]["effects"] = json::array({effect("toucan:Flip")});
    Timeline whole = resolved(read(doc).timeline);
    ASSERT_EQ(whole.root.tracks.size(), 1u);
    const Item& root_item = whole.root.tracks.at(0).items.at(0);
    EXPECT_EQ(root_item.type, ItemType::comp);
    EXPECT_TRUE(root_item.transform->flip_y);
    EXPECT_EQ(whole.root.duration, Rational(1));
    // Saturation of a solid colour: reel's colour adjustment is for pictures, a warning.
    json fill = {{"OTIO_SCHEMA", "GeneratorReference.1"},
                 {"generator_kind", "toucan:Fill"},
                 {"parameters", {{"color", {1.0, 0.0, 0.0, 1.0}}}}};
    OtioTimeline washed = read(timeline(
        {track("V", {clip("wash", fill, tr(0, 24, 24), {effect("toucan:Saturate", {{"value", 0.5}})})})}));
    EXPECT_FALSE(item(washed.timeline, "wash").adjust);
    EXPECT_ANY(washed.warnings, "clip \"wash\"", "toucan:Saturate", "solid colour");
}

TEST(OtioIssue16, WipesFromReelToucanAndOtioTransitionTypes)
{
    auto between = [](json tr_) {
        return timeline({track("V", {clip("A", external("a.mov", "", tr(0, 240, 24)), tr(48, 48, 24)), tr_,
                                     clip("B", external("b.mov", "", tr(0, 240, 24)), tr(48, 48, 24))})},
                        nullptr, {{"reel", {{"width", 800}, {"height", 400}}}});
    };
    auto incoming = [&](json tr_) { return *item(read(between(tr_)).timeline, "B").transition_in; };

    json reel_wipe = transition("w", 6, 6, 24, "reel:Wipe");
    reel_wipe["metadata"] = {{"reel", {{"direction", "up"}, {"softness", 0.25}}}};
    Transition t = incoming(reel_wipe);
    EXPECT_EQ(t.kind, TransitionKind::wipe);
    EXPECT_EQ(t.direction, WipeDirection::up);
    EXPECT_EQ(t.softness, 0.25);
    EXPECT_EQ(t.duration, Rational(1, 2));

    t = incoming(transition("h", 6, 6, 24, "toucan:HorizontalWipe"));
    EXPECT_EQ(t.kind, TransitionKind::wipe);
    EXPECT_EQ(t.direction, WipeDirection::right);  // the incoming clip grows from the left
    EXPECT_DOUBLE_EQ(t.softness, 200.0 / 800);     // toucan blends over 200 pixels
    t = incoming(transition("v", 6, 6, 24, "toucan:VerticalWipe"));
    EXPECT_EQ(t.direction, WipeDirection::down);  // from the top
    EXPECT_DOUBLE_EQ(t.softness, 200.0 / 400);
    t = incoming(transition("s", 6, 6, 24, "SMPTE_Wipe"));
    EXPECT_EQ(t.kind, TransitionKind::wipe);
    EXPECT_EQ(t.direction, WipeDirection::right);
    EXPECT_EQ(t.softness, 0.0);
    t = incoming(transition("d", 6, 6, 24));
    EXPECT_EQ(t.kind, TransitionKind::crossfade);
    EXPECT_TRUE(read(between(transition("d", 6, 6, 24))).warnings.empty());

    // reel:Wipe without metadata: right, hard.
    t = incoming(transition("plain", 6, 6, 24, "reel:Wipe"));
    EXPECT_EQ(t.direction, WipeDirection::right);
    EXPECT_EQ(t.softness, 0.0);

    json bad = transition("bad", 6, 6, 24, "reel:Wipe");
    bad["metadata"] = {{"reel", {{"direction", "sideways"}, {"softness", 2}}}};
    auto errors = read_errors(between(bad));
    EXPECT_ANY(errors, "/metadata/reel/direction", "transition \"bad\"", "\"sideways\"");
    EXPECT_ANY(errors, "/metadata/reel/softness", "transition \"bad\"", "0 to 1");

    // Beside a gap a wipe has nothing to wipe to: a fade, said in a warning.
    OtioTimeline faded =
        read(timeline({track("V", {clip("A", external("a.mov", "", tr(0, 240, 24)), tr(48, 48, 24)),
                                   transition("edge", 6, 6, 24, "toucan:HorizontalWipe"), gap(24, 24)})}));
    EXPECT_EQ(item(faded.timeline, "A").fade_out, Rational(1, 2));
    EXPECT_ANY(faded.warnings, "transition \"edge\"", "wipe", "fade out");
}

TEST(OtioIssue16, TheRateIsTheTimelinesOrLeftToTheMedia)
{
    json body = track("V", {clip("a", external("a.mov"), tr(0, 1, 1))});
    // Ranges at rate 1 and a global_start_time at 24000 are not frame rates.
    Timeline none = read(timeline({body}, rt(86400 * 24000.0, 24000))).timeline;
    EXPECT_EQ(none.output.fps_source, FpsSource::fallback);
    EXPECT_EQ(none.output.fps, Rational(default_fps));
    Timeline stated = read(timeline({body}, nullptr, {{"reel", {{"fps", 29.97}}}})).timeline;
    EXPECT_EQ(stated.output.fps_source, FpsSource::timeline);
    EXPECT_EQ(stated.output.fps, Rational(30000, 1001));
    auto errors = read_errors(timeline({body}, nullptr, {{"reel", {{"fps", 1000}}}}));
    EXPECT_ANY(errors, "/metadata/reel/fps", "1..480");
    EXPECT_EQ(snap_ntsc_rate(Rational::parse("23.976").value()), Rational(24000, 1001));
    EXPECT_EQ(snap_ntsc_rate(Rational(25)), Rational(25));
    EXPECT_EQ(snap_ntsc_rate(Rational(2997, 100)), Rational(30000, 1001));
}

TEST(OtioIssue16, ImageSequenceSampleMapsItsFields)
{
    const fs::path file = samples_dir / "image_sequence_example.otio";
    if (!fs::exists(file)) GTEST_SKIP() << file << " is absent";
    OtioTimeline o = load_otio(file);
    ASSERT_EQ(o.timeline.media.size(), 1u);
    const MediaRef& m = o.timeline.media.begin()->second;
    EXPECT_EQ(m.path, "./sample_sequence/sample_sequence.%04d.exr");
    EXPECT_EQ(m.sequence->start, 1001);
    EXPECT_EQ(m.sequence->end, 1050);
    EXPECT_EQ(m.sequence->rate, Rational(24));
    const Item& it = item(o.timeline, "sample_sequence");
    EXPECT_EQ(it.in, Rational(10, 24));
    EXPECT_EQ(it.out, Rational(40, 24));
}
