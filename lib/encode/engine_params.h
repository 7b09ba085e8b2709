// SPDX-License-Identifier: Apache-2.0
#pragma once

// One table from reel's encoder settings (crf or bitrate, gop, preset) to each engine's
// own parameters: pure functions, so every engine's mapping is unit-tested without its
// hardware. reel-render(1) prints the same table.
//
// The rules, for every engine:
// - crf N is constant quality: x264/x265 crf N (fractions kept); NVENC VBR with cq N;
//   VAAPI constant QP N; QSV ICQ with global_quality N; oneVPL ICQ with ICQQuality N.
//   Hardware quality is a whole number from 1 to 51: N is rounded, 0 becomes 1.
// - bitrate B is an average: x264/x265 ABR at B; hardware VBR at B with a peak of 2B
//   (NVENC and QSV also a 2B buffer).
// - gop G: an IDR frame every G frames, closed GOPs, no scene-cut keyframes.
// - preset: the x264 names, on hardware as a speed level from 1 (slowest, best) to 7
//   (fastest): placebo and veryslow 1, slower 2, slow 3, medium 4, fast 5, faster 6,
//   veryfast, superfast and ultrafast 7. NVENC p(8-level), QSV its seven names, VAAPI
//   compression_level = level, oneVPL TargetUsage = level.
// - B-frames: software keeps the preset's; hardware encodes none (I and P only).
// - profile: software the encoder's choice (High for H.264 4:2:0, Main for HEVC);
//   hardware asks for the same (high, main) explicitly.

#include "encode/encoder.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace reel {

/// What an FFmpeg encoder (software, NVENC, VAAPI, QSV) is opened with.
struct FfmpegEncoderSetup {
    std::string encoder;  ///< "libx264", "h264_nvenc", ...
    /// Private options in the order they are set ("crf", "preset", "rc", ...).
    std::vector<std::pair<std::string, std::string>> options;
    std::int64_t bit_rate = 0, max_rate = 0, buffer_size = 0;  ///< bits/s, bits; 0 unset
    int max_b_frames = -1;                                     ///< -1: the encoder's default
    int compression_level = -1;                                ///< -1: unset
    std::string device;   ///< the hardware device type the encoder needs: "", "vaapi", "qsv"
    bool upload = false;  ///< pictures go to the device as NV12 surfaces (VAAPI, QSV)
};

/// The setup for settings.engine (not onevpl). Throws Error(usage) for a codec the
/// engine does not encode.
FfmpegEncoderSetup ffmpeg_encoder_setup(const EncoderSettings& settings);

/// What reel's oneVPL engine asks of the runtime (mfxVideoParam, in reel's words).
struct VplEncoderSetup {
    std::string codec;                           ///< "h264" (MFX_CODEC_AVC) | "hevc" (MFX_CODEC_HEVC)
    std::string profile;                         ///< "high" | "main"
    std::string rate_control;                    ///< "icq" | "vbr"
    int quality = 0;                             ///< ICQQuality, 1..51 (icq)
    std::int64_t target_kbps = 0, max_kbps = 0;  ///< vbr
    int target_usage = 4;                        ///< 1 best quality .. 7 best speed
    int gop = 0;                                 ///< GopPicSize
    int ref_dist = 1;                            ///< GopRefDist: 1 = no B-frames
    int idr_interval = 0;                        ///< 0: every I frame is an IDR frame
    bool closed_gop = true, strict_gop = true;
};

/// Throws Error(usage) for a codec oneVPL is not asked to encode (av1, vp9).
VplEncoderSetup vpl_encoder_setup(const EncoderSettings& settings);

/// The hardware speed level of an x264 preset name (see above); 7 for an empty one.
int preset_speed_level(const std::string& preset);
/// Hardware quality from a crf: rounded, within 1..51.
int hardware_quality(double crf);

}  // namespace reel
