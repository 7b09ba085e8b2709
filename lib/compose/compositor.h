// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "cache/frame_cache.h"
#include "image/image.h"
#include "media/decoder.h"
#include "timeline/evaluate.h"
#include "timeline/model.h"

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace reel {

struct ComposeCounters {
    std::int64_t frames = 0;
    std::int64_t layers_drawn = 0;
    std::int64_t comps_rendered = 0;  ///< nested composition frames rendered
    std::int64_t direct_frames = 0;   ///< frames that were one source picture, copied without resampling
    double seconds = 0;               ///< compositing time, decoding excluded
};

/// Renders output frames of a resolved timeline: the layer stack bottom to top, nested
/// compositions just in time (each (composition, time) rendered once per frame through the
/// cache, so a composition shown twice at one instant costs one render), transforms,
/// crops, fits, colour adjustments, opacity, fades and crossfades, all in Y'CbCr 4:2:0
/// touching only the region each layer covers. Cost per frame grows linearly with layers.
/// Not thread-safe: one thread renders frames in order.
class Compositor {
public:
    Compositor(const Timeline& timeline, DecoderPool& pool, FrameCache& cache);

    /// Output frame `frame` at the output size, opaque. A frame that is exactly one source
    /// picture (one full-frame clip of the output's size, no transform, crop, colour
    /// change, fade or transparency) is that decoded picture itself: no copy, no conversion.
    std::shared_ptr<const Image> render(std::int64_t frame);

    const ComposeCounters& counters() const noexcept { return m_counters; }

    /// Where a composition's coordinates land on the image drawn into: x × sx + ox. A
    /// nested composition is drawn straight at the size and over the area where it is
    /// seen, never at its own size first (a 16384x16384 composition shown at 320x240 costs
    /// a 320x240 picture).
    struct View {
        double sx = 1, sy = 1, ox = 0, oy = 0;
    };

private:
    void draw_tracks(Image& canvas, const Composition& comp, const Rational& t, const View& view);
    void draw_item(Image& canvas, const Composition& comp, const Item& item, const Rational& t, double weight,
                   const View& view);
    void draw_layer(Image& canvas, const Composition& comp, const Item& item, const Rational& t,
                    double weight, const View& view);
    /// What an item shows over `visible` (canvas pixels), before its colour adjustment.
    std::shared_ptr<const Image> visible_picture(const Item& it, const Rational& t,
                                                 const std::shared_ptr<const Image>& src, const Rect& from,
                                                 const Rect& d, const Rect& visible, const Rect& src_part);
    /// The `w` x `h` picture of `comp` at time t seen through `view`.
    std::shared_ptr<const Image> composition_at(const Composition& comp, const Rational& t, int w, int h,
                                                const View& view);

    const Timeline& m_timeline;
    DecoderPool& m_pool;
    FrameCache& m_cache;
    /// Items referring to each composition: a frame of a composition referred to once is
    /// never asked for twice at one time, so only the others are kept in the cache.
    std::map<std::string, int> m_comp_uses;
    std::int64_t m_tick = 0;
    std::vector<ActiveLayer> m_layers;
    ComposeCounters m_counters;
};

}  // namespace reel
