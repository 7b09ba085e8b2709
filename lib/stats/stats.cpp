// SPDX-License-Identifier: Apache-2.0
#include "stats/stats.h"

#include <sys/resource.h>

namespace reel {

std::int64_t peak_rss_bytes()
{
    struct rusage usage {};
    if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
    return std::int64_t(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

nlohmann::json error_to_json(const Error& e)
{
    nlohmann::json j = {{"code", error_code_name(e.code())},
                        {"exit_status", exit_status(e.code())},
                        {"component", e.component()},
                        {"message", e.message()},
                        {"hint", e.hint()},
                        {"item", e.item_id()},
                        {"file", e.location().file},
                        {"pointer", e.location().pointer},
                        {"line", e.location().line},
                        {"column", e.location().column},
                        {"text", e.describe()}};
    nlohmann::json more = nlohmann::json::array();
    for (const auto& m : e.more()) more.push_back(error_to_json(m));
    j["more"] = more;
    return j;
}

nlohmann::json stats_document(const std::string& command)
{
    return {{"schema", "reel.stats"}, {"version", 1}, {"reel_version", REEL_VERSION}, {"command", command}};
}

}  // namespace reel
