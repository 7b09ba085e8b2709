// SPDX-License-Identifier: Apache-2.0
#pragma once

// The per-sample arithmetic of blend() and mix(), shared by image.cpp (picture edges) and
// rows.cpp (the scalar target and the vector loops' tails). The vector code must give the
// same bytes as these, sample for sample.

#include <cstdint>

namespace reel::detail {

inline std::uint8_t clamp8(int v)
{
    return static_cast<std::uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

/// v / 255, rounded to nearest.
inline int div255(int v)
{
    return (v + 127) / 255;
}

/// Straight-alpha "over" of one sample: s over d with source alpha sa (0..255). `da` is the
/// destination's alpha, or null for an opaque destination; it is read, not written.
inline void over(std::uint8_t& d, const std::uint8_t* da, int s, int sa)
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

/// One luma sample of blend(): s (with alpha `salpha`, or opaque when null) at opacity `op`
/// (0..255) over d, and over the destination alpha `da` when there is one (null: opaque).
inline void blend_sample(std::uint8_t& d, std::uint8_t* da, int s, const std::uint8_t* salpha, int op)
{
    int sa = salpha ? div255(*salpha * op) : op;
    if (sa == 0) return;
    over(d, da, s, sa);
    if (da) *da = clamp8(sa + div255(*da * (255 - sa)));
}

/// One chroma sample of blend() whose 2x2 luma block lies inside both pictures: the block's
/// mean source alpha (at opacity `op`) over its mean destination alpha. sa0/sa1 point at the
/// block's two source alpha pairs (null: opaque source), da0/da1 at the destination's (null:
/// opaque destination).
inline void blend_chroma_sample(std::uint8_t& du, std::uint8_t& dv, int su, int sv, const std::uint8_t* sa0,
                                const std::uint8_t* sa1, const std::uint8_t* da0, const std::uint8_t* da1,
                                int op)
{
    int sum =
        sa0 ? div255(sa0[0] * op) + div255(sa0[1] * op) + div255(sa1[0] * op) + div255(sa1[1] * op) : 4 * op;
    int sa = (sum + 2) / 4;
    if (sa == 0) return;
    if (!da0) {
        over(du, nullptr, su, sa);
        over(dv, nullptr, sv, sa);
        return;
    }
    std::uint8_t da = static_cast<std::uint8_t>((da0[0] + da0[1] + da1[0] + da1[1] + 2) / 4);
    over(du, &da, su, sa);
    over(dv, &da, sv, sa);
}

/// One sample of mix(): a := (a * ta + b * tb) / (ta + tb), unchanged when both weights are 0.
inline void mix_sample(std::uint8_t& a, int b, int ta, int tb)
{
    int out = ta + tb;
    if (out > 0) a = clamp8((a * ta + b * tb + out / 2) / out);
}

}  // namespace reel::detail
