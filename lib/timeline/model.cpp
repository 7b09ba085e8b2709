// SPDX-License-Identifier: Apache-2.0
#include "timeline/model.h"

#include "util/error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace reel {
namespace {

int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string Color::to_string() const
{
    char buf[10];
    if (a == 255)
        std::snprintf(buf, sizeof buf, "#%02x%02x%02x", r, g, b);
    else
        std::snprintf(buf, sizeof buf, "#%02x%02x%02x%02x", r, g, b, a);
    return buf;
}

std::optional<Color> Color::parse(const std::string& text, bool allow_alpha)
{
    if (text.size() != 7 && !(allow_alpha && text.size() == 9)) return std::nullopt;
    if (text[0] != '#') return std::nullopt;
    std::uint8_t v[4] = {0, 0, 0, 255};
    for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
        int hi = hex_digit(text[i + 1]);
        int lo = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
        if (hi < 0 || lo < 0) return std::nullopt;
        v[i / 2] = std::uint8_t(hi * 16 + lo);
    }
    return Color{v[0], v[1], v[2], v[3]};
}

const char* to_string(ItemType type)
{
    switch (type) {
        case ItemType::clip: return "clip";
        case ItemType::image: return "image";
        case ItemType::color: return "color";
        case ItemType::comp: return "comp";
    }
    return "clip";
}

const char* to_string(Fit fit)
{
    switch (fit) {
        case Fit::contain: return "contain";
        case Fit::cover: return "cover";
        case Fit::stretch: return "stretch";
        case Fit::none: return "none";
    }
    return "contain";
}

const char* to_string(TransitionKind kind)
{
    return kind == TransitionKind::wipe ? "wipe" : "crossfade";
}

const char* to_string(WipeDirection direction)
{
    switch (direction) {
        case WipeDirection::left: return "left";
        case WipeDirection::right: return "right";
        case WipeDirection::up: return "up";
        case WipeDirection::down: return "down";
    }
    return "right";
}

const char* to_string(FpsSource source)
{
    switch (source) {
        case FpsSource::timeline: return "timeline";
        case FpsSource::flag: return "--fps";
        case FpsSource::media: return "media";
        case FpsSource::fallback: return "default";
    }
    return "timeline";
}

Rational snap_ntsc_rate(const Rational& rate)
{
    if (rate.den() == 1 || rate.den() == 1001) return rate;
    double d = rate.to_double();
    for (int n : {24, 30, 48, 60, 96, 120, 240})
        if (std::abs(d - n * 1000.0 / 1001.0) < 0.005) return Rational(std::int64_t(n) * 1000, 1001);
    return rate;
}

const char* to_string(MissingFrames policy)
{
    switch (policy) {
        case MissingFrames::error: return "error";
        case MissingFrames::black: return "black";
        case MissingFrames::hold: return "hold";
    }
    return "error";
}

std::string frame_rate_problem(const Rational& fps)
{
    if (fps < Rational(1) || fps > Rational(480)) return "outside 1..480 frames per second";
    if (fps.num() > max_fps_term || fps.den() > max_fps_term)
        return "a fraction with terms over " + std::to_string(max_fps_term) +
               " (reel encodes rates such as 25, 30000/1001 or 2997/100)";
    return {};
}

int Output::gop_frames() const
{
    if (video.gop) return *video.gop;
    return int(std::max<std::int64_t>(1, (fps * Rational(2)).round_half_down()));
}

const Composition& Timeline::composition(const std::string& name) const
{
    if (name.empty()) return root;
    auto it = compositions.find(name);
    if (it == compositions.end())
        throw Error(ErrorCode::internal, "timeline", "unknown composition \"" + name + "\"");
    return it->second;
}

int Timeline::nesting_depth(const Composition& c) const
{
    int deepest = 0;
    for (const auto& t : c.tracks)
        for (const auto& i : t.items)
            if (i.type == ItemType::comp) {
                auto it = compositions.find(i.comp);
                if (it != compositions.end()) deepest = std::max(deepest, 1 + nesting_depth(it->second));
            }
    return deepest;
}

}  // namespace reel
