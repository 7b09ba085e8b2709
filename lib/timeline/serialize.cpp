// SPDX-License-Identifier: Apache-2.0
#include "timeline/serialize.h"

namespace reel {
namespace {

using json = nlohmann::json;

json time_json(const Rational& r)
{
    if (r.den() == 1) return r.num();
    return r.to_string();
}

}  // namespace

json item_visual_json(const Item& it, bool with_transition)
{
    json j = json::object();
    if (it.transform) {
        const Transform& t = *it.transform;
        json tj = {{"x", t.x},
                   {"y", t.y},
                   {"fit", to_string(t.fit)},
                   {"rotation", t.rotation},
                   {"anchor", {t.anchor_x, t.anchor_y}}};
        if (t.width) tj["width"] = *t.width;
        if (t.height) tj["height"] = *t.height;
        if (t.flip_x) tj["flip_x"] = true;  // written only when set: older keys stay valid
        if (t.flip_y) tj["flip_y"] = true;
        j["transform"] = tj;
    }
    if (it.crop)
        j["crop"] = {{"left", it.crop->left},
                     {"top", it.crop->top},
                     {"right", it.crop->right},
                     {"bottom", it.crop->bottom}};
    if (it.opacity != 1) j["opacity"] = it.opacity;
    if (it.fade_in != Rational(0)) j["fade_in"] = time_json(it.fade_in);
    if (it.fade_out != Rational(0)) j["fade_out"] = time_json(it.fade_out);
    if (it.adjust)
        j["color"] = {{"brightness", it.adjust->brightness},
                      {"contrast", it.adjust->contrast},
                      {"saturation", it.adjust->saturation}};
    if (it.transition_in && with_transition) {
        const Transition& t = *it.transition_in;
        j["transition_in"] = {{"kind", to_string(t.kind)}, {"duration", time_json(t.duration)}};
        if (t.kind == TransitionKind::wipe) {
            j["transition_in"]["direction"] = to_string(t.direction);
            j["transition_in"]["softness"] = t.softness;
        }
    }
    return j;
}

namespace {

json item_json(const Item& it, const Rational& origin, bool picture_only)
{
    json j = item_visual_json(it, true);
    j["type"] = to_string(it.type);
    j["start"] = time_json(it.start - origin);
    if (!it.enabled) j["enabled"] = false;
    switch (it.type) {
        case ItemType::clip:
        case ItemType::comp:
            j[it.type == ItemType::clip ? "media" : "comp"] = it.type == ItemType::clip ? it.media : it.comp;
            j["in"] = time_json(it.in);
            if (it.frozen()) {
                j["speed"] = 0;
                j["duration"] = time_json(*it.duration);
                break;
            }
            j["out"] = time_json(it.source_out);
            if (it.speed != Rational(1)) j["speed"] = time_json(it.speed);
            break;
        case ItemType::image:
            j["media"] = it.media;
            j["duration"] = time_json(*it.duration);
            break;
        case ItemType::color:
            j["color"] = it.color.to_string();
            j["duration"] = time_json(*it.duration);
            break;
    }
    if (!picture_only) {
        if (!it.id.empty()) j["id"] = it.id;
        if (it.gain_db != 0) j["gain_db"] = it.gain_db;
        if (it.mute) j["mute"] = true;
    }
    return j;
}

}  // namespace

json item_picture_json(const Item& item, const Rational& origin)
{
    return item_json(item, origin, true);
}

json composition_picture_json(const Timeline& tl, const Composition& comp)
{
    json tracks = json::array();
    for (const auto& t : comp.tracks) {
        if (t.kind != TrackKind::video || !t.enabled) {
            tracks.push_back(nullptr);  // keeps layer indices stable
            continue;
        }
        json items = json::array();
        for (const auto& it : t.items) {
            if (!it.enabled) continue;
            json ij = item_picture_json(it, Rational(0));
            if (it.type == ItemType::comp)
                ij["composition"] = composition_picture_json(tl, tl.composition(it.comp));
            items.push_back(std::move(ij));
        }
        tracks.push_back(std::move(items));
    }
    json j = {{"width", comp.width},
              {"height", comp.height},
              {"duration", time_json(comp.duration)},
              {"tracks", std::move(tracks)}};
    j["background"] = comp.background ? comp.background->to_string() : "transparent";
    return j;
}

json output_picture_json(const Output& o)
{
    json v = {{"codec", o.video.codec}, {"preset", o.video.preset}, {"gop", o.gop_frames()}};
    if (o.video.bitrate)
        v["bitrate"] = *o.video.bitrate;
    else
        v["crf"] = o.crf_or_default();
    return {{"width", o.width},
            {"height", o.height},
            {"fps", o.fps.to_string()},
            {"background", o.background.to_string()},
            {"video", v}};
}

json video_settings_json(const VideoSettings& v)
{
    json video = {{"codec", v.codec}, {"preset", v.preset}};
    if (v.crf) video["crf"] = *v.crf;
    if (v.bitrate) video["bitrate"] = *v.bitrate;
    if (v.gop) video["gop"] = *v.gop;
    if (v.engine) video["engine"] = *v.engine;
    return video;
}

json to_json(const Timeline& tl)
{
    auto tracks_json = [&](const Composition& comp) {
        json tracks = json::array();
        for (const auto& t : comp.tracks) {
            json tj = json::object();
            if (!t.id.empty()) tj["id"] = t.id;
            if (t.kind == TrackKind::audio) tj["kind"] = "audio";
            if (!t.enabled) tj["enabled"] = false;
            if (t.mute) tj["mute"] = true;
            json items = json::array();
            for (const auto& it : t.items) items.push_back(item_json(it, Rational(0), false));
            tj["items"] = std::move(items);
            tracks.push_back(std::move(tj));
        }
        return tracks;
    };
    const Output& o = tl.output;
    json video = video_settings_json(o.video);
    json j = {{"reel", timeline_format_version},
              {"output",
               {{"width", o.width},
                {"height", o.height},
                {"fps", o.fps.den() == 1 ? json(o.fps.num()) : json(o.fps.to_string())},
                {"background", o.background.to_string()},
                {"audio", {{"sample_rate", o.audio.sample_rate}, {"channels", o.audio.channels}}},
                {"video", video}}}};
    json media = json::object();
    for (const auto& [id, m] : tl.media) {
        media[id] = {{"path", m.path}};
        if (const auto& q = m.sequence) {
            json sj = {{"rate", q->rate.den() == 1 ? json(q->rate.num()) : json(q->rate.to_string())},
                       {"step", q->step},
                       {"missing", to_string(q->missing)}};
            if (q->start) sj["start"] = *q->start;
            if (q->end) sj["end"] = *q->end;
            media[id]["sequence"] = std::move(sj);
        }
    }
    j["media"] = media;
    if (!tl.compositions.empty()) {
        json comps = json::object();
        for (const auto& [name, c] : tl.compositions) {
            json cj = {{"width", c.width}, {"height", c.height}, {"tracks", tracks_json(c)}};
            if (c.declared_duration) cj["duration"] = time_json(*c.declared_duration);
            if (c.background) cj["background"] = c.background->to_string();
            comps[name] = std::move(cj);
        }
        j["compositions"] = comps;
    }
    if (tl.root.declared_duration) j["duration"] = time_json(*tl.root.declared_duration);
    j["tracks"] = tracks_json(tl.root);
    return j;
}

}  // namespace reel
