// SPDX-License-Identifier: Apache-2.0
#include "render/segment.h"

#include "encode/video_writer.h"

#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>

namespace reel {

SegmentWorker::SegmentWorker(const Timeline& tl, const SourceTable& sources, std::size_t cache_bytes,
                             std::shared_ptr<HwDevice> hardware)
    : pool(sources, 1), frames(cache_bytes), compositor(tl, pool, frames)
{
    pool.use_hardware(std::move(hardware));
}

std::vector<const SourcePlan*> sources_shown(const Plan& plan, const Segment& segment)
{
    std::vector<const SourcePlan*> shown;
    for (const auto& sp : plan.sources) {
        if (!sp.info.video || sp.info.still_image) continue;
        if (std::any_of(sp.uses.begin(), sp.uses.end(), [&](const SourceUse& u) {
                return u.track_kind == TrackKind::video &&
                       u.timeline.frames(plan.output.fps).overlaps(segment.frames);
            }))
            shown.push_back(&sp);
    }
    return shown;
}

std::optional<SegmentEncoded> render_segment(SegmentWorker& w, const Plan& plan, const Segment& seg,
                                             const SegmentJob& job, const std::string& file)
{
    std::set<std::string> keep;
    for (const SourcePlan* sp : sources_shown(plan, seg)) keep.insert(sp->id);
    w.pool.close_except(keep);
    MuxerOptions mux;
    mux.container = "mp4";
    mux.in_place = true;
    VideoWriter writer(file, job.settings, std::nullopt, mux);
    if (job.on_packet) writer.observe(job.on_packet);
    // Exceptions never cross the TBB pipeline (frames in flight would leak when TBB
    // cancels it): a failing stage records its error and the input stage stops.
    std::mutex mutex;
    std::exception_ptr failure;
    std::atomic<bool> failed{false};
    auto fail = [&] {
        std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
        failed = true;
    };
    std::int64_t next = seg.frames.begin, done = 0;
    auto compose = [&](tbb::flow_control& fc) -> std::shared_ptr<const Image> {
        if (failed || next >= seg.frames.end || (job.stop && job.stop())) {
            fc.stop();
            return nullptr;
        }
        try {
            return w.compositor.render(next++);
        } catch (...) {
            fail();
            fc.stop();
            return nullptr;
        }
    };
    auto encode = [&](const std::shared_ptr<const Image>& picture) {
        if (failed || !picture) return;
        try {
            writer.write(picture);
            ++done;
            if (job.on_frame) job.on_frame();
        } catch (...) {
            fail();
        }
    };
    tbb::this_task_arena::isolate([&] {
        tbb::parallel_pipeline(
            std::size_t(std::max(job.frames_in_flight, 1)),
            tbb::make_filter<void, std::shared_ptr<const Image>>(tbb::filter_mode::serial_in_order, compose) &
                tbb::make_filter<std::shared_ptr<const Image>, void>(tbb::filter_mode::serial_in_order,
                                                                     encode));
    });
    if (failure) std::rethrow_exception(failure);
    if (done < seg.frames.size()) return std::nullopt;  // stopped
    writer.finish(true);
    return SegmentEncoded{done, writer.stats().encode_seconds};
}

}  // namespace reel
