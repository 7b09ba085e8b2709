// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <nlohmann/json.hpp>

namespace reel {

/// Where bench figures are measured: cpu_model (/proc/cpuinfo, "unknown" without one),
/// cores (hardware threads TBB sees), memory_bytes (MemTotal), os (uname), reel_version,
/// encoder (FFmpeg's encoder for h264) and libavcodec (its version string): the `machine`
/// object of schemas/bench.schema.json. Thread-safe.
nlohmann::json machine_facts();

}  // namespace reel
