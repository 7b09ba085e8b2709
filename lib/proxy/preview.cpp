// SPDX-License-Identifier: Apache-2.0
#include "proxy/preview.h"

#include "util/error.h"

#include <algorithm>
#include <cmath>

namespace reel {
namespace {

int scaled(int v, double s)
{
    return std::max(1, int(std::lround(v * s)));
}

void scale_composition(Composition& c, double sx, double sy)
{
    c.width = scaled(c.width, sx);
    c.height = scaled(c.height, sy);
    for (auto& track : c.tracks)
        for (auto& it : track.items) {
            if (it.transform) {
                Transform& t = *it.transform;
                t.x *= sx;
                t.y *= sy;
                if (t.width) *t.width *= sx;
                if (t.height) *t.height *= sy;
            }
            if (it.crop) {
                it.crop->left *= sx;
                it.crop->right *= sx;
                it.crop->top *= sy;
                it.crop->bottom *= sy;
            }
        }
}

/// The source decoded from `file` (probed), addressed at its own size scaled by sx, sy.
MediaInfo stand_in(const MediaInfo& source, const std::string& file, double sx, double sy)
{
    MediaInfo info = probe_media(file);
    if (!info.video)
        throw Error(ErrorCode::media, "proxy",
                    "proxy \"" + file + "\" of \"" + source.path + "\" has no picture",
                    "make it again with 'reel proxy --force'")
            .with_file(file);
    info.logical_size = {scaled(source.video->display_width, sx), scaled(source.video->display_height, sy)};
    return info;
}

/// Adds source `id` of the project to the preview: decoded from its OTIO proxy
/// reference, its proxy (made now when missing and allowed), or itself when it needs none.
void add_source(Preview& p, const Project& project, const std::string& id, ProxyStore& store,
                const PreviewOptions& o, double sx, double sy)
{
    const MediaInfo& source = project.sources.at(id);
    PreviewSource d{id, source.path, source.path, "source"};
    auto ref = project.proxy_references.find(id);
    if (source.video && ref != project.proxy_references.end()) {
        d.from = "reference";
        d.decoded = ref->second.string();
    } else if (source.video) {
        int shown = scaled(source.video->display_height, sy);
        ProxyEntry e = o.best_height ? store.best_for(source, shown, o.settings)
                                     : store.lookup(source, o.settings, false);
        if (e.state == ProxyState::current) {
            d.from = "proxy";
            d.decoded = e.file.string();
        } else if (e.state != ProxyState::not_needed) {
            if (!o.make_missing)
                throw Error(ErrorCode::media, "proxy",
                            "source \"" + id + "\" has no current proxy at height " +
                                std::to_string(o.settings.height) + " (" + to_string(e.state) + ")",
                            "make it with '" + o.make_command + "', or pass --make-proxies")
                    .with_file(source.path);
            if (o.making) o.making(id, source.path);
            ProxyMakeOptions make = o.make;
            make.settings = o.settings;
            p.made.push_back(make_proxy(store, source, make));
            d.from = "proxy_made";
            d.decoded = p.made.back().file.string();
        }
    }
    if (d.from == "source") {
        MediaInfo info = source;
        if (info.video)
            info.logical_size = {scaled(info.video->display_width, sx),
                                 scaled(info.video->display_height, sy)};
        p.sources.emplace(id, std::move(info));
    } else {
        p.sources.emplace(id, stand_in(source, d.decoded, sx, sy));
    }
    p.decoded.push_back(std::move(d));
}

}  // namespace

std::pair<int, int> preview_size(int width, int height, const PreviewOptions& o)
{
    int w = o.width, h = o.height;
    if (w == 0 || h == 0) {
        if (!(o.scale > 0) || o.scale > 1)
            throw Error(ErrorCode::usage, "cli", "--scale " + std::to_string(o.scale) + " is not in (0, 1]",
                        "e.g. --scale 0.5 renders at half the width and height");
        w = std::max(16, int(std::lround(width * o.scale / 2)) * 2);
        h = std::max(16, int(std::lround(height * o.scale / 2)) * 2);
    }
    if (w < 16 || h < 16 || w > 16384 || h > 16384 || w % 2 || h % 2)
        throw Error(ErrorCode::usage, "cli",
                    "--size " + std::to_string(w) + "x" + std::to_string(h) +
                        " is not an output size (even numbers, 16 to 16384)",
                    "e.g. --size 960x540");
    return {w, h};
}

void scale_geometry(Timeline& tl, double sx, double sy)
{
    tl.output.width = std::max(2, int(std::lround(tl.output.width * sx / 2)) * 2);
    tl.output.height = std::max(2, int(std::lround(tl.output.height * sy / 2)) * 2);
    scale_composition(tl.root, sx, sy);
    tl.root.width = tl.output.width;
    tl.root.height = tl.output.height;
    for (auto& [name, c] : tl.compositions) scale_composition(c, sx, sy);
}

Preview prepare_preview(const Project& project, ProxyStore& store, const PreviewOptions& o)
{
    const Timeline& full = project.timeline;
    auto [w, h] = preview_size(full.output.width, full.output.height, o);
    double sx = double(w) / full.output.width, sy = double(h) / full.output.height;
    Preview p;
    p.timeline = full;
    scale_geometry(p.timeline, sx, sy);
    p.timeline.output.width = w;
    p.timeline.output.height = h;
    p.timeline.root.width = w;
    p.timeline.root.height = h;
    for (const auto& [id, source] : project.sources) add_source(p, project, id, store, o, sx, sy);
    return p;
}

}  // namespace reel
