// SPDX-License-Identifier: Apache-2.0
#include "bench/compare.h"

#include "util/atomic_file.h"
#include "util/error.h"

#include <map>

namespace reel {
namespace {

using json = nlohmann::json;

/// Ratios only mean something between like runs: says when they are not.
json warnings_of(const json& doc, const json& base)
{
    json warnings = json::array();
    if (doc.contains("quick") && base.value("quick", false) != doc.value("quick", false))
        warnings.push_back("the baseline was a " +
                           std::string(base.value("quick", false) ? "--quick" : "full") +
                           " run and this one is not");
    if (doc.contains("machine") && base.contains("machine") && base["machine"].is_object())
        for (const char* key : {"cpu_model", "cores", "encoder", "libavcodec"})
            if (base["machine"].value(key, json()) != doc["machine"].value(key, json()))
                warnings.push_back(std::string("machine ") + key + " differs from the baseline's");
    return warnings;
}

}  // namespace

json read_baseline(const std::string& file)
{
    json base;
    try {
        base = json::parse(read_file(file));
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(ErrorCode::usage, "bench", "--compare " + file + " is not JSON: " + e.what());
    }
    if (!base.is_object() || base.value("schema", json()) != "reel.bench" ||
        !base.value("cases", json()).is_array())
        throw Error(ErrorCode::usage, "bench", "--compare " + file + " is not a reel bench document",
                    "give the JSON an earlier 'reel bench' printed");
    return base;
}

json compare_with_baseline(const json& doc, const json& base, const std::string& baseline_file,
                           double max_regression)
{
    std::map<std::string, double> before;
    for (const auto& c : base.value("cases", json::array()))
        if (c.is_object() && c.contains("wall_seconds") && c["wall_seconds"].is_object())
            before[c.value("name", "")] = c["wall_seconds"].value("median", 0.0);
    json cases = json::array();
    bool regressed = false;
    for (const auto& c : doc["cases"]) {
        std::string name = c["name"];
        auto it = before.find(name);
        if (it == before.end() || it->second <= 0) continue;
        double ratio = c["wall_seconds"]["median"].get<double>() / it->second;
        bool worse = ratio > 1 + max_regression;
        regressed = regressed || worse;
        cases.push_back({{"name", name},
                         {"baseline_seconds", it->second},
                         {"seconds", c["wall_seconds"]["median"]},
                         {"ratio", ratio},
                         {"regressed", worse}});
    }
    return {{"baseline", baseline_file},
            {"max_regression", max_regression},
            {"cases", cases},
            {"regressed", regressed},
            {"warnings", warnings_of(doc, base)}};
}

}  // namespace reel
