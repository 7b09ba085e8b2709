// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace reel {

namespace detail {
__extension__ typedef __int128 i128;  ///< GCC/Clang 128-bit integer for checked arithmetic
}

/// An exact rational number: a reduced int64 pair with a positive denominator.
/// Arithmetic is checked: a result that does not fit throws Error(timeline) rather than
/// wrapping, so a timeline can never drift or overflow silently. Value type; thread-safe.
class Rational {
public:
    constexpr Rational() = default;
    Rational(std::int64_t num, std::int64_t den = 1);

    std::int64_t num() const noexcept { return m_num; }
    std::int64_t den() const noexcept { return m_den; }

    double to_double() const noexcept { return double(m_num) / double(m_den); }
    /// "n" or "n/d".
    std::string to_string() const;

    std::int64_t floor() const noexcept;
    std::int64_t ceil() const noexcept;
    /// Nearest integer, halves rounding down (towards negative infinity).
    std::int64_t round_half_down() const noexcept;

    Rational operator-() const;
    friend Rational operator+(const Rational& a, const Rational& b);
    friend Rational operator-(const Rational& a, const Rational& b);
    friend Rational operator*(const Rational& a, const Rational& b);
    friend Rational operator/(const Rational& a, const Rational& b);
    Rational& operator+=(const Rational& b) { return *this = *this + b; }
    Rational& operator-=(const Rational& b) { return *this = *this - b; }

    friend bool operator==(const Rational& a, const Rational& b) = default;
    friend std::strong_ordering operator<=>(const Rational& a, const Rational& b);

    /// Parses an exact decimal ("2.5", "-0.001", "1e-3", "12") or a fraction ("1001/30000").
    /// Returns nothing when the text is not one of these or does not fit.
    static std::optional<Rational> parse(std::string_view text);

private:
    static Rational make(detail::i128 num, detail::i128 den);

    std::int64_t m_num = 0;
    std::int64_t m_den = 1;
};

Rational min(const Rational& a, const Rational& b);
Rational max(const Rational& a, const Rational& b);

}  // namespace reel
