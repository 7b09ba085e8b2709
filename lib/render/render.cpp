// SPDX-License-Identifier: Apache-2.0
#include "render/render.h"

#include "stats/stats.h"
#include "util/error.h"

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <fstream>
#include <memory>
#include <string>

namespace reel {

std::size_t default_memory_budget()
{
    constexpr std::size_t mib = 1024 * 1024;
    std::size_t quarter = std::size_t(meminfo_bytes("MemAvailable")) / 4;
    return std::clamp<std::size_t>(quarter ? quarter : 1024 * mib, 256 * mib, 4096 * mib);
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

std::optional<AudioTrackSettings> audio_track_for(const Timeline& tl,
                                                  const std::map<std::string, MediaInfo>& sources,
                                                  const RenderOptions& options)
{
    if (options.audio != "none" && options.audio != "auto" && options.audio != "always")
        throw Error(ErrorCode::usage, "render",
                    "audio mode \"" + options.audio + "\" is not auto, always or none");
    bool heard = options.audio != "none" && timeline_has_audio(tl, sources);
    if (!heard && options.audio != "always") return std::nullopt;
    return AudioTrackSettings{tl.output.audio.sample_rate, tl.output.audio.channels, options.audio_codec, 0};
}

AudioMixResult mix_for_render(const Timeline& tl, const std::map<std::string, MediaInfo>& sources,
                              const RenderOptions& options, FrameRange range, const AudioTrackSettings& track)
{
    AudioMixOptions ao;
    ao.sample_rate = track.sample_rate;
    ao.channels = track.channels;
    ao.range = TimeRange{frame_to_time(range.begin, tl.output.fps), frame_to_time(range.end, tl.output.fps)};
    ao.tolerate_errors = options.tolerate_audio_errors;
    return mix_audio(tl, sources, ao);
}

RenderResult render_timeline(const Timeline& tl, const std::map<std::string, MediaInfo>& sources,
                             const RenderOptions& options)
{
    auto started = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    };
    RenderResult result;
    std::int64_t total = time_to_frame(tl.root.duration, tl.output.fps);
    FrameRange range = options.range.value_or(FrameRange{0, total});
    if (range.begin < 0 || range.end > total || range.empty())
        throw Error(ErrorCode::usage, "render",
                    "range of frames " + std::to_string(range.begin) + "-" + std::to_string(range.end) +
                        " is not inside the timeline (frames 0-" + std::to_string(total) + ")",
                    "give --range within the timeline's duration");

    int cores = tbb::info::default_concurrency();
    result.threads = options.threads > 0 ? options.threads : cores;
    result.memory_budget = options.memory_budget ? options.memory_budget : default_memory_budget();
    std::size_t frame_bytes = std::size_t(tl.output.width) * std::size_t(tl.output.height) * 3 / 2;
    // Half the budget for the frame cache; frames in flight from a quarter of it. The
    // pipeline's two serial stages gain little from more than 4 frames in flight (measured
    // on the 1080p bench: 8 tokens cost 25 MB of RSS for no speed).
    result.cache_budget = result.memory_budget / 2;
    result.tokens =
        int(std::clamp<std::size_t>(result.memory_budget / 4 / std::max<std::size_t>(frame_bytes, 1), 2, 4));

    EncoderSettings settings = encoder_settings(tl, options);
    settings.threads = result.threads;
    DecoderPool pool(sources, std::min(result.threads, 2));
    FrameCache cache(result.cache_budget);
    Compositor compositor(tl, pool, cache);
    // Sound: mixed and encoded for the whole range before the picture starts.
    AudioMixResult mix;
    std::optional<AudioTrackSettings> track = audio_track_for(tl, sources, options);
    if (track) mix = mix_for_render(tl, sources, options, range, *track);
    VideoWriter writer(options.output, settings, track);
    if (track) {
        writer.write_audio(mix.samples);
        result.audio = true;
        mix.samples.clear();
        mix.samples.shrink_to_fit();
    }
    result.audio_mix = std::move(mix);

    std::int64_t next = range.begin;
    std::int64_t done = 0;
    double last_report = -1;
    bool cancelled = false;
    // Exceptions never cross the TBB pipeline (frames in flight would leak when TBB
    // cancels it): a failing stage records its error and the input stage stops.
    std::exception_ptr failure;
    std::atomic<bool> failed{false};
    tbb::task_arena arena(result.threads);
    arena.execute([&] {
        tbb::parallel_pipeline(
            std::size_t(result.tokens),
            tbb::make_filter<void, std::shared_ptr<const Image>>(
                tbb::filter_mode::serial_in_order,
                [&](tbb::flow_control& fc) -> std::shared_ptr<const Image> {
                    if (failed || next >= range.end || (options.cancel && options.cancel->load())) {
                        cancelled = !failed && next < range.end;
                        fc.stop();
                        return nullptr;
                    }
                    try {
                        return compositor.render(next++);
                    } catch (...) {
                        failure = std::current_exception();
                        failed = true;
                        fc.stop();
                        return nullptr;
                    }
                }) &
                tbb::make_filter<std::shared_ptr<const Image>, void>(
                    tbb::filter_mode::serial_in_order, [&](const std::shared_ptr<const Image>& picture) {
                        if (failed || !picture) return;
                        try {
                            writer.write(picture);
                        } catch (...) {
                            failure = std::current_exception();
                            failed = true;
                            return;
                        }
                        ++done;
                        double now = elapsed();
                        if (options.progress && (now - last_report >= 0.25 || done == range.size())) {
                            last_report = now;
                            options.progress(RenderProgress{done, range.size(), now});
                        }
                    }));
    });
    if (failure) std::rethrow_exception(failure);
    if (cancelled)
        throw Error(ErrorCode::interrupted, "render",
                    "interrupted after " + std::to_string(done) + " of " + std::to_string(range.size()) +
                        " frames; nothing was written",
                    "run the command again to render from the start");
    writer.finish(options.overwrite);

    result.frames = done;
    result.duration = Rational(range.size()) / tl.output.fps;
    result.wall_seconds = elapsed();
    result.decode = pool.counters();
    result.compose = compositor.counters();
    result.cache = cache.stats();
    result.writer = writer.stats();
    result.decode_seconds = result.decode.seconds;
    result.compose_seconds = result.compose.seconds;
    result.encode_seconds = result.writer.encode_seconds;
    return result;
}

}  // namespace reel
