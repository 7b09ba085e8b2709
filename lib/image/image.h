// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace reel {

/// A pixel value in reel's working space: 8-bit Y'CbCr, BT.709, limited range (Y 16..235,
/// Cb/Cr 16..240), with straight (not premultiplied) alpha 0..255.
struct Yuva {
    std::uint8_t y = 16, u = 128, v = 128, a = 255;
    friend bool operator==(const Yuva&, const Yuva&) = default;
};

/// sRGB 8-bit to BT.709 limited-range Y'CbCr (the matrix the encoder signals).
Yuva rgb_to_yuva(std::uint8_t r, std::uint8_t g, std::uint8_t b, std::uint8_t a = 255);

/// An integer rectangle; empty when w or h <= 0.
struct Rect {
    int x = 0, y = 0, w = 0, h = 0;
    bool empty() const noexcept { return w <= 0 || h <= 0; }
    Rect intersect(const Rect& o) const noexcept;
    friend bool operator==(const Rect&, const Rect&) = default;
};

/// A planar YUV 4:2:0 8-bit picture (reel's working format, the encoder's input) with an
/// optional full-resolution alpha plane. New pictures are uninitialised (call fill()). Chroma planes are
/// ceil(w/2) x ceil(h/2). Owns its memory; move-only to keep copies of megabyte frames explicit (use
/// clone()). Not thread-safe for writes; concurrent reads are fine.
class Image {
public:
    Image() = default;
    Image(int width, int height, bool alpha);
    /// Wraps planes owned by someone else (a decoded frame) without copying; `owner` keeps
    /// them alive as long as this picture. Such a picture is read-only in practice.
    Image(int width, int height, std::uint8_t* const planes[3], const int strides[3],
          std::shared_ptr<void> owner);
    Image(Image&&) noexcept = default;
    Image& operator=(Image&&) noexcept = default;
    Image(const Image&) = delete;
    Image& operator=(const Image&) = delete;
    /// A deep copy with its own memory.
    Image clone() const;

    int width() const noexcept { return m_width; }
    int height() const noexcept { return m_height; }
    int chroma_width() const noexcept { return (m_width + 1) / 2; }
    int chroma_height() const noexcept { return (m_height + 1) / 2; }
    bool has_alpha() const noexcept { return m_alpha; }
    bool empty() const noexcept { return m_width == 0; }

    /// Plane 0 Y, 1 Cb, 2 Cr, 3 alpha (only when has_alpha()).
    std::uint8_t* plane(int i) noexcept { return m_planes[i]; }
    const std::uint8_t* plane(int i) const noexcept { return m_planes[i]; }
    int stride(int i) const noexcept { return m_strides[i]; }
    /// Bytes of picture data (what it costs in a cache).
    std::size_t bytes() const noexcept { return m_size; }

    /// Every pixel set to `c` (alpha too, when there is an alpha plane).
    void fill(const Yuva& c);
    /// Adds an alpha plane (opaque) if there is none.
    void add_alpha();

private:
    int m_width = 0, m_height = 0;
    bool m_alpha = false;
    std::uint8_t* m_planes[4] = {nullptr, nullptr, nullptr, nullptr};
    int m_strides[4] = {0, 0, 0, 0};
    std::size_t m_size = 0;
    std::unique_ptr<std::uint8_t[]> m_data;  ///< own memory, uninitialised until written
    std::shared_ptr<void> m_owner;           ///< or someone else's
};

/// Draws `src` into `dst` with its top-left at (x, y), clipped to `dst`, with the alpha
/// "over" operator; `opacity` (0..1) multiplies src alpha. If `dst` has alpha the result
/// keeps correct straight alpha (a transparent composition canvas); else dst is opaque.
void blend(Image& dst, const Image& src, int x, int y, double opacity);

/// Fills `rect` (clipped to dst) with colour `c` at `opacity`, blended like blend().
void fill_rect(Image& dst, const Rect& rect, const Yuva& c, double opacity);

/// Draws `src` into `dst` through an affine map: a dst pixel centre p samples src at
/// inv * p (bilinear); pixels mapping outside src are left alone. For rotations.
struct Affine {
    double a = 1, b = 0, c = 0;  ///< sx = a*dx + b*dy + c
    double d = 0, e = 1, f = 0;  ///< sy = d*dx + e*dy + f
};
void blend_affine(Image& dst, const Image& src, const Affine& inverse, const Rect& bounds, double opacity);

/// Bilinear resample of the `from` part of src (in src pixels, may be fractional via
/// integer crop) to w x h. Area-averages first when shrinking by more than 2x.
Image scale(const Image& src, const Rect& from, int w, int h);

/// Brightness (-1..1), contrast (0..4) and saturation (0..4) on limited-range Y'CbCr:
/// Y' = 125.5 + (Y - 125.5) * contrast + brightness * 219 (contrast about mid grey),
/// C' = 128 + (C - 128) * saturation; results clamped to the legal range. Identity at (0, 1, 1).
void adjust_color(Image& img, double brightness, double contrast, double saturation);

/// a := a * (1 - w) + b * w for two same-size pictures with alpha (alpha-weighted), the
/// linear dissolve of a crossfade.
void mix(Image& a, const Image& b, double w);

/// mix() with a weight of b (0..255) per luma column (`per_column`) or per luma row: the
/// blend of a wipe. `weights` has width() or height() entries; a chroma sample takes the
/// weight of its block's first luma column or row.
void mix_varying(Image& a, const Image& b, const std::vector<std::uint8_t>& weights, bool per_column);

/// The picture mirrored left to right (`x`) and/or top to bottom (`y`), alpha included.
Image flipped(const Image& src, bool x, bool y);

}  // namespace reel
