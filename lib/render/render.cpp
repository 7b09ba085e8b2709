// SPDX-License-Identifier: Apache-2.0
#include "render/render.h"

#include "encode/composite.h"
#include "encode/encoder.h"
#include "render/segments.h"
#include "render/sound.h"
#include "stats/stats.h"
#include "util/error.h"
#include "util/stopwatch.h"
#include "util/strings.h"

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

void check_preset(const std::string& codec, const std::optional<std::string>& preset)
{
    if (!preset) return;
    std::vector<std::string> known = encoder_presets(codec);
    if (std::find(known.begin(), known.end(), *preset) != known.end()) return;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    throw Error(
        ErrorCode::usage, "render",
        "--preset " + abbreviate(*preset) + " is not a preset of " + encoder_name(codec) + " (" + codec + ")",
        known.empty() ? "it has none: leave --preset out" : "its presets: " + list);
}

EngineChoice render_engine(const Timeline& tl, const RenderOptions& o)
{
    std::string codec = o.codec.value_or(tl.output.video.codec);
    if (o.engine) return choose_engine(*o.engine, "flag", codec);
    if (tl.output.video.engine) return choose_engine(*tl.output.video.engine, "timeline", codec);
    return choose_engine("software", "default", codec);
}

HwDecodeChoice render_hwdecode(const RenderOptions& o)
{
    return o.hwdecode ? choose_hwdecode(*o.hwdecode, "flag") : choose_hwdecode("none", "default");
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
    check_preset(s.codec, o.preset);
    s.engine = render_engine(tl, o).engine;
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
                   std::optional<RenderSound>& sound, const RenderOptions& options, RenderResult& result)
{
    EncodedInput first(cache.file_for(segs.outcomes[0].key).string());
    Muxer muxer(options.output);
    int video = muxer.add_stream(first.video(), Rational(tl.output.fps.den(), tl.output.fps.num()));
    int audio = -1;
    if (sound) {
        TrackReader& reader = *sound->reader;
        audio = muxer.add_stream(reader.params(), reader.time_base());
        muxer.feed(audio, [&reader](Packet& p) { return reader.next(p); });
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
    if (audio >= 0) result.writer.audio_bytes = muxer.stream_bytes(audio);
}

}  // namespace

RenderResult render_with_segments(const Timeline& tl, const SourceTable& sources, const Plan& plan,
                                  SegmentCache& cache, const RenderOptions& options)
{
    Stopwatch started;
    RenderResult result;
    std::string container = container_for(options.output);
    check_container_codec(container, encoder_settings(tl, options).codec);
    // The sound is mixed (or found in the cache) while the segments render; if either
    // fails, the other stops too, and the first failure is the one reported (a cancel:
    // the picture's, which says what stays in the cache). What was published stays.
    std::optional<RenderSound> sound;
    std::exception_ptr sound_failure, picture_failure;
    std::atomic<bool> sound_abort{false}, picture_abort{false};
    std::atomic<int> first_failure{0};  // 1 the sound, 2 the picture
    RenderOptions heard = options, picture = options;
    heard.abort = &sound_abort;
    picture.abort = &picture_abort;
    auto phase = [&](RenderPhase p, std::int64_t done) {
        if (options.progress) options.progress(RenderProgress{done, plan.range.size(), started.seconds(), p});
    };
    std::thread sound_thread([&] {
        try {
            phase(RenderPhase::sound, 0);
            // (emplaced: a file of its own can move, not be reassigned)
            if (auto made = make_sound(tl, sources, heard, plan.range, container, cache, result))
                sound.emplace(std::move(*made));
            phase(RenderPhase::sound, plan.range.size());
        } catch (...) {
            sound_failure = std::current_exception();
            int none = 0;
            first_failure.compare_exchange_strong(none, 1);
            picture_abort = true;
        }
    });
    SegmentsResult segs;
    try {
        segs = render_segments(tl, sources, plan, plan.segments, cache, picture);
    } catch (...) {
        picture_failure = std::current_exception();
        int none = 0;
        first_failure.compare_exchange_strong(none, 2);
        sound_abort = true;
    }
    sound_thread.join();
    bool cancelled = options.cancel && options.cancel->load();
    if (picture_failure && (first_failure == 2 || cancelled || !sound_failure))
        std::rethrow_exception(picture_failure);
    if (sound_failure) std::rethrow_exception(sound_failure);
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
