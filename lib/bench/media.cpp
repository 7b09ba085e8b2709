// SPDX-License-Identifier: Apache-2.0
#include "bench/media.h"

#include "bench/detail/runs.h"
#include "util/error.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace reel {
namespace {

std::uint32_t mix(std::uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

}  // namespace

std::shared_ptr<Image> bench_picture(const BenchSource& s, int t)
{
    auto img = std::make_shared<Image>(s.width, s.height, false);
    int dir = s.seed % 2 ? -1 : 1;
    int speed = 3 + s.seed;
    std::uint8_t* y = img->plane(0);
    int box_w = s.width / 8, box_h = s.height / 6;
    int box_x = (s.width - box_w) / 2 + int((s.width / 3) * std::sin(t * 0.05 + s.seed));
    int box_y = (s.height - box_h) / 2 + int((s.height / 4) * std::cos(t * 0.07 + s.seed));
    for (int row = 0; row < s.height; ++row) {
        std::uint8_t* line = y + std::ptrdiff_t(row) * img->stride(0);
        std::uint32_t seed = mix(std::uint32_t(row * 7919 + t * 104729 + s.seed * 15485863));
        for (int col = 0; col < s.width; ++col) {
            int band = ((col + row / 2 + dir * t * speed) & 255);
            int v = 40 + band * 150 / 255;
            if (col >= box_x && col < box_x + box_w && row >= box_y && row < box_y + box_h) v = 225;
            seed = seed * 1664525u + 1013904223u;  // LCG: cheap per-pixel noise, ±8
            v += int(seed >> 28) - 8;
            line[col] = std::uint8_t(std::clamp(v, 16, 235));
        }
    }
    for (int p = 1; p < 3; ++p) {
        std::uint8_t* c = img->plane(p);
        for (int row = 0; row < s.height / 2; ++row)
            for (int col = 0; col < s.width / 2; ++col) {
                int v = p == 1 ? 128 + ((col + t + s.seed * 20) % 96) - 48
                               : 128 + ((row - t + s.seed * 30) % 96) - 48;
                c[std::ptrdiff_t(row) * img->stride(p) + col] = std::uint8_t(std::clamp(v, 16, 240));
            }
    }
    return img;
}

std::vector<float> bench_tone(const BenchSource& s, int rate)
{
    std::vector<float> sound(std::size_t(rate) * std::size_t(s.seconds) * 2);
    double hz = 220.0 * (1 + s.seed * 0.25);
    for (std::size_t i = 0; i < sound.size() / 2; ++i) {
        float v = float(0.2 * std::sin(2 * M_PI * hz * double(i) / rate));
        sound[2 * i] = sound[2 * i + 1] = v;
    }
    return sound;
}

std::string bench_source_name(const BenchSource& s)
{
    return "src-" + std::to_string(s.width) + "x" + std::to_string(s.height) + "-" + std::to_string(s.fps) +
           "fps-" + std::to_string(s.seconds) + "s-" + std::to_string(s.seed) + ".mp4";
}

std::filesystem::path make_bench_source(const std::filesystem::path& dir, const BenchSource& s,
                                        const std::atomic<bool>* cancel)
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        throw Error(ErrorCode::io, "bench", "cannot create \"" + dir.string() + "\": " + ec.message())
            .with_file(dir.string());
    std::filesystem::path path = dir / bench_source_name(s);
    if (std::filesystem::exists(path)) return path;
    detail::write_bench_source(path, s, cancel);
    return path;
}

}  // namespace reel
