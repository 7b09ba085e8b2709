// SPDX-License-Identifier: Apache-2.0
// The one file of lib/bench that calls into lib/render and lib/encode (see detail/runs.h).
#include "bench/detail/runs.h"

#include "cache/segment_cache.h"
#include "encode/encoder.h"
#include "encode/video_writer.h"
#include "media/decoder.h"
#include "plan/plan.h"
#include "render/render.h"
#include "render/segments.h"
#include "time/frames.h"
#include "timeline/evaluate.h"
#include "util/error.h"
#include "util/stopwatch.h"

#include <tbb/info.h>
#include <algorithm>
#include <string>

namespace reel::detail {
namespace {

void check_cancel(const std::atomic<bool>* cancel, const std::string& what)
{
    if (cancel && *cancel) throw Error(ErrorCode::interrupted, "bench", what);
}

nlohmann::json render_figures(const RenderResult& r, std::size_t unique_sources)
{
    std::int64_t lookups = r.cache.hits + r.cache.misses;
    return {{"frames", r.frames},
            {"stages",
             {{"decode_seconds", r.decode_seconds},
              {"compose_seconds", r.compose_seconds},
              {"encode_seconds", r.encode_seconds},
              {"audio_seconds", r.audio_seconds},
              {"composite_seconds", r.composite_seconds}}},
            {"decoders_opened", r.decode.decoders_opened},
            {"unique_sources", unique_sources},
            {"seeks", r.decode.seeks},
            {"frames_decoded", r.decode.frames_decoded},
            {"cache_hit_rate", lookups ? double(r.cache.hits) / double(lookups) : 0.0},
            {"segments", r.segments_total},
            {"segments_rendered", r.segments_rendered},
            {"segments_reused", r.segments_reused + r.segments_waited},
            {"segments_in_flight", r.workers},
            {"encoder_threads", r.encoder_threads}};
}

/// The plan `reel render` makes (segments of at most `segment_seconds`).
Plan plan_for(const Project& project, double segment_seconds)
{
    PlanOptions po;
    po.max_segment_seconds = Rational::parse(std::to_string(segment_seconds)).value_or(Rational(5));
    Plan plan = make_plan(project.timeline, project.sources, po);
    if (plan.frames == 0 || plan.segments.empty())
        throw Error(ErrorCode::timeline, "render", "the timeline has no frames to render",
                    "give the root composition items, or a duration");
    return plan;
}

}  // namespace

BenchRun render_run(const std::filesystem::path& project_file, const std::filesystem::path& cache_dir,
                    const std::filesystem::path& out, const RunSettings& s)
{
    Stopwatch t;
    Project project = open_project(project_file);
    Plan plan = plan_for(project, s.segment_seconds);
    SegmentCache cache(cache_dir, 1ull << 40);
    RenderOptions ro;
    ro.output = out.string();
    ro.overwrite = true;
    ro.threads = s.threads;
    ro.cancel = s.cancel;
    ro.workers = s.workers;
    RenderResult r = render_with_segments(project.timeline, project.sources, plan, cache, ro);
    BenchRun run;
    run.wall = t.seconds();
    run.figures = render_figures(r, project.sources.size());
    return run;
}

BenchRun decode_run(const std::filesystem::path& project_file, const RunSettings& s)
{
    Stopwatch t;
    Project project = open_project(project_file);
    const Timeline& tl = project.timeline;
    int n = s.threads > 0 ? s.threads : tbb::info::default_concurrency();
    DecoderPool pool(project.sources, std::min(n, 2));
    std::int64_t frames = time_to_frame(tl.root.duration, tl.output.fps);
    std::vector<ActiveLayer> layers;
    std::int64_t pictures = 0;
    for (std::int64_t f = 0; f < frames; ++f) {
        check_cancel(s.cancel, "interrupted");
        layers.clear();
        active_layers(tl, tl.root, frame_to_time(f, tl.output.fps), layers);
        for (const auto& layer : layers)
            if (layer.item->type == ItemType::clip && pool.has_picture(layer.item->media)) {
                pool.picture(layer.item->media, layer.local_time, f);
                ++pictures;
            }
    }
    BenchRun run;
    run.wall = t.seconds();
    const DecodeCounters& d = pool.counters();
    run.figures = {{"frames", frames},
                   {"pictures", pictures},
                   {"stages", {{"decode_seconds", d.seconds}}},
                   {"decoders_opened", d.decoders_opened},
                   {"unique_sources", project.sources.size()},
                   {"seeks", d.seeks},
                   {"frames_decoded", d.frames_decoded}};
    return run;
}

BenchRun encode_run(const std::filesystem::path& project_file, const RunSettings& s)
{
    Project project = open_project(project_file);
    const Timeline& tl = project.timeline;
    std::int64_t frames = time_to_frame(tl.root.duration, tl.output.fps);
    std::vector<std::shared_ptr<const Image>> pictures;
    for (int i = 0; i < 8; ++i) {
        // Distinct noisy pictures, cycled: x264's references (3 at veryfast) never reach
        // back to an identical one.
        BenchSource shape{tl.output.width, tl.output.height, 30, 1, i};
        pictures.push_back(bench_picture(shape, i * 37));
    }
    RenderOptions ro;
    ro.threads = s.threads;
    EncoderSettings settings = encoder_settings(tl, ro);
    settings.threads = s.threads > 0 ? s.threads : tbb::info::default_concurrency();
    Stopwatch t;
    VideoEncoder encoder(settings, "encode-only");
    std::int64_t bytes = 0;
    PacketSink sink = [&](Packet& p) { bytes += p.size(); };
    for (std::int64_t f = 0; f < frames; ++f) {
        check_cancel(s.cancel, "interrupted");
        encoder.encode(pictures[std::size_t(f % 8)], sink);
    }
    encoder.flush(sink);
    BenchRun run;
    run.wall = t.seconds();
    run.figures = {{"frames", frames}, {"bytes", bytes}, {"stages", {{"encode_seconds", encoder.seconds()}}}};
    return run;
}

void write_bench_source(const std::filesystem::path& file, const BenchSource& s,
                        const std::atomic<bool>* cancel)
{
    EncoderSettings settings;
    settings.width = s.width;
    settings.height = s.height;
    settings.fps = Rational(s.fps);
    settings.gop = 2 * s.fps;
    settings.crf = 23;
    AudioTrackSettings audio;
    VideoWriter writer(file.string(), settings, audio);
    writer.write_audio(bench_tone(s, audio.sample_rate));
    for (int t = 0; t < s.fps * s.seconds; ++t) {
        // The unfinished file is removed by the writer.
        check_cancel(cancel, "interrupted while making " + file.filename().string());
        writer.write(bench_picture(s, t));
    }
    writer.finish(true);
}

nlohmann::json codec_facts()
{
    return {{"encoder", encoder_name("h264")}, {"libavcodec", codec_library_version()}};
}

}  // namespace reel::detail
