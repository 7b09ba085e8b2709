// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "cache/segment_cache.h"
#include "plan/plan.h"
#include "render/render.h"
#include "render/segments.h"

namespace reel {

/// `reel segment --stream`: fragmented MP4 (H.264 + AAC, what Media Source Extensions
/// play) to options.output ("-" is stdout): the header first, then each segment's
/// fragments in timeline order as they are encoded (packets of the segment next in line
/// are kept and streamed as they come; segments further ahead, and cached ones, are read
/// back from the cache when complete, so memory holds about one segment's packets). The
/// sound is mixed and encoded a second ahead of the picture. The first fragment holds the
/// first quarter second of pictures; each segment's last fragment goes out as soon as the
/// segment is written. Both tracks start at 0 (signed composition offsets for B-frames; the
/// sound's priming in place of the mix's first samples), so the stream lasts exactly the
/// timeline. Rendered segments are published to the cache too.
RenderResult stream_with_segments(const Timeline& timeline, const SourceTable& sources, const Plan& plan,
                                  SegmentCache& cache, const RenderOptions& options);

}  // namespace reel
