// SPDX-License-Identifier: Apache-2.0
// The OpenTimelineIO reader (with OTIO's NaN/Inf extensions), then resolution and
// planning of what it maps, against a fixed media set.
#include "fuzz_common.h"
#include "timeline/json_document.h"
#include "timeline/otio.h"
#include "util/error.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    try {
        std::string text = reel::otio_json_text(std::string(reinterpret_cast<const char*>(data), size));
        auto doc = reel::JsonDocument::parse(std::move(text), "fuzz.otio");
        reel::OtioTimeline read = reel::read_otio(doc, "/fuzz/fuzz.otio");
        reel::fuzz::resolve_and_plan(read.timeline);
    } catch (const reel::Error& e) {
        (void)e.describe();
    }
    return 0;
}
