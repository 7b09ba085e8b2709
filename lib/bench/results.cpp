// SPDX-License-Identifier: Apache-2.0
#include "bench/results.h"

#include <algorithm>
#include <cmath>

namespace reel {

WallSummary summarize_walls(std::vector<double> v)
{
    if (v.empty()) return {};
    std::sort(v.begin(), v.end());
    std::size_t n = v.size();
    double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return {median, v.front(), v.back()};
}

std::size_t median_run(const std::vector<double>& walls)
{
    double target = summarize_walls(walls).median;
    std::size_t mid = 0;
    for (std::size_t i = 0; i < walls.size(); ++i) {
        double d = std::abs(walls[i] - target), best = std::abs(walls[mid] - target);
        if (d < best || (d == best && walls[i] < walls[mid])) mid = i;
    }
    return mid;
}

nlohmann::json bench_result(const BenchCase& c, const std::string& name, const std::vector<BenchRun>& runs,
                            double fps)
{
    std::vector<double> walls;
    for (const auto& r : runs) walls.push_back(r.wall);
    WallSummary wall = summarize_walls(walls);
    nlohmann::json j = {{"name", name},
                        {"group", c.group},
                        {"description", c.description},
                        {"width", c.width},
                        {"height", c.height},
                        {"runs", runs.size()},
                        {"wall_seconds", {{"median", wall.median}, {"min", wall.min}, {"max", wall.max}}}};
    if (!runs.empty() && runs[median_run(walls)].figures.is_object())
        j.update(runs[median_run(walls)].figures);
    double frames = j.value("frames", 0.0);
    j["fps"] = wall.median > 0 ? frames / wall.median : 0;
    j["realtime_factor"] = wall.median > 0 && fps > 0 ? frames / fps / wall.median : 0;
    return j;
}

}  // namespace reel
