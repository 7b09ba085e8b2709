// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "timeline/json_document.h"
#include "timeline/model.h"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace reel {

/// How an OpenTimelineIO file is read.
struct OtioOptions {
    /// Folder that relative media paths are resolved against; empty: the .otio file's
    /// folder. When set, an absolute media path that does not exist is also looked for
    /// under it, by its trailing path components (longest first, down to the file name).
    std::filesystem::path media_root;
};

/// An OTIO timeline mapped onto reel's model, and what the mapping left out.
struct OtioTimeline {
    /// Parsed and structurally complete, like parse_timeline()'s result: items carry
    /// their OTIO names as ids and their JSON pointers into the .otio file; clips and
    /// nested compositions have explicit `in`/`out`. Still to be resolved with source
    /// facts (resolve_timeline).
    Timeline timeline;
    /// Things reel ignored or changed that may change the picture or sound: effects it
    /// cannot apply, clips cut short at the end of their media, transitions of other
    /// kinds drawn as dissolves, disabled clips without media left out.
    std::vector<std::string> warnings;
    /// Proxies named by the file: for a media entry, the local file of a clip's media
    /// reference under one of proxy_reference_keys (OTIO Clip.2 `media_references`),
    /// whichever reference is active. `reel render --proxy` decodes it instead of the media.
    std::map<std::string, std::filesystem::path> proxies;
};

/// The keys of an OTIO clip's `media_references` that name its proxy, in the order they
/// are looked for.
inline constexpr const char* proxy_reference_keys[] = {"proxy", "PROXY"};

/// True for paths reel reads as OTIO: names ending in .otio, .otiod (a bundle folder
/// holding content.otio) or .otioz (a zipped bundle, which is reported as unsupported).
bool is_otio_path(const std::filesystem::path& file);

/// OTIO's JSON with its extensions made parseable: bare NaN, Inf, Infinity, -Inf and
/// -Infinity outside strings become strings of the same length ("N", "-I", "Infini", ...)
/// so every other value keeps its line and column. Such a string where reel needs a
/// number is reported as a non-finite number.
std::string otio_json_text(std::string text);

/// Maps a parsed OTIO document (Timeline.1, a SerializableCollection holding one, or a
/// bare Stack or Track) onto reel's model, following timeline-format.md and
/// otio-notes.md; reel-plan(1) documents the mapping. `file` names the .otio file: it
/// locates relative media paths and appears in messages. Every problem found is
/// reported together: the thrown Error(timeline) is the first, the others in more(),
/// each naming the OTIO object and its schema, with the JSON pointer, line and column
/// of the object in the .otio file.
OtioTimeline read_otio(std::shared_ptr<const JsonDocument> doc, const std::filesystem::path& file,
                       const OtioOptions& options = {});

/// Reads `file` (an .otio file, or an .otiod bundle folder) and maps it as above.
/// Error(io) if it cannot be read; Error(timeline) for malformed JSON.
OtioTimeline load_otio(const std::filesystem::path& file, const OtioOptions& options = {});

}  // namespace reel
