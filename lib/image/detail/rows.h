// SPDX-License-Identifier: Apache-2.0
#pragma once

// The row loops of blend() and mix(), vectorised with Google Highway (rows.cpp) and picked
// at run time for the CPU (SSSE3, SSE4, AVX2 or AVX-512; plain scalar code on a CPU with
// none of them). Each writes exactly the bytes the per-sample code in pixel.h writes. The
// pointers address the row's first sample; `n` samples are processed. They touch nothing
// outside the ranges stated, so rows may run on different threads at once.

#include <cstdint>

namespace reel::detail {

/// blend_sample() for d[0, n): s over d at opacity op (0..255), with source alpha `salpha`
/// (null: opaque) and over destination alpha `dalpha`, updated (null: opaque destination).
void blend_row(std::uint8_t* d, std::uint8_t* dalpha, const std::uint8_t* s, const std::uint8_t* salpha,
               int n, int op);

/// blend_chroma_sample() for the n chroma samples du[0, n), dv[0, n) whose 2x2 luma blocks
/// lie inside both pictures. sa0/sa1 are the blocks' two source alpha rows, 2n samples each
/// (null: opaque source); da0/da1 the destination's (null: opaque destination).
void blend_chroma_row(std::uint8_t* du, std::uint8_t* dv, const std::uint8_t* su, const std::uint8_t* sv,
                      const std::uint8_t* sa0, const std::uint8_t* sa1, const std::uint8_t* da0,
                      const std::uint8_t* da1, int n, int op);

/// mix()'s chroma for au[0, n), av[0, n): weights are the alphas at the even luma columns
/// of the rows `aalpha` and `balpha` (null: opaque; they hold 2n - 1 samples at least) times
/// wa and wb.
void mix_chroma_row(std::uint8_t* au, std::uint8_t* av, const std::uint8_t* bu, const std::uint8_t* bv,
                    const std::uint8_t* aalpha, const std::uint8_t* balpha, int n, int wa, int wb);

/// mix()'s luma and alpha for ay[0, n), aalpha[0, n) (written: the mixed alpha); `balpha`
/// null means opaque.
void mix_row(std::uint8_t* ay, std::uint8_t* aalpha, const std::uint8_t* by, const std::uint8_t* balpha,
             int n, int wa, int wb);

}  // namespace reel::detail
