// SPDX-License-Identifier: Apache-2.0
#include "timeline/parse.h"

#include "timeline/detail/text.h"

#include "timeline/otio.h"

#include "util/atomic_file.h"
#include "util/error.h"
#include "util/strings.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <set>

namespace reel {
namespace {

using json = nlohmann::json;

constexpr std::size_t max_errors = 50;

const char* type_name(const json& v)
{
    return detail::json_kind(v, true);
}

using detail::quote;

std::string join(const std::vector<std::string>& words, const char* sep = ", ")
{
    std::string out;
    for (const auto& w : words) {
        if (!out.empty()) out += sep;
        out += w;
    }
    return out;
}

std::string number_to_string(double v)
{
    return format_number(v);
}

/// Seconds for messages: exact decimals as such ("5.005"), others rounded to 6 places
/// with the exact fraction after them ("0.333333 (1/3)").
std::string secs(const Rational& r)
{
    std::string text = detail::decimal6(r);
    if (1000000 % r.den() != 0) {  // (r × 10^6 would overflow past 9.2e12 s)
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.6f", r.to_double());
        text = std::string(buf) + " (" + r.to_string() + ")";
    }
    return text;
}

/// Collects problems while walking the document; every check names a pointer.
class Checker {
public:
    Checker(std::shared_ptr<const JsonDocument> doc) : m_doc(std::move(doc)) {}

    std::vector<Error> errors;

    void error(const std::string& pointer, std::string message, std::string hint = {},
               const std::string& item = {}, bool at_key = false)
    {
        if (errors.size() >= max_errors) return;
        Error e(ErrorCode::timeline, "timeline", std::move(message), std::move(hint));
        e.with_pointer(pointer).with_file(m_doc ? m_doc->file() : "");
        if (m_doc) {
            auto [line, col] = m_doc->position(pointer, at_key);
            if (line > 0) e.with_position(line, col);
        }
        if (!item.empty()) e.with_item(item);
        errors.push_back(std::move(e));
    }

    bool is_object(const json& v, const std::string& ptr, const std::string& what)
    {
        if (v.is_object()) return true;
        error(ptr, what + " must be an object, got " + type_name(v));
        return false;
    }

    /// Reports keys not in `allowed` (metadata is always allowed).
    void check_keys(const json& obj, const std::string& ptr, const std::string& what,
                    std::vector<std::string> allowed, const std::string& item = {})
    {
        allowed.push_back("metadata");
        for (const auto& [key, value] : obj.items()) {
            if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) {
                if (key == "metadata" && !value.is_object())
                    error(ptr + "/metadata",
                          "\"metadata\" must be an object, got " + std::string(type_name(value)));
                continue;
            }
            std::string near = closest_match(key, allowed);
            std::vector<std::string> shown = allowed;
            std::sort(shown.begin(), shown.end());
            error(ptr + "/" + json_pointer_escape(key), "unknown field " + quote(key) + " in " + what,
                  near.empty() ? "allowed fields: " + join(shown) : "did you mean " + quote(near) + "?", item,
                  true);
        }
    }

    const json* field(const json& obj, const std::string& key)
    {
        auto it = obj.find(key);
        return it == obj.end() ? nullptr : &*it;
    }

    const json* required(const json& obj, const std::string& ptr, const std::string& key,
                         const std::string& what, const std::string& item = {})
    {
        const json* v = field(obj, key);
        if (!v) error(ptr, what + " is missing the required field " + quote(key), {}, item);
        return v;
    }

    /// The exact value of a number or numeric string, or nothing.
    std::optional<Rational> exact(const json& v, const std::string& ptr)
    {
        if (v.is_number_integer()) {
            if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(INT64_MAX))
                return std::nullopt;
            return Rational(v.get<std::int64_t>());
        }
        if (v.is_number_float()) {
            const std::string* text = m_doc ? m_doc->number_text(ptr) : nullptr;
            return Rational::parse(text ? *text : number_to_string(v.get<double>()));
        }
        if (v.is_string()) return Rational::parse(v.get<std::string>());
        return std::nullopt;
    }

    std::optional<Rational> time(const json& v, const std::string& ptr, const std::string& name,
                                 const std::string& item = {})
    {
        std::optional<Rational> r;
        if (v.is_number_integer()) {
            if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(INT64_MAX)) {
                error(ptr, quote(name) + " is out of range", {}, item);
                return std::nullopt;
            }
            r = Rational(v.get<std::int64_t>());
        } else if (v.is_number_float()) {
            const std::string* text = m_doc ? m_doc->number_text(ptr) : nullptr;
            r = Rational::parse(text ? *text : number_to_string(v.get<double>()));
            if (!r) {
                error(ptr,
                      quote(name) + " cannot be represented exactly (" +
                          (text ? *text : number_to_string(v.get<double>())) + ")",
                      "write it as a fraction such as \"1001/30000\"", item);
                return std::nullopt;
            }
        } else if (v.is_string()) {
            r = Rational::parse(v.get<std::string>());
            if (!r) {
                error(ptr, quote(name) + " " + quote(v.get<std::string>()) + " is not a time",
                      "write seconds as a number (2.5) or an exact fraction (\"1001/30000\")", item);
                return std::nullopt;
            }
        } else {
            error(ptr,
                  quote(name) +
                      " must be a time in seconds (a number or a string such as \"1001/30000\"), got " +
                      type_name(v),
                  {}, item);
            return std::nullopt;
        }
        if (*r > Rational(max_time_seconds) || *r < Rational(-max_time_seconds)) {
            error(ptr, quote(name) + " is " + secs(*r) + " s, more than 24 hours",
                  "times are in seconds, not milliseconds or frames", item);
            return std::nullopt;
        }
        return r;
    }

    std::optional<double> number(const json& v, const std::string& ptr, const std::string& name, double lo,
                                 double hi, const std::string& item = {})
    {
        if (!v.is_number()) {
            error(ptr, quote(name) + " must be a number, got " + type_name(v), {}, item);
            return std::nullopt;
        }
        double d = v.get<double>();
        if (!std::isfinite(d) || d < lo || d > hi) {
            error(ptr,
                  quote(name) + " is " + number_to_string(d) + ", outside " + number_to_string(lo) + ".." +
                      number_to_string(hi),
                  {}, item);
            return std::nullopt;
        }
        return d;
    }

    std::optional<std::int64_t> integer(const json& v, const std::string& ptr, const std::string& name,
                                        std::int64_t lo, std::int64_t hi, const std::string& item = {})
    {
        bool integral_float = v.is_number_float() && std::isfinite(v.get<double>()) &&
                              std::floor(v.get<double>()) == v.get<double>() &&
                              std::abs(v.get<double>()) < 1e15;
        if (!v.is_number_integer() && !integral_float) {
            error(ptr, quote(name) + " must be an integer, got " + type_name(v), {}, item);
            return std::nullopt;
        }
        if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(INT64_MAX)) {
            error(ptr, quote(name) + " is out of range", {}, item);
            return std::nullopt;
        }
        std::int64_t n = integral_float ? std::int64_t(v.get<double>()) : v.get<std::int64_t>();
        if (n < lo || n > hi) {
            error(ptr,
                  quote(name) + " is " + std::to_string(n) + ", outside " + std::to_string(lo) + ".." +
                      std::to_string(hi),
                  {}, item);
            return std::nullopt;
        }
        return n;
    }

    std::optional<bool> boolean(const json& v, const std::string& ptr, const std::string& name,
                                const std::string& item = {})
    {
        if (!v.is_boolean()) {
            error(ptr, quote(name) + " must be true or false, got " + type_name(v), {}, item);
            return std::nullopt;
        }
        return v.get<bool>();
    }

    std::optional<std::string> string(const json& v, const std::string& ptr, const std::string& name,
                                      const std::string& item = {})
    {
        if (!v.is_string()) {
            error(ptr, quote(name) + " must be a string, got " + type_name(v), {}, item);
            return std::nullopt;
        }
        if (v.get<std::string>().empty()) {
            error(ptr, quote(name) + " must not be empty", {}, item);
            return std::nullopt;
        }
        return v.get<std::string>();
    }

    std::optional<std::string> one_of(const json& v, const std::string& ptr, const std::string& name,
                                      const std::vector<std::string>& choices, const std::string& item = {})
    {
        auto s = string(v, ptr, name, item);
        if (!s) return std::nullopt;
        if (std::find(choices.begin(), choices.end(), *s) != choices.end()) return s;
        std::string near = closest_match(*s, choices);
        error(ptr, quote(name) + " is " + quote(*s) + ", expected one of " + join(choices, ", "),
              near.empty() ? "" : "did you mean " + quote(near) + "?", item);
        return std::nullopt;
    }

    std::optional<Color> color(const json& v, const std::string& ptr, const std::string& name,
                               bool allow_alpha, const std::string& item = {})
    {
        auto s = string(v, ptr, name, item);
        if (!s) return std::nullopt;
        auto c = Color::parse(*s, allow_alpha);
        if (!c)
            error(ptr, quote(name) + " is " + quote(*s) + ", not a colour",
                  allow_alpha ? "write \"#rrggbb\" or \"#rrggbbaa\" in hex" : "write \"#rrggbb\" in hex",
                  item);
        return c;
    }

private:
    std::shared_ptr<const JsonDocument> m_doc;
};

/// Structural pass: JSON → model, one Checker collecting every problem.
class Parser {
public:
    Parser(std::shared_ptr<const JsonDocument> doc, Timeline& tl) : c(doc), m_tl(tl) {}

    Checker c;

    void run(const json& root)
    {
        if (!c.is_object(root, "", "a reel timeline")) return;
        c.check_keys(root, "", "the timeline",
                     {"reel", "output", "media", "compositions", "tracks", "duration"});
        if (const json* v = c.required(root, "", "reel", "the timeline")) {
            if (!v->is_number() || v->get<double>() != double(timeline_format_version))
                c.error("/reel", "unsupported format version " + v->dump() + "; this reel reads version 1",
                        "set \"reel\": 1");
        }
        if (const json* v = c.required(root, "", "output", "the timeline")) output(*v);
        if (const json* v = c.required(root, "", "media", "the timeline")) media(*v);
        if (const json* v = c.field(root, "compositions")) compositions(*v);
        m_tl.root.pointer = "";
        m_tl.root.width = m_tl.output.width;
        m_tl.root.height = m_tl.output.height;
        m_tl.root.background = m_tl.output.background;
        if (const json* v = c.field(root, "duration")) {
            auto d = c.time(*v, "/duration", "duration");
            if (d && *d <= Rational(0)) c.error("/duration", "\"duration\" must be positive");
            m_tl.root.declared_duration = d;
        }
        if (const json* v = c.required(root, "", "tracks", "the timeline")) tracks(*v, "/tracks", m_tl.root);
        if (c.errors.empty()) references();
    }

private:
    void output(const json& v)
    {
        const std::string p = "/output";
        if (!c.is_object(v, p, "\"output\"")) return;
        c.check_keys(v, p, "\"output\"", {"width", "height", "fps", "background", "audio", "video"});
        Output& o = m_tl.output;
        for (const char* dim : {"width", "height"}) {
            const json* d = c.required(v, p, dim, "\"output\"");
            if (!d) continue;
            auto n = c.integer(*d, p + "/" + dim, dim, 16, 16384);
            if (n && *n % 2 != 0)
                c.error(p + "/" + dim, quote(dim) + " is " + std::to_string(*n) + "; it must be even",
                        "H.264 with 4:2:0 chroma needs even sizes; use " + std::to_string(*n + 1));
            if (n) (std::string(dim) == "width" ? o.width : o.height) = int(*n);
        }
        if (const json* f = c.required(v, p, "fps", "\"output\"")) o.fps = fps(*f, p + "/fps", "fps");
        if (const json* b = c.field(v, "background"))
            if (auto col = c.color(*b, p + "/background", "background", false)) o.background = *col;
        if (const json* a = c.field(v, "audio")) audio(*a, p + "/audio");
        if (const json* a = c.field(v, "video")) video(*a, p + "/video");
    }

    /// A frame rate written like output.fps (`name` is how messages call it).
    Rational fps(const json& v, const std::string& p, const std::string& name)
    {
        // The NTSC decimals (29.97, ...) mean the exact 1001-denominator rates, unless the
        // rate was written as an explicit fraction.
        bool fraction = v.is_string() && v.get<std::string>().find('/') != std::string::npos;
        static const std::map<std::string, Rational> ntsc = {{"23.976", Rational(24000, 1001)},
                                                             {"29.97", Rational(30000, 1001)},
                                                             {"47.952", Rational(48000, 1001)},
                                                             {"59.94", Rational(60000, 1001)},
                                                             {"119.88", Rational(120000, 1001)}};
        std::optional<Rational> r = c.exact(v, p);
        if (!r) {
            c.error(p,
                    quote(name) +
                        " must be frames per second: a number (25, 29.97) or a fraction string "
                        "(\"30000/1001\"), got " +
                        (v.is_string() ? quote(v.get<std::string>()) : std::string(type_name(v))),
                    "write e.g. " + quote(name) + ": 30");
            return Rational(0);
        }
        if (!fraction)
            for (const auto& [text, rate] : ntsc)
                if (Rational::parse(text) == r) r = rate;
        if (std::string problem = frame_rate_problem(*r); !problem.empty()) {
            std::string shown =
                r->den() == 1 ? r->to_string() : format_number(r->to_double()) + " (" + r->to_string() + ")";
            c.error(p, quote(name) + " is " + shown + ", " + problem,
                    "frame rates are frames per second, e.g. 25, 30 or \"30000/1001\"");
            return Rational(0);
        }
        return *r;
    }

    void audio(const json& v, const std::string& p)
    {
        if (!c.is_object(v, p, "\"audio\"")) return;
        c.check_keys(v, p, "\"output.audio\"", {"sample_rate", "channels"});
        AudioSettings& a = m_tl.output.audio;
        if (const json* s = c.field(v, "sample_rate"))
            if (auto n = c.integer(*s, p + "/sample_rate", "sample_rate", 8000, 192000))
                a.sample_rate = int(*n);
        if (const json* ch = c.field(v, "channels")) {
            if (auto n = c.integer(*ch, p + "/channels", "channels", 1, 6)) {
                if (*n != 1 && *n != 2 && *n != 6)
                    c.error(p + "/channels", "\"channels\" is " + std::to_string(*n) +
                                                 "; reel mixes to 1 (mono), 2 (stereo) or 6 (5.1)");
                else
                    a.channels = int(*n);
            }
        }
    }

    void video(const json& v, const std::string& p)
    {
        if (!c.is_object(v, p, "\"video\"")) return;
        c.check_keys(v, p, "\"output.video\"", {"codec", "preset", "crf", "bitrate", "gop", "engine"});
        VideoSettings& s = m_tl.output.video;
        if (const json* x = c.field(v, "codec"))
            if (auto name = c.one_of(*x, p + "/codec", "codec", {"h264", "hevc", "av1", "vp9"}))
                s.codec = *name;
        if (const json* x = c.field(v, "preset")) {
            if (s.codec == "h264" || s.codec == "hevc") {
                if (auto name = c.one_of(*x, p + "/preset", "preset",
                                         {"ultrafast", "superfast", "veryfast", "faster", "fast", "medium",
                                          "slow", "slower", "veryslow", "placebo"}))
                    s.preset = *name;
            } else if (auto name = c.string(*x, p + "/preset", "preset")) {
                s.preset = *name;
            }
        }
        double crf_max = (s.codec == "h264" || s.codec == "hevc") ? 51 : 63;
        if (const json* x = c.field(v, "crf")) s.crf = c.number(*x, p + "/crf", "crf", 0, crf_max);
        if (const json* x = c.field(v, "bitrate"))
            s.bitrate = c.integer(*x, p + "/bitrate", "bitrate", 10000, 2000000000);
        if (c.field(v, "crf") && c.field(v, "bitrate"))
            c.error(p + "/bitrate", "both \"crf\" and \"bitrate\" are set",
                    "give one: crf for constant quality, bitrate (bits/s) for a target rate");
        if (const json* x = c.field(v, "gop"))
            if (auto n = c.integer(*x, p + "/gop", "gop", 1, 10000)) s.gop = int(*n);
        if (const json* x = c.field(v, "engine"))
            if (auto name = c.one_of(*x, p + "/engine", "engine",
                                     {"auto", "software", "onevpl", "nvenc", "vaapi", "qsv"}))
                s.engine = *name;
    }

    void media(const json& v)
    {
        const std::string p = "/media";
        if (!c.is_object(v, p, "\"media\"")) return;
        for (const auto& [id, entry] : v.items()) {
            std::string ep = p + "/" + json_pointer_escape(id);
            if (id.empty()) c.error(ep, "media ids must not be empty");
            if (!c.is_object(entry, ep, "media " + quote(id))) continue;
            c.check_keys(entry, ep, "media " + quote(id), {"path", "sequence"});
            MediaRef ref;
            ref.id = id;
            ref.pointer = ep;
            if (const json* path = c.required(entry, ep, "path", "media " + quote(id)))
                if (auto s = c.string(*path, ep + "/path", "path")) {
                    ref.path = *s;
                    std::filesystem::path fp(*s);
                    ref.resolved = fp.is_absolute() ? fp : m_tl.dir / fp;
                }
            if (const json* q = c.field(entry, "sequence")) {
                sequence(*q, ep, ref);
                // The project's folder is part of the pattern: its percent signs are literal.
                std::filesystem::path fp(ref.path);
                if (!fp.is_absolute())
                    ref.resolved = std::filesystem::path(literal_percent(m_tl.dir.string())) / fp;
            }
            m_tl.media.emplace(id, std::move(ref));
        }
    }

    /// `media.<id>.sequence`, and the one frame-number field its path must hold.
    void sequence(const json& v, const std::string& ep, MediaRef& ref)
    {
        const std::string p = ep + "/sequence";
        const std::string what = "the sequence of media " + quote(ref.id);
        if (!c.is_object(v, p, "\"sequence\"")) return;
        c.check_keys(v, p, what, {"rate", "start", "end", "step", "missing"});
        ImageSequence q;
        if (const json* x = c.required(v, p, "rate", what)) q.rate = fps(*x, p + "/rate", "rate");
        constexpr std::int64_t most = 999999999;
        if (const json* x = c.field(v, "start")) q.start = c.integer(*x, p + "/start", "start", 0, most);
        if (const json* x = c.field(v, "end")) q.end = c.integer(*x, p + "/end", "end", 0, most);
        if (const json* x = c.field(v, "step"))
            q.step = c.integer(*x, p + "/step", "step", 1, 100000).value_or(1);
        if (const json* x = c.field(v, "missing"))
            if (auto s = c.one_of(*x, p + "/missing", "missing", {"error", "black", "hold"}))
                q.missing = *s == "black"  ? MissingFrames::black
                            : *s == "hold" ? MissingFrames::hold
                                           : MissingFrames::error;
        if (q.start && q.end && *q.end < *q.start)
            c.error(p + "/end",
                    what + ": \"end\" (" + std::to_string(*q.end) + ") is before \"start\" (" +
                        std::to_string(*q.start) + ")",
                    "start and end are the numbers of the first and last files");
        if (!ref.path.empty()) {
            if (std::string problem = sequence_pattern_problem(ref.path); !problem.empty())
                c.error(ep + "/path", "media " + quote(ref.id) + ": the path of an image sequence " + problem,
                        "write the frame number as %d, or %04d for numbers padded to 4 digits: "
                        "\"plates/shot.%04d.exr\"");
        }
        ref.sequence = q;
    }

    void compositions(const json& v)
    {
        const std::string p = "/compositions";
        if (!c.is_object(v, p, "\"compositions\"")) return;
        for (const auto& [name, entry] : v.items()) {
            std::string cp = p + "/" + json_pointer_escape(name);
            if (name.empty()) c.error(cp, "composition names must not be empty");
            std::string what = "composition " + quote(name);
            if (!c.is_object(entry, cp, what)) continue;
            c.check_keys(entry, cp, what, {"width", "height", "duration", "background", "tracks"});
            Composition comp;
            comp.name = name;
            comp.pointer = cp;
            for (const char* dim : {"width", "height"}) {
                const json* d = c.required(entry, cp, dim, what);
                if (!d) continue;
                if (auto n = c.integer(*d, cp + "/" + dim, dim, 1, 16384))
                    (std::string(dim) == "width" ? comp.width : comp.height) = int(*n);
            }
            if (const json* d = c.field(entry, "duration")) {
                auto t = c.time(*d, cp + "/duration", "duration");
                if (t && *t <= Rational(0))
                    c.error(cp + "/duration", "\"duration\" of " + what + " must be positive");
                comp.declared_duration = t;
            }
            if (const json* b = c.field(entry, "background"))
                comp.background = c.color(*b, cp + "/background", "background", true);
            if (const json* t = c.required(entry, cp, "tracks", what)) tracks(*t, cp + "/tracks", comp);
            m_tl.compositions.emplace(name, std::move(comp));
        }
    }

    void tracks(const json& v, const std::string& p, Composition& comp)
    {
        if (!v.is_array()) {
            c.error(p, "\"tracks\" must be an array, got " + std::string(type_name(v)));
            return;
        }
        for (std::size_t i = 0; i < v.size(); ++i) {
            std::string tp = p + "/" + std::to_string(i);
            const json& t = v[i];
            if (!c.is_object(t, tp, "a track")) continue;
            c.check_keys(t, tp, "a track", {"id", "kind", "enabled", "mute", "items"});
            Track track;
            track.pointer = tp;
            if (const json* x = c.field(t, "id"))
                if (auto s = c.string(*x, tp + "/id", "id")) {
                    track.id = *s;
                }
            if (const json* x = c.field(t, "kind"))
                if (auto s = c.one_of(*x, tp + "/kind", "kind", {"video", "audio"}))
                    track.kind = *s == "audio" ? TrackKind::audio : TrackKind::video;
            if (const json* x = c.field(t, "enabled"))
                track.enabled = c.boolean(*x, tp + "/enabled", "enabled").value_or(true);
            if (const json* x = c.field(t, "mute"))
                track.mute = c.boolean(*x, tp + "/mute", "mute").value_or(false);
            if (const json* items = c.field(t, "items")) {
                if (!items->is_array()) {
                    c.error(tp + "/items",
                            "\"items\" must be an array, got " + std::string(type_name(*items)));
                } else {
                    for (std::size_t k = 0; k < items->size(); ++k)
                        item((*items)[k], tp + "/items/" + std::to_string(k), track);
                }
            }
            std::stable_sort(track.items.begin(), track.items.end(),
                             [](const Item& a, const Item& b) { return a.start < b.start; });
            comp.tracks.push_back(std::move(track));
        }
    }

    void item(const json& v, const std::string& p, Track& track)
    {
        if (!c.is_object(v, p, "an item")) return;
        Item it;
        it.pointer = p;
        if (const json* x = c.field(v, "id")) {
            if (auto s = c.string(*x, p + "/id", "id")) {
                it.id = *s;
                if (auto [pos, fresh] = m_item_ids.emplace(*s, p); !fresh)
                    c.error(p + "/id", "item id " + quote(*s) + " is already used at " + pos->second,
                            "ids must be unique within the project", *s);
            }
        }
        const std::string& label = it.id;
        std::string what = it.id.empty() ? "this item" : "item " + quote(it.id);
        const json* type = c.required(v, p, "type", what, label);
        if (!type) return;
        auto t = c.one_of(*type, p + "/type", "type", {"clip", "image", "color", "comp"}, label);
        if (!t) return;
        it.type = *t == "clip"    ? ItemType::clip
                  : *t == "image" ? ItemType::image
                  : *t == "color" ? ItemType::color
                                  : ItemType::comp;
        what = it.id.empty() ? "this " + *t + " item" : *t + " " + quote(it.id);

        std::vector<std::string> allowed = {"type", "id", "start", "enabled", "fade_in", "fade_out"};
        bool audio_track = track.kind == TrackKind::audio;
        if (!audio_track)
            allowed.insert(allowed.end(), {"transform", "crop", "opacity", "color", "transition_in"});
        else
            allowed.push_back("transition_in");
        switch (it.type) {
            case ItemType::clip:
                allowed.insert(allowed.end(), {"media", "in", "out", "speed", "duration", "gain_db", "mute"});
                break;
            case ItemType::comp:
                allowed.insert(allowed.end(), {"comp", "in", "out", "speed", "duration", "gain_db", "mute"});
                break;
            case ItemType::image: allowed.insert(allowed.end(), {"media", "duration"}); break;
            case ItemType::color:
                allowed.insert(allowed.end(), {"duration"});
                if (audio_track) allowed.push_back("color");
                break;
        }
        if (audio_track && it.type != ItemType::clip) {
            c.error(p + "/type", what + " is on an audio track, which holds only clip items",
                    "move it to a video track", label);
            return;
        }
        // Fields that exist but not on an audio track get a specific message.
        for (const char* visual : {"transform", "crop", "opacity", "color"}) {
            if (audio_track && c.field(v, visual)) {
                c.error(p + "/" + visual, quote(visual) + " has no effect on an audio track",
                        "remove it, or put the clip on a video track", label, true);
            }
        }
        std::vector<std::string> check = allowed;
        if (audio_track)
            for (const char* visual : {"transform", "crop", "opacity", "color"}) check.push_back(visual);
        c.check_keys(v, p, what, check, label);

        if (const json* x = c.required(v, p, "start", what, label)) {
            auto s = c.time(*x, p + "/start", "start", label);
            if (s && *s < Rational(0)) {
                c.error(p + "/start", what + ": \"start\" is negative (" + secs(*s) + ")",
                        "items start at 0 or later on their track", label);
                s.reset();
            }
            if (s) it.start = *s;
        }
        if (const json* x = c.field(v, "enabled"))
            it.enabled = c.boolean(*x, p + "/enabled", "enabled", label).value_or(true);

        if (it.type == ItemType::clip || it.type == ItemType::image) {
            if (const json* x = c.required(v, p, "media", what, label))
                if (auto s = c.string(*x, p + "/media", "media", label)) it.media = *s;
        }
        if (it.type == ItemType::comp) {
            if (const json* x = c.required(v, p, "comp", what, label))
                if (auto s = c.string(*x, p + "/comp", "comp", label)) it.comp = *s;
        }
        if (it.type == ItemType::clip || it.type == ItemType::comp) {
            if (const json* x = c.field(v, "in")) {
                auto r = c.time(*x, p + "/in", "in", label);
                if (r && *r < Rational(0))
                    c.error(p + "/in", what + ": \"in\" is negative (" + secs(*r) + ")", {}, label);
                else if (r)
                    it.in = *r;
            }
            if (const json* x = c.field(v, "out")) {
                auto r = c.time(*x, p + "/out", "out", label);
                if (r && *r <= it.in)
                    c.error(p + "/out",
                            what + ": \"out\" (" + secs(*r) + ") is not after \"in\" (" + secs(it.in) + ")",
                            "the range in..out is what is used of the source; out must be greater", label);
                else
                    it.out = r;
            }
            if (const json* x = c.field(v, "speed")) {
                auto r = c.time(*x, p + "/speed", "speed", label);
                if (r && *r < Rational(0))
                    c.error(
                        p + "/speed", what + ": \"speed\" is negative (" + secs(*r) + ")",
                        "0.5 is half speed, 2 double, 0 a freeze frame; reverse playback is not supported",
                        label);
                else if (r)
                    it.speed = *r;
            }
            // A freeze frame (speed 0) lasts its `duration`; anything else lasts (out - in) / speed.
            const json* d = c.field(v, "duration");
            if (it.frozen()) {
                if (const json* x =
                        c.required(v, p, "duration", what + " (a freeze frame, speed 0)", label)) {
                    auto r = c.time(*x, p + "/duration", "duration", label);
                    if (r && *r <= Rational(0))
                        c.error(p + "/duration",
                                what + ": \"duration\" must be positive (got " + secs(*r) + ")", {}, label);
                    else
                        it.duration = r;
                }
                if (c.field(v, "out"))
                    c.error(p + "/out", what + ": \"out\" has no meaning on a freeze frame (speed 0)",
                            "a freeze frame shows the frame at \"in\" for its \"duration\"; remove \"out\"",
                            label);
            } else if (d) {
                c.error(p + "/duration",
                        what +
                            ": \"duration\" is only for freeze frames (speed 0); this item lasts "
                            "(out - in) / speed",
                        "remove \"duration\", or set \"speed\": 0 to hold the frame at \"in\"", label);
            }
        }
        if (it.type == ItemType::image || it.type == ItemType::color) {
            if (const json* x = c.required(v, p, "duration", what, label)) {
                auto r = c.time(*x, p + "/duration", "duration", label);
                if (r && *r <= Rational(0))
                    c.error(p + "/duration", what + ": \"duration\" must be positive (got " + secs(*r) + ")",
                            {}, label);
                else
                    it.duration = r;
            }
        }
        if (it.type == ItemType::color) {
            if (const json* x = c.required(v, p, "color", what, label))
                if (auto col = c.color(*x, p + "/color", "color", true, label)) it.color = *col;
        } else if (!audio_track) {
            if (const json* x = c.field(v, "color")) adjust(*x, p + "/color", it, label);
        }
        if (!audio_track) {
            if (const json* x = c.field(v, "transform")) transform(*x, p + "/transform", it, label);
            if (const json* x = c.field(v, "crop")) crop(*x, p + "/crop", it, label);
            if (const json* x = c.field(v, "opacity"))
                it.opacity = c.number(*x, p + "/opacity", "opacity", 0, 1, label).value_or(1);
        }
        for (const char* fade : {"fade_in", "fade_out"}) {
            if (const json* x = c.field(v, fade)) {
                auto r = c.time(*x, p + "/" + fade, fade, label);
                if (r && *r < Rational(0))
                    c.error(p + "/" + fade, what + ": " + quote(fade) + " is negative", {}, label);
                else if (r)
                    (std::string(fade) == "fade_in" ? it.fade_in : it.fade_out) = *r;
            }
        }
        if (const json* x = c.field(v, "transition_in")) transition(*x, p + "/transition_in", it, label);
        if (it.type == ItemType::clip || it.type == ItemType::comp) {
            if (const json* x = c.field(v, "gain_db"))
                it.gain_db = c.number(*x, p + "/gain_db", "gain_db", -120, 48, label).value_or(0);
            if (const json* x = c.field(v, "mute"))
                it.mute = c.boolean(*x, p + "/mute", "mute", label).value_or(false);
        }
        track.items.push_back(std::move(it));
    }

    void transform(const json& v, const std::string& p, Item& it, const std::string& label)
    {
        if (!c.is_object(v, p, "\"transform\"")) return;
        c.check_keys(v, p, "\"transform\"",
                     {"x", "y", "width", "height", "fit", "rotation", "anchor", "flip_x", "flip_y"}, label);
        Transform t;
        constexpr double big = 1e6;
        if (const json* x = c.field(v, "x")) t.x = c.number(*x, p + "/x", "x", -big, big, label).value_or(0);
        if (const json* x = c.field(v, "y")) t.y = c.number(*x, p + "/y", "y", -big, big, label).value_or(0);
        for (const char* dim : {"width", "height"}) {
            if (const json* x = c.field(v, dim)) {
                auto d = c.number(*x, p + "/" + dim, dim, 0, big, label);
                if (d && *d <= 0)
                    c.error(p + "/" + dim, quote(dim) + " of the transform box must be positive",
                            "to hide an item, set \"enabled\": false or \"opacity\": 0", label);
                else if (d)
                    (std::string(dim) == "width" ? t.width : t.height) = d;
            }
        }
        if (const json* x = c.field(v, "fit"))
            if (auto s = c.one_of(*x, p + "/fit", "fit", {"contain", "cover", "stretch", "none"}, label))
                t.fit = *s == "cover"     ? Fit::cover
                        : *s == "stretch" ? Fit::stretch
                        : *s == "none"    ? Fit::none
                                          : Fit::contain;
        if (const json* x = c.field(v, "rotation"))
            t.rotation = c.number(*x, p + "/rotation", "rotation", -big, big, label).value_or(0);
        if (const json* x = c.field(v, "anchor")) {
            if (!x->is_array() || x->size() != 2) {
                c.error(p + "/anchor", "\"anchor\" must be an array of two numbers [ax, ay]",
                        "fractions of the box: [0.5, 0.5] is its centre", label);
            } else {
                t.anchor_x = c.number((*x)[0], p + "/anchor/0", "anchor[0]", -100, 100, label).value_or(0.5);
                t.anchor_y = c.number((*x)[1], p + "/anchor/1", "anchor[1]", -100, 100, label).value_or(0.5);
            }
        }
        if (const json* x = c.field(v, "flip_x"))
            t.flip_x = c.boolean(*x, p + "/flip_x", "flip_x", label).value_or(false);
        if (const json* x = c.field(v, "flip_y"))
            t.flip_y = c.boolean(*x, p + "/flip_y", "flip_y", label).value_or(false);
        it.transform = t;
    }

    void crop(const json& v, const std::string& p, Item& it, const std::string& label)
    {
        if (!c.is_object(v, p, "\"crop\"")) return;
        c.check_keys(v, p, "\"crop\"", {"left", "top", "right", "bottom"}, label);
        Crop cr;
        double* fields[] = {&cr.left, &cr.top, &cr.right, &cr.bottom};
        const char* names[] = {"left", "top", "right", "bottom"};
        for (int i = 0; i < 4; ++i)
            if (const json* x = c.field(v, names[i]))
                *fields[i] = c.number(*x, p + "/" + names[i], names[i], 0, 16384, label).value_or(0);
        it.crop = cr;
    }

    void adjust(const json& v, const std::string& p, Item& it, const std::string& label)
    {
        if (!v.is_object()) {
            c.error(
                p,
                "\"color\" of a " + std::string(to_string(it.type)) +
                    " item is a colour adjustment object, got " + type_name(v),
                "{\"brightness\": 0, \"contrast\": 1, \"saturation\": 1}; solid colours are \"color\" items",
                label);
            return;
        }
        c.check_keys(v, p, "\"color\"", {"brightness", "contrast", "saturation"}, label);
        ColorAdjust a;
        if (const json* x = c.field(v, "brightness"))
            a.brightness = c.number(*x, p + "/brightness", "brightness", -1, 1, label).value_or(0);
        if (const json* x = c.field(v, "contrast"))
            a.contrast = c.number(*x, p + "/contrast", "contrast", 0, 4, label).value_or(1);
        if (const json* x = c.field(v, "saturation"))
            a.saturation = c.number(*x, p + "/saturation", "saturation", 0, 4, label).value_or(1);
        it.adjust = a;
    }

    void transition(const json& v, const std::string& p, Item& it, const std::string& label)
    {
        if (!c.is_object(v, p, "\"transition_in\"")) return;
        c.check_keys(v, p, "\"transition_in\"", {"kind", "duration", "direction", "softness"}, label);
        Transition t;
        if (const json* x = c.required(v, p, "kind", "\"transition_in\"", label))
            if (auto s = c.one_of(*x, p + "/kind", "kind", {"crossfade", "wipe"}, label))
                t.kind = *s == "wipe" ? TransitionKind::wipe : TransitionKind::crossfade;
        if (t.kind == TransitionKind::wipe) {
            if (const json* x = c.required(v, p, "direction", "a wipe", label))
                if (auto s =
                        c.one_of(*x, p + "/direction", "direction", {"left", "right", "up", "down"}, label))
                    t.direction = *s == "left"   ? WipeDirection::left
                                  : *s == "up"   ? WipeDirection::up
                                  : *s == "down" ? WipeDirection::down
                                                 : WipeDirection::right;
            if (const json* x = c.field(v, "softness"))
                t.softness = c.number(*x, p + "/softness", "softness", 0, 1, label).value_or(0);
        } else {
            for (const char* key : {"direction", "softness"})
                if (c.field(v, key))
                    c.error(p + "/" + key, quote(key) + " is only for a wipe; this transition is a crossfade",
                            "set \"kind\": \"wipe\", or remove " + quote(key), label);
        }
        if (const json* x = c.required(v, p, "duration", "\"transition_in\"", label)) {
            auto d = c.time(*x, p + "/duration", "duration", label);
            if (d && *d <= Rational(0)) {
                c.error(p + "/duration", "transition \"duration\" must be positive", {}, label);
                return;
            }
            if (d) t.duration = *d;
        }
        it.transition_in = t;
    }

    /// Media and composition references, cycles and nesting depth.
    void references()
    {
        std::vector<std::string> media_ids, comp_names;
        for (const auto& [id, m] : m_tl.media) media_ids.push_back(id);
        for (const auto& [name, comp] : m_tl.compositions) comp_names.push_back(name);
        m_tl.for_each_item([&](const Composition&, const Track&, const Item& it) {
            if ((it.type == ItemType::clip || it.type == ItemType::image) && !m_tl.media.count(it.media)) {
                std::string near = closest_match(it.media, media_ids);
                c.error(it.pointer + "/media", "unknown media " + quote(it.media),
                        near.empty() ? (media_ids.empty() ? "add it under \"media\""
                                                          : "known media: " + join(media_ids))
                                     : "did you mean " + quote(near) + "?",
                        it.id);
            }
            if (it.type == ItemType::comp && !m_tl.compositions.count(it.comp)) {
                std::string near = closest_match(it.comp, comp_names);
                c.error(it.pointer + "/comp", "unknown composition " + quote(it.comp),
                        near.empty() ? (comp_names.empty() ? "define it under \"compositions\""
                                                           : "known compositions: " + join(comp_names))
                                     : "did you mean " + quote(near) + "?",
                        it.id);
            }
        });
        if (!c.errors.empty()) return;
        // Cycles: depth-first search over composition references, reporting each cycle once.
        std::map<std::string, int> state;  // 0 new, 1 on stack, 2 done
        std::vector<std::string> stack;
        std::set<std::string> reported;
        std::function<void(const Composition&)> visit = [&](const Composition& comp) {
            state[comp.name] = 1;
            stack.push_back(comp.name);
            for (const auto& t : comp.tracks)
                for (const auto& it : t.items) {
                    if (it.type != ItemType::comp) continue;
                    int s = state[it.comp];
                    if (s == 1) {
                        auto from = std::find(stack.begin(), stack.end(), it.comp);
                        std::vector<std::string> cycle(from, stack.end());
                        cycle.push_back(it.comp);
                        std::string key = *std::min_element(cycle.begin(), cycle.end() - 1);
                        if (reported.insert(key).second)
                            c.error(it.pointer + "/comp", "composition cycle: " + join(cycle, " -> "),
                                    "a composition cannot contain itself, directly or through others", it.id);
                    } else if (s == 0) {
                        visit(m_tl.compositions.at(it.comp));
                    }
                }
            stack.pop_back();
            state[comp.name] = 2;
        };
        for (const auto& [name, comp] : m_tl.compositions)
            if (state[name] == 0) visit(comp);
        if (!c.errors.empty()) return;
        // Nesting depth: find the deepest chain of comp items (memoised per composition)
        // and point at the reference that goes past the limit.
        std::map<std::string, std::vector<const Item*>> memo;
        std::function<std::vector<const Item*>(const Composition&)> deepest = [&](const Composition& comp) {
            if (!comp.name.empty())
                if (auto it = memo.find(comp.name); it != memo.end()) return it->second;
            std::vector<const Item*> best;
            for (const auto& t : comp.tracks)
                for (const auto& it : t.items) {
                    if (it.type != ItemType::comp) continue;
                    std::vector<const Item*> chain = deepest(m_tl.compositions.at(it.comp));
                    chain.insert(chain.begin(), &it);
                    if (chain.size() > best.size()) best = std::move(chain);
                }
            if (!comp.name.empty()) memo[comp.name] = best;
            return best;
        };
        std::vector<const Item*> chain = deepest(m_tl.root);
        if (int(chain.size()) > max_nesting_depth) {
            const Item& past = *chain[std::size_t(max_nesting_depth)];
            std::vector<std::string> names;
            for (const Item* it : chain) names.push_back(it->comp);
            c.error(past.pointer + "/comp",
                    "compositions are nested " + std::to_string(chain.size()) + " deep (" +
                        join(names, " > ") + "); reel renders at most " + std::to_string(max_nesting_depth) +
                        " levels",
                    "flatten some levels of nesting", past.id);
        }
    }

    Timeline& m_tl;
    std::map<std::string, std::string> m_item_ids;
};

void throw_if_any(std::vector<Error>& errors)
{
    if (errors.empty()) return;
    Error first = errors.front();
    errors.erase(errors.begin());
    first.with_more(std::move(errors));
    throw first;
}

}  // namespace

Timeline parse_timeline(std::shared_ptr<const JsonDocument> doc, const std::filesystem::path& file)
{
    Timeline tl;
    tl.file = file;
    tl.dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
    tl.document = doc;
    Parser parser(doc, tl);
    parser.run(doc->root());
    throw_if_any(parser.c.errors);
    return tl;
}

Timeline load_timeline(const std::filesystem::path& file, const std::filesystem::path& media_root)
{
    if (is_otio_path(file)) return load_otio(file, OtioOptions{media_root}).timeline;
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec))
        throw Error(ErrorCode::io, "timeline", quote(file.string()) + " is a directory, not a timeline file")
            .with_file(file.string());
    if (!std::filesystem::exists(file, ec))
        throw Error(ErrorCode::io, "timeline", "timeline file " + quote(file.string()) + " does not exist")
            .with_file(file.string());
    return parse_timeline(JsonDocument::parse(read_file(file), file.string()), file);
}

Error locate(const Timeline& timeline, Error error)
{
    if (error.location().file.empty()) error.with_file(timeline.file.string());
    if (timeline.document && error.location().line == 0 && !error.location().pointer.empty()) {
        std::string p = error.location().pointer == "/" ? "" : error.location().pointer;
        auto [line, col] = timeline.document->position(p);
        if (line > 0) error.with_position(line, col);
    }
    return error;
}

void resolve_timeline(Timeline& tl, const SourceFactsMap& facts)
{
    std::vector<Error> errors;
    auto error = [&](const Item& it, const std::string& field, std::string message, std::string hint = {}) {
        if (errors.size() >= max_errors) return;
        errors.push_back(
            locate(tl, Error(ErrorCode::timeline, "timeline", std::move(message), std::move(hint))
                           .with_pointer(field.empty() ? it.pointer : it.pointer + "/" + field)
                           .with_item(it.id)));
    };
    auto what = [](const Item& it) {
        return it.id.empty() ? std::string("this ") + to_string(it.type) + " item"
                             : std::string(to_string(it.type)) + " " + quote(it.id);
    };
    // (out - in) / speed: an absurd speed, or times with 18 decimals, can take it past
    // exact 64-bit arithmetic, which is reported at the item like any other problem.
    auto set_end = [&](Item& it) {
        if (it.frozen()) {  // the frame at `in`, held for `duration`
            it.source_out = it.in;
            it.end = it.start + *it.duration;
            return;
        }
        try {
            it.end = it.start + (it.source_out - it.in) / it.speed;
        } catch (const Error& e) {
            if (e.component() != "time") throw;
            error(it, "", what(it) + ": its length, (out - in) / speed, is beyond exact 64-bit arithmetic",
                  "write in, out and speed with at most 9 decimals (or as small fractions such as "
                  "\"1001/30000\"); an item must end within 24 hours");
            it.end = it.start;
        }
    };

    // Items of clips and images, which need only source facts.
    auto resolve_media_items = [&](Composition& comp) {
        for (auto& track : comp.tracks)
            for (auto& it : track.items) {
                if (it.crop_window && !it.media.empty() && it.crop) {
                    // A window of the source: its right and bottom edges from the source's size.
                    const SourceFacts& f = facts.at(it.media);
                    double right = f.width - it.crop->left - it.crop_window->first;
                    double bottom = f.height - it.crop->top - it.crop_window->second;
                    if (right < 0 || bottom < 0 || f.width <= 0)
                        error(it, "",
                              what(it) + ": its crop window (" + format_number(it.crop_window->first) + "x" +
                                  format_number(it.crop_window->second) + " at " +
                                  format_number(it.crop->left) + ", " + format_number(it.crop->top) +
                                  ") is not inside media " + quote(it.media) + " (" +
                                  std::to_string(f.width) + "x" + std::to_string(f.height) + ")",
                              "crop a window inside the picture");
                    it.crop->right = std::max(0.0, right);
                    it.crop->bottom = std::max(0.0, bottom);
                    it.crop_window.reset();
                }
                if (it.type == ItemType::color) {
                    it.source_out = *it.duration;
                    it.end = it.start + *it.duration;
                } else if (it.type == ItemType::image) {
                    const SourceFacts& f = facts.at(it.media);
                    if (!f.still_image && f.has_video)
                        error(it, "media",
                              what(it) + ": media " + quote(it.media) + " is a video, not a still image",
                              "use a \"clip\" item for video");
                    else if (!f.has_video)
                        error(it, "media", what(it) + ": media " + quote(it.media) + " has no picture",
                              "audio goes in a \"clip\" item, usually on an audio track");
                    it.source_out = *it.duration;
                    it.end = it.start + *it.duration;
                } else if (it.type == ItemType::clip) {
                    const SourceFacts& f = facts.at(it.media);
                    if (f.still_image && tl.clips_may_be_stills && track.kind == TrackKind::video &&
                        (it.frozen() || it.out)) {
                        // OpenTimelineIO has no image items: its clip of a still holds the
                        // picture for the clip's length.
                        Rational length = it.frozen() ? *it.duration : (*it.out - it.in) / it.speed;
                        it.type = ItemType::image;
                        it.duration = length;
                        it.in = Rational(0);
                        it.out.reset();
                        it.speed = Rational(1);
                        it.source_out = length;
                        it.end = it.start + length;
                        continue;
                    }
                    if (f.still_image) {
                        error(it, "media", what(it) + ": media " + quote(it.media) + " is a still image",
                              "use an \"image\" item with a \"duration\"");
                        it.end = it.start;
                        continue;
                    }
                    if (track.kind == TrackKind::audio && !f.has_audio) {
                        error(it, "media",
                              what(it) + ": media " + quote(it.media) +
                                  " has no audio stream, but is on an audio track",
                              "put it on a video track");
                    }
                    Rational src_end = f.duration.value_or(Rational(0));
                    if (!f.duration || src_end <= Rational(0)) {
                        error(it, "media",
                              what(it) + ": media " + quote(it.media) + " has no known duration");
                        it.end = it.start;
                        continue;
                    }
                    if (it.in >= src_end) {
                        error(it, "in",
                              what(it) + ": \"in\" (" + secs(it.in) + " s) is at or past the end of media " +
                                  quote(it.media) + ", which lasts " + secs(src_end) + " s");
                        it.end = it.start;
                        continue;
                    }
                    if (it.out && *it.out > src_end) {
                        error(it, "out",
                              what(it) + ": \"out\" (" + secs(*it.out) + " s) is beyond the end of media " +
                                  quote(it.media) + ", which lasts " + secs(src_end) + " s",
                              "omit \"out\" to play to the end of the source");
                    }
                    it.source_out = it.out ? min(*it.out, src_end) : src_end;
                    set_end(it);
                }
            }
    };
    resolve_media_items(tl.root);
    for (auto& [name, comp] : tl.compositions) resolve_media_items(comp);

    // Compositions bottom-up: a comp item's length needs its composition's duration.
    std::map<std::string, int> done;
    std::function<void(Composition&)> resolve_comp = [&](Composition& comp) {
        if (!comp.name.empty()) {
            if (done[comp.name]) return;
            done[comp.name] = 1;
        }
        Rational last(0);
        for (auto& track : comp.tracks)
            for (auto& it : track.items) {
                if (it.type == ItemType::comp) {
                    Composition& inner = tl.compositions.at(it.comp);
                    resolve_comp(inner);
                    if (inner.duration <= Rational(0)) {
                        error(it, "comp",
                              what(it) + ": composition " + quote(it.comp) +
                                  " is empty (no items and no duration)");
                        it.end = it.start;
                        continue;
                    }
                    if (it.in >= inner.duration) {
                        error(it, "in",
                              what(it) + ": \"in\" (" + secs(it.in) +
                                  " s) is at or past the end of composition " + quote(it.comp) +
                                  ", which lasts " + secs(inner.duration) + " s");
                        it.end = it.start;
                        continue;
                    }
                    if (it.out && *it.out > inner.duration)
                        error(it, "out",
                              what(it) + ": \"out\" (" + secs(*it.out) +
                                  " s) is beyond the end of composition " + quote(it.comp) +
                                  ", which lasts " + secs(inner.duration) + " s",
                              "omit \"out\" to play the whole composition");
                    it.source_out = it.out ? min(*it.out, inner.duration) : inner.duration;
                    set_end(it);
                }
                last = max(last, it.end);
            }
        comp.duration = comp.declared_duration.value_or(last);
    };
    resolve_comp(tl.root);
    for (auto& [name, comp] : tl.compositions) resolve_comp(comp);

    // Per item: fades and limits; per track: order, overlaps and transitions.
    auto check_comp = [&](Composition& comp) {
        for (auto& track : comp.tracks) {
            std::stable_sort(track.items.begin(), track.items.end(),
                             [](const Item& a, const Item& b) { return a.start < b.start; });
            // A transition longer than the item it fades from makes the item start before
            // that item, so sorting puts it first: recognise the pair by its end time and
            // report the real mistake once.
            std::set<std::size_t> handled;
            for (std::size_t i = 0; i < track.items.size(); ++i) {
                const Item& it = track.items[i];
                if (!it.transition_in) continue;
                for (std::size_t j = i + 1; j < track.items.size(); ++j) {
                    const Item& from = track.items[j];
                    if (from.end == it.start + it.transition_in->duration) {
                        error(it, "transition_in/duration",
                              what(it) + ": transition (" + secs(it.transition_in->duration) +
                                  " s) is longer than " + quote(from.label()) + " (" + secs(from.length()) +
                                  " s), the item it fades from",
                              "shorten the transition to at most " + secs(from.length()) + " s");
                        handled.insert(i);
                        handled.insert(j);
                        break;
                    }
                }
            }
            for (std::size_t i = 0; i < track.items.size(); ++i) {
                Item& it = track.items[i];
                if (handled.count(i)) continue;
                if (it.end > Rational(max_time_seconds))
                    error(it, "", what(it) + " ends at " + secs(it.end) + " s, past the 24-hour limit");
                if (it.fade_in > it.length() || it.fade_out > it.length() ||
                    it.fade_in + it.fade_out > it.length())
                    error(it, it.fade_in > it.length() ? "fade_in" : "fade_out",
                          what(it) + ": fades (" + secs(it.fade_in) + " s in, " + secs(it.fade_out) +
                              " s out) are longer than the item (" + secs(it.length()) + " s)",
                          "shorten the fades so fade_in + fade_out fits in the item");
                if (i == 0) {
                    if (it.transition_in)
                        error(it, "transition_in",
                              what(it) + " has a transition_in but no item before it on its track",
                              "a crossfade needs a previous item to fade from; use fade_in to fade from the "
                              "layers below");
                    continue;
                }
                const Item& prev = track.items[i - 1];
                if (handled.count(i - 1)) continue;
                if (it.transition_in) {
                    Rational d = it.transition_in->duration;
                    Rational expected = prev.end - d;
                    if (it.start != expected) {
                        error(it, "start",
                              what(it) + " starts at " + secs(it.start) + " s, but its " + secs(d) +
                                  " s transition from " + quote(prev.label()) + " (ending at " +
                                  secs(prev.end) + " s) needs it to start at " + secs(expected) + " s",
                              "a transition_in item must start exactly its duration before the previous item "
                              "ends");
                    } else if (d > prev.length() || d > it.length()) {
                        error(it, "transition_in/duration",
                              what(it) + ": transition (" + secs(d) + " s) is longer than " +
                                  (d > prev.length() ? quote(prev.label()) : std::string("the item itself")));
                    } else if (i >= 2 && track.items[i - 2].end > it.start) {
                        error(it, "start",
                              what(it) + " overlaps " + quote(track.items[i - 2].label()) + " as well as " +
                                  quote(prev.label()),
                              "transitions on one track must not overlap each other");
                    }
                } else if (it.start < prev.end) {
                    error(it, "start",
                          what(it) + " (starting at " + secs(it.start) + " s) overlaps " +
                              quote(prev.label()) + " (" + secs(prev.start) + " s to " + secs(prev.end) +
                              " s) on track " + quote(track.id.empty() ? track.pointer : track.id),
                          "move it to start at " + secs(prev.end) +
                              " s or later, put it on another track, or add a transition_in");
                }
            }
        }
    };
    check_comp(tl.root);
    for (auto& [name, comp] : tl.compositions) check_comp(comp);
    if (errors.empty() && tl.root.duration <= Rational(0)) {
        errors.push_back(
            locate(tl, Error(ErrorCode::timeline, "timeline",
                             "the timeline is empty: no items and no duration", "add items to \"tracks\"")
                           .with_pointer("/tracks")));
    }
    if (errors.empty() && tl.root.duration > Rational(max_time_seconds))
        errors.push_back(
            locate(tl, Error(ErrorCode::timeline, "timeline", "the timeline is longer than 24 hours")
                           .with_pointer("/tracks")));
    throw_if_any(errors);
}

}  // namespace reel
