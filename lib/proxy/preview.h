// SPDX-License-Identifier: Apache-2.0
#pragma once

// Preview renders: a project's timeline at a smaller size, its sources decoded from their
// proxies (reel render --proxy, reel segment --proxy).
//
// Positions and sizes keep their meaning: the output, every composition, every transform
// box and every crop are scaled by the preview's factors, and each source keeps its own
// size, scaled the same way, as the size the timeline addresses (MediaInfo::logical_size),
// whatever the size of the proxy it is decoded from. So a clip at x=960 in a 1920-wide
// project lands at x=480, the middle of a 960-wide preview. The preview's segment hashes
// differ from the full render's (other output size, other source fingerprints), so its
// segments are cached apart.

#include "plan/plan.h"
#include "proxy/proxy.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace reel {

struct PreviewOptions {
    /// The proxies to decode: any current one at settings.height, or with `best_height`
    /// the one that fits the preview best (ProxyStore::best_for); settings.height is then
    /// the height of the proxies made now and named in messages.
    ProxySettings settings;
    bool best_height = false;
    double scale = 0.5;         ///< of the output size, when width and height are 0
    int width = 0, height = 0;  ///< an explicit output size instead
    /// A source without a current proxy: make it now (true), or refuse (false: Error(media)
    /// naming the source and `make_command`, the command that makes it).
    bool make_missing = false;
    std::string make_command;
    ProxyMakeOptions make;  ///< for proxies made now
    /// Called before a proxy is made now (media id, source file).
    std::function<void(const std::string&, const std::string&)> making;
};

/// What one source of a preview is decoded from.
struct PreviewSource {
    std::string media, source;  ///< id, the source's file
    std::string decoded;        ///< the file decoded
    /// "proxy" (from the store), "proxy_made" (made for this render), "reference" (the
    /// OpenTimelineIO file's proxy reference), "source" (no proxy needed: no picture, or a
    /// still no taller than the proxy height).
    std::string from;
};

struct Preview {
    Timeline timeline;  ///< scaled
    SourceTable sources;
    std::vector<PreviewSource> decoded;  ///< every source, by media id
    std::vector<ProxyMade> made;
};

/// The output size of a preview of a timeline whose output is `width` x `height` (even,
/// at least 16). Error(usage) naming --scale/--size for a size out of range.
std::pair<int, int> preview_size(int width, int height, const PreviewOptions& options);

/// Scales every position and size of a timeline by sx, sy: the output, compositions,
/// transform boxes, crops (the timeline's sources are assumed scaled alike).
void scale_geometry(Timeline& timeline, double sx, double sy);

/// The project as a preview: its timeline scaled, its sources replaced by their proxies.
Preview prepare_preview(const Project& project, ProxyStore& store, const PreviewOptions& options);

}  // namespace reel
