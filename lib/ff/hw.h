// SPDX-License-Identifier: Apache-2.0
#pragma once

// FFmpeg's hardware devices for the encode module's hardware engines, and what libav says
// while one is tried: the messages are often the only reason a device or an encoder gives.

#include <memory>
#include <string>

extern "C" {
struct AVBufferRef;
}

namespace reel::ff {

/// A reference-counted libav buffer (a hardware device or frames context): av_buffer_unref.
struct BufferDeleter {
    void operator()(AVBufferRef* buffer) const noexcept;
};
using BufferPtr = std::unique_ptr<AVBufferRef, BufferDeleter>;

/// While alive, collects the warnings and errors libav logs on this thread, whatever the
/// log level (other threads log as before). Nests: the innermost capture collects.
class LogCapture {
public:
    LogCapture();
    ~LogCapture();
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    /// The messages so far, one per line joined by "; ", without libav's prefixes.
    const std::string& text() const noexcept { return m_text; }
    /// Appends one message (the log callback's).
    void add(const std::string& line);

private:
    std::string m_text;
    LogCapture* m_outer = nullptr;
};

/// Whether a shared library a hardware path needs loads: empty when it does, else the
/// loader's reason ("libcuda.so.1: cannot open shared object file: ...").
std::string library_missing(const char* name);

/// The first DRM render node (/dev/dri/renderD128...), or empty when there is none.
std::string first_render_node();

/// A hardware device of `type` ("cuda", "vaapi", "qsv") on `device` (empty: libav's
/// default). On failure returns null and sets `why` to libav's messages and error.
BufferPtr open_hw_device(const char* type, const std::string& device, std::string& why);

}  // namespace reel::ff
