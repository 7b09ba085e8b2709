// SPDX-License-Identifier: Apache-2.0
#include "render/events.h"

namespace reel {
namespace {

nlohmann::json event(const char* kind, double time)
{
    return {{"event", kind}, {"schema", "reel.events"}, {"version", 1}, {"time", time}};
}

const char* state_of(SegmentStatus status)
{
    switch (status) {
        case SegmentStatus::pending: return "pending";
        case SegmentStatus::rendering: return "rendering";
        case SegmentStatus::rendered: return "done";
        case SegmentStatus::reused:
        case SegmentStatus::waited: return "reused";
    }
    return "pending";
}

}  // namespace

nlohmann::json start_event(const std::string& command, const Plan& plan, double time)
{
    nlohmann::json e = event("start", time);
    e["command"] = command;
    e["frames"] = plan.range.size();
    e["first_frame"] = plan.range.begin;
    e["duration_seconds"] = (Rational(plan.range.size()) / plan.output.fps).to_double();
    e["fps"] = plan.output.fps.to_double();
    e["width"] = plan.output.width;
    e["height"] = plan.output.height;
    e["segments"] = plan.segments.size();
    e["sources"] = plan.sources.size();
    return e;
}

nlohmann::json segment_event(const SegmentOutcome& s, double time)
{
    nlohmann::json e = event("segment", time);
    e["index"] = s.index;
    e["state"] = state_of(s.status);
    e["start_frame"] = s.frames.begin;
    e["end_frame"] = s.frames.end;
    e["key"] = s.key;
    e["seconds"] = s.seconds;
    if (s.status == SegmentStatus::waited) e["waited"] = true;
    return e;
}

nlohmann::json progress_event(const RenderProgress& p, double time)
{
    nlohmann::json e = event("progress", time);
    double fps = p.elapsed > 0 ? double(p.done) / p.elapsed : 0;
    e["phase"] = to_string(p.phase);
    e["frame"] = p.done;
    e["frames"] = p.total;
    e["elapsed_seconds"] = p.elapsed;
    e["fps"] = fps;
    if (fps > 0)
        e["eta_seconds"] = double(p.total - p.done) / fps;
    else
        e["eta_seconds"] = nullptr;  // unknown until a frame is done
    return e;
}

nlohmann::json done_event(const nlohmann::json& stats, double time)
{
    nlohmann::json e = event("done", time);
    e["stats"] = stats;
    return e;
}

nlohmann::json error_event(const nlohmann::json& error, double time)
{
    nlohmann::json e = event("error", time);
    e["error"] = error;
    return e;
}

}  // namespace reel
