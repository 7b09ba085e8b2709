// SPDX-License-Identifier: Apache-2.0
#pragma once

// `reel bench --compare`: this run's median wall times against an earlier run's.

#include <nlohmann/json.hpp>

#include <string>

namespace reel {

/// Reads a baseline, a document an earlier `reel bench` printed. Throws Error(io) when the
/// file cannot be read, Error(usage) when it is not JSON or not a reel bench document.
nlohmann::json read_baseline(const std::string& file);

/// The `compare` object of the bench document: for every result named in both `doc` and
/// `baseline` (with a baseline median above 0), the ratio of the medians and whether it is
/// above 1 + `max_regression`; `regressed` when any is; `warnings` when the runs are not
/// alike (a --quick run against a full one; another CPU model, core count, encoder or
/// libavcodec). `baseline_file` is recorded as given. Pure function; thread-safe.
nlohmann::json compare_with_baseline(const nlohmann::json& doc, const nlohmann::json& baseline,
                                     const std::string& baseline_file, double max_regression);

}  // namespace reel
