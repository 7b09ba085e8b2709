// SPDX-License-Identifier: Apache-2.0
// The OpenTimelineIO writer (to_otio): every example and valid fixture, written as OTIO
// and read back by read_otio(), is the same resolved timeline (compared as reel JSON, with
// compositions inlined where they are used, since OTIO nests a copy of a composition at
// each use); exact times at awkward rates; the OTIO objects other tools need; media
// paths relative to the .otio file's folder; metadata.reel validated on the way back.
// Media facts are made up from the paths (fake_facts.h), so no media files are needed.
#include "fake_facts.h"

#include "timeline/json_document.h"
#include "timeline/otio.h"
#include "timeline/otio_write.h"
#include "timeline/parse.h"
#include "timeline/serialize.h"
#include "util/error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>

#include <unistd.h>

using namespace reel;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path source_dir = REEL_SOURCE_DIR;

json reel_json_time(const Rational& r)
{
    return r.den() == 1 ? json(r.num()) : json(r.to_string());
}

Timeline load_resolved(const fs::path& file)
{
    Timeline tl = load_timeline(file);
    resolve_timeline(tl, test::fake_facts(tl));
    return tl;
}

/// A fresh folder under the system's temporary one, removed with the object.
struct TempDir {
    fs::path path;
    TempDir()
    {
        std::string tmpl = (fs::temp_directory_path() / "reel-otio-write-XXXXXX").string();
        path = mkdtemp(tmpl.data());
    }
    ~TempDir() { fs::remove_all(path); }
};

/// `file` copied into `dir` with empty files for frames 1 to 3 of each image sequence
/// (the writer looks on disk for the first frame of a sequence without a "start"),
/// loaded and resolved with fake facts.
Timeline load_with_sequences(const fs::path& file, const fs::path& dir)
{
    fs::path copy = dir / file.filename();
    fs::copy_file(file, copy, fs::copy_options::overwrite_existing);
    Timeline tl = load_timeline(copy);
    for (const auto& [id, m] : tl.media)
        if (m.sequence)
            for (int n = 1; n <= 3; ++n) {
                fs::path frame = sequence_frame_path(m.resolved.string(), n);
                fs::create_directories(frame.parent_path());
                std::ofstream(frame).put('\n');
            }
    resolve_timeline(tl, test::fake_facts(tl));
    return tl;
}

/// A resolved timeline as reel JSON with what OTIO cannot keep made comparable: media
/// named by their resolved files, each comp item holding its composition (recursively)
/// instead of its name, resolved durations, track mutes moved onto their items, and the
/// " #2" the reader appends to an id met twice (in the second copy of a composition)
/// dropped. Nested compositions with no items, which OTIO readers take for gaps, render
/// the same as what the writer makes of them: tracks without items are dropped, a
/// composition without items and without a background shows nothing (its item is
/// dropped), and one with a background shows it as a colour item.
json canonical(const Timeline& tl)
{
    json doc = to_json(tl);
    std::map<std::string, std::string> files;
    for (const auto& [id, m] : tl.media) files[id] = fs::absolute(m.resolved).lexically_normal().string();
    static const std::regex copy_suffix(" #[0-9]+$");
    std::function<json(const Composition&, json)> tracks = [&](const Composition& c, json ts) {
        for (std::size_t k = 0; k < ts.size(); ++k) {
            json& t = ts[k];
            bool mute = t.value("mute", false);
            t.erase("mute");
            for (json& it : t["items"]) {
                if (it.contains("media")) it["media"] = files.at(it["media"].get<std::string>());
                if (it.contains("id"))
                    it["id"] = std::regex_replace(it["id"].get<std::string>(), copy_suffix, "");
                if (mute && (it["type"] == "clip" || it["type"] == "comp")) it["mute"] = true;
                if (it["type"] == "comp") {
                    const Composition& inner = tl.composition(it["comp"].get<std::string>());
                    json cj = doc["compositions"][inner.name];
                    cj["duration"] = inner.duration.to_string();
                    cj["tracks"] = tracks(inner, cj["tracks"]);
                    if (cj["tracks"].empty() && cj.contains("background")) {
                        cj["tracks"] = json::array(
                            {{{"items", json::array({{{"type", "color"},
                                                      {"color", cj["background"]},
                                                      {"start", 0},
                                                      {"duration", reel_json_time(inner.duration)}}})}}});
                        cj.erase("background");
                    }
                    it["comp"] = cj;
                }
            }
            json kept = json::array();
            for (json& it : t["items"])
                if (it["type"] != "comp" || !it["comp"]["tracks"].empty()) kept.push_back(std::move(it));
            t["items"] = std::move(kept);
        }
        json kept = json::array();
        for (json& t : ts)
            if (!t["items"].empty()) kept.push_back(std::move(t));
        (void)c;
        return kept;
    };
    json out = doc;
    out.erase("compositions");
    out["media"] = json::object();
    std::set<std::string> used;
    tl.for_each_item([&](const Composition&, const Track&, const Item& it) {
        if (!it.media.empty()) used.insert(it.media);
    });
    for (const auto& [id, m] : tl.media) {
        if (!used.count(id)) continue;
        json mj = doc["media"][id];
        mj["path"] = files.at(id);
        out["media"][files.at(id)] = mj;
    }
    out["duration"] = tl.root.duration.to_string();
    out["tracks"] = tracks(tl.root, doc["tracks"]);
    return out;
}

struct RoundTrip {
    json otio;
    OtioTimeline read;
};

/// Writes `tl` as OTIO into `dir` and reads it back (unresolved).
RoundTrip round_trip(const Timeline& tl, const fs::path& dir)
{
    RoundTrip r;
    OtioWriteOptions options;
    options.dir = dir;
    r.otio = to_otio(tl, test::fake_facts(tl), options);
    fs::path file = dir / "roundtrip.otio";
    r.read = read_otio(JsonDocument::parse(otio_json_text(r.otio.dump(2)), file.string()), file);
    return r;
}

/// Why the reader on this branch cannot read `e` back yet (a format 1.1 feature whose OTIO
/// mapping is the reader's part of issue 16), or empty.
std::string unsupported_by_reader(const std::string& text)
{
    for (const char* what : {"ImageSequenceReference", "FreezeFrame", "time_scalar of 0"})
        if (text.find(what) != std::string::npos) return what;
    return {};
}

std::string all_messages(const Error& e)
{
    std::string s = e.describe();
    for (const auto& m : e.more()) s += "\n" + m.describe();
    return s;
}

void expect_round_trip(const fs::path& file)
{
    SCOPED_TRACE(file.string());
    TempDir dir;
    Timeline tl = load_with_sequences(file, dir.path);
    RoundTrip r;
    try {
        r = round_trip(tl, tl.dir);
    } catch (const Error& e) {
        std::string all = all_messages(e);
        if (std::string why = unsupported_by_reader(all); !why.empty())
            GTEST_SKIP() << file.filename() << ": the reader does not read " << why << " yet:\n" << all;
        FAIL() << all;
    }
    for (const auto& w : r.read.warnings)
        if (w.find("\"reel:Wipe\" is drawn as a dissolve") != std::string::npos)
            GTEST_SKIP() << file.filename() << ": the reader does not read reel:Wipe yet";
    EXPECT_EQ(r.read.warnings, std::vector<std::string>{});
    Timeline back = std::move(r.read.timeline);
    try {
        resolve_timeline(back, test::fake_facts(back));
    } catch (const Error& e) {
        FAIL() << "read back, it does not resolve: " << all_messages(e) << "\n" << r.otio.dump(2);
    }
    json want = canonical(tl), got = canonical(back);
    // An image sequence's first and last frame numbers: OTIO has them (start_frame, and
    // the available_range), so the reader sets them where reel's timeline left them to
    // the disk: the start then is the lowest number on disk (1, see load_with_sequences).
    for (auto& [path, m] : want["media"].items()) {
        if (!m.contains("sequence") || !got["media"].contains(path)) continue;
        json& g = got["media"][path]["sequence"];
        if (!m["sequence"].contains("start")) {
            EXPECT_EQ(g.value("start", json()), 1) << path;
            g.erase("start");
        }
        if (!m["sequence"].contains("end")) g.erase("end");
    }
    EXPECT_EQ(got, want) << "diff (want -> got): " << json::diff(want, got).dump(2);
}

std::vector<fs::path> json_files(const fs::path& dir)
{
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

/// The objects of `schema` anywhere in an OTIO document.
void collect(const json& j, const std::string& schema, std::vector<json>& out)
{
    if (j.is_object()) {
        if (j.value("OTIO_SCHEMA", "") == schema) out.push_back(j);
        for (const auto& [k, v] : j.items()) collect(v, schema, out);
    } else if (j.is_array()) {
        for (const auto& v : j) collect(v, schema, out);
    }
}

std::vector<json> objects(const json& j, const std::string& schema)
{
    std::vector<json> out;
    collect(j, schema, out);
    return out;
}

Timeline parse_text(const std::string& text, const fs::path& file = "/proj/t.json")
{
    Timeline tl = parse_timeline(JsonDocument::parse(text, file.string()), file);
    resolve_timeline(tl, test::fake_facts(tl));
    return tl;
}

}  // namespace

TEST(OtioWrite, EveryExampleReadsBackTheSame)
{
    auto files = json_files(source_dir / "examples");
    ASSERT_FALSE(files.empty());
    for (const auto& f : files) expect_round_trip(f);
}

// One test per fixture, so that one the reader cannot read yet skips alone.
class OtioWriteFixture : public testing::TestWithParam<std::string> {};

TEST_P(OtioWriteFixture, ReadsBackTheSame)
{
    expect_round_trip(source_dir / "tests/data/timelines/valid" / GetParam());
}

INSTANTIATE_TEST_SUITE_P(Valid, OtioWriteFixture, testing::ValuesIn([] {
                             std::vector<std::string> names;
                             for (const auto& f : json_files(source_dir / "tests/data/timelines/valid"))
                                 names.push_back(f.filename().string());
                             return names;
                         }()),
                         [](const testing::TestParamInfo<std::string>& param) {
                             std::string n = fs::path(param.param).stem().string();
                             for (char& c : n)
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             return n;
                         });

TEST(OtioWrite, TimesAreExactAtAwkwardRates)
{
    // 30000/1001 output; a crossfade of 1001/3000 s (10 frames: cut after 5); a clip
    // starting at 5.1 s, which is no frame; speed 1/3, which no JSON number holds.
    Timeline tl = parse_text(R"({"reel": 1, "output": {"width": 320, "height": 240, "fps": "30000/1001"},
      "media": {"a": {"path": "media/a.mp4"}},
      "tracks": [{"items": [
        {"id": "x", "type": "clip", "media": "a", "start": 0, "in": 1, "out": 3},
        {"id": "y", "type": "clip", "media": "a", "start": "4999/3000", "in": "1/7", "out": 2,
         "transition_in": {"kind": "crossfade", "duration": "1001/3000"}},
        {"id": "z", "type": "clip", "media": "a", "start": "51/10", "in": 0, "out": 1, "speed": "1/3"}]}]})");
    RoundTrip r = round_trip(tl, "/proj");
    auto transitions = objects(r.otio, "Transition.1");
    ASSERT_EQ(transitions.size(), 1u);
    EXPECT_EQ(transitions[0]["transition_type"], "SMPTE_Dissolve");
    EXPECT_EQ(transitions[0]["in_offset"]["value"], 5.0);
    EXPECT_EQ(transitions[0]["out_offset"]["value"], 5.0);
    EXPECT_NEAR(transitions[0]["in_offset"]["rate"].get<double>(), 30000.0 / 1001, 1e-9);
    auto warps = objects(r.otio, "LinearTimeWarp.1");
    ASSERT_EQ(warps.size(), 1u);
    EXPECT_EQ(warps[0]["metadata"]["reel"]["time_scalar"], "1/3");
    Timeline back = std::move(r.read.timeline);
    resolve_timeline(back, test::fake_facts(back));
    EXPECT_EQ(canonical(back), canonical(tl));
    EXPECT_EQ(back.root.tracks[0].items[2].speed, Rational(1, 3));
    EXPECT_EQ(back.root.tracks[0].items[1].in, Rational(1, 7));
    // Every RationalTime's value is a whole number.
    for (const auto& t : objects(r.otio, "RationalTime.1"))
        EXPECT_EQ(t["value"].get<double>(), std::floor(t["value"].get<double>())) << t.dump();
}

TEST(OtioWrite, RatesThatNoJsonNumberHoldsAreNotUsedAsRates)
{
    // 100/3 fps: 33.333333333333336 would not mean 100/3, so times are written at the
    // rates of their own denominators, and the output rate only in metadata.reel.
    Timeline tl = parse_text(R"({"reel": 1, "output": {"width": 320, "height": 240, "fps": "100/3"},
      "media": {"a": {"path": "media/a.mp4"}},
      "tracks": [{"items": [
        {"id": "x", "type": "clip", "media": "a", "start": "3/100", "in": 1, "out": 3},
        {"id": "y", "type": "color", "color": "#102030", "start": 4, "duration": "7/100"}]}]})");
    RoundTrip r = round_trip(tl, "/proj");
    EXPECT_EQ(r.otio["metadata"]["reel"]["fps"], "100/3");
    EXPECT_TRUE(r.otio["global_start_time"].is_null());
    for (const auto& t : objects(r.otio, "RationalTime.1")) {
        double rate = t["rate"].get<double>();
        EXPECT_EQ(rate, std::floor(rate)) << t.dump();
    }
    Timeline back = std::move(r.read.timeline);
    resolve_timeline(back, test::fake_facts(back));
    EXPECT_EQ(canonical(back), canonical(tl));
}

TEST(OtioWrite, WritesTheObjectsOtherToolsRead)
{
    Timeline tl = load_resolved(source_dir / "examples/showcase.json");
    RoundTrip r = round_trip(tl, tl.dir);
    const json& o = r.otio;
    EXPECT_EQ(o["OTIO_SCHEMA"], "Timeline.1");
    EXPECT_EQ(o["tracks"]["OTIO_SCHEMA"], "Stack.1");
    for (const auto& t : o["tracks"]["children"]) {
        EXPECT_EQ(t["OTIO_SCHEMA"], "Track.1");
        EXPECT_TRUE(t["kind"] == "Video" || t["kind"] == "Audio");
    }
    // Standard schemas only, each with its required keys.
    std::map<std::string, std::vector<std::string>> required = {
        {"Timeline.1", {"tracks", "name", "metadata", "global_start_time"}},
        {"Stack.1", {"children", "name", "source_range", "effects", "markers", "enabled", "metadata"}},
        {"Track.1",
         {"children", "kind", "name", "source_range", "effects", "markers", "enabled", "metadata"}},
        {"Clip.2",
         {"media_references", "active_media_reference_key", "name", "source_range", "effects", "markers",
          "enabled", "metadata"}},
        {"Gap.1", {"source_range", "name", "effects", "markers", "enabled", "metadata"}},
        {"Transition.1", {"in_offset", "out_offset", "transition_type", "name", "metadata"}},
        {"ExternalReference.1", {"target_url", "available_range", "name", "metadata"}},
        {"GeneratorReference.1", {"generator_kind", "parameters", "available_range", "name", "metadata"}},
        {"LinearTimeWarp.1", {"time_scalar", "effect_name", "name", "metadata"}},
        {"RationalTime.1", {"value", "rate"}},
        {"TimeRange.1", {"start_time", "duration"}}};
    std::function<void(const json&)> check = [&](const json& j) {
        if (j.is_array())
            for (const auto& v : j) check(v);
        if (!j.is_object()) return;
        if (j.contains("OTIO_SCHEMA")) {
            std::string s = j["OTIO_SCHEMA"];
            ASSERT_TRUE(required.count(s)) << "unexpected schema " << s;
            for (const auto& k : required[s]) EXPECT_TRUE(j.contains(k)) << s << " lacks " << k;
        }
        for (const auto& [k, v] : j.items())
            if (k != "metadata") check(v);
    };
    check(o);
    EXPECT_EQ(o["metadata"]["reel"]["fps"], "30000/1001");  // 29.97 in the example
    EXPECT_EQ(o["metadata"]["reel"]["video"]["gop"], 60);
    // Clips hold their media's available range; the colour items are SolidColor generators.
    auto refs = objects(o, "ExternalReference.1");
    auto intro = std::find_if(refs.begin(), refs.end(), [](const json& x) { return x["name"] == "intro"; });
    ASSERT_NE(intro, refs.end());
    EXPECT_EQ((*intro)["target_url"], "media/clip_a.mp4");
    EXPECT_EQ((*intro)["available_range"]["duration"]["value"], 300.0);  // 10 s at 30 (fake facts)
    EXPECT_EQ((*intro)["available_range"]["duration"]["rate"], 30.0);
    auto gens = objects(o, "GeneratorReference.1");
    ASSERT_FALSE(gens.empty());
    for (const auto& g : gens) EXPECT_EQ(g["generator_kind"], "SolidColor");
    // The crossfade of "b" into "a" (1 s, 29.97 frames) is cut after 14 frames.
    const json& main = o["tracks"]["children"][0]["children"];
    ASSERT_EQ(main[1]["OTIO_SCHEMA"], "Transition.1");
    EXPECT_EQ(main[1]["transition_type"], "SMPTE_Dissolve");
    EXPECT_EQ(main[1]["in_offset"]["value"], 14.0);
    EXPECT_NEAR(main[1]["in_offset"]["rate"].get<double>(), 30000.0 / 1001, 1e-9);
    // Fades beside gaps and track ends are dissolves from and to nothing: "framed" fades
    // out at the end of its track; "pip" fades in after a gap, and out
    // before the next item ("title" at 6 s, after a gap).
    const json& last = main.back();
    ASSERT_EQ(last["OTIO_SCHEMA"], "Transition.1");
    EXPECT_EQ(last["in_offset"]["value"], 30.0);  // 1001/1000 s: 30 frames at 30000/1001
    EXPECT_NEAR(last["in_offset"]["rate"].get<double>(), 30000.0 / 1001, 1e-9);
    EXPECT_EQ(last["out_offset"]["value"], 0.0);
    const json& overlay = o["tracks"]["children"][1]["children"];
    ASSERT_GE(overlay.size(), 5u);
    EXPECT_EQ(overlay[0]["OTIO_SCHEMA"], "Gap.1");
    EXPECT_EQ(overlay[1]["OTIO_SCHEMA"], "Transition.1");
    EXPECT_EQ(overlay[1]["in_offset"]["value"], 0.0);
    EXPECT_EQ(overlay[2]["name"], "pip");
    EXPECT_EQ(overlay[3]["OTIO_SCHEMA"], "Transition.1");
    EXPECT_EQ(overlay[3]["out_offset"]["value"], 0.0);
    EXPECT_EQ(overlay[4]["OTIO_SCHEMA"], "Gap.1");
    // Nested compositions: a Stack named by its item, with the composition's size.
    auto stacks = objects(o, "Stack.1");
    auto pip = std::find_if(stacks.begin(), stacks.end(), [](const json& s) { return s["name"] == "pip"; });
    ASSERT_NE(pip, stacks.end());
    EXPECT_EQ((*pip)["metadata"]["reel"]["composition"]["width"], 320);
    EXPECT_EQ((*pip)["metadata"]["reel"]["item"]["opacity"], 0.8);
}

TEST(OtioWrite, MediaPathsAreRelativeToTheOtioFolder)
{
    Timeline tl = parse_text(R"({"reel": 1, "output": {"width": 320, "height": 240, "fps": 25},
      "media": {"a": {"path": "media/a b%.mp4"}, "abs": {"path": "/abs/x.mp4"}},
      "tracks": [{"items": [{"type": "clip", "media": "a", "start": 0, "out": 1},
                            {"type": "clip", "media": "abs", "start": 1, "out": 1}]}]})",
                             "/proj/sub/t.json");
    OtioWriteOptions o;
    o.dir = "/proj/out";
    json otio = to_otio(tl, test::fake_facts(tl), o);
    auto refs = objects(otio, "ExternalReference.1");
    ASSERT_EQ(refs.size(), 2u);
    std::map<std::string, std::string> urls;
    for (const auto& r : refs) urls[r["name"]] = r["target_url"];
    EXPECT_EQ(urls["a"], "../sub/media/a b%25.mp4");
    EXPECT_EQ(urls["abs"], "file:///abs/x.mp4");
    fs::path file = "/proj/out/t.otio";
    OtioTimeline back = read_otio(JsonDocument::parse(otio.dump(), file.string()), file);
    EXPECT_EQ(back.timeline.media.at("a").resolved.lexically_normal(), fs::path("/proj/sub/media/a b%.mp4"));
    EXPECT_EQ(back.timeline.media.at("abs").resolved, fs::path("/abs/x.mp4"));
}

TEST(OtioWrite, ImageSequencesAndFreezeFramesUseTheirSchemas)
{
    TempDir dir;
    Timeline tl = load_with_sequences(source_dir / "tests/data/timelines/valid/format_1_1.json", dir.path);
    OtioWriteOptions o;
    o.dir = tl.dir;
    json otio = to_otio(tl, test::fake_facts(tl), o);
    auto seqs = objects(otio, "ImageSequenceReference.1");
    ASSERT_FALSE(seqs.empty());
    auto plate = std::find_if(seqs.begin(), seqs.end(), [](const json& s) { return s["name"] == "plate"; });
    ASSERT_NE(plate, seqs.end());
    EXPECT_EQ((*plate)["target_url_base"], "plates/");
    EXPECT_EQ((*plate)["name_prefix"], "shot.");
    EXPECT_EQ((*plate)["name_suffix"], ".exr");
    EXPECT_EQ((*plate)["frame_zero_padding"], 4);
    EXPECT_EQ((*plate)["start_frame"], 1001);
    EXPECT_EQ((*plate)["frame_step"], 1);
    EXPECT_EQ((*plate)["missing_frame_policy"], "hold");
    EXPECT_NEAR((*plate)["rate"].get<double>(), 24000.0 / 1001, 1e-9);
    auto odd = std::find_if(seqs.begin(), seqs.end(), [](const json& s) { return s["name"] == "odd"; });
    ASSERT_NE(odd, seqs.end());
    EXPECT_EQ((*odd)["target_url_base"], "frames/100%25/");
    EXPECT_EQ((*odd)["name_prefix"], "f");
    EXPECT_EQ((*odd)["frame_zero_padding"], 6);
    auto pngs = std::find_if(seqs.begin(), seqs.end(), [](const json& s) { return s["name"] == "pngs"; });
    ASSERT_NE(pngs, seqs.end());
    EXPECT_EQ((*pngs)["start_frame"], 1);  // no "start": the lowest number on disk
    EXPECT_EQ((*pngs)["frame_zero_padding"], 0);
    EXPECT_EQ((*pngs)["target_url_base"], "frames/");
    EXPECT_EQ(objects(otio, "FreezeFrame.1").size(), 3u);  // b, c and the held music
    auto transitions = objects(otio, "Transition.1");
    int wipes = 0;
    for (const auto& t : transitions)
        if (t["transition_type"] == "reel:Wipe") {
            ++wipes;
            EXPECT_TRUE(t["metadata"]["reel"].contains("direction"));
            EXPECT_TRUE(t["metadata"]["reel"].contains("softness"));
        }
    EXPECT_EQ(wipes, 5);
}

TEST(OtioWrite, BadReelMetadataIsLocated)
{
    Timeline tl = parse_text(R"({"reel": 1, "output": {"width": 320, "height": 240, "fps": 25},
      "media": {"a": {"path": "media/a.mp4"}},
      "tracks": [{"items": [{"id": "x", "type": "clip", "media": "a", "start": 0, "out": 1, "opacity": 0.5}]}]})");
    json otio = to_otio(tl, test::fake_facts(tl), {});
    json& clip = otio["tracks"]["children"][0]["children"][0];
    ASSERT_EQ(clip["metadata"]["reel"]["item"]["opacity"], 0.5);
    clip["metadata"]["reel"]["item"]["opacity"] = 2;
    clip["metadata"]["reel"]["item"]["opactiy"] = 1;
    try {
        read_otio(JsonDocument::parse(otio.dump(2), "/proj/t.otio"), "/proj/t.otio");
        FAIL() << "no error";
    } catch (const Error& e) {
        std::string all = all_messages(e);
        EXPECT_NE(
            all.find("clip \"x\": metadata reel item: unknown field \"opactiy\" (did you mean \"opacity\"?)"),
            std::string::npos)
            << all;
        EXPECT_EQ(e.location().pointer, "/tracks/children/0/children/0/metadata/reel/item/opactiy");
        EXPECT_GT(e.location().line, 0);
    }
    clip["metadata"]["reel"]["item"].erase("opactiy");
    try {
        read_otio(JsonDocument::parse(otio.dump(2), "/proj/t.otio"), "/proj/t.otio");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.location().pointer, "/tracks/children/0/children/0/metadata/reel/item/opacity")
            << all_messages(e);
        EXPECT_NE(e.message().find("clip \"x\": metadata reel: "), std::string::npos) << e.message();
    }
}

TEST(OtioWrite, AnEditedTimeWarpWinsOverItsStaleExactFraction)
{
    Timeline tl = parse_text(R"({"reel": 1, "output": {"width": 320, "height": 240, "fps": 25},
      "media": {"a": {"path": "media/a.mp4"}},
      "tracks": [{"items": [{"id": "x", "type": "clip", "media": "a", "start": 0, "in": 0, "out": 1, "speed": "1/3"}]}]})");
    json otio = to_otio(tl, test::fake_facts(tl), {});
    json& warp = otio["tracks"]["children"][0]["children"][0]["effects"][0];
    ASSERT_EQ(warp["metadata"]["reel"]["time_scalar"], "1/3");
    warp["time_scalar"] = 0.5;  // changed in an editor that kept the metadata
    OtioTimeline back = read_otio(JsonDocument::parse(otio.dump(), "/proj/t.otio"), "/proj/t.otio");
    EXPECT_EQ(back.timeline.root.tracks.at(0).items.at(0).speed, Rational(1, 2));
}

TEST(OtioWrite, OutputSettingsInMetadataAreReadAndChecked)
{
    Timeline tl = parse_text(R"({"reel": 1, "output": {"width": 320, "height": 240, "fps": 25,
        "audio": {"sample_rate": 44100, "channels": 1}, "video": {"codec": "hevc", "preset": "slow", "bitrate": 2000000, "gop": 12}},
      "media": {"a": {"path": "media/a.mp4"}},
      "tracks": [{"items": [{"type": "clip", "media": "a", "start": 0, "out": 1}]}]})");
    json otio = to_otio(tl, test::fake_facts(tl), {});
    OtioTimeline back = read_otio(JsonDocument::parse(otio.dump(), "/proj/t.otio"), "/proj/t.otio");
    const Output& o = back.timeline.output;
    EXPECT_EQ(o.audio.sample_rate, 44100);
    EXPECT_EQ(o.audio.channels, 1);
    EXPECT_EQ(o.video.codec, "hevc");
    EXPECT_EQ(o.video.preset, "slow");
    EXPECT_EQ(o.video.bitrate, 2000000);
    EXPECT_EQ(o.video.gop, 12);
    otio["metadata"]["reel"]["audio"]["channels"] = 3;
    try {
        read_otio(JsonDocument::parse(otio.dump(2), "/proj/t.otio"), "/proj/t.otio");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.location().pointer, "/metadata/reel/audio/channels") << all_messages(e);
        EXPECT_GT(e.location().line, 0);
    }
}
