// SPDX-License-Identifier: Apache-2.0
// Shared by the fuzz targets: a fixed tiny "media set" described without files, so the
// timeline, OTIO and plan targets run the resolver and planner with no I/O.
#pragma once

#include "plan/plan.h"
#include "timeline/model.h"
#include "timeline/parse.h"

#include <string>

namespace reel::fuzz {

/// What a source is, by its path's extension: a still (.png .jpg .svg), a sound (.wav
/// .flac .m4a) or a 10 s 640x360 25 fps video with stereo sound (anything else).
inline MediaInfo media_for(const std::string& path)
{
    auto ends = [&](const char* ext) {
        std::string e = ext;
        return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
    };
    MediaInfo m;
    m.path = path;
    m.stream_count = 1;
    m.fingerprint = "0123456789abcdef0123456789abcdef";
    if (ends(".png") || ends(".jpg") || ends(".svg")) {
        m.still_image = true;
        VideoStreamInfo v;
        v.codec = "png";
        v.width = v.display_width = 200;
        v.height = v.display_height = 100;
        v.pixel_format = "rgba";
        m.video = v;
        return m;
    }
    AudioStreamInfo a;
    a.codec = "aac";
    a.sample_rate = 48000;
    a.channels = 2;
    a.layout = "stereo";
    a.duration = Rational(10);
    m.audio = a;
    m.duration = Rational(10);
    if (ends(".wav") || ends(".flac") || ends(".m4a")) return m;
    VideoStreamInfo v;
    v.codec = "h264";
    v.width = v.display_width = 640;
    v.height = v.display_height = 360;
    v.pixel_format = "yuv420p";
    v.frame_rate = Rational(25);
    v.frame_count = 250;
    v.keyframe_interval = 50;
    v.duration = Rational(10);
    m.video = v;
    m.stream_count = 2;
    return m;
}

/// Whether planning a resolved timeline is fuzzing work: up to an hour. Longer ones are
/// valid, and plan in time linear in their segments (a 12-hour timeline in 2 s segments:
/// an 8 MB plan in 1 s), but under ASan and coverage that one input takes 20 s and stalls
/// the run (the first long run's only "timeout").
inline bool plannable(const Timeline& tl)
{
    return tl.root.duration <= Rational(3600);
}

/// Resolves a parsed timeline against that media set and plans it, as `reel plan` does.
inline void resolve_and_plan(Timeline& tl)
{
    SourceTable sources;
    for (const auto& [id, ref] : tl.media) sources[id] = media_for(ref.path);
    resolve_timeline(tl, source_facts(sources));
    if (!plannable(tl)) return;
    Plan plan = make_plan(tl, sources, PlanOptions{});
    (void)plan_to_json(plan).dump();
}

}  // namespace reel::fuzz
