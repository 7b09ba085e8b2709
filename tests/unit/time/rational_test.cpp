// SPDX-License-Identifier: Apache-2.0
#include "time/rational.h"
#include "time/frames.h"
#include "util/error.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

using namespace reel;

TEST(Rational, ReducesAndNormalisesSign)
{
    Rational r(6, -4);
    EXPECT_EQ(r.num(), -3);
    EXPECT_EQ(r.den(), 2);
    EXPECT_EQ(Rational(0, 5), Rational(0));
    EXPECT_THROW(Rational(1, 0), Error);
}

TEST(Rational, Arithmetic)
{
    EXPECT_EQ(Rational(1, 3) + Rational(1, 6), Rational(1, 2));
    EXPECT_EQ(Rational(1, 3) - Rational(1, 2), Rational(-1, 6));
    EXPECT_EQ(Rational(2, 3) * Rational(9, 4), Rational(3, 2));
    EXPECT_EQ(Rational(2, 3) / Rational(4, 9), Rational(3, 2));
    EXPECT_LT(Rational(1001, 30000), Rational(1, 29));
    EXPECT_GT(Rational(-1, 3), Rational(-1, 2));
}

TEST(Rational, NoDriftOverManyFrames)
{
    // 1001/30000 added 10 hours' worth of times is exact: a float accumulates error.
    Rational t(0);
    Rational step(1001, 30000);
    for (int i = 0; i < 1078921; ++i) t += step;
    EXPECT_EQ(t, Rational(1078921LL * 1001, 30000));
    EXPECT_EQ(time_to_frame(t, Rational(30000, 1001)), 1078921);
}

TEST(Rational, OverflowIsAnErrorNotWraparound)
{
    Rational big(std::numeric_limits<std::int64_t>::max() / 2);
    EXPECT_THROW(big * Rational(3), Error);
    EXPECT_THROW(Rational(1, std::numeric_limits<std::int64_t>::max()) +
                     Rational(1, std::numeric_limits<std::int64_t>::max() - 1),
                 Error);
}

TEST(Rational, ParsesExactDecimalsAndFractions)
{
    EXPECT_EQ(Rational::parse("0.1"), Rational(1, 10));
    EXPECT_EQ(Rational::parse("2.5"), Rational(5, 2));
    EXPECT_EQ(Rational::parse("-0.001"), Rational(-1, 1000));
    EXPECT_EQ(Rational::parse("1e-3"), Rational(1, 1000));
    EXPECT_EQ(Rational::parse("1.5E2"), Rational(150));
    EXPECT_EQ(Rational::parse("1001/30000"), Rational(1001, 30000));
    EXPECT_EQ(Rational::parse("12"), Rational(12));
    EXPECT_EQ(Rational::parse("0.50000000000000000000000"), Rational(1, 2));
    EXPECT_EQ(Rational::parse("29.97"), Rational(2997, 100));
    EXPECT_FALSE(Rational::parse(""));
    EXPECT_FALSE(Rational::parse("abc"));
    EXPECT_FALSE(Rational::parse("1/0"));
    EXPECT_FALSE(Rational::parse("1.5/2"));
    EXPECT_FALSE(Rational::parse("1/4/2"));
    EXPECT_FALSE(Rational::parse("2.0/4"));
    EXPECT_FALSE(Rational::parse("1e1/3"));
    EXPECT_FALSE(Rational::parse("1/-3"));
    EXPECT_EQ(Rational::parse("-1/3"), Rational(-1, 3));
    EXPECT_FALSE(Rational::parse("1e"));
    EXPECT_FALSE(Rational::parse("1e999"));
    EXPECT_FALSE(Rational::parse("99999999999999999999999"));
    EXPECT_FALSE(Rational::parse("1 "));
}

TEST(Rational, Rounding)
{
    EXPECT_EQ(Rational(5, 2).floor(), 2);
    EXPECT_EQ(Rational(-5, 2).floor(), -3);
    EXPECT_EQ(Rational(5, 2).ceil(), 3);
    EXPECT_EQ(Rational(-5, 2).ceil(), -2);
    // Halves round down.
    EXPECT_EQ(Rational(5, 2).round_half_down(), 2);
    EXPECT_EQ(Rational(7, 2).round_half_down(), 3);
    EXPECT_EQ(Rational(-5, 2).round_half_down(), -3);
    EXPECT_EQ(Rational(26, 10).round_half_down(), 3);
    EXPECT_EQ(Rational(24, 10).round_half_down(), 2);
    EXPECT_EQ(Rational(4).round_half_down(), 4);
}

TEST(Frames, DocumentedRule)
{
    Rational fps(30);
    EXPECT_EQ(time_to_frame(Rational(0), fps), 0);
    EXPECT_EQ(time_to_frame(Rational(1), fps), 30);
    // 1/60 s is exactly half a frame at 30 fps: rounds down.
    EXPECT_EQ(time_to_frame(Rational(1, 60), fps), 0);
    EXPECT_EQ(time_to_frame(Rational(1, 59), fps), 1);
    // NTSC: 10 s at 30000/1001 is 299.7 frames -> 300.
    EXPECT_EQ(time_to_frame(Rational(10), Rational(30000, 1001)), 300);
    // 1001/30000 s is exactly one NTSC frame.
    EXPECT_EQ(time_to_frame(Rational(1001, 30000), Rational(30000, 1001)), 1);
    EXPECT_EQ(frame_to_time(300, Rational(30000, 1001)), Rational(10010, 1000));
}

TEST(Frames, RangesAreHalfOpen)
{
    TimeRange r{Rational(1), Rational(2)};
    FrameRange f = r.frames(Rational(25));
    EXPECT_EQ(f.begin, 25);
    EXPECT_EQ(f.end, 50);
    EXPECT_EQ(f.size(), 25);
    EXPECT_TRUE(f.contains(25));
    EXPECT_FALSE(f.contains(50));
    EXPECT_FALSE((FrameRange{0, 10}.overlaps(FrameRange{10, 20})));
    EXPECT_TRUE((TimeRange{Rational(0), Rational(1)}.overlaps(TimeRange{Rational(1, 2), Rational(2)})));
}
