// SPDX-License-Identifier: Apache-2.0
#include "timeline/evaluate.h"

#include <algorithm>

namespace reel {
namespace {

void collect(const Timeline& tl, const Composition& comp, const Rational& t, std::vector<const Item*>& path,
             std::vector<ActiveLayer>& out)
{
    for (const auto& track : comp.tracks) {
        if (track.kind != TrackKind::video || !track.enabled) continue;
        auto [first, last] = items_at(track, t);
        for (const Item* p = first; p != last; ++p) {
            const Item& it = *p;
            if (!it.enabled) continue;
            if (it.type == ItemType::comp) {
                path.push_back(&it);
                collect(tl, tl.composition(it.comp), it.source_time(t), path, out);
                path.pop_back();
                continue;
            }
            ActiveLayer layer;
            layer.item = &it;
            layer.root_item = path.empty() ? &it : path.front();
            layer.path = path;
            layer.local_time = it.type == ItemType::clip ? it.source_time(t) : t - it.start;
            out.push_back(std::move(layer));
        }
    }
}

}  // namespace

std::pair<const Item*, const Item*> items_at(const Track& track, const Rational& t)
{
    const Item* begin = track.items.data();
    const Item* end = begin + track.items.size();
    const Item* first =
        std::upper_bound(begin, end, t, [](const Rational& time, const Item& it) { return time < it.end; });
    const Item* last = first;
    while (last != end && last->start <= t) ++last;
    return {first, last};
}

void active_layers(const Timeline& timeline, const Composition& comp, const Rational& t,
                   std::vector<ActiveLayer>& out)
{
    std::vector<const Item*> path;
    collect(timeline, comp, t, path, out);
}

}  // namespace reel
