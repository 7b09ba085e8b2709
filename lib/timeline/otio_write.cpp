// SPDX-License-Identifier: Apache-2.0
// reel's model → OpenTimelineIO JSON. The mapping is documented in man/reel-plan.1,
// section "OpenTimelineIO output"; read_otio() (otio.cpp, with otio_reel_meta.cpp for
// metadata.reel) reads it back with the same meaning.
#include "timeline/otio_write.h"

#include "timeline/serialize.h"

#include "timeline/detail/text.h"
#include "util/error.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace reel {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;
using detail::quote;

constexpr std::int64_t max_exact_double = std::int64_t(1) << 53;

bool is_ntsc(const Rational& r)
{
    for (std::int64_t n : {24, 30, 48, 60, 96, 120, 240})
        if (r == Rational(n * 1000, 1001)) return true;
    return false;
}

/// Whether `rate` can be written as a JSON number that OTIO readers, and read_otio(),
/// take for exactly this rate: an integer, a decimal whose shortest text is exact (12.5),
/// or an NTSC rate (read_otio() snaps 23.976023976023978 to 24000/1001; it also snaps any
/// other decimal near an NTSC rate, so those are not writable).
bool writable_rate(const Rational& rate)
{
    if (rate <= Rational(0)) return false;
    if (rate.den() == 1) return rate.num() < max_exact_double;
    if (is_ntsc(rate)) return true;
    double d = rate.to_double();
    for (int n : {24, 30, 48, 60, 96, 120, 240})
        if (std::abs(d - n * 1000.0 / 1001.0) < 0.005) return false;
    auto back = Rational::parse(json(d).dump());
    return back && *back == rate;
}

/// A RationalTime.1 whose value / rate is exactly `t`: at the first of `preferred` rates
/// that is writable and holds `t` in whole units, else at the rate of `t`'s denominator.
json rational_time(const Rational& t, std::initializer_list<Rational> preferred)
{
    Rational rate(t.den());
    for (const Rational& r : preferred)
        if (writable_rate(r) && (t * r).den() == 1) {
            rate = r;
            break;
        }
    Rational value = t * rate;
    if (value.den() != 1 || value.num() >= max_exact_double || value.num() <= -max_exact_double ||
        !writable_rate(rate))
        throw Error(
            ErrorCode::timeline, "otio",
            "time " + t.to_string() + " s cannot be written exactly as an OpenTimelineIO RationalTime",
            "use times with a smaller denominator");
    return {{"OTIO_SCHEMA", "RationalTime.1"}, {"rate", rate.to_double()}, {"value", double(value.num())}};
}

json time_range(const Rational& start, const Rational& duration, std::initializer_list<Rational> preferred)
{
    return {{"OTIO_SCHEMA", "TimeRange.1"},
            {"duration", rational_time(duration, preferred)},
            {"start_time", rational_time(start, preferred)}};
}

/// A time as reel JSON writes it: an integer, else the exact fraction as a string.
json reel_time(const Rational& r)
{
    if (r.den() == 1) return r.num();
    return r.to_string();
}

/// Percent-encodes what a URL path cannot hold as is.
std::string url_encode(const std::string& path, bool keep_all_but_percent_and_colon)
{
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (char ch : path) {
        auto c = static_cast<unsigned char>(ch);
        bool keep = keep_all_but_percent_and_colon
                        ? (c != '%' && c != ':')
                        : (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~');
        if (keep) {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

/// The fields of the item object that OTIO has no place for, in reel JSON form.
json reel_item_fields(const Item& it, bool track_mute)
{
    json j = item_visual_json(it, false);  // transitions are OTIO Transitions
    if (it.type == ItemType::clip || it.type == ItemType::comp) {
        if (it.gain_db != 0) j["gain_db"] = it.gain_db;
        // Always written: OTIO keeps sound on audio tracks, so without it a reader mutes
        // clips on video tracks.
        j["mute"] = it.mute || track_mute;
    }
    return j;
}

json item_object(const char* schema, const std::string& name)
{
    return {{"OTIO_SCHEMA", schema},
            {"name", name},
            {"metadata", json::object()},
            {"source_range", nullptr},
            {"effects", json::array()},
            {"markers", json::array()},
            {"enabled", true}};
}

/// The pieces of an image sequence's name pattern ("plates/shot.%04d.exr").
struct SequenceName {
    std::string prefix, suffix;
    int padding = 0;
};

std::optional<SequenceName> split_sequence(const std::string& pattern)
{
    std::size_t slash = pattern.find_last_of('/');
    SequenceName n;
    std::string file = slash == std::string::npos ? pattern : pattern.substr(slash + 1);
    bool found = false;
    std::string* part = &n.prefix;
    for (std::size_t i = 0; i < file.size(); ++i) {
        if (file[i] != '%') {
            *part += file[i];
            continue;
        }
        if (i + 1 < file.size() && file[i + 1] == '%') {
            *part += '%';
            ++i;
            continue;
        }
        std::size_t j = i + 1;
        std::string digits;
        while (j < file.size() && std::isdigit(static_cast<unsigned char>(file[j]))) digits += file[j++];
        if (j >= file.size() || file[j] != 'd' || found) return std::nullopt;
        n.padding = digits.empty() ? 0 : std::stoi(digits);
        found = true;
        part = &n.suffix;
        i = j;
    }
    if (!found) return std::nullopt;
    return n;
}

class Writer {
public:
    Writer(const Timeline& tl, const SourceFactsMap& facts, const OtioWriteOptions& options)
        : m_tl(tl), m_facts(facts)
    {
        std::error_code ec;
        m_dir = fs::absolute(options.dir.empty() ? fs::current_path(ec) : options.dir).lexically_normal();
    }

    json timeline()
    {
        const Output& o = m_tl.output;
        json video = video_settings_json(o.video);
        json reel = {{"width", o.width},
                     {"height", o.height},
                     {"fps", reel_time(o.fps)},
                     {"background", o.background.to_string()},
                     {"audio", {{"sample_rate", o.audio.sample_rate}, {"channels", o.audio.channels}}},
                     {"video", video}};
        json stack = item_object("Stack.1", "tracks");
        stack["children"] = tracks(m_tl.root, false);
        if (m_tl.root.duration != content_end(m_tl.root))
            stack["source_range"] = time_range(Rational(0), m_tl.root.duration, {o.fps});
        return {
            {"OTIO_SCHEMA", "Timeline.1"},
            {"name", m_tl.file.stem().string()},
            {"metadata", {{"reel", reel}}},
            {"global_start_time", writable_rate(o.fps) ? rational_time(Rational(0), {o.fps}) : json(nullptr)},
            {"tracks", stack}};
    }

private:
    static Rational content_end(const Composition& c)
    {
        Rational end(0);
        for (const auto& t : c.tracks)
            for (const auto& it : t.items) end = max(end, it.end);
        return end;
    }

    /// The tracks of a composition, the longest padded with a gap to its duration.
    json tracks(const Composition& c, bool pad)
    {
        json out = json::array();
        std::size_t longest = 0;
        Rational end(0);
        for (std::size_t k = 0; k < c.tracks.size(); ++k) {
            out.push_back(track(c.tracks[k]));
            Rational e = c.tracks[k].items.empty() ? Rational(0) : c.tracks[k].items.back().end;
            if (e > end) end = e, longest = k;
        }
        if (pad && c.duration > end) {
            if (out.empty()) {
                json t = item_object("Track.1", "");
                t["kind"] = "Video";
                t["children"] = json::array();
                out.push_back(std::move(t));
            }
            out[longest]["children"].push_back(gap(c.duration - end));
        }
        return out;
    }

    json gap(const Rational& length)
    {
        json g = item_object("Gap.1", "");
        g["source_range"] = time_range(Rational(0), length, {m_tl.output.fps});
        return g;
    }

    json fade(const Rational& in_offset, const Rational& out_offset)
    {
        const Rational& fps = m_tl.output.fps;
        return {{"OTIO_SCHEMA", "Transition.1"},
                {"name", ""},
                {"metadata", json::object()},
                {"transition_type", "SMPTE_Dissolve"},
                {"in_offset", rational_time(in_offset, {fps})},
                {"out_offset", rational_time(out_offset, {fps})}};
    }

    /// Where a transition into `it` cuts: half of it before, rounded down to a frame.
    Rational cut_offset(const Item& it) const
    {
        const Rational& fps = m_tl.output.fps;
        Rational d = it.transition_in->duration;
        Rational half = Rational((d * fps / Rational(2)).floor()) / fps;
        return std::clamp(half, Rational(0), d);
    }

    json track(const Track& t)
    {
        const Rational& fps = m_tl.output.fps;
        json j = item_object("Track.1", t.id);
        j["kind"] = t.kind == TrackKind::audio ? "Audio" : "Video";
        j["enabled"] = t.enabled;
        json children = json::array();
        const auto& items = t.items;
        // Each item's span in OTIO, between cuts: a transition's cut splits its overlap.
        std::vector<Rational> from(items.size()), to(items.size());
        for (std::size_t k = 0; k < items.size(); ++k) {
            from[k] = items[k].start;
            to[k] = items[k].end;
        }
        for (std::size_t k = 1; k < items.size(); ++k)
            if (items[k].transition_in) {
                Rational cut = items[k].start + cut_offset(items[k]);
                from[k] = cut;
                to[k - 1] = cut;
            }
        Rational cursor(0);
        for (std::size_t k = 0; k < items.size(); ++k) {
            const Item& it = items[k];
            if (k > 0 && it.transition_in) {
                Rational in = cut_offset(it);
                json tr = {{"OTIO_SCHEMA", "Transition.1"},
                           {"name", ""},
                           {"metadata", json::object()},
                           {"in_offset", rational_time(in, {fps})},
                           {"out_offset", rational_time(it.transition_in->duration - in, {fps})}};
                if (it.transition_in->kind == TransitionKind::crossfade) {
                    tr["transition_type"] = "SMPTE_Dissolve";
                } else {
                    tr["transition_type"] = "reel:Wipe";
                    tr["metadata"]["reel"] = {{"direction", to_string(it.transition_in->direction)},
                                              {"softness", it.transition_in->softness}};
                }
                children.push_back(std::move(tr));
            } else if (from[k] > cursor) {
                children.push_back(gap(from[k] - cursor));
            }
            // Fades, for other tools, as OTIO draws them: a dissolve from or to a gap (or
            // the track's edge). Only there: beside another item it would be a crossfade.
            // (reel reads the fades from metadata.reel.item either way.)
            bool open_before = k == 0 || (!it.transition_in && from[k] > to[k - 1]);
            bool open_after = k + 1 == items.size() || (!items[k + 1].transition_in && from[k + 1] > to[k]);
            if (it.fade_in > Rational(0) && open_before) children.push_back(fade(Rational(0), it.fade_in));
            children.push_back(item(it, from[k], to[k], t.mute));
            if (it.fade_out > Rational(0) && open_after) children.push_back(fade(it.fade_out, Rational(0)));
            cursor = to[k];
        }
        j["children"] = std::move(children);
        return j;
    }

    /// An item shown from `from` to `to` on its OTIO track (its own range less the
    /// transitions' handles).
    json item(const Item& it, const Rational& from, const Rational& to, bool track_mute)
    {
        const Rational& fps = m_tl.output.fps;
        Rational head = from - it.start;
        Rational length = to - from;
        json j;
        if (it.type == ItemType::comp) {
            const Composition& c = m_tl.composition(it.comp);
            j = item_object("Stack.1", it.id);
            j["children"] = tracks(c, true);
            json comp = {{"name", c.name},
                         {"width", c.width},
                         {"height", c.height},
                         {"duration", reel_time(c.duration)}};
            bool empty =
                std::all_of(c.tracks.begin(), c.tracks.end(), [](const Track& t) { return t.items.empty(); });
            if (empty && c.background) {
                // OTIO readers (reel's too) take a stack without clips for a gap: its
                // background becomes a colour clip (in place of the background, which
                // may be translucent).
                json clip = item_object("Clip.2", "");
                clip["source_range"] = time_range(Rational(0), c.duration, {fps});
                clip["media_references"] = {{"DEFAULT_MEDIA", solid_colour(*c.background)}};
                clip["active_media_reference_key"] = "DEFAULT_MEDIA";
                json t = item_object("Track.1", "");
                t["kind"] = "Video";
                t["children"] = json::array({clip});
                j["children"].insert(j["children"].begin(), std::move(t));
            } else if (c.background) {
                comp["background"] = c.background->to_string();
            }
            j["metadata"]["reel"]["composition"] = std::move(comp);
            j["source_range"] = time_range(it.in + head * it.speed, length, {fps});
        } else {
            j = item_object("Clip.2", it.id);
            json ref;
            if (it.type == ItemType::color) {
                ref = solid_colour(it.color);
            } else {
                ref = media_reference(m_tl.media.at(it.media), it);
            }
            Rational start = it.type == ItemType::clip ? it.in + head * it.speed : Rational(0);
            auto f = it.type == ItemType::clip ? m_facts.find(it.media) : m_facts.end();
            Rational media_rate = f != m_facts.end() ? f->second.frame_rate : Rational(0);
            j["source_range"] = media_rate > Rational(0) ? time_range(start, length, {media_rate, fps})
                                                         : time_range(start, length, {fps});
            j["media_references"] = {{"DEFAULT_MEDIA", std::move(ref)}};
            j["active_media_reference_key"] = "DEFAULT_MEDIA";
        }
        j["enabled"] = it.enabled;
        if (it.frozen())
            j["effects"].push_back({{"OTIO_SCHEMA", "FreezeFrame.1"},
                                    {"name", ""},
                                    {"metadata", json::object()},
                                    {"effect_name", "FreezeFrame"},
                                    {"time_scalar", 0.0}});
        else if ((it.type == ItemType::clip || it.type == ItemType::comp) && it.speed != Rational(1)) {
            json warp = {{"OTIO_SCHEMA", "LinearTimeWarp.1"},
                         {"name", ""},
                         {"metadata", json::object()},
                         {"effect_name", "LinearTimeWarp"},
                         {"time_scalar", it.speed.to_double()}};
            auto back = Rational::parse(json(it.speed.to_double()).dump());
            if (!back || *back != it.speed)
                warp["metadata"]["reel"] = {{"time_scalar", it.speed.to_string()}};
            j["effects"].push_back(std::move(warp));
        }
        json fields = reel_item_fields(it, track_mute);
        if (!fields.empty()) j["metadata"]["reel"]["item"] = std::move(fields);
        return j;
    }

    static json solid_colour(const Color& c)
    {
        json ref = reference("GeneratorReference.1", "");
        ref["generator_kind"] = "SolidColor";
        ref["parameters"] = {{"color", {c.r / 255.0, c.g / 255.0, c.b / 255.0, c.a / 255.0}}};
        return ref;
    }

    static json reference(const char* schema, const std::string& name)
    {
        return {{"OTIO_SCHEMA", schema},
                {"name", name},
                {"metadata", json::object()},
                {"available_range", nullptr},
                {"available_image_bounds", nullptr}};
    }

    /// A media path as the .otio file names it: relative to its folder when reel's path
    /// was relative, else a file:// URL.
    std::string url(const std::string& written, const fs::path& resolved, bool is_dir = false)
    {
        fs::path target = fs::absolute(resolved).lexically_normal();
        bool absolute = fs::path(written).is_absolute();
        if (!absolute) {
            fs::path rel = target.lexically_relative(m_dir);
            if (!rel.empty()) {
                std::string s = rel.generic_string();
                if (is_dir && !s.empty() && s.back() != '/') s += '/';
                if (s == "./") s.clear();
                return url_encode(s, true);
            }
        }
        std::string s = target.generic_string();
        if (is_dir && !s.empty() && s.back() != '/') s += '/';
        return "file://" + url_encode(s, false);
    }

    json media_reference(const MediaRef& m, const Item& it)
    {
        const Rational& fps = m_tl.output.fps;
        auto f = m_facts.find(m.id);
        const SourceFacts* facts = f == m_facts.end() ? nullptr : &f->second;
        if (m.sequence) return sequence_reference(m, facts);
        json ref = reference("ExternalReference.1", m.id);
        ref["target_url"] = url(m.path, m.resolved);
        if (it.type == ItemType::image) {
            // A still: one frame available, held for the clip's duration (as Resolve
            // writes stills); a clip one frame long or shorter relies on the file's name.
            Rational frame = Rational(1) / fps;
            if (it.duration && *it.duration > frame)
                ref["available_range"] = time_range(Rational(0), frame, {fps});
        } else if (facts && facts->duration) {
            ref["available_range"] = time_range(Rational(0), *facts->duration, {facts->frame_rate, fps});
        }
        return ref;
    }

    json sequence_reference(const MediaRef& m, const SourceFacts* facts)
    {
        const ImageSequence& q = *m.sequence;
        auto name = split_sequence(m.path);
        if (!name)
            throw Error(ErrorCode::timeline, "otio",
                        "media " + quote(m.id) + ": image sequence pattern " + quote(m.path) +
                            " has no frame-number field in its file name")
                .with_pointer(m.pointer);
        fs::path dir = sequence_dir(m);
        std::int64_t start = q.start ? *q.start : first_frame_on_disk(m, dir, *name);
        json ref = reference("ImageSequenceReference.1", m.id);
        ref["target_url_base"] = url(m.path, dir, true);
        // Parts of a URL, like the base: a literal '%' is %25.
        ref["name_prefix"] = url_encode(name->prefix, true);
        ref["name_suffix"] = url_encode(name->suffix, true);
        ref["start_frame"] = start;
        ref["frame_step"] = q.step;
        ref["rate"] = q.rate.to_double();
        ref["frame_zero_padding"] = name->padding;
        ref["missing_frame_policy"] = to_string(q.missing);
        // The frames the sequence has: to its "end" when it has one, else as probed.
        std::optional<Rational> duration;
        if (q.end && *q.end >= start)
            duration = Rational((*q.end - start) / q.step + 1) / q.rate;
        else if (facts && facts->duration)
            duration = facts->duration;
        if (duration) ref["available_range"] = time_range(Rational(0), *duration, {q.rate, m_tl.output.fps});
        return ref;
    }

    /// The folder of a sequence's files: its pattern's, with "%%" read as "%".
    static fs::path sequence_dir(const MediaRef& m)
    {
        std::string dir = fs::path(m.resolved).parent_path().string();
        for (std::size_t k = dir.find("%%"); k != std::string::npos; k = dir.find("%%", k + 1))
            dir.erase(k, 1);
        return dir;
    }

    /// The lowest frame number of a sequence found on disk (sequence.start's default).
    static std::int64_t first_frame_on_disk(const MediaRef& m, const fs::path& dir, const SequenceName& name)
    {
        std::optional<std::int64_t> lowest;
        std::error_code ec;
        for (fs::directory_iterator d(dir.empty() ? fs::path(".") : dir, ec), end; !ec && d != end;
             d.increment(ec)) {
            std::string file = d->path().filename().string();
            if (file.size() <= name.prefix.size() + name.suffix.size() || file.rfind(name.prefix, 0) != 0 ||
                file.compare(file.size() - name.suffix.size(), name.suffix.size(), name.suffix) != 0)
                continue;
            std::string digits =
                file.substr(name.prefix.size(), file.size() - name.prefix.size() - name.suffix.size());
            bool negative = !digits.empty() && digits[0] == '-';
            if (negative) digits.erase(0, 1);
            if (digits.empty() || digits.size() > 18 ||
                !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
                continue;
            if (name.padding > 0 ? digits.size() < std::size_t(name.padding)
                                 : (digits.size() > 1 && digits[0] == '0'))
                continue;
            std::int64_t n = std::stoll(digits) * (negative ? -1 : 1);
            if (!lowest || n < *lowest) lowest = n;
        }
        if (!lowest)
            throw Error(ErrorCode::media, "otio",
                        "media " + quote(m.id) + ": no frame of image sequence " + quote(m.path) +
                            " is on disk, so its first frame number is unknown",
                        "give the sequence a \"start\"")
                .with_pointer(m.pointer)
                .with_file(m.resolved.string());
        return *lowest;
    }

    const Timeline& m_tl;
    const SourceFactsMap& m_facts;
    fs::path m_dir;
};

}  // namespace

nlohmann::json to_otio(const Timeline& timeline, const SourceFactsMap& facts, const OtioWriteOptions& options)
{
    return Writer(timeline, facts, options).timeline();
}

}  // namespace reel
