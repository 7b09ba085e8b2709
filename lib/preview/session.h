// SPDX-License-Identifier: Apache-2.0
#pragma once

// The live preview's loop (reel preview): watch the project file and its media, re-plan
// on a change, cancel work the new plan no longer has, render only the segments whose keys
// are new (nearest the playhead first; everything else comes from the segment cache), and
// tell players what changed. Each ready segment is served as a self-contained fragmented
// MP4 (its own init segment, then its fragments), which a Media Source Extensions player
// appends in `segments` mode at the segment's time.

#include "cache/segment_cache.h"
#include "plan/plan.h"
#include "render/render.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace reel {

struct PreviewSessionOptions {
    std::filesystem::path project;
    /// Opens the project (the command's flags: --proxy, --scale, --fps...). Throws Error.
    std::function<Project()> open;
    /// Encoder and threads; the cancel flag (SIGINT) stops the session. Audio is not
    /// rendered: the preview plays the picture.
    RenderOptions render;
    double segment_seconds = 2;
    int workers = 1;                          ///< segments rendered at once
    std::chrono::milliseconds poll{100};      ///< how often the files are looked at
    std::chrono::milliseconds debounce{150};  ///< a change must rest this long
};

/// The figures of a session so far.
struct PreviewFigures {
    int generations = 0;  ///< plans made (the first, then one per accepted edit)
    int rejected = 0;     ///< edits that failed to open (the last good plan kept playing)
    int rendered = 0, reused = 0, cancelled = 0, failed = 0;
    double first_ready_seconds = -1;  ///< from start() to the first segment ready
};

/// Thread-safe. Owns its threads: start() them, stop() (or destroy) to end them.
class PreviewSession {
public:
    PreviewSession(PreviewSessionOptions options, SegmentCache& cache, std::filesystem::path scratch);
    ~PreviewSession();
    PreviewSession(const PreviewSession&) = delete;
    PreviewSession& operator=(const PreviewSession&) = delete;

    /// Opens the project and plans it (Error if the first open fails: nothing to play),
    /// then starts the watcher and the workers.
    void start();
    void stop();
    bool stopped() const noexcept { return m_stop.load(); }

    /// Where the player is (seconds): pending segments nearest it, at or after it first,
    /// render first.
    void set_playhead(double seconds);

    /// The current plan: {"generation", "width", "height", "fps", "duration", "segments":
    /// [{"index", "start", "end", "key", "state": pending|encoding|ready|failed}],
    /// "error": the last rejected edit (or null)}.
    nlohmann::json state() const;
    /// A ready segment's fragmented MP4, or null when that key is not ready.
    std::shared_ptr<const std::string> segment(const std::string& key) const;

    /// Events after sequence number `after` (each {"seq", "type", ...} as JSON text), waiting
    /// up to `wait` for the first; empty when none came or the session stopped.
    std::vector<std::pair<std::int64_t, std::string>> events_after(std::int64_t after,
                                                                   std::chrono::milliseconds wait) const;

    PreviewFigures figures() const;

private:
    struct Generation;
    struct Task;
    void load(bool first);
    void watch();
    void work();
    bool take(std::shared_ptr<const Generation>& gen, std::size_t& slot, std::shared_ptr<Task>& task);
    /// Gives every segment of the current plan with `key` its new state (holding m_mutex).
    void finish(const std::string& key, const std::string& state, const nlohmann::json& extra);
    void publish(nlohmann::json event);  // holds m_mutex
    /// The project file's hash, then its media's (sizes and times).
    std::string signature() const;
    std::string media_signature() const;
    nlohmann::json state_locked() const;

    PreviewSessionOptions m_options;
    SegmentCache& m_cache;
    std::filesystem::path m_scratch;
    std::chrono::steady_clock::time_point m_started;

    mutable std::mutex m_mutex;
    mutable std::condition_variable m_changed;
    std::shared_ptr<const Generation> m_gen;
    std::vector<std::string> m_states;                                  ///< of m_gen's segments
    std::map<std::string, std::shared_ptr<const std::string>> m_blobs;  ///< by key
    std::vector<std::shared_ptr<Task>> m_running;
    nlohmann::json m_error;
    double m_playhead = 0;
    std::vector<std::pair<std::int64_t, std::string>> m_events;
    std::int64_t m_seq = 0;
    PreviewFigures m_figures;
    std::string m_signature;

    std::atomic<bool> m_stop{false};
    std::thread m_watcher;
    std::vector<std::thread> m_workers;
};

}  // namespace reel
