// SPDX-License-Identifier: Apache-2.0
#pragma once

// A case's runs summarised into one result of the bench document (schemas/bench.schema.json).

#include "bench/suite.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace reel {

/// One measured run: its wall time and its figures (the keys of a result besides name,
/// group, description, size, runs, wall_seconds, fps and realtime_factor). Plain data.
struct BenchRun {
    double wall = 0;
    nlohmann::json figures = nlohmann::json::object();
};

/// Wall times summarised. Plain data.
struct WallSummary {
    double median = 0;  ///< with an even count, the mean of the two middle values
    double min = 0, max = 0;
};

/// The median, min and max of `walls` (in any order); all 0 when empty.
WallSummary summarize_walls(std::vector<double> walls);

/// The index of the run whose wall time is nearest the median (with an even count the
/// median falls between two runs: the faster of those); 0 when empty.
std::size_t median_run(const std::vector<double>& walls);

/// The result named `name` of case `c` from its runs: wall_seconds summarised, the figures
/// of the median run, fps (frames / median) and realtime_factor (frames / `fps` / median).
nlohmann::json bench_result(const BenchCase& c, const std::string& name, const std::vector<BenchRun>& runs,
                            double fps);

}  // namespace reel
