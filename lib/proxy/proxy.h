// SPDX-License-Identifier: Apache-2.0
#pragma once

// Proxies: low-resolution, quick-to-seek copies of a project's sources, made by
// `reel proxy` and decoded by `reel render --proxy` / `reel segment --proxy`.
//
// A proxy is an upright H.264 MP4 (closed GOPs of ProxySettings::gop frames, 1 = every
// frame a keyframe) at the source's frame rate and length, with its sound (AAC). It is
// made by the render engine from a one-clip timeline, so it is rendered in parallel
// segments, reports progress like a render and is published atomically. Still images
// taller than the proxy height get a scaled PNG.
//
// The store is a folder (by default `<segment cache>/proxies`):
//   <key>.mp4 | <key>.png   the proxy (published complete, by rename)
//   <key>.json              sidecar, written after the proxy: source path, fingerprint,
//                           settings, size
// where key = cache_key("reel-proxy", {source fingerprint, settings}). An unchanged source
// keeps its key, so it is never proxied twice; a rewritten (or touched) source gets a new
// fingerprint, and the proxy of its old content is "stale". Thread-safety: a ProxyStore
// only reads the folder; making the same proxy from two processes at once is safe (each
// publishes a complete file, the last one stays).

#include "media/probe.h"
#include "plan/plan.h"
#include "render/render.h"

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace reel {

/// What a proxy is made at (reel proxy's flags). Every field is part of the proxy's key.
struct ProxySettings {
    int height = 720;  ///< upright height; never above the source's
    int gop = 10;      ///< frames between keyframes (1: all-intra)
    double crf = 23;
    std::string preset = "veryfast";
};

/// The settings as JSON ({height, gop, crf, preset}): in keys, sidecars and stats.
nlohmann::json settings_json(const ProxySettings& settings);

/// Where a source stands with respect to its proxy.
enum class ProxyState {
    current,     ///< made from the source as it is now, with these settings
    stale,       ///< made from an older version of the source (it changed since)
    missing,     ///< never made with these settings
    not_needed,  ///< no picture, or a still image no taller than the proxy height
};
const char* to_string(ProxyState state);

/// The upright size of a source's proxy: `settings.height` (or the source's height when
/// that is smaller: never upscaled), the width keeping the aspect ratio, both even.
std::pair<int, int> proxy_size(const MediaInfo& source, const ProxySettings& settings);

/// Whether a source gets a proxy: every video; a still image taller than the proxy height.
bool needs_proxy(const MediaInfo& source, const ProxySettings& settings);

/// A source's proxy as the store has it.
struct ProxyEntry {
    ProxyState state = ProxyState::missing;
    std::string key;             ///< of the proxy found (or to make)
    std::filesystem::path file;  ///< where the proxy is (or will be)
};

/// The proxy folder, read once (its sidecars) when constructed; refresh() reads it again.
class ProxyStore {
public:
    explicit ProxyStore(std::filesystem::path dir);
    /// `<segment cache folder>/proxies`.
    static std::filesystem::path dir_in_cache(const std::filesystem::path& cache_dir);
    const std::filesystem::path& dir() const noexcept { return m_dir; }
    void refresh();

    /// The key of the proxy of `source` made with `settings`.
    static std::string key(const MediaInfo& source, const ProxySettings& settings);
    /// The source's proxy. `exact`: made with all of `settings` (what reel proxy reuses);
    /// else any proxy of the source's current content at `settings.height` (what a
    /// render with --proxy decodes), the exact one first.
    ProxyEntry lookup(const MediaInfo& source, const ProxySettings& settings, bool exact) const;
    /// For a render that shows the source `height` pixels high and names no proxy height:
    /// the current proxy of the source that fits best, whatever its height: the lowest at
    /// least `height` high, else the highest. Without one, lookup(source, settings, false).
    ProxyEntry best_for(const MediaInfo& source, int height, const ProxySettings& settings) const;
    /// Removes the proxies of older versions of `source` at `settings.height`; returns
    /// how many were removed.
    int remove_stale(const MediaInfo& source, const ProxySettings& settings);

    struct Record {
        std::string key, source, fingerprint, extension;
        ProxySettings settings;
    };

private:
    std::filesystem::path m_dir;
    std::vector<Record> m_records;
};

/// Options of making proxies: the render engine's (threads, memory budget, progress,
/// cancel); its output and encoder fields are set per proxy.
struct ProxyMakeOptions {
    ProxySettings settings;
    RenderOptions render;
};

/// What making one proxy did.
struct ProxyMade {
    std::filesystem::path file;
    std::string key;
    int width = 0, height = 0;
    std::int64_t frames = 0, bytes = 0;
    bool audio = false;
    double seconds = 0;
    RenderResult render;  ///< the render that made it (video sources)
};

/// Makes the proxy of `source` in `store` (replacing one there), then its sidecar, then
/// removes stale proxies of the source. Throws Error (decode, encode, io, interrupted).
ProxyMade make_proxy(ProxyStore& store, const MediaInfo& source, const ProxyMakeOptions& options);

}  // namespace reel
