// SPDX-License-Identifier: Apache-2.0
#include "proxy/proxy.h"

#include "cache/segment_cache.h"
#include "encode/still.h"
#include "media/decoder.h"
#include "render/keys.h"
#include "render/segments.h"
#include "timeline/json_document.h"
#include "timeline/parse.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/scratch_dir.h"
#include "util/stopwatch.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace reel {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

int even(double v)
{
    return std::max(2, int(std::lround(v / 2)) * 2);
}

/// The one-clip timeline whose render is the proxy of a video source: upright at the
/// proxy size (stretched: the size keeps the aspect ratio up to even rounding), the
/// source's rate, its sound at its own rate.
json proxy_timeline(const MediaInfo& source, const ProxySettings& s)
{
    auto [w, h] = proxy_size(source, s);
    json out = {{"width", w},
                {"height", h},
                {"fps", source.video->frame_rate.to_string()},
                {"video", {{"codec", "h264"}, {"preset", s.preset}, {"crf", s.crf}, {"gop", s.gop}}}};
    if (source.audio) {
        int ch = source.audio->channels;
        out["audio"] = {{"sample_rate", source.audio->sample_rate},
                        {"channels", (ch == 1 || ch == 2 || ch == 6) ? ch : 2}};
    }
    json item = {{"type", "clip"}, {"media", "source"}, {"start", 0}, {"transform", {{"fit", "stretch"}}}};
    json media = json::object();
    media["source"] = {{"path", fs::absolute(source.path).string()}};
    json doc = {{"reel", 1}, {"output", out}, {"media", media}};
    doc["tracks"] = json::array({json{{"items", json::array({item})}}});
    return doc;
}

/// The plan's one segment cut into pieces of `length` frames (the last one shorter), each
/// with its own hash (they only ever go to a private cache).
std::vector<Segment> gop_segments(const Plan& plan, std::int64_t length)
{
    std::vector<Segment> pieces;
    if (plan.segments.empty()) return pieces;
    const Segment& whole = plan.segments.front();
    for (std::int64_t begin = 0; begin < plan.frames; begin += length) {
        Segment seg = whole;
        seg.index = int(pieces.size());
        seg.frames = {begin, std::min(plan.frames, begin + length)};
        seg.hash =
            sha256_hex(whole.hash + ":" + std::to_string(begin) + "-" + std::to_string(seg.frames.end));
        pieces.push_back(std::move(seg));
    }
    return pieces;
}

ProxyMade make_video_proxy(const MediaInfo& source, const ProxyMakeOptions& o, const fs::path& file)
{
    const ProxySettings& s = o.settings;
    if (source.video->frame_rate <= Rational(0))
        throw Error(ErrorCode::media, "proxy", "\"" + source.path + "\": its frame rate is unknown",
                    "a proxy keeps the source's rate; convert the source to a constant rate first")
            .with_file(source.path);
    fs::path project = fs::path(source.path).parent_path() / "proxy.json";
    Timeline tl =
        parse_timeline(JsonDocument::parse(proxy_timeline(source, s).dump(), project.string()), project);
    SourceTable sources = {{"source", source}};
    resolve_timeline(tl, source_facts(sources));
    PlanOptions po;
    po.max_segment_seconds = Rational(max_time_seconds);
    Plan plan = make_plan(tl, sources, po);
    // Segments a whole number of GOPs long (about 2 s), so keyframes keep their interval
    // across the joins.
    int per_segment = std::max(1, int(std::ceil(2 * source.video->frame_rate.to_double() / s.gop)));
    plan.segments = gop_segments(plan, std::int64_t(s.gop) * per_segment);
    if (plan.frames == 0)
        throw Error(ErrorCode::media, "proxy", "\"" + source.path + "\" has no frames to proxy")
            .with_file(source.path);
    // The segments are a private cache's: nothing of a proxy enters the render cache.
    ScratchDir scratch(fs::temp_directory_path(), "reel-proxy-");
    SegmentCache cache(scratch.path, ~0ull);
    RenderOptions ro = o.render;
    ro.output = file.string();
    ro.overwrite = true;
    ro.gop = s.gop;
    ro.audio = "auto";
    ProxyMade made;
    made.render = render_with_segments(tl, sources, plan, cache, ro);
    made.width = tl.output.width;
    made.height = tl.output.height;
    made.frames = made.render.frames;
    made.audio = made.render.audio;
    return made;
}

ProxyMade make_still_proxy(const MediaInfo& source, const ProxySettings& s, const fs::path& file)
{
    auto [w, h] = proxy_size(source, s);
    DecoderPool pool({{"source", source}}, 1);
    auto picture = pool.picture("source", Rational(0), 0);
    write_png(scale(*picture, Rect{0, 0, picture->width(), picture->height()}, w, h), file);
    ProxyMade made;
    made.width = w;
    made.height = h;
    made.frames = 1;
    return made;
}

}  // namespace

json settings_json(const ProxySettings& s)
{
    return {{"height", s.height}, {"gop", s.gop}, {"crf", s.crf}, {"preset", s.preset}};
}

const char* to_string(ProxyState state)
{
    switch (state) {
        case ProxyState::current: return "current";
        case ProxyState::stale: return "stale";
        case ProxyState::missing: return "missing";
        case ProxyState::not_needed: return "not_needed";
    }
    return "missing";
}

std::pair<int, int> proxy_size(const MediaInfo& source, const ProxySettings& s)
{
    if (!source.video) return {0, 0};
    int sw = source.video->display_width, sh = source.video->display_height;
    if (sw <= 0 || sh <= 0) return {0, 0};
    int h = std::min(s.height, sh);
    return {even(double(sw) * h / sh), even(h)};
}

bool needs_proxy(const MediaInfo& source, const ProxySettings& s)
{
    if (!source.video) return false;
    if (source.still_image) return source.video->display_height > s.height;
    return true;
}

ProxyStore::ProxyStore(fs::path dir) : m_dir(std::move(dir))
{
    refresh();
}

fs::path ProxyStore::dir_in_cache(const fs::path& cache_dir)
{
    return cache_dir / "proxies";
}

void ProxyStore::refresh()
{
    m_records.clear();
    std::error_code ec;
    for (auto it = fs::directory_iterator(m_dir, ec); !ec && it != fs::end(it); it.increment(ec)) {
        if (it->path().extension() != ".json") continue;
        try {
            json j = json::parse(read_file(it->path()));
            Record r;
            r.key = it->path().stem().string();
            r.source = j.at("source").get<std::string>();
            r.fingerprint = j.at("fingerprint").get<std::string>();
            r.extension = j.at("extension").get<std::string>();
            const json& s = j.at("settings");
            r.settings = {s.at("height").get<int>(), s.at("gop").get<int>(), s.at("crf").get<double>(),
                          s.at("preset").get<std::string>()};
            if (fs::exists(m_dir / (r.key + r.extension), ec)) m_records.push_back(std::move(r));
        } catch (const std::exception&) {
            // An unreadable sidecar (a foreign file, a damaged one) names no proxy.
        }
    }
}

std::string ProxyStore::key(const MediaInfo& source, const ProxySettings& s)
{
    return cache_key("reel-proxy", {{"fingerprint", source.fingerprint}, {"settings", settings_json(s)}});
}

ProxyEntry ProxyStore::lookup(const MediaInfo& source, const ProxySettings& s, bool exact) const
{
    ProxyEntry e;
    if (!needs_proxy(source, s)) {
        e.state = ProxyState::not_needed;
        return e;
    }
    e.key = key(source, s);
    e.file = m_dir / (e.key + (source.still_image ? ".png" : ".mp4"));
    std::string path = fs::absolute(source.path).lexically_normal().string();
    const Record *same = nullptr, *other = nullptr;
    bool older = false;
    for (const auto& r : m_records) {
        if (r.key == e.key)
            same = &r;
        else if (r.source == path && r.settings.height == s.height) {
            if (r.fingerprint != source.fingerprint)
                older = true;
            else if (!other)
                other = &r;
        }
    }
    const Record* found = same ? same : exact ? nullptr : other;
    if (found) {
        e.state = ProxyState::current;
        e.key = found->key;
        e.file = m_dir / (found->key + found->extension);
    } else {
        e.state = older ? ProxyState::stale : ProxyState::missing;
    }
    return e;
}

ProxyEntry ProxyStore::best_for(const MediaInfo& source, int height, const ProxySettings& s) const
{
    std::string path = fs::absolute(source.path).lexically_normal().string();
    const Record* best = nullptr;
    for (const auto& r : m_records) {
        if (r.source != path || r.fingerprint != source.fingerprint) continue;
        int h = r.settings.height, b = best ? best->settings.height : 0;
        bool fits = h >= height, best_fits = b >= height;
        if (!best || (fits && (!best_fits || h < b)) || (!fits && !best_fits && h > b)) best = &r;
    }
    if (!best) return lookup(source, s, false);
    return {ProxyState::current, best->key, m_dir / (best->key + best->extension)};
}

int ProxyStore::remove_stale(const MediaInfo& source, const ProxySettings& s)
{
    std::string path = fs::absolute(source.path).lexically_normal().string();
    int removed = 0;
    std::error_code ec;
    for (const auto& r : m_records)
        if (r.source == path && r.settings.height == s.height && r.fingerprint != source.fingerprint) {
            fs::remove(m_dir / (r.key + ".json"),
                       ec);  // the sidecar first: no record of a half-removed proxy
            fs::remove(m_dir / (r.key + r.extension), ec);
            ++removed;
        }
    refresh();
    return removed;
}

ProxyMade make_proxy(ProxyStore& store, const MediaInfo& source, const ProxyMakeOptions& o)
{
    if (!needs_proxy(source, o.settings))
        throw Error(ErrorCode::internal, "proxy", "\"" + source.path + "\" needs no proxy");
    Stopwatch t;
    std::error_code ec;
    fs::create_directories(store.dir(), ec);
    if (ec)
        throw Error(ErrorCode::io, "proxy", "cannot create the proxy folder \"" + store.dir().string() + "\"",
                    ec.message())
            .with_file(store.dir().string());
    std::string key = ProxyStore::key(source, o.settings);
    std::string extension = source.still_image ? ".png" : ".mp4";
    fs::path file = store.dir() / (key + extension);
    ProxyMade made =
        source.still_image ? make_still_proxy(source, o.settings, file) : make_video_proxy(source, o, file);
    made.file = file;
    made.key = key;
    made.bytes = std::int64_t(fs::file_size(file, ec));
    json sidecar = {{"schema", "reel.proxy"},
                    {"version", 1},
                    {"source", fs::absolute(source.path).lexically_normal().string()},
                    {"fingerprint", source.fingerprint},
                    {"extension", extension},
                    {"settings", settings_json(o.settings)},
                    {"width", made.width},
                    {"height", made.height},
                    {"frames", made.frames},
                    {"audio", made.audio}};
    write_file_atomic(store.dir() / (key + ".json"), sidecar.dump(2) + "\n", Overwrite::replace);
    store.refresh();
    store.remove_stale(source, o.settings);
    made.seconds = t.seconds();
    return made;
}

}  // namespace reel
