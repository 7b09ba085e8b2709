// SPDX-License-Identifier: Apache-2.0
#pragma once

// Flags shared by the commands that render (render, segment): encoder overrides, threads,
// memory, cache, audio, progress; and the stats they print.

#include "common.h"

#include "cache/segment_cache.h"
#include "plan/plan.h"
#include "proxy/preview.h"
#include "render/render.h"

#include <memory>
#include <string>

namespace reel::cli {

struct RenderFlags {
    std::string project, media_root;
    std::string codec, preset;
    std::string engine;    ///< --encoder
    std::string hwdecode;  ///< --hwdecode
    double crf = -1;
    std::int64_t bitrate = 0;
    int gop = 0;
    int threads = 0;
    std::string memory_budget;
    std::string progress = "auto";
    std::string audio = "auto";
    std::string audio_codec;
    std::string audio_errors = "fail";
    std::string cache_dir, cache_size;
    double segment_seconds = 5;
    std::string fps;      ///< --fps
    bool strict = false;  ///< --strict
    // Previews from proxies.
    bool proxy = false;
    double scale = 0.5;
    std::string size;      ///< WxH
    int proxy_height = 0;  ///< 0: the best current proxy (making: 720)
    bool make_proxies = false;
    /// Filled by open_render_project: what each source is decoded from.
    std::vector<PreviewSource> decoded;
};

/// Adds the project argument, --media-root, encoder, threads, memory, progress, audio,
/// cache, segment and proxy flags. `audio_codec` false leaves --audio-codec out (fMP4 is AAC).
void add_render_flags(CLI::App& cmd, RenderFlags& flags, bool audio_codec = true);

/// "512M", "2G", "1048576" -> bytes; `flag` names the option in messages; below `min` is refused.
std::uint64_t parse_size(const std::string& text, const std::string& flag, std::uint64_t min);
/// "A-B" in seconds (decimals or fractions) -> output frames; `flag` names the option.
FrameRange parse_range(const std::string& text, const Rational& fps, const std::string& flag);

/// Refuses an output whose folder does not exist or cannot be written, before any work.
void check_output_folder(const std::string& output);

/// The project opened (warnings printed unless quiet) after checking --media-root and
/// --fps; under --strict, its warnings and the plan's are errors before any work. With
/// --proxy: as a preview (proxy/preview.h), its timeline scaled and its sources decoded
/// from proxies (made now with --make-proxies). Fills flags.decoded either way.
Project open_render_project(RenderFlags& flags, const CommonOptions& common, const std::string& command);

/// The proxy folder of --cache-dir (or the default cache).
std::filesystem::path proxy_dir(const RenderFlags& flags);

/// The stats' "sources": every source with the file decoded for it and why.
nlohmann::json sources_stats(const RenderFlags& flags);

/// The --progress mode in force (auto resolved; none when quiet); sets common.events for
/// json. Call first thing, so that even an early failure ends with an error event.
std::string progress_mode(const RenderFlags& flags, CommonOptions& common);

/// RenderOptions from the flags (progress reporter included; `--progress json` turns on
/// common.events).
RenderOptions render_options(const RenderFlags& flags, CommonOptions& common, const Timeline& timeline);

/// The `start` event of a render of `plan` (with `--progress json`).
void announce(const CommonOptions& common, const std::string& command, const Plan& plan);

/// The plan the rendering commands render (`range`: only those frames, segments cut at
/// its ends).
Plan render_plan(const Project& project, const RenderFlags& flags, std::optional<FrameRange> range = {});

/// The segment cache named by --cache-dir/--cache-size (default folder and 10G).
std::unique_ptr<SegmentCache> open_cache(const RenderFlags& flags);

/// The stats document of a render-like command from its result.
nlohmann::json render_stats(const std::string& command, const RenderResult& r, double prepare_seconds,
                            const std::string& output, SegmentCache* cache);

/// Prints the result's warnings to stderr unless quiet.
void print_warnings(const std::string& command, const RenderResult& r, const CommonOptions& common);

}  // namespace reel::cli
