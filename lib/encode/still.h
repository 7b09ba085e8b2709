// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "image/image.h"

#include <filesystem>

namespace reel {

/// Writes a picture in reel's working format (Y'CbCr 4:2:0 BT.709 limited range, alpha
/// when it has one) as a PNG (RGB, or RGBA with alpha), published atomically (replacing
/// `file`). Throws Error(encode) when encoding fails, Error(io) when writing does.
void write_png(const Image& picture, const std::filesystem::path& file);

}  // namespace reel
