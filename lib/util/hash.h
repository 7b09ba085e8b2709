// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace reel {

/// Incremental SHA-256 (FIPS 180-4). Not thread-safe; one object per stream.
class Sha256 {
public:
    Sha256();
    void update(const void* data, std::size_t size);
    void update(std::string_view text) { update(text.data(), text.size()); }
    /// Finishes the digest; the object must not be updated afterwards.
    std::array<std::uint8_t, 32> finish();
    /// finish() as lower-case hex.
    std::string hex();

private:
    void block(const std::uint8_t* p);

    std::array<std::uint32_t, 8> m_state;
    std::array<std::uint8_t, 64> m_buffer{};
    std::size_t m_used = 0;
    std::uint64_t m_length = 0;
};

/// SHA-256 of a string, as hex.
std::string sha256_hex(std::string_view text);

}  // namespace reel
