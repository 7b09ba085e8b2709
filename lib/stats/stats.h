// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "util/error.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace reel {

/// Peak resident set size of this process since it started or since the last
/// reset_peak_rss() (VmHWM), in bytes; getrusage's lifetime peak where /proc has no
/// VmHWM; 0 if unknown.
std::int64_t peak_rss_bytes();
/// Starts a new peak-RSS measurement (writes 5 to /proc/self/clear_refs); false where the
/// kernel does not allow it (peak_rss_bytes() then keeps the lifetime peak).
bool reset_peak_rss();
/// A field of /proc/meminfo ("MemAvailable", "MemTotal", ...) in bytes; 0 if unknown.
std::int64_t meminfo_bytes(const std::string& field);

/// The JSON form of an error, as printed by `--stats` (schemas/stats.schema.json).
nlohmann::json error_to_json(const Error& error);

/// A stats document with the common header: schema, version, command, reel version.
nlohmann::json stats_document(const std::string& command);

}  // namespace reel
