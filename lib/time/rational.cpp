// SPDX-License-Identifier: Apache-2.0
#include "time/rational.h"

#include "util/error.h"

#include <algorithm>
#include <cctype>
#include <limits>

namespace reel {
namespace {

using detail::i128;

i128 gcd128(i128 a, i128 b)
{
    if (a < 0) a = -a;
    if (b < 0) b = -b;
    while (b != 0) {
        i128 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

[[noreturn]] void overflow()
{
    throw Error(ErrorCode::timeline, "time", "time value out of range (exceeds 64-bit exact arithmetic)",
                "use smaller times or a simpler rational such as \"1001/30000\"");
}

}  // namespace

Rational::Rational(std::int64_t num, std::int64_t den)
{
    *this = make(num, den);
}

Rational Rational::make(i128 num, i128 den)
{
    if (den == 0) throw Error(ErrorCode::timeline, "time", "division by zero in a time value");
    if (den < 0) {
        num = -num;
        den = -den;
    }
    i128 g = gcd128(num, den);
    if (g > 1) {
        num /= g;
        den /= g;
    }
    constexpr i128 lo = std::numeric_limits<std::int64_t>::min() + 1;
    constexpr i128 hi = std::numeric_limits<std::int64_t>::max();
    if (num < lo || num > hi || den > hi) overflow();
    Rational r;
    r.m_num = static_cast<std::int64_t>(num);
    r.m_den = static_cast<std::int64_t>(den);
    return r;
}

std::string Rational::to_string() const
{
    if (m_den == 1) return std::to_string(m_num);
    return std::to_string(m_num) + "/" + std::to_string(m_den);
}

std::int64_t Rational::floor() const noexcept
{
    std::int64_t q = m_num / m_den;
    if (m_num % m_den != 0 && m_num < 0) --q;
    return q;
}

std::int64_t Rational::ceil() const noexcept
{
    std::int64_t q = m_num / m_den;
    if (m_num % m_den != 0 && m_num > 0) ++q;
    return q;
}

std::int64_t Rational::round_half_down() const noexcept
{
    // round half down: ceil(x - 1/2) = ceil((2n - d) / 2d)
    i128 n = i128(m_num) * 2 - m_den;
    i128 d = i128(m_den) * 2;
    i128 q = n / d;
    if (n % d != 0 && n > 0) ++q;
    return static_cast<std::int64_t>(q);
}

Rational Rational::operator-() const
{
    return make(-i128(m_num), m_den);
}

Rational operator+(const Rational& a, const Rational& b)
{
    return Rational::make(i128(a.m_num) * b.m_den + i128(b.m_num) * a.m_den, i128(a.m_den) * b.m_den);
}

Rational operator-(const Rational& a, const Rational& b)
{
    return Rational::make(i128(a.m_num) * b.m_den - i128(b.m_num) * a.m_den, i128(a.m_den) * b.m_den);
}

Rational operator*(const Rational& a, const Rational& b)
{
    return Rational::make(i128(a.m_num) * b.m_num, i128(a.m_den) * b.m_den);
}

Rational operator/(const Rational& a, const Rational& b)
{
    return Rational::make(i128(a.m_num) * b.m_den, i128(a.m_den) * b.m_num);
}

std::strong_ordering operator<=>(const Rational& a, const Rational& b)
{
    return i128(a.m_num) * b.m_den <=> i128(b.m_num) * a.m_den;
}

Rational min(const Rational& a, const Rational& b)
{
    return b < a ? b : a;
}
Rational max(const Rational& a, const Rational& b)
{
    return a < b ? b : a;
}

std::optional<Rational> Rational::parse(std::string_view text)
{
    try {
        if (auto slash = text.find('/'); slash != std::string_view::npos) {
            // A fraction of plain integers: "1001/30000", "-1/2"; nothing fancier.
            auto is_integer = [](std::string_view s, bool sign) {
                if (sign && !s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
                return !s.empty() && s.size() <= 18 &&
                       std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
            };
            std::string_view ns = text.substr(0, slash), ds = text.substr(slash + 1);
            if (!is_integer(ns, true) || !is_integer(ds, false)) return std::nullopt;
            auto n = parse(ns);
            auto d = parse(ds);
            if (!n || !d || d->num() == 0) return std::nullopt;
            return make(n->num(), d->num());
        }
        std::size_t i = 0;
        bool negative = false;
        if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
        i128 num = 0;
        i128 den = 1;
        int digits = 0;
        constexpr i128 limit = i128(1) << 100;
        auto push_digit = [&](char c) {
            if (num > limit) overflow();
            num = num * 10 + (c - '0');
            ++digits;
        };
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) push_digit(text[i++]);
        if (i < text.size() && text[i] == '.') {
            ++i;
            while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
                push_digit(text[i++]);
                if (den > limit) overflow();
                den *= 10;
            }
        }
        if (digits == 0) return std::nullopt;
        if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
            ++i;
            bool neg_exp = false;
            if (i < text.size() && (text[i] == '-' || text[i] == '+')) neg_exp = text[i++] == '-';
            int exp = 0;
            int exp_digits = 0;
            while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
                exp = exp * 10 + (text[i++] - '0');
                if (++exp_digits > 3 || exp > 30) overflow();
            }
            if (exp_digits == 0) return std::nullopt;
            for (int k = 0; k < exp; ++k) {
                if (neg_exp) {
                    if (den > limit) overflow();
                    den *= 10;
                } else {
                    if (num > limit) overflow();
                    num *= 10;
                }
            }
        }
        if (i != text.size()) return std::nullopt;
        // Reduce before the range check so "0.500000000000000000000" still fits.
        i128 g = gcd128(num, den);
        if (g > 1) {
            num /= g;
            den /= g;
        }
        return make(negative ? -num : num, den);
    } catch (const Error&) {
        return std::nullopt;
    }
}

}  // namespace reel
