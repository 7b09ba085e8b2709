// SPDX-License-Identifier: Apache-2.0
#pragma once

// Hardware decoding through FFmpeg's hwaccels (--hwdecode): probed, reported, never a
// silent change. Frames come back to system memory for the compositor.

#include <memory>
#include <string>
#include <vector>

namespace reel {

enum class HwDecode { none, cuda, vaapi, qsv };

/// "none", "cuda", "vaapi", "qsv".
const char* to_string(HwDecode device);
/// The names --hwdecode takes: "auto", "none" and every device.
const std::vector<std::string>& hwdecode_requests();

/// Empty when a device of this kind opens here, else why not (checked once per process;
/// thread-safe).
std::string hwdecode_unavailable(HwDecode device);

/// How a render's decoding device was chosen.
struct HwDecodeChoice {
    HwDecode device = HwDecode::none;
    std::string requested = "none";  ///< "auto", "none" or a device
    std::string by = "default";      ///< "default" or "flag"
    std::string why;                 ///< one sentence
};

/// Resolves a request: "auto" takes the first device that opens (cuda, vaapi, qsv), else
/// none, and says why; a named device that cannot open throws Error(decode) (exit 5)
/// naming the reason and --hwdecode none. Unknown names throw Error(usage).
HwDecodeChoice choose_hwdecode(const std::string& requested, const std::string& by);

/// An open hardware device, shared by the decoders of a render (opaque here).
class HwDevice;
/// The process's device of a kind (opened once); null for none. Throws Error(decode) when
/// it cannot be opened.
std::shared_ptr<HwDevice> hwdecode_device(HwDecode device);

}  // namespace reel
