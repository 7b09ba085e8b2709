// SPDX-License-Identifier: Apache-2.0
// Micro-benchmarks of the compositor's pixel operations (lib/image) at the sizes a 1080p
// render uses: blending (opaque and with alpha), solid fills, the crossfade mix, scaling
// and colour conversion. Bytes processed count the pixels read from the source picture(s);
// "frames/s" is how many such operations one core does per second (30 are needed per
// second of 30 fps output for each layer).
#include "image/image.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>

using namespace reel;

namespace {

constexpr int k1080w = 1920, k1080h = 1080;

/// A picture full of deterministic noise (so nothing is accidentally uniform). With
/// `alpha`, the alpha plane is a realistic mix: a third transparent, a third opaque, a
/// third in between (the edges and soft parts of a PNG overlay).
Image noise_image(int w, int h, bool alpha, std::uint32_t seed = 1)
{
    Image img(w, h, alpha);
    std::uint32_t s = seed * 2654435761u + 12345u;
    auto next = [&s] {
        s = s * 1664525u + 1013904223u;
        return std::uint8_t(s >> 24);
    };
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) img.plane(0)[std::size_t(y) * img.stride(0) + x] = 16 + next() % 220;
    for (int p = 1; p <= 2; ++p)
        for (int y = 0; y < img.chroma_height(); ++y)
            for (int x = 0; x < img.chroma_width(); ++x)
                img.plane(p)[std::size_t(y) * img.stride(p) + x] = 16 + next() % 225;
    if (alpha)
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                int band = (x / 64 + y / 64) % 3;
                img.plane(3)[std::size_t(y) * img.stride(3) + x] = band == 0 ? 0
                                                                   : band == 1
                                                                       ? 255
                                                                       : std::uint8_t(1 + next() % 254);
            }
    return img;
}

/// Frames per second as a rate counter (one operation per iteration).
void count_frames(benchmark::State& state)
{
    state.counters["frames/s"] = benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

// --- blend -------------------------------------------------------------------------------

/// A full-frame opaque picture over an opaque canvas; arg = opacity in percent (100 takes
/// the row-copy path, anything less blends every sample).
static void BM_BlendOpaque1080p(benchmark::State& state)
{
    Image dst = noise_image(k1080w, k1080h, false, 1);
    Image src = noise_image(k1080w, k1080h, false, 2);
    double opacity = double(state.range(0)) / 100.0;
    for (auto _ : state) {
        blend(dst, src, 0, 0, opacity);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(src.bytes()));
    count_frames(state);
}
BENCHMARK(BM_BlendOpaque1080p)->ArgName("opacity%")->Arg(100)->Arg(50)->Unit(benchmark::kMicrosecond);

/// The bench timeline's picture-in-picture: a 480x270 inset at (1380, 760) of a 1080p canvas.
static void BM_BlendPip(benchmark::State& state)
{
    Image dst = noise_image(k1080w, k1080h, false, 1);
    Image src = noise_image(480, 270, false, 2);
    double opacity = double(state.range(0)) / 100.0;
    for (auto _ : state) {
        blend(dst, src, 1380, 760, opacity);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(src.bytes()));
    count_frames(state);
}
BENCHMARK(BM_BlendPip)->ArgName("opacity%")->Arg(100)->Arg(50)->Unit(benchmark::kMicrosecond);

/// A full-frame picture with alpha over an opaque canvas (the result of a crossfade going
/// onto the output canvas, or a PNG overlay). Arg 1: at an odd position (the general
/// path, chroma from 2x2 means) instead of (0, 0).
static void BM_BlendAlpha1080p(benchmark::State& state)
{
    Image dst = noise_image(k1080w, k1080h, false, 1);
    Image src = noise_image(k1080w, k1080h, true, 2);
    int at = int(state.range(0));
    for (auto _ : state) {
        blend(dst, src, at, at, 1.0);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(src.bytes()));
    count_frames(state);
}
BENCHMARK(BM_BlendAlpha1080p)->ArgName("offset")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

/// A picture with alpha over a transparent canvas that keeps its alpha (inside a nested
/// composition, or the crossfade's layers).
static void BM_BlendAlphaOverAlpha1080p(benchmark::State& state)
{
    Image src = noise_image(k1080w, k1080h, true, 2);
    Image canvas = noise_image(k1080w, k1080h, true, 1);
    for (auto _ : state) {
        state.PauseTiming();  // the canvas's alpha changes with every blend: start afresh
        Image dst = canvas.clone();
        state.ResumeTiming();
        blend(dst, src, 0, 0, 0.8);
        benchmark::DoNotOptimize(dst.plane(0));
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(src.bytes()));
    count_frames(state);
}
BENCHMARK(BM_BlendAlphaOverAlpha1080p)->Unit(benchmark::kMicrosecond);

/// A rotated layer: a 1080p picture turned 15 degrees about the canvas centre (bilinear
/// resampling into a transparent layer, then the alpha blend). Arg 1: the source has alpha.
static void BM_BlendAffine1080p(benchmark::State& state)
{
    Image dst = noise_image(k1080w, k1080h, false, 1);
    Image src = noise_image(k1080w, k1080h, state.range(0) != 0, 2);
    const double th = 15.0 * M_PI / 180.0, c = std::cos(th), s = std::sin(th);
    const double px = k1080w / 2.0, py = k1080h / 2.0;
    Affine inv{c, s, -c * px - s * py + px, -s, c, s * px - c * py + py};
    Rect bounds{0, 0, k1080w, k1080h};
    for (auto _ : state) {
        blend_affine(dst, src, inv, bounds, 1.0);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(src.bytes()));
    count_frames(state);
}
BENCHMARK(BM_BlendAffine1080p)->ArgName("alpha")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// --- fill_rect ---------------------------------------------------------------------------

/// A solid colour over the whole 1080p canvas: opaque (arg 0) or `#ffffff80` (arg 1).
static void BM_FillRect1080p(benchmark::State& state)
{
    Image dst = noise_image(k1080w, k1080h, false, 1);
    bool translucent = state.range(0) != 0;
    Yuva c = rgb_to_yuva(255, 255, 255, translucent ? 0x80 : 0xff);
    for (auto _ : state) {
        fill_rect(dst, {0, 0, k1080w, k1080h}, c, 1.0);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(dst.bytes()));
    count_frames(state);
}
BENCHMARK(BM_FillRect1080p)->ArgName("alpha")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

/// A lower-third title bar (1600x200) at an odd position, translucent: the masked path.
static void BM_FillRectLowerThird(benchmark::State& state)
{
    Image dst = noise_image(k1080w, k1080h, false, 1);
    Yuva c = rgb_to_yuva(20, 20, 20, 0xc0);
    Rect r{161, 801, 1600, 200};
    for (auto _ : state) {
        fill_rect(dst, r, c, 0.9);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(r.w) * r.h * 3 / 2);
    count_frames(state);
}
BENCHMARK(BM_FillRectLowerThird)->Unit(benchmark::kMicrosecond);

// --- mix (crossfade) ---------------------------------------------------------------------

/// The crossfade's dissolve of two 1080p layers at w = 0.5, as the compositor does it (both
/// layers have an alpha plane). Arg 0: opaque content (alpha all 255, two full-frame clips);
/// arg 1: layers with transparent and soft parts.
static void BM_Mix1080p(benchmark::State& state)
{
    bool soft = state.range(0) != 0;
    Image a0 = noise_image(k1080w, k1080h, true, 1), b = noise_image(k1080w, k1080h, true, 2);
    if (!soft) {
        for (Image* img : {&a0, &b})
            for (int y = 0; y < k1080h; ++y)
                for (int x = 0; x < k1080w; ++x) img->plane(3)[std::size_t(y) * img->stride(3) + x] = 255;
    }
    for (auto _ : state) {
        state.PauseTiming();  // mix writes a's alpha: start from the same layer every time
        Image a = a0.clone();
        state.ResumeTiming();
        mix(a, b, 0.5);
        benchmark::DoNotOptimize(a.plane(0));
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(a0.bytes() + b.bytes()));
    count_frames(state);
}
BENCHMARK(BM_Mix1080p)->ArgName("soft_alpha")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

/// mix() on a layer without an alpha plane: it grows one first (an allocation and a copy).
static void BM_MixOpaqueNoAlpha1080p(benchmark::State& state)
{
    Image a0 = noise_image(k1080w, k1080h, false, 1), b = noise_image(k1080w, k1080h, false, 2);
    for (auto _ : state) {
        state.PauseTiming();
        Image a = a0.clone();
        state.ResumeTiming();
        mix(a, b, 0.5);
        benchmark::DoNotOptimize(a.plane(0));
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(a0.bytes() + b.bytes()));
    count_frames(state);
}
BENCHMARK(BM_MixOpaqueNoAlpha1080p)->Unit(benchmark::kMillisecond);

// --- scale -------------------------------------------------------------------------------

/// Image scale (reel's own resampler; the decoder's swscale pass is separate). Args: source
/// width, height, target width, height.
static void BM_Scale(benchmark::State& state)
{
    int sw = int(state.range(0)), sh = int(state.range(1)), w = int(state.range(2)), h = int(state.range(3));
    Image src = noise_image(sw, sh, false, 3);
    for (auto _ : state) benchmark::DoNotOptimize(scale(src, {0, 0, sw, sh}, w, h));
    state.SetBytesProcessed(state.iterations() * std::int64_t(src.bytes()));
    count_frames(state);
}
BENCHMARK(BM_Scale)
    ->ArgNames({"sw", "sh", "w", "h"})
    ->Args({1920, 1080, 960, 540})   // 1080p -> 540p (box average)
    ->Args({1920, 1080, 480, 270})   // 1080p -> the PiP inset
    ->Args({1280, 720, 1920, 1080})  // 720p -> 1080p (bilinear)
    ->Unit(benchmark::kMillisecond);

/// Scaling a picture with alpha (a PNG overlay): four planes instead of three.
static void BM_ScaleAlpha(benchmark::State& state)
{
    Image src = noise_image(1280, 720, true, 3);
    for (auto _ : state) benchmark::DoNotOptimize(scale(src, {0, 0, 1280, 720}, k1080w, k1080h));
    state.SetBytesProcessed(state.iterations() * std::int64_t(src.bytes()));
    count_frames(state);
}
BENCHMARK(BM_ScaleAlpha)->Unit(benchmark::kMillisecond);

// --- colour ------------------------------------------------------------------------------

/// sRGB to limited-range BT.709 Y'CbCr, one colour per call (colour items, backgrounds).
static void BM_RgbToYuva(benchmark::State& state)
{
    std::uint32_t n = 0;
    for (auto _ : state) {
        for (int i = 0; i < 256; ++i, ++n)
            benchmark::DoNotOptimize(rgb_to_yuva(std::uint8_t(n), std::uint8_t(n >> 8), std::uint8_t(n * 7),
                                                 std::uint8_t(n >> 3)));
    }
    state.SetItemsProcessed(state.iterations() * 256);
}
BENCHMARK(BM_RgbToYuva);

/// Brightness/contrast/saturation over a whole 1080p picture, in place.
static void BM_AdjustColor1080p(benchmark::State& state)
{
    Image img = noise_image(k1080w, k1080h, false, 4);
    for (auto _ : state) {
        adjust_color(img, 0.05, 1.1, 1.2);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(img.bytes()));
    count_frames(state);
}
BENCHMARK(BM_AdjustColor1080p)->Unit(benchmark::kMicrosecond);

/// What the compositor does for an adjusted clip: a copy of the (shared) decoded picture,
/// then the adjustment.
static void BM_CloneAdjustColor1080p(benchmark::State& state)
{
    Image img = noise_image(k1080w, k1080h, false, 4);
    for (auto _ : state) {
        Image copy = img.clone();
        adjust_color(copy, 0.05, 1.1, 1.2);
        benchmark::DoNotOptimize(copy.plane(0));
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(img.bytes()));
    count_frames(state);
}
BENCHMARK(BM_CloneAdjustColor1080p)->Unit(benchmark::kMicrosecond);

/// A blank 1080p canvas: allocation and fill, once per composited output frame.
static void BM_CanvasFill1080p(benchmark::State& state)
{
    Yuva black = rgb_to_yuva(0, 0, 0);
    for (auto _ : state) {
        Image canvas(k1080w, k1080h, state.range(0) != 0);
        canvas.fill(black);
        benchmark::DoNotOptimize(canvas.plane(0));
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(k1080w) * k1080h * (state.range(0) ? 5 : 3) /
                            2);
    count_frames(state);
}
BENCHMARK(BM_CanvasFill1080p)->ArgName("alpha")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
