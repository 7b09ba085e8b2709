// SPDX-License-Identifier: Apache-2.0
#pragma once

// Inside the media module: what a HwDevice holds (hwdecode.cpp opens it, decoder.cpp
// hands it to FFmpeg's decoders).

#include "ff/hw.h"
#include "media/hwdecode.h"

namespace reel {

class HwDevice {
public:
    ff::BufferPtr device;  ///< an AVHWDeviceContext
    HwDecode kind = HwDecode::none;
};

}  // namespace reel
