// SPDX-License-Identifier: Apache-2.0
#include "bench/suite.h"

#include "bench/detail/suite_files.h"
#include "plan/plan.h"
#include "timeline/json_document.h"
#include "timeline/parse.h"
#include "util/atomic_file.h"
#include "util/error.h"

#include <algorithm>
#include <functional>
#include <set>

namespace reel {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

const char* const kinds[] = {"render", "incremental", "decode", "encode"};
const std::set<std::string> groups = {"export", "complexity", "incremental", "ceiling"};

std::string child(const std::string& pointer, const std::string& key)
{
    return (json::json_pointer(pointer) / key).to_string();
}

/// An Error(timeline) at `pointer` of `doc`, with its line and column.
Error at(const JsonDocument& doc, const std::string& pointer, const std::string& message,
         const std::string& hint = {})
{
    auto [line, column] = doc.position(pointer);
    Error e(ErrorCode::timeline, "bench", message, hint);
    e.with_file(doc.file()).with_pointer(pointer).with_position(line, column);
    return e;
}

/// `obj[key]` at `pointer`, which must be an object; nullptr when absent and not required.
const json* member(const JsonDocument& doc, const json& obj, const std::string& pointer,
                   const std::string& key, bool required)
{
    if (!obj.is_object()) throw at(doc, pointer, "must be an object");
    auto it = obj.find(key);
    if (it != obj.end()) return &*it;
    if (required) throw at(doc, pointer, "\"" + key + "\" is missing");
    return nullptr;
}

/// Refuses fields of `obj` not in `known` (a typo would otherwise be ignored).
void check_fields(const JsonDocument& doc, const json& obj, const std::string& pointer,
                  std::initializer_list<const char*> known)
{
    if (!obj.is_object()) throw at(doc, pointer, "must be an object");
    for (const auto& field : obj.items()) {
        const std::string& key = field.key();  // (clang 14 cannot capture a structured binding)
        if (std::none_of(known.begin(), known.end(), [&](const char* k) { return key == k; })) {
            std::string names;
            for (const char* k : known) names += (names.empty() ? "" : ", ") + std::string(k);
            throw at(doc, child(pointer, key), "unknown field \"" + key + "\"", "known: " + names);
        }
    }
}

std::string text_of(const JsonDocument& doc, const json& obj, const std::string& pointer,
                    const std::string& key, bool required)
{
    const json* v = member(doc, obj, pointer, key, required);
    if (!v) return {};
    if (!v->is_string() || v->get<std::string>().empty())
        throw at(doc, child(pointer, key), "\"" + key + "\" must be a non-empty string");
    return *v;
}

int whole_of(const JsonDocument& doc, const json& obj, const std::string& pointer, const std::string& key,
             int min, int fallback)
{
    const json* v = member(doc, obj, pointer, key, false);
    if (!v) return fallback;
    if (!v->is_number_integer() || v->get<std::int64_t>() < min || v->get<std::int64_t>() > 100000)
        throw at(doc, child(pointer, key),
                 "\"" + key + "\" must be a whole number from " + std::to_string(min));
    return v->get<int>();
}

BenchSuiteEntry parse_entry(const JsonDocument& doc, const json& e, const std::string& pointer)
{
    check_fields(doc, e, pointer, {"name", "group", "timeline", "kind", "description", "metadata"});
    BenchSuiteEntry entry;
    entry.name = text_of(doc, e, pointer, "name", true);
    entry.group = text_of(doc, e, pointer, "group", true);
    if (!groups.count(entry.group))
        throw at(doc, child(pointer, "group"), "group \"" + entry.group + "\" is not a bench group",
                 "one of export, complexity, incremental, ceiling");
    entry.timeline = text_of(doc, e, pointer, "timeline", true);
    if (entry.timeline.find('/') != std::string::npos)
        throw at(doc, child(pointer, "timeline"),
                 "\"timeline\" names a file beside suite.json, without a folder");
    entry.description = text_of(doc, e, pointer, "description", false);
    std::string kind = text_of(doc, e, pointer, "kind", false);
    if (kind.empty()) return entry;
    auto it = std::find(std::begin(kinds), std::end(kinds), kind);
    if (it == std::end(kinds))
        throw at(doc, child(pointer, "kind"), "kind \"" + kind + "\" is not a bench kind",
                 "one of render, incremental, decode, encode");
    entry.kind = BenchKind(it - std::begin(kinds));
    return entry;
}

std::map<std::string, BenchSource> parse_sources(const JsonDocument& doc, const json& bench,
                                                 const std::string& pointer)
{
    const json* list = member(doc, bench, pointer, "sources", true);
    std::string at_list = child(pointer, "sources");
    if (!list->is_object() || list->empty())
        throw at(
            doc, at_list, "\"sources\" must be an object of sources by media id",
            "e.g. \"a\": { \"width\": 1280, \"height\": 720, \"fps\": 30, \"seconds\": 6, \"seed\": 0 }");
    std::map<std::string, BenchSource> sources;
    for (const auto& [id, s] : list->items()) {
        std::string p = child(at_list, id);
        check_fields(doc, s, p, {"width", "height", "fps", "seconds", "seed"});
        for (const char* key : {"width", "height", "fps", "seconds"}) member(doc, s, p, key, true);
        BenchSource source;
        source.width = whole_of(doc, s, p, "width", 16, 0);
        source.height = whole_of(doc, s, p, "height", 16, 0);
        source.fps = whole_of(doc, s, p, "fps", 1, 0);
        source.seconds = whole_of(doc, s, p, "seconds", 1, 0);
        source.seed = whole_of(doc, s, p, "seed", 0, 0);
        if (source.width % 2 || source.height % 2)
            throw at(doc, p, "source \"" + id + "\" must have an even width and height (4:2:0)");
        sources[id] = source;
    }
    return sources;
}

/// Every media entry is a source the bench makes, under the name it makes it.
void check_media(const JsonDocument& doc, const BenchCase& c)
{
    const json& media = doc.root().at("media");
    for (const auto& [id, source] : c.sources)
        if (!media.contains(id))
            throw at(doc, child("/metadata/bench/sources", id), "source \"" + id + "\" is not a media entry");
    for (const auto& [id, m] : media.items()) {
        auto it = c.sources.find(id);
        if (it == c.sources.end())
            throw at(doc, child("/media", id), "media \"" + id + "\" has no entry in metadata.bench.sources",
                     "reel bench makes every medium of a case: describe it there");
        std::string want = "media/" + bench_source_name(it->second);
        if (m.value("path", "") != want)
            throw at(
                doc, child(child("/media", id), "path"),
                "media \"" + id + "\" must be \"" + want + "\", the file reel bench makes for its source",
                "write that path, or change metadata.bench.sources." + id);
    }
}

/// The edit of an incremental case: a JSON Patch that applies and leaves a valid timeline.
json parse_edit(const JsonDocument& doc, const json& bench, BenchKind kind)
{
    const json* edit = member(doc, bench, "/metadata/bench", "edit", kind == BenchKind::incremental);
    if (!edit) return nullptr;
    if (kind != BenchKind::incremental)
        throw at(doc, "/metadata/bench/edit", "only an incremental case has an edit");
    json edited;
    try {
        if (!edit->is_array() || edit->empty()) throw std::invalid_argument("it is not a list of operations");
        edited = doc.root().patch(*edit);
    } catch (const std::exception& e) {
        throw at(doc, "/metadata/bench/edit",
                 std::string("the edit (a JSON Patch, RFC 6902) does not apply: ") + e.what());
    }
    parse_timeline(JsonDocument::parse(edited.dump(2), doc.file() + " (edited)"), doc.file());
    return *edit;
}

using Reader = std::function<std::string(const std::string& name)>;

std::vector<BenchCase> load_with(const Reader& read, const std::string& folder, bool quick)
{
    std::vector<BenchCase> cases;
    for (const auto& entry : parse_bench_suite(read("suite.json"), folder + "suite.json")) {
        std::string name = bench_case_file(entry, quick);
        cases.push_back(parse_bench_case(entry, read(name), folder + name));
    }
    return cases;
}

}  // namespace

const char* to_string(BenchKind kind)
{
    return kinds[int(kind)];
}

std::string bench_case_file(const BenchSuiteEntry& entry, bool quick)
{
    return entry.timeline + (quick ? ".quick.json" : ".json");
}

std::vector<BenchSuiteEntry> parse_bench_suite(const std::string& text, const std::string& file)
{
    auto doc = JsonDocument::parse(text, file);
    const json& root = doc->root();
    if (!root.is_object() || root.value("schema", json()) != "reel.bench.suite" ||
        root.value("version", json()) != 1)
        throw at(*doc, "", "not a reel bench suite",
                 "it starts { \"schema\": \"reel.bench.suite\", \"version\": 1");
    check_fields(*doc, root, "", {"schema", "version", "metadata", "cases"});
    const json* cases = member(*doc, root, "", "cases", true);
    if (!cases->is_array() || cases->empty()) throw at(*doc, "/cases", "\"cases\" must be a list of cases");
    std::vector<BenchSuiteEntry> entries;
    for (std::size_t i = 0; i < cases->size(); ++i) {
        std::string pointer = "/cases/" + std::to_string(i);
        entries.push_back(parse_entry(*doc, (*cases)[i], pointer));
        for (std::size_t j = 0; j < i; ++j)
            if (entries[j].name == entries[i].name)
                throw at(*doc, pointer + "/name", "case \"" + entries[i].name + "\" is listed twice");
    }
    return entries;
}

BenchCase parse_bench_case(const BenchSuiteEntry& entry, const std::string& text, const std::string& file)
{
    auto doc = JsonDocument::parse(text, file);
    Timeline timeline = parse_timeline(doc, file);
    const json* metadata = member(*doc, doc->root(), "", "metadata", true);
    const json* bench = member(*doc, *metadata, "/metadata", "bench", true);
    check_fields(*doc, *bench, "/metadata/bench",
                 {"description", "sources", "segment_seconds", "workers", "edit", "make_media"});
    BenchCase c;
    c.name = entry.name;
    c.group = entry.group;
    c.kind = entry.kind;
    c.description = text_of(*doc, *bench, "/metadata/bench", "description", entry.description.empty());
    if (!entry.description.empty()) c.description = entry.description;
    c.width = timeline.output.width;
    c.height = timeline.output.height;
    c.timeline = doc->root();
    c.file = fs::path(file).filename().string();
    c.sources = parse_sources(*doc, *bench, "/metadata/bench");
    check_media(*doc, c);
    if (const json* s = member(*doc, *bench, "/metadata/bench", "segment_seconds", false)) {
        if (!s->is_number() || s->get<double>() < 0.1 || s->get<double>() > 3600)
            throw at(*doc, "/metadata/bench/segment_seconds", "\"segment_seconds\" must be from 0.1 to 3600");
        c.segment_seconds = s->get<double>();
    }
    c.workers = whole_of(*doc, *bench, "/metadata/bench", "workers", 0, 0);
    c.edit = parse_edit(*doc, *bench, c.kind);
    return c;
}

std::vector<BenchCase> standard_suite(bool quick)
{
    return load_with(
        [](const std::string& name) {
            const std::string* text = detail::builtin_bench_file(name);
            if (!text)
                throw Error(ErrorCode::internal, "bench",
                            "bench/pipeline/" + name + " is not built into reel");
            return *text;
        },
        "bench/pipeline/", quick);
}

std::vector<BenchCase> load_suite(const fs::path& dir, bool quick)
{
    return load_with([&](const std::string& name) { return read_file(dir / name); },
                     dir.empty() ? "" : (dir / "").string(), quick);
}

const BenchCase* find_bench_case(const std::vector<BenchCase>& cases, const std::string& name)
{
    auto it = std::find_if(cases.begin(), cases.end(), [&](const BenchCase& c) { return c.name == name; });
    return it == cases.end() ? nullptr : &*it;
}

std::vector<BenchCase> project_cases(const fs::path& file)
{
    fs::path project = fs::absolute(file);
    Project p = open_project(project);
    BenchCase full;
    full.name = "project";
    full.group = "project";
    full.description = "the project rendered from an empty cache";
    full.project = project;
    full.width = p.timeline.output.width;
    full.height = p.timeline.output.height;
    std::vector<BenchCase> cases = {full};
    for (BenchKind kind : {BenchKind::decode, BenchKind::encode}) {
        BenchCase c = full;
        c.kind = kind;
        c.name = std::string("project_") + to_string(kind);
        c.description = std::string(to_string(kind)) + "-only of the project's frames";
        cases.push_back(c);
    }
    return cases;
}

}  // namespace reel
