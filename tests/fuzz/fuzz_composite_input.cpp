// SPDX-License-Identifier: Apache-2.0
// `reel composite`'s input checker on damaged MP4s: the input is written as a file,
// opened as an encoded input (also as Annex B), its packets read to the end, and checked
// for compatibility against itself; the sound reader reads it too. Error(media) is the
// answer for a file that cannot be used.
#include "encode/composite.h"
#include "util/error.h"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const std::string path =
        (std::filesystem::temp_directory_path() / ("reel-fuzz-" + std::to_string(::getpid()) + ".mp4"))
            .string();
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(data), std::streamsize(size));
    for (bool annex_b : {false, true}) {
        try {
            reel::EncodedInput input(path, annex_b);
            (void)reel::incompatibility(input, input);
            reel::Packet packet;
            bool is_video = false;
            for (int n = 0; n < 10000 && input.next(packet, is_video); ++n) packet.unref();
        } catch (const reel::Error& e) {
            (void)e.describe();
        }
    }
    try {
        reel::TrackReader sound(path);
        reel::Packet packet;
        for (int n = 0; n < 10000 && sound.next(packet); ++n) {
        }
    } catch (const reel::Error& e) {
        (void)e.describe();
    }
    return 0;
}
