// SPDX-License-Identifier: Apache-2.0
// The reel timeline reader: JSON parsing, validation, resolution and planning against a
// fixed media set. Any input may be refused with reel::Error; nothing else may escape,
// crash, or trip a sanitizer.
#include "fuzz_common.h"
#include "timeline/json_document.h"
#include "timeline/parse.h"
#include "util/error.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    try {
        auto doc =
            reel::JsonDocument::parse(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
        reel::Timeline tl = reel::parse_timeline(doc, "/fuzz/fuzz.json");
        reel::fuzz::resolve_and_plan(tl);
    } catch (const reel::Error& e) {
        (void)e.describe();
    }
    return 0;
}
