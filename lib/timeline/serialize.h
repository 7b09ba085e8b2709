// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "timeline/model.h"

#include <nlohmann/json.hpp>

namespace reel {

/// An item's transform, crop, opacity, fades, colour adjustment and (`with_transition`)
/// transition_in, in reel JSON form, written only where they are set.
nlohmann::json item_visual_json(const Item& item, bool with_transition);

/// Canonical JSON of what an item contributes to the picture: every field that changes
/// its pixels, with defaults written out, and nothing else (no id, metadata or sound
/// settings). `start` is written relative to `origin`. Key order is fixed by
/// nlohmann::json's sorted objects, so equal items give equal text.
nlohmann::json item_picture_json(const Item& item, const Rational& origin);

/// Canonical JSON of a composition's picture (its size, background and every visual
/// item, recursively including the compositions it uses).
nlohmann::json composition_picture_json(const Timeline& timeline, const Composition& comp);

/// The output settings that change encoded pixels.
nlohmann::json output_picture_json(const Output& output);

/// A whole timeline written back in the reel format (resolved defaults included),
/// accepted by parse_timeline() with the same meaning.
nlohmann::json to_json(const Timeline& timeline);
/// output.video as written in a timeline (only what was set, beside codec and preset).
nlohmann::json video_settings_json(const VideoSettings& video);

}  // namespace reel
