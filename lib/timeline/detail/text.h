// SPDX-License-Identifier: Apache-2.0
// Wording helpers shared by the timeline's two readers (reel JSON, OpenTimelineIO), so
// their messages name things the same way. Private to the timeline module.
#pragma once

#include "time/rational.h"
#include "util/strings.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

namespace reel::detail {

/// "name" in double quotes, as messages show things a user wrote (abbreviated past 48
/// bytes).
inline std::string quote(const std::string& s)
{
    return "\"" + abbreviate(s) + "\"";
}

/// A time in seconds to 6 decimals, trailing zeros (and a bare point) dropped: "5.005".
inline std::string decimal6(const Rational& r)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f", r.to_double());
    std::string text = buf;
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
    return text;
}

/// What kind of JSON value a user wrote, for "must be X, got Y" ("a string", "null").
/// With `integers`, whole numbers are "an integer" rather than "a number".
inline const char* json_kind(const nlohmann::json& v, bool integers)
{
    using t = nlohmann::json::value_t;
    switch (v.type()) {
        case t::null: return "null";
        case t::boolean: return "a boolean";
        case t::number_integer:
        case t::number_unsigned: return integers ? "an integer" : "a number";
        case t::number_float: return "a number";
        case t::string: return "a string";
        case t::array: return "an array";
        case t::object: return "an object";
        default: return "a value of another kind";
    }
}

}  // namespace reel::detail
