// SPDX-License-Identifier: Apache-2.0
#include "bench/machine.h"

#include "bench/detail/runs.h"
#include "stats/stats.h"

#include <sys/utsname.h>
#include <tbb/info.h>
#include <fstream>
#include <string>

namespace reel {

nlohmann::json machine_facts()
{
    nlohmann::json m;
    std::ifstream cpu("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpu, line))
        if (line.rfind("model name", 0) == 0) {
            m["cpu_model"] = line.substr(line.find(':') + 2);
            break;
        }
    if (!m.contains("cpu_model")) m["cpu_model"] = "unknown";
    m["cores"] = tbb::info::default_concurrency();
    m["memory_bytes"] = meminfo_bytes("MemTotal");
    struct utsname u {};
    if (::uname(&u) == 0) m["os"] = std::string(u.sysname) + " " + u.release + " " + u.machine;
    m["reel_version"] = REEL_VERSION;
    m.update(detail::codec_facts());
    return m;
}

}  // namespace reel
