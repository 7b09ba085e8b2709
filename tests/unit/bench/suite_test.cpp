// SPDX-License-Identifier: Apache-2.0
#include "bench/suite.h"

#include "util/error.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <functional>

using namespace reel;
using nlohmann::json;

namespace {

const std::filesystem::path pipeline = std::filesystem::path(REEL_SOURCE_DIR) / "bench" / "pipeline";

const std::vector<std::string> suite_names = {
    "export_720p",        "export_1080p",    "export_2160p", "complexity_simple", "complexity_medium",
    "complexity_complex", "complexity_deep", "incremental",  "ceiling_decode",    "ceiling_encode"};

/// A small valid case file, changed by `edit` before it is written out.
std::string case_text(const std::function<void(json&)>& edit = {})
{
    json doc = json::parse(R"({
      "reel": 1,
      "metadata": { "bench": {
        "description": "one clip",
        "sources": { "a": { "width": 320, "height": 180, "fps": 30, "seconds": 2, "seed": 0 } }
      } },
      "output": { "width": 320, "height": 180, "fps": 30 },
      "media": { "a": { "path": "media/src-320x180-30fps-2s-0.mp4" } },
      "tracks": [ { "items": [ { "id": "only", "type": "clip", "media": "a", "start": 0, "in": 0, "out": 1 } ] } ]
    })");
    if (edit) edit(doc);
    return doc.dump(2);
}

BenchSuiteEntry entry(BenchKind kind = BenchKind::render)
{
    return {"one", "export", "one", "", kind};
}

/// The Error parse_bench_case() throws for `text` (fails the test if none).
Error case_error(const std::string& text, BenchKind kind = BenchKind::render)
{
    try {
        parse_bench_case(entry(kind), text, "bad.json");
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << "no error for " << text;
    return Error(ErrorCode::internal, "test", "no error");
}

Error suite_error(const std::string& text)
{
    try {
        parse_bench_suite(text, "suite.json");
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << "no error for " << text;
    return Error(ErrorCode::internal, "test", "no error");
}

bool mentions(const Error& e, const std::string& text)
{
    return e.describe().find(text) != std::string::npos;
}

}  // namespace

TEST(Suite, TheCasesOfBenchPipelineInOrder)
{
    for (bool quick : {false, true}) {
        std::vector<BenchCase> cases = load_suite(pipeline, quick);
        std::vector<std::string> names;
        for (const auto& c : cases) names.push_back(c.name);
        EXPECT_EQ(names, suite_names) << "quick " << quick;
        for (const auto& c : cases) {
            EXPECT_FALSE(c.description.empty()) << c.name;
            EXPECT_FALSE(c.sources.empty()) << c.name;
            EXPECT_EQ(c.file,
                      (c.group == "ceiling" ? "export_1080p" : c.name) + (quick ? ".quick.json" : ".json"));
            for (const auto& [id, source] : c.sources)
                EXPECT_EQ(c.timeline["media"][id]["path"], "media/" + bench_source_name(source)) << c.name;
        }
    }
}

TEST(Suite, KindsSizesAndRenderSettings)
{
    std::vector<BenchCase> full = load_suite(pipeline, false), quick = load_suite(pipeline, true);
    const BenchCase* c = find_bench_case(full, "export_2160p");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->width, 3840);
    EXPECT_EQ(c->height, 2160);
    EXPECT_EQ(c->kind, BenchKind::render);
    EXPECT_EQ(find_bench_case(full, "complexity_deep")->workers, 1);
    EXPECT_EQ(find_bench_case(full, "export_720p")->workers, 0);
    EXPECT_EQ(find_bench_case(full, "ceiling_decode")->kind, BenchKind::decode);
    EXPECT_EQ(find_bench_case(full, "ceiling_encode")->kind, BenchKind::encode);
    EXPECT_EQ(find_bench_case(full, "ceiling_encode")->timeline,
              find_bench_case(full, "export_1080p")->timeline);
    EXPECT_EQ(find_bench_case(full, "incremental")->segment_seconds, 2);
    EXPECT_EQ(find_bench_case(quick, "incremental")->segment_seconds, 1);
    EXPECT_EQ(find_bench_case(quick, "complexity_simple")->sources.at("c").seconds, 6);
    EXPECT_EQ(find_bench_case(full, "complexity_simple")->sources.at("c").seconds, 12);
    EXPECT_EQ(find_bench_case(quick, "export_720p")->description,
              "4 s 720p30: clips with crossfades and a picture-in-picture (x264 veryfast crf 23, AAC)");
    EXPECT_EQ(find_bench_case(full, "no_such_case"), nullptr);
}

TEST(Suite, TheIncrementalEditChangesClipSevensOpacity)
{
    for (bool quick : {false, true}) {
        std::vector<BenchCase> cases = load_suite(pipeline, quick);
        const BenchCase* c = find_bench_case(cases, "incremental");
        ASSERT_TRUE(c);
        EXPECT_EQ(c->kind, BenchKind::incremental);
        json edited = c->timeline.patch(c->edit);
        EXPECT_EQ(edited["tracks"][0]["items"][7]["id"], "clip7");
        EXPECT_EQ(edited["tracks"][0]["items"][7]["opacity"], 0.8);
        EXPECT_FALSE(c->timeline["tracks"][0]["items"][7].contains("opacity"));
    }
}

TEST(Suite, TheBuiltInFilesAreThoseOfTheCheckout)
{
    for (bool quick : {false, true}) {
        std::vector<BenchCase> built = standard_suite(quick), here = load_suite(pipeline, quick);
        ASSERT_EQ(built.size(), here.size());
        for (std::size_t i = 0; i < built.size(); ++i) {
            EXPECT_EQ(built[i].name, here[i].name);
            EXPECT_EQ(built[i].description, here[i].description);
            EXPECT_EQ(built[i].timeline, here[i].timeline) << built[i].file << ": rebuild reel";
        }
    }
}

TEST(CaseFile, AValidOne)
{
    BenchCase c = parse_bench_case(entry(), case_text(), "one.json");
    EXPECT_EQ(c.name, "one");
    EXPECT_EQ(c.description, "one clip");
    EXPECT_EQ(c.width, 320);
    EXPECT_EQ(c.segment_seconds, 5);
    EXPECT_EQ(c.sources.at("a").seconds, 2);
    EXPECT_TRUE(c.edit.is_null());
}

TEST(CaseFile, MalformedJsonNamesTheLine)
{
    Error e = case_error("{\n  \"reel\": 1,,\n}");
    EXPECT_EQ(e.code(), ErrorCode::timeline);
    EXPECT_EQ(e.location().file, "bad.json");
    EXPECT_EQ(e.location().line, 2);
}

TEST(CaseFile, AnInvalidTimeline)
{
    Error e = case_error(case_text([](json& d) { d["tracks"][0]["items"][0]["out"] = -1; }));
    EXPECT_EQ(e.code(), ErrorCode::timeline);
    EXPECT_EQ(e.location().file, "bad.json");
}

TEST(CaseFile, WithoutBenchMetadata)
{
    Error e = case_error(case_text([](json& d) { d.erase("metadata"); }));
    EXPECT_TRUE(mentions(e, "\"metadata\" is missing")) << e.describe();
    e = case_error(case_text([](json& d) { d["metadata"]["bench"].erase("sources"); }));
    EXPECT_EQ(e.location().pointer, "/metadata/bench");
    EXPECT_TRUE(mentions(e, "\"sources\" is missing")) << e.describe();
    EXPECT_GT(e.location().line, 0);
}

TEST(CaseFile, BadSources)
{
    Error e = case_error(case_text([](json& d) { d["metadata"]["bench"]["sources"]["a"].erase("width"); }));
    EXPECT_EQ(e.location().pointer, "/metadata/bench/sources/a");
    EXPECT_TRUE(mentions(e, "\"width\" is missing")) << e.describe();
    e = case_error(case_text([](json& d) { d["metadata"]["bench"]["sources"]["a"]["sedd"] = 1; }));
    EXPECT_EQ(e.location().pointer, "/metadata/bench/sources/a/sedd");
    EXPECT_TRUE(mentions(e, "unknown field \"sedd\"")) << e.describe();
    e = case_error(case_text([](json& d) { d["metadata"]["bench"]["sources"]["a"]["fps"] = "30"; }));
    EXPECT_EQ(e.location().pointer, "/metadata/bench/sources/a/fps");
}

TEST(CaseFile, MediaMustBeTheFilesTheBenchMakes)
{
    Error e = case_error(case_text([](json& d) { d["media"]["a"]["path"] = "media/mine.mp4"; }));
    EXPECT_EQ(e.location().pointer, "/media/a/path");
    EXPECT_TRUE(mentions(e, "\"media/src-320x180-30fps-2s-0.mp4\"")) << e.describe();
    e = case_error(case_text([](json& d) {
        d["media"]["b"] = {{"path", "media/b.mp4"}};
        d["tracks"][0]["items"].push_back(
            {{"type", "clip"}, {"media", "b"}, {"start", 1}, {"in", 0}, {"out", 1}});
    }));
    EXPECT_EQ(e.location().pointer, "/media/b");
    EXPECT_TRUE(mentions(e, "no entry in metadata.bench.sources")) << e.describe();
}

TEST(CaseFile, IncrementalEdits)
{
    auto with_edit = [](json patch) {
        return case_text([=](json& d) { d["metadata"]["bench"]["edit"] = patch; });
    };
    json good = json::array({{{"op", "add"}, {"path", "/tracks/0/items/0/opacity"}, {"value", 0.5}}});
    BenchCase c = parse_bench_case(entry(BenchKind::incremental), with_edit(good), "inc.json");
    EXPECT_EQ(c.edit, good);
    Error e = case_error(case_text(), BenchKind::incremental);
    EXPECT_TRUE(mentions(e, "\"edit\" is missing")) << e.describe();
    e = case_error(
        with_edit(json::array({{{"op", "add"}, {"path", "/tracks/0/items/9/opacity"}, {"value", 1}}})),
        BenchKind::incremental);
    EXPECT_EQ(e.location().pointer, "/metadata/bench/edit");
    EXPECT_TRUE(mentions(e, "does not apply")) << e.describe();
    e = case_error(
        with_edit(json::array({{{"op", "add"}, {"path", "/tracks/0/items/0/opacity"}, {"value", 7}}})),
        BenchKind::incremental);
    EXPECT_EQ(e.code(), ErrorCode::timeline);  // the edited timeline is invalid
    e = case_error(with_edit(good));           // an edit on a case that does not edit
    EXPECT_TRUE(mentions(e, "only an incremental case has an edit")) << e.describe();
}

TEST(SuiteFile, Entries)
{
    auto entries = parse_bench_suite(R"({"schema": "reel.bench.suite", "version": 1, "cases": [
        {"name": "a", "group": "export", "timeline": "a"},
        {"name": "b", "group": "ceiling", "timeline": "a", "kind": "decode", "description": "d"}]})",
                                     "suite.json");
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[1].kind, BenchKind::decode);
    EXPECT_EQ(entries[1].description, "d");
    EXPECT_EQ(bench_case_file(entries[1], false), "a.json");
    EXPECT_EQ(bench_case_file(entries[1], true), "a.quick.json");
}

TEST(SuiteFile, Malformed)
{
    Error e = suite_error(R"({"schema": "reel.bench", "version": 1, "cases": []})");
    EXPECT_TRUE(mentions(e, "not a reel bench suite")) << e.describe();
    e = suite_error(R"({"schema": "reel.bench.suite", "version": 1, "cases": [
        {"name": "a", "group": "export", "timeline": "a", "kind": "fast"}]})");
    EXPECT_EQ(e.location().pointer, "/cases/0/kind");
    EXPECT_EQ(e.location().line, 2);
    e = suite_error(R"({"schema": "reel.bench.suite", "version": 1, "cases": [
        {"name": "a", "group": "export", "timeline": "a"}, {"name": "a", "group": "export", "timeline": "b"}]})");
    EXPECT_TRUE(mentions(e, "listed twice")) << e.describe();
    e = suite_error(R"({"schema": "reel.bench.suite", "version": 1, "cases": [
        {"name": "a", "group": "speed", "timeline": "a"}]})");
    EXPECT_EQ(e.location().pointer, "/cases/0/group");
}

TEST(SuiteFile, AMissingCaseFileIsAnIoError)
{
    auto dir = std::filesystem::temp_directory_path() / ("reel-suite-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "suite.json")
        << R"({"schema": "reel.bench.suite", "version": 1, "cases": [{"name": "a", "group": "export", "timeline": "a"}]})";
    std::ofstream(dir / "a.json") << case_text();
    EXPECT_EQ(load_suite(dir, false).size(), 1u);
    try {
        load_suite(dir, true);  // no a.quick.json
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::io);
        EXPECT_TRUE(mentions(e, "a.quick.json")) << e.describe();
    }
    std::filesystem::remove_all(dir);
}

TEST(ProjectCases, ThreeCasesAtTheProjectsSize)
{
    auto file = std::filesystem::temp_directory_path() /
                ("reel-project-test-" + std::to_string(::getpid()) + ".json");
    std::ofstream(file) << R"({"reel": 1, "output": {"width": 640, "height": 360, "fps": 25}, "media": {},
        "tracks": [{"items": [{"type": "color", "color": "#000000", "start": 0, "duration": 1}]}]})";
    std::vector<BenchCase> cases = project_cases(file);
    std::filesystem::remove(file);
    ASSERT_EQ(cases.size(), 3u);
    EXPECT_EQ(cases[0].name, "project");
    EXPECT_EQ(cases[1].name, "project_decode");
    EXPECT_EQ(cases[2].name, "project_encode");
    for (const auto& c : cases) {
        EXPECT_EQ(c.group, "project");
        EXPECT_EQ(c.width, 640);
        EXPECT_EQ(c.height, 360);
        EXPECT_EQ(c.project, file);
        EXPECT_TRUE(c.timeline.is_null());
    }
    EXPECT_EQ(cases[1].kind, BenchKind::decode);
    EXPECT_EQ(cases[2].description, "encode-only of the project's frames");
}
