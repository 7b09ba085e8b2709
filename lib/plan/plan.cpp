// SPDX-License-Identifier: Apache-2.0
#include "plan/plan.h"

#include "timeline/evaluate.h"
#include "timeline/otio.h"
#include "timeline/parse.h"
#include "timeline/serialize.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/stopwatch.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <set>
#include <sstream>

#ifndef REEL_RENDER_VERSION
#error "REEL_RENDER_VERSION must be defined by the build"
#endif
#ifndef REEL_VERSION
#error "REEL_VERSION must be defined by the build"
#endif

namespace reel {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

/// Root time = offset + scale × (time in a nested composition).
struct Mapping {
    Rational offset{0};
    Rational scale{1};
    Rational apply(const Rational& t) const { return offset + scale * t; }
};

std::string kind_of(const MediaInfo& info)
{
    if (info.still_image) return "image";
    if (info.sequence) return "image sequence";
    if (info.video) return "video";
    return "audio";
}

double seconds(const Rational& r)
{
    return r.to_double();
}

ojson range_json(const TimeRange& r)
{
    return {{"start", seconds(r.start)}, {"end", seconds(r.end)}};
}

std::vector<TimeRange> merge(std::vector<TimeRange> ranges)
{
    std::sort(ranges.begin(), ranges.end(),
              [](const TimeRange& a, const TimeRange& b) { return a.start < b.start; });
    std::vector<TimeRange> out;
    for (const auto& r : ranges) {
        if (!out.empty() && r.start <= out.back().end)
            out.back().end = max(out.back().end, r.end);
        else
            out.push_back(r);
    }
    return out;
}

/// Walks every enabled use of every media entry, through nested compositions.
void collect_uses(const Timeline& tl, const Composition& comp, const TimeRange& window, const Mapping& map,
                  std::vector<std::string>& path, std::map<std::string, std::vector<SourceUse>>& uses)
{
    for (const auto& track : comp.tracks) {
        if (!track.enabled) continue;
        for (const auto& it : track.items) {
            if (!it.enabled) continue;
            Rational a = max(it.start, window.start);
            Rational b = min(it.end, window.end);
            if (!(a < b)) continue;
            path.push_back(it.label());
            if (it.type == ItemType::comp) {
                if (it.frozen()) {  // one instant of the composition, held: every use maps to `a`
                    Mapping held{map.apply(a), Rational(0)};
                    collect_uses(tl, tl.composition(it.comp), {it.in, it.in + Rational(1, 1000)}, held, path,
                                 uses);
                } else {
                    Mapping inner{map.offset + map.scale * (it.start - it.in / it.speed),
                                  map.scale / it.speed};
                    collect_uses(tl, tl.composition(it.comp), {it.source_time(a), it.source_time(b)}, inner,
                                 path, uses);
                }
            } else if (it.type == ItemType::clip || it.type == ItemType::image) {
                SourceUse use;
                use.item = it.label();
                use.path = path;
                use.track_kind = track.kind;
                use.timeline = {map.apply(a), map.apply(b)};
                if (it.type == ItemType::clip)
                    use.source = {it.source_time(a), it.source_time(b)};
                else
                    use.source = {Rational(0), Rational(0)};
                uses[it.media].push_back(std::move(use));
            }
            path.pop_back();
        }
    }
}

void add_comp_sources(const Timeline& tl, const Composition& comp, std::set<std::string>& media,
                      std::set<std::string>& seen)
{
    if (!comp.name.empty() && !seen.insert(comp.name).second) return;
    for (const auto& t : comp.tracks)
        for (const auto& it : t.items) {
            if (it.type == ItemType::comp)
                add_comp_sources(tl, tl.composition(it.comp), media, seen);
            else if (!it.media.empty())
                media.insert(it.media);
        }
}

}  // namespace

SourceTable probe_sources(const Timeline& tl)
{
    std::set<std::string> used;
    tl.for_each_item([&](const Composition&, const Track&, const Item& it) {
        if (!it.media.empty()) used.insert(it.media);
    });
    SourceTable table;
    std::vector<Error> errors;
    for (const auto& [id, ref] : tl.media) {
        if (!used.count(id)) continue;
        try {
            if (const auto& q = ref.sequence)
                table.emplace(id, probe_sequence(ref.resolved.string(),
                                                 SequenceRequest{q->rate, q->start, q->end, q->step,
                                                                 to_string(q->missing)}));
            else
                table.emplace(id, probe_media(ref.resolved.string()));
        } catch (const Error& e) {
            // The location is the project's "path" entry; the message names the file.
            Error located(e.code(), "media", "media \"" + id + "\": " + e.message(), e.hint());
            located.with_pointer(ref.pointer + "/path").with_item(id);
            errors.push_back(locate(tl, located));
        }
    }
    if (!errors.empty()) {
        Error first = errors.front();
        errors.erase(errors.begin());
        first.with_more(std::move(errors));
        throw first;
    }
    return table;
}

FpsSource settle_frame_rate(Timeline& tl, const SourceTable& sources, const std::optional<Rational>& fps)
{
    Output& o = tl.output;
    if (fps) {
        o.fps = *fps;
        o.fps_source = FpsSource::flag;
    } else if (o.fps_source == FpsSource::fallback) {
        if (auto rate = common_video_rate(tl, sources)) {
            o.fps = *rate;
            o.fps_source = FpsSource::media;
        }
    }
    return o.fps_source;
}

std::optional<Rational> common_video_rate(const Timeline& tl, const SourceTable& sources)
{
    std::map<Rational, int> clips;
    tl.for_each_item([&](const Composition&, const Track&, const Item& it) {
        if (it.type != ItemType::clip) return;
        auto s = sources.find(it.media);
        if (s == sources.end() || s->second.still_image || !s->second.video) return;
        Rational r = snap_ntsc_rate(s->second.video->frame_rate);
        if (r <= Rational(0) || !frame_rate_problem(r).empty()) return;
        ++clips[r];
    });
    std::optional<Rational> best;
    int most = 0;
    for (const auto& [rate, n] : clips)  // ascending: a tie goes to the higher rate
        if (n >= most) {
            best = rate;
            most = n;
        }
    return best;
}

Project open_project(const std::filesystem::path& file, const std::filesystem::path& media_root)
{
    return open_project(file, ProjectOptions{media_root, std::nullopt});
}

Project open_project(const std::filesystem::path& file, const ProjectOptions& options)
{
    const std::filesystem::path& media_root = options.media_root;
    Project p;
    Stopwatch started;
    auto lap = [&] {
        double s = started.seconds();
        started.restart();
        return s;
    };
    if (is_otio_path(file)) {
        OtioTimeline read = load_otio(file, OtioOptions{media_root});
        p.timeline = std::move(read.timeline);
        p.warnings = std::move(read.warnings);
        p.proxy_references = std::move(read.proxies);
    } else {
        p.timeline = load_timeline(file);
    }
    p.parse_seconds = lap();
    p.sources = probe_sources(p.timeline);
    settle_frame_rate(p.timeline, p.sources, options.fps);
    resolve_timeline(p.timeline, source_facts(p.sources));
    p.probe_seconds = lap();
    return p;
}

SourceFactsMap source_facts(const SourceTable& sources)
{
    SourceFactsMap facts;
    for (const auto& [id, info] : sources) {
        SourceFacts f;
        f.has_video = info.video.has_value();
        f.has_audio = info.audio.has_value();
        f.still_image = info.still_image;
        f.duration = info.duration;
        if (info.video) {
            f.width = info.video->display_width;
            f.height = info.video->display_height;
            f.frame_rate = info.video->frame_rate;
        }
        facts.emplace(id, f);
    }
    return facts;
}

Plan make_plan(const Timeline& tl, const SourceTable& sources, const PlanOptions& options)
{
    Plan plan;
    plan.project = tl.file.string();
    plan.output = tl.output;
    plan.duration = tl.root.duration;
    const Rational& fps = tl.output.fps;
    plan.frames = time_to_frame(tl.root.duration, fps);
    plan.nesting_depth = tl.nesting_depth();
    for (const auto& t : tl.root.tracks) {
        (t.kind == TrackKind::video ? plan.video_tracks : plan.audio_tracks)++;
        plan.items += int(t.items.size());
    }

    // Sources: uses and ranges, analytically through the composition tree.
    std::map<std::string, std::vector<SourceUse>> uses;
    std::vector<std::string> path;
    collect_uses(tl, tl.root, {Rational(0), tl.root.duration}, Mapping{}, path, uses);

    // Per output frame: visible layers, the source frames they sample, the root items
    // that contribute. One pass; cost is frames × layers.
    std::map<std::string, std::vector<std::int64_t>> sampled;
    std::map<std::string, std::int64_t> visible_frames;
    std::vector<std::vector<const Item*>> contributors(static_cast<std::size_t>(plan.frames));
    std::vector<ActiveLayer> layers;
    auto has_picture = [&](const Item& it) {
        if (it.type != ItemType::clip) return true;
        auto s = sources.find(it.media);
        return s != sources.end() && s->second.video.has_value();
    };
    for (std::int64_t f = 0; f < plan.frames; ++f) {
        layers.clear();
        active_layers(tl, tl.root, frame_to_time(f, fps), layers);
        int count = 0;
        std::set<std::string> seen_here;
        auto& roots = contributors[static_cast<std::size_t>(f)];
        for (const auto& layer : layers) {
            if (!has_picture(*layer.item)) continue;
            ++count;
            if (std::find(roots.begin(), roots.end(), layer.root_item) == roots.end())
                roots.push_back(layer.root_item);
            const Item& it = *layer.item;
            if (it.type == ItemType::color) continue;
            if (seen_here.insert(it.media).second) ++visible_frames[it.media];
            const MediaInfo& info = sources.at(it.media);
            if (info.still_image) {
                sampled[it.media].push_back(0);
                continue;
            }
            Rational rate = info.video->frame_rate;
            std::int64_t index = rate > Rational(0) ? (layer.local_time * rate).round_half_down() : 0;
            if (info.video->frame_count > 0) index = std::min(index, info.video->frame_count - 1);
            sampled[it.media].push_back(std::max<std::int64_t>(0, index));
        }
        plan.max_layers = std::max(plan.max_layers, count);
        plan.layer_frames += count;
        // A root comp item counts as contributing wherever it is active, even over a gap
        // inside it; an active root item that shows nothing still shapes the picture.
        for (const auto& track : tl.root.tracks) {
            if (track.kind != TrackKind::video || !track.enabled) continue;
            auto [first, last] = items_at(track, frame_to_time(f, fps));
            for (const Item* it = first; it != last; ++it)
                if (it->enabled && it->type != ItemType::clip &&
                    std::find(roots.begin(), roots.end(), it) == roots.end())
                    roots.push_back(it);
        }
        std::sort(roots.begin(), roots.end(),
                  [](const Item* a, const Item* b) { return a->pointer < b->pointer; });
    }
    plan.mean_layers = plan.frames > 0 ? double(plan.layer_frames) / double(plan.frames) : 0;

    for (const auto& [id, info] : sources) {
        SourcePlan sp;
        sp.id = id;
        sp.info = info;
        sp.uses = uses[id];
        std::vector<TimeRange> ranges;
        for (const auto& u : sp.uses)
            if (u.source.start < u.source.end) ranges.push_back(u.source);
        sp.ranges = merge(std::move(ranges));
        auto& frames = sampled[id];
        std::sort(frames.begin(), frames.end());
        sp.frames_needed = std::unique(frames.begin(), frames.end()) - frames.begin();
        sp.output_frames = visible_frames[id];
        sp.heavy = sp.uses.size() >= 3 || sp.output_frames * 2 > plan.frames;
        plan.sources.push_back(std::move(sp));
    }
    for (const auto& [id, ref] : tl.media)
        if (!sources.count(id)) plan.warnings.push_back("media \"" + id + "\" is not used by any item");

    // Segments: cut where the set of contributing root items changes, then split spans
    // longer than the maximum into equal parts (so a local edit moves only local cuts).
    std::vector<FrameRange> spans;
    for (std::int64_t f = 0; f < plan.frames; ++f) {
        if (f == 0 || contributors[std::size_t(f)] != contributors[std::size_t(f - 1)])
            spans.push_back({f, f + 1});
        else
            spans.back().end = f + 1;
    }
    std::int64_t max_len = std::max<std::int64_t>(1, (options.max_segment_seconds * fps).round_half_down());
    plan.range = options.range.value_or(FrameRange{0, plan.frames});
    if (options.range && (plan.range.begin < 0 || plan.range.end > plan.frames || plan.range.empty()))
        throw Error(ErrorCode::usage, "plan",
                    "range of frames " + std::to_string(plan.range.begin) + "-" +
                        std::to_string(plan.range.end) + " is not inside the timeline (frames 0-" +
                        std::to_string(plan.frames) + ")",
                    "give a range within the timeline's duration");
    std::vector<FrameRange> pieces;
    std::vector<int> indices;  // in the whole plan, so a range's segments keep their numbers
    int whole = 0;
    for (const auto& s : spans) {
        std::int64_t n = (s.size() + max_len - 1) / max_len;
        for (std::int64_t i = 0; i < n; ++i) {
            FrameRange piece{s.begin + s.size() * i / n, s.begin + s.size() * (i + 1) / n};
            piece = {std::max(piece.begin, plan.range.begin), std::min(piece.end, plan.range.end)};
            if (!piece.empty()) {
                pieces.push_back(piece);
                indices.push_back(whole);
            }
            ++whole;
        }
    }

    json out_json = output_picture_json(tl.output);
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        Segment seg;
        seg.index = indices[i];
        seg.frames = pieces[i];
        Rational origin = frame_to_time(seg.frames.begin, fps);
        std::vector<const Item*> items;
        for (std::int64_t f = seg.frames.begin; f < seg.frames.end; ++f)
            for (const Item* it : contributors[std::size_t(f)])
                if (std::find(items.begin(), items.end(), it) == items.end()) items.push_back(it);
        // Layer order: track index, then start.
        json layers_json = json::array();
        std::set<std::string> media_ids;
        for (std::size_t ti = 0; ti < tl.root.tracks.size(); ++ti) {
            const Track& track = tl.root.tracks[ti];
            for (const auto& it : track.items) {
                if (std::find(items.begin(), items.end(), &it) == items.end()) continue;
                seg.items.push_back(it.label());
                json ij = item_picture_json(it, origin);
                ij["track"] = ti;
                if (it.type == ItemType::comp) {
                    ij["composition"] = composition_picture_json(tl, tl.composition(it.comp));
                    std::set<std::string> seen;
                    add_comp_sources(tl, tl.composition(it.comp), media_ids, seen);
                } else if (!it.media.empty()) {
                    media_ids.insert(it.media);
                }
                layers_json.push_back(std::move(ij));
            }
        }
        json fingerprints = json::object();
        for (const auto& id : media_ids) {
            auto s = sources.find(id);
            fingerprints[id] = s == sources.end() ? "" : s->second.fingerprint;
        }
        json key = {{"kind", "reel-segment"},
                    {"render_version", REEL_RENDER_VERSION},
                    {"output", out_json},
                    {"frames", seg.frames.size()},
                    {"layers", std::move(layers_json)},
                    {"sources", std::move(fingerprints)}};
        seg.hash = sha256_hex(key.dump());
        plan.segments.push_back(std::move(seg));
    }
    return plan;
}

nlohmann::ordered_json plan_to_json(const Plan& plan)
{
    const Output& o = plan.output;
    ojson video = {{"codec", o.video.codec}, {"preset", o.video.preset}, {"gop", o.gop_frames()}};
    if (o.video.bitrate)
        video["bitrate"] = *o.video.bitrate;
    else
        video["crf"] = o.crf_or_default();
    ojson j = {{"schema", "reel.plan"},
               {"version", 1},
               {"reel_version", REEL_VERSION},
               {"project", plan.project},
               {"output",
                {{"width", o.width},
                 {"height", o.height},
                 {"fps", o.fps.to_string()},
                 {"fps_value", o.fps.to_double()},
                 {"fps_source", to_string(o.fps_source)},
                 {"background", o.background.to_string()},
                 {"audio", {{"sample_rate", o.audio.sample_rate}, {"channels", o.audio.channels}}},
                 {"video", video}}}};
    j["totals"] = {{"duration", plan.duration.to_string()},
                   {"duration_seconds", seconds(plan.duration)},
                   {"frames", plan.frames},
                   {"video_tracks", plan.video_tracks},
                   {"audio_tracks", plan.audio_tracks},
                   {"items", plan.items},
                   {"max_layers", plan.max_layers},
                   {"mean_layers", plan.mean_layers},
                   {"nesting_depth", plan.nesting_depth},
                   {"sources", plan.sources.size()},
                   {"segments", plan.segments.size()}};
    ojson sources = ojson::array();
    ojson decode = ojson::object();
    std::int64_t decode_total = 0;
    for (const auto& s : plan.sources) {
        const MediaInfo& info = s.info;
        ojson sj = {{"id", s.id},
                    {"path", info.path},
                    {"kind", kind_of(info)},
                    {"container", info.container},
                    {"size_bytes", info.size_bytes},
                    {"fingerprint", info.fingerprint},
                    {"duration", info.duration ? ojson(info.duration->to_string()) : ojson(nullptr)},
                    {"duration_seconds", info.duration ? ojson(seconds(*info.duration)) : ojson(nullptr)}};
        if (info.video) {
            const VideoStreamInfo& v = *info.video;
            ojson vj = {{"codec", v.codec},
                        {"width", v.width},
                        {"height", v.height},
                        {"display_width", v.display_width},
                        {"display_height", v.display_height},
                        {"pixel_format", v.pixel_format},
                        {"color_range", v.color_range},
                        {"color_space", v.color_space},
                        {"frame_rate", v.frame_rate.to_string()},
                        {"variable_frame_rate", v.variable_frame_rate},
                        {"rotation", v.rotation},
                        {"frame_count", v.frame_count}};
            vj["keyframe_interval"] = v.keyframe_interval ? ojson(*v.keyframe_interval) : ojson(nullptr);
            sj["video"] = vj;
        } else {
            sj["video"] = nullptr;
        }
        if (info.audio)
            sj["audio"] = {{"codec", info.audio->codec},
                           {"sample_rate", info.audio->sample_rate},
                           {"channels", info.audio->channels},
                           {"layout", info.audio->layout}};
        else
            sj["audio"] = nullptr;
        ojson uses = ojson::array();
        for (const auto& u : s.uses)
            uses.push_back({{"item", u.item},
                            {"path", u.path},
                            {"track_kind", u.track_kind == TrackKind::audio ? "audio" : "video"},
                            {"timeline", range_json(u.timeline)},
                            {"source", range_json(u.source)}});
        sj["uses"] = uses;
        ojson ranges = ojson::array();
        for (const auto& r : s.ranges) ranges.push_back(range_json(r));
        sj["ranges"] = ranges;
        sj["frames_needed"] = s.frames_needed;
        sj["output_frames"] = s.output_frames;
        sj["heavy"] = s.heavy;
        if (s.proxy) {
            ojson pj = {{"state", s.proxy->state}, {"height", s.proxy->height}};
            if (!s.proxy->file.empty()) pj["file"] = s.proxy->file;
            sj["proxy"] = std::move(pj);
        }
        sources.push_back(std::move(sj));
        decode[s.id] = s.frames_needed;
        decode_total += s.frames_needed;
    }
    j["sources"] = sources;
    ojson segments = ojson::array();
    for (const auto& seg : plan.segments) {
        ojson sj = {{"index", seg.index},
                    {"start_frame", seg.frames.begin},
                    {"end_frame", seg.frames.end},
                    {"frames", seg.frames.size()},
                    {"start_seconds", seconds(frame_to_time(seg.frames.begin, o.fps))},
                    {"end_seconds", seconds(frame_to_time(seg.frames.end, o.fps))},
                    {"hash", seg.hash}};
        if (!seg.key.empty()) {
            sj["key"] = seg.key;
            sj["cached"] = seg.cached;
        }
        sj["items"] = seg.items;
        segments.push_back(std::move(sj));
    }
    j["segments"] = segments;
    j["estimate"] = {{"decode_frames", decode},
                     {"decode_frames_total", decode_total},
                     {"layer_frames", plan.layer_frames},
                     {"mean_layers_per_frame", plan.mean_layers},
                     {"max_layers_per_frame", plan.max_layers},
                     {"encode_frames", plan.frames}};
    j["warnings"] = plan.warnings;
    return j;
}

std::string plan_to_text(const Plan& plan)
{
    std::ostringstream out;
    char buf[512];
    const Output& o = plan.output;
    out << "project   " << plan.project << "\n";
    std::snprintf(buf, sizeof buf,
                  "output    %dx%d @ %s fps (%.3f, from %s), %s, %s crf/bitrate %s, gop %d\n", o.width,
                  o.height, o.fps.to_string().c_str(), o.fps.to_double(), to_string(o.fps_source),
                  o.background.to_string().c_str(), o.video.codec.c_str(),
                  o.video.bitrate ? (std::to_string(*o.video.bitrate) + " b/s").c_str()
                                  : std::to_string(o.crf_or_default()).substr(0, 4).c_str(),
                  o.gop_frames());
    out << buf;
    std::snprintf(buf, sizeof buf,
                  "totals    %.3f s, %lld frames, %d video + %d audio tracks, %d items, layers max %d "
                  "mean %.2f, nesting depth %d\n",
                  seconds(plan.duration), static_cast<long long>(plan.frames), plan.video_tracks,
                  plan.audio_tracks, plan.items, plan.max_layers, plan.mean_layers, plan.nesting_depth);
    out << buf << "\nsources\n";
    std::snprintf(buf, sizeof buf, "  %-14s %-6s %-10s %11s %6s %8s %5s  %s\n", "id", "kind", "codec", "size",
                  "uses", "frames", "heavy", "path");
    out << buf;
    for (const auto& s : plan.sources) {
        std::string codec = s.info.video ? s.info.video->codec : s.info.audio ? s.info.audio->codec : "-";
        std::string size = s.info.video ? std::to_string(s.info.video->display_width) + "x" +
                                              std::to_string(s.info.video->display_height)
                                        : "-";
        std::snprintf(buf, sizeof buf, "  %-14s %-6s %-10s %11s %6zu %8lld %5s  %s\n", s.id.c_str(),
                      kind_of(s.info).c_str(), codec.c_str(), size.c_str(), s.uses.size(),
                      static_cast<long long>(s.frames_needed), s.heavy ? "yes" : "no", s.info.path.c_str());
        out << buf;
        if (s.proxy)
            out << "      proxy " << s.proxy->height << "p: " << s.proxy->state
                << (s.proxy->file.empty() ? "" : " " + s.proxy->file) << "\n";
        for (const auto& u : s.uses) {
            std::string p;
            for (const auto& part : u.path) p += (p.empty() ? "" : " > ") + part;
            std::snprintf(buf, sizeof buf, "      %-40s timeline %8.3f-%-8.3f source %8.3f-%.3f\n", p.c_str(),
                          seconds(u.timeline.start), seconds(u.timeline.end), seconds(u.source.start),
                          seconds(u.source.end));
            out << buf;
        }
    }
    out << "\nsegments\n";
    std::snprintf(buf, sizeof buf, "  %5s %9s %9s %7s  %-16s %-6s  %s\n", "index", "start", "end", "frames",
                  "hash", "cache", "items");
    out << buf;
    for (const auto& seg : plan.segments) {
        std::string items;
        for (const auto& i : seg.items) items += (items.empty() ? "" : ", ") + i;
        std::snprintf(buf, sizeof buf, "  %5d %9lld %9lld %7lld  %-16s %-6s  %s\n", seg.index,
                      static_cast<long long>(seg.frames.begin), static_cast<long long>(seg.frames.end),
                      static_cast<long long>(seg.frames.size()), seg.hash.substr(0, 16).c_str(),
                      seg.key.empty() ? "-"
                      : seg.cached    ? "cached"
                                      : "dirty",
                      items.c_str());
        out << buf;
    }
    std::int64_t decode_total = 0;
    for (const auto& s : plan.sources) decode_total += s.frames_needed;
    std::snprintf(buf, sizeof buf,
                  "\nestimate  decode %lld frames, composite %lld layer-frames, encode %lld frames\n",
                  static_cast<long long>(decode_total), static_cast<long long>(plan.layer_frames),
                  static_cast<long long>(plan.frames));
    out << buf;
    for (const auto& w : plan.warnings) out << "warning: " << w << "\n";
    return out.str();
}

}  // namespace reel
