// SPDX-License-Identifier: Apache-2.0
#include "image/image.h"
#include "image/detail/pixel.h"
#include "image/detail/rows.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace reel {
namespace {

using detail::clamp8;
using detail::div255;
using detail::over;

}  // namespace

Yuva rgb_to_yuva(std::uint8_t r, std::uint8_t g, std::uint8_t b, std::uint8_t a)
{
    // BT.709: Kr = 0.2126, Kb = 0.0722; limited range.
    double R = r / 255.0, G = g / 255.0, B = b / 255.0;
    double Y = 0.2126 * R + 0.7152 * G + 0.0722 * B;
    double Cb = (B - Y) / 1.8556;
    double Cr = (R - Y) / 1.5748;
    return {clamp8(int(std::lround(16 + 219 * Y))), clamp8(int(std::lround(128 + 224 * Cb))),
            clamp8(int(std::lround(128 + 224 * Cr))), a};
}

Rect Rect::intersect(const Rect& o) const noexcept
{
    int x0 = std::max(x, o.x), y0 = std::max(y, o.y);
    int x1 = std::min(x + w, o.x + o.w), y1 = std::min(y + h, o.y + o.h);
    return {x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)};
}

Image::Image(int width, int height, bool alpha) : m_width(width), m_height(height), m_alpha(alpha)
{
    std::size_t luma = std::size_t(width) * std::size_t(height);
    std::size_t chroma = std::size_t(chroma_width()) * std::size_t(chroma_height());
    m_size = luma + 2 * chroma + (alpha ? luma : 0);
    m_data.reset(new std::uint8_t[m_size]);
    m_planes[0] = m_data.get();
    m_planes[1] = m_planes[0] + luma;
    m_planes[2] = m_planes[1] + chroma;
    m_planes[3] = alpha ? m_planes[2] + chroma : nullptr;
    m_strides[0] = m_strides[3] = width;
    m_strides[1] = m_strides[2] = chroma_width();
    if (!alpha) m_strides[3] = 0;
}

Image::Image(int width, int height, std::uint8_t* const planes[3], const int strides[3],
             std::shared_ptr<void> owner)
    : m_width(width), m_height(height), m_owner(std::move(owner))
{
    for (int i = 0; i < 3; ++i) {
        m_planes[i] = planes[i];
        m_strides[i] = strides[i];
    }
    m_size = std::size_t(width) * std::size_t(height) * 3 / 2;
}

namespace {

/// Copies plane p of `from` into `to` row by row (strides may differ).
void copy_plane(const Image& from, Image& to, int p)
{
    int w = p == 1 || p == 2 ? from.chroma_width() : from.width();
    int h = p == 1 || p == 2 ? from.chroma_height() : from.height();
    for (int y = 0; y < h; ++y)
        std::memcpy(to.plane(p) + std::size_t(y) * to.stride(p),
                    from.plane(p) + std::size_t(y) * from.stride(p), std::size_t(w));
}

}  // namespace

Image Image::clone() const
{
    Image out(m_width, m_height, m_alpha);
    for (int p = 0; p < (m_alpha ? 4 : 3); ++p) copy_plane(*this, out, p);
    return out;
}

void Image::fill(const Yuva& c)
{
    const std::uint8_t values[4] = {c.y, c.u, c.v, c.a};
    for (int p = 0; p < (m_alpha ? 4 : 3); ++p) {
        int w = p == 1 || p == 2 ? chroma_width() : m_width;
        int h = p == 1 || p == 2 ? chroma_height() : m_height;
        for (int y = 0; y < h; ++y)
            std::memset(plane(p) + std::size_t(y) * stride(p), values[p], std::size_t(w));
    }
}

void Image::add_alpha()
{
    if (m_alpha) return;
    Image grown(m_width, m_height, true);
    for (int p = 0; p < 3; ++p) copy_plane(*this, grown, p);
    for (int y = 0; y < m_height; ++y)
        std::memset(grown.plane(3) + std::size_t(y) * grown.stride(3), 255, std::size_t(m_width));
    *this = std::move(grown);
}

void blend(Image& dst, const Image& src, int x, int y, double opacity)
{
    Rect area = Rect{x, y, src.width(), src.height()}.intersect({0, 0, dst.width(), dst.height()});
    if (area.empty() || opacity <= 0) return;
    int op = int(std::lround(std::clamp(opacity, 0.0, 1.0) * 255));
    auto src_alpha = [&](int lx, int ly) {
        int sx = lx - x, sy = ly - y;
        if (sx < 0 || sy < 0 || sx >= src.width() || sy >= src.height()) return 0;
        return src.has_alpha() ? div255(src.plane(3)[std::size_t(sy) * src.stride(3) + sx] * op) : op;
    };
    // Fast path: an opaque-alpha source at an even position over an opaque canvas; every
    // chroma sample inside is covered by four luma samples of the same alpha.
    if (!src.has_alpha() && !dst.has_alpha() && (x & 1) == 0 && (y & 1) == 0) {
        int cx0 = area.x / 2, cy0 = area.y / 2;
        int cx1 = (area.x + area.w + 1) / 2, cy1 = (area.y + area.h + 1) / 2;
        for (int p = 1; p <= 2; ++p)
            for (int cy = cy0; cy < cy1; ++cy) {
                std::uint8_t* drow = dst.plane(p) + std::size_t(cy) * dst.stride(p);
                const std::uint8_t* srow = src.plane(p) + std::size_t(cy - y / 2) * src.stride(p) - x / 2;
                if (op == 255)
                    std::memcpy(drow + cx0, srow + cx0, std::size_t(cx1 - cx0));
                else
                    detail::blend_row(drow + cx0, nullptr, srow + cx0, nullptr, cx1 - cx0, op);
            }
        for (int row = area.y; row < area.y + area.h; ++row) {
            std::uint8_t* dy = dst.plane(0) + std::size_t(row) * dst.stride(0);
            const std::uint8_t* sy = src.plane(0) + std::size_t(row - y) * src.stride(0) - x;
            if (op == 255)
                std::memcpy(dy + area.x, sy + area.x, std::size_t(area.w));
            else
                detail::blend_row(dy + area.x, nullptr, sy + area.x, nullptr, area.w, op);
        }
        return;
    }
    // Chroma first, while the destination's alpha is still the one it blends over. Each
    // chroma sample covers a 2x2 block of luma; its alphas are the block's means.
    auto chroma_sample = [&](int cx, int cy, int sy) {
        int sx = std::clamp((2 * cx - x) / 2, 0, src.chroma_width() - 1);
        int sum = 0, dsum = 0, n = 0;
        for (int j = 0; j < 2; ++j)
            for (int i = 0; i < 2; ++i) {
                int lx = 2 * cx + i, ly = 2 * cy + j;
                if (lx >= dst.width() || ly >= dst.height()) continue;
                sum += src_alpha(lx, ly);
                if (dst.has_alpha()) dsum += dst.plane(3)[std::size_t(ly) * dst.stride(3) + lx];
                ++n;
            }
        if (n == 0) return;
        int sa = (sum + n / 2) / n;
        if (sa == 0) return;
        std::size_t di = std::size_t(cy) * dst.stride(1) + cx;
        std::size_t si = std::size_t(sy) * src.stride(1) + sx;
        if (!dst.has_alpha()) {
            over(dst.plane(1)[di], nullptr, src.plane(1)[si], sa);
            over(dst.plane(2)[di], nullptr, src.plane(2)[si], sa);
        } else {
            std::uint8_t da = static_cast<std::uint8_t>((dsum + n / 2) / n);
            over(dst.plane(1)[di], &da, src.plane(1)[si], sa);
            over(dst.plane(2)[di], &da, src.plane(2)[si], sa);
        }
    };
    // Luma row ly, column lx lies inside both pictures.
    auto inside_row = [&](int ly) { return ly < dst.height() && ly - y >= 0 && ly - y < src.height(); };
    auto inside_col = [&](int lx) { return lx < dst.width() && lx - x >= 0 && lx - x < src.width(); };
    int cx0 = area.x / 2, cy0 = area.y / 2;
    int cx1 = (area.x + area.w + 1) / 2, cy1 = (area.y + area.h + 1) / 2;
    for (int cy = cy0; cy < cy1; ++cy) {
        int sy = std::clamp((2 * cy - y) / 2, 0, src.chroma_height() - 1);
        // The samples whose 2x2 blocks lie inside both pictures go by rows; the edges (at
        // most one sample at either end, or a whole edge row) one by one.
        int ix0 = cx1, ix1 = cx1;
        if (inside_row(2 * cy) && inside_row(2 * cy + 1)) {
            auto inside = [&](int cx) { return inside_col(2 * cx) && inside_col(2 * cx + 1); };
            ix0 = cx0;
            while (ix0 < cx1 && !inside(ix0)) ++ix0;
            while (ix1 > ix0 && !inside(ix1 - 1)) --ix1;
        }
        for (int cx = cx0; cx < ix0; ++cx) chroma_sample(cx, cy, sy);
        if (ix1 > ix0) {
            int ly = 2 * cy;
            std::size_t di = std::size_t(cy) * dst.stride(1) + ix0;
            std::size_t si = std::size_t(sy) * src.stride(1) + (2 * ix0 - x) / 2;
            const std::uint8_t* sa0 = src.has_alpha()
                                          ? src.plane(3) + std::size_t(ly - y) * src.stride(3) + (2 * ix0 - x)
                                          : nullptr;
            const std::uint8_t* da0 =
                dst.has_alpha() ? dst.plane(3) + std::size_t(ly) * dst.stride(3) + 2 * ix0 : nullptr;
            detail::blend_chroma_row(dst.plane(1) + di, dst.plane(2) + di, src.plane(1) + si,
                                     src.plane(2) + si, sa0, sa0 ? sa0 + src.stride(3) : nullptr, da0,
                                     da0 ? da0 + dst.stride(3) : nullptr, ix1 - ix0, op);
        }
        for (int cx = ix1; cx < cx1; ++cx) chroma_sample(cx, cy, sy);
    }
    // Luma and alpha.
    bool opaque_copy = op == 255 && !src.has_alpha() && !dst.has_alpha();
    for (int row = area.y; row < area.y + area.h; ++row) {
        std::uint8_t* dy = dst.plane(0) + std::size_t(row) * dst.stride(0);
        std::uint8_t* dalpha = dst.has_alpha() ? dst.plane(3) + std::size_t(row) * dst.stride(3) : nullptr;
        const std::uint8_t* sy = src.plane(0) + std::size_t(row - y) * src.stride(0);
        const std::uint8_t* salpha =
            src.has_alpha() ? src.plane(3) + std::size_t(row - y) * src.stride(3) : nullptr;
        if (opaque_copy) {
            std::memcpy(dy + area.x, sy + (area.x - x), std::size_t(area.w));
            continue;
        }
        detail::blend_row(dy + area.x, dalpha ? dalpha + area.x : nullptr, sy + (area.x - x),
                          salpha ? salpha + (area.x - x) : nullptr, area.w, op);
    }
}

void fill_rect(Image& dst, const Rect& rect, const Yuva& c, double opacity)
{
    Rect area = rect.intersect({0, 0, dst.width(), dst.height()});
    if (area.empty()) return;
    Image solid(area.w + (area.x & 1), area.h + (area.y & 1), c.a != 255);
    solid.fill(c);
    // Keep chroma siting aligned: start the solid on an even coordinate and mask the
    // extra column/row with zero alpha.
    if ((area.x & 1) || (area.y & 1)) {
        solid.add_alpha();
        for (int row = 0; row < solid.height(); ++row)
            for (int col = 0; col < solid.width(); ++col)
                if ((area.x & 1 && col == 0) || (area.y & 1 && row == 0))
                    solid.plane(3)[std::size_t(row) * solid.stride(3) + col] = 0;
    }
    blend(dst, solid, area.x - (area.x & 1), area.y - (area.y & 1), opacity);
}

namespace {

/// Bilinear sample at (x, y), clamped to the region [x0, x1] x [y0, y1] (inclusive pixel
/// indices), so nothing outside a crop bleeds in.
inline int sample_bilinear(const std::uint8_t* p, int stride, int x0r, int y0r, int x1r, int y1r, double x,
                           double y)
{
    x = std::clamp(x, double(x0r), double(x1r));
    y = std::clamp(y, double(y0r), double(y1r));
    int x0 = int(x), y0 = int(y);
    int x1 = std::min(x0 + 1, x1r), y1 = std::min(y0 + 1, y1r);
    double fx = x - x0, fy = y - y0;
    double top = p[std::size_t(y0) * stride + x0] * (1 - fx) + p[std::size_t(y0) * stride + x1] * fx;
    double bottom = p[std::size_t(y1) * stride + x0] * (1 - fx) + p[std::size_t(y1) * stride + x1] * fx;
    return int(top * (1 - fy) + bottom * fy + 0.5);
}

inline int sample_bilinear(const std::uint8_t* p, int stride, int w, int h, double x, double y)
{
    return sample_bilinear(p, stride, 0, 0, w - 1, h - 1, x, y);
}

}  // namespace

void blend_affine(Image& dst, const Image& src, const Affine& m, const Rect& bounds, double opacity)
{
    Rect area = bounds.intersect({0, 0, dst.width(), dst.height()});
    if (area.empty() || opacity <= 0) return;
    // Resample into a transparent layer the size of `area`, then blend it.
    Image layer(area.w + (area.x & 1), area.h + (area.y & 1), true);
    layer.fill({16, 128, 128, 0});
    int ox = area.x - (area.x & 1), oy = area.y - (area.y & 1);
    for (int row = 0; row < layer.height(); ++row)
        for (int col = 0; col < layer.width(); ++col) {
            double dx = ox + col + 0.5, dy = oy + row + 0.5;
            double sx = m.a * dx + m.b * dy + m.c, sy = m.d * dx + m.e * dy + m.f;
            if (sx < 0 || sy < 0 || sx >= src.width() || sy >= src.height()) continue;
            std::size_t i = std::size_t(row) * layer.stride(0) + col;
            layer.plane(0)[i] = clamp8(
                sample_bilinear(src.plane(0), src.stride(0), src.width(), src.height(), sx - 0.5, sy - 0.5));
            layer.plane(3)[i] = src.has_alpha()
                                    ? clamp8(sample_bilinear(src.plane(3), src.stride(3), src.width(),
                                                             src.height(), sx - 0.5, sy - 0.5))
                                    : 255;
        }
    for (int row = 0; row < layer.chroma_height(); ++row)
        for (int col = 0; col < layer.chroma_width(); ++col) {
            double dx = ox + 2 * col + 1.0, dy = oy + 2 * row + 1.0;
            double sx = m.a * dx + m.b * dy + m.c, sy = m.d * dx + m.e * dy + m.f;
            std::size_t i = std::size_t(row) * layer.stride(1) + col;
            double cx = sx / 2 - 0.5, cy = sy / 2 - 0.5;
            layer.plane(1)[i] = clamp8(sample_bilinear(src.plane(1), src.stride(1), src.chroma_width(),
                                                       src.chroma_height(), cx, cy));
            layer.plane(2)[i] = clamp8(sample_bilinear(src.plane(2), src.stride(2), src.chroma_width(),
                                                       src.chroma_height(), cx, cy));
        }
    blend(dst, layer, ox, oy, opacity);
}

namespace {

/// Resamples one plane region [fx, fx+fw) x [fy, fy+fh) of src to w x h: bilinear, with a
/// box prefilter when shrinking (each output sample averages the source footprint).
void scale_plane(const std::uint8_t* src, int sstride, int sw, int sh, double fx, double fy, double fw,
                 double fh, std::uint8_t* dst, int dstride, int w, int h)
{
    // The region's pixel bounds: samples never reach outside it.
    int bx0 = std::clamp(int(std::floor(fx)), 0, sw - 1), by0 = std::clamp(int(std::floor(fy)), 0, sh - 1);
    int bx1 = std::clamp(int(std::ceil(fx + fw)) - 1, bx0, sw - 1),
        by1 = std::clamp(int(std::ceil(fy + fh)) - 1, by0, sh - 1);
    double rx = fw / w, ry = fh / h;
    if (rx <= 1.0 && ry <= 1.0) {
        for (int row = 0; row < h; ++row) {
            double sy = fy + (row + 0.5) * ry - 0.5;
            for (int col = 0; col < w; ++col) {
                double sx = fx + (col + 0.5) * rx - 0.5;
                dst[std::size_t(row) * dstride + col] =
                    clamp8(sample_bilinear(src, sstride, bx0, by0, bx1, by1, sx, sy));
            }
        }
        return;
    }
    // Shrinking: average the source pixels whose centres fall in the footprint.
    for (int row = 0; row < h; ++row) {
        int y0 = std::clamp(int(std::floor(fy + row * ry)), by0, by1);
        int y1 = std::clamp(int(std::ceil(fy + (row + 1) * ry)), y0 + 1, by1 + 1);
        for (int col = 0; col < w; ++col) {
            int x0 = std::clamp(int(std::floor(fx + col * rx)), bx0, bx1);
            int x1 = std::clamp(int(std::ceil(fx + (col + 1) * rx)), x0 + 1, bx1 + 1);
            int sum = 0;
            for (int y = y0; y < y1; ++y) {
                const std::uint8_t* line = src + std::size_t(y) * sstride;
                for (int x = x0; x < x1; ++x) sum += line[x];
            }
            int n = (y1 - y0) * (x1 - x0);
            dst[std::size_t(row) * dstride + col] = clamp8((sum + n / 2) / n);
        }
    }
}

}  // namespace

Image scale(const Image& src, const Rect& from, int w, int h)
{
    Image out(w, h, src.has_alpha());
    scale_plane(src.plane(0), src.stride(0), src.width(), src.height(), from.x, from.y, from.w, from.h,
                out.plane(0), out.stride(0), w, h);
    if (src.has_alpha())
        scale_plane(src.plane(3), src.stride(3), src.width(), src.height(), from.x, from.y, from.w, from.h,
                    out.plane(3), out.stride(3), w, h);
    for (int p = 1; p <= 2; ++p)
        scale_plane(src.plane(p), src.stride(p), src.chroma_width(), src.chroma_height(), from.x / 2.0,
                    from.y / 2.0, from.w / 2.0, from.h / 2.0, out.plane(p), out.stride(p), out.chroma_width(),
                    out.chroma_height());
    return out;
}

void adjust_color(Image& img, double brightness, double contrast, double saturation)
{
    if (brightness == 0 && contrast == 1 && saturation == 1) return;
    std::uint8_t lut_y[256], lut_c[256];
    for (int v = 0; v < 256; ++v) {
        lut_y[v] = clamp8(int(std::lround(125.5 + (v - 125.5) * contrast + brightness * 219)));
        lut_y[v] = std::clamp<std::uint8_t>(lut_y[v], 16, 235);
        lut_c[v] = std::clamp<std::uint8_t>(clamp8(int(std::lround(128 + (v - 128) * saturation))), 16, 240);
    }
    for (int y = 0; y < img.height(); ++y) {
        std::uint8_t* row = img.plane(0) + std::size_t(y) * img.stride(0);
        for (int x = 0; x < img.width(); ++x) row[x] = lut_y[row[x]];
    }
    for (int p = 1; p <= 2; ++p)
        for (int y = 0; y < img.chroma_height(); ++y) {
            std::uint8_t* row = img.plane(p) + std::size_t(y) * img.stride(p);
            for (int x = 0; x < img.chroma_width(); ++x) row[x] = lut_c[row[x]];
        }
}

void mix(Image& a, const Image& b, double w)
{
    int wb = int(std::lround(std::clamp(w, 0.0, 1.0) * 255)), wa = 255 - wb;
    auto alpha_row = [](const Image& img, int y) {
        return img.has_alpha() ? img.plane(3) + std::size_t(y) * img.stride(3) : nullptr;
    };
    // Chroma first (weights need both inputs' alphas before a's alpha changes); a chroma
    // sample weighs by the alphas of its block's top-left luma sample.
    for (int y = 0; y < a.chroma_height(); ++y) {
        int ly = std::min(2 * y, a.height() - 1);
        std::size_t i = std::size_t(y) * a.stride(1), j = std::size_t(y) * b.stride(1);
        detail::mix_chroma_row(a.plane(1) + i, a.plane(2) + i, b.plane(1) + j, b.plane(2) + j,
                               alpha_row(a, ly), alpha_row(b, ly), a.chroma_width(), wa, wb);
    }
    if (!a.has_alpha()) a.add_alpha();
    for (int y = 0; y < a.height(); ++y)
        detail::mix_row(a.plane(0) + std::size_t(y) * a.stride(0), a.plane(3) + std::size_t(y) * a.stride(3),
                        b.plane(0) + std::size_t(y) * b.stride(0), alpha_row(b, y), a.width(), wa, wb);
}

void mix_varying(Image& a, const Image& b, const std::vector<std::uint8_t>& weights, bool per_column)
{
    auto alpha_row = [](const Image& img, int y) {
        return img.has_alpha() ? img.plane(3) + std::size_t(y) * img.stride(3) : nullptr;
    };
    auto weight = [&](int luma) {
        return int(weights[std::size_t(std::min(luma, int(weights.size()) - 1))]);
    };
    // Runs of columns of one weight share a row call; rows of one weight are one call.
    auto runs = [&](int n, int scale, auto&& f) {
        for (int i = 0; i < n;) {
            int w = weight(i * scale), j = i + 1;
            while (j < n && weight(j * scale) == w) ++j;
            f(i, j - i, w);
            i = j;
        }
    };
    for (int y = 0; y < a.chroma_height(); ++y) {  // chroma first, as mix()
        int ly = std::min(2 * y, a.height() - 1);
        std::size_t i = std::size_t(y) * a.stride(1), j = std::size_t(y) * b.stride(1);
        const std::uint8_t *aa = alpha_row(a, ly), *ba = alpha_row(b, ly);
        auto chroma = [&](int x, int n, int wb) {
            detail::mix_chroma_row(a.plane(1) + i + x, a.plane(2) + i + x, b.plane(1) + j + x,
                                   b.plane(2) + j + x, aa ? aa + 2 * x : nullptr, ba ? ba + 2 * x : nullptr,
                                   n, 255 - wb, wb);
        };
        if (per_column)
            runs(a.chroma_width(), 2, chroma);
        else
            chroma(0, a.chroma_width(), weight(ly));
    }
    if (!a.has_alpha()) a.add_alpha();
    for (int y = 0; y < a.height(); ++y) {
        std::uint8_t* ay = a.plane(0) + std::size_t(y) * a.stride(0);
        std::uint8_t* aa = a.plane(3) + std::size_t(y) * a.stride(3);
        const std::uint8_t* by = b.plane(0) + std::size_t(y) * b.stride(0);
        const std::uint8_t* ba = alpha_row(b, y);
        auto luma = [&](int x, int n, int wb) {
            detail::mix_row(ay + x, aa + x, by + x, ba ? ba + x : nullptr, n, 255 - wb, wb);
        };
        if (per_column)
            runs(a.width(), 1, luma);
        else
            luma(0, a.width(), weight(y));
    }
}

Image flipped(const Image& src, bool x, bool y)
{
    Image out(src.width(), src.height(), src.has_alpha());
    auto copy = [&](int p, int w, int h) {
        for (int r = 0; r < h; ++r) {
            const std::uint8_t* s = src.plane(p) + std::size_t(y ? h - 1 - r : r) * src.stride(p);
            std::uint8_t* d = out.plane(p) + std::size_t(r) * out.stride(p);
            if (x)
                std::reverse_copy(s, s + w, d);
            else
                std::copy(s, s + w, d);
        }
    };
    copy(0, src.width(), src.height());
    copy(1, src.chroma_width(), src.chroma_height());
    copy(2, src.chroma_width(), src.chroma_height());
    if (src.has_alpha()) copy(3, src.width(), src.height());
    return out;
}

}  // namespace reel
