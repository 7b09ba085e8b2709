// SPDX-License-Identifier: Apache-2.0
#pragma once

// Synthetic sources for `reel bench`, made with reel's own encoder: moving bands, a moving
// box and per-frame noise (so encoders and decoders do real work), with a tone.

#include "image/image.h"

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace reel {

/// The parameters of one synthetic source; its file name is made from them, so equal
/// parameters mean the same file. Plain data.
struct BenchSource {
    int width = 1280, height = 720;
    int fps = 30;
    int seconds = 10;
    int seed = 0;  ///< changes the pattern's phase, direction and the tone's pitch
};

/// Frame `t` of a source's pattern, a new working-format picture owned by the caller.
/// Thread-safe (no shared state).
std::shared_ptr<Image> bench_picture(const BenchSource& source, int t);

/// The source's whole tone (220 Hz x (1 + seed / 4), amplitude 0.2) as interleaved stereo
/// float samples at `sample_rate`. Thread-safe.
std::vector<float> bench_tone(const BenchSource& source, int sample_rate);

/// The file name of a source: "src-<W>x<H>-<FPS>fps-<N>s-<SEED>.mp4" (what the case files
/// of bench/pipeline/ name as "media/<file name>").
std::string bench_source_name(const BenchSource& source);

/// The file of a source under `dir` (both made if not there yet; a made file is reused by
/// later calls): H.264 veryfast crf 23, GOP 2 s, AAC stereo 48 kHz. A partial file is never
/// left under the name. Throws Error(interrupted) when `*cancel` becomes true, Error(io) or
/// Error(encode) on failure. Two processes making the same file at once both succeed (the
/// later rename wins); within one process, call it from one thread per file.
std::filesystem::path make_bench_source(const std::filesystem::path& dir, const BenchSource& source,
                                        const std::atomic<bool>* cancel = nullptr);

}  // namespace reel
