// SPDX-License-Identifier: Apache-2.0
#include "preview/session.h"

#include "encode/composite.h"
#include "encode/muxer.h"
#include "render/keys.h"
#include "render/segments.h"
#include "stats/stats.h"
#include "util/error.h"
#include "util/hash.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

namespace reel {
namespace fs = std::filesystem;
using json = nlohmann::json;

/// One accepted version of the project: what the workers render from.
struct PreviewSession::Generation {
    int number = 0;
    Project project;
    Plan plan;
    EncoderSettings settings;
    std::vector<std::string> keys;  ///< by segment slot
    std::vector<std::string> media_files;
};

/// A segment being rendered, cancelled when a new plan no longer has its key.
struct PreviewSession::Task {
    std::string key;
    std::atomic<bool> cancel{false};
};

namespace {

double seconds_of(std::int64_t frame, const Rational& fps)
{
    return (Rational(frame) / fps).to_double();
}

/// A file's bytes; empty when it cannot be read (the watcher looks again).
std::string bytes_of(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// A cached segment as a self-contained fragmented MP4 in `scratch`, read back: its
/// pictures from time 0 (signed composition offsets), as the stream writes them.
std::string fragmented_copy(const fs::path& file, const fs::path& scratch, const Rational& fps)
{
    EncodedInput input(file.string());
    fs::path out = scratch / (file.stem().string() + ".mp4");
    {
        MuxerOptions options;
        options.fragmented = true;
        options.container = "mp4";
        Muxer muxer(out.string(), options);
        int video = muxer.add_stream(input.video(), Rational(fps.den(), fps.num()));
        muxer.start();
        Joiner joiner(muxer, video, -1, fps, 0);  // no audio stream: the sound is left out
        joiner.append(input);
        muxer.finish(true);
    }
    std::string bytes = bytes_of(out);
    std::error_code ec;
    fs::remove(out, ec);
    if (bytes.empty()) throw Error(ErrorCode::io, "preview", "cannot read back \"" + out.string() + "\"");
    return bytes;
}

}  // namespace

PreviewSession::PreviewSession(PreviewSessionOptions options, SegmentCache& cache, fs::path scratch)
    : m_options(std::move(options)), m_cache(cache), m_scratch(std::move(scratch))
{
    m_options.workers = std::max(1, m_options.workers);
}

PreviewSession::~PreviewSession()
{
    stop();
}

void PreviewSession::start()
{
    m_started = std::chrono::steady_clock::now();
    // The project as it was before it was opened (a save during the first open is seen as
    // a change), with the media it names.
    std::string project = sha256_hex(bytes_of(m_options.project));
    load(true);
    m_signature = project + media_signature();
    m_watcher = std::thread([this] { watch(); });
    for (int i = 0; i < m_options.workers; ++i) m_workers.emplace_back([this] { work(); });
}

void PreviewSession::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
        for (auto& t : m_running) t->cancel = true;
        m_changed.notify_all();
    }
    if (m_watcher.joinable()) m_watcher.join();
    for (auto& w : m_workers)
        if (w.joinable()) w.join();
    m_workers.clear();
}

void PreviewSession::set_playhead(double seconds)
{
    std::lock_guard lock(m_mutex);
    m_playhead = std::isfinite(seconds) ? std::max(0.0, seconds) : 0.0;
    m_changed.notify_all();
}

std::string PreviewSession::signature() const
{
    return sha256_hex(bytes_of(m_options.project)) + media_signature();
}

std::string PreviewSession::media_signature() const
{
    // Each medium's size and time (a source re-exported in place).
    std::shared_ptr<const Generation> gen;
    {
        std::lock_guard lock(m_mutex);
        gen = m_gen;
    }
    std::string text;
    if (gen)
        for (const auto& file : gen->media_files) {
            std::error_code ec;
            auto size = fs::file_size(file, ec);
            auto time = fs::last_write_time(file, ec);
            text += "\n" + file + " " + std::to_string(ec ? 0 : size) + " " +
                    std::to_string(ec ? 0 : time.time_since_epoch().count());
        }
    return sha256_hex(text);
}

void PreviewSession::load(bool first)
{
    auto gen = std::make_shared<Generation>();
    try {
        gen->project = m_options.open();
        PlanOptions po;
        if (auto seconds = Rational::parse(std::to_string(m_options.segment_seconds)))
            po.max_segment_seconds = *seconds;
        gen->plan = make_plan(gen->project.timeline, gen->project.sources, po);
        gen->settings = encoder_settings(gen->project.timeline, m_options.render);
        for (const auto& s : gen->plan.segments) gen->keys.push_back(segment_key(s, gen->settings));
        for (const auto& [id, info] : gen->project.sources) gen->media_files.push_back(info.path);
    } catch (const Error& e) {
        if (first) throw;
        std::lock_guard lock(m_mutex);
        ++m_figures.rejected;
        m_error = error_to_json(e);
        publish({{"type", "error"}, {"error", m_error}, {"generation", m_gen ? m_gen->number : 0}});
        return;
    } catch (const std::exception& e) {
        // Anything else (a file vanishing mid-read): the same, and the loop goes on.
        if (first) throw;
        std::lock_guard lock(m_mutex);
        ++m_figures.rejected;
        m_error = error_to_json(Error(ErrorCode::internal, "preview", e.what()));
        publish({{"type", "error"}, {"error", m_error}, {"generation", m_gen ? m_gen->number : 0}});
        return;
    }
    std::lock_guard lock(m_mutex);
    std::vector<std::string> old_keys = m_gen ? m_gen->keys : std::vector<std::string>{};
    gen->number = ++m_figures.generations;
    m_gen = gen;
    m_error = nullptr;
    m_states.assign(gen->keys.size(), "pending");
    for (std::size_t i = 0; i < gen->keys.size(); ++i)
        if (m_blobs.count(gen->keys[i])) m_states[i] = "ready";
    // Work on keys the plan no longer has stops now; work on keys it still has goes on (and
    // is not started twice).
    for (auto& t : m_running) {
        bool wanted = false;
        for (std::size_t i = 0; i < gen->keys.size(); ++i)
            if (gen->keys[i] == t->key) {
                m_states[i] = "encoding";
                wanted = true;
            }
        if (!wanted) t->cancel = true;
    }
    json changed = json::array();
    for (std::size_t i = 0; i < gen->keys.size(); ++i)
        if (i >= old_keys.size() || old_keys[i] != gen->keys[i]) changed.push_back(i);
    if (!first) publish({{"type", "plan"}, {"state", state_locked()}, {"changed", changed}});
    m_changed.notify_all();
}

void PreviewSession::watch()
{
    while (!m_stop) {
        {
            std::unique_lock lock(m_mutex);
            m_changed.wait_for(lock, m_options.poll, [this] { return m_stop.load(); });
            if (m_stop) return;
        }
        std::string now = signature();
        if (now == m_signature) continue;
        // Saved: wait until the file rests (an editor writes in several steps).
        while (!m_stop) {
            std::this_thread::sleep_for(m_options.debounce);
            std::string again = signature();
            if (again == now) break;
            now = again;
        }
        load(false);
        m_signature = now.substr(0, 64) + media_signature();  // the new plan's media
    }
}

bool PreviewSession::take(std::shared_ptr<const Generation>& gen, std::size_t& slot,
                          std::shared_ptr<Task>& task)
{
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
        if (m_gen) {
            // Pending segments: those the playhead is in or before first (nearest first), then
            // those behind it.
            double best = std::numeric_limits<double>::infinity();
            std::size_t chosen = m_states.size();
            const Rational& fps = m_gen->plan.output.fps;
            for (std::size_t i = 0; i < m_states.size(); ++i) {
                if (m_states[i] != "pending") continue;
                const Segment& s = m_gen->plan.segments[i];
                double start = seconds_of(s.frames.begin, fps), end = seconds_of(s.frames.end, fps);
                double distance = m_playhead < start ? start - m_playhead
                                  : m_playhead < end ? 0
                                                     : 1e9 + (m_playhead - end);
                if (distance < best) {
                    best = distance;
                    chosen = i;
                }
            }
            if (chosen < m_states.size()) {
                gen = m_gen;
                slot = chosen;
                task = std::make_shared<Task>();
                task->key = gen->keys[chosen];
                m_states[chosen] = "encoding";
                m_running.push_back(task);
                publish({{"type", "segment"},
                         {"generation", gen->number},
                         {"index", chosen},
                         {"key", task->key},
                         {"state", "encoding"}});
                return true;
            }
        }
        m_changed.wait(lock);
    }
    return false;
}

void PreviewSession::finish(const std::string& key, const std::string& state, const json& extra)
{
    // Called holding m_mutex. The current plan may be newer: its segments with this key
    // take the state.
    for (std::size_t i = 0; i < m_states.size() && m_gen; ++i) {
        if (m_gen->keys[i] != key) continue;
        if (state == "pending" && m_states[i] != "encoding") continue;
        m_states[i] = state;
        json event = {
            {"type", "segment"}, {"generation", m_gen->number}, {"index", i}, {"key", key}, {"state", state}};
        event.update(extra);
        publish(event);
    }
    m_changed.notify_all();
}

void PreviewSession::work()
{
    while (true) {
        std::shared_ptr<const Generation> gen;
        std::size_t slot = 0;
        std::shared_ptr<Task> task;
        if (!take(gen, slot, task)) return;
        RenderOptions ro = m_options.render;
        ro.output.clear();
        ro.audio = "none";
        ro.workers = 1;
        ro.progress = nullptr;
        ro.segment_changed = nullptr;
        ro.cancel = &task->cancel;
        ro.abort = nullptr;
        std::string state = "ready";
        json extra;
        std::shared_ptr<const std::string> blob;
        auto started = std::chrono::steady_clock::now();
        try {
            const Segment& segment = gen->plan.segments[slot];
            SegmentsResult r = render_segments(gen->project.timeline, gen->project.sources, gen->plan,
                                               {segment}, m_cache, ro);
            bool reused = r.reused > 0 || r.waited > 0;
            blob = std::make_shared<const std::string>(
                fragmented_copy(m_cache.file_for(task->key), m_scratch, gen->plan.output.fps));
            extra = {{"rendered", !reused},
                     {"seconds",
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}};
            std::lock_guard lock(m_mutex);
            (reused ? m_figures.reused : m_figures.rendered)++;
        } catch (const Error& e) {
            std::lock_guard lock(m_mutex);
            if (e.code() == ErrorCode::interrupted) {
                ++m_figures.cancelled;
                state = "pending";  // picked again if a plan still wants it
            } else {
                ++m_figures.failed;
                state = "failed";
                extra = {{"error", error_to_json(e)}};
            }
        } catch (const std::exception& e) {
            std::lock_guard lock(m_mutex);
            ++m_figures.failed;
            state = "failed";
            extra = {{"error", error_to_json(Error(ErrorCode::internal, "preview", e.what()))}};
        }
        std::lock_guard lock(m_mutex);
        m_running.erase(std::remove(m_running.begin(), m_running.end(), task), m_running.end());
        if (blob) {
            m_blobs[task->key] = blob;
            if (m_figures.first_ready_seconds < 0)
                m_figures.first_ready_seconds =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
        }
        finish(task->key, state, extra);
    }
}

void PreviewSession::publish(json event)
{
    event["seq"] = ++m_seq;
    m_events.emplace_back(m_seq, event.dump());
    if (m_events.size() > 4096) m_events.erase(m_events.begin(), m_events.begin() + 1024);
    m_changed.notify_all();
}

json PreviewSession::state_locked() const
{
    json segments = json::array();
    if (!m_gen) return {{"generation", 0}, {"seq", m_seq}, {"segments", segments}, {"error", m_error}};
    const Plan& plan = m_gen->plan;
    for (std::size_t i = 0; i < plan.segments.size(); ++i) {
        const Segment& s = plan.segments[i];
        json seg = {{"index", i},
                    {"start", seconds_of(s.frames.begin, plan.output.fps)},
                    {"end", seconds_of(s.frames.end, plan.output.fps)},
                    {"key", m_gen->keys[i]},
                    {"state", m_states[i]}};
        segments.push_back(std::move(seg));
    }
    return {{"generation", m_gen->number},
            {"seq", m_seq},
            {"width", plan.output.width},
            {"height", plan.output.height},
            {"fps", plan.output.fps.to_double()},
            {"duration", seconds_of(plan.range.end - plan.range.begin, plan.output.fps)},
            {"segments", std::move(segments)},
            {"error", m_error}};
}

json PreviewSession::state() const
{
    std::lock_guard lock(m_mutex);
    return state_locked();
}

std::shared_ptr<const std::string> PreviewSession::segment(const std::string& key) const
{
    std::lock_guard lock(m_mutex);
    auto it = m_blobs.find(key);
    return it == m_blobs.end() ? nullptr : it->second;
}

std::vector<std::pair<std::int64_t, std::string>> PreviewSession::events_after(
    std::int64_t after, std::chrono::milliseconds wait) const
{
    std::unique_lock lock(m_mutex);
    m_changed.wait_for(lock, wait, [&] { return m_stop.load() || m_seq > after; });
    std::vector<std::pair<std::int64_t, std::string>> out;
    for (const auto& e : m_events)
        if (e.first > after) out.push_back(e);
    return out;
}

PreviewFigures PreviewSession::figures() const
{
    std::lock_guard lock(m_mutex);
    return m_figures;
}

}  // namespace reel
