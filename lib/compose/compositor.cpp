// SPDX-License-Identifier: Apache-2.0
#include "compose/compositor.h"

#include "timeline/parse.h"
#include "util/error.h"
#include "util/stopwatch.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace reel {
namespace {

Yuva to_yuva(const Color& c)
{
    return rgb_to_yuva(c.r, c.g, c.b, c.a);
}

constexpr Yuva transparent{16, 128, 128, 0};

double fade_factor(const Item& it, const Rational& t)
{
    double f = 1;
    Rational into = t - it.start, left = it.end - t;
    if (it.fade_in > Rational(0) && into < it.fade_in) f *= (into / it.fade_in).to_double();
    if (it.fade_out > Rational(0) && left < it.fade_out) f *= (left / it.fade_out).to_double();
    return std::clamp(f, 0.0, 1.0);
}

struct Box {
    double x, y, w, h;
};

/// Pixels from a position that may be absurd (a 100000x nested upscale): clamped far
/// outside any canvas first, so the int cannot overflow.
int px(double v)
{
    return int(std::lround(std::clamp(v, -1e9, 1e9)));
}

/// A source's error (a picture that cannot be decoded, a corrupt still) located at the
/// item that shows it, as the sound's errors are; an error already located (inside a
/// nested composition) passes unchanged.
[[noreturn]] void rethrow_at(const Timeline& tl, const Item& it, const Error& e)
{
    if (!e.location().pointer.empty()) throw e;
    Error located(e.code(), "compose",
                  std::string(to_string(it.type)) + " \"" + it.label() + "\": " + e.message(), e.hint());
    located.with_item(it.id).with_pointer(it.pointer);
    throw locate(tl, located);
}

/// The weight of the incoming picture (0..255) along a wipe's axis, per column (left and
/// right) or row (up and down) of the image drawn into, at progress p (0..1). The edge runs
/// across the composition (its width or height, `extent`), from the side the incoming item
/// enters: from -soft/2 to extent + soft/2, where soft = softness × extent is the width of
/// the blended edge, so that at p = 0.5 the edge is at the middle. A pixel whose centre lies
/// before a hard edge shows the incoming item.
std::vector<std::uint8_t> wipe_weights(const Transition& tr, const Composition& comp, const Image& canvas,
                                       double p, const Compositor::View& view)
{
    bool horizontal = tr.direction == WipeDirection::left || tr.direction == WipeDirection::right;
    bool from_start = tr.direction == WipeDirection::right || tr.direction == WipeDirection::down;
    double extent = horizontal ? comp.width : comp.height;
    double soft = tr.softness * extent;
    double edge = -soft / 2 + p * (extent + soft);
    int n = horizontal ? canvas.width() : canvas.height();
    std::vector<std::uint8_t> weights(std::size_t(std::max(n, 1)));
    for (int i = 0; i < n; ++i) {
        double c = horizontal ? (i + 0.5 - view.ox) / view.sx : (i + 0.5 - view.oy) / view.sy;
        double pos = from_start ? c : extent - c;
        double wb = soft > 0 ? std::clamp((edge - pos) / soft + 0.5, 0.0, 1.0) : (pos < edge ? 1.0 : 0.0);
        weights[std::size_t(i)] = std::uint8_t(std::lround(wb * 255));
    }
    return weights;
}

}  // namespace

Compositor::Compositor(const Timeline& timeline, DecoderPool& pool, FrameCache& cache)
    : m_timeline(timeline), m_pool(pool), m_cache(cache)
{
    auto count = [&](const Composition& c) {
        for (const auto& track : c.tracks)
            for (const auto& it : track.items)
                if (it.type == ItemType::comp) ++m_comp_uses[it.comp];
    };
    count(timeline.root);
    for (const auto& [name, c] : timeline.compositions) count(c);
}

std::shared_ptr<const Image> Compositor::render(std::int64_t frame)
{
    Stopwatch started;
    double decode_before = m_pool.counters().seconds;
    m_tick = frame;
    const Output& o = m_timeline.output;
    Rational t = frame_to_time(frame, o.fps);
    auto account = [&] {
        ++m_counters.frames;
        double total = started.seconds();
        m_counters.seconds += total - (m_pool.counters().seconds - decode_before);
    };
    // The direct path: one root clip showing a whole source picture of the output's size.
    m_layers.clear();
    active_layers(m_timeline, m_timeline.root, t, m_layers);
    if (m_layers.size() == 1 && m_layers[0].path.empty()) {
        const Item& it = *m_layers[0].item;
        bool plain = it.type == ItemType::clip && m_pool.has_picture(it.media) && it.opacity >= 1 &&
                     fade_factor(it, t) >= 1 && !it.crop &&
                     (!it.adjust ||
                      (it.adjust->brightness == 0 && it.adjust->contrast == 1 && it.adjust->saturation == 1));
        if (plain && it.transform) {
            const Transform& tr = *it.transform;
            plain = tr.x == 0 && tr.y == 0 && tr.width.value_or(o.width) == o.width &&
                    tr.height.value_or(o.height) == o.height && std::fmod(tr.rotation, 360.0) == 0 &&
                    !tr.flip_x && !tr.flip_y;
        }
        if (plain && m_pool.size(it.media) == std::pair<int, int>{o.width, o.height}) {
            std::shared_ptr<const Image> picture;
            try {
                picture = m_pool.picture(it.media, it.source_time(t), m_tick);
            } catch (const Error& e) {
                rethrow_at(m_timeline, it, e);
            }
            if (!picture->has_alpha()) {
                ++m_counters.direct_frames;
                ++m_counters.layers_drawn;
                account();
                return picture;
            }
        }
    }
    auto canvas = std::make_shared<Image>(o.width, o.height, false);
    canvas->fill(to_yuva(o.background));
    draw_tracks(*canvas, m_timeline.root, t, View{});
    account();
    return canvas;
}

void Compositor::draw_tracks(Image& canvas, const Composition& comp, const Rational& t, const View& view)
{
    for (const auto& track : comp.tracks) {
        if (track.kind != TrackKind::video || !track.enabled) continue;
        auto [first, last] = items_at(track, t);
        if (first == last) continue;
        if (last - first == 1) {
            if (first->enabled) draw_item(canvas, comp, *first, t, 1.0, view);
            continue;
        }
        // A transition: the incoming item (later start, with transition_in) dissolves or
        // wipes over the outgoing one. Both are drawn on clear layers and mixed, so the
        // dissolve is linear whatever their shapes, then the mix goes over the layers below.
        const Item& out = *first;
        const Item& in = *(first + 1);
        double w = 1;
        if (in.transition_in) w = ((t - in.start) / in.transition_in->duration).to_double();
        w = std::clamp(w, 0.0, 1.0);
        Image a(canvas.width(), canvas.height(), true), b(canvas.width(), canvas.height(), true);
        a.fill(transparent);
        b.fill(transparent);
        if (out.enabled) draw_item(a, comp, out, t, 1.0, view);
        if (in.enabled) draw_item(b, comp, in, t, 1.0, view);
        if (in.transition_in && in.transition_in->kind == TransitionKind::wipe)
            mix_varying(a, b, wipe_weights(*in.transition_in, comp, canvas, w, view),
                        in.transition_in->direction == WipeDirection::left ||
                            in.transition_in->direction == WipeDirection::right);
        else
            mix(a, b, w);
        blend(canvas, a, 0, 0, 1.0);
    }
}

std::shared_ptr<const Image> Compositor::composition_at(const Composition& comp, const Rational& t, int w,
                                                        int h, const View& view)
{
    auto uses = m_comp_uses.find(comp.name);
    bool shared = uses != m_comp_uses.end() && uses->second > 1;
    std::string key;
    if (shared) {
        char where[160];
        std::snprintf(where, sizeof where, "%dx%d:%.9g,%.9g,%.9g,%.9g", w, h, view.sx, view.sy, view.ox,
                      view.oy);
        key = "comp:" + comp.name + "@" + t.to_string() + ":" + where;
        if (auto hit = m_cache.find(key)) return hit;
    }
    auto img = std::make_shared<Image>(w, h, true);
    img->fill(comp.background ? to_yuva(*comp.background) : transparent);
    draw_tracks(*img, comp, t, view);
    ++m_counters.comps_rendered;
    std::shared_ptr<const Image> done = std::move(img);
    if (shared) m_cache.insert(key, done);
    return done;
}

void Compositor::draw_item(Image& canvas, const Composition& comp, const Item& it, const Rational& t,
                           double weight, const View& view)
{
    try {
        draw_layer(canvas, comp, it, t, weight, view);
    } catch (const Error& e) {
        rethrow_at(m_timeline, it, e);
    }
}

void Compositor::draw_layer(Image& canvas, const Composition& comp, const Item& it, const Rational& t,
                            double weight, const View& view)
{
    double opacity = it.opacity * fade_factor(it, t) * weight;
    if (opacity <= 0) return;
    if (it.type == ItemType::clip && !m_pool.has_picture(it.media)) return;  // sound only
    const Transform tr = it.transform.value_or(Transform{});
    Box box{tr.x, tr.y, tr.width.value_or(comp.width), tr.height.value_or(comp.height)};

    // The source picture's size first: clips are then fetched already cropped and scaled,
    // compositions drawn and colours filled at the size they are seen.
    std::shared_ptr<const Image> src;
    int src_w = 0, src_h = 0;
    switch (it.type) {
        case ItemType::clip: std::tie(src_w, src_h) = m_pool.size(it.media); break;
        case ItemType::image:  // a vector picture is drawn later, at the size it is seen
            if (m_pool.is_vector(it.media))
                std::tie(src_w, src_h) = m_pool.size(it.media);
            else
                src = m_pool.picture(it.media, Rational(0), m_tick);
            break;
        case ItemType::comp: {
            const Composition& inner = m_timeline.composition(it.comp);
            src_w = inner.width;
            src_h = inner.height;
            break;
        }
        case ItemType::color:  // a solid of the box's size, in the composition's pixels
            src_w = std::max(1, px(box.w));
            src_h = std::max(1, px(box.h));
            break;
    }
    if (src) {
        if (src->empty()) return;
        src_w = src->width();
        src_h = src->height();
    }
    ++m_counters.layers_drawn;

    // Crop, in source pixels.
    Rect from{0, 0, src_w, src_h};
    if (it.crop) {
        int l = px(it.crop->left), tp = px(it.crop->top), r = px(it.crop->right), b = px(it.crop->bottom);
        from = Rect{l, tp, src_w - l - r, src_h - tp - b}.intersect(from);
        if (from.empty()) return;
    }
    // Fit the cropped picture into the box (in the composition's units), then onto the
    // image drawn into.
    double sw = from.w, sh = from.h;
    Box dest = box;
    Fit fit = it.type == ItemType::color ? Fit::stretch : tr.fit;
    if (fit == Fit::contain || fit == Fit::cover) {
        double s = fit == Fit::contain ? std::min(box.w / sw, box.h / sh) : std::max(box.w / sw, box.h / sh);
        dest = {box.x + (box.w - sw * s) / 2, box.y + (box.h - sh * s) / 2, sw * s, sh * s};
    } else if (fit == Fit::none) {
        dest = {box.x + (box.w - sw) / 2, box.y + (box.h - sh) / 2, sw, sh};
    }
    auto on_view = [&view](const Box& b) {
        return Box{b.x * view.sx + view.ox, b.y * view.sy + view.oy, b.w * view.sx, b.h * view.sy};
    };
    box = on_view(box);
    dest = on_view(dest);
    Rect d{px(dest.x), px(dest.y), std::max(1, px(dest.w)), std::max(1, px(dest.h))};
    // What is visible: cover and none are cropped to the box; everything to the canvas,
    // or, rotated, to the part whose turn lands on the canvas.
    Rect visible = d;
    if (fit == Fit::cover || fit == Fit::none)
        visible = visible.intersect({px(box.x), px(box.y), px(box.w), px(box.h)});
    bool rotated = std::fmod(tr.rotation, 360.0) != 0;
    double pivot_x = box.x + tr.anchor_x * box.w, pivot_y = box.y + tr.anchor_y * box.h;
    double th = tr.rotation * M_PI / 180.0, c = std::cos(th), s = std::sin(th);
    if (!rotated) {
        visible = visible.intersect({0, 0, canvas.width(), canvas.height()});
    } else {
        // The canvas turned back about the pivot: what lies outside it is never seen.
        double x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18;
        for (double qx : {0.0, double(canvas.width())})
            for (double qy : {0.0, double(canvas.height())}) {
                double lx = c * (qx - pivot_x) + s * (qy - pivot_y) + pivot_x;
                double ly = -s * (qx - pivot_x) + c * (qy - pivot_y) + pivot_y;
                x0 = std::min(x0, lx), y0 = std::min(y0, ly), x1 = std::max(x1, lx), y1 = std::max(y1, ly);
            }
        visible = visible.intersect({px(std::floor(x0)), px(std::floor(y0)),
                                     px(std::ceil(x1 - std::floor(x0))), px(std::ceil(y1 - std::floor(y0)))});
    }
    if (visible.empty()) return;
    // A flipped picture shows at `visible` what the unflipped one has at its mirror image
    // in the destination box: fetch that, then mirror it.
    bool flip_x = tr.flip_x && it.type != ItemType::color, flip_y = tr.flip_y && it.type != ItemType::color;
    Rect fetch = visible;
    if (flip_x) fetch.x = 2 * d.x + d.w - visible.x - visible.w;
    if (flip_y) fetch.y = 2 * d.y + d.h - visible.y - visible.h;
    // The part of the source that lands in `fetch`.
    double kx = from.w / double(d.w), ky = from.h / double(d.h);
    Rect src_part{from.x + int(std::floor((fetch.x - d.x) * kx)),
                  from.y + int(std::floor((fetch.y - d.y) * ky)), std::max(1, px(fetch.w * kx)),
                  std::max(1, px(fetch.h * ky))};
    src_part = src_part.intersect({0, 0, src_w, src_h});
    if (src_part.empty()) return;

    std::shared_ptr<const Image> picture = visible_picture(it, t, src, from, d, fetch, src_part);
    if (flip_x || flip_y) picture = std::make_shared<const Image>(flipped(*picture, flip_x, flip_y));
    bool adjust =
        it.adjust && (it.adjust->brightness != 0 || it.adjust->contrast != 1 || it.adjust->saturation != 1);
    if (adjust) {
        auto adjusted = std::make_shared<Image>(picture->clone());
        adjust_color(*adjusted, it.adjust->brightness, it.adjust->contrast, it.adjust->saturation);
        picture = adjusted;
    }
    if (!rotated) {
        blend(canvas, *picture, visible.x, visible.y, opacity);
        return;
    }
    // Rotation (clockwise, y down) about the pivot, the box's anchor point.
    // Forward: q = R (p - P) + P with p in canvas space, p = local + visible.xy.
    // Inverse for sampling: local = R^-1 (q - P) + P - visible.xy.
    Affine inv{c,  s, -c * pivot_x - s * pivot_y + pivot_x - visible.x,
               -s, c, s * pivot_x - c * pivot_y + pivot_y - visible.y};
    double xs[4] = {double(visible.x), double(visible.x + visible.w), double(visible.x),
                    double(visible.x + visible.w)};
    double ys[4] = {double(visible.y), double(visible.y), double(visible.y + visible.h),
                    double(visible.y + visible.h)};
    double x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18;
    for (int i = 0; i < 4; ++i) {
        double qx = c * (xs[i] - pivot_x) - s * (ys[i] - pivot_y) + pivot_x;
        double qy = s * (xs[i] - pivot_x) + c * (ys[i] - pivot_y) + pivot_y;
        x0 = std::min(x0, qx);
        y0 = std::min(y0, qy);
        x1 = std::max(x1, qx);
        y1 = std::max(y1, qy);
    }
    Rect bounds{int(std::floor(x0)), int(std::floor(y0)), int(std::ceil(x1)) - int(std::floor(x0)),
                int(std::ceil(y1)) - int(std::floor(y0))};
    blend_affine(canvas, *picture, inv, bounds, opacity);
}

std::shared_ptr<const Image> Compositor::visible_picture(const Item& it, const Rational& t,
                                                         const std::shared_ptr<const Image>& src,
                                                         const Rect& from, const Rect& d, const Rect& visible,
                                                         const Rect& src_part)
{
    switch (it.type) {
        case ItemType::clip:  // decoded, cropped and scaled in one conversion
            return m_pool.picture(it.media, it.source_time(t), m_tick, src_part, visible.w, visible.h);
        case ItemType::comp: {
            // Drawn straight into the visible part: composition x lands at
            // d.x + (x - from.x) × d.w / from.w on the canvas.
            View inner;
            inner.sx = double(d.w) / from.w;
            inner.sy = double(d.h) / from.h;
            inner.ox = d.x - visible.x - from.x * inner.sx;
            inner.oy = d.y - visible.y - from.y * inner.sy;
            return composition_at(m_timeline.composition(it.comp), it.source_time(t), visible.w, visible.h,
                                  inner);
        }
        case ItemType::color: {
            std::string key = "color:" + it.color.to_string() + ":" + std::to_string(visible.w) + "x" +
                              std::to_string(visible.h);
            auto solid = m_cache.find(key);
            if (!solid) {
                auto made = std::make_shared<Image>(visible.w, visible.h, it.color.a != 255);
                made->fill(to_yuva(it.color));
                solid = made;
                m_cache.insert(key, solid);
            }
            return solid;
        }
        case ItemType::image: break;
    }
    if (!src) {
        // A vector still (SVG), rasterised whole at the scale of the box it is drawn into,
        // then the visible part taken 1:1.
        auto [sw, sh] = m_pool.size(it.media);
        double kx = double(d.w) / from.w, ky = double(d.h) / from.h;
        int rw = std::max(1, px(sw * kx)), rh = std::max(1, px(sh * ky));
        std::string key = "svg:" + it.media + ":" + std::to_string(rw) + "x" + std::to_string(rh);
        auto raster = m_cache.find(key);
        if (!raster) {
            raster = m_pool.raster(it.media, rw, rh);
            m_cache.insert(key, raster);
        }
        Rect part =
            Rect{visible.x - d.x + px(from.x * kx), visible.y - d.y + px(from.y * ky), visible.w, visible.h}
                .intersect({0, 0, raster->width(), raster->height()});
        if (part.empty()) part = {0, 0, raster->width(), raster->height()};
        if (part == Rect{0, 0, raster->width(), raster->height()}) return raster;
        return std::make_shared<const Image>(scale(*raster, part, visible.w, visible.h));
    }
    if (src_part == Rect{0, 0, src->width(), src->height()} && visible.w == src->width() &&
        visible.h == src->height())
        return src;
    // Stills keep their scaled copies.
    std::string key = "still:" + it.media + ":" + std::to_string(src_part.x) + "," +
                      std::to_string(src_part.y) + "," + std::to_string(src_part.w) + "," +
                      std::to_string(src_part.h) + ":" + std::to_string(visible.w) + "x" +
                      std::to_string(visible.h);
    auto picture = m_cache.find(key);
    if (!picture) {
        picture = std::make_shared<const Image>(scale(*src, src_part, visible.w, visible.h));
        m_cache.insert(key, picture);
    }
    return picture;
}

}  // namespace reel
