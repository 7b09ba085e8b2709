// SPDX-License-Identifier: Apache-2.0
#include "stats/stats.h"

#include "util/strings.h"

#include <sys/resource.h>

#include <fstream>

namespace reel {
namespace {

/// "Key: value kB" files of /proc: the value of `key` in bytes, or 0.
std::int64_t proc_kib_field(const char* file, const std::string& key)
{
    std::ifstream in(file);
    std::string name;
    while (in >> name) {
        if (name.size() == key.size() + 1 && name.compare(0, key.size(), key) == 0 && name.back() == ':') {
            std::int64_t kib = 0;
            in >> kib;
            return kib * 1024;
        }
        in.ignore(4096, '\n');
    }
    return 0;
}

}  // namespace

std::int64_t peak_rss_bytes()
{
    if (std::int64_t hwm = proc_kib_field("/proc/self/status", "VmHWM")) return hwm;
    struct rusage usage {};
    if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
    return std::int64_t(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

bool reset_peak_rss()
{
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
    clear.flush();
    return bool(clear);
}

std::int64_t meminfo_bytes(const std::string& field)
{
    return proc_kib_field("/proc/meminfo", field);
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
                        {"pointer", abbreviate(e.location().pointer, 120)},
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
