// SPDX-License-Identifier: Apache-2.0
#include "timeline/evaluate.h"

namespace reel {
namespace {

void collect(const Timeline& tl, const Composition& comp, const Rational& t, std::vector<const Item*>& path,
             std::vector<ActiveLayer>& out)
{
    for (const auto& track : comp.tracks) {
        if (track.kind != TrackKind::video || !track.enabled) continue;
        for (const auto& it : track.items) {
            if (it.start > t) break;  // items are ordered by start
            if (!it.enabled || t >= it.end) continue;
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

void active_layers(const Timeline& timeline, const Composition& comp, const Rational& t,
                   std::vector<ActiveLayer>& out)
{
    std::vector<const Item*> path;
    collect(timeline, comp, t, path, out);
}

}  // namespace reel
