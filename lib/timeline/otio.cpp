// SPDX-License-Identifier: Apache-2.0
// OpenTimelineIO JSON → reel's model. The mapping (what is supported, what is an error,
// what is a warning) is documented in man/reel-plan.1, section "OpenTimelineIO input";
// the OTIO semantics followed are summarised in otio-notes.md.
#include "timeline/otio.h"

#include "timeline/detail/text.h"
#include "timeline/otio_reel_meta.h"

#include "timeline/parse.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/strings.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <set>

namespace reel {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

constexpr std::size_t max_errors = 50;

using detail::quote;

std::string lower(std::string s)
{
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/// Seconds for messages: up to 6 decimals, trailing zeros dropped, with the unit.
std::string secs(const Rational& r)
{
    return detail::decimal6(r) + " s";
}

const char* type_name(const json& v)
{
    return detail::json_kind(v, false);
}

/// The strings otio_json_text() leaves where the file had NaN or an infinity.
bool is_nonfinite_marker(const json& v)
{
    if (!v.is_string()) return false;
    const std::string& s = v.get_ref<const std::string&>();
    return s == "N" || s == "I" || s == "-I" || s == "Infini" || s == "-Infini";
}

/// A value in the document and where it is.
struct Node {
    const json* v = nullptr;
    std::string ptr;

    const json& operator*() const { return *v; }
    const json* operator->() const { return v; }
    /// The member `key` if present and not null (OTIO treats both alike).
    std::optional<Node> get(const std::string& key) const
    {
        if (!v->is_object()) return std::nullopt;
        auto it = v->find(key);
        if (it == v->end() || it->is_null()) return std::nullopt;
        return Node{&*it, ptr + "/" + json_pointer_escape(key)};
    }
    Node at(std::size_t i) const { return Node{&(*v)[i], ptr + "/" + std::to_string(i)}; }
    std::string name() const
    {
        auto n = get("name");
        return n && n->v->is_string() ? n->v->get<std::string>() : std::string();
    }
};

/// "Name.N" of an OTIO object, with the legacy aliases mapped.
struct Schema {
    std::string name;     ///< canonical: "Track" for "Sequence.1"
    int version = 0;      ///< 0 when unparseable
    std::string written;  ///< as in the file
};

std::optional<Schema> schema_of(const json& v)
{
    if (!v.is_object()) return std::nullopt;
    auto it = v.find("OTIO_SCHEMA");
    if (it == v.end() || !it->is_string()) return std::nullopt;
    Schema s;
    s.written = it->get<std::string>();
    auto dot = s.written.rfind('.');
    s.name = s.written.substr(0, dot);
    if (dot != std::string::npos) {
        std::string digits = s.written.substr(dot + 1);
        if (!digits.empty() && digits.size() < 6 &&
            std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
            s.version = std::stoi(digits);
    }
    if (s.name == "Sequence" && s.version == 1) s.name = "Track";
    if (s.name == "Filler" && s.version == 1) s.name = "Gap";
    if (s.name == "SerializeableCollection" && s.version == 1) s.name = "SerializableCollection";
    return s;
}

/// Newest version of each schema this reader understands.
int known_version(const std::string& name)
{
    static const std::map<std::string, int> versions = {{"Timeline", 1},
                                                        {"Stack", 1},
                                                        {"Track", 1},
                                                        {"Clip", 2},
                                                        {"Gap", 1},
                                                        {"Transition", 1},
                                                        {"ExternalReference", 1},
                                                        {"MissingReference", 1},
                                                        {"GeneratorReference", 1},
                                                        {"ImageSequenceReference", 1},
                                                        {"Effect", 1},
                                                        {"TimeEffect", 1},
                                                        {"LinearTimeWarp", 1},
                                                        {"FreezeFrame", 1},
                                                        {"Marker", 3},
                                                        {"SerializableCollection", 1},
                                                        {"RationalTime", 1},
                                                        {"TimeRange", 1},
                                                        {"TimeTransform", 1},
                                                        {"Color", 1},
                                                        {"V2d", 1},
                                                        {"Box2d", 1}};
    auto it = versions.find(name);
    return it == versions.end() ? 0 : it->second;
}

Rational snap_rate(const Rational& r)
{
    return snap_ntsc_rate(r);
}

/// A RationalTime: exact seconds and the rate it was written at.
struct Time {
    Rational seconds;
    Rational rate;
};

/// A TimeRange in seconds.
struct Range {
    Rational start, duration;
    Rational rate;  ///< of the duration
    Rational end() const { return start + duration; }
};

std::string percent_decode(const std::string& s)
{
    auto hex = [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(c) - 'a' + 10;
    };
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() + 0 && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += char(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

/// "D:/x" or "D:\x": a Windows drive path.
bool is_drive_path(const std::string& p)
{
    return p.size() >= 3 && std::isalpha(static_cast<unsigned char>(p[0])) && p[1] == ':' &&
           (p[2] == '/' || p[2] == '\\');
}

/// Still-image file names: their clips become `image` items that hold their picture.
bool is_still_name(const std::string& path)
{
    static const std::set<std::string> stills = {".png",  ".jpg", ".jpeg", ".tif", ".tiff", ".bmp",
                                                 ".webp", ".exr", ".dpx",  ".tga", ".svg",  ".svgz"};
    return stills.count(lower(fs::path(path).extension().string())) > 0;
}

/// One child of a track while it is laid out: a span of time that holds an item or
/// nothing, or a transition between two of them.
struct Slot {
    enum class Kind { gap, item, transition } kind = Kind::gap;
    Node node;
    std::string what;        ///< for messages: clip "A"
    Rational start, length;  ///< on the track, before transitions reach into it
    // item
    Item item;
    Rational in;                         ///< source (or composition) time at `start`
    bool bounded = false;                ///< clip or comp: cannot reach before 0 or past `source_end`
    std::optional<Rational> source_end;  ///< available end (clips), content duration (comps)
    bool clip = false;                   ///< a media clip (cutting it short is worth a warning)
    bool content = false;                ///< meant to show something (even if it failed to convert)
    // transition
    Rational in_offset, out_offset;
    Transition style;  ///< its kind, direction and softness (the duration is set by the items)
    // set by transitions
    Rational head, tail;  ///< extensions for transitions (handles)
    Rational fade_in, fade_out;
    std::optional<Rational> transition_in;
    const Slot* incoming = nullptr;  ///< transition at its start
    const Slot* outgoing = nullptr;  ///< transition at its end

    bool visible() const { return kind == Kind::item && item.enabled; }
};

struct Effects {
    Rational speed{1};
    const json* freeze = nullptr;  ///< the freeze effect, if any
    std::string freeze_ptr;
    std::optional<double> gain_db;
    // Picture effects (toucan's), in reel's terms, accumulated in the order written.
    bool flip_x = false, flip_y = false;
    double rotation = 0;
    std::optional<std::pair<double, double>> size;  ///< Resize: the picture drawn at 0,0 this big
    std::optional<std::array<double, 4>> window;    ///< Crop: x, y, width, height in source pixels
    double saturation = 1;
    std::vector<std::string> visual;  ///< labels of the picture effects applied

    bool frozen() const { return freeze != nullptr; }
    bool has_visual() const { return !visual.empty(); }
    /// The item's transform and colour adjustment with these effects applied.
    void apply(Item& it) const
    {
        if (window) {
            // toucan's Crop leaves the window's pixels 1:1 at the top left.
            Transform t = it.transform.value_or(Transform{});
            t.x = 0;
            t.y = 0;
            t.width = (*window)[2];
            t.height = (*window)[3];
            t.fit = Fit::none;
            if (it.type == ItemType::color) {
                t.fit = Fit::stretch;  // a flat colour: the window is the box
            } else {
                it.crop = Crop{(*window)[0], (*window)[1], 0, 0};
                it.crop_window = std::pair((*window)[2], (*window)[3]);
            }
            it.transform = t;
        }
        if (flip_x || flip_y || rotation != 0 || size) {
            Transform t = it.transform.value_or(Transform{});
            t.flip_x = t.flip_x != flip_x;
            t.flip_y = t.flip_y != flip_y;
            t.rotation += rotation;
            if (size) {
                t.x = 0;
                t.y = 0;
                t.width = size->first;
                t.height = size->second;
                t.fit = Fit::stretch;
            }
            it.transform = t;
        }
        if (saturation != 1 && it.type != ItemType::color) {
            ColorAdjust c = it.adjust.value_or(ColorAdjust{});
            c.saturation *= saturation;
            it.adjust = c;
        }
    }
};

class Reader {
public:
    Reader(std::shared_ptr<const JsonDocument> doc, const fs::path& file, const OtioOptions& options)
        : m_doc(std::move(doc)), m_options(options)
    {
        m_tl.file = file;
        m_tl.dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
        m_tl.document = m_doc;
        m_tl.clips_may_be_stills = true;
        if (!m_options.media_root.empty()) m_media_root = fs::absolute(m_options.media_root);
    }

    OtioTimeline run()
    {
        Node top{&m_doc->root(), ""};
        try {
            convert(top);
        } catch (const Error& e) {
            // Checked arithmetic that overflowed on some extreme time: report it here.
            error("", "cannot convert the timeline exactly: " + e.message(), e.hint());
        }
        flush_effect_warnings();
        if (!m_errors.empty()) {
            // In the order of the file, as a reader scrolls through it.
            std::stable_sort(m_errors.begin(), m_errors.end(), [](const Error& a, const Error& b) {
                return std::pair(a.location().line, a.location().column) <
                       std::pair(b.location().line, b.location().column);
            });
            Error first = m_errors.front();
            m_errors.erase(m_errors.begin());
            first.with_more(std::move(m_errors));
            throw first;
        }
        return OtioTimeline{std::move(m_tl), std::move(m_warnings), std::move(m_tl_proxies)};
    }

private:
    // ---- diagnostics -------------------------------------------------------------------

    void error(const std::string& ptr, std::string message, std::string hint = {},
               const std::string& item = {})
    {
        if (m_errors.size() >= max_errors) return;
        for (const auto& seen : m_errors)  // the same object may be read twice (a wrapped stack)
            if (seen.location().pointer == ptr && seen.message() == message) return;
        Error e(ErrorCode::timeline, "otio", std::move(message), std::move(hint));
        e.with_pointer(ptr).with_file(m_doc->file());
        auto [line, col] = m_doc->position(ptr);
        if (line > 0) e.with_position(line, col);
        if (!item.empty()) e.with_item(item);
        m_errors.push_back(std::move(e));
    }

    void warn(std::string message)
    {
        if (std::find(m_warnings.begin(), m_warnings.end(), message) == m_warnings.end())
            m_warnings.push_back(std::move(message));
    }

    void flush_effect_warnings()
    {
        for (const auto& [effect, items] : m_ignored_effects) {
            std::string names;
            for (std::size_t i = 0; i < items.size() && i < 5; ++i) names += (i ? ", " : "") + items[i];
            if (items.size() > 5) names += ", ...";
            warn("effect " + effect + " is ignored on " + std::to_string(items.size()) +
                 (items.size() == 1 ? " item (" : " items (") + names + "): reel cannot apply it");
        }
    }

    // ---- values ------------------------------------------------------------------------

    std::optional<bool> flag(const Node& obj, const char* key, bool fallback, const std::string& what)
    {
        auto v = obj.get(key);
        if (!v) return fallback;
        if (!v->v->is_boolean()) {
            error(v->ptr, what + ": " + quote(key) + " must be true or false, got " + type_name(**v));
            return std::nullopt;
        }
        return v->v->get<bool>();
    }

    std::optional<Rational> exact(const Node& n, const std::string& what)
    {
        const json& v = *n;
        if (v.is_number_integer()) {
            if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(INT64_MAX)) {
                error(n.ptr, what + " is out of range");
                return std::nullopt;
            }
            return Rational(v.get<std::int64_t>());
        }
        if (v.is_number_float()) {
            const std::string* text = m_doc->number_text(n.ptr);
            std::string t = text ? *text : format_number(v.get<double>());
            auto r = Rational::parse(t);
            if (!r) error(n.ptr, what + " (" + t + ") is out of range or cannot be represented exactly");
            return r;
        }
        if (is_nonfinite_marker(v))
            error(n.ptr, what + " is not a finite number (NaN or Infinity)");
        else
            error(n.ptr, what + " must be a number, got " + type_name(v));
        return std::nullopt;
    }

    std::optional<Time> rational_time(const Node& n, const std::string& what)
    {
        if (!n->is_object()) {
            error(n.ptr, what + " must be a RationalTime object, got " + type_name(*n));
            return std::nullopt;
        }
        if (auto s = schema_of(*n); s && (s->name != "RationalTime" || s->version > 1)) {
            error(n.ptr, what + " must be a RationalTime.1, got " + quote(s->written));
            return std::nullopt;
        }
        auto value = n.get("value");
        auto rate = n.get("rate");
        if (!value || !rate) {
            error(n.ptr, what + " is missing its " + std::string(!value ? "\"value\"" : "\"rate\""));
            return std::nullopt;
        }
        auto v = exact(*value, what + ": \"value\"");
        auto r = exact(*rate, what + ": \"rate\"");
        if (!v || !r) return std::nullopt;
        if (*r <= Rational(0)) {
            error(rate->ptr, what + ": \"rate\" must be positive, got " + r->to_string());
            return std::nullopt;
        }
        Time t;
        t.rate = snap_rate(*r);
        try {
            t.seconds = *v / t.rate;
        } catch (const Error&) {
            error(n.ptr, what + " (" + v->to_string() + " at rate " + t.rate.to_string() +
                             ") cannot be represented exactly");
            return std::nullopt;
        }
        if (t.seconds > Rational(max_time_seconds) || t.seconds < Rational(-max_time_seconds)) {
            error(n.ptr, what + " is " + secs(t.seconds) + ", more than 24 hours");
            return std::nullopt;
        }
        return t;
    }

    std::optional<Range> time_range(const Node& n, const std::string& what)
    {
        if (!n->is_object()) {
            error(n.ptr, what + " must be a TimeRange object, got " + type_name(*n));
            return std::nullopt;
        }
        if (auto s = schema_of(*n); s && (s->name != "TimeRange" || s->version > 1)) {
            error(n.ptr, what + " must be a TimeRange.1, got " + quote(s->written));
            return std::nullopt;
        }
        auto start = n.get("start_time");
        auto duration = n.get("duration");
        if (!start || !duration) {
            error(n.ptr, what + " is missing its " + std::string(!start ? "\"start_time\"" : "\"duration\""));
            return std::nullopt;
        }
        auto s = rational_time(*start, what + " start_time");
        auto d = rational_time(*duration, what + " duration");
        if (!s || !d) return std::nullopt;
        if (d->seconds < Rational(0)) {
            error(duration->ptr, what + " has a negative duration (" + secs(d->seconds) + ")");
            return std::nullopt;
        }
        return Range{s->seconds, d->seconds, d->rate};
    }

    std::optional<Range> optional_range(const Node& obj, const char* key, const std::string& what)
    {
        auto n = obj.get(key);
        if (!n) return std::nullopt;
        return time_range(*n, what + " " + key);
    }

    bool check_version(const Schema& s, const Node& n, const std::string& what)
    {
        int known = known_version(s.name);
        if (s.version < 1 || (known > 0 && s.version > known)) {
            error(n.ptr,
                  what + " has schema " + quote(s.written) + ", which this reader does not know" +
                      (known > 0 && s.version > known
                           ? " (it reads " + s.name + " up to version " + std::to_string(known) + ")"
                           : ""),
                  "export the file with an OpenTimelineIO version that writes " + s.name + "." +
                      std::to_string(known > 0 ? known : 1),
                  n.name());
            return false;
        }
        return true;
    }

    std::vector<Node> children(const Node& n, const std::string& what)
    {
        std::vector<Node> out;
        auto c = n.get("children");
        if (!c) {
            error(n.ptr, what + " is missing its required \"children\"", {}, n.name());
            return out;
        }
        if (!c->v->is_array()) {
            error(c->ptr, what + ": \"children\" must be an array, got " + type_name(**c), {}, n.name());
            return out;
        }
        for (std::size_t i = 0; i < c->v->size(); ++i) out.push_back(c->at(i));
        return out;
    }

    static std::string describe(const std::string& kind, const Node& n)
    {
        std::string name = n.name();
        return name.empty() ? "unnamed " + kind : kind + " " + quote(name);
    }

    std::string unique(const std::string& base, const std::set<std::string>& used, const char* sep)
    {
        if (!used.count(base)) return base;
        for (int k = 2;; ++k) {
            std::string candidate = base + sep + std::to_string(k);
            if (!used.count(candidate)) return candidate;
        }
    }

    std::string item_id(const std::string& name)
    {
        if (name.empty()) return {};
        std::string id = unique(name, m_item_ids, " #");
        m_item_ids.insert(id);
        return id;
    }

    // ---- top level ---------------------------------------------------------------------

    /// The first Timeline in a collection, depth first.
    std::optional<Node> find_timeline(const Node& n, int depth = 0)
    {
        auto s = schema_of(*n);
        if (!s || depth > 64) return std::nullopt;
        if (s->name == "Timeline") return n;
        if (s->name != "SerializableCollection") return std::nullopt;
        auto c = n.get("children");
        if (!c || !c->v->is_array()) return std::nullopt;
        for (std::size_t i = 0; i < c->v->size(); ++i)
            if (auto t = find_timeline(c->at(i), depth + 1)) return t;
        return std::nullopt;
    }

    void convert(const Node& top)
    {
        auto s = schema_of(*top);
        if (!s) {
            error("",
                  top->is_object()
                      ? "not an OpenTimelineIO file: the top object has no \"OTIO_SCHEMA\""
                      : std::string("not an OpenTimelineIO file: the top value is ") + type_name(*top),
                  "reel reads OTIO JSON (.otio) with a Timeline.1 at the top");
            return;
        }
        std::optional<Node> timeline;
        std::optional<Node> stack;
        std::vector<Node> lone_track;
        if (s->name == "SerializableCollection") {
            if (!check_version(*s, top, "the top object")) return;
            timeline = find_timeline(top);
            if (!timeline) {
                error("", "the SerializableCollection holds no Timeline", "export a timeline, not a bin");
                return;
            }
        } else if (s->name == "Timeline") {
            timeline = top;
        } else if (s->name == "Stack") {
            stack = top;
        } else if (s->name == "Track") {
            lone_track.push_back(top);
        } else {
            error("", "the top object is a " + quote(s->written) + ", not a Timeline",
                  "reel reads a Timeline.1 (or a SerializableCollection, Stack or Track)");
            return;
        }
        if (timeline) {
            auto ts = schema_of(**timeline);
            if (!check_version(*ts, *timeline, "the timeline")) return;
            stack = timeline->get("tracks");
            if (!stack) {
                error(timeline->ptr, "the timeline has no \"tracks\" (its Stack)", {}, timeline->name());
                return;
            }
            auto ss = schema_of(**stack);
            if (!ss || ss->name != "Stack") {
                error(stack->ptr, "the timeline's \"tracks\" must be a Stack.1, got " +
                                      (ss ? quote(ss->written) : std::string(type_name(**stack))));
                return;
            }
            if (!check_version(*ss, *stack, "the timeline's stack")) return;
            if (auto g = timeline->get("global_start_time"))
                m_global_start = rational_time(*g, "global_start_time");
        }
        output(timeline);

        Composition& root = m_tl.root;
        root.pointer = stack ? stack->ptr : "";
        root.width = m_tl.output.width;
        root.height = m_tl.output.height;
        root.background = m_tl.output.background;
        Rational duration;
        if (!stack) {
            duration = stack_children(lone_track, root, "the file");
        } else {
            std::string what = describe("stack", *stack);
            auto sr = optional_range(*stack, "source_range", what);
            Effects fx = effects(*stack, what);
            bool enabled = flag(*stack, "enabled", true, what).value_or(true);
            bool plain = enabled && fx.speed == Rational(1) && !fx.frozen() && !fx.has_visual() &&
                         (!sr || sr->start == Rational(0));
            if (plain) {
                duration = stack_children(children(*stack, what), root, what);
                if (sr) duration = sr->duration;
            } else {
                // A trimmed, warped, frozen, disabled or top stack, or one with picture
                // effects: its content becomes a composition shown through one comp item.
                Slot slot = composition_slot(*stack, Schema{"Stack", 1, "Stack.1"}, TrackKind::video);
                slot.start = Rational(0);
                std::vector<Slot> slots{std::move(slot)};
                Track track;
                track.pointer = stack->ptr;
                track.id = stack->name();
                track.items = finish(slots);
                duration = slots.front().length;
                root.tracks.push_back(std::move(track));
            }
        }
        Rational last(0);
        for (const auto& t : root.tracks)
            for (const auto& it : t.items) last = max(last, it.end);
        if (duration != last) root.declared_duration = duration;
        if (int depth = m_tl.nesting_depth(); depth > max_nesting_depth)
            error(root.pointer,
                  "stacks and tracks are nested " + std::to_string(depth) + " deep; reel renders at most " +
                      std::to_string(max_nesting_depth) + " levels of nested compositions",
                  "flatten some levels of nesting in the editor");
    }

    /// Output size and rate: OTIO has neither, so they come from metadata or defaults.
    void output(const std::optional<Node>& timeline)
    {
        Output& o = m_tl.output;
        o.width = 1920;
        o.height = 1080;
        o.background = Color{0, 0, 0, 255};
        std::optional<Rational> fps;
        std::string fps_ptr;
        if (timeline) {
            auto md = timeline->get("metadata");
            // Final Cut Pro 7 XML (Premiere) exports keep the sequence format here.
            if (md && md->v->is_object()) {
                if (auto sc = md->get("fcp_xml")) {
                    std::optional<Node> n = sc;
                    for (const char* key : {"media", "video", "format", "samplecharacteristics"})
                        if (n) n = n->get(key);
                    if (n) {
                        auto w = dimension(*n, "width", false), h = dimension(*n, "height", false);
                        if (w && h) o.width = *w, o.height = *h;
                    }
                }
                if (auto r = md->get("reel")) {
                    if (!r->v->is_object()) {
                        error(r->ptr,
                              "metadata \"reel\" must be an object, got " + std::string(type_name(**r)),
                              "{\"width\": 1280, \"height\": 720, \"fps\": 25}");
                    } else {
                        if (auto w = dimension(*r, "width", true)) o.width = *w;
                        if (auto h = dimension(*r, "height", true)) o.height = *h;
                        if (auto f = r->get("fps")) {
                            fps_ptr = f->ptr;
                            if (f->v->is_string()) {
                                fps = Rational::parse(f->v->get<std::string>());
                                if (!fps)
                                    error(f->ptr,
                                          "metadata reel \"fps\" " + quote(f->v->get<std::string>()) +
                                              " is not a rate",
                                          "write a number (25) or a fraction (\"30000/1001\")");
                            } else {
                                fps = exact(*f, "metadata reel \"fps\"");
                            }
                            if (fps) fps = snap_rate(*fps);
                        }
                        if (auto b = r->get("background")) {
                            auto c = b->v->is_string() ? Color::parse(b->v->get<std::string>(), false)
                                                       : std::nullopt;
                            if (c)
                                o.background = *c;
                            else
                                error(b->ptr, "metadata reel \"background\" must be \"#rrggbb\"");
                        }
                        for (const auto& p : apply_reel_output_metadata(*r->v, r->ptr, o))
                            error(p.pointer, p.message, p.hint);
                    }
                }
            }
        }
        // A track's or the timeline's rate (global_start_time, ranges at rate 1 or 24000) is
        // not a frame rate: without metadata.reel.fps, the rate comes from the media once
        // they are probed (choose_frame_rate in plan/), or from --fps.
        o.fps = fps.value_or(Rational(default_fps));
        o.fps_source = fps ? FpsSource::timeline : FpsSource::fallback;
        if (std::string problem = frame_rate_problem(o.fps); !problem.empty()) {
            error(fps_ptr, "metadata reel \"fps\" " + o.fps.to_string() + " is " + problem,
                  "set the output rate in the timeline's metadata: \"reel\": {\"fps\": 25}");
            o.fps = Rational(default_fps);
        }
    }

    std::optional<int> dimension(const Node& obj, const char* key, bool strict)
    {
        auto n = obj.get(key);
        if (!n) return std::nullopt;
        std::optional<std::int64_t> v;
        if (n->v->is_number_integer()) v = n->v->get<std::int64_t>();
        if (n->v->is_string()) {
            const std::string& s = n->v->get_ref<const std::string&>();
            if (!s.empty() && s.size() < 7 &&
                std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
                v = std::stoll(s);
        }
        if (!v || *v < 16 || *v > 16384 || *v % 2 != 0) {
            if (strict)
                error(n->ptr, std::string("metadata reel ") + quote(key) +
                                  " must be an even integer from 16 to 16384, got " + n->v->dump());
            return std::nullopt;
        }
        return int(*v);
    }

    // ---- stacks and tracks -------------------------------------------------------------

    std::optional<TrackKind> track_kind(const Node& track, const std::string& what)
    {
        auto k = track.get("kind");
        if (!k) {
            error(track.ptr, what + " is missing its required \"kind\"", "\"Video\" or \"Audio\"",
                  track.name());
            return std::nullopt;
        }
        if (!k->v->is_string()) {
            error(k->ptr, what + ": \"kind\" must be a string, got " + type_name(**k));
            return std::nullopt;
        }
        std::string kind = lower(k->v->get<std::string>());
        if (kind == "video") return TrackKind::video;
        if (kind == "audio") return TrackKind::audio;
        error(k->ptr, what + " has kind " + quote(k->v->get<std::string>()) + ", which reel cannot render",
              "reel has \"Video\" and \"Audio\" tracks", track.name());
        return std::nullopt;
    }

    /// The children of a Stack become the tracks of `comp`; returns the stack's content
    /// duration (its longest child).
    Rational stack_children(const std::vector<Node>& kids, Composition& comp, const std::string& stack_what)
    {
        Rational duration;
        for (const Node& child : kids) {
            auto s = schema_of(*child);
            if (!s) {
                error(child.ptr,
                      "a child of " + stack_what + " is " +
                          (child->is_object() ? "an object without \"OTIO_SCHEMA\"" : type_name(*child)),
                      "Stack children must be OTIO items (Track.1, Clip.2, Gap.1, Stack.1)");
                continue;
            }
            if (s->name == "Track") {
                if (!check_version(*s, child, describe("track", child))) continue;
                duration = max(duration, stack_track(child, comp));
            } else if (s->name == "Clip" || s->name == "Gap" || s->name == "Stack") {
                // An item directly in a stack starts at 0: a video track of its own.
                Track track;
                track.pointer = child.ptr;
                auto layout = layout_track({child}, TrackKind::video);
                track.items = std::move(layout.first);
                comp.tracks.push_back(std::move(track));
                duration = max(duration, layout.second);
            } else if (s->name == "Transition") {
                error(child.ptr,
                      describe("transition", child) + " is directly in " + stack_what +
                          ", where it has no neighbours to blend",
                      "transitions belong between items of a track", child.name());
            } else {
                unknown_child(child, *s, stack_what);
            }
        }
        return duration;
    }

    void unknown_child(const Node& child, const Schema& s, const std::string& parent_what)
    {
        std::string name = child.name();
        error(child.ptr,
              (name.empty() ? std::string("an object") : quote(name)) + " of unknown schema " +
                  quote(s.written) + " in " + parent_what + ": reel cannot render it",
              s.name == "SerializableObjectRef"
                  ? "shared objects (OTIO_REF_ID) come from an instancing build of OpenTimelineIO; export "
                    "without instancing"
                  : "Track and Stack children must be Clip, Gap, Transition, Track or Stack",
              name);
    }

    /// A Track in a Stack: a reel track, shifted or wrapped in a composition when the
    /// track is trimmed or time-warped. Returns its duration in the stack.
    Rational stack_track(const Node& node, Composition& comp)
    {
        std::string what = describe("track", node);
        auto kind = track_kind(node, what);
        auto sr = optional_range(node, "source_range", what);
        Effects fx = effects(node, what);
        bool enabled = flag(node, "enabled", true, what).value_or(true);
        if (!kind) return sr ? sr->duration : Rational(0);
        auto layout = layout_track(children(node, what), *kind);
        Track track;
        track.id = node.name();
        track.pointer = node.ptr;
        track.kind = *kind;
        track.enabled = enabled;
        track.items = std::move(layout.first);
        Rational content = layout.second;
        Rational length = sr ? sr->duration : content;
        if (*kind == TrackKind::audio && fx.has_visual()) ignore_visual(fx, what);
        bool visual = *kind == TrackKind::video && fx.has_visual();
        bool warped = fx.speed != Rational(1) || fx.frozen();
        if (!sr && !warped && !visual) {
            comp.tracks.push_back(std::move(track));
            return length;
        }
        if (!warped && !visual) {
            // A trim that only moves the content (a negative start, a window that holds all
            // of it) shifts the items; nothing is cut.
            bool covers = true;
            for (const auto& it : track.items)
                if (it.start < sr->start || it.end > sr->end()) covers = false;
            if (covers) {
                for (auto& it : track.items) {
                    it.start -= sr->start;
                    it.end -= sr->start;
                }
                comp.tracks.push_back(std::move(track));
                return length;
            }
        }
        if (*kind == TrackKind::audio) {
            error(node.ptr,
                  what +
                      (fx.frozen() ? " has a FreezeFrame"
                       : warped    ? " has a time warp"
                                   : " has a source_range that cuts its content") +
                      ": reel cannot trim, warp or freeze a whole audio track",
                  "trim or retime the audio clips themselves", node.name());
            return length;
        }
        if (track.items.empty()) return length;
        // Wrap: a composition holding the track, shown through one comp item.
        Composition inner;
        inner.name = composition_name(node.name().empty() ? "track" : node.name());
        inner.pointer = node.ptr;
        inner.width = m_tl.output.width;
        inner.height = m_tl.output.height;
        inner.declared_duration = content;
        track.enabled = true;
        inner.tracks.push_back(std::move(track));
        Slot slot;
        slot.kind = Slot::Kind::item;
        slot.node = node;
        slot.what = what;
        slot.length = length;
        slot.in = sr ? sr->start : Rational(0);
        slot.bounded = true;
        slot.source_end = content;
        slot.item.type = ItemType::comp;
        slot.item.comp = inner.name;
        slot.item.pointer = node.ptr;
        slot.item.id = item_id(node.name());
        slot.item.enabled = enabled;
        slot.item.speed = fx.frozen() ? Rational(0) : fx.speed;
        fx.apply(slot.item);
        comp_window(slot.item);
        m_tl.compositions.emplace(inner.name, std::move(inner));
        std::vector<Slot> slots{std::move(slot)};
        Track wrapper;
        wrapper.id = node.name();
        wrapper.pointer = node.ptr;
        wrapper.items = finish(slots);
        comp.tracks.push_back(std::move(wrapper));
        return length;
    }

    std::string composition_name(const std::string& base)
    {
        std::string name = unique(base, m_comp_names, " ");
        m_comp_names.insert(name);
        return name;
    }

    /// Lays out a Track's children end to end; returns the items and the track's
    /// duration (the sum of its non-transition children).
    std::pair<std::vector<Item>, Rational> layout_track(const std::vector<Node>& kids, TrackKind kind)
    {
        std::vector<Slot> slots;
        Rational t;
        for (const Node& child : kids) {
            auto s = schema_of(*child);
            if (!s) {
                error(child.ptr,
                      std::string("a child of a track is ") +
                          (child->is_object() ? "an object without \"OTIO_SCHEMA\"" : type_name(*child)),
                      "Track children must be OTIO items (Clip.2, Gap.1, Transition.1, Stack.1)");
                continue;
            }
            Slot slot;
            if (s->name == "Clip") {
                if (!check_version(*s, child, describe("clip", child))) continue;
                slot = clip_slot(child, *s, kind);
            } else if (s->name == "Gap") {
                if (!check_version(*s, child, describe("gap", child))) continue;
                slot = gap_slot(child);
            } else if (s->name == "Transition") {
                if (!check_version(*s, child, describe("transition", child))) continue;
                slot = transition_slot(child);
            } else if (s->name == "Stack" || s->name == "Track") {
                if (!check_version(*s, child, describe(lower(s->name), child))) continue;
                slot = composition_slot(child, *s, kind);
            } else {
                unknown_child(child, *s, "a track");
                continue;
            }
            slot.start = t;
            if (slot.kind != Slot::Kind::transition) t += slot.length;
            slots.push_back(std::move(slot));
        }
        apply_transitions(slots);
        return {finish(slots), t};
    }

    Slot gap_slot(const Node& node)
    {
        Slot slot;
        slot.node = node;
        slot.what = describe("gap", node);
        auto sr = optional_range(node, "source_range", slot.what);
        if (sr)
            slot.length = sr->duration;
        else if (!node.get("source_range"))
            error(node.ptr, slot.what + " has no source_range, so its length is unknown", {}, node.name());
        effects(node, slot.what);
        return slot;
    }

    Slot transition_slot(const Node& node)
    {
        Slot slot;
        slot.kind = Slot::Kind::transition;
        slot.node = node;
        slot.what = describe("transition", node);
        for (const char* key : {"in_offset", "out_offset"}) {
            auto n = node.get(key);
            if (!n) {
                error(node.ptr, slot.what + " is missing its required " + quote(key), {}, node.name());
                continue;
            }
            auto time = rational_time(*n, slot.what + " " + key);
            if (!time) continue;
            if (time->seconds < Rational(0)) {
                error(n->ptr, slot.what + ": " + quote(key) + " is negative (" + secs(time->seconds) + ")",
                      {}, node.name());
                continue;
            }
            (std::string(key) == "in_offset" ? slot.in_offset : slot.out_offset) = time->seconds;
        }
        if (!flag(node, "enabled", true, slot.what).value_or(true)) {
            slot.in_offset = slot.out_offset = Rational(0);  // a disabled transition is a cut
            return slot;
        }
        auto type = node.get("transition_type");
        std::string kind = type && type->v->is_string() ? type->v->get<std::string>() : "";
        std::string k = lower(kind);
        if (k == "reel:wipe") {
            slot.style = reel_wipe(node, slot.what);
        } else if (k == "toucan:horizontalwipe" || k == "toucan:verticalwipe") {
            // toucan shows the incoming clip left of (above) an edge that moves right (down),
            // blended over 200 pixels.
            bool horizontal = k == "toucan:horizontalwipe";
            slot.style.kind = TransitionKind::wipe;
            slot.style.direction = horizontal ? WipeDirection::right : WipeDirection::down;
            int extent = horizontal ? m_tl.output.width : m_tl.output.height;
            slot.style.softness = extent > 0 ? std::min(1.0, 200.0 / extent) : 0;
        } else if (k.find("wipe") != std::string::npos) {
            // A wipe with no direction in the file ("SMPTE_Wipe"): left to right, hard edge.
            slot.style.kind = TransitionKind::wipe;
        } else if (kind != "SMPTE_Dissolve" && slot.in_offset + slot.out_offset > Rational(0)) {
            warn(slot.what + " of type " + (kind.empty() ? std::string("(none)") : quote(kind)) +
                 " is drawn as a dissolve (the documented meaning of transitions reel does not know)");
        }
        return slot;
    }

    /// reel's own wipe ("reel:Wipe", as reel writes it): metadata.reel {direction, softness},
    /// each optional (right, 0).
    Transition reel_wipe(const Node& node, const std::string& what)
    {
        Transition t;
        t.kind = TransitionKind::wipe;
        auto md = node.get("metadata");
        auto r = md ? md->get("reel") : std::nullopt;
        if (!r) return t;
        if (!r->v->is_object()) {
            error(r->ptr, what + ": metadata \"reel\" must be an object, got " + type_name(**r),
                  "{\"direction\": \"right\", \"softness\": 0}", node.name());
            return t;
        }
        if (auto d = r->get("direction")) {
            static const std::map<std::string, WipeDirection> directions = {{"left", WipeDirection::left},
                                                                            {"right", WipeDirection::right},
                                                                            {"up", WipeDirection::up},
                                                                            {"down", WipeDirection::down}};
            auto it = d->v->is_string() ? directions.find(d->v->get<std::string>()) : directions.end();
            if (it == directions.end())
                error(d->ptr,
                      what + ": wipe \"direction\" must be \"left\", \"right\", \"up\" or \"down\", got " +
                          d->v->dump(),
                      {}, node.name());
            else
                t.direction = it->second;
        }
        if (auto sft = r->get("softness")) {
            double v = sft->v->is_number() ? sft->v->get<double>() : -1;
            if (!(v >= 0 && v <= 1))
                error(sft->ptr,
                      what + ": wipe \"softness\" must be a number from 0 to 1, got " + sft->v->dump(), {},
                      node.name());
            else
                t.softness = v;
        }
        return t;
    }

    /// The effects of an item: time warps become a speed; unknown effects warnings.
    Effects effects(const Node& item, const std::string& what)
    {
        Effects fx;
        auto list = item.get("effects");
        if (!list) return fx;
        if (!list->v->is_array()) {
            error(list->ptr, what + ": \"effects\" must be an array, got " + type_name(**list), {},
                  item.name());
            return fx;
        }
        for (std::size_t i = 0; i < list->v->size(); ++i) {
            Node e = list->at(i);
            auto s = schema_of(*e);
            if (!s) {
                error(e.ptr, what + ": effect " + std::to_string(i) + " has no \"OTIO_SCHEMA\"", {},
                      item.name());
                continue;
            }
            std::string name = e.name();
            auto effect_name = e.get("effect_name");
            std::string ename = effect_name && effect_name->v->is_string()
                                    ? effect_name->v->get<std::string>()
                                    : std::string();
            std::string label = quote(!ename.empty() ? ename : !name.empty() ? name : s->written);
            if (!flag(e, "enabled", true, what).value_or(true)) continue;
            if (s->name == "LinearTimeWarp" || s->name == "FreezeFrame") {
                if (!check_version(*s, e, what + ": effect " + label)) continue;
                Rational scalar;
                if (s->name == "LinearTimeWarp") {
                    auto ts = e.get("time_scalar");
                    if (!ts) {
                        error(e.ptr, what + ": LinearTimeWarp is missing its \"time_scalar\"", {},
                              item.name());
                        continue;
                    }
                    auto v = exact(*ts, what + ": LinearTimeWarp \"time_scalar\"");
                    if (!v) continue;
                    scalar = refine_time_scalar(*e, *v);
                    if (scalar < Rational(0)) {
                        error(ts->ptr,
                              what + ": LinearTimeWarp with time_scalar " +
                                  format_number(scalar.to_double()) +
                                  " plays backwards, which reel cannot do",
                              "reverse the media in the editor and export again", item.name());
                        continue;
                    }
                }
                if (scalar == Rational(0)) {
                    fx.freeze = e.v;
                    fx.freeze_ptr = e.ptr;
                    continue;
                }
                fx.speed = fx.speed * scalar;
                continue;
            }
            if (s->name == "TimeEffect") {
                error(e.ptr, what + ": time effect " + label + " (" + s->written + ") is not supported",
                      "reel applies LinearTimeWarp and FreezeFrame only", item.name());
                continue;
            }
            if (auto mapped = picture_effect(e, *s, ename, fx, what, item.name())) {
                if (*mapped) fx.visual.push_back(label);
                continue;
            }
            if (s->name == "Effect" && ename == "Resolve Effect" && resolve_effect(e, fx)) continue;
            std::string key = s->name == "Effect" ? label : label + " (" + s->written + ")";
            if (s->name == "Effect" && ename == "Resolve Effect")
                if (auto md = e.get("metadata"))
                    if (auto r = md->get("Resolve_OTIO"))
                        if (auto n = r->get("Effect Name"); n && n->v->is_string())
                            key = quote("Resolve Effect: " + n->v->get<std::string>());
            auto& on = m_ignored_effects[key];
            if (on.empty() || on.back() != what) on.push_back(what);
        }
        return fx;
    }

    /// A crop window on a comp item: its right and bottom edges from the composition's size
    /// (the output's).
    void comp_window(Item& it)
    {
        if (!it.crop_window || !it.crop) return;
        it.crop->right = std::max(0.0, m_tl.output.width - it.crop->left - it.crop_window->first);
        it.crop->bottom = std::max(0.0, m_tl.output.height - it.crop->top - it.crop_window->second);
        it.crop_window.reset();
    }

    /// Effects on an item whose picture is not drawn (an audio track or clip): ignored,
    /// with the usual warning.
    void ignore_visual(const Effects& fx, const std::string& what)
    {
        for (const auto& label : fx.visual) {
            auto& on = m_ignored_effects[label];
            if (on.empty() || on.back() != what) on.push_back(what);
        }
    }

    /// toucan's picture effects (the ASWF's OTIO renderer): Effect.1 with effect_name
    /// "toucan:Flip" and its parameters in metadata, or its older schemas ("FlipEffect.1",
    /// parameters beside effect_name). Flip turns the picture upside down and Flop mirrors it
    /// left to right (OpenImageIO's flip and flop); Rotate turns it `angle` degrees clockwise
    /// about its centre; Resize draws it stretched to `size` [w, h] pixels at the top left;
    /// Saturate scales its saturation by `value`. Returns nothing for other effects, true
    /// when applied, false when its parameters were wrong (an error is reported).
    std::optional<bool> picture_effect(const Node& e, const Schema& s, const std::string& ename, Effects& fx,
                                       const std::string& what, const std::string& item)
    {
        static const std::map<std::string, std::string> legacy = {{"FlipEffect", "flip"},
                                                                  {"FlopEffect", "flop"},
                                                                  {"RotateEffect", "rotate"},
                                                                  {"ResizeEffect", "resize"},
                                                                  {"SaturateEffect", "saturate"}};
        std::string kind;
        std::optional<Node> params;
        if (auto it = legacy.find(s.name); it != legacy.end()) {
            kind = it->second;
            params = e;
        } else if (s.name == "Effect" && lower(ename).rfind("toucan:", 0) == 0) {
            kind = lower(ename.substr(7));
            if (kind != "flip" && kind != "flop" && kind != "rotate" && kind != "resize" &&
                kind != "saturate" && kind != "crop")
                return std::nullopt;
            params = e.get("metadata");
        } else {
            return std::nullopt;
        }
        std::string label = what + ": effect " + quote(ename.empty() ? s.written : ename);
        // A number parameter: required, finite.
        auto number = [&](const char* key) -> std::optional<double> {
            auto n = params ? params->get(key) : std::nullopt;
            if (!n || !n->v->is_number()) {
                error(n ? n->ptr : e.ptr,
                      label + (n ? ": " + quote(key) + " must be a number, got " + type_name(**n)
                                 : " has no " + quote(key) + " parameter"),
                      "toucan's effects keep their parameters in the effect's metadata", item);
                return std::nullopt;
            }
            double v = n->v->get<double>();
            return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
        };
        if (kind == "crop") {
            // A window of the source picture: reel crops before its other picture effects, so
            // only a crop that comes first maps (later ones stay a warning).
            if (fx.has_visual()) return std::nullopt;
            auto pair = [&](const char* key) -> std::optional<std::pair<double, double>> {
                auto v = params ? params->get(key) : std::nullopt;
                if (v && v->v->is_array() && v->v->size() == 2 && (*v->v)[0].is_number() &&
                    (*v->v)[1].is_number())
                    return std::pair((*v->v)[0].get<double>(), (*v->v)[1].get<double>());
                error(v ? v->ptr : e.ptr, label + ": its " + quote(key) + " must be two numbers of pixels",
                      {}, item);
                return std::nullopt;
            };
            auto pos = pair("pos");
            auto size = pair("size");
            if (!pos || !size) return false;
            if (!(pos->first >= 0 && pos->second >= 0 && size->first >= 1 && size->second >= 1 &&
                  size->first <= 16384 && size->second <= 16384)) {
                error(e.ptr,
                      label + ": the window " + format_number(size->first) + "x" +
                          format_number(size->second) + " at " + format_number(pos->first) + ", " +
                          format_number(pos->second) + " is not a window of a picture",
                      {}, item);
                return false;
            }
            fx.window = std::array<double, 4>{pos->first, pos->second, size->first, size->second};
            return true;
        }
        if (kind == "flip" || kind == "flop") {
            bool& flip = kind == "flip" ? fx.flip_y : fx.flip_x;
            flip = !flip;
            fx.rotation = -fx.rotation;  // a mirror after a rotation turns it the other way
            return true;
        }
        if (kind == "rotate") {
            auto a = number("angle");
            if (!a) return false;
            fx.rotation += *a;
            return true;
        }
        if (kind == "saturate") {
            auto v = number("value");
            if (!v) return false;
            if (*v < 0 || fx.saturation * *v > 4) {
                error(params->ptr + "/value",
                      label + ": saturation " + format_number(*v) + " is outside what reel draws (0 to 4)",
                      "0 is grey, 1 unchanged", item);
                return false;
            }
            fx.saturation *= *v;
            return true;
        }
        // resize: metadata "size": [w, h], or the older schema's "width" and "height".
        std::optional<double> w, h;
        if (s.name == "ResizeEffect") {
            w = number("width");
            h = number("height");
        } else {
            auto size = params ? params->get("size") : std::nullopt;
            if (size && size->v->is_array() && size->v->size() == 2 && (*size->v)[0].is_number() &&
                (*size->v)[1].is_number()) {
                w = (*size->v)[0].get<double>();
                h = (*size->v)[1].get<double>();
            } else {
                error(size ? size->ptr : e.ptr, label + ": its \"size\" must be [width, height] in pixels",
                      {}, item);
                return false;
            }
        }
        if (!w || !h) return false;
        if (!(*w >= 1 && *h >= 1 && *w <= 16384 && *h <= 16384)) {
            error(e.ptr,
                  label + ": size " + format_number(*w) + "x" + format_number(*h) +
                      " is not a picture size (1 to 16384 pixels each way)",
                  {}, item);
            return false;
        }
        fx.size = std::pair(*w, *h);
        return true;
    }

    /// DaVinci Resolve's effects (details in metadata.Resolve_OTIO): disabled ones and
    /// ones left at their defaults change nothing; a constant clip volume is a gain.
    /// Returns true when the effect is fully accounted for.
    bool resolve_effect(const Node& e, Effects& fx)
    {
        auto md = e.get("metadata");
        auto r = md ? md->get("Resolve_OTIO") : std::nullopt;
        if (!r || !r->v->is_object()) return false;
        if (auto en = r->get("Enabled"); en && en->v->is_boolean() && !en->v->get<bool>()) return true;
        auto params = r->get("Parameters");
        if (!params) return true;
        if (!params->v->is_array()) return false;
        auto name = r->get("Effect Name");
        bool volume =
            name && name->v->is_string() && name->v->get<std::string>() == "Fairlight Clip Volume and Fades";
        for (const auto& p : *params->v) {
            if (!p.is_object()) return false;
            auto keys = p.find("Key Frames");
            bool animated = keys != p.end() && !keys->is_null() && !keys->empty();
            auto value = p.find("Parameter Value");
            auto fallback = p.find("Default Parameter Value");
            auto id = p.find("Parameter ID");
            if (volume && !animated && id != p.end() && *id == "volume" && value != p.end() &&
                value->is_number()) {
                fx.gain_db = std::clamp(value->get<double>(), -120.0, 48.0);
                continue;
            }
            if (animated || value == p.end() || fallback == p.end() || *value != *fallback) return false;
        }
        return true;
    }

    // ---- clips -------------------------------------------------------------------------

    /// Turns a clip into an item slot, or a gap slot when it shows nothing.
    Slot clip_slot(const Node& node, const Schema& schema, TrackKind kind)
    {
        Slot slot;
        slot.node = node;
        slot.what = describe("clip", node);
        const std::string& what = slot.what;
        std::string name = node.name();
        bool enabled = flag(node, "enabled", true, what).value_or(true);
        slot.content = enabled;

        // The active media reference.
        std::optional<Node> ref;
        std::string missing;  // why there is no usable reference
        if (schema.version >= 2) {
            auto refs = node.get("media_references");
            auto key = node.get("active_media_reference_key");
            if (!refs || !refs->v->is_object()) {
                error(node.ptr, what + " (" + schema.written + ") has no \"media_references\" object", {},
                      name);
                missing = "no media references";
            } else if (!key || !key->v->is_string()) {
                error(node.ptr, what + " (" + schema.written + ") has no \"active_media_reference_key\"", {},
                      name);
                missing = "no active media reference";
            } else {
                std::string k = key->v->get<std::string>();
                ref = refs->get(k);
                if (!ref)
                    missing = "its active media reference " + quote(k) +
                              (refs->v->contains(k) ? " is null" : " is not in media_references");
            }
        } else {
            ref = node.get("media_reference");
            if (!ref) missing = "its media_reference is null";
        }
        std::optional<Schema> ref_schema;
        if (ref) {
            ref_schema = schema_of(**ref);
            if (!ref_schema) {
                error(ref->ptr, what + ": its media reference has no \"OTIO_SCHEMA\"", {}, name);
                ref.reset();
                missing = "its media reference is not an OTIO object";
            } else if (!check_version(*ref_schema, *ref, what + ": its media reference")) {
                ref.reset();
                missing = "its media reference is of an unknown version";
            }
        }

        // Its length: source_range, else the media's available_range.
        auto sr = optional_range(node, "source_range", what);
        std::optional<Range> ar;
        if (ref) ar = optional_range(*ref, "available_range", what + ": media reference");
        if (!sr && !ar) {
            if (!node.get("source_range") && !(ref && ref->get("available_range")))
                error(node.ptr,
                      what + " has neither a source_range nor an available_range: its length is unknown",
                      "give the clip a source_range", name);
            return slot;
        }
        Range range = sr ? *sr : *ar;
        slot.length = range.duration;
        Effects fx = effects(node, what);

        auto left_out = [&](const std::string& why) {
            warn("disabled " + what + " is left out: " + why);
            return slot;
        };
        if (ref && ref_schema->name == "MissingReference") {
            std::string rn = ref->name();
            missing =
                "its media reference is a MissingReference" + (rn.empty() ? "" : " (" + quote(rn) + ")");
        }
        if (!missing.empty()) {
            if (!enabled) return left_out("it has no media");
            error(ref ? ref->ptr : node.ptr, what + " has no media: " + missing,
                  "relink the clip in the editor and export again, or disable it", name);
            return slot;
        }

        Item& it = slot.item;
        it.pointer = node.ptr;
        it.enabled = enabled;
        const std::string& rs = ref_schema->name;
        if (rs == "ExternalReference") {
            auto url = ref->get("target_url");
            if (!url || !url->v->is_string()) {
                error(url ? url->ptr : ref->ptr,
                      what + ": its ExternalReference has no \"target_url\" string", {}, name);
                return slot;
            }
            auto media = media_for(*ref, url->v->get<std::string>(), what, name);
            if (!media) return slot;
            it.media = *media;
            if (schema.version >= 2) note_proxy_reference(node, *media, what);
            const Rational one_frame = ar ? Rational(1) / ar->rate : Rational(0);
            bool still = is_still_name(m_tl.media.at(*media).path) ||
                         (ar && ar->duration <= one_frame && range.duration > ar->duration);
            if (still) {
                if (kind == TrackKind::audio) {
                    error(node.ptr, what + " is a still image on an audio track", "move it to a video track",
                          name);
                    return slot;
                }
                it.type = ItemType::image;  // holds its picture: speed and freezes change nothing
            } else {
                media_clip(slot, fx, range, ar, kind);
            }
        } else if (rs == "ImageSequenceReference") {
            if (kind == TrackKind::audio) {
                error(node.ptr, what + " is an image sequence on an audio track", "move it to a video track",
                      name);
                return slot;
            }
            auto media = sequence_media(*ref, ar, range, what, name);
            if (!media) return slot;
            it.media = *media;
            media_clip(slot, fx, range, ar, kind);
        } else if (rs == "GeneratorReference") {
            auto gk = ref->get("generator_kind");
            std::string gen = gk && gk->v->is_string() ? gk->v->get<std::string>() : "";
            auto colour = solid_colour(*ref, gen);
            if (kind == TrackKind::audio) return slot;  // generators make no sound
            if (!colour) {
                if (!enabled) return left_out("generator " + quote(gen) + " is not a solid colour");
                error(gk ? gk->ptr : ref->ptr,
                      what + ": generator " + quote(gen) +
                          " (GeneratorReference.1) is not a solid colour, and "
                          "reel cannot render it",
                      "render the generator to a file in the editor, or replace it with a solid colour",
                      name);
                return slot;
            }
            it.type = ItemType::color;
            it.color = *colour;
        } else {
            if (!enabled)
                return left_out("its media reference " + quote(ref_schema->written) + " is unknown");
            error(ref->ptr,
                  what + ": media reference of unknown schema " + quote(ref_schema->written) +
                      " is not supported",
                  "reel reads ExternalReference, GeneratorReference (solid colours) and MissingReference",
                  name);
            return slot;
        }
        slot.kind = Slot::Kind::item;
        it.id = item_id(name);
        if (kind == TrackKind::video)
            fx.apply(it);
        else
            ignore_visual(fx, what);
        if (it.type == ItemType::color && fx.saturation != 1)
            warn(what +
                 ": toucan:Saturate on a solid colour is ignored (reel adjusts the colour of pictures "
                 "only); change the colour instead");
        return slot;
    }

    /// A clip of a movie or an image sequence: plays `range` of the media (counted from the
    /// start of its available_range), at the warps' speed, or holds its first frame when frozen.
    void media_clip(Slot& slot, const Effects& fx, const Range& range, const std::optional<Range>& ar,
                    TrackKind kind)
    {
        Item& it = slot.item;
        it.type = ItemType::clip;
        slot.in = ar ? range.start - ar->start : range.start;
        slot.bounded = true;
        slot.clip = true;
        if (ar) slot.source_end = ar->duration;
        it.speed = fx.frozen() ? Rational(0) : fx.speed;
        it.mute = kind == TrackKind::video;  // OTIO keeps sound on audio tracks
        if (fx.gain_db) it.gain_db = *fx.gain_db;
    }

    /// An integer field of a media reference, or an error.
    std::optional<std::int64_t> integer_field(const Node& ref, const char* key, std::int64_t lo,
                                              std::int64_t hi, const std::string& what,
                                              const std::string& item,
                                              std::optional<std::int64_t> fallback = std::nullopt)
    {
        auto n = ref.get(key);
        if (!n) {
            if (!fallback)
                error(ref.ptr, what + ": its ImageSequenceReference has no " + quote(key), {}, item);
            return fallback;
        }
        std::optional<std::int64_t> v;
        if (n->v->is_number_integer() &&
            !(n->v->is_number_unsigned() && n->v->get<std::uint64_t>() > INT64_MAX))
            v = n->v->get<std::int64_t>();
        else if (n->v->is_number_float() && std::isfinite(n->v->get<double>()) &&
                 n->v->get<double>() == std::floor(n->v->get<double>()) &&
                 std::abs(n->v->get<double>()) < 1e15)
            v = std::int64_t(n->v->get<double>());
        if (!v || *v < lo || *v > hi) {
            error(n->ptr,
                  what + ": ImageSequenceReference " + quote(key) + " must be an integer from " +
                      std::to_string(lo) + " to " + std::to_string(hi) + ", got " + n->v->dump(),
                  {}, item);
            return std::nullopt;
        }
        return v;
    }

    /// The media entry of an ImageSequenceReference: a reel image sequence whose path is
    /// target_url_base / name_prefix %0Nd name_suffix (N = frame_zero_padding; %d for 0),
    /// starting at start_frame, advancing by frame_step, at `rate` (0 or absent: the rate
    /// of the available_range, else of the clip's range, as toucan writes it), with
    /// missing_frame_policy. The last frame is the one the available_range ends on.
    std::optional<std::string> sequence_media(const Node& ref, const std::optional<Range>& ar,
                                              const Range& range, const std::string& what,
                                              const std::string& item)
    {
        auto text = [&](const char* key) -> std::optional<std::string> {
            auto n = ref.get(key);
            if (!n) return std::string();
            if (!n->v->is_string()) {
                error(n->ptr,
                      what + ": ImageSequenceReference " + quote(key) + " must be a string, got " +
                          type_name(**n),
                      {}, item);
                return std::nullopt;
            }
            return n->v->get<std::string>();
        };
        auto base = text("target_url_base");
        auto prefix = text("name_prefix");
        auto suffix = text("name_suffix");
        auto start = integer_field(ref, "start_frame", 0, 999999999, what, item, 1);
        auto step = integer_field(ref, "frame_step", 1, 100000, what, item, 1);
        auto padding = integer_field(ref, "frame_zero_padding", 0, 18, what, item, 0);
        MissingFrames missing = MissingFrames::error;
        if (auto p = ref.get("missing_frame_policy")) {
            std::string v = p->v->is_string() ? p->v->get<std::string>() : "";
            if (v == "black")
                missing = MissingFrames::black;
            else if (v == "hold")
                missing = MissingFrames::hold;
            else if (v != "error") {
                error(p->ptr,
                      what + ": missing_frame_policy must be \"error\", \"black\" or \"hold\", got " +
                          p->v->dump(),
                      {}, item);
                return std::nullopt;
            }
        }
        std::optional<Rational> rate;
        if (auto r = ref.get("rate")) {
            rate = exact(*r, what + ": ImageSequenceReference \"rate\"");
            if (!rate) return std::nullopt;
            if (*rate < Rational(0)) {
                error(r->ptr, what + ": ImageSequenceReference \"rate\" is negative", {}, item);
                return std::nullopt;
            }
        }
        if (!rate || *rate == Rational(0)) rate = ar ? ar->rate : range.rate;
        *rate = snap_rate(*rate);
        if (std::string problem = frame_rate_problem(*rate); !problem.empty()) {
            error(ref.ptr, what + ": the image sequence's rate " + rate->to_string() + " is " + problem,
                  "set the ImageSequenceReference's \"rate\" to the frames per second of the sequence", item);
            return std::nullopt;
        }
        if (!base || !prefix || !suffix || !start || !step || !padding) return std::nullopt;
        // The name, with percent signs of the file name kept literal (%%) around the field.
        auto literal = [](const std::string& t) { return literal_percent(percent_decode(t)); };
        std::string field = *padding > 0 ? "%0" + std::to_string(*padding) + "d" : "%d";
        std::string name = literal(*prefix) + field + literal(*suffix);
        // Folders keep their percent signs literal too ("frames/100%/" is "frames/100%%/").
        auto folder = literal_percent;
        FileUrl file;
        if (base->empty()) {
            std::filesystem::path root = m_media_root.empty() ? m_tl.dir : m_media_root;
            file.resolved = std::filesystem::path(folder(root.string())) / name;
            file.written = m_media_root.empty() ? name : file.resolved.string();
        } else {
            auto dir = file_for(ref, *base, what, item);
            if (!dir) return std::nullopt;
            file.resolved = std::filesystem::path(folder(dir->resolved.string())) / name;
            std::string w = folder(dir->written);
            file.written = w + (w.empty() || w.back() == '/' ? "" : "/") + name;
        }
        if (std::string problem = sequence_pattern_problem(file.written); !problem.empty()) {
            error(ref.ptr, what + ": the image sequence's name " + quote(file.written) + " " + problem, {},
                  item);
            return std::nullopt;
        }
        ImageSequence seq;
        seq.rate = *rate;
        seq.start = *start;
        seq.step = *step;
        seq.missing = missing;
        if (ar) {
            // Frames of the available_range at the sequence's rate: the last file's number.
            Rational frames = ar->duration * *rate;
            std::int64_t n = frames.num() / frames.den();
            if (n >= 1) seq.end = *start + (n - 1) * *step;
        }
        std::string key = file.resolved.lexically_normal().string() + "|" + rate->to_string() + "|" +
                          std::to_string(*start) + "|" + std::to_string(seq.end.value_or(-1)) + "|" +
                          std::to_string(*step) + "|" + to_string(missing);
        if (auto it = m_media_by_path.find(key); it != m_media_by_path.end()) return it->second;
        std::string id_base = ref.name();
        if (id_base.empty()) id_base = percent_decode(*prefix) + "#" + percent_decode(*suffix);
        std::set<std::string> used;
        for (const auto& [id, m] : m_tl.media) used.insert(id);
        std::string id = unique(id_base, used, " #");
        MediaRef m;
        m.id = id;
        m.pointer = ref.ptr;
        m.path = file.written;
        m.resolved = file.resolved;
        m.sequence = seq;
        m_tl.media.emplace(id, std::move(m));
        m_media_by_path.emplace(key, id);
        return id;
    }

    /// The colour of a generator that makes one, else nothing. Knows "Slug" and "Black"
    /// (black; Final Cut Pro / Premiere), "toucan:Fill" and "SolidColor"/"Solid"/"Color"
    /// with a "color" parameter: [r, g, b(, a)] in 0..1, a Color.1, or "#rrggbb(aa)".
    std::optional<Color> solid_colour(const Node& ref, const std::string& kind)
    {
        std::string k = lower(kind);
        if (k == "slug" || k == "black" || k == "blackvideo" || k == "black video")
            return Color{0, 0, 0, 255};
        if (k != "toucan:fill" && k != "solidcolor" && k != "solid" && k != "color" && k != "solid color")
            return std::nullopt;
        auto params = ref.get("parameters");
        auto c = params ? params->get("color") : std::nullopt;
        if (!c) return std::nullopt;
        auto byte = [](const json& v) -> std::optional<std::uint8_t> {
            if (!v.is_number()) return std::nullopt;
            double d = v.get<double>();
            if (!std::isfinite(d)) return std::nullopt;
            return std::uint8_t(std::lround(std::clamp(d, 0.0, 1.0) * 255));
        };
        const json& v = *c->v;
        std::vector<std::optional<std::uint8_t>> parts;
        if (v.is_array() && (v.size() == 3 || v.size() == 4)) {
            for (const auto& x : v) parts.push_back(byte(x));
        } else if (v.is_object()) {
            for (const char* key : {"r", "g", "b", "a"})
                if (auto it = v.find(key); it != v.end()) parts.push_back(byte(*it));
        } else if (v.is_string()) {
            return Color::parse(v.get<std::string>(), true);
        }
        if (parts.size() < 3 || std::any_of(parts.begin(), parts.end(), [](auto& p) { return !p; }))
            return std::nullopt;
        return Color{*parts[0], *parts[1], *parts[2], parts.size() == 4 ? *parts[3] : std::uint8_t(255)};
    }

    /// A local file named by an ExternalReference's URL: as written (for messages and
    /// plans) and resolved.
    struct FileUrl {
        std::string written;
        fs::path resolved;
    };

    /// The media id for an ExternalReference's URL: one entry per resolved file.
    std::optional<std::string> media_for(const Node& ref, const std::string& url, const std::string& what,
                                         const std::string& item)
    {
        auto file = file_for(ref, url, what, item);
        if (!file) return std::nullopt;
        std::string key = file->resolved.lexically_normal().string();
        if (auto it = m_media_by_path.find(key); it != m_media_by_path.end()) return it->second;
        std::string base = ref.name();
        if (base.empty()) base = fs::path(file->written).filename().string();
        if (base.empty()) base = "media";
        std::set<std::string> used;
        for (const auto& [id, m] : m_tl.media) used.insert(id);
        std::string id = unique(base, used, " #");
        MediaRef m;
        m.id = id;
        m.pointer = ref.ptr;
        m.path = file->written;
        m.resolved = file->resolved;
        m_tl.media.emplace(id, std::move(m));
        m_media_by_path.emplace(key, id);
        return id;
    }

    /// A clip's reference under one of proxy_reference_keys (a local file), recorded as
    /// the proxy of `media`. The first one found for a media entry is kept.
    void note_proxy_reference(const Node& clip, const std::string& media, const std::string& what)
    {
        auto refs = clip.get("media_references");
        if (!refs || !refs->v->is_object() || m_tl_proxies.count(media)) return;
        for (const char* k : proxy_reference_keys) {
            auto ref = refs->get(k);
            if (!ref) continue;
            auto rs = schema_of(**ref);
            auto url = ref->get("target_url");
            if (!rs || rs->name != "ExternalReference" || !url || !url->v->is_string()) {
                warn(what + ": its media reference " + quote(k) +
                     " is not a file; it is not used as a proxy");
                continue;
            }
            if (auto file = file_for(*ref, url->v->get<std::string>(), what, clip.name())) {
                m_tl_proxies.emplace(media, file->resolved.lexically_normal());
                return;
            }
        }
    }

    std::optional<FileUrl> file_for(const Node& ref, const std::string& url, const std::string& what,
                                    const std::string& item)
    {
        if (url.empty()) {
            error(ref.ptr, what + " has no media: its target_url is empty",
                  "relink the clip in the editor and export again", item);
            return std::nullopt;
        }
        std::string path;
        std::size_t colon = url.find(':');
        bool has_scheme =
            colon != std::string::npos && colon > 1 &&
            std::all_of(url.begin(), url.begin() + std::ptrdiff_t(colon), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
            });
        if (has_scheme && lower(url.substr(0, colon)) == "file") {
            std::string rest = url.substr(colon + 1);
            if (rest.rfind("//", 0) == 0) {
                std::size_t slash = rest.find('/', 2);
                std::string host = rest.substr(2, slash == std::string::npos ? std::string::npos : slash - 2);
                rest = slash == std::string::npos ? "" : rest.substr(slash);
                if (!host.empty() && lower(host) != "localhost") rest = "//" + host + rest;  // UNC
            }
            path = percent_decode(rest);
            if (path.size() >= 3 && path[0] == '/' && is_drive_path(path.substr(1))) path = path.substr(1);
        } else if (has_scheme) {
            error(ref.ptr + "/target_url",
                  what + ": media URL " + quote(url) + " is not a file; reel reads local files only",
                  "download the media and point the clip at the file", item);
            return std::nullopt;
        } else {
            path = percent_decode(url);
        }
        if (path.empty()) {
            error(ref.ptr + "/target_url", what + ": media URL " + quote(url) + " names no file",
                  "relink the clip in the editor and export again", item);
            return std::nullopt;
        }
        bool drive = is_drive_path(path) || path.rfind("\\\\", 0) == 0;
        if (drive) std::replace(path.begin(), path.end(), '\\', '/');
        bool absolute = drive || (!path.empty() && path[0] == '/');

        std::string written;
        fs::path resolved;
        if (!absolute) {
            resolved = (m_media_root.empty() ? m_tl.dir : m_media_root) / path;
            written = m_media_root.empty() ? path : resolved.string();
        } else {
            resolved = path;
            std::error_code ec;
            if (!m_media_root.empty() && !fs::exists(resolved, ec)) {
                // Relink: the longest tail of the path that exists under the media root.
                std::vector<std::string> parts;
                std::size_t start = drive ? path.find('/') : 0;
                for (std::size_t i = start; i != std::string::npos && i < path.size();) {
                    std::size_t next = path.find('/', i + 1);
                    std::string part =
                        path.substr(i + 1, next == std::string::npos ? std::string::npos : next - i - 1);
                    if (!part.empty()) parts.push_back(part);
                    i = next;
                }
                for (std::size_t k = 0; k < parts.size(); ++k) {
                    fs::path candidate = m_media_root;
                    for (std::size_t j = k; j < parts.size(); ++j) candidate /= parts[j];
                    if (fs::exists(candidate, ec)) {
                        resolved = candidate;
                        break;
                    }
                }
            }
            written = resolved.string();
        }
        return FileUrl{written, resolved};
    }

    // ---- nested compositions -----------------------------------------------------------

    static bool has_items(const Composition& c)
    {
        return std::any_of(c.tracks.begin(), c.tracks.end(), [](const Track& t) { return !t.items.empty(); });
    }

    /// A Stack or Track inside a track (or a trimmed top stack): a composition shown
    /// through a comp item, trimmed by the source_range and warped by its effects.
    Slot composition_slot(const Node& node, const Schema& schema, TrackKind parent_kind)
    {
        Slot slot;
        slot.node = node;
        bool is_stack = schema.name == "Stack";
        slot.what = describe(is_stack ? "stack" : "track", node);
        const std::string& what = slot.what;
        auto sr = optional_range(node, "source_range", what);
        Effects fx = effects(node, what);
        bool enabled = flag(node, "enabled", true, what).value_or(true);

        Composition comp;
        comp.pointer = node.ptr;
        comp.width = m_tl.output.width;
        comp.height = m_tl.output.height;
        Rational content;
        std::size_t errors_before = m_errors.size();
        if (is_stack) {
            content = stack_children(children(node, what), comp, what);
        } else {
            Track track;
            track.id = node.name();
            track.pointer = node.ptr;
            auto kind = track_kind(node, what);
            if (kind) {
                track.kind = *kind;
                auto layout = layout_track(children(node, what), *kind);
                track.items = std::move(layout.first);
                content = layout.second;
            }
            comp.tracks.push_back(std::move(track));
        }
        slot.length = sr ? sr->duration : content;
        // Content that failed to convert still counts, so that every problem is reported.
        bool something = has_items(comp) || m_errors.size() > errors_before;
        slot.content = enabled && something;
        if (!something) return slot;  // shows nothing: a gap
        if (parent_kind == TrackKind::audio) {
            error(node.ptr, what + " is nested in an audio track, which reel cannot do",
                  "reel nests compositions on video tracks (their audio is heard); move it to a video track",
                  node.name());
            return slot;
        }
        if (!has_items(comp) || content <= Rational(0)) return slot;
        comp.name = composition_name(node.name().empty() ? (is_stack ? "stack" : "track") : node.name());
        comp.declared_duration = content;
        slot.kind = Slot::Kind::item;
        slot.in = sr ? sr->start : Rational(0);
        slot.bounded = true;
        slot.source_end = content;
        slot.item.type = ItemType::comp;
        slot.item.comp = comp.name;
        slot.item.pointer = node.ptr;
        slot.item.enabled = enabled;
        slot.item.speed = fx.frozen() ? Rational(0) : fx.speed;
        fx.apply(slot.item);
        comp_window(slot.item);
        slot.item.id = item_id(node.name());
        m_tl.compositions.emplace(comp.name, std::move(comp));
        return slot;
    }

    // ---- transitions and final items ---------------------------------------------------

    void apply_transitions(std::vector<Slot>& slots)
    {
        for (std::size_t k = 0; k < slots.size(); ++k) {
            Slot& tr = slots[k];
            if (tr.kind != Slot::Kind::transition) continue;
            Rational i = tr.in_offset, o = tr.out_offset;
            if (i == Rational(0) && o == Rational(0)) continue;
            Slot* prev = k > 0 ? &slots[k - 1] : nullptr;
            Slot* next = k + 1 < slots.size() ? &slots[k + 1] : nullptr;
            std::string name = tr.node.name();
            if ((prev && prev->kind == Slot::Kind::transition) ||
                (next && next->kind == Slot::Kind::transition)) {
                error(tr.node.ptr, tr.what + " is next to another transition, with no item between them",
                      "put a clip or gap between two transitions", name);
                continue;
            }
            bool ok = true;
            if (!prev && i > Rational(0) && next && (next->visible() || next->content)) {
                error(tr.node.ptr + "/in_offset",
                      tr.what + " opens the track and fades in from " + secs(i) +
                          " before it starts; reel cannot show time before 0",
                      "set its in_offset to 0 (a fade in over out_offset)", name);
                ok = false;
            }
            if (prev && i > prev->length) {
                error(tr.node.ptr + "/in_offset",
                      tr.what + ": in_offset (" + secs(i) + ") is longer than " + prev->what + " (" +
                          secs(prev->length) + ") before it",
                      "shorten the transition", name);
                ok = false;
            }
            if (next && o > next->length) {
                error(tr.node.ptr + "/out_offset",
                      tr.what + ": out_offset (" + secs(o) + ") is longer than " + next->what + " (" +
                          secs(next->length) + ") after it",
                      "shorten the transition", name);
                ok = false;
            }
            if (!ok) continue;
            Slot* a = prev && prev->visible() ? prev : nullptr;
            Slot* b = next && next->visible() ? next : nullptr;
            if (a) {
                a->tail = o;
                a->outgoing = &tr;
            }
            if (b) {
                b->head = i;
                b->incoming = &tr;
            }
            if (a && b) {
                b->transition_in = i + o;
            } else {
                if (a)
                    a->fade_out = i + o;
                else if (b)
                    b->fade_in = i + o;
                if ((a || b) && tr.style.kind == TransitionKind::wipe)
                    warn(tr.what + " is a wipe beside a gap (or at the end of its track), drawn as a fade " +
                         (a ? "out" : "in") + ": reel wipes between two items");
            }
        }
        for (const Slot& s : slots) {
            if (!s.incoming || !s.outgoing) continue;
            if (s.incoming->out_offset + s.outgoing->in_offset > s.length)
                error(s.node.ptr,
                      s.what + ": its transitions overlap (" + s.incoming->what + " reaches " +
                          secs(s.incoming->out_offset) + " into it, " + s.outgoing->what + " " +
                          secs(s.outgoing->in_offset) + ", but it lasts " + secs(s.length) + ")",
                      "shorten the transitions so they fit in the clip", s.node.name());
        }
    }

    /// The reel items of laid-out slots: transitions' handles applied, checked against
    /// the media (or content) that exists.
    std::vector<Item> finish(std::vector<Slot>& slots)
    {
        std::vector<Item> items;
        for (Slot& s : slots) {
            if (s.kind != Slot::Kind::item) continue;
            Item it = s.item;
            const std::string name = s.node.name();
            Rational speed = it.type == ItemType::clip || it.type == ItemType::comp ? it.speed : Rational(1);
            Rational start = s.start - s.head;
            Rational length = s.length + s.head + s.tail;
            Rational in = s.in - s.head * speed;
            if (s.bounded && speed == Rational(0)) {
                // A freeze frame: the frame at the trimmed start, held for the item's length.
                if (in < Rational(0) || (s.source_end && in >= *s.source_end)) {
                    error(s.node.ptr,
                          s.what + " holds the frame at " + secs(in) + ", outside its " +
                              (s.clip ? "media's available_range" : "content") + " (0 to " +
                              secs(s.source_end.value_or(Rational(0))) + ")",
                          "move the clip's source_range start inside its media", name);
                    continue;
                }
                it.in = in;
                it.out.reset();
                it.duration = length;
                it.source_out = in;
            } else if (s.bounded) {
                const std::string source = s.clip ? "media" : "content";
                if (in < Rational(0)) {
                    if (s.head > Rational(0)) {
                        error(s.incoming->node.ptr,
                              s.incoming->what + " needs " + secs(s.head * speed) + " of " + s.what + "'s " +
                                  source + " before its in point, but there is only " + secs(s.in) +
                                  (s.clip ? " (its available_range)" : ""),
                              "trim the clip's head or shorten the transition's in_offset",
                              s.incoming->node.name());
                        continue;
                    }
                    Rational skip = -in / speed;
                    if (s.clip)
                        warn(s.what + " starts " + secs(skip) +
                             " before its media's available_range; that part shows nothing");
                    start += skip;
                    length -= skip;
                    in = Rational(0);
                }
                Rational out = in + length * speed;
                if (s.source_end && out > *s.source_end) {
                    if (s.tail > Rational(0)) {
                        error(s.outgoing->node.ptr,
                              s.outgoing->what + " needs " + secs(s.tail * speed) + " of " + s.what + "'s " +
                                  source + " after its out point, but there is only " +
                                  secs(max(Rational(0), *s.source_end - (out - s.tail * speed))) +
                                  (s.clip ? " (its available_range)" : ""),
                              "trim the clip's tail or shorten the transition's out_offset",
                              s.outgoing->node.name());
                        continue;
                    }
                    Rational cut = (out - *s.source_end) / speed;
                    if (s.clip)
                        warn(s.what + " runs " + secs(cut) +
                             " past the end of its media's available_range (" + secs(*s.source_end) +
                             "); that part shows nothing");
                    length -= cut;
                    out = *s.source_end;
                }
                if (length <= Rational(0)) {
                    if (s.clip)
                        warn(s.what + " lies wholly outside its media's available_range and is left out");
                    continue;
                }
                it.in = in;
                it.out = out;
                it.source_out = out;
            } else {
                it.duration = length;
                it.source_out = length;
            }
            it.start = start;
            it.end = start + length;
            it.fade_in = s.fade_in;
            it.fade_out = s.fade_out;
            if (s.transition_in) {
                it.transition_in = s.incoming->style;
                it.transition_in->duration = *s.transition_in;
            }
            if (start < Rational(0)) {
                error(s.node.ptr, s.what + " would start before 0 on its track", {}, name);
                continue;
            }
            Composition* comp = it.type == ItemType::comp ? &m_tl.compositions.at(it.comp) : nullptr;
            for (const auto& p : apply_reel_item_metadata(*s.node, s.node.ptr, it, comp))
                error(p.pointer, s.what + ": " + p.message, p.hint, name);
            items.push_back(std::move(it));
        }
        return items;
    }

    std::shared_ptr<const JsonDocument> m_doc;
    OtioOptions m_options;
    fs::path m_media_root;
    Timeline m_tl;
    std::optional<Time> m_global_start;
    std::vector<Error> m_errors;
    std::vector<std::string> m_warnings;
    std::map<std::string, std::vector<std::string>> m_ignored_effects;
    std::set<std::string> m_item_ids, m_comp_names;
    std::map<std::string, std::string> m_media_by_path;
    std::map<std::string, std::filesystem::path> m_tl_proxies;
};

}  // namespace

bool is_otio_path(const std::filesystem::path& file)
{
    std::string ext = lower(file.extension().string());
    return ext == ".otio" || ext == ".otiod" || ext == ".otioz";
}

std::string otio_json_text(std::string text)
{
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
            continue;
        }
        std::size_t j = c == '-' ? i + 1 : i;
        if (j >= text.size() || (text[j] != 'N' && text[j] != 'I')) continue;
        if (i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '_')) continue;
        std::size_t len = 0;
        for (const char* word : {"Infinity", "NaN", "Inf"}) {
            std::size_t n = std::char_traits<char>::length(word);
            if (text.compare(j, n, word) == 0 &&
                (j + n == text.size() || !std::isalnum(static_cast<unsigned char>(text[j + n])))) {
                len = n + (j - i);
                break;
            }
        }
        if (len < 3 || (c == '-' && text[j] == 'N')) continue;
        // Same length, so every later value keeps its position: "N", "I", "-I", "Infini".
        std::string marker = "\"" + text.substr(i, len - 2) + "\"";
        text.replace(i, len, marker);
        i += len - 1;
    }
    return text;
}

OtioTimeline read_otio(std::shared_ptr<const JsonDocument> doc, const std::filesystem::path& file,
                       const OtioOptions& options)
{
    Reader reader(std::move(doc), file, options);
    return reader.run();
}

OtioTimeline load_otio(const std::filesystem::path& file, const OtioOptions& options)
{
    std::string ext = lower(file.extension().string());
    std::error_code ec;
    if (ext == ".otioz")
        throw Error(ErrorCode::timeline, "otio", "OTIO zip bundles (.otioz) are not supported",
                    "unzip it (it is a zip file) and open its content.otio")
            .with_file(file.string());
    fs::path content = file;
    if (ext == ".otiod" || fs::is_directory(file, ec)) {
        content = file / "content.otio";
        if (!fs::exists(content, ec))
            throw Error(ErrorCode::io, "otio",
                        quote(file.string()) + " is a directory without content.otio, not an OTIO bundle")
                .with_file(file.string());
    }
    if (!fs::exists(content, ec))
        throw Error(ErrorCode::io, "otio", "timeline file " + quote(content.string()) + " does not exist")
            .with_file(content.string());
    auto doc = JsonDocument::parse(otio_json_text(read_file(content)), content.string());
    return read_otio(std::move(doc), content, options);
}

}  // namespace reel
