// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "timeline/model.h"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace reel {

/// How a timeline is written as OpenTimelineIO.
struct OtioWriteOptions {
    /// Folder the .otio file is written to: media paths that were relative to the
    /// timeline's folder are written relative to this one, so they name the same files.
    /// Empty: the current directory.
    std::filesystem::path dir;
};

/// A resolved timeline (resolve_timeline) as OpenTimelineIO JSON: a Timeline.1 whose
/// Stack.1 holds one Track.1 per track (kind Video or Audio). Clips are Clip.2 with an
/// ExternalReference.1 (ImageSequenceReference.1 for image sequences) whose
/// available_range comes from `facts` (keyed by media id); image items are clips of the
/// still; colour items are clips of a GeneratorReference.1 "SolidColor"; the spaces between
/// items are Gap.1; transition_in is a Transition.1 (crossfade: SMPTE_Dissolve, wipe:
/// "reel:Wipe"); comp items are nested Stack.1 trimmed by their source_range; speed is a
/// LinearTimeWarp.1, speed 0 a FreezeFrame.1. Every time is exact: value / rate equals
/// reel's rational. What OTIO has no field for is kept in `metadata.reel` (the output
/// settings on the Timeline, the item's visual and sound fields in `metadata.reel.item`,
/// a nested composition's size in `metadata.reel.composition`), which read_otio() applies;
/// reel-plan(1), "OpenTimelineIO output", lists it all. Error(timeline) when a time cannot
/// be written exactly or an image sequence has no frame on disk to start from.
nlohmann::json to_otio(const Timeline& timeline, const SourceFactsMap& facts,
                       const OtioWriteOptions& options = {});

}  // namespace reel
