// SPDX-License-Identifier: Apache-2.0
// blend(), fill_rect() and mix() give the same bytes on every SIMD target this CPU has
// (Highway's dynamic dispatch, forced target by target, the scalar baseline included) as
// the scalar code they replaced, kept below verbatim as the reference. Pictures have odd
// sizes and odd positions, so the vector loops' tails and the picture edges are covered.
#include "image/image.h"

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace reel;

namespace ref {

// --- lib/image/image.cpp before the SIMD row loops (commit d0aa04d), unchanged ---------

inline std::uint8_t clamp8(int v)
{
    return static_cast<std::uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}
inline int div255(int v)
{
    return (v + 127) / 255;
}

inline void over(std::uint8_t& d, std::uint8_t* da, int s, int sa)
{
    if (!da) {
        d = static_cast<std::uint8_t>(div255(s * sa + d * (255 - sa)));
        return;
    }
    int dst_a = *da;
    int out_a = sa + div255(dst_a * (255 - sa));
    if (out_a == 0) return;
    int num = s * sa + div255(d * dst_a * (255 - sa));
    d = clamp8((num + out_a / 2) / out_a);
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
    if (!src.has_alpha() && !dst.has_alpha() && (x & 1) == 0 && (y & 1) == 0) {
        int cx0 = area.x / 2, cy0 = area.y / 2;
        int cx1 = (area.x + area.w + 1) / 2, cy1 = (area.y + area.h + 1) / 2;
        for (int p = 1; p <= 2; ++p)
            for (int cy = cy0; cy < cy1; ++cy) {
                std::uint8_t* drow = dst.plane(p) + std::size_t(cy) * dst.stride(p);
                const std::uint8_t* srow = src.plane(p) + std::size_t(cy - y / 2) * src.stride(p) - x / 2;
                if (op == 255) {
                    std::memcpy(drow + cx0, srow + cx0, std::size_t(cx1 - cx0));
                } else {
                    for (int cx = cx0; cx < cx1; ++cx)
                        drow[cx] = static_cast<std::uint8_t>(div255(srow[cx] * op + drow[cx] * (255 - op)));
                }
            }
        for (int row = area.y; row < area.y + area.h; ++row) {
            std::uint8_t* dy = dst.plane(0) + std::size_t(row) * dst.stride(0);
            const std::uint8_t* sy = src.plane(0) + std::size_t(row - y) * src.stride(0) - x;
            if (op == 255) {
                std::memcpy(dy + area.x, sy + area.x, std::size_t(area.w));
            } else {
                for (int col = area.x; col < area.x + area.w; ++col)
                    dy[col] = static_cast<std::uint8_t>(div255(sy[col] * op + dy[col] * (255 - op)));
            }
        }
        return;
    }
    int cx0 = area.x / 2, cy0 = area.y / 2;
    int cx1 = (area.x + area.w + 1) / 2, cy1 = (area.y + area.h + 1) / 2;
    for (int cy = cy0; cy < cy1; ++cy) {
        int sy = std::clamp((2 * cy - y) / 2, 0, src.chroma_height() - 1);
        for (int cx = cx0; cx < cx1; ++cx) {
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
            if (n == 0) continue;
            int sa = (sum + n / 2) / n;
            if (sa == 0) continue;
            std::size_t di = std::size_t(cy) * dst.stride(1) + cx;
            std::size_t si = std::size_t(sy) * src.stride(1) + sx;
            if (!dst.has_alpha()) {
                over(dst.plane(1)[di], nullptr, src.plane(1)[si], sa);
                over(dst.plane(2)[di], nullptr, src.plane(2)[si], sa);
            } else {
                std::uint8_t da = static_cast<std::uint8_t>((dsum + n / 2) / n), da2 = da;
                over(dst.plane(1)[di], &da, src.plane(1)[si], sa);
                over(dst.plane(2)[di], &da2, src.plane(2)[si], sa);
            }
        }
    }
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
        for (int col = area.x; col < area.x + area.w; ++col) {
            int sa = salpha ? div255(salpha[col - x] * op) : op;
            if (sa == 0) continue;
            over(dy[col], dalpha ? dalpha + col : nullptr, sy[col - x], sa);
            if (dalpha) dalpha[col] = clamp8(sa + div255(dalpha[col] * (255 - sa)));
        }
    }
}

void fill_rect(Image& dst, const Rect& rect, const Yuva& c, double opacity)
{
    Rect area = rect.intersect({0, 0, dst.width(), dst.height()});
    if (area.empty()) return;
    Image solid(area.w + (area.x & 1), area.h + (area.y & 1), c.a != 255);
    solid.fill(c);
    if ((area.x & 1) || (area.y & 1)) {
        solid.add_alpha();
        for (int row = 0; row < solid.height(); ++row)
            for (int col = 0; col < solid.width(); ++col)
                if ((area.x & 1 && col == 0) || (area.y & 1 && row == 0))
                    solid.plane(3)[std::size_t(row) * solid.stride(3) + col] = 0;
    }
    ref::blend(dst, solid, area.x - (area.x & 1), area.y - (area.y & 1), opacity);
}

void mix(Image& a, const Image& b, double w)
{
    int wb = int(std::lround(std::clamp(w, 0.0, 1.0) * 255)), wa = 255 - wb;
    auto alpha_at = [](const Image& img, int x, int y) {
        return img.has_alpha() ? int(img.plane(3)[std::size_t(y) * img.stride(3) + x]) : 255;
    };
    for (int y = 0; y < a.chroma_height(); ++y)
        for (int x = 0; x < a.chroma_width(); ++x) {
            int lx = std::min(2 * x, a.width() - 1), ly = std::min(2 * y, a.height() - 1);
            int ta = alpha_at(a, lx, ly) * wa, tb = alpha_at(b, lx, ly) * wb;
            int out = ta + tb;
            if (out == 0) continue;
            std::size_t i = std::size_t(y) * a.stride(1) + x;
            std::size_t j = std::size_t(y) * b.stride(1) + x;
            for (int p = 1; p <= 2; ++p)
                a.plane(p)[i] = clamp8((a.plane(p)[i] * ta + b.plane(p)[j] * tb + out / 2) / out);
        }
    if (!a.has_alpha()) a.add_alpha();
    for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width(); ++x) {
            int ta = alpha_at(a, x, y) * wa, tb = alpha_at(b, x, y) * wb;
            int out = ta + tb;
            std::size_t i = std::size_t(y) * a.stride(0) + x;
            if (out > 0)
                a.plane(0)[i] = clamp8(
                    (a.plane(0)[i] * ta + b.plane(0)[std::size_t(y) * b.stride(0) + x] * tb + out / 2) / out);
            a.plane(3)[i] = clamp8(div255(out));
        }
}

}  // namespace ref

namespace {

/// Every sample random, alpha included: a third of the alpha runs 0, a third 255, a third
/// anything, so the skip, copy and divide cases all occur inside one vector.
Image random_image(int w, int h, bool alpha, std::mt19937& rng)
{
    Image img(w, h, alpha);
    std::uniform_int_distribution<int> byte(0, 255), kind(0, 2);
    for (int p = 0; p < 3; ++p) {
        int pw = p == 0 ? w : img.chroma_width(), ph = p == 0 ? h : img.chroma_height();
        for (int y = 0; y < ph; ++y)
            for (int x = 0; x < pw; ++x)
                img.plane(p)[std::size_t(y) * img.stride(p) + x] = std::uint8_t(byte(rng));
    }
    if (alpha)
        for (int y = 0; y < h; ++y) {
            int run = 0, value = 0;
            for (int x = 0; x < w; ++x) {
                if (run-- <= 0) {
                    run = byte(rng) % 23;
                    int k = kind(rng);
                    value = k == 0 ? 0 : k == 1 ? 255 : -1;
                }
                img.plane(3)[std::size_t(y) * img.stride(3) + x] =
                    std::uint8_t(value < 0 ? byte(rng) : value);
            }
        }
    return img;
}

/// The first differing sample, or "" when both pictures hold the same bytes.
std::string difference(const Image& want, const Image& got)
{
    if (want.width() != got.width() || want.height() != got.height() || want.has_alpha() != got.has_alpha())
        return "shape differs";
    for (int p = 0; p < (want.has_alpha() ? 4 : 3); ++p) {
        int pw = p == 1 || p == 2 ? want.chroma_width() : want.width();
        int ph = p == 1 || p == 2 ? want.chroma_height() : want.height();
        for (int y = 0; y < ph; ++y)
            for (int x = 0; x < pw; ++x) {
                int a = want.plane(p)[std::size_t(y) * want.stride(p) + x];
                int b = got.plane(p)[std::size_t(y) * got.stride(p) + x];
                if (a != b)
                    return "plane " + std::to_string(p) + " (" + std::to_string(x) + ", " +
                           std::to_string(y) + "): want " + std::to_string(a) + ", got " + std::to_string(b);
            }
    }
    return "";
}

/// Runs `check` once per SIMD target this CPU supports (and the scalar baseline), each
/// forced in turn through Highway's test hook.
template <class F>
void for_each_target(F check)
{
    std::vector<std::int64_t> targets = hwy::SupportedAndGeneratedTargets();
    ASSERT_FALSE(targets.empty());
    for (std::int64_t target : targets) {
        hwy::SetSupportedTargetsForTest(target);
        SCOPED_TRACE(std::string("target ") + hwy::TargetName(target));
        check();
    }
    hwy::SetSupportedTargetsForTest(0);
}

struct Placement {
    int dw, dh, sw, sh, x, y;
};

// Canvas and source sizes, positions inside, at odd offsets, hanging over every edge.
const Placement placements[] = {
    {67, 45, 67, 45, 0, 0},   {67, 45, 37, 29, 3, 5},   {67, 45, 37, 29, 4, 6},   {67, 45, 37, 29, -5, -7},
    {67, 45, 37, 29, 40, 21}, {66, 44, 40, 30, 26, 14}, {66, 44, 41, 31, 25, 13}, {64, 32, 64, 32, 1, 1},
    {67, 45, 1, 1, 7, 9},     {67, 45, 3, 3, 66, 44},   {130, 9, 129, 7, 1, 2},   {130, 9, 129, 7, -1, 0},
};
const double opacities[] = {1.0, 0.8, 0.5, 0.0039, 0.001};

}  // namespace

TEST(Blend, MatchesScalarReferenceOnEveryTarget)
{
    for_each_target([] {
        std::mt19937 rng(7);
        for (const Placement& pl : placements)
            for (int alphas = 0; alphas < 4; ++alphas)
                for (double opacity : opacities) {
                    bool src_alpha = alphas & 1, dst_alpha = alphas & 2;
                    Image dst = random_image(pl.dw, pl.dh, dst_alpha, rng);
                    Image src = random_image(pl.sw, pl.sh, src_alpha, rng);
                    Image want = dst.clone();
                    ref::blend(want, src, pl.x, pl.y, opacity);
                    blend(dst, src, pl.x, pl.y, opacity);
                    SCOPED_TRACE(std::to_string(pl.sw) + "x" + std::to_string(pl.sh) + " at (" +
                                 std::to_string(pl.x) + ", " + std::to_string(pl.y) + ") on " +
                                 std::to_string(pl.dw) + "x" + std::to_string(pl.dh) + ", src alpha " +
                                 std::to_string(src_alpha) + ", dst alpha " + std::to_string(dst_alpha) +
                                 ", opacity " + std::to_string(opacity));
                    ASSERT_EQ(difference(want, dst), "");
                }
    });
}

TEST(Blend, SweepsEverySampleValueOnEveryTarget)
{
    // Source and destination luma take every pair of values (256 x 256), alphas random; in a
    // second pass the alphas take every pair (both pictures with alpha).
    for_each_target([] {
        std::mt19937 rng(11);
        for (int pass = 0; pass < 2; ++pass)
            for (int alphas = pass == 0 ? 0 : 3; alphas < 4; ++alphas)
                for (double opacity : {1.0, 0.6}) {
                    Image dst = random_image(256, 256, alphas & 2, rng);
                    Image src = random_image(256, 256, alphas & 1, rng);
                    for (int y = 0; y < 256; ++y)
                        for (int x = 0; x < 256; ++x) {
                            std::size_t i = std::size_t(y) * dst.stride(0) + x;
                            (pass == 0 ? dst.plane(0) : dst.plane(3))[i] = std::uint8_t(x);
                            (pass == 0 ? src.plane(0) : src.plane(3))[i] = std::uint8_t(y);
                        }
                    Image want = dst.clone();
                    ref::blend(want, src, 0, 0, opacity);
                    blend(dst, src, 0, 0, opacity);
                    SCOPED_TRACE("pass " + std::to_string(pass) + ", alphas " + std::to_string(alphas) +
                                 ", opacity " + std::to_string(opacity));
                    ASSERT_EQ(difference(want, dst), "");
                }
    });
}

TEST(FillRect, MatchesScalarReferenceOnEveryTarget)
{
    for_each_target([] {
        std::mt19937 rng(3);
        const Rect rects[] = {
            {0, 0, 67, 45}, {3, 5, 40, 20}, {-3, 1, 30, 50}, {60, 40, 20, 20}, {1, 1, 1, 1}};
        for (const Rect& r : rects)
            for (std::uint8_t a : {std::uint8_t(255), std::uint8_t(0xc0), std::uint8_t(0)})
                for (bool dst_alpha : {false, true}) {
                    Image dst = random_image(67, 45, dst_alpha, rng);
                    Image want = dst.clone();
                    Yuva c = rgb_to_yuva(20, 200, 90, a);
                    ref::fill_rect(want, r, c, 0.9);
                    fill_rect(dst, r, c, 0.9);
                    SCOPED_TRACE("rect " + std::to_string(r.x) + "," + std::to_string(r.y) + " alpha " +
                                 std::to_string(a) + " dst alpha " + std::to_string(dst_alpha));
                    ASSERT_EQ(difference(want, dst), "");
                }
    });
}

TEST(Mix, MatchesScalarReferenceOnEveryTarget)
{
    for_each_target([] {
        std::mt19937 rng(5);
        const int sizes[][2] = {{67, 45}, {66, 44}, {1, 1}, {3, 2}, {129, 5}, {256, 3}};
        for (const auto& size : sizes)
            for (int alphas = 0; alphas < 4; ++alphas)
                for (double w : {0.0, 0.3, 0.5, 0.999, 1.0}) {
                    Image a = random_image(size[0], size[1], alphas & 1, rng);
                    Image b = random_image(size[0], size[1], alphas & 2, rng);
                    Image want = a.clone();
                    ref::mix(want, b, w);
                    mix(a, b, w);
                    SCOPED_TRACE(std::to_string(size[0]) + "x" + std::to_string(size[1]) + ", alphas " +
                                 std::to_string(alphas) + ", w " + std::to_string(w));
                    ASSERT_EQ(difference(want, a), "");
                }
    });
}

TEST(Mix, SweepsEverySampleValueOnEveryTarget)
{
    // Luma of a and b take every pair of values, and so do their alphas (in a second pass),
    // at weights whose products reach the largest numerators.
    for_each_target([] {
        std::mt19937 rng(13);
        for (int pass = 0; pass < 2; ++pass)
            for (double w : {0.5, 1.0 / 255, 254.0 / 255}) {
                Image a = random_image(256, 256, true, rng), b = random_image(256, 256, true, rng);
                for (int y = 0; y < 256; ++y)
                    for (int x = 0; x < 256; ++x) {
                        std::size_t i = std::size_t(y) * a.stride(0) + x;
                        (pass == 0 ? a.plane(0) : a.plane(3))[i] = std::uint8_t(x);
                        (pass == 0 ? b.plane(0) : b.plane(3))[i] = std::uint8_t(y);
                    }
                Image want = a.clone();
                ref::mix(want, b, w);
                mix(a, b, w);
                SCOPED_TRACE("pass " + std::to_string(pass) + ", w " + std::to_string(w));
                ASSERT_EQ(difference(want, a), "");
            }
    });
}

namespace ref {

/// mix_varying() per sample: the weight of luma column (or row) i; a chroma sample takes
/// that of its block's first luma column (or row).
void mix_varying(Image& a, const Image& b, const std::vector<std::uint8_t>& weights, bool per_column)
{
    auto alpha_at = [](const Image& img, int x, int y) {
        return img.has_alpha() ? int(img.plane(3)[std::size_t(y) * img.stride(3) + x]) : 255;
    };
    auto weight = [&](int x, int y) { return int(weights[std::size_t(per_column ? x : y)]); };
    for (int y = 0; y < a.chroma_height(); ++y)
        for (int x = 0; x < a.chroma_width(); ++x) {
            int lx = std::min(2 * x, a.width() - 1), ly = std::min(2 * y, a.height() - 1);
            int wb = weight(lx, ly), wa = 255 - wb;
            int ta = alpha_at(a, lx, ly) * wa, tb = alpha_at(b, lx, ly) * wb;
            int out = ta + tb;
            if (out == 0) continue;
            std::size_t i = std::size_t(y) * a.stride(1) + x;
            std::size_t j = std::size_t(y) * b.stride(1) + x;
            for (int p = 1; p <= 2; ++p)
                a.plane(p)[i] = clamp8((a.plane(p)[i] * ta + b.plane(p)[j] * tb + out / 2) / out);
        }
    if (!a.has_alpha()) a.add_alpha();
    for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width(); ++x) {
            int wb = weight(x, y), wa = 255 - wb;
            int ta = alpha_at(a, x, y) * wa, tb = alpha_at(b, x, y) * wb;
            int out = ta + tb;
            std::size_t i = std::size_t(y) * a.stride(0) + x;
            if (out > 0)
                a.plane(0)[i] = clamp8(
                    (a.plane(0)[i] * ta + b.plane(0)[std::size_t(y) * b.stride(0) + x] * tb + out / 2) / out);
            a.plane(3)[i] = clamp8(div255(out));
        }
}

}  // namespace ref

TEST(MixVarying, MatchesPerSampleReferenceOnEveryTarget)
{
    for_each_target([] {
        std::mt19937 rng(11);
        std::uniform_int_distribution<int> byte(0, 255);
        const int sizes[][2] = {{67, 45}, {66, 44}, {1, 1}, {3, 2}, {129, 5}};
        for (const auto& size : sizes)
            for (int alphas = 0; alphas < 4; ++alphas)
                for (bool per_column : {true, false}) {
                    // Runs of equal weights (a hard edge), a ramp, and random values.
                    std::vector<std::uint8_t> weights(std::size_t(per_column ? size[0] : size[1]));
                    for (std::size_t i = 0; i < weights.size(); ++i)
                        weights[i] = i < weights.size() / 3       ? 255
                                     : i < 2 * weights.size() / 3 ? std::uint8_t(byte(rng))
                                                                  : 0;
                    Image a = random_image(size[0], size[1], alphas & 1, rng);
                    Image b = random_image(size[0], size[1], alphas & 2, rng);
                    Image want = a.clone();
                    ref::mix_varying(want, b, weights, per_column);
                    mix_varying(a, b, weights, per_column);
                    SCOPED_TRACE(std::to_string(size[0]) + "x" + std::to_string(size[1]) + ", alphas " +
                                 std::to_string(alphas) + (per_column ? ", columns" : ", rows"));
                    ASSERT_EQ(difference(want, a), "");
                }
    });
}

TEST(MixVarying, UniformWeightsEqualMix)
{
    std::mt19937 rng(3);
    Image a = random_image(40, 30, true, rng), b = random_image(40, 30, true, rng);
    Image m = a.clone(), v = a.clone();
    mix(m, b, 77 / 255.0);
    mix_varying(v, b, std::vector<std::uint8_t>(40, 77), true);
    EXPECT_EQ(difference(m, v), "");
}

TEST(Flipped, MirrorsEveryPlane)
{
    std::mt19937 rng(9);
    for (bool alpha : {false, true})
        for (auto [w, h] : {std::pair{6, 4}, std::pair{7, 5}, std::pair{1, 1}}) {
            Image src = random_image(w, h, alpha, rng);
            for (int fx = 0; fx < 2; ++fx)
                for (int fy = 0; fy < 2; ++fy) {
                    Image out = flipped(src, fx, fy);
                    ASSERT_EQ(out.width(), w);
                    ASSERT_EQ(out.has_alpha(), alpha);
                    for (int p = 0; p < (alpha ? 4 : 3); ++p) {
                        int pw = p == 1 || p == 2 ? src.chroma_width() : w;
                        int ph = p == 1 || p == 2 ? src.chroma_height() : h;
                        for (int y = 0; y < ph; ++y)
                            for (int x = 0; x < pw; ++x)
                                ASSERT_EQ(out.plane(p)[std::size_t(y) * out.stride(p) + x],
                                          src.plane(p)[std::size_t(fy ? ph - 1 - y : y) * src.stride(p) +
                                                       (fx ? pw - 1 - x : x)])
                                    << "plane " << p << " (" << x << ", " << y << ") flip " << fx << fy;
                    }
                    // Twice is the identity.
                    EXPECT_EQ(difference(src, flipped(out, fx, fy)), "");
                }
        }
}
