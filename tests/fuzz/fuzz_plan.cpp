// SPDX-License-Identifier: Apache-2.0
// The planner under varied options: the first 8 bytes choose the longest segment and a
// range, the rest is a reel timeline. Error(usage) for a range outside the timeline is
// an answer, not a failure.
#include "fuzz_common.h"
#include "timeline/json_document.h"
#include "timeline/parse.h"
#include "util/error.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 8) return 0;
    try {
        auto doc = reel::JsonDocument::parse(std::string(reinterpret_cast<const char*>(data + 8), size - 8),
                                             "fuzz.json");
        reel::Timeline tl = reel::parse_timeline(doc, "/fuzz/fuzz.json");
        reel::SourceTable sources;
        for (const auto& [id, ref] : tl.media) sources[id] = reel::fuzz::media_for(ref.path);
        reel::resolve_timeline(tl, reel::source_facts(sources));
        if (!reel::fuzz::plannable(tl)) return 0;
        reel::PlanOptions options;
        options.max_segment_seconds = reel::Rational(1 + data[0] % 100, 1 + data[1] % 10);
        if (data[2] & 1) {
            std::int64_t a = (data[3] | data[4] << 8) % 2000, n = 1 + (data[5] | data[6] << 8) % 500;
            options.range = reel::FrameRange{a, a + n};
        }
        reel::Plan plan = reel::make_plan(tl, sources, options);
        (void)reel::plan_to_text(plan);
        (void)reel::plan_to_json(plan).dump();
    } catch (const reel::Error& e) {
        (void)e.describe();
    }
    return 0;
}
