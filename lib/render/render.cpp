// SPDX-License-Identifier: Apache-2.0
#include "render/render.h"

#include "encode/composite.h"
#include "render/segments.h"
#include "render/sound.h"
#include "stats/stats.h"
#include "util/error.h"
#include "util/stopwatch.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>

namespace reel {

std::size_t default_memory_budget()
{
    constexpr std::size_t mib = 1024 * 1024;
    std::size_t quarter = std::size_t(meminfo_bytes("MemAvailable")) / 4;
    return std::clamp<std::size_t>(quarter ? quarter : 1024 * mib, 256 * mib, 1024 * mib);
}

EncoderSettings encoder_settings(const Timeline& tl, const RenderOptions& o)
{
    EncoderSettings s;
    const VideoSettings& v = tl.output.video;
    s.codec = o.codec.value_or(v.codec);
    s.preset = o.preset.value_or(
        s.codec == v.codec ? v.preset : (s.codec == "h264" || s.codec == "hevc" ? "veryfast" : ""));
    if (o.bitrate) {
        s.bitrate = o.bitrate;
    } else if (o.crf) {
        s.crf = o.crf;
    } else {
        s.crf = v.crf;
        s.bitrate = v.bitrate;
    }
    s.gop = o.gop.value_or(tl.output.gop_frames());
    s.width = tl.output.width;
    s.height = tl.output.height;
    s.fps = tl.output.fps;
    return s;
}

RenderResult render_into_cache(const Timeline& tl, const SourceTable& sources, const Plan& plan,
                               const std::vector<Segment>& segments, SegmentCache& cache,
                               const RenderOptions& options)
{
    RenderResult result;
    SegmentsResult segs = render_segments(tl, sources, plan, segments, cache, options);
    add_segment_figures(result, segs);
    for (const auto& s : segments) result.frames += s.frames.size();
    result.duration = Rational(result.frames) / tl.output.fps;
    result.wall_seconds = segs.wall_seconds;
    return result;
}

namespace {

/// The segments' files joined by stream copy into options.output, one file open at a
/// time (each checked against the first), with the sound muxed in.
void join_segments(const Timeline& tl, const SegmentCache& cache, const SegmentsResult& segs,
                   std::optional<EncodedTrack>& sound, const RenderOptions& options, RenderResult& result)
{
    EncodedInput first(cache.file_for(segs.outcomes[0].key).string());
    Muxer muxer(options.output);
    int video = muxer.add_stream(first.video(), Rational(tl.output.fps.den(), tl.output.fps.num()));
    if (sound) {
        int audio = muxer.add_stream(sound->params, sound->time_base);
        muxer.queue(audio, std::move(sound->packets));
    }
    muxer.start();
    Joiner joiner(muxer, video, -1, tl.output.fps, 0);
    joiner.append(first, options.cancel);
    for (std::size_t i = 1; i < segs.outcomes.size(); ++i) {
        EncodedInput input(cache.file_for(segs.outcomes[i].key).string());
        std::string why = incompatibility(first, input);
        if (!why.empty())
            throw Error(ErrorCode::internal, "composite",
                        "cached segment " + std::to_string(segs.outcomes[i].index) +
                            " cannot follow segment " + std::to_string(segs.outcomes[0].index) + ": " + why,
                        "remove the cache folder " + cache.dir().string() + " and render again");
        joiner.append(input, options.cancel);
    }
    muxer.finish(options.overwrite);
    result.frames = joiner.frames();
    result.writer.frames = result.frames;
    result.writer.bytes = muxer.bytes();
}

}  // namespace

RenderResult render_with_segments(const Timeline& tl, const SourceTable& sources, const Plan& plan,
                                  SegmentCache& cache, const RenderOptions& options)
{
    Stopwatch started;
    RenderResult result;
    std::string container = container_for(options.output);
    check_container_codec(container, encoder_settings(tl, options).codec);
    // The sound is mixed (or found in the cache) while the segments render; if it fails,
    // the segments stop too, and what was published stays for the next run.
    std::optional<EncodedTrack> sound;
    std::exception_ptr sound_failure, picture_failure;
    std::atomic<bool> abort{false};
    RenderOptions picture = options;
    picture.abort = &abort;
    auto phase = [&](RenderPhase p, std::int64_t done) {
        if (options.progress) options.progress(RenderProgress{done, plan.range.size(), started.seconds(), p});
    };
    std::thread sound_thread([&] {
        try {
            phase(RenderPhase::sound, 0);
            sound = make_sound(tl, sources, options, plan.range, container, cache, result);
            phase(RenderPhase::sound, plan.range.size());
        } catch (...) {
            sound_failure = std::current_exception();
            abort = true;
        }
    });
    SegmentsResult segs;
    try {
        segs = render_segments(tl, sources, plan, plan.segments, cache, picture);
    } catch (...) {
        picture_failure = std::current_exception();
    }
    sound_thread.join();
    if (sound_failure) std::rethrow_exception(sound_failure);
    if (picture_failure) std::rethrow_exception(picture_failure);
    add_segment_figures(result, segs);
    Stopwatch t;
    phase(RenderPhase::composite, 0);
    join_segments(tl, cache, segs, sound, options, result);
    phase(RenderPhase::composite, result.frames);
    result.composite_seconds = t.seconds();
    result.duration = Rational(result.frames) / tl.output.fps;
    result.wall_seconds = started.seconds();
    return result;
}

}  // namespace reel
