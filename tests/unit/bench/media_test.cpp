// SPDX-License-Identifier: Apache-2.0
#include "bench/media.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace reel;

TEST(BenchMedia, FileNameFromTheParameters)
{
    EXPECT_EQ(bench_source_name({1280, 720, 30, 6, 2}), "src-1280x720-30fps-6s-2.mp4");
}

TEST(BenchMedia, PicturesAreDeterministicAndDifferBySeedAndTime)
{
    BenchSource s{64, 36, 30, 1, 0};
    auto same = [](const Image& a, const Image& b) {
        for (int row = 0; row < a.height(); ++row)
            if (std::memcmp(a.plane(0) + row * a.stride(0), b.plane(0) + row * b.stride(0),
                            std::size_t(a.width())))
                return false;
        return true;
    };
    auto a = bench_picture(s, 5);
    EXPECT_EQ(a->width(), 64);
    EXPECT_EQ(a->height(), 36);
    EXPECT_TRUE(same(*a, *bench_picture(s, 5)));
    EXPECT_FALSE(same(*a, *bench_picture(s, 6)));
    EXPECT_FALSE(same(*a, *bench_picture({64, 36, 30, 1, 1}, 5)));
    for (int row = 0; row < a->height(); ++row)
        for (int col = 0; col < a->width(); ++col) {
            int v = a->plane(0)[row * a->stride(0) + col];
            EXPECT_TRUE(v >= 16 && v <= 235) << v;
        }
}

TEST(BenchMedia, ToneCoversTheSourceInStereo)
{
    std::vector<float> tone = bench_tone({64, 36, 30, 2, 0}, 48000);
    ASSERT_EQ(tone.size(), 48000u * 2 * 2);
    EXPECT_EQ(tone[0], 0.0f);
    EXPECT_EQ(tone[2001], tone[2000]);  // both channels
    float peak = 0;
    for (float v : tone) peak = std::max(peak, std::abs(v));
    EXPECT_NEAR(peak, 0.2f, 1e-3);
}
