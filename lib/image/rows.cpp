// SPDX-License-Identifier: Apache-2.0
// The row loops of blend() and mix(): pixel.h's per-sample code over a row.
#include "image/detail/rows.h"

#include "image/detail/pixel.h"

namespace reel::detail {

void blend_row(std::uint8_t* d, std::uint8_t* dalpha, const std::uint8_t* s, const std::uint8_t* salpha,
               int n, int op)
{
    for (int i = 0; i < n; ++i)
        blend_sample(d[i], dalpha ? dalpha + i : nullptr, s[i], salpha ? salpha + i : nullptr, op);
}

void blend_chroma_row(std::uint8_t* du, std::uint8_t* dv, const std::uint8_t* su, const std::uint8_t* sv,
                      const std::uint8_t* sa0, const std::uint8_t* sa1, const std::uint8_t* da0,
                      const std::uint8_t* da1, int n, int op)
{
    for (int i = 0; i < n; ++i)
        blend_chroma_sample(du[i], dv[i], su[i], sv[i], sa0 ? sa0 + 2 * i : nullptr,
                            sa1 ? sa1 + 2 * i : nullptr, da0 ? da0 + 2 * i : nullptr,
                            da1 ? da1 + 2 * i : nullptr, op);
}

void mix_chroma_row(std::uint8_t* au, std::uint8_t* av, const std::uint8_t* bu, const std::uint8_t* bv,
                    const std::uint8_t* aalpha, const std::uint8_t* balpha, int n, int wa, int wb)
{
    for (int i = 0; i < n; ++i) {
        int ta = (aalpha ? aalpha[2 * i] : 255) * wa, tb = (balpha ? balpha[2 * i] : 255) * wb;
        mix_sample(au[i], bu[i], ta, tb);
        mix_sample(av[i], bv[i], ta, tb);
    }
}

void mix_row(std::uint8_t* ay, std::uint8_t* aalpha, const std::uint8_t* by, const std::uint8_t* balpha,
             int n, int wa, int wb)
{
    for (int i = 0; i < n; ++i) {
        int ta = aalpha[i] * wa, tb = (balpha ? balpha[i] : 255) * wb;
        mix_sample(ay[i], by[i], ta, tb);
        aalpha[i] = clamp8(div255(ta + tb));
    }
}

}  // namespace reel::detail
