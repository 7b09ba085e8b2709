// SPDX-License-Identifier: Apache-2.0
// metadata.reel of OTIO objects written by to_otio(): validated by reel's own parser (the
// fields are put into a one-item reel document), then copied onto the model.
#include "timeline/otio_reel_meta.h"

#include "timeline/json_document.h"
#include "timeline/parse.h"
#include "util/error.h"
#include "util/strings.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace reel {
namespace {

using json = nlohmann::json;

const json* member(const json& obj, const char* key)
{
    if (!obj.is_object()) return nullptr;
    auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
}

/// metadata.reel of an OTIO object, if any.
const json* reel_metadata(const json& object)
{
    const json* md = member(object, "metadata");
    return md ? member(*md, "reel") : nullptr;
}

/// Where a pointer of the one-item document lies in the OTIO document.
struct PointerMap {
    std::string from, to;
};

/// Parses `doc` as a reel timeline; its problems, located in the OTIO document.
std::optional<Timeline> parse_mapped(const json& doc, const std::vector<PointerMap>& map,
                                     const std::string& fallback, std::vector<ReelMetaProblem>& problems)
{
    try {
        return parse_timeline(JsonDocument::parse(doc.dump(), "metadata.reel"), "metadata.reel.json");
    } catch (const Error& e) {
        std::vector<Error> all{e};
        all.insert(all.end(), e.more().begin(), e.more().end());
        for (const Error& x : all) {
            std::string p = x.location().pointer, located = fallback;
            for (const auto& m : map)
                if (p.rfind(m.from, 0) == 0) {
                    located = m.to + p.substr(m.from.size());
                    break;
                }
            problems.push_back({located, "metadata reel: " + x.message(), x.hint()});
        }
        return std::nullopt;
    }
}

bool check_keys(const json& obj, const std::string& pointer, const char* what,
                const std::vector<std::string>& allowed, std::vector<ReelMetaProblem>& problems)
{
    if (!obj.is_object()) {
        problems.push_back({pointer, std::string("metadata reel ") + what + " must be an object", ""});
        return false;
    }
    bool ok = true;
    for (const auto& [key, value] : obj.items()) {
        if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
        std::string near = closest_match(key, allowed);
        problems.push_back({pointer + "/" + json_pointer_escape(key),
                            std::string("metadata reel ") + what + ": unknown field \"" + key + "\"" +
                                (near.empty() ? "" : " (did you mean \"" + near + "\"?)"),
                            ""});
        ok = false;
    }
    return ok;
}

json minimal_document()
{
    return {{"reel", timeline_format_version},
            {"output", {{"width", 16}, {"height", 16}, {"fps", 1}}},
            {"media", {{"m", {{"path", "m"}}}}},
            {"tracks", json::array()}};
}

}  // namespace

std::vector<ReelMetaProblem> apply_reel_item_metadata(const json& object, const std::string& pointer,
                                                      Item& item, Composition* comp)
{
    std::vector<ReelMetaProblem> problems;
    const json* reel = reel_metadata(object);
    if (!reel) return problems;
    const std::string reel_ptr = pointer + "/metadata/reel";
    if (!reel->is_object()) {
        problems.push_back({reel_ptr, "metadata \"reel\" must be an object", ""});
        return problems;
    }
    const json* fields = member(*reel, "item");
    const json* cfields = comp ? member(*reel, "composition") : nullptr;
    if (!fields && !cfields) return problems;
    static const std::vector<std::string> item_keys = {"transform", "crop",     "opacity", "color",
                                                       "fade_in",   "fade_out", "gain_db", "mute"};
    static const std::vector<std::string> comp_keys = {"name", "width", "height", "background", "duration"};
    if (fields && !check_keys(*fields, reel_ptr + "/item", "item", item_keys, problems)) return problems;
    if (cfields && !check_keys(*cfields, reel_ptr + "/composition", "composition", comp_keys, problems))
        return problems;

    json doc = minimal_document();
    json one = fields ? *fields : json::object();
    one["start"] = 0;
    if (comp) {
        one["type"] = "comp";
        one["comp"] = "c";
        json c = cfields ? *cfields : json::object();
        c.erase("name");
        if (!c.contains("width")) c["width"] = 16;
        if (!c.contains("height")) c["height"] = 16;
        c["tracks"] = json::array(
            {{{"items",
               json::array({{{"type", "color"}, {"color", "#000000"}, {"start", 0}, {"duration", 1}}})}}});
        doc["compositions"] = {{"c", std::move(c)}};
    } else {
        one["type"] = "clip";
        one["media"] = "m";
    }
    doc["tracks"] = json::array({{{"items", json::array({one})}}});
    auto tl = parse_mapped(
        doc, {{"/tracks/0/items/0", reel_ptr + "/item"}, {"/compositions/c", reel_ptr + "/composition"}},
        reel_ptr, problems);
    if (!tl) return problems;

    const Item& parsed = tl->root.tracks.at(0).items.at(0);
    if (fields) {
        if (fields->contains("transform")) item.transform = parsed.transform;
        if (fields->contains("crop")) item.crop = parsed.crop;
        if (fields->contains("opacity")) item.opacity = parsed.opacity;
        if (fields->contains("color")) item.adjust = parsed.adjust;
        if (fields->contains("fade_in")) item.fade_in = parsed.fade_in;
        if (fields->contains("fade_out")) item.fade_out = parsed.fade_out;
        if (fields->contains("gain_db")) item.gain_db = parsed.gain_db;
        if (fields->contains("mute")) item.mute = parsed.mute;
    }
    if (cfields) {
        const Composition& c = tl->compositions.at("c");
        if (cfields->contains("width")) comp->width = c.width;
        if (cfields->contains("height")) comp->height = c.height;
        if (cfields->contains("background")) comp->background = c.background;
        if (cfields->contains("duration")) comp->declared_duration = c.declared_duration;
    }
    return problems;
}

std::vector<ReelMetaProblem> apply_reel_output_metadata(const json& reel, const std::string& pointer,
                                                        Output& output)
{
    std::vector<ReelMetaProblem> problems;
    const json* audio = member(reel, "audio");
    const json* video = member(reel, "video");
    if (!audio && !video) return problems;
    json doc = minimal_document();
    if (audio) doc["output"]["audio"] = *audio;
    if (video) doc["output"]["video"] = *video;
    auto tl = parse_mapped(doc, {{"/output", pointer}}, pointer, problems);
    if (!tl) return problems;
    if (audio) output.audio = tl->output.audio;
    if (video) output.video = tl->output.video;
    return problems;
}

Rational refine_time_scalar(const json& effect, const Rational& scalar)
{
    const json* reel = reel_metadata(effect);
    const json* exact = reel ? member(*reel, "time_scalar") : nullptr;
    if (!exact || !exact->is_string()) return scalar;
    auto r = Rational::parse(exact->get<std::string>());
    if (!r) return scalar;
    double a = r->to_double(), b = scalar.to_double();
    return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b)) ? *r : scalar;
}

}  // namespace reel
