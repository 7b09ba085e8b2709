// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "time/frames.h"
#include "time/rational.h"
#include "util/sequence_pattern.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace reel {

class JsonDocument;

/// Version of the timeline format this build reads.
inline constexpr int timeline_format_version = 1;
/// Deepest chain of compositions inside compositions that a timeline may use.
inline constexpr int max_nesting_depth = 16;

/// An 8-bit sRGB colour with alpha.
struct Color {
    std::uint8_t r = 0, g = 0, b = 0, a = 255;
    /// "#rrggbb", or "#rrggbbaa" when not opaque.
    std::string to_string() const;
    /// Parses "#rrggbb" (and "#rrggbbaa" when `allow_alpha`); case-insensitive.
    static std::optional<Color> parse(const std::string& text, bool allow_alpha);
    friend bool operator==(const Color&, const Color&) = default;
};

enum class TrackKind { video, audio };
enum class ItemType { clip, image, color, comp };
enum class Fit { contain, cover, stretch, none };

const char* to_string(ItemType type);
const char* to_string(Fit fit);

/// The box an item is drawn into, in its composition's pixels.
struct Transform {
    double x = 0, y = 0;
    std::optional<double> width, height;  ///< default: the composition's size
    Fit fit = Fit::contain;
    double rotation = 0;  ///< degrees clockwise about the anchor
    double anchor_x = 0.5, anchor_y = 0.5;
    /// Mirror the source picture left to right / top to bottom: after `crop`, before
    /// fitting and rotation.
    bool flip_x = false, flip_y = false;
};

struct Crop {
    double left = 0, top = 0, right = 0, bottom = 0;
};

struct ColorAdjust {
    double brightness = 0, contrast = 1, saturation = 1;
};

enum class TransitionKind { crossfade, wipe };
/// The way the edge of a wipe moves: with `right` the incoming item appears at the left.
enum class WipeDirection { left, right, up, down };

const char* to_string(TransitionKind kind);
const char* to_string(WipeDirection direction);

struct Transition {
    TransitionKind kind = TransitionKind::crossfade;
    Rational duration;
    WipeDirection direction = WipeDirection::right;  ///< wipe
    double softness = 0;  ///< wipe: blended edge width, a fraction of the frame's width or height
};

/// One item on a track. Fields mirror timeline-format.md; "resolved" fields are filled
/// by resolve_timeline() once source durations are known.
struct Item {
    ItemType type = ItemType::clip;
    std::string id;       ///< as written; may be empty
    std::string pointer;  ///< JSON pointer of the item in the project
    Rational start;
    bool enabled = true;

    std::string media;  ///< clip, image
    std::string comp;   ///< comp
    Rational in;
    std::optional<Rational> out;       ///< as written
    Rational speed{1};                 ///< 0: a freeze frame (the frame at `in` for `duration`)
    std::optional<Rational> duration;  ///< image, color, frozen clip or comp
    Color color;                       ///< color

    std::optional<Transform> transform;
    std::optional<Crop> crop;
    /// Not part of the format: a crop read as a window (OTIO, toucan's Crop: x, y, width,
    /// height in source pixels) whose `crop.right` and `crop.bottom` follow from the source's
    /// size, which resolve_timeline() knows: the window's width and height.
    std::optional<std::pair<double, double>> crop_window;
    double opacity = 1;
    Rational fade_in, fade_out;
    std::optional<ColorAdjust> adjust;  ///< the `color` object of non-colour items
    std::optional<Transition> transition_in;
    double gain_db = 0;
    bool mute = false;

    // resolved
    Rational source_out;  ///< `out`, or the source's / composition's end
    Rational end;         ///< start + length on the track

    Rational length() const { return end - start; }
    TimeRange range() const { return {start, end}; }
    /// The id if it has one, else its JSON pointer: how messages and plans name it.
    std::string label() const { return id.empty() ? pointer : id; }
    /// Source (or nested composition) time at track time `t`: in + (t − start) × speed
    /// (always `in` for a freeze frame).
    Rational source_time(const Rational& t) const { return in + (t - start) * speed; }
    /// A clip or comp with speed 0: shows the frame at `in`, silent.
    bool frozen() const { return (type == ItemType::clip || type == ItemType::comp) && speed == Rational(0); }
};

struct Track {
    std::string id;
    std::string pointer;
    TrackKind kind = TrackKind::video;
    bool enabled = true;
    bool mute = false;
    std::vector<Item> items;  ///< ordered by start
};

struct Composition {
    std::string name;  ///< empty for the root
    std::string pointer;
    int width = 0, height = 0;
    std::optional<Rational> declared_duration;
    std::optional<Color> background;  ///< default transparent (black for the root)
    std::vector<Track> tracks;
    Rational duration;  ///< resolved: declared, else the end of its last item
};

enum class MissingFrames { error, black, hold };
const char* to_string(MissingFrames policy);

/// A numbered image sequence (`media.<id>.sequence`): frame i, at source time i / rate,
/// is file number first + i × step, where `path` holds one printf field (%d or %0Nd).
struct ImageSequence {
    Rational rate;
    std::optional<std::int64_t> start, end;  ///< as written; default: what is on disk
    std::int64_t step = 1;
    MissingFrames missing = MissingFrames::error;
};

struct MediaRef {
    std::string id;
    std::string pointer;
    std::string path;                ///< as written
    std::filesystem::path resolved;  ///< against the project's folder
    std::optional<ImageSequence> sequence;
};

struct VideoSettings {
    std::string codec = "h264";
    std::string preset = "veryfast";
    std::optional<double> crf;
    std::optional<std::int64_t> bitrate;
    std::optional<int> gop;  ///< frames; default 2 s of output
    /// The encoder engine: "auto" or an engine's name (encode/engine.h); none: software.
    std::optional<std::string> engine;
};

struct AudioSettings {
    int sample_rate = 48000;
    int channels = 2;
};

/// Output frame rates reel can encode: 1 to 480 frames per second, whose fraction in
/// lowest terms has a numerator and denominator of at most 1,000,000 ("30000/1001" is
/// fine; "30000000000000001/1000000000000000" is not: no encoder's or MP4's time base
/// holds it).
inline constexpr std::int64_t max_fps_term = 1000000;
/// What is wrong with `fps` as an output rate ("outside 1..480 frames per second", ...),
/// or empty.
std::string frame_rate_problem(const Rational& fps);

/// Where the output rate came from, as `reel plan` reports it.
enum class FpsSource {
    timeline,  ///< written in the timeline: `output.fps`, or an OTIO file's metadata.reel.fps
    flag,      ///< the command's --fps
    media,     ///< the most common video rate among the clips' media (OTIO input)
    fallback,  ///< none of these: default_fps
};
/// "timeline", "--fps", "media", "default".
const char* to_string(FpsSource source);
/// The output rate of a timeline that says none and whose clips have no video rate.
inline constexpr int default_fps = 24;

/// A rate written as a decimal near an NTSC rate (23.976, 29.97002997, 59.94...) means that
/// rate exactly, n × 1000/1001; integer rates and others are returned unchanged.
Rational snap_ntsc_rate(const Rational& rate);

struct Output {
    int width = 0, height = 0;
    Rational fps;
    FpsSource fps_source = FpsSource::timeline;  ///< not part of the format: how `fps` was chosen
    Color background;
    AudioSettings audio;
    VideoSettings video;

    /// GOP length in frames: `video.gop`, or two seconds of output rounded.
    int gop_frames() const;
    /// The effective CRF when neither crf nor bitrate is set.
    double crf_or_default() const { return video.crf.value_or(23); }
};

/// What reel knows of a source after probing it; filled by the media module.
struct SourceFacts {
    bool has_video = false;
    bool has_audio = false;
    bool still_image = false;
    std::optional<Rational> duration;  ///< none for still images
    int width = 0, height = 0;         ///< displayed (rotation applied)
    Rational frame_rate;               ///< 0 when unknown or a still image
};
using SourceFactsMap = std::map<std::string, SourceFacts>;

/// A parsed, structurally valid timeline. Immutable once resolved; share freely.
struct Timeline {
    std::filesystem::path file;
    std::filesystem::path dir;
    Output output;
    std::map<std::string, MediaRef> media;
    std::map<std::string, Composition> compositions;
    Composition root;
    std::shared_ptr<const JsonDocument> document;  ///< for locating errors
    /// Read from OpenTimelineIO, which has no image items: a clip whose media probes as a
    /// still image becomes an image item lasting the clip's length (resolve_timeline). A
    /// reel timeline keeps that an error.
    bool clips_may_be_stills = false;

    const Composition& composition(const std::string& name) const;
    /// Root plus named compositions, each once: every item in the project.
    template <typename F>
    void for_each_item(F&& f) const;
    /// Depth of the deepest chain of nested compositions below `c` (0: none).
    int nesting_depth(const Composition& c) const;
    int nesting_depth() const { return nesting_depth(root); }
};

template <typename F>
void Timeline::for_each_item(F&& f) const
{
    auto visit = [&](const Composition& c) {
        for (const auto& t : c.tracks)
            for (const auto& i : t.items) f(c, t, i);
    };
    visit(root);
    for (const auto& [name, c] : compositions) visit(c);
}

}  // namespace reel
