// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "media/probe.h"
#include "time/frames.h"
#include "timeline/model.h"

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace reel {

/// Probe results by media id.
using SourceTable = std::map<std::string, MediaInfo>;

/// Probes every media entry that an item uses (unused entries are skipped and named in
/// the plan's warnings). All failures are gathered into one Error(media), the first with
/// the rest in more(), each naming the media id, its pointer and the file.
SourceTable probe_sources(const Timeline& timeline);

/// The facts the timeline model needs from probe results.
SourceFactsMap source_facts(const SourceTable& sources);

/// A timeline read, validated, its sources probed and the two resolved together: what
/// every command that works on a project starts from.
struct Project {
    Timeline timeline;
    SourceTable sources;
    std::vector<std::string> warnings;  ///< from mapping an OpenTimelineIO file
    /// Proxies an OpenTimelineIO file names, by media id (OtioTimeline::proxies).
    std::map<std::string, std::filesystem::path> proxy_references;
    double parse_seconds = 0, probe_seconds = 0;
};

/// The most common video frame rate among the clip items' probed media (NTSC rates
/// written as decimals snapped to n × 1000/1001; a tie goes to the higher rate), counting
/// each clip item once; none when no clip shows a video with a rate reel can encode.
std::optional<Rational> common_video_rate(const Timeline& timeline, const SourceTable& sources);

/// Fixes the output rate once the sources are probed: `fps` (--fps) when given, else the
/// rate the timeline states, else (a timeline that states none, as OpenTimelineIO files
/// usually do) common_video_rate(), else default_fps. Records and returns where it came from.
FpsSource settle_frame_rate(Timeline& timeline, const SourceTable& sources,
                            const std::optional<Rational>& fps);

/// How a project is opened.
struct ProjectOptions {
    std::filesystem::path media_root;  ///< OTIO: relative media paths against this folder
    std::optional<Rational> fps;       ///< --fps: the output rate, whatever the timeline says
};

/// load_timeline (or load_otio for .otio files, relative media under `media_root` when
/// given) + probe_sources + settle_frame_rate + resolve_timeline. Throws the first failing
/// step's Error.
Project open_project(const std::filesystem::path& file, const ProjectOptions& options);
Project open_project(const std::filesystem::path& file, const std::filesystem::path& media_root = {});

struct PlanOptions {
    Rational max_segment_seconds{5};  ///< longest segment; structural cuts come first
    /// Only these output frames: the segments of the whole plan that overlap them, those
    /// across its ends cut there (so the others keep their keys: a range reuses what a
    /// whole render cached). Error(usage) unless inside the timeline and not empty.
    std::optional<FrameRange> range;
};

/// One place a source is used: an item, reached through nested compositions.
struct SourceUse {
    std::string item;               ///< label of the item that names the media
    std::vector<std::string> path;  ///< labels from the root item down to `item`
    TrackKind track_kind = TrackKind::video;
    TimeRange timeline;  ///< where it is seen on the root timeline
    TimeRange source;    ///< which part of the source it plays
};

struct SourcePlan {
    std::string id;
    MediaInfo info;
    std::vector<SourceUse> uses;
    std::vector<TimeRange> ranges;   ///< merged source ranges needed
    std::int64_t frames_needed = 0;  ///< distinct source frames the picture samples
    std::int64_t output_frames = 0;  ///< output frames on which its picture is visible
    bool heavy = false;              ///< 3+ uses, or visible on over half the output
    /// Its proxy, when the caller looked (reel plan does; make_plan does not).
    struct Proxy {
        std::string state;  ///< "current", "stale", "missing", "not_needed", "reference"
        int height = 0;
        std::string file;
    };
    std::optional<Proxy> proxy;
};

struct Segment {
    int index = 0;
    FrameRange frames;
    std::string hash;                ///< SHA-256 over everything that changes its pixels
    std::vector<std::string> items;  ///< root items contributing pixels, in layer order
    std::string key;                 ///< cache key (set by the caller; empty: not reported)
    bool cached = false;             ///< with a key: whether the cache holds it
};

/// The analysis of a resolved timeline: what to decode, what to render, in which pieces.
struct Plan {
    std::string project;
    Output output;
    Rational duration;
    std::int64_t frames = 0;  ///< of the whole timeline
    FrameRange range;         ///< the frames the segments cover (PlanOptions::range)
    int video_tracks = 0, audio_tracks = 0, items = 0;
    int max_layers = 0;  ///< most picture layers visible on one frame
    double mean_layers = 0;
    std::int64_t layer_frames = 0;  ///< sum over frames of visible layers
    int nesting_depth = 0;
    std::vector<SourcePlan> sources;
    std::vector<Segment> segments;
    std::vector<std::string> warnings;
};

/// Analyses a timeline that resolve_timeline() has completed with facts from `sources`.
/// Deterministic: the same timeline and sources give the same plan and hashes.
Plan make_plan(const Timeline& timeline, const SourceTable& sources, const PlanOptions& options);

/// The plan as JSON (schemas/plan.schema.json).
nlohmann::ordered_json plan_to_json(const Plan& plan);
/// The plan as a human-readable table.
std::string plan_to_text(const Plan& plan);

}  // namespace reel
