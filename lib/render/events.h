// SPDX-License-Identifier: Apache-2.0
#pragma once

// The one event vocabulary of a render (schemas/events.schema.json), as NDJSON lines:
// `--progress json` prints them on stderr, and the live preview's event stream uses the
// same documents. Every event has "event" (its kind), "schema" ("reel.events"),
// "version" and "time" (seconds since the command started).

#include "plan/plan.h"
#include "render/render.h"

#include <nlohmann/json.hpp>

#include <string>

namespace reel {

/// `start`: what is about to be rendered (the plan's totals).
nlohmann::json start_event(const std::string& command, const Plan& plan, double time);
/// `segment`: a segment's state changed: pending, rendering, done (rendered here) or
/// reused (from the cache, also when another process rendered it meanwhile).
nlohmann::json segment_event(const SegmentOutcome& segment, double time);
/// `progress`: frames done of the phase's total, speed and the time left.
nlohmann::json progress_event(const RenderProgress& progress, double time);
/// `done`: the command's stats document.
nlohmann::json done_event(const nlohmann::json& stats, double time);
/// `error`: the structured error, as `--stats` gives it (stats/stats.h error_to_json).
nlohmann::json error_event(const nlohmann::json& error, double time);

}  // namespace reel
