// SPDX-License-Identifier: Apache-2.0
// The row loops of blend() and mix() with Google Highway's dynamic dispatch: this file is
// compiled once per x86 target (SSSE3, SSE4, AVX2, AVX-512, and the baseline, which is
// plain scalar code) and each call runs the best one the CPU has, so the binary still runs
// on any x86-64. Every target writes the bytes pixel.h's per-sample code writes: integer
// arithmetic in 32-bit lanes, and divisions through single-precision floats only where
// the quotient is provably exact (div_exact below).

// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "image/rows.cpp"
#include <hwy/foreach_target.h>
#include <hwy/highway.h>
// clang-format on

#include "image/detail/rows.h"
#include "image/detail/pixel.h"

HWY_BEFORE_NAMESPACE();
namespace reel::detail::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// --- the scalar loops: the baseline target, and the vector loops' tails -----------------
// Inlined on purpose: GCC 12 leaves out the vzeroupper before a call to a function it can
// see (IPA register allocation) and then after it, so a called tail would return to the
// caller with dirty upper AVX state and slow its SSE code (blend_affine()'s sampling ran
// 2.5x slower).

HWY_INLINE void blend_row_from(std::uint8_t* d, std::uint8_t* dalpha, const std::uint8_t* s,
                               const std::uint8_t* salpha, int i, int n, int op)
{
    for (; i < n; ++i)
        blend_sample(d[i], dalpha ? dalpha + i : nullptr, s[i], salpha ? salpha + i : nullptr, op);
}

HWY_INLINE void blend_chroma_row_from(std::uint8_t* du, std::uint8_t* dv, const std::uint8_t* su,
                                      const std::uint8_t* sv, const std::uint8_t* sa0,
                                      const std::uint8_t* sa1, const std::uint8_t* da0,
                                      const std::uint8_t* da1, int i, int n, int op)
{
    for (; i < n; ++i)
        blend_chroma_sample(du[i], dv[i], su[i], sv[i], sa0 ? sa0 + 2 * i : nullptr,
                            sa1 ? sa1 + 2 * i : nullptr, da0 ? da0 + 2 * i : nullptr,
                            da1 ? da1 + 2 * i : nullptr, op);
}

HWY_INLINE void mix_chroma_row_from(std::uint8_t* au, std::uint8_t* av, const std::uint8_t* bu,
                                    const std::uint8_t* bv, const std::uint8_t* aalpha,
                                    const std::uint8_t* balpha, int i, int n, int wa, int wb)
{
    for (; i < n; ++i) {
        int ta = (aalpha ? aalpha[2 * i] : 255) * wa, tb = (balpha ? balpha[2 * i] : 255) * wb;
        mix_sample(au[i], bu[i], ta, tb);
        mix_sample(av[i], bv[i], ta, tb);
    }
}

HWY_INLINE void mix_row_from(std::uint8_t* ay, std::uint8_t* aalpha, const std::uint8_t* by,
                             const std::uint8_t* balpha, int i, int n, int wa, int wb)
{
    for (; i < n; ++i) {
        int ta = aalpha[i] * wa, tb = (balpha ? balpha[i] : 255) * wb;
        mix_sample(ay[i], by[i], ta, tb);
        aalpha[i] = clamp8(div255(ta + tb));
    }
}

#if HWY_TARGET == HWY_SCALAR || HWY_TARGET == HWY_EMU128

void BlendRow(std::uint8_t* d, std::uint8_t* dalpha, const std::uint8_t* s, const std::uint8_t* salpha, int n,
              int op)
{
    blend_row_from(d, dalpha, s, salpha, 0, n, op);
}

void BlendChromaRow(std::uint8_t* du, std::uint8_t* dv, const std::uint8_t* su, const std::uint8_t* sv,
                    const std::uint8_t* sa0, const std::uint8_t* sa1, const std::uint8_t* da0,
                    const std::uint8_t* da1, int n, int op)
{
    blend_chroma_row_from(du, dv, su, sv, sa0, sa1, da0, da1, 0, n, op);
}

void MixChromaRow(std::uint8_t* au, std::uint8_t* av, const std::uint8_t* bu, const std::uint8_t* bv,
                  const std::uint8_t* aalpha, const std::uint8_t* balpha, int n, int wa, int wb)
{
    mix_chroma_row_from(au, av, bu, bv, aalpha, balpha, 0, n, wa, wb);
}

void MixRow(std::uint8_t* ay, std::uint8_t* aalpha, const std::uint8_t* by, const std::uint8_t* balpha, int n,
            int wa, int wb)
{
    mix_row_from(ay, aalpha, by, balpha, 0, n, wa, wb);
}

#else

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "load_pairs() puts the even sample in the low byte");

using D32 = hn::ScalableTag<std::int32_t>;
using D8 = hn::Rebind<std::uint8_t, D32>;
using D16 = hn::Rebind<std::uint16_t, D32>;
using DPairs = hn::Repartition<std::uint8_t, D16>;
using DF = hn::Rebind<float, D32>;
using V = hn::Vec<D32>;

/// Lanes(D32) bytes, one a lane.
HWY_INLINE V load8(const std::uint8_t* p)
{
    return hn::PromoteTo(D32(), hn::LoadU(D8(), p));
}
/// Stores lanes holding 0..255 as bytes.
HWY_INLINE void store8(V v, std::uint8_t* p)
{
    hn::StoreU(hn::DemoteTo(D8(), v), D8(), p);
}
/// 2 * Lanes(D32) bytes, a pair a lane: p[2i] | p[2i + 1] << 8.
HWY_INLINE V load_pairs(const std::uint8_t* p)
{
    return hn::PromoteTo(D32(), hn::BitCast(D16(), hn::LoadU(DPairs(), p)));
}
HWY_INLINE V pair_sum(V pairs)
{
    return hn::Add(hn::And(pairs, hn::Set(D32(), 0xff)), hn::ShiftRight<8>(pairs));
}
/// div255() for 0 <= v <= 65534: (x + (x >> 8)) >> 8 with x = v + 128 (checked for every v).
HWY_INLINE V div255_small(V v)
{
    const V x = hn::Add(v, hn::Set(D32(), 128));
    return hn::ShiftRight<8>(hn::Add(x, hn::ShiftRight<8>(x)));
}
/// n / o truncated, for 0 <= n < 2^24 and o >= 1 with (n / o + 1) * o < 2^24. Both are
/// exact floats and the division is correctly rounded; the float below the next integer is
/// closer to it than 1 / o, the least distance of a non-integer quotient from it, so the
/// rounded quotient never reaches the next integer and truncation gives n / o.
HWY_INLINE V div_exact(V n, V o)
{
    const DF df;
    return hn::ConvertTo(D32(), hn::Div(hn::ConvertTo(df, n), hn::ConvertTo(df, o)));
}
/// div255() for 0 <= v <= 255^3 (quotient <= 65025: (65025 + 1) * 255 < 2^24).
HWY_INLINE V div255_big(V v)
{
    return div_exact(hn::Add(v, hn::Set(D32(), 127)), hn::Set(D32(), 255));
}
/// over() with a destination alpha: (s * sa + div255(d * da * (255 - sa)) + out_a / 2) /
/// out_a clamped, d kept where out_a is 0. The quotient is at most 510 and out_a at most 255.
HWY_INLINE V over_alpha(V d, V s, V sa, V inv, V da, V out_a)
{
    const D32 di;
    const V num = hn::Add(hn::Mul(s, sa), div255_big(hn::Mul(hn::Mul(d, da), inv)));
    const V q = div_exact(hn::Add(num, hn::ShiftRight<1>(out_a)), hn::Max(out_a, hn::Set(di, 1)));
    return hn::IfThenElse(hn::Eq(out_a, hn::Zero(di)), d, hn::Min(q, hn::Set(di, 255)));
}
/// mix_sample(): (a * ta + b * tb + out / 2) / out with out = ta + tb <= 65025 (quotient
/// <= 255: 256 * 65025 < 2^24), a kept where out is 0.
HWY_INLINE V mix_value(V a, V b, V ta, V tb, V out)
{
    const D32 di;
    const V num = hn::Add(hn::Add(hn::Mul(a, ta), hn::Mul(b, tb)), hn::ShiftRight<1>(out));
    const V q = hn::Min(div_exact(num, hn::Max(out, hn::Set(di, 1))), hn::Set(di, 255));
    return hn::IfThenElse(hn::Eq(out, hn::Zero(di)), a, q);
}

void BlendRow(std::uint8_t* d, std::uint8_t* dalpha, const std::uint8_t* s, const std::uint8_t* salpha, int n,
              int op)
{
    const D32 di;
    const int lanes = int(hn::Lanes(di));
    const V vop = hn::Set(di, op), v255 = hn::Set(di, 255), zero = hn::Zero(di);
    int i = 0;
    if (!dalpha) {
        for (; i + lanes <= n; i += lanes) {
            const V sa = salpha ? div255_small(hn::Mul(load8(salpha + i), vop)) : vop;
            const V dv = load8(d + i);
            const V out = div255_small(hn::Add(hn::Mul(load8(s + i), sa), hn::Mul(dv, hn::Sub(v255, sa))));
            store8(hn::IfThenElse(hn::Eq(sa, zero), dv, out), d + i);
        }
    } else {
        for (; i + lanes <= n; i += lanes) {
            const V sa = salpha ? div255_small(hn::Mul(load8(salpha + i), vop)) : vop;
            const V inv = hn::Sub(v255, sa);
            const V dv = load8(d + i), da = load8(dalpha + i);
            const V out_a = hn::Add(sa, div255_small(hn::Mul(da, inv)));
            const auto skip = hn::Eq(sa, zero);
            store8(hn::IfThenElse(skip, dv, over_alpha(dv, load8(s + i), sa, inv, da, out_a)), d + i);
            store8(hn::IfThenElse(skip, da, out_a), dalpha + i);
        }
    }
    blend_row_from(d, dalpha, s, salpha, i, n, op);
}

void BlendChromaRow(std::uint8_t* du, std::uint8_t* dv, const std::uint8_t* su, const std::uint8_t* sv,
                    const std::uint8_t* sa0, const std::uint8_t* sa1, const std::uint8_t* da0,
                    const std::uint8_t* da1, int n, int op)
{
    const D32 di;
    const int lanes = int(hn::Lanes(di));
    const V vop = hn::Set(di, op), v255 = hn::Set(di, 255), zero = hn::Zero(di), two = hn::Set(di, 2);
    const V lo = hn::Set(di, 0xff);
    int i = 0;
    for (; i + lanes <= n; i += lanes) {
        V sa = vop;  // an opaque block: (4 * op + 2) / 4
        if (sa0) {
            const V p0 = load_pairs(sa0 + 2 * i), p1 = load_pairs(sa1 + 2 * i);
            const V sum = hn::Add(hn::Add(div255_small(hn::Mul(hn::And(p0, lo), vop)),
                                          div255_small(hn::Mul(hn::ShiftRight<8>(p0), vop))),
                                  hn::Add(div255_small(hn::Mul(hn::And(p1, lo), vop)),
                                          div255_small(hn::Mul(hn::ShiftRight<8>(p1), vop))));
            sa = hn::ShiftRight<2>(hn::Add(sum, two));
        }
        const V inv = hn::Sub(v255, sa);
        const auto skip = hn::Eq(sa, zero);
        const V u = load8(du + i), v = load8(dv + i);
        if (!da0) {
            const V nu = div255_small(hn::Add(hn::Mul(load8(su + i), sa), hn::Mul(u, inv)));
            const V nv = div255_small(hn::Add(hn::Mul(load8(sv + i), sa), hn::Mul(v, inv)));
            store8(hn::IfThenElse(skip, u, nu), du + i);
            store8(hn::IfThenElse(skip, v, nv), dv + i);
            continue;
        }
        const V da = hn::ShiftRight<2>(
            hn::Add(hn::Add(pair_sum(load_pairs(da0 + 2 * i)), pair_sum(load_pairs(da1 + 2 * i))), two));
        const V out_a = hn::Add(sa, div255_small(hn::Mul(da, inv)));
        store8(hn::IfThenElse(skip, u, over_alpha(u, load8(su + i), sa, inv, da, out_a)), du + i);
        store8(hn::IfThenElse(skip, v, over_alpha(v, load8(sv + i), sa, inv, da, out_a)), dv + i);
    }
    blend_chroma_row_from(du, dv, su, sv, sa0, sa1, da0, da1, i, n, op);
}

void MixChromaRow(std::uint8_t* au, std::uint8_t* av, const std::uint8_t* bu, const std::uint8_t* bv,
                  const std::uint8_t* aalpha, const std::uint8_t* balpha, int n, int wa, int wb)
{
    const D32 di;
    const int lanes = int(hn::Lanes(di));
    const V vwa = hn::Set(di, wa), vwb = hn::Set(di, wb), lo = hn::Set(di, 0xff);
    int i = 0;
    // Strictly below n: the last pair's odd byte may lie past the alpha row's end.
    for (; i + lanes < n; i += lanes) {
        const V ta = hn::Mul(aalpha ? hn::And(load_pairs(aalpha + 2 * i), lo) : lo, vwa);
        const V tb = hn::Mul(balpha ? hn::And(load_pairs(balpha + 2 * i), lo) : lo, vwb);
        const V out = hn::Add(ta, tb);
        store8(mix_value(load8(au + i), load8(bu + i), ta, tb, out), au + i);
        store8(mix_value(load8(av + i), load8(bv + i), ta, tb, out), av + i);
    }
    mix_chroma_row_from(au, av, bu, bv, aalpha, balpha, i, n, wa, wb);
}

void MixRow(std::uint8_t* ay, std::uint8_t* aalpha, const std::uint8_t* by, const std::uint8_t* balpha, int n,
            int wa, int wb)
{
    const D32 di;
    const int lanes = int(hn::Lanes(di));
    const V vwa = hn::Set(di, wa), vwb = hn::Set(di, wb), v255 = hn::Set(di, 255);
    int i = 0;
    for (; i + lanes <= n; i += lanes) {
        const V ta = hn::Mul(load8(aalpha + i), vwa);
        const V tb = hn::Mul(balpha ? load8(balpha + i) : v255, vwb);
        const V out = hn::Add(ta, tb);
        store8(mix_value(load8(ay + i), load8(by + i), ta, tb, out), ay + i);
        store8(div255_small(out), aalpha + i);
    }
    mix_row_from(ay, aalpha, by, balpha, i, n, wa, wb);
}

#endif

}  // namespace reel::detail::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace reel::detail {

HWY_EXPORT(BlendRow);
HWY_EXPORT(BlendChromaRow);
HWY_EXPORT(MixChromaRow);
HWY_EXPORT(MixRow);

void blend_row(std::uint8_t* d, std::uint8_t* dalpha, const std::uint8_t* s, const std::uint8_t* salpha,
               int n, int op)
{
    HWY_DYNAMIC_DISPATCH(BlendRow)(d, dalpha, s, salpha, n, op);
}

void blend_chroma_row(std::uint8_t* du, std::uint8_t* dv, const std::uint8_t* su, const std::uint8_t* sv,
                      const std::uint8_t* sa0, const std::uint8_t* sa1, const std::uint8_t* da0,
                      const std::uint8_t* da1, int n, int op)
{
    HWY_DYNAMIC_DISPATCH(BlendChromaRow)(du, dv, su, sv, sa0, sa1, da0, da1, n, op);
}

void mix_chroma_row(std::uint8_t* au, std::uint8_t* av, const std::uint8_t* bu, const std::uint8_t* bv,
                    const std::uint8_t* aalpha, const std::uint8_t* balpha, int n, int wa, int wb)
{
    HWY_DYNAMIC_DISPATCH(MixChromaRow)(au, av, bu, bv, aalpha, balpha, n, wa, wb);
}

void mix_row(std::uint8_t* ay, std::uint8_t* aalpha, const std::uint8_t* by, const std::uint8_t* balpha,
             int n, int wa, int wb)
{
    HWY_DYNAMIC_DISPATCH(MixRow)(ay, aalpha, by, balpha, n, wa, wb);
}

}  // namespace reel::detail
#endif
