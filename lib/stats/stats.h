// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "util/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace reel {

/// Wall-clock stopwatch (steady clock). Not thread-safe.
class Stopwatch {
public:
    Stopwatch() : m_start(std::chrono::steady_clock::now()) {}
    double seconds() const
    {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    }

private:
    std::chrono::steady_clock::time_point m_start;
};

/// Peak resident set size of this process so far, in bytes (0 if unknown).
std::int64_t peak_rss_bytes();

/// The JSON form of an error, as printed by `--stats` (schemas/stats.schema.json).
nlohmann::json error_to_json(const Error& error);

/// A stats document with the common header: schema, version, command, reel version.
nlohmann::json stats_document(const std::string& command);

}  // namespace reel
