// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "timeline/model.h"

#include <utility>
#include <vector>

namespace reel {

/// A picture layer visible at one instant: a clip, image or colour item, reached from the
/// root through `path` (the comp items that contain it, outermost first; empty at the
/// root). `local_time` is the source time for clips and the time since the item's start
/// for images and colours.
struct ActiveLayer {
    const Item* item = nullptr;
    const Item* root_item = nullptr;  ///< the root-level item it belongs to
    std::vector<const Item*> path;
    Rational local_time;
};

/// The items of `track` whose [start, end) holds `t`, in start order (two during a
/// transition), disabled ones included. O(log n): on a validated track, item ends never
/// decrease, so a binary search finds the first candidate.
std::pair<const Item*, const Item*> items_at(const Track& track, const Rational& t);

/// The picture layers of `comp` at time `t`, bottom to top, descending into nested
/// compositions: enabled video tracks and enabled items whose [start, end) holds t.
/// During a transition both items are listed, the outgoing one first. Needs a resolved
/// timeline. Thread-safe (reads only).
void active_layers(const Timeline& timeline, const Composition& comp, const Rational& t,
                   std::vector<ActiveLayer>& out);

}  // namespace reel
