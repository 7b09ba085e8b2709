// SPDX-License-Identifier: Apache-2.0
#pragma once

// Synthetic sources for `reel bench`, made with reel's own encoder: moving bands, a moving
// box and per-frame noise (so encoders and decoders do real work), with a tone.

#include "image/image.h"

#include <filesystem>
#include <memory>

namespace reel::cli {

struct BenchSource {
    int width = 1280, height = 720;
    int fps = 30;
    int seconds = 10;
    int seed = 0;  ///< changes the pattern's phase, direction and the tone's pitch
};

/// Frame `t` of a source's pattern (working format).
std::shared_ptr<Image> bench_picture(const BenchSource& source, int t);

/// The file of a source under `dir` (made if it is not there yet; name from the
/// parameters, so a made source is reused by later runs). H.264 veryfast crf 23, GOP 2 s,
/// AAC stereo 48 kHz.
std::filesystem::path bench_source(const std::filesystem::path& dir, const BenchSource& source);

}  // namespace reel::cli
