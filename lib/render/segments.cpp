// SPDX-License-Identifier: Apache-2.0
#include "render/segments.h"

#include "encode/composite.h"
#include "render/keys.h"
#include "render/schedule.h"
#include "render/segment.h"
#include "render/sound.h"
#include "util/error.h"
#include "util/stopwatch.h"

#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace reel {
namespace fs = std::filesystem;

const char* to_string(SegmentStatus status)
{
    switch (status) {
        case SegmentStatus::pending: return "pending";
        case SegmentStatus::rendering: return "rendering";
        case SegmentStatus::rendered: return "rendered";
        case SegmentStatus::reused: return "reused";
        case SegmentStatus::waited: return "waited";
    }
    return "?";
}

const char* to_string(RenderPhase phase)
{
    switch (phase) {
        case RenderPhase::plan: return "plan";
        case RenderPhase::render: return "render";
        case RenderPhase::sound: return "sound";
        case RenderPhase::composite: return "composite";
    }
    return "?";
}

namespace {

void add(DecodeCounters& a, const DecodeCounters& b)
{
    a.decoders_opened += b.decoders_opened;
    a.decoders_closed += b.decoders_closed;
    a.seeks += b.seeks;
    a.frames_decoded += b.frames_decoded;
    a.hw_frames_decoded += b.hw_frames_decoded;
    a.pictures_converted += b.pictures_converted;
    a.seconds += b.seconds;
    a.sequence_decodes_peak = std::max(a.sequence_decodes_peak, b.sequence_decodes_peak);
}

void add(ComposeCounters& a, const ComposeCounters& b)
{
    a.frames += b.frames;
    a.layers_drawn += b.layers_drawn;
    a.comps_rendered += b.comps_rendered;
    a.direct_frames += b.direct_frames;
    a.seconds += b.seconds;
}

void add(FrameCacheStats& a, const FrameCacheStats& b)
{
    a.hits += b.hits;
    a.misses += b.misses;
    a.evictions += b.evictions;
    a.bytes += b.bytes;
    a.peak_bytes += b.peak_bytes;
}

/// One call of render_segments(): the segments, their keys and outcomes, the workers,
/// and the bookkeeping they share (one mutex: counters, warnings, events, deferred keys).
class SegmentRun {
public:
    SegmentRun(const Timeline& tl, const SourceTable& sources, const Plan& plan,
               const std::vector<Segment>& segments, SegmentCache& cache, const RenderOptions& options,
               SegmentListener* listener)
        : m_plan(plan), m_segments(segments), m_cache(cache), m_options(options), m_listener(listener)
    {
        m_result.sizing = size_render(tl, sources, plan, segments, options);
        if (m_result.sizing.raised)
            m_result.warnings.push_back("the default memory budget is below what this render needs; using " +
                                        std::to_string(m_result.sizing.memory_budget >> 20) +
                                        " MiB (give --memory-budget to set it)");
        m_settings = encoder_settings(tl, options);
        m_result.engine = render_engine(tl, options);
        m_result.hwdecode = render_hwdecode(options);
        std::shared_ptr<HwDevice> device = hwdecode_device(m_result.hwdecode.device);
        m_result.encoder = m_result.engine.encoder;
        if (m_result.encoder.empty()) VideoEncoder probe(m_settings, options.output);  // throws the message
        m_settings.threads = m_result.sizing.encoder_threads;
        m_result.outcomes.resize(segments.size());
        for (std::size_t i = 0; i < segments.size(); ++i) {
            m_total += segments[i].frames.size();
            SegmentOutcome& o = m_result.outcomes[i];
            o.index = segments[i].index;
            o.frames = segments[i].frames;
            o.key = segment_key(segments[i], m_settings);
            if (options.segment_changed) options.segment_changed(o);
        }
        for (int i = 0; i < m_result.sizing.workers; ++i)
            m_workers.push_back(
                std::make_unique<SegmentWorker>(tl, sources, m_result.sizing.frame_cache_bytes, device));
    }

    SegmentsResult run()
    {
        SegmentSchedule schedule(m_segments, m_result.sizing.workers);
        tbb::task_arena arena(std::max(m_result.sizing.threads, m_result.sizing.workers));
        arena.execute([&] {
            tbb::task_group group;
            for (std::size_t i = 0; i < m_workers.size(); ++i) group.run([&, i] { run_worker(i, schedule); });
            group.wait();
        });
        if (m_failure) std::rethrow_exception(m_failure);
        if (cancelled())
            throw Error(ErrorCode::interrupted, "render",
                        "interrupted after " + std::to_string(m_done.load()) + " of " +
                            std::to_string(m_total) +
                            " frames; nothing was written at the output, finished segments stay in the cache",
                        "run the command again: it reuses every segment that was finished");
        report(true);
        return finish();
    }

private:
    bool cancelled() const { return m_options.stopped(); }

    void report(bool force)
    {
        if (!m_options.progress) return;
        std::lock_guard lock(m_mutex);
        double now = m_started.seconds();
        std::int64_t done = m_done.load();
        if ((!force && now - m_last_report < 0.25) || (force && done == m_last_done)) return;
        m_last_report = now;
        m_last_done = done;
        m_options.progress(RenderProgress{done, m_total, now, RenderPhase::render});
    }

    void set_status(std::size_t slot, SegmentStatus status, double seconds = 0)
    {
        std::lock_guard lock(m_mutex);
        SegmentOutcome& o = m_result.outcomes[slot];
        o.status = status;
        o.seconds = seconds;
        if (status != SegmentStatus::pending && status != SegmentStatus::rendering)
            o.bytes = std::int64_t(fs::file_size(m_cache.file_for(o.key)));
        if (m_options.segment_changed) m_options.segment_changed(o);
    }

    /// A segment found complete in the cache: recorded, counted and handed on.
    void reuse(std::size_t slot, SegmentStatus status, const Stopwatch& t)
    {
        set_status(slot, status, t.seconds());
        m_done += m_segments[slot].frames.size();
        if (m_listener) m_listener->complete(slot, m_cache.file_for(m_result.outcomes[slot].key), true);
        report(false);
    }

    /// With the key's lock held: found now (another process finished it), or render it.
    void locked(SegmentWorker& w, std::size_t slot, bool waited_for_other)
    {
        Stopwatch t;
        const std::string& key = m_result.outcomes[slot].key;
        CacheLookup look = m_cache.find(key);
        if (look == CacheLookup::found)
            return reuse(slot, waited_for_other ? SegmentStatus::waited : SegmentStatus::reused, t);
        if (look == CacheLookup::corrupt) {
            m_cache.discard(key);
            std::lock_guard lock(m_mutex);
            ++m_result.discarded;
            m_result.warnings.push_back("segment " + std::to_string(m_segments[slot].index) + " (" +
                                        key.substr(0, 16) +
                                        ") in the cache did not match its checksum; rendered again");
        }
        set_status(slot, SegmentStatus::rendering);
        PendingFile file = m_cache.pending(key);
        SegmentJob job{m_settings, m_result.sizing.frames_in_flight, nullptr, nullptr, nullptr};
        if (m_listener) job.on_packet = [&](Packet& p) { m_listener->packet(slot, p); };
        job.on_frame = [&] {
            ++m_done;
            report(false);
        };
        job.stop = [&] { return m_failed.load() || cancelled(); };
        auto encoded = render_segment(w, m_plan, m_segments[slot], job, file.path().string());
        if (!encoded) return;
        m_cache.publish(key, file, encoded->frames);
        {
            std::lock_guard lock(m_mutex);
            m_result.encode_seconds += encoded->encode_seconds;
        }
        set_status(slot, SegmentStatus::rendered, t.seconds());
        if (m_listener) m_listener->complete(slot, m_cache.file_for(key), false);
    }

    void work(SegmentWorker& w, std::size_t slot, bool blocking)
    {
        Stopwatch t;
        const std::string& key = m_result.outcomes[slot].key;
        if (!blocking && m_cache.find(key) == CacheLookup::found)
            return reuse(slot, SegmentStatus::reused, t);
        if (blocking) {
            SegmentCache::KeyLock lock = m_cache.lock(key);
            return locked(w, slot, true);
        }
        auto lock = m_cache.try_lock(key);
        if (!lock) {
            std::lock_guard guard(m_mutex);
            m_deferred.push_back(slot);
            return;
        }
        locked(w, slot, false);
    }

    void run_worker(std::size_t i, SegmentSchedule& schedule)
    {
        SegmentWorker& w = *m_workers[i];
        try {
            while (!m_failed && !cancelled()) {
                auto slot = schedule.take(i);
                if (!slot) break;
                work(w, *slot, false);
            }
            // Segments other processes were rendering: wait for them (or take over).
            while (!m_failed && !cancelled()) {
                std::size_t slot;
                {
                    std::lock_guard guard(m_mutex);
                    if (m_deferred.empty()) break;
                    slot = m_deferred.front();
                    m_deferred.pop_front();
                }
                work(w, slot, true);
            }
        } catch (...) {
            std::lock_guard guard(m_mutex);
            if (!m_failure) m_failure = std::current_exception();
            m_failed = true;
        }
    }

    SegmentsResult finish()
    {
        for (auto& w : m_workers) {
            add(m_result.decode, w->pool.counters());
            add(m_result.compose, w->compositor.counters());
            add(m_result.cache, w->frames.stats());
        }
        for (const auto& o : m_result.outcomes) {
            if (o.status == SegmentStatus::rendered) {
                ++m_result.rendered;
                m_result.frames_rendered += o.frames.size();
            } else if (o.status == SegmentStatus::reused) {
                ++m_result.reused;
            } else {
                ++m_result.waited;
            }
        }
        m_result.wall_seconds = m_started.seconds();
        return std::move(m_result);
    }

    const Plan& m_plan;
    const std::vector<Segment>& m_segments;
    SegmentCache& m_cache;
    const RenderOptions& m_options;
    SegmentListener* m_listener;
    Stopwatch m_started;
    EncoderSettings m_settings;
    SegmentsResult m_result;
    std::vector<std::unique_ptr<SegmentWorker>> m_workers;
    std::mutex m_mutex;
    std::deque<std::size_t> m_deferred;
    std::int64_t m_total = 0;
    std::atomic<std::int64_t> m_done{0};
    std::atomic<bool> m_failed{false};
    std::exception_ptr m_failure;
    double m_last_report = -1;
    std::int64_t m_last_done = -1;
};

}  // namespace

SegmentsResult render_segments(const Timeline& tl, const SourceTable& sources, const Plan& plan,
                               const std::vector<Segment>& segments, SegmentCache& cache,
                               const RenderOptions& options, SegmentListener* listener)
{
    return SegmentRun(tl, sources, plan, segments, cache, options, listener).run();
}

void add_segment_figures(RenderResult& r, const SegmentsResult& s)
{
    r.segments = s.outcomes;
    r.segments_total = int(s.outcomes.size());
    r.segments_rendered = s.rendered;
    r.segments_reused = s.reused;
    r.segments_waited = s.waited;
    r.segments_discarded = s.discarded;
    r.workers = s.sizing.workers;
    r.encoder_threads = s.sizing.encoder_threads;
    r.threads = s.sizing.threads;
    r.frames_in_flight = s.sizing.frames_in_flight;
    r.decode = s.decode;
    r.compose = s.compose;
    r.cache = s.cache;
    r.cache_budget = s.sizing.frame_cache_bytes * std::size_t(s.sizing.workers);
    r.memory_budget = s.sizing.memory_budget;
    r.decode_seconds = s.decode.seconds;
    r.compose_seconds = s.compose.seconds;
    r.encode_seconds = s.encode_seconds;
    r.writer.encoder = s.encoder;
    r.engine = s.engine;
    r.hwdecode = s.hwdecode;
    r.warnings.insert(r.warnings.end(), s.warnings.begin(), s.warnings.end());
}

}  // namespace reel
